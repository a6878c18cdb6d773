/**
 * The text layout: how the CSV and JSON readers hand columns to the runner, and what the
 * two text formats share.
 *
 * The generated Glue script reads CSV and JSON through a DynamicFrame and then casts each
 * declared column to its declared type. The local runner does the same in two steps: the
 * readers produce each declared column in the text layout of its declared type (the type
 * with every primitive leaf replaced by Utf8, so `int` is Utf8, `array<int>` is
 * List<Utf8>, `map<string,int>` is Map<Utf8,Utf8>), and the runner then applies Spark's
 * cast from that layout to the declared type. Parsing numbers, dates and booleans thus
 * happens in one place, with Spark's rules, whatever the file format.
 *
 * A missing value is null in the text layout, never "": Spark's cast turns "" into null
 * for numbers when ANSI mode is off but fails on it when ANSI mode is on, so the
 * difference matters.
 *
 * Also here, because both writers need them: Spark's printing of values as text, and the
 * plumbing from text to (optionally gzipped) output bytes.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import {
  Field as ArrowField,
  List,
  Map_,
  RecordBatch,
  Schema as ArrowSchema,
  Struct,
  Utf8,
  makeData,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { Schema } from '../../catalog/schema.js';
import type { GlueType } from '../../catalog/types.js';
import { allValid, setNull } from '../../kernels/columns.js';
import { FormatError, type ObjectSource } from './format.js';

// ---- the layout ------------------------------------------------------------

/** The text layout of a Glue type: the same shape with every primitive leaf as Utf8. */
export function textLayoutType(type: GlueType): DataType {
  switch (type.kind) {
    case 'array':
      return new List(new ArrowField('element', textLayoutType(type.element), true));
    case 'map': {
      // Key and value fields as in catalog/arrow.ts, so the cast keeps the map's shape.
      const entries = new Struct([new ArrowField('key', textLayoutType(type.key), false), new ArrowField('value', textLayoutType(type.value), true)] as ArrowField[]);
      return new Map_(new ArrowField('entries', entries, false) as never);
    }
    case 'struct':
      return new Struct(type.fields.map((f) => new ArrowField(f.name, textLayoutType(f.type), true)));
    case 'null':
      throw new Error('the NULL type has no column representation');
    default:
      return new Utf8();
  }
}

/**
 * The Arrow schema of batches in the text layout. Every column is nullable: a value may
 * be missing from the file, and non-null columns are checked after the cast, where Spark
 * checks them.
 */
export function textLayoutSchema(schema: Schema): ArrowSchema {
  return new ArrowSchema(schema.map((f) => new ArrowField(f.name, textLayoutType(f.type), true)));
}

/** One record batch from finished columns, in schema order. */
export function textLayoutBatch(schema: ArrowSchema, columns: Data[], length: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns }));
}

// ---- column builders -------------------------------------------------------

/**
 * A value in the text layout as JSON parsing produces it: a string for a primitive leaf,
 * an array for a list (its elements) or a struct (its fields, by position), keys and
 * values for a map. null and undefined are both "missing".
 */
export type TextValue = string | readonly (TextValue | null | undefined)[] | TextMap;
export interface TextMap {
  readonly keys: readonly string[];
  readonly values: readonly (TextValue | null | undefined)[];
}

/**
 * Builds one column in the text layout over plain growable typed arrays (no Arrow
 * builders: they cost a call chain per value). `finish` returns what was appended and
 * starts an empty column, so one builder serves every batch of a read.
 */
export interface TextColumnBuilder {
  readonly length: number;
  appendNull(): void;
  append(value: TextValue | null | undefined): void;
  finish(): Data;
}

const MAX_OFFSET = 0x7fffffff;
const encoder = new TextEncoder();

/** Validity bits for a growing column; only materialised once a null arrives. */
class Validity {
  private bits: Uint8Array | undefined;
  nullCount = 0;

  setNull(i: number): void {
    if (!this.bits || this.bits.length * 8 <= i) {
      const grown = allValid(Math.max(64, i * 2));
      if (this.bits) grown.set(this.bits);
      this.bits = grown;
    }
    setNull(this.bits, i);
    this.nullCount++;
  }

  /** The bitmap for `length` values (undefined when none is null), then starts afresh. */
  take(length: number): Uint8Array | undefined {
    const bits = this.nullCount > 0 ? this.bits!.subarray(0, (length + 7) >> 3) : undefined;
    this.bits = undefined;
    this.nullCount = 0;
    return bits;
  }
}

