/**
 * Comparisons (= <> < <= > >=) with Spark's semantics:
 *
 * - a comparison with NULL is NULL (three-valued logic; `<=>` is not in the language);
 * - numbers of different types compare by value, after Spark's numeric promotion: with a
 *   double (or a decimal against a float) both sides become doubles; otherwise with a
 *   float both become floats (Spark's tightest common type of int and float is float);
 *   otherwise decimals and integers compare exactly; integers compare exactly;
 * - doubles and floats: NaN equals NaN and is greater than every other value, and
 *   -0.0 equals 0.0 (Spark's SQLOrderingUtil.compareDoubles);
 * - strings and binary by unsigned bytes, which for UTF-8 is code point order (Spark's
 *   UTF8String.compareTo; no collation);
 * - booleans false < true; dates by day, timestamps by microsecond (operands of
 *   different date/time types were already cast to timestamp by evaluate.ts);
 * - arrays element by element, a NULL element before any value, then by length.
 *
 * A comparison first computes each row's order (-1, 0, 1) in one typed loop per pair of
 * layouts, then turns orders into bits for the operator.
 */
import { Bool, type Data } from 'apache-arrow';
import { t, type GlueType } from '../catalog/types.js';
import type { CompareOp } from '../expr/expr.js';
import {
  andValidity,
  boolBits,
  boolData,
  compareDecimalWords,
  decimalNumberAt,
  decimalWordsAt,
  isSafeUnscaled,
  isValid,
  operandValidity,
  setDecimal,
  type Value,
} from './columns.js';
import { decimalToDouble, pow10Big, POW10_EXACT } from './decimal.js';
import { matchDictionary } from './dictionary.js';

/** `left op right` for every row, as a bool Value (scalar when both operands are). */
export function compareValues(op: CompareOp, left: Value, right: Value, rows: number): Value {
  const scalar = left.scalar && right.scalar;
  const n = scalar ? 1 : rows;
  if ((op === '=' || op === '<>') && left.scalar !== right.scalar && isBytes(left.type) && isBytes(right.type)) {
    // A string column against one string (`status = 'EUR'`): bits straight from the bytes,
    // without an order per row.
    const [column, needle] = left.scalar ? [right, left] : [left, right];
    const bits = matchBits(column.data, [needle.data], n, op === '<>');
    const validity = andValidity(operandValidity(left, n), operandValidity(right, n), n);
    return { data: boolData(new Bool(), bits, n, validity), type: t.boolean(), scalar: false };
  }
  const order = new Int8Array(n);
  orderRows(left, right, n, order, op === '=' || op === '<>');
  const bits = orderBits(op, order, n);
  const validity = andValidity(operandValidity(left, n), operandValidity(right, n), n);
  return { data: boolData(new Bool(), bits, n, validity), type: t.boolean(), scalar };
}

const isBytes = (type: GlueType) => type.kind === 'string' || type.kind === 'char' || type.kind === 'varchar' || type.kind === 'binary';

/**
 * `x IN (s1, s2, ...)` for a string column and non-NULL string literals, as Spark's In
 * evaluates it (`x = s1 OR x = s2 ...`): true where a value's bytes equal one of them,
 * NULL where x is NULL (every comparison is NULL then), false elsewhere. One pass over
 * the column instead of one comparison and one OR per value. Undefined when the operands
 * are not of that shape (the caller then compares value by value).
 */
export function inStrings(arg: Value, values: readonly Value[], rows: number): Value | undefined {
  if (arg.scalar || arg.type.kind !== 'string') return undefined;
  if (!values.every((v) => v.scalar && v.type.kind === 'string' && isValid(v.data, 0))) return undefined;
  const bits = matchBits(arg.data, values.map((v) => v.data), rows, false);
  return { data: boolData(new Bool(), bits, rows, operandValidity(arg, rows)), type: t.boolean(), scalar: false };
}

/**
 * `column = s`, `column <> s` (one needle) or `column IN (s1, ...)` (negate: NOT IN) over a
 * dictionary-encoded string column (kernels/dictionary.ts), with non-NULL string needles:
 * each distinct value is compared once, then every row takes its entry's answer.
 */
export function dictionaryMatches(column: Data, needles: readonly Data[], negate: boolean): Value {
  const { bits, validity } = matchDictionary(column, (values) => matchBits(values, needles, values.length, negate));
  return { data: boolData(new Bool(), bits, column.length, validity), type: t.boolean(), scalar: false };
}

/**
 * Bit i set when string/binary i of `column` has the bytes of one of `needles` (one-value
 * columns), or when it has none of them if `negate`. Lengths differ for most rows, so most
 * rows cost a subtraction per needle.
 */
