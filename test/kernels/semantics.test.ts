/**
 * Spark semantics of the expression kernels, as a case table. Each row is
 * [expression, input rows, result with ANSI off (Glue 4.0/5.0), result with ANSI on
 * (Glue 6.0)]; a result is one value per input row, or `error(CLASS)` when Spark fails
 * the job with that error class; SAME repeats the ANSI-off result.
 *
 * Values: decimals as digit strings, BIGINT as bigint, dates 'yyyy-mm-dd', timestamps
 * 'yyyy-mm-dd hh:mm:ss[.ffffff]' in UTC, null for NULL. The test name is the expression
 * as the Glue script prints it (Spark SQL).
 */
import { describe, expect, it } from 'vitest';
import { coalesce, col, fn, lit, not, type Expr } from '../../expr/expr.js';
import { toSparkSql } from '../../expr/spark-sql.js';
import { ANSI, NON_ANSI, SparkRuntimeError } from '../../kernels/context.js';
import { evaluate } from '../../kernels/evaluate.js';
import { batchOf, valuesOf } from './rows.js';

const SCHEMA = {
  i: 'int', j: 'int', l: 'bigint', k: 'bigint', d: 'double', e: 'double', f: 'float',
  si: 'smallint', ti: 'tinyint', m: 'decimal(12,2)', n: 'decimal(5,3)', big: 'decimal(38,0)',
  s: 'string', u: 'string', b: 'boolean', c: 'boolean', dt: 'date', ts: 'timestamp', arr: 'array<int>',
  bn: 'binary', bm: 'binary',
};

type Row = Record<string, unknown>;
type Outcome = readonly unknown[] | { readonly error: string };
type Case = readonly [Expr, readonly Row[], Outcome, Outcome | typeof SAME];

const SAME = Symbol('same as ANSI off');
const error = (errorClass: string) => ({ error: errorClass });
const nullInt = lit(null).cast('int');

