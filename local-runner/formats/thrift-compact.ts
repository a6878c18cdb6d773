/**
 * Thrift's compact protocol, read into a generic tree and written back from it.
 *
 * Parquet's footer and page headers are Thrift structs in this protocol. gluekit reads
 * the footer itself (parquet-wasm exposes no statistics and no way to correct a footer)
 * and writes a trimmed copy of it for each row group it decodes (see parquet-footer.ts).
 * The tree keeps every field's wire type, so a struct read here is written back
 * byte-for-byte except where a caller changed it, and fields this code does not know
 * survive untouched.
 *
 * The reader trusts nothing: every length and element count is checked against the
 * bytes that remain, and nesting is bounded, so a corrupt footer is an error, never a
 * huge allocation or a stack overflow.
 */

export const WIRE = {
  stop: 0,
  boolTrue: 1,
  boolFalse: 2,
  byte: 3,
  i16: 4,
  i32: 5,
  i64: 6,
  double: 7,
  binary: 8,
  list: 9,
  set: 10,
  map: 11,
  struct: 12,
} as const;

/** A struct: field id to its wire type and value, in the order read (or set). */
export type ThriftStruct = Map<number, ThriftField>;

export interface ThriftField {
  /** Wire type (WIRE.*); booleans are stored as WIRE.boolTrue. */
  readonly type: number;
  readonly value: ThriftValue;
}

export interface ThriftList {
  readonly elementType: number;
  readonly items: ThriftValue[];
}

export interface ThriftMap {
  readonly keyType: number;
  readonly valueType: number;
  readonly entries: [ThriftValue, ThriftValue][];
}

/** i8/i16/i32 and double are numbers, i64 is a bigint, binary is bytes. */
export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftStruct | ThriftList | ThriftMap;

export class ThriftError extends Error {}

const MAX_DEPTH = 64;

export class CompactReader {
  pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  /** Reads one struct starting at the current position. */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ThriftError('structs nested too deeply');
    const fields: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === WIRE.stop) return fields;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag32() : lastId + delta;
      lastId = id;
      if (type === WIRE.boolTrue || type === WIRE.boolFalse) fields.set(id, { type: WIRE.boolTrue, value: type === WIRE.boolTrue });
      else fields.set(id, { type, value: this.value(type, depth) });
    }
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case WIRE.boolTrue:
      case WIRE.boolFalse: {
        // Only inside lists, sets and maps: one byte, 1 for true (some writers use 0/2 for false).
        return this.byte() === 1;
      }
      case WIRE.byte:
        return (this.byte() << 24) >> 24;
      case WIRE.i16:
      case WIRE.i32:
        return this.zigzag32();
      case WIRE.i64:
        return this.zigzag64();
      case WIRE.double: {
        this.need(8);
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case WIRE.binary: {
        const length = this.varint();
        this.need(length);
        const v = this.bytes.subarray(this.pos, this.pos + length);
        this.pos += length;
        return v;
      }
      case WIRE.list:
      case WIRE.set: {
        const header = this.byte();
        const elementType = header & 0x0f;
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        // Every element takes at least one byte, so a larger count is a corrupt footer.
        if (size > this.end - this.pos) throw new ThriftError(`list of ${size} elements in ${this.end - this.pos} bytes`);
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.value(elementType, depth + 1));
        return { elementType, items };
      }
      case WIRE.map: {
        const size = this.varint();
        if (size === 0) return { keyType: 0, valueType: 0, entries: [] };
        const types = this.byte();
        if (2 * size > this.end - this.pos) throw new ThriftError(`map of ${size} entries in ${this.end - this.pos} bytes`);
        const keyType = types >> 4;
        const valueType = types & 0x0f;
        const entries: [ThriftValue, ThriftValue][] = [];
        for (let i = 0; i < size; i++) entries.push([this.value(keyType, depth + 1), this.value(valueType, depth + 1)]);
        return { keyType, valueType, entries };
      }
      case WIRE.struct:
        return this.struct(depth + 1);
      default:
        throw new ThriftError(`unknown wire type ${type} at byte ${this.pos}`);
    }
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new ThriftError(`needs ${n} bytes at byte ${this.pos}, ${this.end - this.pos} remain`);
  }

  private byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  private varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 49) throw new ThriftError('varint too long for a length');
    }
    return result;
  }

  private zigzag32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new ThriftError('varint too long for a 32-bit integer');
    }
    return (result >>> 1) ^ -(result & 1);
  }

  private zigzag64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new ThriftError('varint too long for a 64-bit integer');
    }
    return BigInt.asIntN(64, (result >> 1n) ^ -(result & 1n));
  }
}

/** Writes a struct tree back in the compact protocol. */
export function writeStruct(struct: ThriftStruct): Uint8Array {
  const out: number[] = [];
  writeFields(out, struct);
  return Uint8Array.from(out);
}

function writeFields(out: number[], struct: ThriftStruct): void {
  let lastId = 0;
  const ids = [...struct.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    const { type, value } = struct.get(id)!;
    const wireType = type === WIRE.boolTrue ? (value ? WIRE.boolTrue : WIRE.boolFalse) : type;
    const delta = id - lastId;
    if (delta > 0 && delta <= 15) out.push((delta << 4) | wireType);
    else {
      out.push(wireType);
      writeVarint(out, zigzag(id));
    }
    lastId = id;
    if (type !== WIRE.boolTrue) writeValue(out, type, value);
  }
  out.push(WIRE.stop);
}

function writeValue(out: number[], type: number, value: ThriftValue): void {
  switch (type) {
    case WIRE.boolTrue:
    case WIRE.boolFalse:
      out.push(value ? 1 : 2);
      return;
    case WIRE.byte:
      out.push((value as number) & 0xff);
      return;
    case WIRE.i16:
    case WIRE.i32:
      writeVarint(out, zigzag(value as number));
      return;
    case WIRE.i64: {
      let v = BigInt.asUintN(64, ((value as bigint) << 1n) ^ ((value as bigint) >> 63n));
      while (v >= 0x80n) {
        out.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      out.push(Number(v));
      return;
    }
    case WIRE.double: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, value as number, true);
      out.push(...b);
      return;
    }
    case WIRE.binary: {
      const bytes = value as Uint8Array;
      writeVarint(out, bytes.length);
      for (const b of bytes) out.push(b);
      return;
    }
    case WIRE.list:
    case WIRE.set: {
      const list = value as ThriftList;
      const n = list.items.length;
      if (n < 15) out.push((n << 4) | list.elementType);
      else {
        out.push(0xf0 | list.elementType);
        writeVarint(out, n);
      }
      for (const item of list.items) writeValue(out, list.elementType, item);
      return;
    }
    case WIRE.map: {
      const map = value as ThriftMap;
      writeVarint(out, map.entries.length);
      if (map.entries.length === 0) return;
      out.push((map.keyType << 4) | map.valueType);
      for (const [k, v] of map.entries) {
        writeValue(out, map.keyType, k);
        writeValue(out, map.valueType, v);
      }
      return;
    }
    case WIRE.struct:
      writeFields(out, value as ThriftStruct);
      return;
    default:
      throw new ThriftError(`cannot write wire type ${type}`);
  }
}

function zigzag(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

function writeVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}
