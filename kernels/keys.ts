/**
 * Row keys for grouping, joining and de-duplication: one JavaScript Map key per row,
 * equal exactly when Spark would treat the rows' values as equal.
 *
 * Spark's equality for grouping (and for join keys, except NULL):
 * - NULLs form one group (GROUP BY, DISTINCT, dropDuplicates), but a NULL join key
 *   matches nothing: `keyOf` marks rows holding a NULL so joins can skip them.
 * - Floating point: every NaN is one value, and -0.0 equals 0.0 (Spark normalises both
 *   before hashing: NormalizeFloatingNumbers).
 * - Strings and binary compare by bytes; decimals of one column share a scale, so their
 *   unscaled integers compare.
 * A single integer-like column keys by its number (no string built per row); several
 * columns, or other types, key by a string encoding of each value with its type's tag.
 */
import type { Data } from 'apache-arrow';
import type { GlueType } from '../catalog/types.js';
import { boolAt, bytesAt, decimalAt, isValid } from './columns.js';
import { DirectGroupIndex } from './direct-groups.js';

export type RowKey = number | bigint | string;

export interface RowKeys {
  readonly keys: RowKey[];
  /** Whether row i has a NULL in any key column (joins skip such rows). */
  readonly hasNull: Uint8Array;
}

const NULL_KEY = '\u0000null';

export function rowKeys(columns: readonly Data[], types: readonly GlueType[], rows: number): RowKeys {
  const hasNull = new Uint8Array(rows);
  if (columns.length === 1 && ['tinyint', 'smallint', 'int', 'date', 'bigint', 'timestamp', 'boolean'].includes(types[0]!.kind)) {
    const data = columns[0]!;
    const keys: RowKey[] = new Array(rows);
    const kind = types[0]!.kind;
    if (kind === 'bigint' || kind === 'timestamp') {
      // Read 64-bit values as two 32-bit words: a value within 2^53 keys as a plain number
      // (Map lookups on numbers are far cheaper than on BigInts); a larger one as its BigInt.
      const values = data.values as BigInt64Array;
      const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
      for (let i = 0; i < rows; i++) {
        if (!isValid(data, i)) {
          keys[i] = NULL_KEY;
          hasNull[i] = 1;
          continue;
        }
        const hi = words[2 * i + 1]!;
        keys[i] = hi >= -0x200000 && hi < 0x200000 ? hi * 4294967296 + (words[2 * i]! >>> 0) : values[i]!;
      }
      return { keys, hasNull };
    }
    const values = data.values as Int32Array;
    const isBool = kind === 'boolean';
    for (let i = 0; i < rows; i++) {
      if (!isValid(data, i)) {
        keys[i] = NULL_KEY;
        hasNull[i] = 1;
      } else {
        keys[i] = isBool ? (boolAt(data, i) ? 1 : 0) : values[i]!;
      }
    }
    return { keys, hasNull };
  }
  const parts: string[][] = columns.map((data, c) => encodeColumn(data, types[c]!, rows, hasNull));
  const keys: RowKey[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    let key = parts[0]![i]!;
    for (let c = 1; c < parts.length; c++) key += '\u0001' + parts[c]![i]!;
    keys[i] = key;
  }
  return { keys, hasNull };
}

/** Each row's value of one column as a string that is equal exactly when the values are. */
function encodeColumn(data: Data, type: GlueType, rows: number, hasNull: Uint8Array): string[] {
  const out: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    if (!isValid(data, i)) {
      out[i] = NULL_KEY;
      hasNull[i] = 1;
      continue;
    }
    out[i] = encodeValue(data, i, type);
  }
  return out;
}

const latin1 = new TextDecoder('latin1');

