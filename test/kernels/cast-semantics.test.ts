/**
 * Spark's CAST rules as a table: [from type, input, to type, result with ANSI off (Spark
 * 3.5, Glue 4.0/5.0), result with ANSI on (Spark 4.1, Glue 6.0) or the error class it
 * raises]. Each group names the rule; kernels/cast.ts documents the same rules where
 * they are implemented, with their source in Spark.
 *
 * Values in the table: strings, numbers, bigints (BIGINT and TIMESTAMP microseconds), true
 * and false, null; decimals as exact decimal text at the type's scale; dates as
 * 'yyyy-mm-dd'; timestamps built with ts() from an ISO instant; binary as hex. Expected
 * values are converted with JavaScript's Date and string arithmetic, not with the
 * kernel's own date and decimal code.
 */
import { Binary, Bool, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toArrowType } from '../../catalog/arrow.js';
import { formatGlueType, parseGlueType, type GlueType } from '../../catalog/types.js';
import { castColumn } from '../../kernels/cast.js';
import { boolAt, bytesAt, decimalAt, fixedData, isValid, setDecimal, stringAt, stringData } from '../../kernels/columns.js';
import { ANSI, NON_ANSI, SparkRuntimeError } from '../../kernels/context.js';

// ---- value conversions, independent of the kernel ---------------------------------

const MS_PER_DAY = 86_400_000;

/** Days since the epoch of 'yyyy-mm-dd' (years may be signed and longer than 4 digits). */
function day(text: string): number {
  const m = /^([+-]?\d{4,})-(\d\d)-(\d\d)$/.exec(text)!;
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Math.round(date.getTime() / MS_PER_DAY);
}