function matchBits(column: Data, needles: readonly Data[], n: number, negate: boolean): Uint8Array {
  const offsets = column.valueOffsets as Int32Array;
  const bytes = column.values as Uint8Array;
  const wanted = needles.map((d) => {
    const o = d.valueOffsets as Int32Array;
    return (d.values as Uint8Array).subarray(o[0]!, o[1]!);
  });
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const start = offsets[i]!;
    const length = offsets[i + 1]! - start;
    let found = false;
    for (let w = 0; w < wanted.length && !found; w++) {
      const needle = wanted[w]!;
      if (needle.length !== length) continue;
      let k = 0;
      while (k < length && bytes[start + k] === needle[k]) k++;
      found = k === length;
    }
    if (found !== negate) bits[i >> 3] = bits[i >> 3]! | (1 << (i & 7));
  }
  return bits;
}

/** Packs per-row orders into the bits of `op`. */
function orderBits(op: CompareOp, order: Int8Array, n: number): Uint8Array {
  const bits = new Uint8Array((n + 7) >> 3);
  const set = (i: number) => (bits[i >> 3]! |= 1 << (i & 7));
  switch (op) {
    case '=':
      for (let i = 0; i < n; i++) if (order[i] === 0) set(i);
      break;
    case '<>':
      for (let i = 0; i < n; i++) if (order[i] !== 0) set(i);
      break;
    case '<':
      for (let i = 0; i < n; i++) if (order[i]! < 0) set(i);
      break;
    case '<=':
      for (let i = 0; i < n; i++) if (order[i]! <= 0) set(i);
      break;
    case '>':
      for (let i = 0; i < n; i++) if (order[i]! > 0) set(i);
      break;
    case '>=':
      for (let i = 0; i < n; i++) if (order[i]! >= 0) set(i);
      break;
  }
  return bits;
}

/** Fills `order[i]` with the order of row i of `left` against row i of `right`. */
export function orderRows(left: Value, right: Value, n: number, order: Int8Array, equalityOnly = false): void {
  const a = left.type;
  const b = right.type;
  const sa = left.scalar ? 0 : 1;
  const sb = right.scalar ? 0 : 1;
  if (isNumber(a) && isNumber(b)) return orderNumbers(left, right, n, order);
  switch (a.kind) {
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary':
      if (equalityOnly && (left.scalar || right.scalar)) return equalBytes(left.scalar ? right.data : left.data, left.scalar ? left.data : right.data, n, order);
      return orderBytes(left.data, sa, right.data, sb, n, order);
    case 'boolean': {
      const x = boolBits(left.data, left.scalar ? 1 : n);
      const y = boolBits(right.data, right.scalar ? 1 : n);
      for (let i = 0; i < n; i++) {
        const p = i * sa;
        const q = i * sb;
        order[i] = ((x[p >> 3]! >> (p & 7)) & 1) - ((y[q >> 3]! >> (q & 7)) & 1);
      }
      return;
    }
    case 'date':
      return orderPlain(left.data.values as Int32Array, sa, right.data.values as Int32Array, sb, n, order);
    case 'timestamp':
      return orderLongs(left.data.values as BigInt64Array, sa, right.data.values as BigInt64Array, sb, n, order);
    case 'array':
      for (let i = 0; i < n; i++) order[i] = compareArrays(left.data, i * sa, right.data, i * sb, a, b);
      return;
    default:
      throw new Error(`cannot compare values of type ${a.kind}`);
  }
}

const isNumber = (type: GlueType) =>
  type.kind === 'tinyint' || type.kind === 'smallint' || type.kind === 'int' || type.kind === 'bigint' ||
  type.kind === 'float' || type.kind === 'double' || type.kind === 'decimal';

/**
 * The order of 64-bit integers read as two 32-bit words each (the high word signed, the
 * low one unsigned; little-endian), which is their numeric order: reading a BigInt64Array
 * element makes a BigInt, millions of allocations per column.
 */
function orderLongs(x: BigInt64Array, sa: number, y: BigInt64Array, sb: number, n: number, order: Int8Array): void {
  const xw = new Int32Array(x.buffer, x.byteOffset, x.length * 2);
  const yw = new Int32Array(y.buffer, y.byteOffset, y.length * 2);
  const xs = 2 * sa;
  const ys = 2 * sb;
  for (let i = 0; i < n; i++) {
    const p = i * xs;
    const q = i * ys;
    const xh = xw[p + 1]!;
    const yh = yw[q + 1]!;
    if (xh !== yh) {
      order[i] = xh < yh ? -1 : 1;
      continue;
    }
    const xl = xw[p]! >>> 0;
    const yl = yw[q]! >>> 0;
    order[i] = xl < yl ? -1 : xl > yl ? 1 : 0;
  }
}

function orderPlain<T extends number | bigint>(x: ArrayLike<T>, sa: number, y: ArrayLike<T>, sb: number, n: number, order: Int8Array): void {
  for (let i = 0; i < n; i++) {
    const p = x[i * sa]!;
    const q = y[i * sb]!;
    order[i] = p < q ? -1 : p > q ? 1 : 0;
  }
}

