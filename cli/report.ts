/** Loading and validating job files for the CLI, and printing what was found. */
import { formatProblem, type Problem } from '../core/problems.js';
import type { JobIR } from '../jobs/ir.js';
import { JobLoadError, loadJobFile } from '../jobs/load.js';
import { validateJob } from '../jobs/validate.js';

export interface CheckedJob {
  readonly file: string;
  readonly name?: string;
  readonly ir?: JobIR;
  readonly problems: readonly Problem[];
}

/** Loads and validates one job file; a file that fails to load is one error problem. */
export async function checkJobFile(file: string): Promise<CheckedJob> {
  let definition: unknown;
  try {
    definition = await loadJobFile(file);
  } catch (e) {
    if (!(e instanceof JobLoadError)) throw e;
    return { file, problems: [{ severity: 'error', file, path: '', message: e.message.slice(file.length + 2) }] };
  }
  const result = validateJob(definition, { file });
  const name = result.ir?.settings.name ?? (definition as { name?: unknown }).name;
  return { file, ...(typeof name === 'string' && { name }), ...(result.ir && { ir: result.ir }), problems: result.problems };
}

/** Prints every problem to stderr, then a one-line count. */
export function printProblems(jobs: readonly CheckedJob[]): void {
  for (const job of jobs) for (const p of job.problems) console.error(formatProblem(p));
  const errors = jobs.flatMap((j) => j.problems).filter((p) => p.severity === 'error').length;
  const warnings = jobs.flatMap((j) => j.problems).length - errors;
  if (errors + warnings > 0) console.error(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
}
