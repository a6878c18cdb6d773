/**
 * Spark's CAST over Arrow columns: `castColumn(data, from, to, ctx)` returns the
 * canonical layout of `to` (catalog/arrow.ts), row for row, nulls staying null.
 *
 * Semantics follow the Spark that runs the job: Spark 3.5 with ANSI mode off (Glue 4.0
 * and 5.0: bad input becomes NULL, integral overflow wraps) and Spark 4.1 with ANSI mode
 * on (Glue 6.0: bad input and overflow raise, with Spark's error classes). Every rule is
 * written down where it is implemented, citing what Spark does (Cast.scala,
 * UTF8String.toInt/toLong, DateTimeUtils.stringToDate/stringToTimestamp,
 * Decimal.changePrecision and friends).
 *
 * Besides the canonical layout of `from`, the source may be in the text layout that the
 * CSV and JSON readers produce (local-runner/formats/text-layout.ts): Utf8 where `from`
 * has a primitive leaf. Such a leaf is read as a string and parsed, so struct<a:string>
 * to struct<a:int> and list<string> to list<date> work the same as the flat casts.
 *
 * Reading buffers: apache-arrow keeps a sliced column's values and value offsets already
 * starting at its first value, and only the validity bitmap (and bit-packed booleans)
 * indexed from `data.offset`. Loops here index values by row and read validity with
 * isValid.
 */
import { Binary, Bool, Type, Utf8, makeData, type Data, type DataType } from 'apache-arrow';
import { isCanonical, toArrowType } from '../catalog/arrow.js';
import { formatGlueType, isComplex, isIntegral, t, typesEqual, type GlueType } from '../catalog/types.js';
import { allValid, boolAt, countNulls, fixedData, isValid, setNull } from './columns.js';
import { SparkRuntimeError, type KernelContext } from './context.js';
import {
  DecimalText,
  FloatingKind,
  JavaFloatingText,
  MAX_DECIMAL_PRECISION,
  MAX_EXACT,
  POW10_EXACT,
  decimalOfDouble,
  doubleAtScale,
  decimalToDouble,
  decimalToFloat,
  decimalToFloatValue,
  fitsPrecision,
  formatDecimal,
  formatJavaDouble,
  formatJavaFloat,
  pow10Big,
  readDecimalBig,
  readDecimalSmall,
  rescaleHalfUp,
  rescaleHalfUpSmall,
  roundToBinary,
  writeDecimalSmall,
} from './decimal.js';
import {
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  SECONDS_PER_DAY,
  formatDate,
  formatTimestamp,
  int32View,
  isTrimmedByte,
  parseDate,
  parseTimestamp,
  readInt64Small,
  secondsToMicros,
  writeInt64Small,
  type Micros,
} from './datetime.js';

/** Spark's CAST of a column from `from` to `to`; see the file comment. */
export function castColumn(data: Data, from: GlueType, to: GlueType, ctx: KernelContext): Data {
  return castData(data, from, to, ctx);
}

/**
 * Why Spark 4.1 with ANSI mode on refuses CAST(from AS to) at analysis (its
 * Cast.canAnsiCast), as Spark's error class, or undefined when it allows it. Among the
 * casts catalog/types.ts canCast allows, ANSI mode refuses boolean → timestamp,
 * date/timestamp → boolean and integral → binary ("DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION":
 * Spark suggests turning ANSI off), and arrays, maps and structs holding such a cast
 * (".CAST_WITH_FUNC_SUGGESTION": Spark suggests try_cast). The type checker can call this
 * to report the problem before running; castColumn raises it as a SparkRuntimeError.
 */
export function ansiCastRefusal(from: GlueType, to: GlueType): string | undefined {
  const source = normalize(from);
  const target = normalize(to);
  if (source.kind === 'array' && target.kind === 'array')
    return ansiCastRefusal(source.element, target.element) && 'DATATYPE_MISMATCH.CAST_WITH_FUNC_SUGGESTION';
  if (source.kind === 'map' && target.kind === 'map')
    return (ansiCastRefusal(source.key, target.key) ?? ansiCastRefusal(source.value, target.value)) && 'DATATYPE_MISMATCH.CAST_WITH_FUNC_SUGGESTION';
  if (source.kind === 'struct' && target.kind === 'struct') {
    const inner = source.fields.some((f, i) => target.fields[i] && ansiCastRefusal(f.type, target.fields[i]!.type));
    return inner ? 'DATATYPE_MISMATCH.CAST_WITH_FUNC_SUGGESTION' : undefined;
  }
  const refused =
    (source.kind === 'boolean' && target.kind === 'timestamp') ||
    ((source.kind === 'date' || source.kind === 'timestamp') && target.kind === 'boolean') ||
    (isIntegral(source) && target.kind === 'binary');
  return refused ? 'DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION' : undefined;
}

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

/**
 * CHAR(n) and VARCHAR(n) are strings here: Spark replaces them by STRING in casts
 * (CharVarcharUtils.replaceCharVarcharWithStringForCast; spark.sql.preserveCharVarcharTypeInfo
 * is off by default in 3.5 and 4.1), so casting to VARCHAR(3) neither pads nor truncates.
 */
function normalize(type: GlueType): GlueType {
  return type.kind === 'char' || type.kind === 'varchar' ? t.string() : type;
}

/** The type the data actually holds: `from`, or string where the text layout has Utf8 for a primitive leaf. */
function sourceType(data: Data, from: GlueType): GlueType {
  const type = normalize(from);
  if (data.typeId === Type.Utf8 && !isComplex(type) && type.kind !== 'null' && type.kind !== 'string') return t.string();
  return type;
}

function castData(data: Data, from: GlueType, to: GlueType, ctx: KernelContext): Data {
  const target = normalize(to);
  if (target.kind === 'null') throw new Error('cannot cast to the NULL type: it has no column representation');
  if (from.kind === 'null' || data.typeId === Type.Null) return nullColumn(target, data.length);
  const source = sourceType(data, from);
  if (ctx.ansi) {
    const refusal = ansiCastRefusal(source, target);
    if (refusal) throw new SparkRuntimeError(refusal, `Cannot resolve CAST(... AS ${sqlType(target)}): ${sqlType(source)} cannot be cast to ${sqlType(target)} with ANSI mode on.`);
  }
  // Same type and already its canonical layout: nothing to do. (A nested column in the
  // text layout has the same Glue type but Utf8 leaves, so it goes through the cast.)
  if (typesEqual(source, target) && (!isComplex(target) || isCanonical(data.type, target))) return data;
  if (target.kind === 'string') return castToString(data, source, ctx);
  switch (target.kind) {
    case 'array':
      if (source.kind === 'array') return castList(data, source.element, target, ctx);
      break;
    case 'map':
      if (source.kind === 'map') return castMap(data, source, target, ctx);
      break;
    case 'struct':
      if (source.kind === 'struct' && source.fields.length === target.fields.length) return castStruct(data, source, target, ctx);
      break;
    case 'boolean':
      if (source.kind === 'string') return castStringToBoolean(data, ctx);
      if (isNumericKind(source) || source.kind === 'timestamp' || source.kind === 'date') return castToBoolean(data, source);
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      if (source.kind === 'string') return castStringToIntegral(data, target, ctx);
      if (isNumericKind(source) || source.kind === 'boolean' || source.kind === 'timestamp') return castToIntegral(data, source, target, ctx);
      break;
    case 'float':
    case 'double':
      if (source.kind === 'string') return castStringToFloating(data, target, ctx);
      if (isNumericKind(source) || source.kind === 'boolean' || source.kind === 'timestamp') return castToFloating(data, source, target);
      break;
    case 'decimal':
      if (source.kind === 'string') return castStringToDecimal(data, target, ctx);
      if (isNumericKind(source) || source.kind === 'boolean' || source.kind === 'timestamp') return castToDecimal(data, source, target, ctx);
      break;
    case 'date':
      if (source.kind === 'string') return castStringToDate(data, ctx);
      if (source.kind === 'timestamp') return castTimestampToDate(data);
      break;
    case 'timestamp':
      if (source.kind === 'string') return castStringToTimestamp(data, ctx);
      if (isNumericKind(source) || source.kind === 'boolean' || source.kind === 'date') return castToTimestamp(data, source, ctx);
      break;
    case 'binary':
      if (source.kind === 'string') return castStringToBinary(data);
      if (isIntegral(source)) return castIntegralToBinary(data, source);
      break;
  }
  throw new Error(`cannot cast ${formatGlueType(source)} to ${formatGlueType(target)}`);
}