/** Unsigned byte order of UTF-8 strings or binary values (code point order for UTF-8). */
function orderBytes(x: Data, sa: number, y: Data, sb: number, n: number, order: Int8Array): void {
  const xo = x.valueOffsets as Int32Array;
  const yo = y.valueOffsets as Int32Array;
  const xb = x.values as Uint8Array;
  const yb = y.values as Uint8Array;
  for (let i = 0; i < n; i++) {
    const p = i * sa;
    const q = i * sb;
    let xs = xo[p]!;
    const xe = xo[p + 1]!;
    let ys = yo[q]!;
    const ye = yo[q + 1]!;
    const xl = xe - xs;
    const yl = ye - ys;
    const common = xl < yl ? xl : yl;
    let result = 0;
    for (let k = 0; k < common; k++, xs++, ys++) {
      const d = xb[xs]! - yb[ys]!;
      if (d !== 0) {
        result = d < 0 ? -1 : 1;
        break;
      }
    }
    order[i] = result !== 0 ? result : xl < yl ? -1 : xl > yl ? 1 : 0;
  }
}

/**
 * Equality of each string of a column with one string (the common `status = 'PAID'`):
 * order[i] is 0 when equal and 1 otherwise (only = and <> read it). Lengths differ for
 * most rows, so most rows cost one subtraction.
 */
