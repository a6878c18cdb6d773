/**
 * Turns a column as a file holds it into the canonical Arrow layout of the Glue type the
 * job declared for it (catalog/arrow.ts), so that kernels see one layout per type.
 *
 * Files hold the same logical values in many layouts: timestamps in seconds to
 * nanoseconds, dictionary-encoded or 64-bit-offset strings, strings without the UTF-8
 * annotation (Impala, older Spark), narrower or unsigned integers, decimals of another
 * precision or scale. Each is converted when every value survives exactly; a value that
 * does not (a decimal needing more digits, an integer out of range, bytes that are not
 * UTF-8) is an error naming the row, and a layout that cannot mean the declared type at
 * all is "column c is X in the file but declared Y", as Spark refuses such a read.
 *
 * Buffer conventions of apache-arrow 21: a sliced Data's value and offset buffers are
 * already cut to the slice (index them with i), while validity bitmaps and boolean bits
 * are not (index them with offset + i). Outputs always start at offset 0.
 */
import {
  Binary,
  DataType,
  Field as ArrowField,
  List,
  Map_,
  Struct,
  Type,
  Utf8,
  makeData,
  type Data,
} from 'apache-arrow';
import { isStringDictionary } from '../../kernels/dictionary.js';
import { fromArrowType, toArrowType } from '../../catalog/arrow.js';
import { formatGlueType, type GlueType } from '../../catalog/types.js';
import { FormatError } from './format.js';

export interface ConformWhere {
  readonly object: string;
  readonly column: string;
  /** The object's row number of the column's first value, so that messages count rows from the start of the file (default 0). */
  readonly firstRow?: number;
  /**
   * Keep a string column that arrives as Dictionary<Int32, Utf8> (offset 0) as it is,
   * the layout kernels/dictionary.ts describes, instead of decoding it (ReadOptions
   * dictionaryColumns).
   */
  readonly keepDictionary?: boolean;
}

/** The column `data` in the canonical layout of `to`, or a FormatError naming the object and column. */
export function conformColumn(data: Data, to: GlueType, where: ConformWhere): Data {
  firstRow = where.firstRow ?? 0;
  if (where.keepDictionary && to.kind === 'string' && isStringDictionary(data)) return data;
  return conform(data, to, where.column, where.object);
}

/** Row number offset for messages of the conversion under way (conversions are synchronous). */
let firstRow = 0;

