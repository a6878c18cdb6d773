/**
 * Validation never throws, whatever a (possibly untyped) job file holds: every field of
 * every node, and every job setting, of two jobs is replaced in turn by malformed values.
 * Each variant must come back as a result, with an error wherever it is not a valid job.
 */
import { describe, expect, it } from 'vitest';
import example from '../examples/orders/job.js';
import { defineJob, validateJob, type JobDefinition } from '../index.js';
import everyTransform from './jobs/every-transform.js';

const GARBAGE: unknown[] = [undefined, null, 42, -1, 'x', '', [], {}, [null], { kind: 'x' }, true, Number.NaN];

function variants(job: JobDefinition): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(job)) {
    if (key === 'kind') continue;
    for (const g of GARBAGE) out.push([`${key} = ${String(g)}`, defineJob({ ...job, [key]: g } as never)]);
  }
  for (const section of ['sources', 'transforms', 'sinks'] as const) {
    for (const [id, node] of Object.entries(job[section] ?? {})) {
      for (const field of Object.keys(node as object)) {
        for (const g of GARBAGE) {
          const changed = { ...(job[section] as object), [id]: { ...(node as object), [field]: g } };
          out.push([`${section}.${id}.${field} = ${String(g)}`, defineJob({ ...job, [section]: changed } as never)]);
        }
      }
      for (const g of GARBAGE) out.push([`${section}.${id} = ${String(g)}`, defineJob({ ...job, [section]: { ...(job[section] as object), [id]: g } } as never)]);
    }
  }
  return out;
}

describe.each([
  ['the example', example],
  ['the every-transform job', everyTransform],
])('malformed variants of %s', (_name, job) => {
  const all = variants(job);

  it(`are all reported, never thrown (${all.length} variants)`, () => {
    const crashes: string[] = [];
    for (const [name, definition] of all) {
      try {
        const result = validateJob(definition, { file: 'job.ts' });
        if (!result.ir) expect(result.problems.some((p) => p.severity === 'error'), name).toBe(true);
        for (const p of result.problems) expect(p.message.length, name).toBeGreaterThan(0);
      } catch (e) {
        crashes.push(`${name}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
      }
    }
    expect(crashes).toEqual([]);
  });
});
