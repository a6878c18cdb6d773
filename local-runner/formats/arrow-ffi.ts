/**
 * Arrow data out of WebAssembly memory through the Arrow C Data Interface
 * (https://arrow.apache.org/docs/format/CDataInterface.html), for parquet-wasm's decoded
 * row groups.
 *
 * Why: parquet-wasm's other way out, `intoIPCStream`, serialises every decoded batch to
 * Arrow IPC inside WebAssembly, copies that out, and apache-arrow parses it again; for the
 * runner benchmark's 2M-row file that round trip costs about as much as a third of the
 * decoding itself. Here each buffer is copied once, straight from WebAssembly memory into
 * a JavaScript typed array.
 *
 * Every result is copied, never a view: parquet-wasm frees and reuses its memory as soon
 * as the exported stream is released. Results always have offset 0 (the C interface
 * allows an offset per array; apache-arrow's JavaScript kernels slice value buffers but
 * keep offsets for bitmaps, so normalising once avoids both conventions downstream).
 *
 * Only the layouts below are imported; anything else (dictionaries other than Int32 indices
 * over strings or bytes, views, large offsets,
 * unions, intervals, 256-bit decimals, half floats) makes `importSchema` answer undefined,
 * and the caller falls back to the IPC path for that row group.
 */
import {
  Binary,
  Bool,
  DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Field,
  FixedSizeBinary,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  Null,
  Struct,
  Timestamp,
  TimeUnit,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  makeVector,
  type Data,
} from 'apache-arrow';
import { alignBits, countSetBits } from '../../kernels/columns.js';

// Struct layouts on wasm32: pointers are 4 bytes, int64 fields 8 bytes aligned to 8.
const SCHEMA = { format: 0, name: 4, flags: 16, nChildren: 24, children: 32, dictionary: 36 } as const;
const ARRAY = { length: 0, nullCount: 8, offset: 16, nBuffers: 24, nChildren: 32, buffers: 40, children: 44, dictionary: 48 } as const;
const NULLABLE = 2n;
const MAP_KEYS_SORTED = 4n;

/** The part of a WebAssembly.Memory read here (the DOM typings are not in this project's lib). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();

/** Reads C structs and buffers out of one WebAssembly memory. */
class Memory {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(memory: WasmMemory) {
    this.view = new DataView(memory.buffer);
    this.bytes = new Uint8Array(memory.buffer);
  }

  ptr(at: number): number {
    return this.view.getUint32(at, true);
  }

  i64(at: number): number {
    return Number(this.view.getBigInt64(at, true));
  }

  flags(at: number): bigint {
    return this.view.getBigInt64(at, true);
  }

  cString(at: number, decoder = latin1): string {
    if (at === 0) return '';
    let end = at;
    while (this.bytes[end] !== 0) end++;
    return decoder.decode(this.bytes.subarray(at, end));
  }

  /** A copy of `length` bytes at `at`. */
  copy(at: number, length: number): Uint8Array {
    return this.bytes.slice(at, at + length);
  }

  /** Bits `[offset, offset + length)` of the bitmap at `at`, copied into a new bitmap starting at bit 0. */
  bits(at: number, offset: number, length: number): Uint8Array {
    if ((offset & 7) === 0) return this.copy(at + (offset >> 3), (length + 7) >> 3);
    return alignBits(this.bytes.subarray(at), offset, length); // a shifted copy
  }

  /** `count` int32 values at `at` (a 4-byte aligned address), copied. */
  int32s(at: number, count: number): Int32Array {
    // Uint8Array's slice, not ArrayBuffer's: in the runner benchmark's profile, the
    // offsets and dictionary indices took 61 ms a run through ArrayBuffer.prototype.slice
    // on WebAssembly memory, and about 15 through this.
    return new Int32Array(this.copy(at, count * 4).buffer);
  }
}

/** The fields of the struct schema at `address` (a record batch's schema), or undefined if one has a layout this module does not import. */
export function importSchema(memory: WasmMemory, address: number): Field[] | undefined {
  const m = new Memory(memory);
  if (m.cString(m.ptr(address + SCHEMA.format)) !== '+s') return undefined;
  const fields: Field[] = [];
  const n = m.i64(address + SCHEMA.nChildren);
  const children = m.ptr(address + SCHEMA.children);
  for (let i = 0; i < n; i++) {
    const field = importField(m, m.ptr(children + 4 * i));
    if (!field) return undefined;
    fields.push(field);
  }
  return fields;
}

