/**
 * Arithmetic (+ - * / %, unary minus, abs) with Spark's semantics on Glue. The result
 * type is always the type checker's (expr/typecheck.ts arithmeticType):
 *
 * - integral + - * keep the wider integral type and, like Java, wrap on overflow (two's
 *   complement) with ANSI off; with ANSI on overflow raises ARITHMETIC_OVERFLOW. The
 *   same holds for TINYINT and SMALLINT at their own width (Spark's Add on ByteType
 *   gives a byte), and for unary minus and abs of the minimum value;
 * - `/` always divides as doubles for integral operands (Spark's Divide casts them);
 * - division or remainder by zero is NULL with ANSI off and raises DIVIDE_BY_ZERO with
 *   ANSI on, for every type, doubles included: Spark's DivModLike tests the divisor
 *   against zero before dividing, so `1.0D / 0.0D` is NULL, not Infinity;
 * - `%` truncates toward zero and takes the dividend's sign (Java's %); MIN % -1 is 0;
 * - doubles otherwise follow IEEE 754 (overflow gives Infinity, NaN propagates);
 * - decimals compute exactly, as java.math.BigDecimal in Spark's Decimal class, except
 *   where Spark itself rounds: a product is first rounded to 38 significant digits
 *   (MathContext(38, HALF_UP)), a quotient is computed to 38 decimal places HALF_UP;
 *   then the value is rounded HALF_UP to the result scale, and a value that needs more
 *   digits than the result precision is NULL (ANSI off) or raises
 *   NUMERIC_VALUE_OUT_OF_RANGE (ANSI on). Decimal overflow never wraps.
 *
 * A row that is NULL never raises an error: errors are checked against validity.
 */
import { Float32, Float64, type Data } from 'apache-arrow';
import { toArrowType } from '../catalog/arrow.js';
import { isIntegral, t, type GlueType } from '../catalog/types.js';
import type { ArithOp } from '../expr/expr.js';
import {
  allValid,
  andValidity,
  decimalNumberAt,
  decimalWordsAt,
  fixedData,
  isSafeUnscaled,
  operandValidity,
  setDecimal,
  setDecimalNumber,
  setNull,
  type Value,
} from './columns.js';
import { asDecimalWords, toDoubles } from './compare.js';
import { SparkRuntimeError, type KernelContext } from './context.js';
import { digitCount, fitsPrecision, formatDecimal, pow10Big, POW10_EXACT, rescaleHalfUp } from './decimal.js';

const ANSI_HINT = 'If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.';

export function overflowError(kind: string, what: string): SparkRuntimeError {
  const name = kind === 'bigint' ? 'long' : kind === 'smallint' ? 'short' : kind === 'tinyint' ? 'byte' : 'integer';
  return new SparkRuntimeError('ARITHMETIC_OVERFLOW', `${name} overflow${what ? ` in ${what}` : ''}. ${ANSI_HINT}`);
}

export function divideByZeroError(): SparkRuntimeError {
  return new SparkRuntimeError('DIVIDE_BY_ZERO', `Division by zero. Use \`try_divide\` to tolerate divisor being 0 and return NULL instead. ${ANSI_HINT}`);
}

export function decimalOutOfRangeError(unscaled: bigint, scale: number, type: GlueType): SparkRuntimeError {
  const p = (type as { precision: number }).precision;
  const s = (type as { scale: number }).scale;
  return new SparkRuntimeError(
    'NUMERIC_VALUE_OUT_OF_RANGE',
    `${formatDecimal(unscaled, scale, true)} cannot be represented as Decimal(${p}, ${s}). If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error, and return NULL instead.`,
  );
}

/** Rows where a bitmap (undefined = all valid) says valid. */
const validAt = (bits: Uint8Array | undefined, i: number) => !bits || ((bits[i >> 3]! >> (i & 7)) & 1) === 1;

/** A mutable validity: starts as the operands' and gains NULLs (division by zero, decimal overflow). */
class Validity {
  bits: Uint8Array | undefined;
  constructor(
    initial: Uint8Array | undefined,
    private readonly n: number,
  ) {
    this.bits = initial;
  }
  valid(i: number): boolean {
    return validAt(this.bits, i);
  }
  setNull(i: number): void {
    this.bits ??= allValid(this.n);
    setNull(this.bits, i);
  }
}

