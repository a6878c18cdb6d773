/**
 * Sets of pairs (a, b) of 32-bit integers, a >= 0: the (group slot, value) pairs behind
 * countDistinct and sumDistinct (kernels/aggregates.ts). No JavaScript object is made per
 * pair.
 *
 * - PairSet answers, pair by pair, whether a pair is new: sumDistinct must add each
 *   group's new values as they come.
 * - PairCounter only counts each `a`'s distinct pairs, at the end: countDistinct needs no
 *   more. It appends pairs to a buffer and removes duplicates in cache-sized partitions
 *   when the buffer fills and at the end, taking more memory than a PairSet (see below). A hash set of half a million pairs is megabytes
 *   of memory read at random, one cache miss per row; the partitions are scanned in order
 *   and each one's table fits in the processor's cache (3 to 5 times faster on the
 *   benchmark's 531,379 rows).
 */

/** A set of pairs (a, b) of 32-bit integers, a >= 0: open addressing, linear probing, at most half full. */
export class PairSet {
  /** Two entries per cell: the first integer plus one (0 marks an empty cell), the second. */
  private cells = new Int32Array(2 * 1024);
  private capacity = 1024;
  private size = 0;

  /** Adds (a, b); whether it was new. */
  add(a: number, b: number): boolean {
    if (2 * (this.size + 1) > this.capacity) this.grow();
    const { cells } = this;
    const mask = this.capacity - 1;
    let cell = hashPair(a, b) & mask;
    for (;;) {
      const stored = cells[2 * cell]!;
      if (stored === 0) {
        cells[2 * cell] = a + 1;
        cells[2 * cell + 1] = b;
        this.size++;
        return true;
      }
      if (stored === a + 1 && cells[2 * cell + 1] === b) return false;
      cell = (cell + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.cells;
    const oldCapacity = this.capacity;
    this.capacity *= 2;
    this.cells = new Int32Array(2 * this.capacity);
    this.size = 0;
    for (let cell = 0; cell < oldCapacity; cell++) if (old[2 * cell] !== 0) this.add(old[2 * cell]! - 1, old[2 * cell + 1]!);
  }
}

/** Pairs a partition holds on average, so that its table (2 cells of 4 bytes per pair) stays within a core's cache. */
const PARTITION_PAIRS = 4096;
const MAX_PARTITION_BITS = 12;
const FIRST_CAPACITY = 1 << 16;
/**
 * Up to this many pairs a buffer grows fourfold when it must (mostly distinct pairs would
 * otherwise be deduplicated again at every doubling: 10 ms of the runner benchmark's 531,379
 * rows); beyond it, twofold, so that memory stays close to the distinct pairs.
 */
const FOURFOLD_BELOW = 1 << 22;

/**
 * Pairs (a, b) of 32-bit integers, a >= 0, kept until `countInto` adds one to `counts[a]`
 * per distinct pair. A full buffer is reduced to its distinct pairs, and grows only when
 * they fill more than half of it: it holds at most four times the distinct pairs (eight
 * below 4M pairs, and at least 65,536), 8 bytes each, and deduplicating needs another 8
 * bytes per buffered pair. (A PairSet takes 16 to 32 bytes per distinct pair.)
 */
export class PairCounter {
  private pairs = new Int32Array(2 * FIRST_CAPACITY);
  private length = 0;
  // Scratch for deduplicate, kept between calls.
  private spread = new Int32Array(0);
  private table = new Int32Array(0);

  add(a: number, b: number): void {
    if (2 * this.length === this.pairs.length) this.makeRoom();
    const at = 2 * this.length++;
    this.pairs[at] = a;
    this.pairs[at + 1] = b;
  }

  /** Adds one to `counts[a]` for each distinct pair (a, b) added so far. */
  countInto(counts: Float64Array): void {
    this.length = this.deduplicate();
    const { pairs } = this;
    for (let i = 0; i < this.length; i++) counts[pairs[2 * i]!]!++;
    this.spread = new Int32Array(0);
    this.table = new Int32Array(0);
  }

  private makeRoom(): void {
    this.length = this.deduplicate();
    if (4 * this.length > this.pairs.length) {
      const growth = this.pairs.length / 2 < FOURFOLD_BELOW ? 4 : 2;
      const grown = new Int32Array(growth * this.pairs.length);
      grown.set(this.pairs.subarray(0, 2 * this.length));
      this.pairs = grown;
    }
  }

  /**
   * Reduces the buffer to its distinct pairs (in no particular order) and returns how many
   * there are: pairs are spread into partitions by the top bits of their hash, then each
   * partition is deduplicated with an open-addressing table indexed by the low bits.
   */
  private deduplicate(): number {
    const n = this.length;
    if (n === 0) return 0;
    const bits = Math.min(MAX_PARTITION_BITS, Math.max(0, Math.ceil(Math.log2(n / PARTITION_PAIRS))));
    const partitions = 1 << bits;
    if (this.spread.length < 2 * n) this.spread = new Int32Array(this.pairs.length);
    const { pairs, spread } = this;
    // Where each partition starts in `spread`, from a histogram of the hashes' top bits.
    // The hash is computed again where it is needed: cheaper than 4 bytes a pair to keep it.
    const starts = new Int32Array(partitions + 1);
    if (bits === 0) starts[1] = n;
    else for (let i = 0; i < n; i++) starts[(hashPair(pairs[2 * i]!, pairs[2 * i + 1]!) >>> (32 - bits)) + 1]!++;
    for (let p = 0; p < partitions; p++) starts[p + 1]! += starts[p]!;
    const fill = starts.slice(0, partitions);
    for (let i = 0; i < n; i++) {
      const at = fill[bits > 0 ? hashPair(pairs[2 * i]!, pairs[2 * i + 1]!) >>> (32 - bits) : 0]!++;
      spread[2 * at] = pairs[2 * i]!;
      spread[2 * at + 1] = pairs[2 * i + 1]!;
    }
    // Each partition through a table of pair positions at most half full; the distinct
    // pairs are written back to the front of `pairs`.
    let largest = 0;
    for (let p = 0; p < partitions; p++) largest = Math.max(largest, starts[p + 1]! - starts[p]!);
    const size = 1 << Math.max(4, Math.ceil(Math.log2(2 * largest)));
    if (this.table.length < size) this.table = new Int32Array(size);
    const { table } = this;
    let distinct = 0;
    for (let p = 0; p < partitions; p++) {
      const from = starts[p]!;
      const to = starts[p + 1]!;
      if (from === to) continue;
      const mask = (1 << Math.max(4, Math.ceil(Math.log2(2 * (to - from))))) - 1;
      table.fill(-1, 0, mask + 1);
      for (let i = from; i < to; i++) {
        const a = spread[2 * i]!;
        const b = spread[2 * i + 1]!;
        // The low bits of the hash (the top ones chose the partition); recomputing it is
        // cheaper than reading it back from memory.
        let cell = hashPair(a, b) & mask;
        for (;;) {
          const at = table[cell]!;
          if (at < 0) {
            table[cell] = i;
            pairs[2 * distinct] = a;
            pairs[2 * distinct + 1] = b;
            distinct++;
            break;
          }
          if (spread[2 * at] === a && spread[2 * at + 1] === b) break;
          cell = (cell + 1) & mask;
        }
      }
    }
    return distinct;
  }
}

/** Mixes two integers into a well-spread 32-bit hash (multiply-xorshift). */
function hashPair(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x632be5ab, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