function dayText(days: number): string {
  const date = new Date(days * MS_PER_DAY);
  const year = date.getUTCFullYear();
  const yearText = year < 0 ? `-${String(-year).padStart(4, '0')}` : year > 9999 ? `+${year}` : String(year).padStart(4, '0');
  return `${yearText}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
}

/** Microseconds of an ISO instant 'yyyy-mm-ddThh:mm:ss[.ffffff]Z'. */
function ts(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/.exec(iso)!;
  const ms = Date.parse(`${m[1]}Z`);
  return BigInt(ms) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** Unscaled value of decimal text at a scale (exact, the text must have at most `scale` decimals). */
function unscaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const value = BigInt(whole! + fraction.padEnd(scale, '0'));
  return negative ? -value : value;
}

function decimalText(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));

type Value = unknown;

/** A one-column input of `type` holding `values`. */
function column(type: GlueType, values: Value[]): Data {
  const n = values.length;
  const bitmap = new Uint8Array((n + 7) >> 3).fill(0xff);
  values.forEach((v, i) => {
    if (v === null) bitmap[i >> 3]! &= ~(1 << (i & 7));
  });
  const fixed = (array: ArrayBufferView) => fixedData(toArrowType(type), array, n, bitmap);
  switch (type.kind) {
    case 'string':
      return stringData(new Utf8(), values as (string | null)[]);
    case 'binary':
      return stringData(new Binary(), values.map((v) => (v === null ? null : fromHex(v as string))));
    case 'boolean': {
      const bits = new Uint8Array((n + 7) >> 3);
      values.forEach((v, i) => {
        if (v === true) bits[i >> 3]! |= 1 << (i & 7);
      });
      return fixedData(new Bool(), bits, n, bitmap);
    }
    case 'tinyint':
      return fixed(Int8Array.from(values, (v) => (v ?? 0) as number));
    case 'smallint':
      return fixed(Int16Array.from(values, (v) => (v ?? 0) as number));
    case 'int':
      return fixed(Int32Array.from(values, (v) => (v ?? 0) as number));
    case 'bigint':
    case 'timestamp':
      return fixed(BigInt64Array.from(values, (v) => BigInt((v ?? 0) as number | bigint)));
    case 'float':
      return fixed(Float32Array.from(values, (v) => (v ?? 0) as number));
    case 'double':
      return fixed(Float64Array.from(values, (v) => (v ?? 0) as number));
    case 'date':
      return fixed(Int32Array.from(values, (v) => (v === null ? 0 : day(v as string))));
    case 'decimal': {
      const words = new Uint32Array(n * 4);
      values.forEach((v, i) => setDecimal(words, i, v === null ? 0n : unscaled(v as string, type.scale)));
      return fixed(words);
    }
    default:
      return vectorFromArray(values, toArrowType(type) as never).data[0]!;
  }
}

/** Row i of a column of `type` as a table value. */
function valueAt(data: Data, type: GlueType, i: number): Value {
  if (!isValid(data, i)) return null;
  switch (type.kind) {
    case 'string':
      return stringAt(data, i);
    case 'binary':
      return hex(bytesAt(data, i));
    case 'boolean':
      return boolAt(data, i);
    case 'bigint':
    case 'timestamp':
      return (data.values as BigInt64Array)[i];
    case 'date':
      return dayText((data.values as Int32Array)[i]!);
    case 'decimal':
      return decimalText(decimalAt(data, i), type.scale);
    case 'array': {
      const offsets = data.valueOffsets as Int32Array;
      return Array.from({ length: offsets[i + 1]! - offsets[i]! }, (_, k) => valueAt(data.children[0]!, type.element, offsets[i]! + k));
    }
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      const entries = data.children[0]!;
      return Array.from({ length: offsets[i + 1]! - offsets[i]! }, (_, k) => [
        valueAt(entries.children[0]!, type.key, offsets[i]! + k),
        valueAt(entries.children[1]!, type.value, offsets[i]! + k),
      ]);
    }
    case 'struct':
      return Object.fromEntries(type.fields.map((f, k) => [f.name, valueAt(data.children[k]!, f.type, i)]));
    default:
      return (data.values as ArrayLike<number>)[i];
  }
}

// ---- the table ----------------------------------------------------------------

/** An ANSI-mode expectation: a value, or the error class Spark raises. */
type Ansi = Value | { error: string };
type Row = [from: string, input: Value, to: string, nonAnsi: Value, ansi: Ansi];

const SAME = Symbol('same as with ANSI off');
const err = (errorClass: string) => ({ error: errorClass });
const INVALID = err('CAST_INVALID_INPUT');
const OVERFLOW = err('CAST_OVERFLOW');
const DECIMAL_OVERFLOW = err('NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION');
const ANSI_REFUSED = err('DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION');

const groups: Record<string, Row[]> = {
  // UTF8String.toInt/toLong: trims bytes 0x00-0x20 and 0x7F, optional sign, ASCII
  // digits; ANSI off accepts a fractional part and truncates, ANSI on (toIntExact) does
  // not; out of range is NULL / CAST_INVALID_INPUT.
  'string to integral': [
    ['string', ' 42 ', 'int', 42, SAME],
    ['string', '\t-7\n', 'int', -7, SAME],
    ['string', '+15', 'int', 15, SAME],
    ['string', '12\u007f', 'int', 12, SAME],
    ['string', '1.9', 'int', 1, INVALID],
    ['string', '-1.9', 'int', -1, INVALID],
    ['string', '1.', 'bigint', 1n, INVALID],
    ['string', '.5', 'int', 0, INVALID],
    ['string', '1.2.3', 'int', null, INVALID],
    ['string', '2147483647', 'int', 2147483647, SAME],
    ['string', '2147483648', 'int', null, INVALID],
    ['string', '-2147483648', 'int', -2147483648, SAME],
    ['string', '9223372036854775807', 'bigint', 9223372036854775807n, SAME],
    ['string', '-9223372036854775809', 'bigint', null, INVALID],
    ['string', '0009007199254740993', 'bigint', 9007199254740993n, SAME],
    ['string', '127', 'tinyint', 127, SAME],
    ['string', '128', 'tinyint', null, INVALID],
    ['string', '-32768', 'smallint', -32768, SAME],
    ['string', '', 'int', null, INVALID],
    ['string', '   ', 'int', null, INVALID],
    ['string', '+', 'int', null, INVALID],
    ['string', 'abc', 'int', null, INVALID],
    ['string', '1e3', 'int', null, INVALID],
    ['string', '1 000', 'int', null, INVALID],
    ['string', '0x10', 'int', null, INVALID],
    ['string', '\u00a012', 'int', null, INVALID],
    ['string', null, 'int', null, null],
  ],
  // Double.parseDouble / Float.parseFloat, then Spark's case-insensitive inf/nan literals.
  'string to float and double': [
    ['string', ' 1.5 ', 'double', 1.5, SAME],
    ['string', '1e308', 'double', 1e308, SAME],
    ['string', '1e309', 'double', Infinity, SAME],
    ['string', '-0', 'double', -0, SAME],
    ['string', 'NaN', 'double', NaN, SAME],
    ['string', 'nan', 'double', NaN, SAME],
    ['string', '-Infinity', 'double', -Infinity, SAME],
    ['string', 'INF', 'double', Infinity, SAME],
    ['string', '+infinity', 'float', Infinity, SAME],
    ['string', '-nan', 'double', null, INVALID],
    ['string', '1.5f', 'double', 1.5, SAME],
    ['string', '0x1.8p1', 'double', 3, SAME],
    ['string', '1,5', 'double', null, INVALID],
    ['string', '', 'double', null, INVALID],
    ['string', '0.1', 'float', Math.fround(0.1), SAME],
    ['string', '3.4028235e38', 'float', 3.4028234663852886e38, SAME],
    ['string', '3.4028236e38', 'float', Infinity, SAME],
  ],
  // new BigDecimal(s.trim), HALF_UP to the scale, NULL / NUMERIC_VALUE_OUT_OF_RANGE on
  // precision overflow; more than 38 integer digits fails fast.
  'string to decimal': [
    ['string', '1.005', 'decimal(5,2)', '1.01', SAME],
    ['string', '-1.005', 'decimal(5,2)', '-1.01', SAME],
    ['string', '0.5', 'decimal(1,0)', '1', SAME],
    ['string', '-0.5', 'decimal(1,0)', '-1', SAME],
    ['string', '2.5', 'decimal(1,0)', '3', SAME],
    ['string', '1.4999', 'decimal(1,0)', '1', SAME],
    ['string', ' 12.345 ', 'decimal(10,2)', '12.35', SAME],
    ['string', '1.5e3', 'decimal(10,2)', '1500.00', SAME],
    ['string', '1E-2', 'decimal(4,3)', '0.010', SAME],
    ['string', '999.995', 'decimal(5,2)', null, DECIMAL_OVERFLOW],
    ['string', '1e5', 'decimal(5,1)', null, DECIMAL_OVERFLOW],
    ['string', '9'.repeat(38), 'decimal(38,0)', '9'.repeat(38), SAME],
    ['string', `-${'9'.repeat(38)}`, 'decimal(38,0)', `-${'9'.repeat(38)}`, SAME],
    ['string', `1${'0'.repeat(38)}`, 'decimal(38,0)', null, err('NUMERIC_OUT_OF_SUPPORTED_RANGE')],
    ['string', `-0.${'0'.repeat(37)}1`, 'decimal(38,38)', `-0.${'0'.repeat(37)}1`, SAME],
    ['string', `0.${'9'.repeat(38)}`, 'decimal(38,37)', `1.${'0'.repeat(37)}`, SAME],
    ['string', '9.995', 'decimal(3,2)', null, DECIMAL_OVERFLOW],
    ['string', '\u0661\u0662', 'decimal(5,0)', '12', SAME],
    ['string', 'NaN', 'decimal(10,2)', null, INVALID],
    ['string', 'abc', 'decimal(10,2)', null, INVALID],
    ['string', '', 'decimal(10,2)', null, INVALID],
  ],
  // trimAll, case-insensitive t/true/y/yes/1 and f/false/n/no/0.
  'string to boolean': [
    ['string', ' TRUE ', 'boolean', true, SAME],
    ['string', 'y', 'boolean', true, SAME],
    ['string', 'No', 'boolean', false, SAME],
    ['string', '0', 'boolean', false, SAME],
    ['string', 'tru', 'boolean', null, INVALID],
    ['string', '', 'boolean', null, INVALID],
  ],
  // stringToDate: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, then ' ' or 'T' and anything.
  'string to date': [
    ['string', '2024-02-29', 'date', '2024-02-29', SAME],
    ['string', '2023-02-29', 'date', null, INVALID],
    ['string', '2024', 'date', '2024-01-01', SAME],
    ['string', '2024-3', 'date', '2024-03-01', SAME],
    ['string', '2024-1-5', 'date', '2024-01-05', SAME],
    ['string', '2024-01-15T23:59:59+05:00', 'date', '2024-01-15', SAME],
    ['string', '2024-01-15 anything', 'date', '2024-01-15', SAME],
    ['string', '  2024-01-15\n', 'date', '2024-01-15', SAME],
    ['string', '2024-01-15x', 'date', null, INVALID],
    ['string', '2024-01 15', 'date', null, INVALID],
    ['string', '24-01-15', 'date', null, INVALID],
    ['string', '2024-13-01', 'date', null, INVALID],
    ['string', '-0001-12-31', 'date', '-0001-12-31', SAME],
    ['string', '+10000-01-01', 'date', '+10000-01-01', SAME],
  ],
  // stringToTimestamp: date, optional time, fraction to microseconds (more digits
  // truncated), zone after the seconds; zone-less text is in the session zone, UTC.
  'string to timestamp': [
    ['string', '2024-01-15 10:30:00', 'timestamp', ts('2024-01-15T10:30:00Z'), SAME],
    ['string', '2024-01-15T10:30:00.123456789', 'timestamp', ts('2024-01-15T10:30:00.123456Z'), SAME],
    ['string', '2024-01-15T10:30:00Z', 'timestamp', ts('2024-01-15T10:30:00Z'), SAME],
    ['string', '2024-01-15T10:30:00+05:30', 'timestamp', ts('2024-01-15T05:00:00Z'), SAME],
    ['string', '2024-01-15 10:30:00 UTC-8', 'timestamp', ts('2024-01-15T18:30:00Z'), SAME],
    ['string', '2024-01-15 10:30:00 Europe/Paris', 'timestamp', ts('2024-01-15T09:30:00Z'), SAME],
    ['string', '2024-07-15 10:30:00 Europe/Paris', 'timestamp', ts('2024-07-15T08:30:00Z'), SAME],
    ['string', '2024-01-15', 'timestamp', ts('2024-01-15T00:00:00Z'), SAME],
    ['string', '2024-01-15 10:30', 'timestamp', ts('2024-01-15T10:30:00Z'), SAME],
    ['string', '2024-02-29T00:00:00', 'timestamp', ts('2024-02-29T00:00:00Z'), SAME],
    ['string', '1969-12-31 23:59:59.999999', 'timestamp', -1n, SAME],
    ['string', '2024-01-15 10:30Z', 'timestamp', null, INVALID],
    ['string', '2024-01-15 25:00:00', 'timestamp', null, INVALID],
    ['string', '2024-01-15 10:30:00 +25:00', 'timestamp', null, INVALID],
    ['string', '2023-02-29 10:00:00', 'timestamp', null, INVALID],
  ],
  // Integral narrowing: two's complement with ANSI off, CAST_OVERFLOW with ANSI on.
  'integral to integral': [
    ['int', 128, 'tinyint', -128, OVERFLOW],
    ['int', 2147483647, 'smallint', -1, OVERFLOW],
    ['bigint', 2147483648n, 'int', -2147483648, OVERFLOW],
    ['bigint', -9223372036854775808n, 'int', 0, OVERFLOW],
    ['bigint', -9223372036854775808n, 'smallint', 0, OVERFLOW],
    ['smallint', -32768, 'bigint', -32768n, SAME],
    ['int', null, 'tinyint', null, null],
  ],
  // float/double to integral: Java's (int)/(long) with ANSI off (truncate, NaN → 0,
  // saturate; to tinyint/smallint via int, keeping the low bits); ANSI on checks the range.
  'floating point to integral': [
    ['double', 1.9, 'int', 1, SAME],
    ['double', -1.9, 'int', -1, SAME],
    ['double', NaN, 'int', 0, OVERFLOW],
    ['double', Infinity, 'bigint', 9223372036854775807n, OVERFLOW],
    ['double', 1e20, 'int', 2147483647, OVERFLOW],
    ['double', -1e20, 'bigint', -9223372036854775808n, OVERFLOW],
    ['double', 1e10, 'smallint', -1, OVERFLOW],
    ['double', 40000.5, 'smallint', -25536, OVERFLOW],
    ['double', 2 ** 63, 'bigint', 9223372036854775807n, 9223372036854775807n],
    ['float', 3.9, 'tinyint', 3, SAME],
    ['float', -128.9, 'tinyint', -128, SAME],
  ],
  // Widening and conversions to float/double: nearest value, ties to even, no errors.
  'to float and double': [
    ['int', 7, 'double', 7, SAME],
    ['bigint', 9007199254740993n, 'double', 9007199254740992, SAME],
    ['bigint', 9223372036854775807n, 'float', 9223372036854775808, SAME],
    ['int', 16777217, 'float', 16777216, SAME],
    ['double', 0.1, 'float', Math.fround(0.1), SAME],
    ['double', 1e300, 'float', Infinity, SAME],
    ['decimal(10,2)', '0.15', 'double', 0.15, SAME],
    ['decimal(38,0)', '9'.repeat(38), 'double', 1e38, SAME],
    ['boolean', true, 'double', 1, SAME],
  ],
  // Decimal to integral: truncate toward zero; ANSI off keeps the low bits.
  'decimal to integral': [
    ['decimal(5,2)', '123.45', 'int', 123, SAME],
    ['decimal(5,2)', '-123.45', 'int', -123, SAME],
    ['decimal(10,0)', '3000000000', 'int', -1294967296, OVERFLOW],
    ['decimal(38,0)', `1${'0'.repeat(20)}`, 'bigint', 7766279631452241920n, OVERFLOW],
    ['decimal(20,1)', '2147483647.5', 'int', 2147483647, SAME],
    ['decimal(5,2)', '-0.99', 'tinyint', 0, SAME],
  ],
  // Anything numeric to decimal(p,s): exact value, HALF_UP to s, NULL / error on overflow.
  'to decimal': [
    ['decimal(10,3)', '12.345', 'decimal(10,2)', '12.35', SAME],
    ['decimal(10,3)', '-12.345', 'decimal(10,2)', '-12.35', SAME],
    ['decimal(10,2)', '123456.78', 'decimal(5,2)', null, DECIMAL_OVERFLOW],
    ['decimal(38,10)', '1234567890123456789012345678.0123456789', 'decimal(38,2)', '1234567890123456789012345678.01', SAME],
    ['double', 2.675, 'decimal(10,2)', '2.68', SAME],
    ['double', 0.5, 'decimal(1,0)', '1', SAME],
    ['double', -0.5, 'decimal(1,0)', '-1', SAME],
    ['double', 2.5, 'decimal(1,0)', '3', SAME],
    ['double', NaN, 'decimal(10,2)', null, null],
    ['double', -Infinity, 'decimal(10,2)', null, null],
    ['double', 1e10, 'decimal(5,0)', null, DECIMAL_OVERFLOW],
    ['float', 0.1, 'decimal(20,18)', '0.100000001490116120', SAME],
    ['int', 12345, 'decimal(4,0)', null, DECIMAL_OVERFLOW],
    ['int', -5, 'decimal(3,2)', '-5.00', SAME],
    ['bigint', 9223372036854775807n, 'decimal(38,0)', '9223372036854775807', SAME],
    ['boolean', true, 'decimal(1,1)', null, DECIMAL_OVERFLOW],
    ['boolean', false, 'decimal(3,1)', '0.0', SAME],
  ],
  // Numbers to boolean: zero is false, anything else (NaN too) true.
  'to boolean': [
    ['int', 0, 'boolean', false, SAME],
    ['bigint', -1n, 'boolean', true, SAME],
    ['double', NaN, 'boolean', true, SAME],
    ['decimal(5,2)', '0.00', 'boolean', false, SAME],
    ['decimal(5,2)', '0.01', 'boolean', true, SAME],
    ['boolean', true, 'int', 1, SAME],
  ],
  // Printing like Spark: Double.toString, BigDecimal.toString (ANSI off) / toPlainString
  // (ANSI on), yyyy-MM-dd, yyyy-MM-dd HH:mm:ss[.f] without trailing zeros, UTC.
  'to string': [
    ['double', 1e10, 'string', '1.0E10', SAME],
    ['double', 1e-4, 'string', '1.0E-4', SAME],
    ['double', 0.001, 'string', '0.001', SAME],
    ['double', 1234567, 'string', '1234567.0', SAME],
    ['double', 1e7, 'string', '1.0E7', SAME],
    ['double', 0.1 + 0.2, 'string', '0.30000000000000004', SAME],
    ['double', -0, 'string', '-0.0', SAME],
    ['double', NaN, 'string', 'NaN', SAME],
    ['double', -Infinity, 'string', '-Infinity', SAME],
    ['double', 5e-324, 'string', '4.9E-324', SAME],
    ['float', 0.1, 'string', '0.1', SAME],
    ['float', 3.4028234663852886e38, 'string', '3.4028235E38', SAME],
    ['float', 1e10, 'string', '1.0E10', SAME],
    ['bigint', -9223372036854775808n, 'string', '-9223372036854775808', SAME],
    ['boolean', false, 'string', 'false', SAME],
    ['decimal(5,2)', '1.50', 'string', '1.50', SAME],
    ['decimal(38,18)', '0', 'string', '0E-18', '0.000000000000000000'],
    ['decimal(10,7)', '0.0000001', 'string', '1E-7', '0.0000001'],
    ['decimal(10,7)', '0.0000123', 'string', '0.0000123', SAME],
    ['date', '2024-02-29', 'string', '2024-02-29', SAME],
    ['date', '+10000-01-01', 'string', '+10000-01-01', SAME],
    ['date', '-0001-01-01', 'string', '-0001-01-01', SAME],
    ['timestamp', ts('2024-01-15T10:30:00Z'), 'string', '2024-01-15 10:30:00', SAME],
    ['timestamp', ts('2024-01-15T10:30:00.500Z'), 'string', '2024-01-15 10:30:00.5', SAME],
    ['timestamp', ts('2024-01-15T10:30:00.000123Z'), 'string', '2024-01-15 10:30:00.000123', SAME],
    ['timestamp', -1n, 'string', '1969-12-31 23:59:59.999999', SAME],
    ['binary', '6869', 'string', 'hi', SAME],
  ],
  // Date and timestamp conversions: midnight UTC, floor to the day, seconds since the epoch.
  'dates and timestamps': [
    ['date', '1970-01-01', 'timestamp', 0n, SAME],
    ['date', '1969-12-31', 'timestamp', -86400000000n, SAME],
    ['date', '2024-02-29', 'timestamp', ts('2024-02-29T00:00:00Z'), SAME],
    ['timestamp', -1n, 'date', '1969-12-31', SAME],
    ['timestamp', ts('2024-02-29T23:59:59.999999Z'), 'date', '2024-02-29', SAME],
    ['timestamp', -1n, 'bigint', -1n, SAME],
    ['timestamp', -1500000n, 'bigint', -2n, SAME],
    ['timestamp', 1500000n, 'int', 1, SAME],
    ['timestamp', -1500000n, 'double', -1.5, SAME],
    ['timestamp', ts('2100-01-01T00:00:00Z'), 'int', -192522496, OVERFLOW],
    ['timestamp', 1500000n, 'decimal(10,2)', '1.50', SAME],
    ['int', 1, 'timestamp', 1000000n, SAME],
    ['bigint', 9223372036854775807n, 'timestamp', 9223372036854775807n, SAME],
    ['double', -1.5, 'timestamp', -1500000n, SAME],
    ['double', NaN, 'timestamp', null, INVALID],
    ['double', 1e20, 'timestamp', 9223372036854775807n, OVERFLOW],
    ['decimal(10,7)', '1.0000005', 'timestamp', 1000000n, SAME],
  ],
  // Casts ANSI mode refuses at analysis (Cast.canAnsiCast), and binary conversions.
  'boolean, binary and ANSI-refused casts': [
    ['boolean', true, 'timestamp', 1n, ANSI_REFUSED],
    ['date', '2024-01-01', 'boolean', null, ANSI_REFUSED],
    ['timestamp', 0n, 'boolean', false, ANSI_REFUSED],
    ['timestamp', 1n, 'boolean', true, ANSI_REFUSED],
    ['int', 1, 'binary', '00000001', ANSI_REFUSED],
    ['smallint', -2, 'binary', 'fffe', ANSI_REFUSED],
    ['string', 'h\u00e9', 'binary', '68c3a9', SAME],
  ],
  // Nested types: element-, field- and entry-wise; text-layout leaves parsed.
  'nested types': [
    ['array<string>', ['1', ' 2', null], 'array<int>', [1, 2, null], SAME],
    ['array<string>', ['1', 'x'], 'array<int>', [1, null], INVALID],
    ['array<string>', ['2024-02-29', '2024'], 'array<date>', ['2024-02-29', '2024-01-01'], SAME],
    ['struct<a:string,b:string>', { a: '7', b: 'yes' }, 'struct<x:int,y:boolean>', { x: 7, y: true }, SAME],
    ['map<string,string>', new Map([['1', '1.5'], ['2', null]]), 'map<int,double>', [[1, 1.5], [2, null]], SAME],
    ['array<int>', [1, null, 3], 'string', '[1, null, 3]', SAME],
    ['struct<a:int,b:string,c:int>', { a: 1, b: 'a', c: null }, 'string', '{1, a, null}', SAME],
    ['map<string,int>', new Map([['a', 1], ['b', null]]), 'string', '{a -> 1, b -> null}', SAME],
    ['array<boolean>', [true], 'array<timestamp>', [1n], err('DATATYPE_MISMATCH.CAST_WITH_FUNC_SUGGESTION')],
  ],
};

function check(row: Row, ansi: boolean): void {
  const [fromText, input, toText, nonAnsiExpected, ansiExpected] = row;
  const from = parseGlueType(fromText);
  const to = parseGlueType(toText);
  const expected = ansi ? (ansiExpected === SAME ? nonAnsiExpected : ansiExpected) : nonAnsiExpected;
  const run = () => castColumn(column(from, [input]), from, to, ansi ? ANSI : NON_ANSI);
  if (expected !== null && typeof expected === 'object' && 'error' in expected) {
    let thrown: unknown;
    try {
      run();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, `expected ${(expected as { error: string }).error}`).toBeInstanceOf(SparkRuntimeError);
    expect((thrown as SparkRuntimeError).errorClass).toBe((expected as { error: string }).error);
    return;
  }
  const result = run();
  expect(result.length).toBe(1);
  expect(String(result.type)).toBe(String(toArrowType(to)));
  const actual = valueAt(result, to, 0);
  if (typeof expected === 'number' && Number.isNaN(expected)) expect(actual).toBeNaN();
  else if (Object.is(expected, -0)) expect(Object.is(actual, -0)).toBe(true);
  else expect(actual).toEqual(expected);
}

const show = (v: unknown): string =>
  typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : v instanceof Map ? JSON.stringify([...v]) : typeof v === 'number' ? String(v) : JSON.stringify(v);

describe('Spark cast semantics', () => {
  for (const [group, rows] of Object.entries(groups)) {
    describe(group, () => {
      for (const row of rows) {
        const [from, input, to] = row;
        it(`${from} ${show(input)} → ${formatGlueType(parseGlueType(to))}`, () => {
          check(row, false);
          check(row, true);
        });
      }
    });
  }

  it('covers every rule with at least 80 rows', () => {
    expect(Object.values(groups).flat().length).toBeGreaterThanOrEqual(80);
  });
});