function isNumericKind(type: GlueType): boolean {
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'float':
    case 'double':
    case 'decimal':
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------
// Errors, in Spark's words
// ---------------------------------------------------------------------------

/** A type as Spark's error messages print it (toSQLType): "INT", "DECIMAL(10,2)", "ARRAY<STRING>". */
function sqlType(type: GlueType): string {
  return `"${sqlTypeName(type)}"`;
}

function sqlTypeName(type: GlueType): string {
  switch (type.kind) {
    case 'array':
      return `ARRAY<${sqlTypeName(type.element)}>`;
    case 'map':
      return `MAP<${sqlTypeName(type.key)}, ${sqlTypeName(type.value)}>`;
    case 'struct':
      return `STRUCT<${type.fields.map((f) => `${f.name}: ${sqlTypeName(f.type)}`).join(', ')}>`;
    default:
      return formatGlueType(type).toUpperCase();
  }
}

/** Spark's CAST_INVALID_INPUT (invalidInputInCastToNumberError / invalidInputInCastToDatetimeError). */
function invalidInput(value: string, from: GlueType, to: GlueType): SparkRuntimeError {
  return new SparkRuntimeError(
    'CAST_INVALID_INPUT',
    `The value '${value}' of the type ${sqlType(from)} cannot be cast to ${sqlType(to)} because it is malformed. ` +
      'Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead.',
  );
}

/** Spark's CAST_OVERFLOW (castingCauseOverflowError). */
function castOverflow(value: string, from: GlueType, to: GlueType): SparkRuntimeError {
  return new SparkRuntimeError(
    'CAST_OVERFLOW',
    `The value ${value} of the type ${sqlType(from)} cannot be cast to ${sqlType(to)} due to an overflow. Use \`try_cast\` to tolerate overflow and return NULL instead.`,
  );
}

/** Spark's NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION (cannotChangeDecimalPrecisionError), which a cast to DECIMAL raises under ANSI. */
function decimalOverflow(value: string, precision: number, scale: number): SparkRuntimeError {
  return new SparkRuntimeError(
    'NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION',
    `${value} cannot be represented as Decimal(${precision}, ${scale}). If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error, and return NULL instead.`,
  );
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

// ---------------------------------------------------------------------------
// Column plumbing
// ---------------------------------------------------------------------------

/** A fresh validity bitmap (offset 0) copying the column's nulls. */
function validityOf(data: Data): Uint8Array {
  const bitmap = allValid(data.length);
  if (data.nullCount > 0) for (let i = 0; i < data.length; i++) if (!isValid(data, i)) setNull(bitmap, i);
  return bitmap;
}

function bit(bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >> 3]! >> (i & 7)) & 1) === 1;
}

/** A bool column from bit-packed values and validity. */
function boolColumn(bits: Uint8Array, length: number, validity: Uint8Array): Data {
  return fixedData(new Bool(), bits, length, validity);
}

/** A copy of `data` whose nulls are its own plus the rows where `keep` is clear (bitmap indexed from row 0). */
function withExtraNulls(data: Data, keep: Uint8Array): Data {
  const offset = data.offset;
  const bitmap = new Uint8Array((offset + data.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < data.length; i++) {
    if (bit(keep, i) && isValid(data, i)) setValidBit(bitmap, offset + i);
    else nulls++;
  }
  return data.clone(data.type, offset, data.length, nulls, [data.valueOffsets, data.values, bitmap, data.typeIds] as never, data.children);
}

function setValidBit(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3]! |= 1 << (i & 7);
}

/** A column of `length` nulls in the canonical layout of `type`. */
function nullColumn(type: GlueType, length: number): Data {
  const arrowType = toArrowType(type);
  const validity = new Uint8Array((length + 7) >> 3);
  const nullCount = length;
  switch (type.kind) {
    case 'array':
      return makeData({ type: arrowType as never, length, nullCount, nullBitmap: validity, valueOffsets: new Int32Array(length + 1), child: nullColumn(type.element, 0) });
    case 'map': {
      const entries = makeData({ type: (arrowType as unknown as { children: { type: DataType }[] }).children[0]!.type as never, length: 0, nullCount: 0, children: [nullColumn(type.key, 0), nullColumn(type.value, 0)] });
      return makeData({ type: arrowType as never, length, nullCount, nullBitmap: validity, valueOffsets: new Int32Array(length + 1), child: entries });
    }
    case 'struct':
      return makeData({ type: arrowType as never, length, nullCount, nullBitmap: validity, children: type.fields.map((f) => nullColumn(f.type, length)) });
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary':
      return makeData({ type: arrowType as never, length, nullCount, nullBitmap: validity, valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) });
    case 'boolean':
      return makeData({ type: arrowType as never, length, nullCount, nullBitmap: validity, data: new Uint8Array((length + 7) >> 3) });
    case 'decimal':
      return makeData({ type: arrowType as never, length, nullCount, nullBitmap: validity, data: new Uint32Array(length * 4) });
    default: {
      const ArrayType = (arrowType as unknown as { ArrayType: new (n: number) => ArrayBufferView }).ArrayType;
      return makeData({ type: arrowType as never, length, nullCount, nullBitmap: validity, data: new ArrayType(length) as never });
    }
  }
}

/** Grows a Utf8 or Binary column as rows are formatted. */
class TextColumn {
  private bytes: Uint8Array;
  private readonly offsets: Int32Array;
  private used = 0;
  private row = 0;
  private static readonly encoder = new TextEncoder();

  constructor(private readonly length: number, bytesPerRow = 8) {
    this.bytes = new Uint8Array(Math.max(64, length * bytesPerRow));
    this.offsets = new Int32Array(length + 1);
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + extra));
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
  }

  /** Appends text; ASCII is copied code by code, anything else is UTF-8 encoded. */
  text(value: string): void {
    const n = value.length;
    this.reserve(n);
    let ascii = true;
    for (let k = 0; k < n; k++) {
      const c = value.charCodeAt(k);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      this.bytes[this.used + k] = c;
    }
    if (ascii) {
      this.used += n;
      return;
    }
    this.raw(TextColumn.encoder.encode(value));
  }

  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.bytes.set(value, this.used);
    this.used += value.length;
  }

  /** Ends the current row (empty or null rows simply append nothing). */
  next(): void {
    this.offsets[++this.row] = this.used;
  }

  finish(type: DataType, validity: Uint8Array): Data {
    while (this.row < this.length) this.next();
    const nullCount = countNulls(validity, this.length);
    return makeData({ type: type as never, length: this.length, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, valueOffsets: this.offsets, data: this.bytes.subarray(0, this.used) });
  }
}

