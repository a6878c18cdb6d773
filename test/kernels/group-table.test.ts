/**
 * GroupTable's slots against a Map over each row's values: numbered in order of first
 * appearance across batches, NULLs one value, new slots reported with their first rows.
 * Keys of one-word columns over small ranges go through the direct index
 * (kernels/direct-groups.ts), whose ranges grow as batches arrive and which turns itself
 * off when they grow too far; the slots must not change when either happens.
 */
import { describe, expect, it } from 'vitest';
import type { GlueType } from '../../catalog/types.js';
import { t } from '../../catalog/types.js';
import { GroupTable } from '../../kernels/keys.js';
import { column, random } from './rows.js';

type Value = number | string | null;

/** Runs batches through a GroupTable and through a Map, and compares slots and opened rows. */
function expectSlots(types: GlueType[], batches: Value[][][]): void {
  const table = new GroupTable(types);
  const reference = new Map<string, number>();
  for (const rows of batches) {
    const columns = types.map((type, c) => column(type, rows.map((row) => row[c])));
    const { slotOf, openedRows, firstOpened } = table.assign(columns, rows.length);
    const expectedOpened: number[] = [];
    const expectedSlots = rows.map((row, i) => {
      const key = JSON.stringify(row);
      let slot = reference.get(key);
      if (slot === undefined) {
        reference.set(key, (slot = reference.size));
        expectedOpened.push(i);
      }
      return slot;
    });
    expect([...slotOf]).toEqual(expectedSlots);
    expect([...openedRows]).toEqual(expectedOpened);
    expect(firstOpened).toBe(reference.size - expectedOpened.length);
  }
  expect(table.count).toBe(reference.size);
}

function batchesOf(rows: Value[][], size: number): Value[][][] {
  const out: Value[][][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

describe('GroupTable', () => {
  const next = random(11);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const days = Array.from({ length: 30 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`);

  it('numbers date, string and int keys over small ranges in order of first appearance, NULLs included', () => {
    const rows = Array.from({ length: 3000 }, () => [pick([...days, null]), pick(['FR', 'DE', 'ÉS', '', null]), pick([-2, -1, 0, 1, null])]);
    expectSlots([t.date(), t.string(), t.int()], batchesOf(rows, 257));
  });

  it('keeps slots while ranges grow batch after batch (values that keep rising, then falling)', () => {
    const rising = Array.from({ length: 2000 }, (_, i) => [i >> 2, pick(['a', 'b'])]);
    const falling = Array.from({ length: 2000 }, (_, i) => [-(i >> 2), pick(['a', 'b', 'c'])]);
    expectSlots([t.int(), t.string()], batchesOf([...rising, ...falling], 100));
  });

  it('keeps slots when the ranges outgrow the direct index mid-stream', () => {
    const narrow = Array.from({ length: 1000 }, () => [pick([1, 2, 3]), pick([10, 20])]);
    const wide = Array.from({ length: 1000 }, () => [Math.floor(next() * 2_000_000), pick([10, 20, 30])]);
    const again = Array.from({ length: 500 }, () => [pick([1, 2, 3]), pick([10, 20])]);
    expectSlots([t.int(), t.smallint()], batchesOf([...narrow, ...wide, ...again], 300));
  });

  it('numbers keys of wide columns (bigint, decimal) and booleans the same way', () => {
    const rows = Array.from({ length: 2000 }, () => [pick(['1', '-1', '9007199254740993', null]), pick(['1.50', '2.25', null]), pick([true, false, null]) as never]);
    expectSlots([t.bigint(), t.decimal(10, 2), t.boolean()], batchesOf(rows, 128));
  });

  it('handles a column that is NULL in every row so far', () => {
    const rows = [...Array.from({ length: 300 }, () => [null, pick([1, 2])]), ...Array.from({ length: 300 }, () => [pick([5, 6, null]), pick([1, 2])])];
    expectSlots([t.int(), t.int()], batchesOf(rows, 64));
  });
});