const INT_RANGE: Record<string, [bigint, bigint]> = {
  tinyint: [-128n, 127n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

function conform(data: Data, to: GlueType, column: string, object: string): Data {
  const type = data.type as DataType;
  const incompatible = (): FormatError =>
    new FormatError(object, `column ${column} is ${describeArrow(type)} in the file but declared ${formatGlueType(to)}`);
  if (type.typeId === Type.Null) return nullData(toArrowType(to), data.length);
  if (type.typeId === Type.Dictionary) return conform(undictionary(data), to, column, object);
  const target = toArrowType(to);
  if (data.offset === 0 && sameLayout(type, target) && to.kind !== 'array' && to.kind !== 'map' && to.kind !== 'struct') return data;

  switch (to.kind) {
    case 'boolean':
      if (type.typeId !== Type.Bool) throw incompatible();
      return makeData({ type: target as never, length: data.length, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), data: rebasedBits(data) } as never);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      if (type.typeId !== Type.Int) throw incompatible();
      const [min, max] = INT_RANGE[to.kind]!;
      return integers(data, target, min, max, (row, value) => outOfRange(object, column, row, value, to));
    }
    case 'float':
    case 'double': {
      const widening = type.typeId === Type.Float ? floatPrecision(type) <= (to.kind === 'float' ? 1 : 2) && floatPrecision(type) > 0
        : type.typeId === Type.Int && intBits(type) <= 32 && to.kind === 'double';
      if (!widening) throw incompatible();
      const source = data.values as ArrayLike<number>;
      const out = to.kind === 'float' ? new Float32Array(data.length) : new Float64Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = source[i]!;
      return fixed(target, data, out);
    }
    case 'decimal':
      return decimals(data, to, target, column, object, incompatible);
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary': {
      const text = to.kind !== 'binary';
      const { offsets, bytes } = variableWidth(data, incompatible, column, object);
      if (text && !isUtf8Type(type)) checkUtf8(offsets, bytes, data, column, object);
      return makeData({ type: target as never, length: data.length, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), valueOffsets: offsets, data: bytes } as never);
    }
    case 'date': {
      if (type.typeId !== Type.Date) throw incompatible();
      if ((type as unknown as { unit: number }).unit === 0) return fixed(target, data, (data.values as Int32Array).slice(0, data.length));
      // Date64 holds milliseconds; days are their floor, as for dates before 1970.
      const ms = data.values as BigInt64Array;
      const days = new Int32Array(data.length);
      for (let i = 0; i < data.length; i++) days[i] = Math.floor(Number(ms[i]!) / 86_400_000);
      return fixed(target, data, days);
    }
    case 'timestamp': {
      if (type.typeId !== Type.Timestamp) throw incompatible();
      const unit = (type as unknown as { unit: number }).unit; // 0 s, 1 ms, 2 us, 3 ns
      const values = data.values as BigInt64Array;
      if (unit === 2) return fixed(target, data, values.subarray(0, data.length));
      const out = new BigInt64Array(data.length);
      if (unit === 3) divideFloor(values, out, 1000);
      else {
        const overflow = multiply(values, out, unit === 0 ? 1_000_000 : 1000, data);
        if (overflow >= 0) outOfRange(object, column, overflow, values[overflow]!, to, unit === 0 ? 'seconds' : 'milliseconds');
      }
      return fixed(target, data, out);
    }
    case 'array': {
      if (type.typeId !== Type.List && type.typeId !== Type.LargeList && type.typeId !== Type.FixedSizeList) throw incompatible();
      const offsets = listOffsets(data, incompatible);
      const child = conform(data.children[0]!, to.element, `${column}[]`, object);
      const listType = new List(new ArrowField('element', child.type, true));
      return makeData({ type: listType, length: data.length, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), valueOffsets: offsets, child } as never);
    }
    case 'map': {
      if (type.typeId !== Type.Map) throw incompatible();
      const entries = data.children[0]!;
      const [keyData, valueData] = entries.children as [Data, Data];
      if (!keyData || !valueData) throw incompatible();
      // Entries of a map are never null themselves; their key and value columns start where the entries do.
      const key = conform(sliceChild(keyData, entries), to.key, `${column}.key`, object);
      const value = conform(sliceChild(valueData, entries), to.value, `${column}.value`, object);
      const entriesType = new Struct([new ArrowField('key', key.type, false), new ArrowField('value', value.type, true)] as ArrowField[]);
      const entriesData = makeData({ type: entriesType, length: entries.length, nullCount: 0, children: [key, value] } as never);
      const mapType = new Map_(new ArrowField('entries', entriesType, false) as never);
      return makeData({ type: mapType, length: data.length, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), valueOffsets: (data.valueOffsets as Int32Array).slice(0, data.length + 1), child: entriesData } as never);
    }
    case 'struct': {
      if (type.typeId !== Type.Struct) throw incompatible();
      const fileFields = (type as unknown as { children: ArrowField[] }).children;
      const children = to.fields.map((f) => {
        const at = fileFields.findIndex((ff) => ff.name === f.name);
        // A field the file lacks reads as null, as Spark reads nested fields added to a schema later.
        if (at < 0) return nullData(toArrowType(f.type), data.length);
        return conform(data.children[at]!, f.type, `${column}.${f.name}`, object);
      });
      const structType = new Struct(to.fields.map((f, i) => new ArrowField(f.name, children[i]!.type, true)));
      return makeData({ type: structType, length: data.length, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), children } as never);
    }
    case 'null':
      throw incompatible();
  }
}

/** How a file's Arrow type reads in messages: its Glue name where it has one. */
function describeArrow(type: DataType): string {
  const mapped = fromArrowType(type);
  return 'type' in mapped ? formatGlueType(mapped.type) : String(type);
}

function sameLayout(a: DataType, b: DataType): boolean {
  if (String(a) !== String(b)) return false;
  if (a.typeId === Type.Decimal) return (a as unknown as { bitWidth: number }).bitWidth === (b as unknown as { bitWidth: number }).bitWidth;
  return true;
}

const floatPrecision = (t: DataType): number => (t as unknown as { precision: number }).precision;
const intBits = (t: DataType): number => (t as unknown as { bitWidth: number }).bitWidth;
const isSigned = (t: DataType): boolean => (t as unknown as { isSigned: boolean }).isSigned;
const isUtf8Type = (t: DataType): boolean => t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 || t.typeId === Type.Utf8View;

