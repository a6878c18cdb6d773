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