/** A Utf8 column appended to from bytes (CSV) or strings (JSON). */
export class Utf8ColumnBuilder implements TextColumnBuilder {
  length = 0;
  private bytes: Uint8Array;
  private byteLength = 0;
  private offsets: Int32Array;
  private readonly validity = new Validity();

  constructor(private readonly rowsHint = 1024, private readonly bytesHint = 16 * 1024) {
    this.bytes = new Uint8Array(bytesHint);
    this.offsets = new Int32Array(rowsHint + 1);
  }

  /** Appends the bytes src[start, end) as one value. */
  appendBytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.byteLength + n > this.bytes.length) this.growBytes(n);
    const bytes = this.bytes;
    let at = this.byteLength;
    // A subarray costs an allocation; short values (most fields) copy faster by hand.
    if (n <= 32) for (let i = start; i < end; i++) bytes[at++] = src[i]!;
    else {
      bytes.set(src.subarray(start, end), at);
      at += n;
    }
    this.byteLength = at;
    this.endValue();
  }

  /**
   * Appends src[start, end), the inside of a quoted CSV field, keeping one quote of each
   * doubled pair (RFC 4180: `""` inside quotes is a literal quote).
   */
  appendUnescaped(src: Uint8Array, start: number, end: number, quote: number): void {
    if (this.byteLength + (end - start) > this.bytes.length) this.growBytes(end - start);
    const bytes = this.bytes;
    let at = this.byteLength;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      bytes[at++] = c;
      if (c === quote) i++; // the tokenizer guarantees quotes inside come in pairs
    }
    this.byteLength = at;
    this.endValue();
  }

  appendString(value: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const n = value.length;
    if (this.byteLength + n * 3 > this.bytes.length) this.growBytes(n * 3);
    const bytes = this.bytes;
    const at = this.byteLength;
    // Short ASCII values (most keys, codes, numbers) copy faster by hand than through
    // encodeInto, which needs a subarray per call.
    let i = 0;
    if (n <= 64) {
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + i] = c;
      }
    }
    this.byteLength = i === n ? at + n : at + encoder.encodeInto(value, bytes.subarray(at)).written;
    this.endValue();
  }

  appendNull(): void {
    this.validity.setNull(this.length);
    this.endValue();
  }

  append(value: TextValue | null | undefined): void {
    if (value === null || value === undefined) this.appendNull();
    else this.appendString(value as string);
  }

  finish(): Data {
    const length = this.length;
    const data = makeData({
      type: new Utf8(),
      length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(length),
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.byteLength),
    });
    // The next batch is likely the same size; start there rather than grow again.
    this.bytes = new Uint8Array(Math.max(this.bytesHint, this.byteLength));
    this.offsets = new Int32Array(Math.max(this.rowsHint, length) + 1);
    this.byteLength = 0;
    this.length = 0;
    return data;
  }

  private endValue(): void {
    if (this.length + 2 > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[++this.length] = this.byteLength;
  }

  private growBytes(extra: number): void {
    const needed = this.byteLength + extra;
    if (needed > MAX_OFFSET) throw new Error('a batch holds more than 2 GiB of text in one column; lower the batch size');
    const grown = new Uint8Array(Math.min(MAX_OFFSET, Math.max(needed, this.bytes.length * 2)));
    grown.set(this.bytes.subarray(0, this.byteLength));
    this.bytes = grown;
  }
}

/** Growable list offsets, shared by list and map columns. */
class Offsets {
  values = new Int32Array(1025);
  push(length: number, childLength: number): void {
    if (length + 1 >= this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[length + 1] = childLength;
  }
  take(length: number): Int32Array {
    const taken = this.values.subarray(0, length + 1);
    this.values = new Int32Array(Math.max(1025, length + 1));
    return taken;
  }
}

class ListColumnBuilder implements TextColumnBuilder {
  length = 0;
  private readonly offsets = new Offsets();
  private readonly validity = new Validity();
  constructor(
    private readonly type: DataType,
    private readonly element: TextColumnBuilder,
  ) {}

  appendNull(): void {
    this.validity.setNull(this.length);
    this.offsets.push(this.length++, this.element.length);
  }

  append(value: TextValue | null | undefined): void {
    if (value === null || value === undefined) return this.appendNull();
    for (const item of value as readonly (TextValue | null | undefined)[]) this.element.append(item);
    this.offsets.push(this.length++, this.element.length);
  }

  finish(): Data {
    const length = this.length;
    this.length = 0;
    return makeData({
      type: this.type as List,
      length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(length),
      valueOffsets: this.offsets.take(length),
      child: this.element.finish(),
    });
  }
}

class StructColumnBuilder implements TextColumnBuilder {
  length = 0;
  private readonly validity = new Validity();
  constructor(
    private readonly type: DataType,
    private readonly fields: readonly TextColumnBuilder[],
  ) {}