function encodeValue(data: Data, i: number, type: GlueType): string {
  switch (type.kind) {
    case 'boolean':
      return boolAt(data, i) ? 't' : 'f';
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'date':
    case 'bigint':
    case 'timestamp':
      return String((data.values as Int32Array | BigInt64Array)[i]);
    case 'float':
    case 'double': {
      const v = (data.values as Float64Array)[i]!;
      return Number.isNaN(v) ? 'NaN' : v === 0 ? '0' : String(v);
    }
    case 'decimal':
      return decimalAt(data, i).toString();
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary':
      // One char per byte: equal strings of bytes give equal keys, whatever the encoding.
      return latin1.decode(bytesAt(data, i));
    case 'array': {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0]!;
      const items: string[] = [];
      for (let j = offsets[i]!; j < offsets[i + 1]!; j++) items.push(isValid(child, j) ? encodeValue(child, j, type.element) : NULL_KEY);
      return `[${items.map((s) => `${s.length}:${s}`).join('')}]`;
    }
    case 'struct':
      return `{${type.fields
        .map((f, j) => {
          const child = data.children[j]!;
          const s = isValid(child, i) ? encodeValue(child, i, f.type) : NULL_KEY;
          return `${s.length}:${s}`;
        })
        .join('')}}`;
    default:
      // Maps cannot be grouped or compared in Spark; validation refuses them before a run.
      throw new Error(`cannot use a ${type.kind} value as a key`);
  }
}

// ---- group keys as fixed-width words -----------------------------------------
//
// rowKeys builds a string per row for several columns (and decodes every string value),
// then a Map hashes that string again: the aggregate's hot path. A GroupTable instead
// turns each row's group values into a few 32-bit words (integers as themselves, 64-bit
// values as two words, decimals as their four unscaled words, strings and binaries as a
// code from a per-column dictionary of their bytes) and finds the row's group in an
// open-addressing table over those words, with no allocation per row. Equality is the
// same as rowKeys': NULLs are one value (a bit in the key's first word, the column's
// words left 0), every NaN is one value and -0.0 equals 0.0, strings compare by bytes,
// decimals of one column share a scale so their unscaled words compare.

const GROUP_WORD_KINDS: Readonly<Record<string, number>> = {
  boolean: 1, tinyint: 1, smallint: 1, int: 1, date: 1,
  bigint: 2, timestamp: 2, float: 2, double: 2,
  decimal: 4,
  string: 1, char: 1, varchar: 1, binary: 1,
};

/** Whether a GroupTable can key these column types (flat types, at most 31 columns: one null bit each). */
export function groupTableSupports(types: readonly GlueType[]): boolean {
  return types.length > 0 && types.length <= 31 && types.every((t) => GROUP_WORD_KINDS[t.kind] !== undefined);
}

/** The slots of one batch's rows, and the rows that opened new slots (in slot order). */
export interface GroupAssignment {
  readonly slotOf: Int32Array;
  readonly openedRows: Int32Array;
  /** The first slot opened by this batch (openedRows[k] opened slot firstOpened + k). */
  readonly firstOpened: number;
}

const EMPTY = -1;

/** Spreads a 32-bit hash (murmur3's finaliser), so that similar keys land far apart. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of the key at `words[at .. at + width)`. */
function hashWords(words: Int32Array, at: number, width: number): number {
  let h = 0x9e3779b9;
  for (let w = 0; w < width; w++) h = Math.imul(h ^ words[at + w]!, 0x01000193) ^ (h >>> 15);
  return mix(h);
}

/**
 * Slots (numbered 0, 1, … in order of first appearance) for rows of fixed-width word keys:
 * an open-addressing hash table with linear probing over keys stored `width` words each.
 */
class WordTable {
  count = 0;
  private keys: Int32Array;
  private hashes: Int32Array;
  private table: Int32Array;

  constructor(readonly width: number) {
    this.keys = new Int32Array(width * 64);
    this.hashes = new Int32Array(64);
    this.table = new Int32Array(128).fill(EMPTY);
  }