const CASES: readonly Case[] = [
  // --- three-valued logic -------------------------------------------------------------
  [col('b').and(col('c')), [{ b: false }, { b: true }, {}, { b: true, c: true }, { c: false }], [false, null, null, true, false], SAME],
  [col('b').or(col('c')), [{ b: false }, { b: true }, {}, { b: false, c: false }, { c: true }], [null, true, null, false, true], SAME],
  [not(col('b')), [{ b: true }, { b: false }, {}], [false, true, null], SAME],
  [col('b').isNull(), [{}, { b: true }], [true, false], SAME],
  [col('s').isNotNull(), [{}, { s: '' }], [false, true], SAME],
  [lit(null).isNull(), [{}], [true], SAME],
  [col('i').in([1, nullInt]), [{ i: 1 }, { i: 2 }, {}], [true, null, null], SAME],
  [col('i').notIn([1, nullInt]), [{ i: 1 }, { i: 2 }, {}], [false, null, null], SAME],
  [col('i').in([1, 2]), [{ i: 1 }, { i: 3 }, {}], [true, false, null], SAME],
  [col('i').notIn([1, 2]), [{ i: 1 }, { i: 3 }, {}], [false, true, null], SAME],
  [col('s').in(['PAID', 'SHIPPED']), [{ s: 'PAID' }, { s: 'paid' }, {}], [true, false, null], SAME],
  [col('m').in([1, lit.decimal('2.5')]), [{ m: '1.00' }, { m: '2.50' }, { m: '2.51' }], [true, true, false], SAME],
  [col('i').between(1, 3), [{ i: 0 }, { i: 1 }, { i: 3 }, { i: 4 }, {}], [false, true, true, false, null], SAME],
  [col('i').between(col('j'), 10), [{ i: 5 }, { i: 20 }], [null, false], SAME],
  // Spark short-circuits AND / OR / coalesce: the guarded division never runs for i = 0.
  [col('i').ne(0).and(lit(10).div(col('i')).gt(1)), [{ i: 0 }, { i: 5 }, { i: 20 }], [false, true, false], SAME],
  [col('i').eq(0).or(lit(10).mod(col('i')).eq(0)), [{ i: 0 }, { i: 5 }, { i: 3 }], [true, true, false], SAME],
  [lit(10).div(col('i')).gt(1).and(col('i').ne(0)), [{ i: 0 }, { i: 5 }], [false, true], error('DIVIDE_BY_ZERO')],
  [coalesce(col('i'), lit(10).div(col('j'))), [{ i: 1, j: 0 }, { j: 4 }], [1, 2.5], SAME],
  [coalesce(col('i'), lit(10).div(col('j'))), [{ i: 1, j: 0 }, { j: 0 }], [1, null], error('DIVIDE_BY_ZERO')],

  // --- comparisons ----------------------------------------------------------------------
  [col('i').lt(col('l')), [{ i: 1, l: 2n }, { i: 2147483647, l: 2147483648n }, { i: 1 }], [true, true, null], SAME],
  // BIGINT against DOUBLE compares as doubles, as Spark casts: 2^53 + 1 becomes 2^53.
  [col('l').eq(col('d')), [{ l: 9007199254740993n, d: 9007199254740992 }], [true], SAME],
  [col('i').eq(col('m')), [{ i: 2, m: '2.00' }, { i: 2, m: '2.01' }], [true, false], SAME],
  [col('m').gt(0), [{ m: '0.01' }, { m: '0.00' }, { m: '-5.25' }, {}], [true, false, false, null], SAME],
  [col('m').eq(col('n')), [{ m: '1.50', n: '1.500' }, { m: '1.50', n: '1.501' }], [true, false], SAME],
  [col('big').gt(col('l')), [{ big: '9223372036854775808', l: 9223372036854775807n }], [true], SAME],
  // NaN = NaN, NaN above everything (Infinity included), -0.0 = 0.0.
  [col('d').eq(col('e')), [{ d: NaN, e: NaN }, { d: NaN, e: 1 }, { d: -0, e: 0 }], [true, false, true], SAME],
  [col('d').gt(col('e')), [{ d: NaN, e: Infinity }, { d: 1, e: NaN }, { d: NaN, e: NaN }], [true, false, false], SAME],
  [col('d').ge(col('m')), [{ d: 1.5, m: '1.50' }, { d: NaN, m: '99.99' }], [true, true], SAME],
  // FLOAT against DOUBLE: the float widens (0.1f is 0.100000001...); INT against FLOAT: both floats.
  [col('f').eq(col('d')), [{ f: 0.1, d: 0.1 }, { f: 0.5, d: 0.5 }], [false, true], SAME],
  [col('i').eq(col('f')), [{ i: 16777217, f: 16777216 }], [true], SAME],
  // Strings by code point (UTF-8 bytes), not UTF-16 units: U+FFFF sorts before U+1F600.
  [col('s').lt(col('u')), [{ s: 'Z', u: 'a' }, { s: 'é', u: 'z' }, { s: '\uffff', u: '😀' }, { s: 'ab', u: 'abc' }, { s: 'a' }], [true, false, true, true, null], SAME],
  [col('s').eq(col('u')), [{ s: 'x', u: 'x' }, { s: 'x', u: 'X' }, { s: '', u: '' }], [true, false, true], SAME],
  // A date against a timestamp is the timestamp at midnight UTC.
  [col('dt').eq(col('ts')), [{ dt: '2024-01-01', ts: '2024-01-01 00:00:00' }, { dt: '2024-01-01', ts: '2024-01-01 00:00:01' }], [true, false], SAME],
  [col('dt').lt(col('ts')), [{ dt: '2024-01-01', ts: '2024-01-01 00:00:01' }, { dt: '2024-01-02', ts: '2024-01-01 23:59:59' }], [true, false], SAME],
  [col('dt').ge('2024-01-01'), [{ dt: '2023-12-31' }, { dt: '2024-01-01' }, {}], [false, true, null], SAME],
  [col('ts').lt('2024-01-01 12:00:00'), [{ ts: '2024-01-01 11:59:59.999999' }, { ts: '2024-01-01 12:00:00' }], [true, false], SAME],
  [col('ts').gt(lit.timestamp('1969-12-31 23:59:59')), [{ ts: '1970-01-01 00:00:00' }, { ts: '1969-12-31 23:59:58.5' }], [true, false], SAME],
  // Binary compares unsigned bytes: é is C3 A9, above z (7A).
  [col('bn').gt(col('bm')), [{ bn: 'é', bm: 'z' }, { bn: 'a', bm: 'ab' }, { bn: 'x', bm: 'x' }], [true, false, false], SAME],
  [col('b').lt(col('c')), [{ b: false, c: true }, { b: true, c: false }, { b: true, c: true }], [true, false, false], SAME],
  [col('i').eq(nullInt), [{ i: 1 }], [null], SAME],
  [col('arr').lt(col('arr')), [{ arr: [1, 2] }, {}], [false, null], SAME],

  // --- arithmetic -----------------------------------------------------------------------
  [col('i').plus(col('j')), [{ i: 2147483647, j: 1 }, { i: 1, j: 2 }, { i: 1 }], [-2147483648, 3, null], error('ARITHMETIC_OVERFLOW')],
  [col('i').minus(col('j')), [{ i: -2147483648, j: 1 }], [2147483647], error('ARITHMETIC_OVERFLOW')],
  [col('i').times(col('j')), [{ i: 65536, j: 65536 }, { i: 46341, j: 46341 }], [0, -2147479015], error('ARITHMETIC_OVERFLOW')],
  [col('i').times(col('j')), [{ i: -46340, j: 46340 }], [-2147395600], SAME],
  // An overflow in a NULL row is no error.
  [col('i').plus(col('j')).isNull(), [{ j: 2147483647 }], [true], SAME],
  [col('l').plus(col('k')), [{ l: 9223372036854775807n, k: 1n }], [-9223372036854775808n], error('ARITHMETIC_OVERFLOW')],
  [col('l').times(col('k')), [{ l: 4294967296n, k: 4294967296n }, { l: 3n, k: -4n }], [0n, -12n], error('ARITHMETIC_OVERFLOW')],
  [col('i').plus(col('l')), [{ i: 1, l: 9000000000n }], [9000000001n], SAME],
  // TINYINT + TINYINT is a TINYINT in Spark, and wraps at 8 bits.
  [col('ti').plus(col('ti')), [{ ti: 100 }, { ti: -3 }], [-56, -6], error('ARITHMETIC_OVERFLOW')],
  [col('si').times(col('si')), [{ si: 200 }], [-25536], error('ARITHMETIC_OVERFLOW')],
  [col('i').div(col('j')), [{ i: 7, j: 2 }, { i: -1, j: 3 }, { i: 1, j: 0 }], [3.5, -1 / 3, null], error('DIVIDE_BY_ZERO')],
  // Spark's division by zero is NULL even for doubles (no Infinity), -0.0 included.
  [col('d').div(col('e')), [{ d: 1, e: 0 }, { d: 1, e: -0 }, { d: 1, e: 4 }], [null, null, 0.25], error('DIVIDE_BY_ZERO')],
  [col('d').div(col('e')), [{ d: 1e308, e: 1e-308 }, { d: NaN, e: 1 }], [Infinity, NaN], SAME],
  [col('i').mod(col('j')), [{ i: 7, j: -3 }, { i: -7, j: 3 }, { i: -2147483648, j: -1 }], [1, -1, 0], SAME],
  [col('i').mod(col('j')), [{ i: 1, j: 0 }], [null], error('DIVIDE_BY_ZERO')],
  [col('d').mod(col('e')), [{ d: 5.5, e: 2 }, { d: -5.5, e: 2 }], [1.5, -1.5], SAME],
  [col('i').negate(), [{ i: -2147483648 }, { i: 5 }], [-2147483648, -5], error('ARITHMETIC_OVERFLOW')],
  [col('l').negate(), [{ l: -9223372036854775808n }], [-9223372036854775808n], error('ARITHMETIC_OVERFLOW')],
  [col('d').plus(col('e')), [{ d: 0.1, e: 0.2 }, { d: 1e308, e: 1e308 }], [0.30000000000000004, Infinity], SAME],
  [col('i').plus(col('d')), [{ i: 1, d: 0.5 }], [1.5], SAME],
  // decimal(12,2) + decimal(5,3) is decimal(14,3); * is decimal(18,5); / is decimal(21,8).
  [col('m').plus(col('n')), [{ m: '1.50', n: '2.125' }, { m: '-9999999999.99', n: '-99.999' }], ['3.625', '-10000000099.989'], SAME],
  [col('m').times(col('n')), [{ m: '1.50', n: '2.125' }, { m: '-0.01', n: '0.001' }], ['3.18750', '-0.00001'], SAME],
  [col('m').div(col('n')), [{ m: '2.00', n: '3.000' }, { m: '-2.00', n: '3.000' }, { m: '1.00', n: '8.000' }], ['0.66666667', '-0.66666667', '0.12500000'], SAME],
  [col('m').div(col('n')), [{ m: '1.00', n: '0.000' }], [null], error('DIVIDE_BY_ZERO')],
  [col('m').mod(col('n')), [{ m: '7.50', n: '2.000' }, { m: '-7.50', n: '2.000' }], ['1.500', '-1.500'], SAME],
  [col('m').plus(col('i')), [{ m: '1.25', i: 2 }], ['3.25'], SAME],
  [col('m').plus(col('d')), [{ m: '1.25', d: 0.25 }], [1.5], SAME],
  // decimal(38,0) * decimal(38,0) stays decimal(38,0): 10^37 * 10 overflows it.
  [col('big').times(col('big')), [{ big: '10000000000000000000' }, { big: '2' }], [null, '4'], error('NUMERIC_VALUE_OUT_OF_RANGE')],
  [col('big').plus(col('big')), [{ big: '99999999999999999999999999999999999999' }], [null], error('NUMERIC_VALUE_OUT_OF_RANGE')],
  [col('m').times(lit.decimal('0.5')), [{ m: '0.05' }], ['0.025'], SAME],
  // decimal(38,10) * decimal(38,10) loses precision to decimal(38,6), rounding HALF_UP (ties away from zero).
  [col('m').cast('decimal(38,10)').times(lit.decimal('1.0000005555').cast('decimal(38,10)')), [{ m: '1.23' }, { m: '-1.23' }], ['1.230001', '-1.230001'], SAME],
  [col('m').cast('decimal(38,10)').times(lit.decimal('0.000001').cast('decimal(38,10)')), [{ m: '0.50' }, { m: '-0.50' }, { m: '0.49' }], ['0.000001', '-0.000001', '0.000000'], SAME],

  // --- coalesce -------------------------------------------------------------------------
  [coalesce(col('i'), col('j')), [{ i: 1, j: 2 }, { j: 2 }, {}], [1, 2, null], SAME],
  [coalesce(col('i'), col('l')), [{ i: 1, l: 5n }, { l: 5n }, {}], [1n, 5n, null], SAME],
  [coalesce(col('m'), col('i')), [{ m: '1.50', i: 7 }, { i: 7 }], ['1.50', '7.00'], SAME],
  [coalesce(lit(null), col('s'), 'none'), [{ s: 'x' }, {}], ['x', 'none'], SAME],

  // --- casts (kernels/cast.ts) through the evaluator ---------------------------------------
  [col('s').cast('int'), [{ s: '12' }, { s: ' 7 ' }, { s: 'x' }, {}], [12, 7, null, null], error('CAST_INVALID_INPUT')],
  // A cast that would fail is not evaluated for rows AND has already decided.
  [col('s').rlike('^\\d+$').and(col('s').cast('int').gt(5)), [{ s: '12' }, { s: 'x' }, { s: '3' }], [true, false, false], SAME],
  [coalesce(col('i'), col('s').cast('int')), [{ i: 1, s: 'x' }, { s: '2' }], [1, 2], SAME],
  [col('dt').ge('2024-01-01 10:00'), [{ dt: '2024-01-01' }, { dt: '2023-12-31' }], [true, false], SAME],
  [fn.toDate(col('s')), [{ s: '2024-01-05' }, { s: 'nope' }], ['2024-01-05', null], error('CAST_INVALID_INPUT')],
  [fn.year(lit('2024-03-01')), [{}], [2024], SAME],

  // --- string functions -----------------------------------------------------------------
  [fn.upper(col('s')), [{ s: 'straße é' }, {}], ['STRASSE É', null], SAME],
  [fn.lower(col('s')), [{ s: 'ÀB c' }], ['àb c'], SAME],
  // A leading U+FEFF is part of the value (decoders must not drop it as a byte order mark).
  [fn.upper(col('s')), [{ s: '\ufeffab' }], ['\ufeffAB'], SAME],
  // Spark's trim removes spaces only.
  [fn.trim(col('s')), [{ s: '  a b  ' }, { s: '\ta\t' }], ['a b', '\ta\t'], SAME],
  [fn.ltrim(col('s')), [{ s: '  a  ' }], ['a  '], SAME],
  [fn.rtrim(col('s')), [{ s: '  a  ' }], ['  a'], SAME],
  [fn.length(col('s')), [{ s: 'héllo' }, { s: '😀' }, { s: '' }, {}], [5, 1, 0, null], SAME],
  [fn.substring(col('s'), 2, 3), [{ s: 'abcdef' }, { s: 'a😀bc' }], ['bcd', '😀bc'], SAME],
  [fn.substring(col('s'), 0, 2), [{ s: 'abcdef' }], ['ab'], SAME],
  [fn.substring(col('s'), -3), [{ s: 'abcdef' }], ['def'], SAME],
  [fn.substring(col('s'), -7, 3), [{ s: 'abcdef' }], ['ab'], SAME],
  [fn.substring(col('s'), -10, 3), [{ s: 'abcdef' }], [''], SAME],
  [fn.substring(col('s'), 5, 100), [{ s: 'abcdef' }], ['ef'], SAME],
  [fn.substring(col('s'), 2, -1), [{ s: 'abcdef' }], [''], SAME],
  [fn.concat(col('s'), '-', col('u')), [{ s: 'a', u: 'b' }, { s: 'a' }], ['a-b', null], SAME],
  [fn.replace(col('s'), 'a', 'xy'), [{ s: 'banana' }], ['bxynxynxy'], SAME],
  [fn.replace(col('s'), '', 'x'), [{ s: 'abc' }], ['abc'], SAME],
  [fn.replace(col('s'), 'an'), [{ s: 'banana' }], ['ba'], SAME],
  [fn.regexpReplace(col('s'), '(\\d+)-(\\d+)', '$2-$1'), [{ s: '12-34 and 5-6' }], ['34-12 and 6-5'], SAME],
  [fn.regexpReplace(col('s'), '\\d', '\\$'), [{ s: 'a1b2' }], ['a$b$'], SAME],
  [fn.regexpReplace(col('s'), '(?<word>b+)', '[${word}]'), [{ s: 'abba' }], ['a[bb]a'], SAME],
  [fn.regexpExtract(col('s'), '(\\d+)', 1), [{ s: 'ab12cd34' }, { s: 'abc' }, {}], ['12', '', null], SAME],
  [fn.regexpExtract(col('s'), '(a)|(b)', 2), [{ s: 'a' }, { s: 'b' }], ['', 'b'], SAME],
  [fn.regexpExtract(col('s'), '(\\d)(\\d)'), [{ s: 'x123' }], ['1'], SAME],
  [fn.regexpExtract(col('s'), '(\\d)', 2), [{ s: 'x1' }], error('INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX'), SAME],
  [col('s').rlike('\\d'), [{ s: 'a1b' }, { s: 'ab' }, {}], [true, false, null], SAME],
  [col('s').rlike('^ab$'), [{ s: 'ab' }, { s: 'xab' }], [true, false], SAME],
  [col('s').like('a%'), [{ s: 'abc' }, { s: 'ba' }, { s: 'a' }, {}], [true, false, true, null], SAME],
  [col('s').like('a_c'), [{ s: 'abc' }, { s: 'ac' }, { s: 'a😀c' }], [true, false, true], SAME],
  [col('s').like('b'), [{ s: 'abc' }, { s: 'b' }], [false, true], SAME],
  [col('s').like('%b%'), [{ s: 'abc' }, { s: 'ac' }], [true, false], SAME],
  [col('s').like('100\\%'), [{ s: '100%' }, { s: '1000' }], [true, false], SAME],
  [col('s').like('a%b'), [{ s: 'a\nb' }, { s: 'a.b' }, { s: 'ab.' }], [true, true, false], SAME],
  [col('s').like('%.c'), [{ s: 'a.c' }, { s: 'abc' }], [true, false], SAME],
  [col('s').like('20__-0_-%(x)'), [{ s: '2024-01-05(x)' }, { s: '2024-1-05(x)' }, { s: '2024-01-05x' }], [true, false, false], SAME],
  [fn.startsWith(col('s'), 'ab'), [{ s: 'abc' }, { s: 'b' }, {}], [true, false, null], SAME],
  [fn.endsWith(col('s'), col('u')), [{ s: 'abc', u: 'bc' }, { s: 'abc', u: '' }, { s: 'abc' }], [true, true, null], SAME],
  [fn.contains(col('s'), 'b'), [{ s: 'abc' }, { s: 'ac' }], [true, false], SAME],
  [fn.lpad(col('s'), 5, 'xy'), [{ s: 'ab' }, { s: 'abcdef' }, { s: '' }], ['xyxab', 'abcde', 'xyxyx'], SAME],
  [fn.rpad(col('s'), 5), [{ s: 'ab' }], ['ab   '], SAME],
  [fn.rpad(col('s'), col('i'), ''), [{ s: 'ab', i: 5 }, { s: 'abc', i: -1 }, { s: 'abc', i: 2 }], ['ab', '', 'ab'], SAME],

  // --- date and time functions (UTC) ----------------------------------------------------
  [fn.year(col('ts')), [{ ts: '1969-12-31 23:59:59' }, { ts: '2024-02-29 12:00:00' }], [1969, 2024], SAME],
  [fn.month(col('dt')), [{ dt: '2024-02-29' }, { dt: '1600-12-01' }], [2, 12], SAME],
  [fn.dayOfMonth(col('dt')), [{ dt: '2024-02-29' }], [29], SAME],
  [fn.hour(col('ts')), [{ ts: '1969-12-31 23:59:59' }, { ts: '2024-01-01 07:30:00' }], [23, 7], SAME],
  [fn.minute(col('ts')), [{ ts: '2024-01-01 07:30:59' }], [30], SAME],
  [fn.hour(col('dt')), [{ dt: '2024-01-01' }], [0], SAME],
  [fn.toDate(col('s'), 'yyyy-MM-dd'), [{ s: '2024-02-29' }, {}], ['2024-02-29', null], SAME],
  [fn.toDate(col('s'), 'yyyy-MM-dd'), [{ s: '2024-02-29' }, { s: 'garbage' }], ['2024-02-29', null], error('CANNOT_PARSE_TIMESTAMP')],
  // Spark 3 (ANSI off on Glue 4/5) fails where its old parser would have read the text.
  [fn.toDate(col('s'), 'yyyy-MM-dd'), [{ s: '2024-1-5' }], error('INCONSISTENT_BEHAVIOR_CROSS_VERSION.PARSE_DATETIME_BY_NEW_PARSER'), error('CANNOT_PARSE_TIMESTAMP')],
  [fn.toDate(col('s'), 'dd/MM/yyyy'), [{ s: '05/01/2024' }], ['2024-01-05'], SAME],
  [fn.toTimestamp(col('s'), "yyyy-MM-dd'T'HH:mm:ss.SSS"), [{ s: '2024-01-05T13:45:10.123' }, { s: '2024-01-05T13:45:10.1' }], ['2024-01-05 13:45:10.123', '2024-01-05 13:45:10.1'], SAME],
  [fn.toTimestamp(col('s'), 'yyyyMMddHHmmss'), [{ s: '20240105134510' }], ['2024-01-05 13:45:10'], SAME],
  [fn.toDate(col('ts')), [{ ts: '2024-01-05 23:59:59' }, { ts: '1969-12-31 23:00:00' }], ['2024-01-05', '1969-12-31'], SAME],
  [fn.dateFormat(col('ts'), 'yyyy-MM-dd HH:mm'), [{ ts: '2024-01-05 07:08:09' }], ['2024-01-05 07:08'], SAME],
  [fn.dateFormat(col('dt'), "yyyy'Q'MM/d"), [{ dt: '2024-03-05' }], ['2024Q03/5'], SAME],
  [fn.dateFormat(col('ts'), 'HH:mm:ss.SSS'), [{ ts: '2024-01-05 07:08:09.123456' }], ['07:08:09.123'], SAME],
  [fn.dateAdd(col('dt'), col('i')), [{ dt: '2024-02-28', i: 1 }, { dt: '2024-02-28', i: -59 }, { dt: '2024-01-01' }], ['2024-02-29', '2023-12-31', null], SAME],
  [fn.dateSub(col('ts'), 1), [{ ts: '2024-03-01 10:00:00' }], ['2024-02-29'], SAME],
  [fn.dateDiff(col('dt'), lit.date('2024-01-01')), [{ dt: '2024-03-01' }, { dt: '2023-12-31' }], [60, -1], SAME],
  [fn.dateDiff(col('ts'), '2024-01-01'), [{ ts: '2024-01-02 00:00:01' }], [1], SAME],
  [fn.dateTrunc('month', col('ts')), [{ ts: '2024-02-29 13:14:15' }], ['2024-02-01 00:00:00'], SAME],
  [fn.dateTrunc('week', col('ts')), [{ ts: '2024-03-03 13:14:15' }, { ts: '1970-01-01 00:00:00' }], ['2024-02-26 00:00:00', '1969-12-29 00:00:00'], SAME],
  [fn.dateTrunc('quarter', col('dt')), [{ dt: '2024-08-15' }], ['2024-07-01 00:00:00'], SAME],
  [fn.dateTrunc('hour', col('ts')), [{ ts: '1969-12-31 23:59:59.5' }], ['1969-12-31 23:00:00'], SAME],
  [fn.dateTrunc('year', col('ts')), [{ ts: '2024-08-15 01:02:03' }], ['2024-01-01 00:00:00'], SAME],

  // --- numeric functions ----------------------------------------------------------------
  [fn.abs(col('i')), [{ i: -2147483648 }, { i: -3 }, {}], [-2147483648, 3, null], error('ARITHMETIC_OVERFLOW')],
  [fn.abs(col('m')), [{ m: '-1.50' }], ['1.50'], SAME],
  // round is HALF_UP on the double's shortest decimal text: 2.675 rounds up.
  [fn.round(col('d'), 2), [{ d: 2.675 }, { d: -2.675 }, { d: 1.005 }, { d: NaN }], [2.68, -2.68, 1.01, NaN], SAME],
  [fn.round(col('d')), [{ d: -2.5 }, { d: 2.5 }, { d: 0.49999999999999994 }, { d: -0.4 }, { d: 1.5e300 }], [-3, 3, 0, 0, 1.5e300], SAME],
  [fn.round(col('m'), 1), [{ m: '1.25' }, { m: '-1.25' }], ['1.3', '-1.3'], SAME],
  [fn.round(col('m'), -1), [{ m: '15.00' }, { m: '14.99' }], ['20', '10'], SAME],
  [fn.round(col('i'), -1), [{ i: 125 }, { i: -125 }], [130, -130], SAME],
  [fn.round(col('i'), -1), [{ i: 2147483647 }], [-2147483646], error('ARITHMETIC_OVERFLOW')],
  [fn.floor(col('d')), [{ d: -1.5 }, { d: NaN }, { d: 1e300 }], [-2n, 0n, 9223372036854775807n], SAME],
  [fn.ceil(col('d')), [{ d: 1.2 }, { d: -0.5 }], [2n, 0n], SAME],
  [fn.floor(col('m')), [{ m: '-1.50' }, { m: '1.50' }], ['-2', '1'], SAME],
  [fn.ceil(col('m')), [{ m: '-1.50' }, { m: '1.50' }], ['-1', '2'], SAME],
];

function run(expr: Expr, rows: readonly Row[], ansi: boolean): Outcome {
  const { batch, schema } = batchOf(SCHEMA, rows);
  try {
    const { data, type } = evaluate(expr.node, batch, schema, ansi ? ANSI : NON_ANSI);
    expect(data.length).toBe(rows.length);
    return valuesOf(data, type);
  } catch (e) {
    if (e instanceof SparkRuntimeError) return error(e.errorClass);
    throw e;
  }
}

describe('Spark semantics of expressions, ANSI off and on', () => {
  it('has at least 60 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(60));

  it.each(CASES.map((c) => [toSparkSql(c[0].node), ...c] as const))('%s', (_sql, expr, rows, nonAnsi, ansi) => {
    expect(run(expr, rows, false)).toEqual(nonAnsi);
    expect(run(expr, rows, true)).toEqual(ansi === SAME ? nonAnsi : ansi);
  });
});