/** A string or binary column's bytes, indexed by row (apache-arrow pre-slices offsets). */
interface TextSource {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

function textSource(data: Data): TextSource {
  return { offsets: data.valueOffsets as Int32Array, bytes: data.values as Uint8Array };
}

function textAt(source: TextSource, i: number): string {
  return textDecoder.decode(source.bytes.subarray(source.offsets[i]!, source.offsets[i + 1]!));
}

// ---------------------------------------------------------------------------
// Reading numeric sources
// ---------------------------------------------------------------------------

/**
 * Exact integer value `i` of an integral, date or timestamp column: a double when below
 * 2^53 in magnitude, else NaN (then read `big`).
 */
interface IntegerReader {
  small(i: number): number;
  big(i: number): bigint;
}

function integerReader(data: Data): IntegerReader {
  const values = data.values as ArrayLike<number> | BigInt64Array;
  if (values instanceof BigInt64Array) {
    const words = int32View(values);
    return { small: (i) => readInt64Small(words, i), big: (i) => values[i]! };
  }
  const narrow = values as ArrayLike<number>;
  return { small: (i) => narrow[i]!, big: (i) => BigInt(narrow[i]!) };
}

/** Decimal value `i` as an unscaled double (NaN beyond 2^53) or bigint. */
interface DecimalReader {
  small(i: number): number;
  big(i: number): bigint;
}

function decimalReader(data: Data): DecimalReader {
  const words = data.values as Uint32Array;
  return { small: (i) => readDecimalSmall(words, i), big: (i) => readDecimalBig(words, i) };
}

const INTEGRAL_BITS: Record<string, number> = { tinyint: 8, smallint: 16, int: 32, bigint: 64 };

// ---------------------------------------------------------------------------
// Integral targets
// ---------------------------------------------------------------------------

/** Where integral results go: the typed array of the target, bigint targets written as int32 pairs when exact. */
class IntegralOutput {
  readonly values: Int8Array | Int16Array | Int32Array | BigInt64Array;
  private readonly words: Int32Array | undefined;
  readonly bits: number;
  readonly min: number;
  readonly max: number;

  constructor(readonly type: GlueType, length: number) {
    this.bits = INTEGRAL_BITS[type.kind]!;
    this.values = this.bits === 8 ? new Int8Array(length) : this.bits === 16 ? new Int16Array(length) : this.bits === 32 ? new Int32Array(length) : new BigInt64Array(length);
    this.words = this.values instanceof BigInt64Array ? int32View(this.values) : undefined;
    this.min = -(2 ** (this.bits - 1));
    this.max = 2 ** (this.bits - 1) - 1;
  }

  /** Whether an exact integer fits the target. For 64 bits, doubles at ±2^63 do not. */
  fits(value: number): boolean {
    return this.bits === 64 ? value >= -9223372036854775808 && value < 9223372036854775808 : value >= this.min && value <= this.max;
  }

  fitsBig(value: bigint): boolean {
    return BigInt.asIntN(this.bits, value) === value;
  }

  /** Writes an exact integer that fits (see fits). */
  set(i: number, value: number): void {
    if (this.words) {
      if (Math.abs(value) <= MAX_EXACT) writeInt64Small(this.words, i, value);
      else (this.values as BigInt64Array)[i] = BigInt(value);
    } else {
      (this.values as Int32Array)[i] = value;
    }
  }

  setBig(i: number, value: bigint): void {
    if (this.words) (this.values as BigInt64Array)[i] = value;
    else (this.values as Int32Array)[i] = Number(value);
  }

  /** Writes the low bits of an exact integer: Java's two's complement narrowing ((int) aLong, (short) anInt). */
  setWrapped(i: number, value: number): void {
    if (this.fits(value)) this.set(i, value);
    else this.setBig(i, BigInt.asIntN(this.bits, BigInt(value)));
  }

  setWrappedBig(i: number, value: bigint): void {
    this.setBig(i, BigInt.asIntN(this.bits, value));
  }

  /**
   * Java's (long) d for BIGINT and (int) d otherwise: truncation toward zero, NaN → 0,
   * saturation at the bounds (2^63 as a double is already out of range).
   */
  setTruncated(i: number, d: number): void {
    if (Number.isNaN(d)) this.set(i, 0);
    else if (this.bits === 64 && d >= 9223372036854775807) this.setBig(i, 9223372036854775807n);
    else if (this.bits === 64 && d <= -9223372036854775808) this.setBig(i, -9223372036854775808n);
    else this.set(i, Math.max(this.min, Math.min(this.bits === 64 ? Infinity : this.max, Math.trunc(d))));
  }

  finish(validity: Uint8Array, length: number): Data {
    return fixedData(toArrowType(this.type), this.values, length, validity);
  }
}

/**
 * Numeric, boolean and timestamp sources to TINYINT, SMALLINT, INT, BIGINT.
 *
 * - boolean: true → 1, false → 0.
 * - integral: widening is exact; narrowing keeps the low bits (Java's (int) aLong) with ANSI
 *   off, and raises CAST_OVERFLOW with ANSI on (Spark's exactNumeric.toInt, intToShortExact...).
 * - float/double, ANSI off: Java's (int)/(long) conversion, i.e. truncation toward zero, NaN
 *   → 0 and saturation at the type's bounds (cast(1e20 as int) = 2147483647); to TINYINT and
 *   SMALLINT Spark first converts to int and then keeps the low bits (Cast.castToShort:
 *   numeric.toInt(b).toShort), so cast(1e10 as smallint) = -1 and cast(40000.0 as
 *   smallint) = -25536. ANSI on: a value whose floor/ceiling is outside the range raises
 *   CAST_OVERFLOW (DoubleExactNumeric: Math.floor(x) <= max && Math.ceil(x) >= min), NaN
 *   and infinities included; the bound is compared as a double, so 2^63 itself passes for
 *   BIGINT and saturates to 9223372036854775807.
 * - decimal, ANSI off: truncation toward zero, then the low 64 bits (BigDecimal.longValue),
 *   then the low bits of the target (Decimal.toInt = toLong.toInt). ANSI on: Decimal.roundToInt
 *   etc.: for precision <= 18 the truncated value must fit; above 18 Spark converts to double
 *   and checks floor/ceil like a double (its "expanded" representation), and BIGINT uses
 *   the exact truncated value (toBigInteger.longValueExact).
 * - timestamp: seconds since the epoch rounded down (Math.floorDiv(micros, 10^6): one
 *   microsecond before 1970 is -1). To INT, SMALLINT, TINYINT the seconds are narrowed:
 *   low bits with ANSI off (Spark 3.5; 4.0 made this NULL, SPARK-45816), CAST_OVERFLOW
 *   with ANSI on.
 */
function castToIntegral(data: Data, source: GlueType, target: GlueType, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const out = new IntegralOutput(target, n);
  switch (source.kind) {
    case 'boolean':
      for (let i = 0; i < n; i++) if (bit(validity, i)) out.set(i, boolAt(data, i) ? 1 : 0);
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const v = read.small(i);
        if (!Number.isNaN(v)) {
          if (out.fits(v)) out.set(i, v);
          else if (ctx.ansi) throw castOverflow(String(v), source, target);
          else out.setWrapped(i, v);
        } else {
          const big = read.big(i);
          if (out.fitsBig(big)) out.setBig(i, big);
          else if (ctx.ansi) throw castOverflow(String(big), source, target);
          else out.setWrappedBig(i, big);
        }
      }
      break;
    }
    case 'float':
    case 'double': {
      const values = data.values as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const d = values[i]!;
        if (ctx.ansi) {
          // Bounds as doubles: Int.MaxValue is exact, Long.MaxValue rounds up to 2^63.
          const upper = out.bits === 64 ? 9223372036854775807 : out.max;
          if (!(Math.floor(d) <= upper && Math.ceil(d) >= out.min)) throw castOverflow(formatJavaDouble(d), source, target);
          out.setTruncated(i, d);
        } else if (out.bits >= 32) {
          out.setTruncated(i, d);
        } else {
          // (int) d, then the low bits for TINYINT and SMALLINT.
          const asInt = Number.isNaN(d) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(d)));
          out.setWrapped(i, asInt);
        }
      }
      break;
    }
    case 'decimal': {
      const read = decimalReader(data);
      const scale = source.scale;
      const compact = source.precision <= 18;
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const small = read.small(i);
        const truncated: number | bigint = !Number.isNaN(small) && scale <= 15 ? truncDivExact(small, POW10_EXACT[scale]!) : truncateDecimal(read.big(i), scale);
        if (!ctx.ansi) {
          // Low 64 bits, then the target's low bits: one wrap to the target's width.
          if (typeof truncated === 'number') out.setWrapped(i, truncated);
          else out.setWrappedBig(i, truncated);
          continue;
        }
        if (compact || out.bits === 64) {
          const fits = typeof truncated === 'number' ? out.fits(truncated) : out.fitsBig(truncated);
          if (!fits) throw castOverflow(decimalText(read, i, scale, true), source, target);
          if (typeof truncated === 'number') out.set(i, truncated);
          else out.setBig(i, truncated);
        } else {
          // Precision above 18: Spark's roundToInt goes through the double value.
          const d = Number.isNaN(small) ? decimalToDouble(read.big(i), scale) : decimalToDouble(BigInt(small), scale);
          if (!(Math.floor(d) <= 2147483647 && Math.ceil(d) >= -2147483648)) throw castOverflow(decimalText(read, i, scale, true), source, target);
          const asInt = Math.trunc(d);
          if (!out.fits(asInt)) throw castOverflow(decimalText(read, i, scale, true), source, target);
          out.set(i, asInt);
        }
      }
      break;
    }
    case 'timestamp': {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const seconds = floorSeconds(read, i);
        if (out.fits(seconds)) out.set(i, seconds);
        else if (ctx.ansi) throw castOverflow(formatTimestamp(microsAt(read, i)), source, target);
        else out.setWrapped(i, seconds);
      }
      break;
    }
    default:
      throw new Error(`cannot cast ${formatGlueType(source)} to ${formatGlueType(target)}`);
  }
  return out.finish(validity, n);
}