function importField(m: Memory, address: number): Field | undefined {
  const format = m.cString(m.ptr(address + SCHEMA.format));
  const name = m.cString(m.ptr(address + SCHEMA.name), utf8);
  const flags = m.flags(address + SCHEMA.flags);
  const dictionary = m.ptr(address + SCHEMA.dictionary);
  if (dictionary !== 0) {
    // A dictionary-encoded column: the format is the index type, the dictionary schema the
    // values'. Imported for Int32 indices over strings or bytes (what parquet.ts asks for).
    const values = importField(m, dictionary);
    if (format !== 'i' || !values || (values.type.typeId !== Type.Utf8 && values.type.typeId !== Type.Binary)) return undefined;
    return new Field(name, new Dictionary(values.type, new Int32()), (flags & NULLABLE) !== 0n);
  }
  const n = m.i64(address + SCHEMA.nChildren);
  const childrenAt = m.ptr(address + SCHEMA.children);
  const children: Field[] = [];
  for (let i = 0; i < n; i++) {
    const child = importField(m, m.ptr(childrenAt + 4 * i));
    if (!child) return undefined;
    children.push(child);
  }
  const type = typeOf(format, children, flags);
  return type && new Field(name, type, (flags & NULLABLE) !== 0n);
}

const PRIMITIVES: Record<string, () => DataType> = {
  n: () => new Null(),
  b: () => new Bool(),
  c: () => new Int8(),
  C: () => new Uint8(),
  s: () => new Int16(),
  S: () => new Uint16(),
  i: () => new Int32(),
  I: () => new Uint32(),
  l: () => new Int64(),
  L: () => new Uint64(),
  f: () => new Float32(),
  g: () => new Float64(),
  z: () => new Binary(),
  u: () => new Utf8(),
  tdD: () => new DateDay(),
  tdm: () => new DateMillisecond(),
};
const TIME_UNITS: Record<string, TimeUnit> = { s: TimeUnit.SECOND, m: TimeUnit.MILLISECOND, u: TimeUnit.MICROSECOND, n: TimeUnit.NANOSECOND };

/** The Arrow type of a C Data Interface format string, for the layouts imported here. */
function typeOf(format: string, children: Field[], flags: bigint): DataType | undefined {
  const primitive = PRIMITIVES[format];
  if (primitive) return children.length === 0 ? primitive() : undefined;
  let match: RegExpExecArray | null;
  if ((match = /^d:(\d+),(\d+)(?:,(\d+))?$/.exec(format))) {
    if (match[3] !== undefined && match[3] !== '128') return undefined;
    return new Decimal(Number(match[2]), Number(match[1]), 128);
  }
  if ((match = /^w:(\d+)$/.exec(format))) return new FixedSizeBinary(Number(match[1]));
  if ((match = /^ts([smun]):(.*)$/.exec(format))) return new Timestamp(TIME_UNITS[match[1]!]!, match[2] === '' ? null : match[2]);
  if (format === '+l' && children.length === 1) return new List(children[0]!);
  if (format === '+s') return new Struct(children);
  if (format === '+m' && children.length === 1) return new Map_(children[0] as Field<Struct>, (flags & MAP_KEYS_SORTED) !== 0n);
  return undefined;
}

/**
 * The columns of the struct array at `address` (one record batch), copied out, each with
 * offset 0 and the type of its field in `fields` (from importSchema of the same stream).
 */
export function importColumns(memory: WasmMemory, address: number, fields: readonly Field[]): { columns: Data[]; rows: number } {
  const m = new Memory(memory);
  const rows = m.i64(address + ARRAY.length);
  const offset = m.i64(address + ARRAY.offset);
  const n = m.i64(address + ARRAY.nChildren);
  if (n !== fields.length) throw new Error(`the decoded batch has ${n} columns, its schema ${fields.length}`);
  const children = m.ptr(address + ARRAY.children);
  const columns = fields.map((f, i) => importArray(m, m.ptr(children + 4 * i), f.type, offset, rows));
  return { columns, rows };
}