/** `left op right` for every row, in the result type the type checker computed. */
export function arithmetic(op: ArithOp, left: Value, right: Value, resultType: GlueType, rows: number, ctx: KernelContext): Value {
  const scalar = left.scalar && right.scalar;
  const n = scalar ? 1 : rows;
  const validity = new Validity(andValidity(operandValidity(left, n), operandValidity(right, n), n), n);
  let data: Data;
  if (resultType.kind === 'double') data = doubleArithmetic(op, left, right, n, validity, ctx);
  else if (resultType.kind === 'decimal') data = decimalArithmetic(op, left, right, resultType, n, validity, ctx);
  else if (resultType.kind === 'bigint') data = bigintArithmetic(op, left, right, n, validity, ctx);
  else if (isIntegral(resultType)) data = intArithmetic(op, left, right, resultType, n, validity, ctx);
  else throw new Error(`no arithmetic gives ${resultType.kind}`);
  return { data, type: resultType, scalar };
}

function doubleArithmetic(op: ArithOp, left: Value, right: Value, n: number, validity: Validity, ctx: KernelContext): Data {
  const x = toDoubles(left, left.scalar ? 1 : n);
  const y = toDoubles(right, right.scalar ? 1 : n);
  const sa = left.scalar ? 0 : 1;
  const sb = right.scalar ? 0 : 1;
  const out = new Float64Array(n);
  switch (op) {
    case '+':
      for (let i = 0; i < n; i++) out[i] = x[i * sa]! + y[i * sb]!;
      break;
    case '-':
      for (let i = 0; i < n; i++) out[i] = x[i * sa]! - y[i * sb]!;
      break;
    case '*':
      for (let i = 0; i < n; i++) out[i] = x[i * sa]! * y[i * sb]!;
      break;
    case '/':
    case '%':
      for (let i = 0; i < n; i++) {
        const divisor = y[i * sb]!;
        if (divisor === 0) {
          if (!validity.valid(i)) continue;
          if (ctx.ansi) throw divideByZeroError();
          validity.setNull(i);
          continue;
        }
        out[i] = op === '/' ? x[i * sa]! / divisor : x[i * sa]! % divisor;
      }
      break;
  }
  return fixedData(new Float64(), out, n, validity.bits);
}

const INT_RANGE: Record<string, [number, number]> = {
  tinyint: [-128, 127],
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
};

/** Two's complement wrap of an integer (exact as a double) to 8, 16 or 32 bits. */
function wrap(value: number, kind: string): number {
  if (kind === 'int') return value | 0;
  if (kind === 'smallint') return (value << 16) >> 16;
  return (value << 24) >> 24;
}

function intArithmetic(op: ArithOp, left: Value, right: Value, type: GlueType, n: number, validity: Validity, ctx: KernelContext): Data {
  const x = left.data.values as unknown as ArrayLike<number>;
  const y = right.data.values as unknown as ArrayLike<number>;
  const sa = left.scalar ? 0 : 1;
  const sb = right.scalar ? 0 : 1;
  const [min, max] = INT_RANGE[type.kind]!;
  const arrow = toArrowType(type);
  const out = new (type.kind === 'int' ? Int32Array : type.kind === 'smallint' ? Int16Array : Int8Array)(n);
  for (let i = 0; i < n; i++) {
    const a = x[i * sa]!;
    const b = y[i * sb]!;
    let r: number;
    switch (op) {
      case '+':
        r = a + b; // exact: both below 2^31
        break;
      case '-':
        r = a - b;
        break;
      case '*':
        // The double product is exact whenever it is in range, and out of range otherwise,
        // so the range test is right; the wrapped value needs Math.imul's exact low bits.
        r = a * b;
        if (r < min || r > max) {
          if (ctx.ansi && validity.valid(i)) throw overflowError(type.kind, `${a} * ${b}`);
          out[i] = wrap(Math.imul(a, b), type.kind);
          continue;
        }
        break;
      case '%':
        if (b === 0) {
          if (!validity.valid(i)) continue;
          if (ctx.ansi) throw divideByZeroError();
          validity.setNull(i);
          continue;
        }
        r = a % b;
        break;
      default:
        throw new Error(`integral ${op} is computed as double`);
    }
    if ((r < min || r > max) && ctx.ansi && validity.valid(i)) throw overflowError(type.kind, `${a} ${op} ${b}`);
    out[i] = wrap(r, type.kind); // wraps out-of-range sums (ANSI off) and turns -0 into 0
  }
  return fixedData(arrow, out, n, validity.bits);
}

const INT64_MIN = -(2n ** 63n);

