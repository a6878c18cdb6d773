/**
 * PairCounter against a plain Set of the same pairs: duplicates within and across the
 * buffer's compactions, all-distinct input (the buffer grows), one partition and many.
 */
import { describe, expect, it } from 'vitest';
import { PairCounter, PairSet } from '../../kernels/pair-sets.js';
import { random } from './rows.js';

function expectedCounts(pairs: readonly [number, number][], slots: number): number[] {
  const seen = new Set(pairs.map(([a, b]) => `${a},${b}`));
  const counts = new Array<number>(slots).fill(0);
  for (const key of seen) counts[Number(key.split(',')[0])]!++;
  return counts;
}

function counted(pairs: readonly [number, number][], slots: number): number[] {
  const counter = new PairCounter();
  for (const [a, b] of pairs) counter.add(a, b);
  const counts = new Float64Array(slots);
  counter.countInto(counts);
  return [...counts];
}

describe('PairCounter', () => {
  it.each([
    ['a few pairs (one partition)', 1_000, 10, 50],
    ['many duplicates across compactions', 300_000, 100, 200],
    ['nearly all distinct (the buffer grows)', 400_000, 5_000, 2 ** 31 - 1],
    ['negative and extreme second values', 20_000, 3, 2 ** 32],
  ])('counts the distinct pairs of each first value: %s', (_, n, slots, spread) => {
    const next = random(n);
    const pairs = Array.from({ length: n }, (): [number, number] => [Math.floor(next() * slots), (Math.floor(next() * spread) | 0)]);
    expect(counted(pairs, slots)).toEqual(expectedCounts(pairs, slots));
  });

  it('counts nothing when nothing was added', () => {
    expect(counted([], 3)).toEqual([0, 0, 0]);
  });

  it('tells pairs apart that share either half', () => {
    expect(counted([[0, 1], [1, 0], [0, 0], [1, 1], [0, 1], [1, 0]], 2)).toEqual([2, 2]);
  });
});

describe('PairSet', () => {
  it('says whether each pair is new, through its growth', () => {
    const set = new PairSet();
    const next = random(3);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const a = Math.floor(next() * 50);
      const b = Math.floor(next() * 300) - 150;
      expect(set.add(a, b)).toBe(!seen.has(`${a},${b}`));
      seen.add(`${a},${b}`);
    }
  });
});