function outOfRange(object: string, column: string, row: number, value: unknown, to: GlueType, unit = ''): never {
  throw new FormatError(object, `column ${column}: value ${String(value)}${unit ? ` ${unit}` : ''} at row ${firstRow + row + 1} does not fit ${formatGlueType(to)}`);
}

function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return true;
  const bit = data.offset + i;
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

/** The validity bitmap re-cut to start at bit 0, or undefined when nothing is null. */
function rebasedBitmap(data: Data): Uint8Array | undefined {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return undefined;
  return rebaseBits(data.nullBitmap, data.offset, data.length);
}

function rebasedBits(data: Data): Uint8Array {
  return rebaseBits(data.values as Uint8Array, data.offset, data.length);
}

function rebaseBits(bits: Uint8Array, offset: number, length: number): Uint8Array {
  if (offset === 0) return bits.subarray(0, (length + 7) >> 3);
  const out = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) {
    const bit = offset + i;
    if ((bits[bit >> 3]! >> (bit & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

function fixed(type: DataType, like: Data, values: ArrayBufferView): Data {
  return makeData({ type: type as never, length: like.length, nullCount: like.nullCount, nullBitmap: rebasedBitmap(like), data: values } as never);
}

/** A child of a variable-width parent covering the parent's rows only (struct children of maps and lists are not pre-sliced). */
function sliceChild(child: Data, parent: Data): Data {
  return child.length === parent.length && parent.offset === 0 ? child : child.slice(parent.offset, parent.length);
}

/** An all-null column of any canonical type. */
export function nullData(type: DataType, length: number): Data {
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary:
      return makeData({ type: type as never, length, nullCount: length, nullBitmap, valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) } as never);
    case Type.List:
    case Type.Map: {
      const childType = (type as unknown as { children: ArrowField[] }).children[0]!.type;
      return makeData({ type: type as never, length, nullCount: length, nullBitmap, valueOffsets: new Int32Array(length + 1), child: nullData(childType, 0) } as never);
    }
    case Type.Struct: {
      const children = (type as unknown as { children: ArrowField[] }).children.map((f) => nullData(f.type, length));
      return makeData({ type: type as never, length, nullCount: length, nullBitmap, children } as never);
    }
    case Type.Bool:
      return makeData({ type: type as never, length, nullCount: length, nullBitmap, data: new Uint8Array((length + 7) >> 3) } as never);
    default: {
      const ArrayType = (type as unknown as { ArrayType: new (n: number) => ArrayBufferView }).ArrayType;
      const stride = type.typeId === Type.Decimal ? 4 : 1;
      return makeData({ type: type as never, length, nullCount: length, nullBitmap, data: new ArrayType(length * stride) } as never);
    }
  }
}

function integers(data: Data, target: DataType, min: bigint, max: bigint, fail: (row: number, value: unknown) => never): Data {
  const bits = intBits(data.type);
  const source = data.values as ArrayLike<number | bigint>;
  const targetBits = intBits(target);
  const n = data.length;
  if (targetBits === 64) {
    const out = new BigInt64Array(n);
    if (bits === 64) {
      const s = source as BigInt64Array | BigUint64Array;
      for (let i = 0; i < n; i++) {
        const v = s[i]!;
        if (v > max && isValidAt(data, i)) fail(i, v);
        out[i] = BigInt.asIntN(64, v);
      }
    } else {
      // Sign-extend into the two 32-bit halves instead of making a BigInt per value.
      const halves = new Int32Array(out.buffer);
      const s = source as ArrayLike<number>;
      for (let i = 0; i < n; i++) {
        const v = s[i]!;
        halves[2 * i] = v | 0;
        halves[2 * i + 1] = v < 0 ? -1 : 0;
      }
    }
    return fixed(target, data, out);
  }
  const ArrayType = { 8: Int8Array, 16: Int16Array, 32: Int32Array }[targetBits as 8 | 16 | 32];
  const out = new ArrayType(n);
  if (bits === 64) {
    const s = source as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) {
      const v = s[i]!;
      if ((v < min || v > max) && isValidAt(data, i)) fail(i, v);
      out[i] = Number(v);
    }
  } else {
    const lo = Number(min);
    const hi = Number(max);
    const s = source as ArrayLike<number>;
    const mayOverflow = bits > targetBits || (bits === targetBits && !isSigned(data.type));
    for (let i = 0; i < n; i++) {
      const v = s[i]!;
      if (mayOverflow && (v < lo || v > hi) && isValidAt(data, i)) fail(i, v);
      out[i] = v;
    }
  }
  return fixed(target, data, out);
}

/** out[i] = floor(values[i] / divisor), computed on 32-bit halves to avoid a BigInt per value. */
function divideFloor(values: BigInt64Array, out: BigInt64Array, divisor: number): void {
  const n = out.length;
  const src = new Int32Array(values.buffer, values.byteOffset, n * 2);
  const dst = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const lo = src[2 * i]! >>> 0;
    const hi = src[2 * i + 1]!;
    const qHi = Math.floor(hi / divisor);
    const rest = (hi - qHi * divisor) * 4294967296 + lo; // < divisor * 2^32, exact in a double
    const qLo = Math.floor(rest / divisor);
    dst[2 * i] = qLo | 0;
    dst[2 * i + 1] = qHi;
  }
}

