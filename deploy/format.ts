/**
 * Plans and apply results as text for people: one line per resource with a sign
 * (+ create, ~ update, - delete, = unchanged, ! error), the field-level changes beneath
 * updates, and a summary line. Colour only when asked (the CLI asks on a terminal
 * without NO_COLOR), so logs and pipes get plain text.
 */
import type { ApplyResult, AppliedResource, FieldChange, PlannedResource, PlanResult } from './types.js';

export interface FormatOptions {
  readonly color: boolean;
}

/** Whether a stream should get colour: a terminal, and NO_COLOR (https://no-color.org) unset or empty. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

const CODES = { green: 32, yellow: 33, red: 31, dim: 2, bold: 1 } as const;
type Paint = (style: keyof typeof CODES, text: string) => string;
const painter = (color: boolean): Paint => (style, text) => (color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text);

const SIGN: Record<string, [string, keyof typeof CODES]> = {
  create: ['+', 'green'],
  update: ['~', 'yellow'],
  delete: ['-', 'red'],
  unchanged: ['=', 'dim'],
  check: ['=', 'dim'],
  unknown: ['!', 'red'],
};

function value(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function change(c: FieldChange, paint: Paint): string {
  if (!('before' in c)) return `${c.field}: ${paint('green', `+ ${value(c.after)}`)}`;
  if (!('after' in c)) return `${c.field}: ${paint('red', `- ${value(c.before)}`)}`;
  return `${c.field}: ${paint('red', value(c.before))} -> ${paint('green', value(c.after))}`;
}

function owners(r: PlannedResource): string {
  if (r.jobs.length === 0) return r.action === 'delete' ? ' (not defined; carries gluekit\'s management mark)' : '';
  if (r.kind === 'job' || r.kind === 'tags') return '';
  return ` (job${r.jobs.length > 1 ? 's' : ''} ${r.jobs.map((j) => `"${j}"`).join(', ')})`;
}

function header(r: PlannedResource, what: string, paint: Paint): string {
  const [sign, style] = r.error ? ['!', 'red' as const] : SIGN[r.action]!;
  return `${paint(style, sign)} ${r.kind} ${paint('bold', r.name)}${owners(r)}: ${what}`;
}

/** Creates list every field, which says little more than "create": only updates and deletes list theirs. */
function details(r: PlannedResource, paint: Paint): string[] {
  const lines: string[] = [];
  if (r.action === 'update' || r.action === 'unknown') for (const c of r.changes) lines.push(`    ${change(c, paint)}`);
  if (r.error) lines.push(`    ${paint('red', `error: ${r.error}`)}`);
  return lines;
}

export function formatPlan(result: PlanResult, options: FormatOptions): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  for (const r of result.resources) {
    const what = r.error ? 'error' : r.action === 'check' ? 'exists and is enabled' : r.action;
    lines.push(header(r, what, paint), ...details(r, paint));
  }
  lines.push('', planSummary(result));
  return lines.join('\n');
}

export function planSummary(result: PlanResult): string {
  const count = (action: string) => result.resources.filter((r) => r.action === action && !r.error).length;
  const errors = result.resources.filter((r) => r.error).length;
  const parts = `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ${count('unchanged')} unchanged`;
  if (errors > 0) return `Plan: ${parts}; ${errors} error${errors === 1 ? '' : 's'}.`;
  return result.hasChanges ? `Plan: ${parts}.` : 'No changes: AWS matches the definitions.';
}

export function formatApply(result: ApplyResult, options: FormatOptions): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  for (const r of result.resources) {
    lines.push(header(r, outcomeText(r), paint));
    if (r.outcome === 'updated') for (const c of r.changes) lines.push(`    ${change(c, paint)}`);
    if (r.error) lines.push(`    ${paint('red', r.error)}`);
  }
  const count = (outcome: string) => result.resources.filter((r) => r.outcome === outcome).length;
  const failures = count('failed') + count('skipped');
  lines.push('');
  if (!result.changed && failures === 0) lines.push('No changes: AWS matched the definitions.');
  else
    lines.push(
      `Deploy: ${count('created')} created, ${count('updated')} updated, ${count('deleted')} deleted, ${count('unchanged')} unchanged` +
        (failures > 0 ? `; ${count('failed')} failed, ${count('skipped')} skipped.` : '.'),
    );
  return lines.join('\n');
}

function outcomeText(r: AppliedResource): string {
  return r.outcome === 'checked' ? 'exists and is enabled' : r.outcome;
}