  appendNull(): void {
    this.validity.setNull(this.length++);
    for (const f of this.fields) f.appendNull(); // children stay as long as the parent
  }

  append(value: TextValue | null | undefined): void {
    if (value === null || value === undefined) return this.appendNull();
    const values = value as readonly (TextValue | null | undefined)[];
    for (let i = 0; i < this.fields.length; i++) this.fields[i]!.append(values[i]);
    this.length++;
  }

  finish(): Data {
    const length = this.length;
    this.length = 0;
    return makeData({
      type: this.type as Struct,
      length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(length),
      children: this.fields.map((f) => f.finish()),
    });
  }
}

class MapColumnBuilder implements TextColumnBuilder {
  length = 0;
  private readonly offsets = new Offsets();
  private readonly validity = new Validity();
  constructor(
    private readonly type: DataType,
    private readonly keys: TextColumnBuilder,
    private readonly values: TextColumnBuilder,
  ) {}

  appendNull(): void {
    this.validity.setNull(this.length);
    this.offsets.push(this.length++, this.keys.length);
  }

  append(value: TextValue | null | undefined): void {
    if (value === null || value === undefined) return this.appendNull();
    const map = value as TextMap;
    for (let i = 0; i < map.keys.length; i++) {
      this.keys.append(map.keys[i]);
      this.values.append(map.values[i]);
    }
    this.offsets.push(this.length++, this.keys.length);
  }

  finish(): Data {
    const length = this.length;
    this.length = 0;
    const entriesType = (this.type as unknown as { children: ArrowField[] }).children[0]!.type as Struct;
    const keys = this.keys.finish();
    const entries = makeData({ type: entriesType, length: keys.length, nullCount: 0, children: [keys, this.values.finish()] });
    return makeData({
      type: this.type as Map_,
      length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.take(length),
      valueOffsets: this.offsets.take(length),
      child: entries,
    } as never);
  }
}

/** A builder for the text layout of `type`. */
export function textColumnBuilder(type: GlueType): TextColumnBuilder {
  switch (type.kind) {
    case 'array':
      return new ListColumnBuilder(textLayoutType(type), textColumnBuilder(type.element));
    case 'map':
      return new MapColumnBuilder(textLayoutType(type), textColumnBuilder(type.key), textColumnBuilder(type.value));
    case 'struct':
      return new StructColumnBuilder(textLayoutType(type), type.fields.map((f) => textColumnBuilder(f.type)));
    case 'null':
      throw new Error('the NULL type has no column representation');
    default:
      return new Utf8ColumnBuilder();
  }
}

// ---- reading ---------------------------------------------------------------

/**
 * The object's bytes in stream order, gunzipped when they are gzip data: Glue reads
 * gzip-compressed CSV and JSON objects transparently (the sink writes them too). The
 * gzip magic bytes decide, not the name, so a renamed file still reads; no text starts
 * with them (0x1f is a control character, 0x8b no UTF-8 lead byte). bzip2, which Glue
 * also reads, has no decoder in Node and is refused by name.
 */
export async function* objectBytes(object: ObjectSource): AsyncGenerator<Uint8Array> {
  if (/\.bz2$/i.test(object.name)) throw new FormatError(object.name, 'bzip2-compressed objects cannot be read locally; use gzip or uncompressed fixtures');
  const source = object.stream()[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < 2) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = concatBytes(head, headLength);
  async function* raw(): AsyncGenerator<Uint8Array> {
    try {
      if (first.length > 0) yield first;
      while (!ended) {
        const next = await source.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      if (!ended) await source.return?.();
    }
  }
  if (first[0] !== 0x1f || first[1] !== 0x8b) {
    yield* raw();
    return;
  }
  const gunzip = createGunzip();
  const piped = pipeline(Readable.from(raw()), gunzip);
  piped.catch(() => undefined); // reported through the iteration below
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
    await piped;
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(object.name, `the object looks gzip-compressed but does not decompress: ${(e as Error).message}`);
  }
}

/** Whether bytes start with the UTF-8 byte order mark, which readers skip. */
export function startsWithBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Line feeds in bytes[start, end): line numbers for messages. */
export function countLineFeeds(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a, start); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Joins byte chunks into one array (no copy for a single chunk). */
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- writing ---------------------------------------------------------------

/** A text file's name suffix: `.csv`, `.json.gz`. */
export function textExtension(base: string, compression: string): string {
  return compression === 'gzip' ? `${base}.gz` : base;
}

/**
 * UTF-8 bytes of the text pieces, gzipped when compression is 'gzip' (the only codec the
 * sink allows for CSV and JSON besides 'none').
 */
export async function* encodeText(pieces: AsyncIterable<string>, compression: string): AsyncIterable<Uint8Array> {
  if (compression !== 'none' && compression !== 'gzip') throw new Error(`unsupported compression "${compression}" for a text format (none or gzip)`);
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for await (const piece of pieces) if (piece.length > 0) yield encoder.encode(piece);
  }
  if (compression === 'none') {
    yield* bytes();
    return;
  }
  const gzip = createGzip();
  // pipeline forwards errors from either side and ends the gzip stream when the text ends.
  const piped = pipeline(Readable.from(bytes()), gzip);
  piped.catch(() => undefined); // reported through the iteration below
  for await (const chunk of gzip) yield chunk as Uint8Array;
  await piped;
}