/** out[i] = values[i] * factor on 32-bit halves; returns the first valid row that overflows, or -1. */
function multiply(values: BigInt64Array, out: BigInt64Array, factor: number, data: Data): number {
  const n = out.length;
  const src = new Int32Array(values.buffer, values.byteOffset, n * 2);
  const dst = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const lo = src[2 * i]! >>> 0;
    const hi = src[2 * i + 1]!;
    const low = lo * factor; // < 2^32 * 10^6, exact
    const carry = Math.floor(low / 4294967296);
    const high = hi * factor + carry;
    if ((high > 2147483647 || high < -2147483648) && isValidAt(data, i)) return i;
    dst[2 * i] = (low - carry * 4294967296) | 0;
    dst[2 * i + 1] = high | 0;
  }
  return -1;
}

const POW10: bigint[] = Array.from({ length: 78 }, (_, i) => 10n ** BigInt(i));

function decimals(data: Data, to: Extract<GlueType, { kind: 'decimal' }>, target: DataType, column: string, object: string, incompatible: () => FormatError): Data {
  const type = data.type as DataType;
  const n = data.length;
  let read: (i: number) => bigint;
  let scale = 0;
  let precision = 0;
  if (type.typeId === Type.Decimal) {
    const t = type as unknown as { scale: number; precision: number; bitWidth: number };
    scale = t.scale;
    precision = t.precision;
    const words = t.bitWidth / 32;
    const w = data.values as Uint32Array;
    if (words === 4 && scale === to.scale && precision <= to.precision) {
      // Same scale, no more digits: the values are already right; only the type changes.
      return fixed(target, data, w.slice(0, n * 4));
    }
    read = (i) => {
      let v = 0n;
      for (let k = words - 1; k >= 0; k--) v = (v << 32n) | BigInt(w[i * words + k]!);
      return BigInt.asIntN(t.bitWidth, v);
    };
  } else if (type.typeId === Type.Int) {
    precision = intBits(type) === 64 ? 20 : 10;
    const v = data.values as ArrayLike<number | bigint>;
    read = (i) => BigInt(v[i]!);
  } else if (type.typeId === Type.FixedSizeBinary && (type as unknown as { byteWidth: number }).byteWidth <= 16) {
    // Parquet's FIXED_LEN_BYTE_ARRAY decimals: big-endian two's complement, at the declared scale.
    const width = (type as unknown as { byteWidth: number }).byteWidth;
    const bytes = data.values as Uint8Array;
    scale = to.scale;
    precision = 39;
    read = (i) => {
      let v = 0n;
      for (let k = 0; k < width; k++) v = (v << 8n) | BigInt(bytes[i * width + k]!);
      return BigInt.asIntN(width * 8, v);
    };
  } else throw incompatible();

  const out = new Uint32Array(n * 4);
  const limit = POW10[to.precision]!;
  const up = to.scale >= scale ? POW10[to.scale - scale]! : 1n;
  const down = to.scale < scale ? POW10[scale - to.scale]! : 1n;
  for (let i = 0; i < n; i++) {
    if (!isValidAt(data, i)) continue;
    let v = read(i);
    if (down !== 1n) {
      if (v % down !== 0n) throw new FormatError(object, `column ${column}: value ${decimalText(v, scale)} at row ${firstRow + i + 1} has more than ${to.scale} decimal places, so it does not fit ${formatGlueType(to)}`);
      v /= down;
    } else v *= up;
    if (v >= limit || v <= -limit) throw new FormatError(object, `column ${column}: value ${decimalText(v, to.scale)} at row ${firstRow + i + 1} does not fit ${formatGlueType(to)}`);
    const u = BigInt.asUintN(128, v);
    out[i * 4] = Number(u & 0xffffffffn);
    out[i * 4 + 1] = Number((u >> 32n) & 0xffffffffn);
    out[i * 4 + 2] = Number((u >> 64n) & 0xffffffffn);
    out[i * 4 + 3] = Number(u >> 96n);
  }
  return fixed(target, data, out);
}

