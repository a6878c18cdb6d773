/**
 * Join keys of one integer column whose values span a small range (ids 1..n, dates of a
 * few years): a key's slot is its value minus the smallest, so building and probing index
 * an array directly instead of hashing. A dimension table keyed by a generated id is the
 * usual right side of a join, and its keys are nearly always such a range. This is the
 * direct-address ("perfect hash") join of analytic engines; GroupTable stays the general
 * path for every other key.
 *
 * Values compare as the integers they are, which is Spark's equality for these types
 * (both sides are cast to their common type first). A NULL key matches nothing, and a
 * probing value outside the range, or a 64-bit value beyond 32 bits, has no slot.
 */
import type { Data } from 'apache-arrow';
import type { GlueType } from '../catalog/types.js';
import { isValid } from './columns.js';

const INTEGER_KINDS = new Set<GlueType['kind']>(['tinyint', 'smallint', 'int', 'date', 'bigint', 'timestamp']);

/** Slots per right row allowed before a range counts as sparse (the array is 4 bytes a slot). */
const SLOTS_PER_ROW = 4;
/** A range this small is dense whatever the row count (64 KiB of slots). */
const SMALL_RANGE = 1 << 14;
/** The largest slot array: 256 MiB would be too much to spend on keys. */
const MAX_SLOTS = 1 << 26;

export class DenseIntegerKeys {
  private constructor(
    private readonly kind: GlueType['kind'],
    /** The smallest key: slot 0. */
    private readonly min: number,
    /** Slots [0, slots): every key of the build side has one. */
    readonly slots: number,
  ) {}

  /**
   * The index for these build-side key columns (one per batch, all of `type`), or
   * undefined when the type is not an integer, a value does not fit 32 bits, or the
   * range is too sparse for `rows` rows.
   */
  static of(columns: readonly Data[], type: GlueType, rows: number): DenseIntegerKeys | undefined {
    if (!INTEGER_KINDS.has(type.kind)) return undefined;
    let min = Infinity;
    let max = -Infinity;
    for (const data of columns) {
      const values = int32Values(data, type.kind);
      const hasNulls = data.nullCount > 0;
      for (let i = 0; i < data.length; i++) {
        if (hasNulls && !isValid(data, i)) continue;
        if (values.fits && !values.fits(i)) return undefined;
        const v = values.words[values.step * i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (min > max) return new DenseIntegerKeys(type.kind, 0, 0); // no key at all: nothing matches
    const slots = max - min + 1;
    if (slots > MAX_SLOTS || slots > Math.max(SMALL_RANGE, SLOTS_PER_ROW * rows)) return undefined;
    return new DenseIntegerKeys(type.kind, min, slots);
  }

  /** Each row's slot, or -1 for a NULL and for a value that no build-side key can equal. */
  slotsOf(data: Data, rows: number): Int32Array {
    const out = new Int32Array(rows);
    const { words, step, fits } = int32Values(data, this.kind);
    const { min, slots } = this;
    const hasNulls = data.nullCount > 0;
    for (let i = 0; i < rows; i++) {
      const slot = words[step * i]! - min;
      out[i] = slot >= 0 && slot < slots && (!fits || fits(i)) && (!hasNulls || isValid(data, i)) ? slot : -1;
    }
    return out;
  }
}

/**
 * A column's values as 32-bit integers: `words[step * i]`. A 64-bit column is read as
 * word pairs (little-endian: the low word first), and `fits(i)` says whether value i is
 * its low word sign-extended, that is whether it fits 32 bits.
 */
function int32Values(data: Data, kind: GlueType['kind']): { words: Int32Array | Int16Array | Int8Array; step: number; fits?: (i: number) => boolean } {
  if (kind !== 'bigint' && kind !== 'timestamp') return { words: data.values as Int32Array | Int16Array | Int8Array, step: 1 };
  const values = data.values as BigInt64Array;
  const words = new Int32Array(values.buffer, values.byteOffset, data.length * 2);
  return { words, step: 2, fits: (i) => words[2 * i + 1] === words[2 * i]! >> 31 };
}
