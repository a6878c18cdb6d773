/**
 * DenseIntegerKeys: when a join's build side may be indexed by value, and the slot each
 * probing value gets (NULLs, values out of the range and 64-bit values beyond 32 bits
 * included). The joins themselves are tested end to end in test/local/join.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { t } from '../../catalog/types.js';
import { DenseIntegerKeys } from '../../kernels/dense-keys.js';
import { column } from './rows.js';

describe('DenseIntegerKeys', () => {
  it('indexes a dense range by value minus the smallest key, across batches', () => {
    const keys = DenseIntegerKeys.of([column(t.int(), [5, 7, null]), column(t.int(), [6, 5])], t.int(), 5)!;
    expect(keys.slots).toBe(3);
    expect([...keys.slotsOf(column(t.int(), [5, 6, 7, 4, 8, null, -5]), 7)]).toEqual([0, 1, 2, -1, -1, -1, -1]);
  });

  it('handles negative keys and the narrow integer types', () => {
    const tiny = DenseIntegerKeys.of([column(t.tinyint(), [-128, 127])], t.tinyint(), 2)!;
    expect(tiny.slots).toBe(256);
    expect([...tiny.slotsOf(column(t.tinyint(), [-128, 0, 127]), 3)]).toEqual([0, 128, 255]);
    const small = DenseIntegerKeys.of([column(t.smallint(), [-3, -1])], t.smallint(), 2)!;
    expect([...small.slotsOf(column(t.smallint(), [-2, -1, -4]), 3)]).toEqual([1, 2, -1]);
  });

  it('reads dates as their day numbers', () => {
    const keys = DenseIntegerKeys.of([column(t.date(), ['2024-01-01', '2024-01-31'])], t.date(), 2)!;
    expect(keys.slots).toBe(31);
    expect([...keys.slotsOf(column(t.date(), ['2024-01-02', '2023-12-31']), 2)]).toEqual([1, -1]);
  });

  it('gives a 64-bit probe beyond 32 bits no slot, even when its low word is in range', () => {
    const keys = DenseIntegerKeys.of([column(t.bigint(), [1n, 2n, 3n])], t.bigint(), 3)!;
    // 2^32 + 1 has low word 1; -2^32 + 2 has low word 2.
    expect([...keys.slotsOf(column(t.bigint(), [4294967297n, 2n, -4294967294n, -1n, 3n]), 5)]).toEqual([-1, 1, -1, -1, 2]);
  });

  it('reads timestamps as 64-bit values (microseconds) that must fit 32 bits', () => {
    expect(DenseIntegerKeys.of([column(t.timestamp(), ['2024-01-01 00:00:00'])], t.timestamp(), 1)).toBeUndefined();
    const keys = DenseIntegerKeys.of([column(t.timestamp(), ['1970-01-01 00:00:00', '1970-01-01 00:00:00.000009'])], t.timestamp(), 2)!;
    expect([...keys.slotsOf(column(t.timestamp(), ['1970-01-01 00:00:00.000001', null]), 2)]).toEqual([1, -1]);
  });

  it('declines a build side it cannot index', () => {
    // A key beyond 32 bits.
    expect(DenseIntegerKeys.of([column(t.bigint(), [1n, 3000000000n])], t.bigint(), 2)).toBeUndefined();
    // A sparse range: 1,000,000 slots for 2 rows.
    expect(DenseIntegerKeys.of([column(t.int(), [1, 1_000_000])], t.int(), 2)).toBeUndefined();
    // Not an integer type.
    expect(DenseIntegerKeys.of([column(t.string(), ['a'])], t.string(), 1)).toBeUndefined();
    expect(DenseIntegerKeys.of([column(t.double(), [1])], t.double(), 1)).toBeUndefined();
  });

  it('accepts a small range whatever the row count, and a wide one only with enough rows', () => {
    expect(DenseIntegerKeys.of([column(t.int(), [0, 16_000])], t.int(), 2)?.slots).toBe(16_001);
    const wide = Array.from({ length: 50_000 }, (_, i) => i * 4);
    expect(DenseIntegerKeys.of([column(t.int(), wide)], t.int(), wide.length)?.slots).toBe(199_997);
    expect(DenseIntegerKeys.of([column(t.int(), wide.map((v) => v * 2))], t.int(), wide.length)).toBeUndefined();
  });

  it('matches nothing when the build side has only NULL keys', () => {
    const keys = DenseIntegerKeys.of([column(t.int(), [null, null])], t.int(), 2)!;
    expect(keys.slots).toBe(0);
    expect([...keys.slotsOf(column(t.int(), [0, 1, null]), 3)]).toEqual([-1, -1, -1]);
  });
});
