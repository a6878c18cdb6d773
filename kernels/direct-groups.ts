/**
 * Group slots by position instead of by hash, for keys of narrow columns whose values
 * span small ranges: dates over a few years, small integers, string codes of a column with
 * a few hundred distinct values. Each key is a point in the cross product of its columns'
 * ranges (plus one place per column for NULL), and an array holds the slot of every
 * point seen: one read per row, in an array small enough to stay in the processor's cache,
 * where a hash table costs three dependent reads that miss it. Analytic engines call this
 * a perfect hash aggregate; DuckDB picks it from column statistics before it starts, while
 * a stream has none, so the ranges here grow as batches arrive (at least doubling, so the
 * array is rebuilt a few times at most), and the index turns itself off for good when the
 * product outgrows `MAX_POSITIONS`.
 *
 * Keys are GroupTable's rows of 32-bit words (kernels/keys.ts): word 0 holds a NULL bit
 * per column, and column c's value is the one word at `at[c]` (0 when NULL).
 */

/** The largest array of positions (4 bytes each): 2 MiB. */
const MAX_POSITIONS = 1 << 19;

export class DirectGroupIndex {
  private readonly lo: number[];
  private readonly hi: number[];
  /** Column c's places: hi - lo + 1 values, then one for NULL. */
  private readonly spans: number[];
  private readonly strides: number[];
  /** The slot at each position, -1 where no key has been seen. */
  positions = new Int32Array(0);
  /** Whether the ranges outgrew the limit: the index is then no longer used. */
  off = false;

  constructor(
    private readonly width: number,
    private readonly at: readonly number[],
  ) {
    this.lo = at.map(() => 0);
    this.hi = at.map(() => -1);
    this.spans = at.map(() => 1);
    this.strides = at.map(() => 1);
  }

  /**
   * Widens the ranges to hold the keys of `rows` rows in `words`; when they change, the
   * array is rebuilt from every existing key, which `eachKey` visits. Returns false (and
   * turns the index off) when the cross product would pass the limit.
   */
  cover(words: Int32Array, rows: number, eachKey: (visit: (keys: Int32Array, at: number, slot: number) => void) => void): boolean {
    if (this.off) return false;
    const { width, at, lo, hi } = this;
    let changed = this.positions.length === 0;
    for (let c = 0; c < at.length; c++) {
      const nullBit = 1 << c;
      const offset = at[c]!;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0, base = 0; i < rows; i++, base += width) {
        if ((words[base]! & nullBit) !== 0) continue;
        const v = words[base + offset]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min > max || (min >= lo[c]! && max <= hi[c]!)) continue;
      changed = true;
      if (lo[c]! > hi[c]!) {
        lo[c] = min;
        hi[c] = max;
        continue;
      }
      // At least double the range on the side it grows, so that a column whose values
      // keep rising (dates in order) rebuilds the array a few times, not once a batch.
      const span = hi[c]! - lo[c]! + 1;
      if (max > hi[c]!) hi[c] = Math.max(max, lo[c]! + 2 * span - 1);
      if (min < lo[c]!) lo[c] = Math.min(min, hi[c]! - 2 * span + 1);
    }
    if (!changed) return true;
    let size = 1;
    for (let c = 0; c < at.length; c++) {
      this.spans[c] = hi[c]! - lo[c]! + 2;
      this.strides[c] = size;
      size *= this.spans[c]!;
    }
    if (size > MAX_POSITIONS) {
      this.off = true;
      this.positions = new Int32Array(0);
      return false;
    }
    this.positions = new Int32Array(size).fill(-1);
    eachKey((keys, base, slot) => {
      this.positions[this.positionOf(keys, base)] = slot;
    });
    return true;
  }

  /** The position of the key at `words[base ..]`, whose values `cover` has seen. */
  positionOf(words: Int32Array, base: number): number {
    const { at, lo, spans, strides } = this;
    const nulls = words[base]!;
    let position = 0;
    for (let c = 0; c < at.length; c++) {
      const place = (nulls >> c) & 1 ? spans[c]! - 1 : words[base + at[c]!]! - lo[c]!;
      position += place * strides[c]!;
    }
    return position;
  }
}