/**
 * Rows `[start, start + count)` of the array at `address` (in its own logical rows, that
 * is after its own offset), as a new Data with offset 0.
 */
function importArray(m: Memory, address: number, type: DataType, start: number, count: number): Data {
  const offset = m.i64(address + ARRAY.offset) + start;
  const length = m.i64(address + ARRAY.length);
  if (start + count > length) throw new Error(`an array of ${length} rows is asked for rows ${start} to ${start + count}`);
  const buffers = m.ptr(address + ARRAY.buffers);
  const buffer = (i: number) => m.ptr(buffers + 4 * i);
  const childAt = (i: number) => m.ptr(m.ptr(address + ARRAY.children) + 4 * i);

  if (type.typeId === Type.Null) return makeData({ type, length: count, nullCount: count } as never);
  // The validity bitmap (buffer 0) may be absent when nothing is null.
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (buffer(0) !== 0 && m.i64(address + ARRAY.nullCount) !== 0) {
    nullBitmap = m.bits(buffer(0), offset, count);
    nullCount = count - countSetBits(nullBitmap, count);
    if (nullCount === 0) nullBitmap = undefined;
  }
  const common = { type, length: count, nullCount, nullBitmap };

  switch (type.typeId) {
    case Type.Dictionary: {
      // Indices as Int32 (importField accepts no other); the dictionary whole, as its own array.
      const indices = m.int32s(buffer(1) + offset * 4, count);
      const dictionaryAt = m.ptr(address + ARRAY.dictionary);
      const valueType = (type as Dictionary).dictionary;
      const values = importArray(m, dictionaryAt, valueType, 0, m.i64(dictionaryAt + ARRAY.length));
      return makeData({ ...common, data: indices, dictionary: makeVector(values) } as never);
    }
    case Type.Bool:
      return makeData({ ...common, data: m.bits(buffer(1), offset, count) } as never);
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Timestamp:
    case Type.Decimal:
    case Type.FixedSizeBinary: {
      const width = byteWidth(type);
      const bytes = m.copy(buffer(1) + offset * width, count * width);
      const ArrayType = (type as unknown as { ArrayType: new (b: ArrayBuffer) => ArrayBufferView }).ArrayType;
      return makeData({ ...common, data: new ArrayType(bytes.buffer as ArrayBuffer) } as never);
    }
    case Type.Utf8:
    case Type.Binary: {
      const offsets = m.int32s(buffer(1) + offset * 4, count + 1);
      const first = offsets[0]!;
      const data = m.copy(buffer(2) + first, offsets[count]! - first);
      if (first !== 0) for (let i = 0; i <= count; i++) offsets[i] = offsets[i]! - first;
      return makeData({ ...common, valueOffsets: offsets, data } as never);
    }
    case Type.List:
    case Type.Map: {
      const offsets = m.int32s(buffer(1) + offset * 4, count + 1);
      const first = offsets[0]!;
      const childType = (type as unknown as { children: Field[] }).children[0]!.type;
      const child = importArray(m, childAt(0), childType, first, offsets[count]! - first);
      if (first !== 0) for (let i = 0; i <= count; i++) offsets[i] = offsets[i]! - first;
      return makeData({ ...common, valueOffsets: offsets, child } as never);
    }
    case Type.Struct: {
      const children = (type as Struct).children.map((f, i) => importArray(m, childAt(i), f.type, offset, count));
      return makeData({ ...common, children } as never);
    }
    default:
      throw new Error(`cannot import Arrow type ${String(type)} through the C Data Interface`);
  }
}

/** Bytes per value of a fixed-width type. */
function byteWidth(type: DataType): number {
  switch (type.typeId) {
    case Type.Int:
      return (type as Int32).bitWidth / 8;
    case Type.Float:
      return type instanceof Float32 ? 4 : 8;
    case Type.Date:
      return type instanceof DateDay ? 4 : 8;
    case Type.Timestamp:
      return 8;
    case Type.Decimal:
      return 16;
    case Type.FixedSizeBinary:
      return (type as FixedSizeBinary).byteWidth;
    default:
      throw new Error(`${String(type)} is not fixed-width`);
  }
}
