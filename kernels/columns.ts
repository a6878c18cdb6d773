/**
 * Direct access to Arrow column buffers, for kernels that loop over typed arrays instead
 * of calling `vector.get(i)` per value (30-70x slower, measured). Every helper takes an
 * Arrow `Data` (one contiguous chunk) and honours its `offset`, so slices work.
 *
 * Layouts, per canonical type (catalog/arrow.ts):
 * - fixed width (bool is bit-packed; ints, floats, date as int32 days, timestamp as int64
 *   microseconds): `data.values` is a typed array;
 * - decimal128: four little-endian uint32 words per value in `data.values` (Uint32Array);
 * - utf8 and binary: `data.valueOffsets` (Int32Array, length + 1) into `data.values` (bytes);
 * - validity: `data.nullBitmap` (one bit per value, 1 = valid), absent when nothing is null.
 */
import { makeData, makeVector, type Data, type DataType, type Vector } from 'apache-arrow';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Whether value `i` of `data` is valid (not null). */
export function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const bit = data.offset + i;
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

/** A fresh validity bitmap for `length` values, all valid. */
export function allValid(length: number): Uint8Array {
  return new Uint8Array((length + 7) >> 3).fill(0xff);
}

export function setNull(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3]! &= ~(1 << (i & 7));
}

export function setValid(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3]! |= 1 << (i & 7);
}

/** Number of nulls in a bitmap of `length` values. */
export function countNulls(bitmap: Uint8Array | undefined, length: number): number {
  if (!bitmap) return 0;
  let valid = 0;
  for (let i = 0; i < length; i++) valid += (bitmap[i >> 3]! >> (i & 7)) & 1;
  return length - valid;
}

/** The bytes of string/binary value `i`, without copying. */
export function bytesAt(data: Data, i: number): Uint8Array {
  const offsets = data.valueOffsets as Int32Array;
  const start = offsets[data.offset + i]!;
  const end = offsets[data.offset + i + 1]!;
  return (data.values as Uint8Array).subarray(start, end);
}

/** String value `i` (decoded; use bytesAt for comparisons, which are by code point = by UTF-8 byte). */
export function stringAt(data: Data, i: number): string {
  return decoder.decode(bytesAt(data, i));
}

/** Boolean value `i` of a bit-packed bool column. */
export function boolAt(data: Data, i: number): boolean {
  const bit = data.offset + i;
  return (((data.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

/** Decimal128 value `i` as its unscaled integer. */
export function decimalAt(data: Data, i: number): bigint {
  const words = data.values as Uint32Array;
  const base = (data.offset + i) * 4;
  const lo = BigInt(words[base]!) | (BigInt(words[base + 1]!) << 32n);
  const hi = BigInt(words[base + 2]!) | (BigInt(words[base + 3]!) << 32n);
  return BigInt.asIntN(128, (hi << 64n) | lo);
}

/** Writes an unscaled decimal into slot `i` of a Decimal128 word array. */
export function setDecimal(words: Uint32Array, i: number, value: bigint): void {
  const v = BigInt.asUintN(128, value);
  const base = i * 4;
  words[base] = Number(v & 0xffffffffn);
  words[base + 1] = Number((v >> 32n) & 0xffffffffn);
  words[base + 2] = Number((v >> 64n) & 0xffffffffn);
  words[base + 3] = Number((v >> 96n) & 0xffffffffn);
}

/** Builds a string (or binary) column from values, nulls where undefined/null. */
export function stringData(type: DataType, values: readonly (string | Uint8Array | null | undefined)[]): Data {
  const parts: Uint8Array[] = [];
  const offsets = new Int32Array(values.length + 1);
  const bitmap = allValid(values.length);
  let total = 0;
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      setNull(bitmap, i);
      nulls++;
    } else {
      const bytes = typeof v === 'string' ? encoder.encode(v) : v;
      parts.push(bytes);
      total += bytes.length;
    }
    offsets[i + 1] = total;
  });
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return makeData({ type: type as never, length: values.length, nullCount: nulls, nullBitmap: nulls > 0 ? bitmap : undefined, valueOffsets: offsets, data: bytes } as never);
}

/**
 * Builds a fixed-width column from a typed array of values and a validity bitmap
 * (undefined when nothing is null).
 */
export function fixedData(type: DataType, values: ArrayBufferView, length: number, bitmap?: Uint8Array): Data {
  const nullCount = countNulls(bitmap, length);
  return makeData({ type: type as never, length, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data: values } as never);
}

/** Builds a bool column from a bit-packed values buffer and a validity bitmap. */
export function boolData(type: DataType, bits: Uint8Array, length: number, bitmap?: Uint8Array): Data {
  return fixedData(type, bits, length, bitmap);
}

/** Wraps Data chunks as a Vector. */
export function toVector(data: Data): Vector {
  return makeVector(data);
}

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Compares two byte strings; for UTF-8 this is code-point order, Spark's string order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