/** Truncation toward zero of unscaled × 10^-scale. */
function truncateDecimal(unscaled: bigint, scale: number): bigint {
  return scale === 0 ? unscaled : unscaled / pow10Big(scale);
}

function decimalText(read: DecimalReader, i: number, scale: number, plain: boolean): string {
  return formatDecimal(read.big(i), scale, plain);
}

function microsAt(read: IntegerReader, i: number): Micros {
  const v = read.small(i);
  return Number.isNaN(v) ? read.big(i) : v;
}

/** Math.floorDiv(micros, 10^6). */
function floorSeconds(read: IntegerReader, i: number): number {
  const v = read.small(i);
  if (!Number.isNaN(v)) return floorDivExact(v, MICROS_PER_SECOND);
  const big = read.big(i);
  let q = big / 1_000_000n;
  if (q * 1_000_000n > big) q -= 1n;
  return Number(q);
}

/** Truncating division (toward zero) of an integer below 2^53 by a positive integer, exact. */
function truncDivExact(value: number, divisor: number): number {
  const magnitude = Math.abs(value);
  let q = Math.floor(magnitude / divisor);
  if (q * divisor > magnitude) q -= 1;
  else if ((q + 1) * divisor <= magnitude) q += 1;
  return value < 0 ? -q : q;
}

/** floor(value / divisor) for integers below 2^53, exact (a plain floor of the quotient can round across an integer). */
function floorDivExact(value: number, divisor: number): number {
  let q = Math.floor(value / divisor);
  if (q * divisor > value) q -= 1;
  else if ((q + 1) * divisor <= value) q += 1;
  return q;
}

/**
 * String to TINYINT/SMALLINT/INT/BIGINT: Spark's UTF8String.toInt / toLong (via
 * toByte/toShort for the narrow types).
 *
 * - Leading and trailing bytes that are whitespace or ISO controls (0x00-0x20 and 0x7F)
 *   are ignored (isWhitespaceOrISOControl); other Unicode spaces are not.
 * - An optional '+' or '-', then ASCII digits. A sign alone is invalid.
 * - ANSI off (toInt(wrapper) allows a decimal point): a '.' ends the integer part and the
 *   digits after it are checked but dropped, truncating toward zero: "1.9" → 1, "-1.9" →
 *   -1, "1." → 1, and even ".5", "." and "-." → 0 (no digit is required before the point).
 *   ANSI on (toIntExact: no point allowed): "1.9" is malformed.
 * - Out of range for the type → NULL with ANSI off; with ANSI on the same
 *   NumberFormatException becomes CAST_INVALID_INPUT (not CAST_OVERFLOW).
 * - Anything else (letters, inner spaces, "1e3", "0x10", "") → NULL / CAST_INVALID_INPUT.
 */
function castStringToIntegral(data: Data, target: GlueType, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const out = new IntegralOutput(target, n);
  const text = textSource(data);
  const allowPoint = !ctx.ansi;
  for (let i = 0; i < n; i++) {
    if (!bit(validity, i)) continue;
    const value = parseIntegerText(text.bytes, text.offsets[i]!, text.offsets[i + 1]!, allowPoint);
    if (typeof value === 'number' && out.fits(value)) out.set(i, value);
    else if (typeof value === 'bigint' && out.fitsBig(value)) out.setBig(i, value);
    else if (ctx.ansi) throw invalidInput(textAt(text, i), t.string(), target);
    else setNull(validity, i);
  }
  return out.finish(validity, n);
}

/**
 * The integer of an UTF8String.toLong-style parse: an exact double when below 2^53, a
 * bigint beyond, undefined when malformed.
 */
function parseIntegerText(bytes: Uint8Array, start: number, end: number, allowPoint: boolean): number | bigint | undefined {
  let i = start;
  let to = end;
  while (i < to && isTrimmedByte(bytes[i]!)) i++;
  while (to > i && isTrimmedByte(bytes[to - 1]!)) to--;
  if (i === to) return undefined;
  let negative = false;
  const first = bytes[i]!;
  if (first === 0x2d || first === 0x2b) {
    if (to - i === 1) return undefined;
    negative = first === 0x2d;
    i++;
  }
  let value = 0;
  let digitsStart = i;
  let digitsEnd = i;
  let point = false;
  for (; i < to; i++) {
    const b = bytes[i]!;
    if (b === 0x2e && allowPoint) {
      point = true;
      break;
    }
    if (b < 0x30 || b > 0x39) return undefined;
    value = value * 10 + (b - 0x30);
    digitsEnd = i + 1;
  }
  if (point) {
    for (i++; i < to; i++) {
      const b = bytes[i]!;
      if (b < 0x30 || b > 0x39) return undefined;
    }
  }
  if (value <= MAX_EXACT) return negative ? -value : value;
  // Past 2^53 the double is no longer exact: redo the digits in bigint, giving up at
  // lengths no long can have.
  while (digitsStart < digitsEnd && bytes[digitsStart] === 0x30) digitsStart++;
  if (digitsEnd - digitsStart > 20) return negative ? -(10n ** 20n) : 10n ** 20n;
  let big = 0n;
  for (let k = digitsStart; k < digitsEnd; k++) big = big * 10n + BigInt(bytes[k]! - 0x30);
  return negative ? -big : big;
}

// ---------------------------------------------------------------------------
// Floating-point targets
// ---------------------------------------------------------------------------

/**
 * Numeric, boolean and timestamp sources to FLOAT and DOUBLE: the nearest value (Java's
 * widening conversions and BigDecimal.doubleValue/floatValue are correctly rounded, ties
 * to even), never an error, overflow to infinity. Timestamps become seconds with a
 * fraction (micros / 10^6 as doubles; to FLOAT that double is rounded again, as Spark
 * does). Booleans become 1 and 0.
 */
function castToFloating(data: Data, source: GlueType, target: GlueType): Data {
  const n = data.length;
  const validity = validityOf(data);
  const single = target.kind === 'float';
  const values = single ? new Float32Array(n) : new Float64Array(n);
  switch (source.kind) {
    case 'boolean':
      for (let i = 0; i < n; i++) if (bit(validity, i)) values[i] = boolAt(data, i) ? 1 : 0;
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const v = read.small(i);
        if (!Number.isNaN(v)) values[i] = v; // exact, then one rounding to float by the array
        else {
          const big = read.big(i);
          const magnitude = roundToBinary(big < 0n ? -big : big, 0, single);
          values[i] = big < 0n ? -magnitude : magnitude;
        }
      }
      break;
    }
    case 'float':
    case 'double': {
      const input = data.values as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) if (bit(validity, i)) values[i] = input[i]!;
      break;
    }
    case 'decimal': {
      const read = decimalReader(data);
      const scale = source.scale;
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const small = read.small(i);
        if (!Number.isNaN(small) && scale <= 22) {
          // Both exact, one division: correctly rounded.
          const nearest = small / POW10_EXACT[scale]!;
          values[i] = single ? decimalToFloat(nearest, () => BigInt(Math.abs(small)), -scale) : nearest;
        } else {
          const big = Number.isNaN(small) ? read.big(i) : BigInt(small);
          values[i] = single ? decimalToFloatValue(big, scale) : decimalToDouble(big, scale);
        }
      }
      break;
    }
    case 'timestamp': {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const micros = microsAt(read, i);
        // The long converted to double (rounding beyond 2^53), then divided.
        values[i] = Number(micros) / MICROS_PER_SECOND;
      }
      break;
    }
    default:
      throw new Error(`cannot cast ${formatGlueType(source)} to ${formatGlueType(target)}`);
  }
  return fixedData(toArrowType(target), values, n, validity);
}