function equalBytes(column: Data, scalar: Data, n: number, order: Int8Array): void {
  const offsets = column.valueOffsets as Int32Array;
  const bytes = column.values as Uint8Array;
  const so = scalar.valueOffsets as Int32Array;
  const needle = (scalar.values as Uint8Array).subarray(so[0]!, so[1]!);
  const length = needle.length;
  for (let i = 0; i < n; i++) {
    const start = offsets[i]!;
    if (offsets[i + 1]! - start !== length) {
      order[i] = 1;
      continue;
    }
    let k = 0;
    while (k < length && bytes[start + k] === needle[k]) k++;
    order[i] = k === length ? 0 : 1;
  }
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/** Which representation two numeric operands are compared in (Spark's promotion). */
export function numericDomain(a: GlueType, b: GlueType): 'double' | 'float' | 'decimal' | 'bigint' | 'int' {
  const kinds = [a.kind, b.kind];
  const has = (k: string) => kinds.includes(k as GlueType['kind']);
  if (has('double') || (has('decimal') && has('float'))) return 'double';
  if (has('float')) return 'float';
  if (has('decimal')) return 'decimal';
  if (has('bigint')) return 'bigint';
  return 'int';
}

function orderNumbers(left: Value, right: Value, n: number, order: Int8Array): void {
  const sa = left.scalar ? 0 : 1;
  const sb = right.scalar ? 0 : 1;
  switch (numericDomain(left.type, right.type)) {
    case 'int':
    case 'bigint':
      if (left.data.values instanceof BigInt64Array && right.data.values instanceof BigInt64Array) return orderLongs(left.data.values, sa, right.data.values, sb, n, order);
      // Typed arrays hold numbers or BigInts; JavaScript compares a BigInt with a number
      // exactly, so int against bigint needs no conversion.
      return orderPlain(left.data.values as ArrayLike<number>, sa, right.data.values as ArrayLike<number>, sb, n, order);
    case 'float':
    case 'double': {
      const float = numericDomain(left.type, right.type) === 'float';
      const x = toDoubles(left, left.scalar ? 1 : n, float);
      const y = toDoubles(right, right.scalar ? 1 : n, float);
      for (let i = 0; i < n; i++) {
        const p = x[i * sa]!;
        const q = y[i * sb]!;
        if (p < q) order[i] = -1;
        else if (p > q) order[i] = 1;
        else if (p === q) order[i] = 0;
        else {
          // At least one NaN: NaN = NaN, and NaN is above everything else.
          const pn = p !== p;
          const qn = q !== q;
          order[i] = pn && qn ? 0 : pn ? 1 : -1;
        }
      }
      return;
    }
    case 'decimal':
      return orderDecimals(left, right, n, order);
  }
}

/**
 * A numeric operand as doubles (one per row, one for a scalar), as Spark casts it for a
 * double comparison or arithmetic: integers and floats exactly, BIGINTs and decimals
 * rounded to the nearest double (Java's long-to-double and BigDecimal.doubleValue).
 * With `float`, every value is then rounded to a float (Spark compares int with float
 * as floats).
 */
export function toDoubles(value: Value, n: number, float = false): Float64Array {
  const data = value.data;
  const out = new Float64Array(n);
  switch (value.type.kind) {
    case 'decimal': {
      const words = data.values as Uint32Array;
      const scale = value.type.scale;
      for (let i = 0; i < n; i++) out[i] = decimalWordsToDouble(words, i, scale);
      break;
    }
    case 'bigint': {
      const values = data.values as BigInt64Array;
      for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
      break;
    }
    default: {
      const values = data.values as unknown as ArrayLike<number>;
      for (let i = 0; i < n; i++) out[i] = values[i]!;
    }
  }
  if (float) for (let i = 0; i < n; i++) out[i] = Math.fround(out[i]!);
  return out;
}

/**
 * Slot `i` of Decimal128 words as the nearest double (BigDecimal.doubleValue): one exact
 * division when the unscaled value and the power of ten are both exact doubles.
 */
function decimalWordsToDouble(words: Uint32Array, i: number, scale: number): number {
  const unscaled = decimalNumberAt(words, i);
  if (unscaled === unscaled && scale < POW10_EXACT.length) return unscaled / POW10_EXACT[scale]!;
  return decimalToDouble(decimalWordsAt(words, i), scale);
}

/** Decimals and integers compared exactly, at the larger of their scales. */
function orderDecimals(left: Value, right: Value, n: number, order: Int8Array): void {
  let l = asDecimalWords(left);
  let r = asDecimalWords(right);
  const scale = Math.max(l.scale, r.scale);
  // Scalars are brought to the common scale once, so a column compared with a literal
  // takes the word-by-word path below.
  if (left.scalar && l.scale !== scale) l = rescaledScalar(l, scale);
  if (right.scalar && r.scale !== scale) r = rescaledScalar(r, scale);
  const sa = left.scalar ? 0 : 1;
  const sb = right.scalar ? 0 : 1;
  if (l.scale === r.scale) {
    for (let i = 0; i < n; i++) order[i] = compareDecimalWords(l.words, i * sa, r.words, i * sb);
    return;
  }
  const fl = 10 ** (scale - l.scale); // beyond 10^22 inexact, but then the products fail the safe test
  const fr = 10 ** (scale - r.scale);
  const bl = pow10Big(scale - l.scale);
  const br = pow10Big(scale - r.scale);
  for (let i = 0; i < n; i++) {
    const p = decimalNumberAt(l.words, i * sa) * fl;
    const q = decimalNumberAt(r.words, i * sb) * fr;
    if (isSafeUnscaled(p) && isSafeUnscaled(q)) {
      order[i] = p < q ? -1 : p > q ? 1 : 0;
    } else {
      const x = decimalWordsAt(l.words, i * sa) * bl;
      const y = decimalWordsAt(r.words, i * sb) * br;
      order[i] = x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

interface DecimalWords {
  readonly words: Uint32Array;
  readonly scale: number;
}

/** A decimal or integer operand as Decimal128 words and a scale (integers at scale 0). */
export function asDecimalWords(value: Value): DecimalWords {
  if (value.type.kind === 'decimal') return { words: value.data.values as Uint32Array, scale: value.type.scale };
  const n = value.data.length;
  const words = new Uint32Array(n * 4);
  const values = value.data.values as unknown as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) setDecimal(words, i, BigInt(values[i]!));
  return { words, scale: 0 };
}

function rescaledScalar(value: DecimalWords, scale: number): DecimalWords {
  const words = new Uint32Array(4);
  setDecimal(words, 0, decimalWordsAt(value.words, 0) * pow10Big(scale - value.scale));
  return { words, scale };
}

// ---------------------------------------------------------------------------
// Arrays
// ---------------------------------------------------------------------------

/**
 * Spark's array ordering: element by element (a NULL element sorts before any value and
 * equals another NULL), then the shorter array first.
 */
function compareArrays(x: Data, i: number, y: Data, j: number, a: GlueType, b: GlueType): number {
  const ea = (a as { element: GlueType }).element;
  const eb = (b as { element: GlueType }).element;
  const xo = x.valueOffsets as Int32Array;
  const yo = y.valueOffsets as Int32Array;
  const xc = x.children[0]!;
  const yc = y.children[0]!;
  const xl = xo[i + 1]! - xo[i]!;
  const yl = yo[j + 1]! - yo[j]!;
  for (let k = 0; k < Math.min(xl, yl); k++) {
    const p = xo[i]! + k;
    const q = yo[j]! + k;
    const pv = isValid(xc, p);
    const qv = isValid(yc, q);
    if (!pv || !qv) {
      if (pv !== qv) return pv ? 1 : -1;
      continue;
    }
    const order = new Int8Array(1);
    orderRows(
      { data: xc.slice(p, 1), type: ea, scalar: true },
      { data: yc.slice(q, 1), type: eb, scalar: true },
      1,
      order,
    );
    if (order[0] !== 0) return order[0]!;
  }
  return xl < yl ? -1 : xl > yl ? 1 : 0;
}
