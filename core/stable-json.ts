/**
 * JSON text that is byte-identical across runs: objects are printed in the key order
 * they were built in, except where `sortKeys` says to sort (maps such as arguments and
 * tags, whose order would otherwise follow the job file's).
 */

/** Returns a copy of `value` with the keys of every plain object sorted, recursively. */
export function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortedKeys((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}

/** Two-space indented JSON with a final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