/**
 * String to FLOAT/DOUBLE: Spark calls Java's Double.parseDouble / Float.parseFloat on the
 * text (trimming characters up to U+0020; decimal or hexadecimal notation, an optional
 * f/F/d/D suffix, "NaN" and "Infinity" with optional sign, exact case), and when Java
 * refuses, accepts "inf", "+inf", "infinity", "+infinity", "-inf", "-infinity" and "nan"
 * in any case (Cast.processFloatingPointSpecialLiterals). Values beyond the range become
 * infinities, not errors. Anything else → NULL, or CAST_INVALID_INPUT with ANSI on.
 */
function castStringToFloating(data: Data, target: GlueType, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const single = target.kind === 'float';
  const values = single ? new Float32Array(n) : new Float64Array(n);
  const text = textSource(data);
  const parser = new JavaFloatingText();
  for (let i = 0; i < n; i++) {
    if (!bit(validity, i)) continue;
    if (parser.parse(text.bytes, text.offsets[i]!, text.offsets[i + 1]!) === FloatingKind.Invalid) {
      if (ctx.ansi) throw invalidInput(textAt(text, i), t.string(), target);
      setNull(validity, i);
      continue;
    }
    values[i] = single ? parser.toFloat() : parser.toDouble();
  }
  return fixedData(toArrowType(target), values, n, validity);
}

// ---------------------------------------------------------------------------
// Decimal targets
// ---------------------------------------------------------------------------

/** Prints row i's source value for an error message (only called when raising). */
type Describe = (i: number) => string;

/** Where decimal results go, with Spark's overflow rule (Decimal.changePrecision / toPrecision). */
class DecimalOutput {
  readonly words: Uint32Array;
  private readonly limitSmall: number;

  constructor(readonly precision: number, readonly scale: number, length: number, private readonly ansi: boolean, private readonly validity: Uint8Array) {
    this.words = new Uint32Array(length * 4);
    this.limitSmall = precision <= 15 ? POW10_EXACT[precision]! : Infinity;
  }

  /**
   * Stores an unscaled value already at the target scale (below 2^53). The value must fit
   * the precision, |unscaled| < 10^precision; otherwise NULL with ANSI off and
   * NUMERIC_VALUE_OUT_OF_RANGE with ANSI on.
   */
  set(i: number, unscaled: number, describe: Describe): void {
    if (Math.abs(unscaled) < this.limitSmall) writeDecimalSmall(this.words, i, unscaled);
    else this.overflow(i, describe);
  }

  setBig(i: number, unscaled: bigint, describe: Describe): void {
    if (!fitsPrecision(unscaled, this.precision)) this.overflow(i, describe);
    else if (unscaled <= BigInt(MAX_EXACT) && unscaled >= -BigInt(MAX_EXACT)) writeDecimalSmall(this.words, i, Number(unscaled));
    else {
      const v = BigInt.asUintN(128, unscaled);
      const base = i * 4;
      this.words[base] = Number(v & 0xffffffffn);
      this.words[base + 1] = Number((v >> 32n) & 0xffffffffn);
      this.words[base + 2] = Number((v >> 64n) & 0xffffffffn);
      this.words[base + 3] = Number((v >> 96n) & 0xffffffffn);
    }
  }

  /** A value at `fromScale`, rescaled HALF_UP to the target scale, then stored. */
  setScaled(i: number, unscaled: bigint, fromScale: number, describe: Describe): void {
    this.setBig(i, rescaleHalfUp(unscaled, fromScale, this.scale), describe);
  }

  /** As setScaled for an exact double unscaled value; falls back to bigint when rounding needs it. */
  setScaledSmall(i: number, unscaled: number, fromScale: number, describe: Describe): void {
    const rescaled = rescaleHalfUpSmall(unscaled, fromScale, this.scale);
    if (!Number.isNaN(rescaled)) this.set(i, rescaled, describe);
    else this.setScaled(i, BigInt(unscaled), fromScale, describe);
  }

  overflow(i: number, describe: Describe): void {
    if (this.ansi) throw decimalOverflow(describe(i), this.precision, this.scale);
    setNull(this.validity, i);
  }

  finish(type: DataType, length: number): Data {
    return fixedData(type, this.words, length, this.validity);
  }
}

/**
 * Numeric, boolean and timestamp sources to DECIMAL(p, s): the exact value rounded HALF_UP
 * (ties away from zero) to scale s, then NULL (ANSI off) or
 * NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION (ANSI on) when it needs more than p - s
 * integer digits.
 *
 * - float/double: Spark's Decimal(d) takes the digits of Java's Double.toString (Scala's
 *   BigDecimal.decimal), so 0.1 is exactly 0.1 and 2.675 rounds to 2.68 at scale 2; a float
 *   is first widened to double (0.1f is 0.10000000149011612). NaN and ±Infinity give NULL
 *   in both modes (Decimal(NaN) throws NumberFormatException, which Cast catches whatever
 *   the mode).
 * - timestamp: the seconds with 6 decimals (Decimal(micros, 19, 6)).
 * - boolean: 1 or 0 (which still needs p - s >= 1).
 */
function castToDecimal(data: Data, source: GlueType, target: GlueType & { kind: 'decimal' }, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const out = new DecimalOutput(target.precision, target.scale, n, ctx.ansi, validity);
  switch (source.kind) {
    case 'boolean':
      for (let i = 0; i < n; i++) if (bit(validity, i)) out.setScaledSmall(i, boolAt(data, i) ? 1 : 0, 0, (row) => (boolAt(data, row) ? '1' : '0'));
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const read = integerReader(data);
      const describe: Describe = (row) => String(read.big(row));
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const v = read.small(i);
        if (!Number.isNaN(v)) out.setScaledSmall(i, v, 0, describe);
        else out.setScaled(i, read.big(i), 0, describe);
      }
      break;
    }
    case 'float':
    case 'double': {
      const values = data.values as Float32Array | Float64Array;
      const describe: Describe = (row) => formatJavaDouble(values[row]!);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const d = values[i]!;
        if (!Number.isFinite(d)) {
          setNull(validity, i);
          continue;
        }
        const small = doubleAtScale(d, target.scale);
        if (!Number.isNaN(small)) {
          out.set(i, small, describe);
          continue;
        }
        const [unscaled, scale] = decimalOfDouble(d);
        if (scale < 0) out.setBig(i, unscaled * pow10Big(-scale + target.scale), describe);
        else out.setScaled(i, unscaled, scale, describe);
      }
      break;
    }
    case 'decimal': {
      const read = decimalReader(data);
      const describe: Describe = (row) => formatDecimal(read.big(row), source.scale, true);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const small = read.small(i);
        if (!Number.isNaN(small)) out.setScaledSmall(i, small, source.scale, describe);
        else out.setScaled(i, read.big(i), source.scale, describe);
      }
      break;
    }
    case 'timestamp': {
      const read = integerReader(data);
      const describe: Describe = (row) => formatDecimal(read.big(row), 6, true);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const v = read.small(i);
        if (!Number.isNaN(v)) out.setScaledSmall(i, v, 6, describe);
        else out.setScaled(i, read.big(i), 6, describe);
      }
      break;
    }
    default:
      throw new Error(`cannot cast ${formatGlueType(source)} to ${formatGlueType(target)}`);
  }
  return out.finish(toArrowType(target), n);
}