// ---- Spark's printing of values ---------------------------------------------

/**
 * Java's Double.toString, which Spark uses to print doubles (CSV writer, cast to string)
 * and Jackson uses to write them in JSON: the shortest digits that read back as the same
 * double, in plain notation for magnitudes in [1e-3, 1e7) and as `d.dddE±n` otherwise,
 * always with a digit after the point (`1.0`, `1.0E7`, `1.0E-4`). The shortest digits
 * are those of JavaScript's own printing (JDK 19 and later choose the same; older JDKs
 * occasionally print one digit more).
 */
export function javaDoubleText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  return javaDecimalNotation(x, x.toExponential());
}

/** Java's Float.toString for a float32 value: as javaDoubleText, with float's shortest digits. */
export function javaFloatText(x: number): string {
  if (Number.isNaN(x) || !Number.isFinite(x) || x === 0) return javaDoubleText(x);
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits++) {
    const text = f.toPrecision(digits);
    if (Math.fround(Number(text)) === f) return javaDecimalNotation(f, Number(text).toExponential());
  }
  return javaDoubleText(f);
}

/** Java's notation for a finite non-zero number, from JavaScript's `d.ddde±n` digits. */
function javaDecimalNotation(x: number, exponential: string): string {
  const e = exponential.indexOf('e');
  const negative = exponential.startsWith('-');
  const digits = exponential.slice(negative ? 1 : 0, e).replace('.', '');
  const exponent = Number(exponential.slice(e + 1));
  const sign = negative ? '-' : '';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
}

/**
 * Java's BigDecimal.toString, which Spark's Decimal.toString (CSV writer) and Jackson
 * (JSON writer) print decimals with: plain digits with the scale (`12.50`, `0.00`) unless
 * the value is smaller than 1e-6 in magnitude, which prints in scientific notation
 * (`1E-8`, `1.23E-7`, `0E-8`).
 */
export function javaBigDecimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const coefficient = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? '-' : '';
  const adjusted = coefficient.length - 1 - scale;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + coefficient;
    if (coefficient.length > scale) return `${sign}${coefficient.slice(0, coefficient.length - scale)}.${coefficient.slice(coefficient.length - scale)}`;
    return `${sign}0.${'0'.repeat(scale - coefficient.length)}${coefficient}`;
  }
  const mantissa = coefficient.length > 1 ? `${coefficient[0]}.${coefficient.slice(1)}` : coefficient;
  return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

const DAY_MS = 86_400_000;

/** A date (days since 1970-01-01) as Spark's default dateFormat prints it: yyyy-MM-dd. */
export function sparkDateText(days: number): string {
  const date = new Date(days * DAY_MS);
  const year = date.getUTCFullYear();
  if (year >= 0 && year <= 9999) return date.toISOString().slice(0, 10);
  return `${yearText(year)}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`;
}

/**
 * A timestamp (microseconds since the epoch, UTC) as Spark's default timestampFormat
 * prints it in the UTC session time zone the script pins: yyyy-MM-dd'T'HH:mm:ss.SSSXXX,
 * e.g. `2024-01-02T03:04:05.120Z`. Microseconds below the millisecond are dropped, as
 * the pattern has three fraction digits.
 */
export function sparkTimestampText(micros: bigint): string {
  const millis = Number(micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n));
  const date = new Date(millis);
  const year = date.getUTCFullYear();
  if (year >= 0 && year <= 9999) return date.toISOString();
  return `${yearText(year)}-${date.toISOString().slice(date.toISOString().indexOf('-', 1) + 1)}`;
}

/** Years outside 0..9999 as java.time prints them: a sign and at least four digits. */
function yearText(year: number): string {
  return year < 0 ? `-${String(-year).padStart(4, '0')}` : `+${year}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
