/**
 * Semantic comparison of what gluekit wants with what AWS holds. Maps (job arguments,
 * tags, Glue Studio nodes keyed by id) are compared key by key and objects member by
 * member, so a change reads as `DefaultArguments["--foo"]: "a" -> "b"`, never as two
 * JSON blobs. Values Glue fills in by itself are not changes: an absent member and its
 * Glue default (Timeout 2880, MaxRetries 0, one concurrent run, STANDARD execution, ...)
 * are the same setting, and so are an absent member and an empty one ("", [], {}).
 */
import type { FieldChange } from './types.js';

/** JobUpdate members Glue answers with when they were never set, and the value that means "not set". */
const JOB_DEFAULTS: Readonly<Record<string, unknown>> = {
  Timeout: 2880,
  MaxRetries: 0,
  ExecutionProperty: { MaxConcurrentRuns: 1 },
  ExecutionClass: 'STANDARD',
  JobRunQueuingEnabled: false,
};

/**
 * GetJob members that are not settings: timestamps, and capacities Glue derives from the
 * worker type and count (AllocatedCapacity, MaxCapacity). JobMode is how the console
 * last showed the job (Glue sets VISUAL when nodes are sent); gluekit does not manage it.
 */
const NOT_SETTINGS = new Set(['Name', 'CreatedOn', 'LastModifiedOn', 'AllocatedCapacity', 'MaxCapacity', 'JobMode', 'ProfileName', 'AutoUpgradeMetadata']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function member(path: string, key: string): string {
  const part = IDENTIFIER.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return part;
  return part.startsWith('[') ? `${path}${part}` : `${path}.${part}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/** Drops null, undefined, "", [] and {} members, recursively: Glue and the SDK use them interchangeably with absence. */
export function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalise(v);
      if (!isEmpty(n)) out[k] = n;
    }
    return out;
  }
  return value;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (isPlainObject(value) && Object.keys(value).length === 0)
  );
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Member-by-member differences of two normalised values; arrays are compared whole (order matters in Glue's lists). */
export function diffValues(path: string, before: unknown, after: unknown, out: FieldChange[] = []): FieldChange[] {
  if (deepEqual(before, after)) return out;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) diffValues(member(path, k), before[k], after[k], out);
    return out;
  }
  out.push({ field: path, ...(before !== undefined && { before }), ...(after !== undefined && { after }) });
  return out;
}

/** Fills in Glue's default for every absent member that has one, so that "absent" and "default" compare equal. */
function withDefaults(job: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...JOB_DEFAULTS };
  for (const [k, v] of Object.entries(job)) if (!NOT_SETTINGS.has(k) && k !== 'Tags') out[k] = v;
  // Glue's Spark ETL command defaults to Python 3.
  const command = out.Command as Record<string, unknown> | undefined;
  if (command && command.PythonVersion === undefined) out.Command = { ...command, PythonVersion: '3' };
  return out;
}

/**
 * The changes UpdateJob with `desired` would make to `live` (a GetJob result). Members
 * set out of band that gluekit does not send (a LogUri, Connections) are changes too:
 * UpdateJob resets them.
 */
export function diffJob(live: Record<string, unknown>, desired: Record<string, unknown>): FieldChange[] {
  const before = withDefaults(normalise(live) as Record<string, unknown>);
  const after = withDefaults(normalise(desired) as Record<string, unknown>);
  return diffValues('', before, after);
}

/** Tag changes; `aws:` tags belong to AWS and are never touched. */
export function diffTags(live: Readonly<Record<string, string>>, desired: Readonly<Record<string, string>>): FieldChange[] {
  const own = Object.fromEntries(Object.entries(live).filter(([k]) => !/^aws:/i.test(k)));
  return diffValues('Tags', own, desired);
}