/** A decimal's text from its unscaled value: 1250 at scale 2 is "12.50". */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** 32-bit offsets (starting at 0) and the bytes they index, from any string or binary layout. */
function variableWidth(data: Data, incompatible: () => FormatError, column: string, object: string): { offsets: Int32Array; bytes: Uint8Array } {
  const type = data.type as DataType;
  const n = data.length;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary: {
      const src = data.valueOffsets as Int32Array;
      const first = src[0]!;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = src[i]! - first;
      return { offsets, bytes: (data.values as Uint8Array).subarray(first, src[n]!) };
    }
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const src = data.valueOffsets as unknown as BigInt64Array;
      const first = Number(src[0]!);
      const last = Number(src[n]!);
      if (last - first > 2147483647) throw new FormatError(object, `column ${column}: a batch holds more than 2 GiB of text, more than one column chunk can`);
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = Number(src[i]!) - first;
      return { offsets, bytes: (data.values as Uint8Array).subarray(first, last) };
    }
    case Type.FixedSizeBinary: {
      const width = (type as unknown as { byteWidth: number }).byteWidth;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = i * width;
      return { offsets, bytes: (data.values as Uint8Array).subarray(0, n * width) };
    }
    case Type.Utf8View:
    case Type.BinaryView:
      return fromViews(data);
    default:
      throw incompatible();
  }
}

/** Materialises the 16-byte views of Utf8View/BinaryView (inline up to 12 bytes, else buffer, offset). */
function fromViews(data: Data): { offsets: Int32Array; bytes: Uint8Array } {
  const n = data.length;
  const views = data.values as Uint8Array;
  const view = new DataView(views.buffer, views.byteOffset, views.byteLength);
  const buffers = (data as unknown as { variadicBuffers: Uint8Array[] }).variadicBuffers ?? [];
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += view.getInt32(i * 16, true);
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const length = view.getInt32(i * 16, true);
    if (length <= 12) bytes.set(views.subarray(i * 16 + 4, i * 16 + 4 + length), offsets[i]!);
    else {
      const buffer = buffers[view.getInt32(i * 16 + 8, true)]!;
      const start = view.getInt32(i * 16 + 12, true);
      bytes.set(buffer.subarray(start, start + length), offsets[i]!);
    }
  }
  return { offsets, bytes };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks that every value is UTF-8. The concatenation being valid and no value starting
 * on a continuation byte means each value is valid on its own, so one native pass suffices.
 */
function checkUtf8(offsets: Int32Array, bytes: Uint8Array, data: Data, column: string, object: string): void {
  let ok = true;
  try {
    strictUtf8.decode(bytes);
  } catch {
    ok = false;
  }
  for (let i = 0; ok && i < data.length; i++) {
    const start = offsets[i]!;
    if (start < bytes.length && offsets[i + 1]! > start && (bytes[start]! & 0xc0) === 0x80) ok = false;
  }
  if (ok) return;
  for (let i = 0; i < data.length; i++) {
    if (!isValidAt(data, i)) continue;
    try {
      strictUtf8.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!));
    } catch {
      throw new FormatError(object, `column ${column}: the value at row ${firstRow + i + 1} is not UTF-8 text, so it cannot be read as a string (declare the column binary)`);
    }
  }
}

/** 32-bit list offsets for List, LargeList and FixedSizeList, indexing the (unsliced) child. */
function listOffsets(data: Data, incompatible: () => FormatError): Int32Array {
  const type = data.type as DataType;
  const n = data.length;
  if (type.typeId === Type.List) return (data.valueOffsets as Int32Array).slice(0, n + 1);
  if (type.typeId === Type.LargeList) {
    const src = data.valueOffsets as unknown as BigInt64Array;
    return Int32Array.from({ length: n + 1 }, (_, i) => Number(src[i]!));
  }
  if (type.typeId === Type.FixedSizeList) {
    // The child of a sliced FixedSizeList is already sliced with it.
    const size = (type as unknown as { listSize: number }).listSize;
    return Int32Array.from({ length: n + 1 }, (_, i) => i * size);
  }
  throw incompatible();
}