  /** The slot of the key at `words[at .. at + width)`, with hash `hash`; opens one if new (then `isNew` is set). */
  slotOf(words: Int32Array, at: number, hash: number): number {
    const { width, keys } = this;
    const mask = this.table.length - 1;
    let p = hash & mask;
    for (;;) {
      const slot = this.table[p]!;
      if (slot === EMPTY) break;
      if (this.hashes[slot] === hash) {
        const base = slot * width;
        let same = true;
        for (let w = 0; w < width; w++) {
          if (keys[base + w] !== words[at + w]) {
            same = false;
            break;
          }
        }
        if (same) return slot;
      }
      p = (p + 1) & mask;
    }
    const slot = this.count++;
    if (slot * width + width > this.keys.length) {
      const keysGrown = new Int32Array(this.keys.length * 2);
      keysGrown.set(this.keys);
      this.keys = keysGrown;
      const hashesGrown = new Int32Array(this.hashes.length * 2);
      hashesGrown.set(this.hashes);
      this.hashes = hashesGrown;
    }
    this.keys.set(words.subarray(at, at + width), slot * width);
    this.hashes[slot] = hash;
    this.table[p] = slot;
    // Keep the table at most half full, so that probes stay short.
    if (this.count * 2 > this.table.length) this.rehash();
    this.isNew = true;
    return slot;
  }

  isNew = false;

  /** The slot of the key at `words[at .. at + width)`, or -1 when it has none (nothing is opened). */
  find(words: Int32Array, at: number, hash: number): number {
    const { width, keys } = this;
    const mask = this.table.length - 1;
    for (let p = hash & mask; ; p = (p + 1) & mask) {
      const slot = this.table[p]!;
      if (slot === EMPTY) return -1;
      if (this.hashes[slot] !== hash) continue;
      const base = slot * width;
      let w = 0;
      while (w < width && keys[base + w] === words[at + w]) w++;
      if (w === width) return slot;
    }
  }

  /** Calls `visit` with every key (at `keys[at .. at + width)`) and its slot. */
  forEachKey(visit: (keys: Int32Array, at: number, slot: number) => void): void {
    for (let slot = 0; slot < this.count; slot++) visit(this.keys, slot * this.width, slot);
  }

  private rehash(): void {
    this.table = indexTable(this.hashes, this.count, this.table.length * 2);
  }
}

/**
 * An open-addressing table (linear probing, `size` a power of two) holding entries
 * 0 .. count - 1 at the places their `hashes` give: WordTable's and BytesDictionary's
 * tables, rebuilt twice as large when they pass half full.
 */
function indexTable(hashes: Int32Array, count: number, size: number): Int32Array<ArrayBuffer> {
  const table = new Int32Array(size).fill(EMPTY);
  const mask = size - 1;
  for (let entry = 0; entry < count; entry++) {
    let p = hashes[entry]! & mask;
    while (table[p] !== EMPTY) p = (p + 1) & mask;
    table[p] = entry;
  }
  return table;
}

/** Strings (or binaries) to dense codes by their bytes, held across batches. */
class BytesDictionary {
  private bytes = new Uint8Array(1024);
  private used = 0;
  /** Code c's bytes are bytes[starts[c] .. starts[c + 1]). */
  private starts = new Int32Array(65);
  private hashes = new Int32Array(64);
  private table = new Int32Array(128).fill(EMPTY);
  private count = 0;

  /**
   * Each row's code into `out[row * stride + at]`; NULL rows are skipped (left as they
   * are). Without `insert`, a value not in the dictionary gets -1 (no code is ever -1), so
   * that probing a join does not keep the probing side's strings.
   */
  encode(data: Data, rows: number, out: Int32Array, stride: number, at: number, insert: boolean): void {
    const offsets = data.valueOffsets as Int32Array;
    const values = data.values as Uint8Array;
    const hasNulls = data.nullCount > 0;
    for (let i = 0; i < rows; i++) {
      if (hasNulls && !isValid(data, i)) continue;
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      // FNV-1a over the bytes, then mixed.
      let h = 0x811c9dc5 ^ (end - start);
      for (let j = start; j < end; j++) h = Math.imul(h ^ values[j]!, 0x01000193);
      h = mix(h);
      out[i * stride + at] = this.codeOf(values, start, end, h, insert);
    }
  }

