/**
 * 64-bit comparisons (BIGINT, TIMESTAMP) read each value as two 32-bit words: the high
 * word decides, as a signed number, and the low one breaks ties unsigned. Values chosen
 * where a wrong reading of either word would show: signs, word boundaries, the extremes.
 */
import { describe, expect, it } from 'vitest';
import type { GlueType } from '../../catalog/types.js';
import { compareValues } from '../../kernels/compare.js';
import type { Value } from '../../kernels/columns.js';
import { column, valuesOf } from './rows.js';

const LONGS = [-(2n ** 63n), -(2n ** 32n) - 1n, -(2n ** 32n), -(2n ** 31n) - 1n, -(2n ** 31n), -1n, 0n, 1n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n];
const OPS = ['=', '<>', '<', '<=', '>', '>='] as const;
const holds = (op: (typeof OPS)[number], a: bigint, b: bigint) => ({ '=': a === b, '<>': a !== b, '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b })[op];

function value(type: GlueType, values: unknown[], scalar = false): Value {
  return { data: column(type, values), type, scalar };
}

describe('comparing 64-bit values', () => {
  const left = LONGS.flatMap((a) => LONGS.map(() => a));
  const right = LONGS.flatMap(() => LONGS);

  it.each(OPS)('bigint %s bigint, column against column', (op) => {
    const result = compareValues(op, value({ kind: 'bigint' }, left), value({ kind: 'bigint' }, right), left.length);
    expect(valuesOf(result.data, { kind: 'boolean' })).toEqual(left.map((a, i) => holds(op, a, right[i]!)));
  });

  it.each(OPS)('bigint %s a literal on either side, NULLs give NULL', (op) => {
    for (const literal of [-1n, 2n ** 32n]) {
      const rows = [...LONGS, null];
      const columnFirst = compareValues(op, value({ kind: 'bigint' }, rows), value({ kind: 'bigint' }, [literal], true), rows.length);
      expect(valuesOf(columnFirst.data, { kind: 'boolean' })).toEqual(rows.map((a) => (a === null ? null : holds(op, a, literal))));
      const literalFirst = compareValues(op, value({ kind: 'bigint' }, [literal], true), value({ kind: 'bigint' }, rows), rows.length);
      expect(valuesOf(literalFirst.data, { kind: 'boolean' })).toEqual(rows.map((a) => (a === null ? null : holds(op, literal, a))));
    }
  });

  it('orders timestamps (microseconds) before and after 1970 and across word boundaries', () => {
    const times = ['1900-01-01 00:00:00', '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00', '1970-01-01 01:11:34.967296', '2024-01-01 00:00:00', '2262-04-11 23:47:16.854775'];
    const a = times.flatMap((x) => times.map(() => x));
    const b = times.flatMap(() => times);
    const result = compareValues('<', value({ kind: 'timestamp' }, a), value({ kind: 'timestamp' }, b), a.length);
    expect(valuesOf(result.data, { kind: 'boolean' })).toEqual(a.map((x, i) => times.indexOf(x) < times.indexOf(b[i]!)));
  });
});