function bigintArithmetic(op: ArithOp, left: Value, right: Value, n: number, validity: Validity, ctx: KernelContext): Data {
  const x = left.data.values as unknown as ArrayLike<bigint | number>;
  const y = right.data.values as unknown as ArrayLike<bigint | number>;
  const sa = left.scalar ? 0 : 1;
  const sb = right.scalar ? 0 : 1;
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const xa = x[i * sa]!;
    const yb = y[i * sb]!;
    const a = typeof xa === 'bigint' ? xa : BigInt(xa);
    const b = typeof yb === 'bigint' ? yb : BigInt(yb);
    let r: bigint;
    switch (op) {
      case '+':
        r = a + b;
        break;
      case '-':
        r = a - b;
        break;
      case '*':
        r = a * b;
        break;
      case '%':
        if (b === 0n) {
          if (!validity.valid(i)) continue;
          if (ctx.ansi) throw divideByZeroError();
          validity.setNull(i);
          continue;
        }
        r = a % b; // BigInt % truncates like Java's; MIN % -1 is 0 without overflow
        break;
      default:
        throw new Error(`integral ${op} is computed as double`);
    }
    const wrapped = BigInt.asIntN(64, r);
    if (wrapped !== r && ctx.ansi && validity.valid(i)) throw overflowError('bigint', `${a} ${op} ${b}`);
    out[i] = wrapped;
  }
  return fixedData(toArrowType(t.bigint()), out, n, validity.bits);
}

// ---------------------------------------------------------------------------
// Decimals
// ---------------------------------------------------------------------------

/** Rounds an exact value to `digits` significant digits HALF_UP (Java's MathContext), returning it at a possibly smaller scale. */
function roundSignificant(value: bigint, scale: number, digits: number): { value: bigint; scale: number } {
  const excess = digitCount(value) - digits;
  if (excess <= 0) return { value, scale };
  const rounded = rescaleHalfUp(value, scale, scale - excess);
  // Rounding up can add a digit (999.5 -> 1000); drop one more then, as BigDecimal does.
  if (digitCount(rounded) > digits) return { value: rescaleHalfUp(rounded, scale - excess, scale - excess - 1), scale: scale - excess - 1 };
  return { value: rounded, scale: scale - excess };
}

function decimalArithmetic(op: ArithOp, left: Value, right: Value, type: GlueType, n: number, validity: Validity, ctx: KernelContext): Data {
  const { precision, scale } = type as { precision: number; scale: number };
  const l = asDecimalWords(left);
  const r = asDecimalWords(right);
  const sa = left.scalar ? 0 : 1;
  const sb = right.scalar ? 0 : 1;
  const out = new Uint32Array(n * 4);
  // The exact result's scale before Spark's final rounding, per operator.
  const exactScale = op === '*' ? l.scale + r.scale : op === '/' ? 38 : Math.max(l.scale, r.scale);
  const fl = POW10_EXACT[exactScale - l.scale];
  const fr = POW10_EXACT[exactScale - r.scale];
  const limit = precision < POW10_EXACT.length ? POW10_EXACT[precision]! : Infinity;
  // Fast path for + - * on small decimals: exact in doubles, no rounding needed.
  const numberPath = op !== '/' && op !== '%' && exactScale === scale && (op === '*' || (fl !== undefined && fr !== undefined));

  for (let i = 0; i < n; i++) {
    if (numberPath) {
      const a = decimalNumberAt(l.words, i * sa);
      const b = decimalNumberAt(r.words, i * sb);
      // Doubles are exact while every intermediate stays below 2^53 (NaN marks a decimal
      // too large for a double and fails the test).
      const v = op === '+' ? a * fl! + b * fr! : op === '-' ? a * fl! - b * fr! : a * b;
      if (isSafeUnscaled(v) && (op === '*' || (isSafeUnscaled(a * fl!) && isSafeUnscaled(b * fr!)))) {
        if (v < limit && v > -limit) {
          setDecimalNumber(out, i, v);
          continue;
        }
        if (!validity.valid(i)) continue;
        if (ctx.ansi) throw decimalOutOfRangeError(BigInt(v), scale, type);
        validity.setNull(i);
        continue;
      }
    }
    const a = decimalWordsAt(l.words, i * sa);
    const b = decimalWordsAt(r.words, i * sb);
    let exact: bigint;
    let at = exactScale;
    switch (op) {
      case '+':
        exact = a * pow10Big(exactScale - l.scale) + b * pow10Big(exactScale - r.scale);
        break;
      case '-':
        exact = a * pow10Big(exactScale - l.scale) - b * pow10Big(exactScale - r.scale);
        break;
      case '*': {
        const rounded = roundSignificant(a * b, exactScale, 38);
        exact = rounded.value;
        at = rounded.scale;
        break;
      }
      case '/':
      case '%': {
        if (b === 0n) {
          if (!validity.valid(i)) continue;
          if (ctx.ansi) throw divideByZeroError();
          validity.setNull(i);
          continue;
        }
        if (op === '%') {
          exact = (a * pow10Big(exactScale - l.scale)) % (b * pow10Big(exactScale - r.scale));
        } else {
          // a/10^s1 / (b/10^s2) at scale 38 is a * 10^(38 - s1 + s2) / b, rounded HALF_UP.
          const numerator = a * pow10Big(38 - l.scale + r.scale);
          exact = numerator / b;
          const remainder = numerator % b;
          const twice = (remainder < 0n ? -remainder : remainder) * 2n;
          if (twice >= (b < 0n ? -b : b)) exact += (numerator < 0n) !== (b < 0n) ? -1n : 1n;
        }
        break;
      }
    }
    const value = rescaleHalfUp(exact, at, scale);
    if (fitsPrecision(value, precision)) {
      setDecimal(out, i, value);
      continue;
    }
    if (!validity.valid(i)) continue;
    if (ctx.ansi) throw decimalOutOfRangeError(value, scale, type);
    validity.setNull(i);
  }
  return fixedData(toArrowType(type), out, n, validity.bits);
}

