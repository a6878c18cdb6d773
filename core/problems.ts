/**
 * Problems found while validating a job. Validation never stops at the first one: every
 * check reports into a ProblemList, and the caller decides what to do with all of them.
 * Each problem names where it is: the job file, the job, the node id and the field path
 * inside that node's definition (or inside the job's settings when there is no node).
 */

export type Severity = 'error' | 'warning';

export interface Problem {
  readonly severity: Severity;
  /** The job file, as the user named it. */
  readonly file?: string;
  /** The job's name, when it is known. */
  readonly job?: string;
  /** The node id (source, transform or sink), when the problem belongs to one. */
  readonly node?: string;
  /** Dotted field path, from the job definition's root (e.g. `transforms.paid.where.left`). */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
}

export class ProblemList {
  readonly items: Problem[] = [];
  constructor(
    private readonly file?: string,
    public job?: string,
  ) {}

  error(path: string, message: string, hint?: string, node?: string): void {
    this.add('error', path, message, hint, node);
  }

  warn(path: string, message: string, hint?: string, node?: string): void {
    this.add('warning', path, message, hint, node);
  }

  get errorCount(): number {
    return this.items.filter((p) => p.severity === 'error').length;
  }

  /** A reporter bound to one node and one field path prefix. */
  at(path: string, node?: string): Reporter {
    return new Reporter(this, path, node);
  }

  private add(severity: Severity, path: string, message: string, hint: string | undefined, node: string | undefined) {
    const problem: Problem = {
      severity,
      ...(this.file !== undefined && { file: this.file }),
      ...(this.job !== undefined && { job: this.job }),
      ...(node !== undefined && { node }),
      path,
      message,
      ...(hint !== undefined && { hint }),
    };
    this.items.push(Object.freeze(problem));
  }
}

/** Reports problems below a fixed path prefix; `child` descends one field. */
export class Reporter {
  constructor(
    private readonly list: ProblemList,
    readonly path: string,
    readonly node?: string,
  ) {}

  child(field: string | number): Reporter {
    return new Reporter(this.list, joinPath(this.path, field), this.node);
  }

  error(message: string, hint?: string): void {
    this.list.error(this.path, message, hint, this.node);
  }

  warn(message: string, hint?: string): void {
    this.list.warn(this.path, message, hint, this.node);
  }
}

export function joinPath(base: string, field: string | number): string {
  if (typeof field === 'number') return `${base}[${field}]`;
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(field)) return `${base}[${JSON.stringify(field)}]`;
  return base ? `${base}.${field}` : field;
}

/** One line per problem: `file: job "x", node "y", at path: message (hint)`. */
export function formatProblem(p: Problem): string {
  const where = [
    p.job !== undefined && `job "${p.job}"`,
    p.node !== undefined && `node "${p.node}"`,
    p.path && `at ${p.path}`,
  ]
    .filter(Boolean)
    .join(', ');
  const head = `${p.file ?? '<job>'}: ${p.severity}: ${where ? `${where}: ` : ''}${p.message}`;
  return p.hint ? `${head}\n    hint: ${p.hint}` : head;
}

/** Thrown by APIs that need a valid job; carries every problem found. */
export class ValidationError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n'));
    this.name = 'ValidationError';
  }
}