  private codeOf(values: Uint8Array, start: number, end: number, hash: number, insert: boolean): number {
    const mask = this.table.length - 1;
    const length = end - start;
    let p = hash & mask;
    for (;;) {
      const code = this.table[p]!;
      if (code === EMPTY) break;
      if (this.hashes[code] === hash) {
        const from = this.starts[code]!;
        if (this.starts[code + 1]! - from === length) {
          let j = 0;
          while (j < length && this.bytes[from + j] === values[start + j]) j++;
          if (j === length) return code;
        }
      }
      p = (p + 1) & mask;
    }
    if (!insert) return -1;
    const code = this.count++;
    if (this.used + length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(values.subarray(start, end), this.used);
    this.used += length;
    if (code + 1 >= this.hashes.length) {
      // starts has one entry more than hashes (where the last code's bytes end).
      const starts = new Int32Array(this.hashes.length * 2 + 1);
      starts.set(this.starts);
      this.starts = starts;
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.starts[code + 1] = this.used;
    this.hashes[code] = hash;
    this.table[p] = code;
    if (this.count * 2 > this.table.length) this.table = indexTable(this.hashes, this.count, this.table.length * 2);
    return code;
  }
}

/**
 * Group slots for rows of several columns (see groupTableSupports for the types), equal
 * exactly when rowKeys' keys are: one per distinct combination of values, numbered in
 * order of first appearance, across every batch given to `assign`.
 */
export class GroupTable {
  private readonly width: number;
  /** Where each column's words start in a key (word 0 holds the NULL bits). */
  private readonly at: number[];
  private readonly dictionaries: (BytesDictionary | undefined)[];
  private readonly table: WordTable;
  /** Slots by position for keys of one-word columns over small ranges (see direct-groups.ts). */
  private readonly direct: DirectGroupIndex | undefined;
  private scratch = new Int32Array(0);
  private readonly double = new Float64Array(1);
  private readonly doubleWords = new Int32Array(this.double.buffer);

  constructor(private readonly types: readonly GlueType[]) {
    if (!groupTableSupports(types)) throw new Error('GroupTable: unsupported key types');
    let width = 1;
    this.at = types.map((t) => {
      const at = width;
      width += GROUP_WORD_KINDS[t.kind]!;
      return at;
    });
    this.width = width;
    this.dictionaries = types.map((t) => (GROUP_WORD_KINDS[t.kind] === 1 && ['string', 'char', 'varchar', 'binary'].includes(t.kind) ? new BytesDictionary() : undefined));
    this.table = new WordTable(width);
    this.direct = types.every((t) => GROUP_WORD_KINDS[t.kind] === 1) ? new DirectGroupIndex(width, this.at) : undefined;
  }

  get count(): number {
    return this.table.count;
  }

  /**
   * The slot of each row's key, opening slots for new keys. With `nullsMatchNothing` (join
   * keys: SQL equality with NULL is never true) a row with a NULL in any column gets -1
   * and opens nothing; otherwise NULLs are one value, as in GROUP BY.
   */
  assign(columns: readonly Data[], rows: number, nullsMatchNothing = false): GroupAssignment {
    const { width } = this;
    const words = this.encode(columns, rows, true);
    const slotOf = new Int32Array(rows);
    const openedRows: number[] = [];
    const firstOpened = this.table.count;
    const table = this.table;
    const direct = this.direct;
    if (direct && !nullsMatchNothing && direct.cover(words, rows, (visit) => table.forEachKey(visit))) {
      // Every key seen so far has its slot at its position: a free position is a new key.
      const { positions } = direct;
      for (let i = 0, base = 0; i < rows; i++, base += width) {
        const position = direct.positionOf(words, base);
        let slot = positions[position]!;
        if (slot < 0) {
          table.isNew = false;
          slot = table.slotOf(words, base, hashWords(words, base, width));
          positions[position] = slot;
          if (table.isNew) openedRows.push(i);
        }
        slotOf[i] = slot;
      }
      return { slotOf, openedRows: Int32Array.from(openedRows), firstOpened };
    }
    for (let i = 0; i < rows; i++) {
      const base = i * width;
      if (nullsMatchNothing && words[base] !== 0) {
        slotOf[i] = -1;
        continue;
      }
      table.isNew = false;
      slotOf[i] = table.slotOf(words, base, hashWords(words, base, width));
      if (table.isNew) openedRows.push(i);
    }
    return { slotOf, openedRows: Int32Array.from(openedRows), firstOpened };
  }

  /**
   * The slot of each row's key among those `assign` has seen, or -1 (a new key, or a NULL
   * in any column: probing is for joins, where a NULL key matches nothing). Opens nothing.
   */
  probe(columns: readonly Data[], rows: number): Int32Array {
    const { width } = this;
    const words = this.encode(columns, rows, false);
    const slotOf = new Int32Array(rows);
    const table = this.table;
    for (let i = 0; i < rows; i++) {
      const base = i * width;
      slotOf[i] = words[base] !== 0 ? -1 : table.find(words, base, hashWords(words, base, width));
    }
    return slotOf;
  }

  /** Every row's key words, row-major (`width` words a row), in a buffer reused across batches. */
  private encode(columns: readonly Data[], rows: number, insert: boolean): Int32Array {
    const { width } = this;
    if (this.scratch.length < rows * width) this.scratch = new Int32Array(rows * width);
    const words = this.scratch;
    words.fill(0, 0, rows * width);
    columns.forEach((data, c) => this.encodeColumn(data, c, rows, words, insert));
    return words;
  }

  /** Column c's words of every row into `words` (row-major, `width` words a row). */
  private encodeColumn(data: Data, c: number, rows: number, words: Int32Array, insert: boolean): void {
    const { width } = this;
    const at = this.at[c]!;
    const nullBit = 1 << c;
    if (data.nullCount > 0) {
      for (let i = 0; i < rows; i++) if (!isValid(data, i)) words[i * width] = words[i * width]! | nullBit;
    }
    const kind = this.types[c]!.kind;
    const valid = (i: number) => (words[i * width]! & nullBit) === 0;
    switch (kind) {
      case 'boolean':
        for (let i = 0; i < rows; i++) if (valid(i)) words[i * width + at] = boolAt(data, i) ? 1 : 0;
        return;
      case 'tinyint':
      case 'smallint':
      case 'int':
      case 'date': {
        const values = data.values as Int8Array | Int16Array | Int32Array;
        for (let i = 0; i < rows; i++) if (valid(i)) words[i * width + at] = values[i]!;
        return;
      }
      case 'bigint':
      case 'timestamp': {
        const values = data.values as BigInt64Array;
        const pairs = new Int32Array(values.buffer, values.byteOffset, rows * 2);
        for (let i = 0; i < rows; i++) {
          if (!valid(i)) continue;
          words[i * width + at] = pairs[2 * i]!;
          words[i * width + at + 1] = pairs[2 * i + 1]!;
        }
        return;
      }
      case 'float':
      case 'double': {
        // Every NaN as one NaN, -0.0 as 0.0, as Spark normalises them before grouping.
        const values = data.values as Float32Array | Float64Array;
        const { double, doubleWords } = this;
        for (let i = 0; i < rows; i++) {
          if (!valid(i)) continue;
          const v = values[i]!;
          double[0] = Number.isNaN(v) ? NaN : v === 0 ? 0 : v;
          words[i * width + at] = doubleWords[0]!;
          words[i * width + at + 1] = doubleWords[1]!;
        }
        return;
      }
      case 'decimal': {
        const values = data.values as Uint32Array;
        for (let i = 0; i < rows; i++) {
          if (!valid(i)) continue;
          for (let w = 0; w < 4; w++) words[i * width + at + w] = values[i * 4 + w]!;
        }
        return;
      }
      default:
        this.dictionaries[c]!.encode(data, rows, words, width, at, insert);
    }
  }
}