// ---------------------------------------------------------------------------
// Unary minus and abs
// ---------------------------------------------------------------------------

/** `-x`: integral MIN wraps to itself (ANSI off) or raises ARITHMETIC_OVERFLOW (ANSI on). */
export function negate(value: Value, rows: number, ctx: KernelContext): Value {
  return unary(value, rows, ctx, 'negate');
}

/** abs(x): as unary minus for negative values (abs of MIN wraps or raises likewise). */
export function absolute(value: Value, rows: number, ctx: KernelContext): Value {
  return unary(value, rows, ctx, 'abs');
}

function unary(value: Value, rows: number, ctx: KernelContext, fn: 'negate' | 'abs'): Value {
  const type = value.type;
  if (type.kind === 'null') return value;
  const n = value.scalar ? 1 : rows;
  const validity = operandValidity(value, n);
  const flip = (negative: boolean) => fn === 'negate' || negative;
  let out: ArrayBufferView;
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int': {
      const x = value.data.values as unknown as ArrayLike<number>;
      const [min] = INT_RANGE[type.kind]!;
      const result = new (type.kind === 'int' ? Int32Array : type.kind === 'smallint' ? Int16Array : Int8Array)(n);
      for (let i = 0; i < n; i++) {
        const a = x[i]!;
        if (!flip(a < 0)) {
          result[i] = a;
          continue;
        }
        if (a === min && ctx.ansi && validAt(validity, i)) throw overflowError(type.kind, fn === 'negate' ? `-(${a})` : `abs(${a})`);
        result[i] = wrap(-a, type.kind);
      }
      out = result;
      break;
    }
    case 'bigint': {
      const x = value.data.values as BigInt64Array;
      const result = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const a = x[i]!;
        if (!flip(a < 0n)) {
          result[i] = a;
          continue;
        }
        if (a === INT64_MIN && ctx.ansi && validAt(validity, i)) throw overflowError('bigint', fn === 'negate' ? `-(${a})` : `abs(${a})`);
        result[i] = BigInt.asIntN(64, -a);
      }
      out = result;
      break;
    }
    case 'float':
    case 'double': {
      const x = value.data.values as Float32Array | Float64Array;
      const result = type.kind === 'float' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) result[i] = fn === 'negate' ? -x[i]! : Math.abs(x[i]!);
      out = result;
      break;
    }
    case 'decimal': {
      // Negating a decimal never needs more digits.
      const words = value.data.values as Uint32Array;
      const result = new Uint32Array(n * 4);
      for (let i = 0; i < n; i++) {
        const v = decimalWordsAt(words, i);
        setDecimal(result, i, flip(v < 0n) ? -v : v);
      }
      out = result;
      break;
    }
    default:
      throw new Error(`cannot ${fn} ${type.kind}`);
  }
  const arrow = type.kind === 'float' ? new Float32() : toArrowType(type);
  return { data: fixedData(arrow, out, n, validity ? Uint8Array.from(validity) : undefined), type, scalar: value.scalar };
}