/**
 * String to DECIMAL(p, s): Spark's Decimal.fromString, i.e. Java's
 * `new BigDecimal(text.trim())`: trimming characters up to U+0020 (not 0x7F, unlike the
 * integral casts), an optional sign, digits with an optional point, an optional exponent
 * ("1.5e3", "1E-2"); no "NaN", no "Infinity", no suffix, no inner spaces. Java also reads
 * non-ASCII decimal digits ("١٢" is 12). The exact value is rounded HALF_UP to scale s and
 * must fit p: otherwise NULL with ANSI off, NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION with
 * ANSI on. Text with more than 38 integer digits is rejected first (Spark's fast fail):
 * NULL, or NUMERIC_OUT_OF_SUPPORTED_RANGE with ANSI on. Malformed text → NULL /
 * CAST_INVALID_INPUT.
 */
function castStringToDecimal(data: Data, target: GlueType & { kind: 'decimal' }, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const out = new DecimalOutput(target.precision, target.scale, n, ctx.ansi, validity);
  const text = textSource(data);
  const parsed = new DecimalText();
  const describe: Describe = (row) => textAt(text, row).trim();
  for (let i = 0; i < n; i++) {
    if (!bit(validity, i)) continue;
    if (!parsed.parseBigDecimal(text.bytes, text.offsets[i]!, text.offsets[i + 1]!)) {
      if (ctx.ansi) throw invalidInput(textAt(text, i), t.string(), target);
      setNull(validity, i);
      continue;
    }
    if (parsed.integralDigits() > MAX_DECIMAL_PRECISION) {
      if (ctx.ansi) throw new SparkRuntimeError('NUMERIC_OUT_OF_SUPPORTED_RANGE', `The value ${textAt(text, i)} cannot be interpreted as a numeric since it has more than 38 digits.`);
      setNull(validity, i);
      continue;
    }
    const fromScale = -parsed.exponent;
    if (parsed.digits <= 15) {
      out.setScaledSmall(i, parsed.negative ? -parsed.small : parsed.small, fromScale, describe);
    } else {
      const significand = parsed.significand();
      out.setScaled(i, parsed.negative ? -significand : significand, fromScale, describe);
    }
  }
  return out.finish(toArrowType(target), n);
}

// ---------------------------------------------------------------------------
// Boolean targets
// ---------------------------------------------------------------------------

/**
 * Numeric, date and timestamp sources to BOOLEAN: a number is true unless it is zero (NaN
 * is true; a decimal is true unless it is zero at any scale); a timestamp is true unless it
 * is the epoch itself; a date is always NULL ("Hive would return null when cast from date
 * to boolean", Cast.castToBoolean; ANSI mode refuses date and timestamp → boolean).
 */
function castToBoolean(data: Data, source: GlueType): Data {
  const n = data.length;
  const validity = validityOf(data);
  const bits = new Uint8Array((n + 7) >> 3);
  switch (source.kind) {
    case 'float':
    case 'double': {
      const values = data.values as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) if (bit(validity, i) && values[i] !== 0) setValidBit(bits, i);
      break;
    }
    case 'decimal': {
      const words = data.values as Uint32Array;
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const b = i * 4;
        if (words[b] !== 0 || words[b + 1] !== 0 || words[b + 2] !== 0 || words[b + 3] !== 0) setValidBit(bits, i);
      }
      break;
    }
    case 'date':
      for (let i = 0; i < n; i++) setNull(validity, i);
      break;
    default: {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) if (bit(validity, i) && read.small(i) !== 0) setValidBit(bits, i);
    }
  }
  return boolColumn(bits, n, validity);
}

const TRUE_WORDS = ['t', 'true', 'y', 'yes', '1'];
const FALSE_WORDS = ['f', 'false', 'n', 'no', '0'];

/**
 * String to BOOLEAN: after trimming whitespace and ISO controls (0x00-0x20, 0x7F;
 * UTF8String.trimAll), case-insensitively, 't', 'true', 'y', 'yes', '1' are true and 'f',
 * 'false', 'n', 'no', '0' are false (StringUtils.isTrueString/isFalseString). Anything
 * else, "" included, is NULL with ANSI off and CAST_INVALID_INPUT with ANSI on.
 */
function castStringToBoolean(data: Data, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const bits = new Uint8Array((n + 7) >> 3);
  const text = textSource(data);
  for (let i = 0; i < n; i++) {
    if (!bit(validity, i)) continue;
    let start = text.offsets[i]!;
    let end = text.offsets[i + 1]!;
    while (start < end && isTrimmedByte(text.bytes[start]!)) start++;
    while (end > start && isTrimmedByte(text.bytes[end - 1]!)) end--;
    // Longer than "false" cannot match; only ASCII letters change case.
    let word = end - start <= 5 ? '' : '-';
    if (end - start <= 5) for (let k = start; k < end; k++) word += String.fromCharCode(text.bytes[k]! | (text.bytes[k]! >= 0x41 && text.bytes[k]! <= 0x5a ? 0x20 : 0));
    if (TRUE_WORDS.includes(word)) setValidBit(bits, i);
    else if (!FALSE_WORDS.includes(word)) {
      if (ctx.ansi) throw invalidInput(textAt(text, i), t.string(), t.boolean());
      setNull(validity, i);
    }
  }
  return boolColumn(bits, n, validity);
}

// ---------------------------------------------------------------------------
// Date and timestamp targets
// ---------------------------------------------------------------------------

/** String to DATE: DateTimeUtils.stringToDate (see datetime.ts parseDate); not a date → NULL / CAST_INVALID_INPUT. */
function castStringToDate(data: Data, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const values = new Int32Array(n);
  const text = textSource(data);
  for (let i = 0; i < n; i++) {
    if (!bit(validity, i)) continue;
    const days = parseDate(text.bytes, text.offsets[i]!, text.offsets[i + 1]!);
    if (Number.isNaN(days)) {
      if (ctx.ansi) throw invalidInput(textAt(text, i), t.string(), t.date());
      setNull(validity, i);
    } else {
      values[i] = days;
    }
  }
  return fixedData(toArrowType(t.date()), values, n, validity);
}

/** TIMESTAMP to DATE: the UTC day of the instant, rounding down (pre-1970 instants belong to the earlier day). */
function castTimestampToDate(data: Data): Data {
  const n = data.length;
  const validity = validityOf(data);
  const values = new Int32Array(n);
  const read = integerReader(data);
  for (let i = 0; i < n; i++) {
    if (!bit(validity, i)) continue;
    const v = read.small(i);
    if (!Number.isNaN(v)) values[i] = floorDivExact(v, MICROS_PER_DAY);
    else {
      const big = read.big(i);
      let q = big / 86_400_000_000n;
      if (q * 86_400_000_000n > big) q -= 1n;
      values[i] = Number(q);
    }
  }
  return fixedData(toArrowType(t.date()), values, n, validity);
}

/** Micros into slot i of an int64 column (int32-pair view for exact doubles). */
function setMicros(values: BigInt64Array, words: Int32Array, i: number, micros: Micros): void {
  if (typeof micros === 'number') writeInt64Small(words, i, micros);
  else values[i] = micros;
}

/** String to TIMESTAMP: DateTimeUtils.stringToTimestamp in the session zone, UTC (see datetime.ts parseTimestamp); not a timestamp → NULL / CAST_INVALID_INPUT. */
function castStringToTimestamp(data: Data, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const values = new BigInt64Array(n);
  const words = int32View(values);
  const text = textSource(data);
  for (let i = 0; i < n; i++) {
    if (!bit(validity, i)) continue;
    const micros = parseTimestamp(text.bytes, text.offsets[i]!, text.offsets[i + 1]!);
    if (micros === undefined) {
      if (ctx.ansi) throw invalidInput(textAt(text, i), t.string(), t.timestamp());
      setNull(validity, i);
    } else {
      setMicros(values, words, i, micros);
    }
  }
  return fixedData(toArrowType(t.timestamp()), values, n, validity);
}

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