/** The values a dictionary-encoded column stands for. */
function undictionary(data: Data): Data {
  const indices = data.values as ArrayLike<number | bigint>;
  const dictionary = (data as unknown as { dictionary: { data: Data[] } }).dictionary.data;
  const dict = dictionary.length === 1 ? dictionary[0]! : concatData(dictionary);
  const valueType = dict.type as DataType;
  const n = data.length;
  const index = (i: number): number => Number(indices[i]!);
  if ([Type.Utf8, Type.Binary, Type.LargeUtf8, Type.LargeBinary, Type.Utf8View, Type.BinaryView, Type.FixedSizeBinary].includes(valueType.typeId)) {
    const { offsets: dictOffsets, bytes: dictBytes } = variableWidth(dict, () => new FormatError('', 'unreachable'), '', '');
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (isValidAt(data, i)) total += dictOffsets[index(i) + 1]! - dictOffsets[index(i)]!;
      offsets[i + 1] = total;
    }
    const bytes = new Uint8Array(total);
    for (let i = 0; i < n; i++) {
      if (offsets[i + 1]! > offsets[i]!) bytes.set(dictBytes.subarray(dictOffsets[index(i)]!, dictOffsets[index(i) + 1]!), offsets[i]!);
    }
    const plain = isUtf8Type(valueType) ? new Utf8() : new Binary();
    return makeData({ type: plain as never, length: n, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), valueOffsets: offsets, data: bytes } as never);
  }
  if (valueType.typeId === Type.Bool) {
    const bits = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      if (!isValidAt(data, i)) continue;
      const bit = dict.offset + index(i);
      if (((dict.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) bits[i >> 3]! |= 1 << (i & 7);
    }
    return makeData({ type: valueType as never, length: n, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), data: bits } as never);
  }
  const source = dict.values as unknown as { constructor: new (n: number) => ArrayLike<unknown> & { [i: number]: unknown } } & ArrayLike<unknown>;
  if (dict.children.length > 0) throw new Error(`dictionary of ${String(valueType)} values`);
  // Buffers may be longer than the values, so the stride comes from the type.
  const stride = valueType.typeId === Type.Decimal ? (valueType as unknown as { bitWidth: number }).bitWidth / 32 : 1;
  const out = new source.constructor(n * stride);
  for (let i = 0; i < n; i++) {
    if (!isValidAt(data, i)) continue;
    const from = index(i) * stride;
    for (let k = 0; k < stride; k++) out[i * stride + k] = source[from + k];
  }
  return makeData({ type: valueType as never, length: n, nullCount: data.nullCount, nullBitmap: rebasedBitmap(data), data: out } as never);
}

/** One Data from several chunks of the same variable-width or fixed-width type (dictionaries that arrived in deltas). */
function concatData(chunks: Data[]): Data {
  let combined = chunks[0]!;
  for (const next of chunks.slice(1)) {
    const a = variableWidthOrNull(combined);
    const b = variableWidthOrNull(next);
    if (!a || !b) throw new Error('dictionary of a fixed-width type in several batches');
    const offsets = new Int32Array(combined.length + next.length + 1);
    offsets.set(a.offsets);
    const base = a.offsets[combined.length]!;
    for (let i = 1; i <= next.length; i++) offsets[combined.length + i] = base + b.offsets[i]!;
    const bytes = new Uint8Array(a.bytes.length + b.bytes.length);
    bytes.set(a.bytes);
    bytes.set(b.bytes, a.bytes.length);
    combined = makeData({ type: (isUtf8Type(combined.type) ? new Utf8() : new Binary()) as never, length: combined.length + next.length, nullCount: 0, valueOffsets: offsets, data: bytes } as never);
  }
  return combined;
}

function variableWidthOrNull(data: Data): { offsets: Int32Array; bytes: Uint8Array } | undefined {
  try {
    return variableWidth(data, () => new FormatError('', 'fixed width'), '', '');
  } catch {
    return undefined;
  }
}