/**
 * Numeric, boolean and date sources to TIMESTAMP.
 *
 * - integral: seconds since the epoch (TimeUnit.SECONDS.toMicros, which saturates at Long's
 *   bounds rather than failing, in both modes).
 * - float/double: seconds with a fraction: (long)(d × 10^6), truncating toward zero and
 *   saturating; NaN and ±Infinity → NULL with ANSI off. ANSI on: NaN/Infinity raise
 *   CAST_INVALID_INPUT and a product outside Long raises CAST_OVERFLOW
 *   (doubleToTimestampAnsi).
 * - decimal: (d × 10^6).longValue, truncating toward zero and keeping the low 64 bits on
 *   overflow (no check in either mode).
 * - boolean: true → 1 microsecond after the epoch (not one second), false → the epoch.
 * - date: midnight UTC of that day; a date beyond ±292,000 years cannot be a timestamp and
 *   fails the query (Math.multiplyExact's ArithmeticException) in both modes.
 */
function castToTimestamp(data: Data, source: GlueType, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const values = new BigInt64Array(n);
  const words = int32View(values);
  switch (source.kind) {
    case 'boolean':
      for (let i = 0; i < n; i++) if (bit(validity, i)) writeInt64Small(words, i, boolAt(data, i) ? 1 : 0);
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const v = read.small(i);
        if (!Number.isNaN(v) && Math.abs(v) < 9e9) {
          writeInt64Small(words, i, v * MICROS_PER_SECOND);
        } else {
          const micros = read.big(i) * 1_000_000n;
          values[i] = micros > LONG_MAX ? LONG_MAX : micros < LONG_MIN ? LONG_MIN : micros;
        }
      }
      break;
    }
    case 'float':
    case 'double': {
      const input = data.values as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const d = input[i]!;
        if (!Number.isFinite(d)) {
          if (ctx.ansi) throw invalidInput(formatJavaDouble(d), source, t.timestamp());
          setNull(validity, i);
          continue;
        }
        const product = d * MICROS_PER_SECOND;
        if (ctx.ansi && !(Math.floor(product) <= 9223372036854775807 && Math.ceil(product) >= -9223372036854775808)) {
          throw castOverflow(formatJavaDouble(product), t.double(), t.bigint());
        }
        const truncated = Math.trunc(product);
        if (Math.abs(truncated) <= MAX_EXACT) writeInt64Small(words, i, truncated);
        else values[i] = truncated >= 9223372036854775807 ? LONG_MAX : truncated <= -9223372036854775808 ? LONG_MIN : BigInt(truncated);
      }
      break;
    }
    case 'decimal': {
      const read = decimalReader(data);
      const scale = source.scale;
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const micros = scale <= 6 ? read.big(i) * pow10Big(6 - scale) : read.big(i) / pow10Big(scale - 6);
        values[i] = BigInt.asIntN(64, micros);
      }
      break;
    }
    case 'date': {
      const days = data.values as Int32Array;
      for (let i = 0; i < n; i++) {
        if (!bit(validity, i)) continue;
        const micros = secondsToMicros(days[i]! * SECONDS_PER_DAY, 0);
        if (micros === undefined) throw new SparkRuntimeError('ARITHMETIC_OVERFLOW', `long overflow: the date ${formatDate(days[i]!)} cannot be a timestamp.`);
        setMicros(values, words, i, micros);
      }
      break;
    }
    default:
      throw new Error(`cannot cast ${formatGlueType(source)} to timestamp`);
  }
  return fixedData(toArrowType(t.timestamp()), values, n, validity);
}

// ---------------------------------------------------------------------------
// Binary targets
// ---------------------------------------------------------------------------

/** Rebases a string/binary column's offsets to start at 0, sharing no bytes outside the rows. */
function compactText(data: Data): { offsets: Int32Array; bytes: Uint8Array } {
  const source = textSource(data);
  const n = data.length;
  const first = source.offsets[0] ?? 0;
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = source.offsets[i]! - first;
  return { offsets, bytes: source.bytes.subarray(first, source.offsets[n]) };
}

/** STRING to BINARY: the UTF-8 bytes as they are (UTF8String.getBytes). */
function castStringToBinary(data: Data): Data {
  const { offsets, bytes } = compactText(data);
  const validity = validityOf(data);
  const nullCount = countNulls(validity, data.length);
  return makeData({ type: new Binary(), length: data.length, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, valueOffsets: offsets, data: bytes });
}

/**
 * TINYINT/SMALLINT/INT/BIGINT to BINARY: the two's complement bytes, big-endian, as wide as
 * the type (NumberConverter.toBinary): cast(1 as binary) is 00 00 00 01, cast(1L ...) eight
 * bytes. ANSI mode refuses this cast.
 */
function castIntegralToBinary(data: Data, source: GlueType): Data {
  const n = data.length;
  const width = INTEGRAL_BITS[source.kind]! / 8;
  const validity = validityOf(data);
  const read = integerReader(data);
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(n * width);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (bit(validity, i)) {
      let v = BigInt.asUintN(64, read.big(i));
      for (let k = width - 1; k >= 0; k--) {
        bytes[at + k] = Number(v & 0xffn);
        v >>= 8n;
      }
      at += width;
    }
    offsets[i + 1] = at;
  }
  const nullCount = countNulls(validity, n);
  return makeData({ type: new Binary(), length: n, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, valueOffsets: offsets, data: bytes.subarray(0, at) });
}

// ---------------------------------------------------------------------------
// String targets
// ---------------------------------------------------------------------------

/**
 * Anything to STRING, as Spark prints values in casts (ToStringBase):
 * - integers in decimal; booleans "true"/"false";
 * - doubles and floats with Java's Double.toString / Float.toString ("1.0", "1.0E10",
 *   "1.0E-4", "NaN", "Infinity", "-0.0");
 * - decimals with BigDecimal.toString with ANSI off (scale kept: 1.50; scientific below
 *   1E-6: "1E-7", "0E-18") and toPlainString with ANSI on ("0.0000001");
 * - dates yyyy-MM-dd, timestamps "yyyy-MM-dd HH:mm:ss[.ffffff]" in UTC with the fraction's
 *   trailing zeros removed (datetime.ts);
 * - binary: its bytes as they are (UTF8String.fromBytes; invalid UTF-8 is kept);
 * - arrays "[1, null, 3]", structs "{1, a, null}", maps "{k1 -> v1, k2 -> null}" (Spark
 *   3.x; spark.sql.legacy.castComplexTypesToString.enabled off), elements printed by the
 *   same rules, nested strings without quotes.
 */
function castToString(data: Data, source: GlueType, ctx: KernelContext): Data {
  const n = data.length;
  const validity = validityOf(data);
  const type = new Utf8();
  switch (source.kind) {
    case 'string':
    case 'binary': {
      const { offsets, bytes } = compactText(data);
      const nullCount = countNulls(validity, n);
      return makeData({ type, length: n, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, valueOffsets: offsets, data: bytes });
    }
    case 'array':
    case 'map':
    case 'struct':
      return nestedToString(data, source, validity, ctx);
  }
  const out = new TextColumn(n, source.kind === 'timestamp' ? 26 : 12);
  switch (source.kind) {
    case 'boolean':
      for (let i = 0; i < n; i++) {
        if (bit(validity, i)) out.text(boolAt(data, i) ? 'true' : 'false');
        out.next();
      }
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) {
        if (bit(validity, i)) {
          const v = read.small(i);
          out.text(Number.isNaN(v) ? String(read.big(i)) : String(v));
        }
        out.next();
      }
      break;
    }
    case 'float':
    case 'double': {
      const values = data.values as Float32Array | Float64Array;
      const format = source.kind === 'float' ? formatJavaFloat : formatJavaDouble;
      for (let i = 0; i < n; i++) {
        if (bit(validity, i)) out.text(format(values[i]!));
        out.next();
      }
      break;
    }
    case 'decimal': {
      const read = decimalReader(data);
      for (let i = 0; i < n; i++) {
        if (bit(validity, i)) {
          const small = read.small(i);
          out.text(formatDecimal(Number.isNaN(small) ? read.big(i) : BigInt(small), source.scale, ctx.ansi));
        }
        out.next();
      }
      break;
    }
    case 'date': {
      const days = data.values as Int32Array;
      for (let i = 0; i < n; i++) {
        if (bit(validity, i)) out.text(formatDate(days[i]!));
        out.next();
      }
      break;
    }
    case 'timestamp': {
      const read = integerReader(data);
      for (let i = 0; i < n; i++) {
        if (bit(validity, i)) out.text(formatTimestamp(microsAt(read, i)));
        out.next();
      }
      break;
    }
    default:
      throw new Error(`cannot cast ${formatGlueType(source)} to string`);
  }
  return out.finish(type, validity);
}

/** Arrays, maps and structs printed the way Spark 3.x casts them to string (see castToString). */
function nestedToString(data: Data, source: GlueType, validity: Uint8Array, ctx: KernelContext): Data {
  const n = data.length;
  const out = new TextColumn(n, 24);
  if (source.kind === 'struct') {
    const fields = data.children.map((child, k) => castData(child, source.fields[k]!.type, t.string(), ctx));
    const texts = fields.map(textSource);
    for (let i = 0; i < n; i++) {
      if (bit(validity, i)) {
        out.text('{');
        texts.forEach((text, k) => {
          if (k > 0) out.text(',');
          if (isValid(fields[k]!, i)) {
            if (k > 0) out.text(' ');
            out.raw(text.bytes.subarray(text.offsets[i]!, text.offsets[i + 1]!));
          } else {
            out.text(k > 0 ? ' null' : 'null');
          }
        });
        out.text('}');
      }
      out.next();
    }
    return out.finish(new Utf8(), validity);
  }
  const offsets = data.valueOffsets as Int32Array;
  const child = data.children[0]!;
  if (source.kind === 'array') {
    const elements = castData(child, source.element, t.string(), ctx);
    const text = textSource(elements);
    for (let i = 0; i < n; i++) {
      if (bit(validity, i)) {
        out.text('[');
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
          if (k > offsets[i]!) out.text(',');
          if (isValid(elements, k)) {
            if (k > offsets[i]!) out.text(' ');
            out.raw(text.bytes.subarray(text.offsets[k]!, text.offsets[k + 1]!));
          } else {
            out.text(k > offsets[i]! ? ' null' : 'null');
          }
        }
        out.text(']');
      }
      out.next();
    }
    return out.finish(new Utf8(), validity);
  }
  if (source.kind !== 'map') throw new Error(`not a nested type: ${formatGlueType(source)}`);
  const keys = castData(child.children[0]!, source.key, t.string(), ctx);
  const values = castData(child.children[1]!, source.value, t.string(), ctx);
  const keyText = textSource(keys);
  const valueText = textSource(values);
  for (let i = 0; i < n; i++) {
    if (bit(validity, i)) {
      out.text('{');
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
        if (k > offsets[i]!) out.text(', ');
        out.raw(keyText.bytes.subarray(keyText.offsets[k]!, keyText.offsets[k + 1]!));
        out.text(' ->');
        if (isValid(values, k)) {
          out.text(' ');
          out.raw(valueText.bytes.subarray(valueText.offsets[k]!, valueText.offsets[k + 1]!));
        } else {
          out.text(' null');
        }
      }
      out.text('}');
    }
    out.next();
  }
  return out.finish(new Utf8(), validity);
}

// ---------------------------------------------------------------------------
// Nested targets
// ---------------------------------------------------------------------------

/**
 * The rows [offsets[0], offsets[n]) of a list or map's child, rebased to start at 0, with
 * elements that belong to no valid row made null: Spark only ever casts the elements of
 * non-null arrays and maps, so those must not raise errors under ANSI.
 */
function visibleChild(data: Data, validity: Uint8Array): { child: Data; offsets: Int32Array } {
  const n = data.length;
  const source = data.valueOffsets as Int32Array;
  const first = source[0] ?? 0;
  const last = source[n] ?? first;
  const offsets = new Int32Array(n + 1);
  let hidden = false;
  for (let i = 0; i < n; i++) {
    offsets[i + 1] = source[i + 1]! - first;
    if (!bit(validity, i) && source[i + 1]! > source[i]!) hidden = true;
  }
  let child = data.children[0]!;
  if (first !== 0 || last !== child.length) child = child.slice(first, last - first);
  if (hidden) {
    const keep = new Uint8Array((last - first + 7) >> 3);
    for (let i = 0; i < n; i++) if (bit(validity, i)) for (let k = offsets[i]!; k < offsets[i + 1]!; k++) setValidBit(keep, k);
    child = withExtraNulls(child, keep);
  }
  return { child, offsets };
}

/** ARRAY to ARRAY: each element cast like a value of its own (Cast.castArray); null arrays stay null. */
function castList(data: Data, sourceElement: GlueType, target: GlueType & { kind: 'array' }, ctx: KernelContext): Data {
  const validity = validityOf(data);
  const { child, offsets } = visibleChild(data, validity);
  const elements = castData(child, sourceElement, target.element, ctx);
  const nullCount = countNulls(validity, data.length);
  return makeData({ type: toArrowType(target) as never, length: data.length, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, valueOffsets: offsets, child: elements });
}

/**
 * MAP to MAP: keys and values cast separately (Cast.castMap), entries kept in order,
 * duplicates included. A key that casts to NULL cannot exist in a map: Spark refuses such
 * casts up front (canCast requires a key cast that cannot produce null); here, where the
 * text readers' keys arrive as strings, a key that fails to parse fails the query with
 * Spark's NULL_MAP_KEY (with ANSI on the key's own CAST_INVALID_INPUT comes first).
 */
function castMap(data: Data, source: GlueType & { kind: 'map' }, target: GlueType & { kind: 'map' }, ctx: KernelContext): Data {
  const validity = validityOf(data);
  const { child: entries, offsets } = visibleChild(data, validity);
  const keysIn = alignedChild(entries, 0);
  const valuesIn = alignedChild(entries, 1);
  let keys = castData(entries.nullCount > 0 ? withExtraNulls(keysIn, validityOf(entries)) : keysIn, source.key, target.key, ctx);
  const values = castData(entries.nullCount > 0 ? withExtraNulls(valuesIn, validityOf(entries)) : valuesIn, source.value, target.value, ctx);
  if (keys.nullCount > 0) {
    for (let i = 0; i < data.length; i++) {
      if (!bit(validity, i)) continue;
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) if (!isValid(keys, k)) throw new SparkRuntimeError('NULL_MAP_KEY', 'Cannot use null as map key.');
    }
    // Only entries of null maps are null keys now; the key field is non-nullable.
    keys = keys.clone(keys.type, keys.offset, keys.length, 0, [keys.valueOffsets, keys.values, undefined, keys.typeIds] as never, keys.children);
  }
  const mapType = toArrowType(target);
  const entriesType = (mapType as unknown as { children: { type: DataType }[] }).children[0]!.type;
  const entriesData = makeData({ type: entriesType as never, length: entries.length, nullCount: 0, children: [keys, values] });
  const nullCount = countNulls(validity, data.length);
  return makeData({ type: mapType as never, length: data.length, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, valueOffsets: offsets, child: entriesData });
}

/** Child `k` of a struct, row-aligned with it (apache-arrow slices struct children with their parent). */
function alignedChild(struct: Data, k: number): Data {
  const child = struct.children[k]!;
  return child.length > struct.length ? child.slice(0, struct.length) : child;
}

/**
 * STRUCT to STRUCT: field by field, by position (Cast.castStruct; names come from the
 * target). A null struct stays null, and its fields are not cast (their values under a
 * null struct are placeholders that must not raise errors).
 */
function castStruct(data: Data, source: GlueType & { kind: 'struct' }, target: GlueType & { kind: 'struct' }, ctx: KernelContext): Data {
  const validity = validityOf(data);
  const nullCount = countNulls(validity, data.length);
  const children = target.fields.map((field, k) => {
    const child = alignedChild(data, k);
    return castData(nullCount > 0 ? withExtraNulls(child, validity) : child, source.fields[k]!.type, field.type, ctx);
  });
  return makeData({ type: toArrowType(target) as never, length: data.length, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, children });
}
