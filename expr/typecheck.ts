/**
 * Type checking of expressions against an input schema. Every problem is reported at
 * the field path of the sub-expression that causes it; the checker goes on after an
 * error so that one pass reports all of them.
 *
 * The rules follow Spark as Glue runs it, but stricter where Spark would silently coerce
 * a string into a number (a common source of wrong answers): such comparisons need an
 * explicit cast. A string literal compared with a date or timestamp column is accepted
 * when it is a valid date or timestamp, because that is how people write date filters.
 */
import { lookupColumn, resolveType, describe, type Schema } from '../catalog/schema.js';
import {
  boundedDecimal,
  canCast,
  commonType,
  formatGlueType,
  isDatetime,
  isFractional,
  isIntegral,
  isNumeric,
  isStringLike,
  MAX_DECIMAL_PRECISION,
  t,
  widerNumeric,
  type GlueType,
} from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import type { ExprNode, FunctionName } from './expr.js';

export interface ExprScope {
  readonly schema: Schema;
  /** How messages name the input, e.g. `input "orders"`. */
  readonly inputLabel: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;
const DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function isValidDate(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  const timeOk = (m[4] === undefined || Number(m[4]) < 24) && (m[5] === undefined || Number(m[5]) < 60) && (m[6] === undefined || Number(m[6]) < 60);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && timeOk;
}

/** The type of a decimal literal written as digits: `12.50` is decimal(4,2). */
export function decimalLiteralType(digits: string): GlueType | undefined {
  const m = DECIMAL.exec(digits);
  if (!m) return undefined;
  const whole = m[1]!.replace(/^0+/, '');
  const scale = m[2]?.length ?? 0;
  const precision = Math.max(whole.length + scale, 1);
  return precision > MAX_DECIMAL_PRECISION ? undefined : t.decimal(precision, scale);
}

/** Checks an expression; returns its type, or undefined when it has an error. */
export function checkExpr(expr: unknown, scope: ExprScope, at: Reporter): GlueType | undefined {
  if (!expr || typeof expr !== 'object' || typeof (expr as { kind?: unknown }).kind !== 'string') {
    at.error(`expected an expression (col(...), lit(...), ...), got ${describe(expr)}`);
    return undefined;
  }
  const e = expr as ExprNode;
  switch (e.kind) {
    case 'col': {
      if (typeof e.name !== 'string' || e.name === '') {
        at.child('name').error(`expected a column name, got ${describe(e.name)}`);
        return undefined;
      }
      return lookupColumn(scope.schema, e.name, at, scope.inputLabel)?.type;
    }
    case 'lit':
      return literalType(e, at);
    case 'compare': {
      const left = checkExpr(e.left, scope, at.child('left'));
      const right = checkExpr(e.right, scope, at.child('right'));
      if (!left || !right) return undefined;
      if (!comparable(e.left, left, e.right, right, at)) return undefined;
      return t.boolean();
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(e.args) || e.args.length === 0) {
        at.error(`${e.kind}() needs at least one argument`);
        return undefined;
      }
      let ok = true;
      e.args.forEach((arg, i) => {
        ok = expectBoolean(arg, scope, at.child('args').child(i)) && ok;
      });
      return ok ? t.boolean() : undefined;
    }
    case 'not':
      return expectBoolean(e.arg, scope, at.child('arg')) ? t.boolean() : undefined;
    case 'isNull':
      return checkExpr(e.arg, scope, at.child('arg')) ? t.boolean() : undefined;
    case 'in': {
      const arg = checkExpr(e.arg, scope, at.child('arg'));
      if (!Array.isArray(e.values) || e.values.length === 0) {
        at.child('values').error('in() needs at least one value');
        return undefined;
      }
      let ok = !!arg;
      e.values.forEach((v, i) => {
        const vt = checkExpr(v, scope, at.child('values').child(i));
        if (!vt || !arg) ok = false;
        else if (!comparable(e.arg, arg, v, vt, at.child('values').child(i))) ok = false;
      });
      return ok ? t.boolean() : undefined;
    }
    case 'between': {
      const arg = checkExpr(e.arg, scope, at.child('arg'));
      const low = checkExpr(e.low, scope, at.child('low'));
      const high = checkExpr(e.high, scope, at.child('high'));
      if (!arg || !low || !high) return undefined;
      const ok = comparable(e.arg, arg, e.low, low, at.child('low')) && comparable(e.arg, arg, e.high, high, at.child('high'));
      return ok ? t.boolean() : undefined;
    }
    case 'like': {
      const arg = checkExpr(e.arg, scope, at.child('arg'));
      if (typeof e.pattern !== 'string') {
        at.child('pattern').error(`expected a pattern string, got ${describe(e.pattern)}`);
        return undefined;
      }
      if (e.regex) {
        try {
          new RegExp(e.pattern, 'u');
        } catch (err) {
          at.child('pattern').error(`invalid regular expression: ${(err as Error).message}`);
          return undefined;
        }
      }
      if (arg && !isStringLike(arg)) {
        at.child('arg').error(`${e.regex ? 'rlike' : 'like'} needs a string, got ${formatGlueType(arg)}`, 'cast it: .cast("string")');
        return undefined;
      }
      return arg && t.boolean();
    }
    case 'arith': {
      const left = checkExpr(e.left, scope, at.child('left'));
      const right = checkExpr(e.right, scope, at.child('right'));
      if (!left || !right) return undefined;
      const result = arithmeticType(e.op, left, right);
      if (!result) {
        at.error(
          `cannot apply "${e.op}" to ${formatGlueType(left)} and ${formatGlueType(right)}`,
          isDatetime(left) ? 'use fn.dateAdd / fn.dateSub / fn.dateDiff for date arithmetic' : 'arithmetic needs numbers on both sides',
        );
      }
      return result;
    }
    case 'negate': {
      const arg = checkExpr(e.arg, scope, at.child('arg'));
      if (arg && !isNumeric(arg) && arg.kind !== 'null') {
        at.error(`cannot negate ${formatGlueType(arg)}`);
        return undefined;
      }
      return arg;
    }
    case 'cast': {
      const arg = checkExpr(e.arg, scope, at.child('arg'));
      const to = resolveType(e.to, at.child('to'));
      if (!arg || !to) return undefined;
      if (!canCast(arg, to)) {
        at.error(`Spark cannot cast ${formatGlueType(arg)} to ${formatGlueType(to)}`);
        return undefined;
      }
      return to;
    }
    case 'coalesce': {
      if (!Array.isArray(e.args) || e.args.length === 0) {
        at.error('coalesce() needs at least one argument');
        return undefined;
      }
      let result: GlueType | undefined = t.null();
      e.args.forEach((arg, i) => {
        const type = checkExpr(arg, scope, at.child('args').child(i));
        if (!type || !result) {
          result = undefined;
          return;
        }
        const common = commonType(result, type);
        if (!common) at.child('args').child(i).error(`coalesce() mixes ${formatGlueType(result)} and ${formatGlueType(type)}`, 'cast the arguments to one type');
        result = common;
      });
      return result;
    }
    case 'call':
      return checkCall(e.fn, e.args, scope, at);
    default:
      at.child('kind').error(`unknown expression kind ${describe((e as { kind: unknown }).kind)}`);
      return undefined;
  }
}

function expectBoolean(arg: unknown, scope: ExprScope, at: Reporter): boolean {
  const type = checkExpr(arg, scope, at);
  if (!type) return false;
  if (type.kind !== 'boolean' && type.kind !== 'null') {
    at.error(`expected a boolean condition, got ${formatGlueType(type)}`, 'compare it, e.g. col("x").eq(...)');
    return false;
  }
  return true;
}

function literalType(e: Extract<ExprNode, { kind: 'lit' }>, at: Reporter): GlueType | undefined {
  const v = e.value;
  const bad = (message: string, hint?: string) => {
    at.error(message, hint);
    return undefined;
  };
  switch (e.type) {
    case 'null':
      return v === null ? t.null() : bad(`unsupported literal value (${String(v).replace(/^unsupported:/, '')})`, 'literals are strings, numbers, bigints, booleans or null');
    case 'string':
      return typeof v === 'string' ? t.string() : bad(`expected a string literal, got ${describe(v)}`);
    case 'boolean':
      return typeof v === 'boolean' ? t.boolean() : bad(`expected a boolean literal, got ${describe(v)}`);
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? t.int() : bad(`expected an integer literal, got ${describe(v)}`);
    case 'double':
      return typeof v === 'number' && Number.isFinite(v) ? t.double() : bad(`expected a finite number, got ${describe(v)}`);
    case 'bigint': {
      const text = String(v);
      if (text.startsWith('unsafe:'))
        return bad(`integer literal ${text.slice(7)} is beyond JavaScript's exact range, so digits may already be lost`, "write it as lit.bigint('...') or a BigInt (123n)");
      if (!/^[+-]?\d+$/.test(text)) return bad(`invalid bigint literal ${describe(v)}`);
      const n = BigInt(text);
      return n >= INT64_MIN && n <= INT64_MAX ? t.bigint() : bad(`bigint literal ${text} does not fit in 64 bits`);
    }
    case 'decimal': {
      const type = typeof v === 'string' ? decimalLiteralType(v) : undefined;
      return type ?? bad(`invalid decimal literal ${describe(v)}`, `write the digits as a string, at most ${MAX_DECIMAL_PRECISION} of them: lit.decimal('12.50')`);
    }
    case 'date':
      return typeof v === 'string' && DATE.test(v) && isValidDate(v) ? t.date() : bad(`invalid date literal ${describe(v)}`, "write 'yyyy-mm-dd'");
    case 'timestamp':
      return typeof v === 'string' && isValidDate(v) ? t.timestamp() : bad(`invalid timestamp literal ${describe(v)}`, "write 'yyyy-mm-dd hh:mm:ss[.ffffff]'");
    default:
      return bad(`unknown literal type ${describe(e.type)}`);
  }
}

function isStringLiteral(e: unknown): e is { kind: 'lit'; type: 'string'; value: string } {
  return !!e && (e as ExprNode).kind === 'lit' && (e as { type: string }).type === 'string';
}

/** Whether two operands can be compared; reports why not. */
function comparable(leftExpr: unknown, left: GlueType, rightExpr: unknown, right: GlueType, at: Reporter): boolean {
  if (left.kind === 'null' || right.kind === 'null') {
    at.error('a comparison with NULL is never true', 'use .isNull() or .isNotNull()');
    return false;
  }
  if (commonType(left, right)) {
    if (left.kind === 'map' || left.kind === 'struct' || right.kind === 'map') {
      at.error(`cannot compare values of type ${formatGlueType(left)}`);
      return false;
    }
    return true;
  }
  // A date string against a date column: Spark casts the literal; we check it now.
  for (const [type, other, otherExpr] of [[left, right, rightExpr], [right, left, leftExpr]] as const) {
    if (isDatetime(type) && isStringLike(other) && isStringLiteral(otherExpr)) {
      if (isValidDate(otherExpr.value)) return true;
      at.error(`"${otherExpr.value}" is not a valid ${type.kind}`, type.kind === 'date' ? "write 'yyyy-mm-dd'" : "write 'yyyy-mm-dd hh:mm:ss'");
      return false;
    }
  }
  at.error(
    `cannot compare ${formatGlueType(left)} with ${formatGlueType(right)}`,
    (isStringLike(left) && isNumeric(right)) || (isNumeric(left) && isStringLike(right))
      ? 'Spark would cast the string silently and turn bad values into null; cast one side explicitly'
      : 'cast one side so both have the same type',
  );
  return false;
}

/** Spark's result type for decimal arithmetic, with precision loss allowed (the default). */
function decimalArithmetic(op: string, p1: number, s1: number, p2: number, s2: number): GlueType {
  let precision: number;
  let scale: number;
  switch (op) {
    case '+':
    case '-':
      scale = Math.max(s1, s2);
      precision = Math.max(p1 - s1, p2 - s2) + scale + 1;
      break;
    case '*':
      precision = p1 + p2 + 1;
      scale = s1 + s2;
      break;
    case '/':
      scale = Math.max(6, s1 + p2 + 1);
      precision = p1 - s1 + s2 + scale;
      break;
    default: // '%'
      scale = Math.max(s1, s2);
      precision = Math.min(p1 - s1, p2 - s2) + scale;
  }
  if (precision <= MAX_DECIMAL_PRECISION) return t.decimal(precision, scale);
  // DecimalPrecision.adjustPrecisionScale: keep the integer digits, give up fraction digits down to 6.
  const intDigits = precision - scale;
  const minScale = Math.min(scale, 6);
  return t.decimal(MAX_DECIMAL_PRECISION, Math.max(MAX_DECIMAL_PRECISION - intDigits, minScale));
}

const INTEGRAL_DIGITS: Record<string, number> = { tinyint: 3, smallint: 5, int: 10, bigint: 20 };

export function arithmeticType(op: string, left: GlueType, right: GlueType): GlueType | undefined {
  if (left.kind === 'null') return right.kind === 'null' ? undefined : arithmeticType(op, right, right);
  if (right.kind === 'null') return arithmeticType(op, left, left);
  if (!isNumeric(left) || !isNumeric(right)) return undefined;
  // Spark's Divide works on doubles (or decimals); + - * % keep float when no double is involved.
  if (isFractional(left) || isFractional(right)) return op === '/' ? t.double() : widerNumeric(left, right);
  if (left.kind === 'decimal' || right.kind === 'decimal') {
    const [p1, s1] = left.kind === 'decimal' ? [left.precision, left.scale] : [INTEGRAL_DIGITS[left.kind]!, 0];
    const [p2, s2] = right.kind === 'decimal' ? [right.precision, right.scale] : [INTEGRAL_DIGITS[right.kind]!, 0];
    return decimalArithmetic(op, p1, s1, p2, s2);
  }
  if (op === '/') return t.double();
  return commonType(left, right);
}

// ---------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------

/** What an argument must be. `text` is a string literal (patterns, formats, units). */
type Arg = 'string' | 'integral' | 'numeric' | 'datetime' | 'text' | 'stringOrDatetime' | 'intLiteral';

interface Signature {
  readonly args: readonly Arg[];
  /** How many trailing args may be left out. */
  readonly optional?: number;
  /** Repeats the last arg kind without limit. */
  readonly variadic?: boolean;
  readonly returns: (types: readonly GlueType[], args: readonly ExprNode[]) => GlueType;
}

const str = () => t.string();
const int = () => t.int();
const bool = () => t.boolean();
const same = (args: readonly GlueType[]) => args[0]!;

export const FUNCTIONS: Readonly<Record<FunctionName, Signature>> = {
  upper: { args: ['string'], returns: str },
  lower: { args: ['string'], returns: str },
  trim: { args: ['string'], returns: str },
  ltrim: { args: ['string'], returns: str },
  rtrim: { args: ['string'], returns: str },
  length: { args: ['string'], returns: int },
  substring: { args: ['string', 'integral', 'integral'], optional: 1, returns: str },
  concat: { args: ['string'], variadic: true, returns: str },
  replace: { args: ['string', 'string', 'string'], optional: 1, returns: str },
  regexp_replace: { args: ['string', 'text', 'string'], returns: str },
  regexp_extract: { args: ['string', 'text', 'integral'], optional: 1, returns: str },
  startswith: { args: ['string', 'string'], returns: bool },
  endswith: { args: ['string', 'string'], returns: bool },
  contains: { args: ['string', 'string'], returns: bool },
  lpad: { args: ['string', 'integral', 'string'], optional: 1, returns: str },
  rpad: { args: ['string', 'integral', 'string'], optional: 1, returns: str },
  year: { args: ['datetime'], returns: int },
  month: { args: ['datetime'], returns: int },
  dayofmonth: { args: ['datetime'], returns: int },
  hour: { args: ['datetime'], returns: int },
  minute: { args: ['datetime'], returns: int },
  to_date: { args: ['stringOrDatetime', 'text'], optional: 1, returns: () => t.date() },
  to_timestamp: { args: ['stringOrDatetime', 'text'], optional: 1, returns: () => t.timestamp() },
  date_format: { args: ['datetime', 'text'], returns: str },
  date_add: { args: ['datetime', 'integral'], returns: () => t.date() },
  date_sub: { args: ['datetime', 'integral'], returns: () => t.date() },
  datediff: { args: ['datetime', 'datetime'], returns: int },
  date_trunc: { args: ['text', 'datetime'], returns: () => t.timestamp() },
  abs: { args: ['numeric'], returns: same },
  round: {
    // Spark's Round: decimal(p,s) rounded to d places is decimal(p-s+1+min(d,s), min(d,s)).
    args: ['numeric', 'intLiteral'],
    optional: 1,
    returns: ([x], args) => {
      if (x!.kind !== 'decimal') return x!;
      const places = args[1]?.kind === 'lit' ? Number(args[1].value) : 0;
      const scale = Math.max(0, Math.min(places, x!.scale));
      return boundedDecimal(x!.precision - x!.scale + 1 + scale, scale);
    },
  },
  floor: { args: ['numeric'], returns: ([x]) => floorCeilType(x!) },
  ceil: { args: ['numeric'], returns: ([x]) => floorCeilType(x!) },
};

function floorCeilType(x: GlueType): GlueType {
  return x.kind === 'decimal' ? boundedDecimal(x.precision - x.scale + 1, 0) : t.bigint();
}

const DATE_TRUNC_UNITS = new Set(['year', 'yyyy', 'yy', 'quarter', 'month', 'mm', 'mon', 'week', 'day', 'dd', 'hour', 'minute', 'second']);

function checkCall(name: FunctionName, args: unknown, scope: ExprScope, at: Reporter): GlueType | undefined {
  const sig = FUNCTIONS[name];
  if (!sig) {
    at.child('fn').error(`unknown function ${describe(name)}`);
    return undefined;
  }
  if (!Array.isArray(args)) {
    at.child('args').error('expected a list of arguments');
    return undefined;
  }
  const min = sig.args.length - (sig.optional ?? 0);
  const max = sig.variadic ? Infinity : sig.args.length;
  if (args.length < min || args.length > max) {
    const want = sig.variadic ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
    at.error(`${name}() takes ${want} argument${max === 1 ? '' : 's'}, got ${args.length}`);
    return undefined;
  }
  const types: GlueType[] = [];
  let ok = true;
  args.forEach((arg, i) => {
    const kind = sig.args[Math.min(i, sig.args.length - 1)]!;
    const argAt = at.child('args').child(i);
    const type = checkExpr(arg, scope, argAt);
    if (!type) {
      ok = false;
      return;
    }
    types.push(type);
    if (type.kind === 'null') return;
    const fits =
      kind === 'string' ? isStringLike(type)
      : kind === 'integral' ? isIntegral(type)
      : kind === 'numeric' ? isNumeric(type)
      : kind === 'datetime' ? isDatetime(type) || (isStringLiteral(arg) && isValidDate(arg.value))
      : kind === 'stringOrDatetime' ? isStringLike(type) || isDatetime(type)
      : kind === 'intLiteral' ? (arg as ExprNode).kind === 'lit' && isIntegral(type)
      : isStringLiteral(arg);
    if (!fits) {
      const want = kind === 'text' ? 'a string literal' : kind === 'intLiteral' ? 'an integer literal' : kind === 'stringOrDatetime' ? 'a string, date or timestamp' : `a ${kind === 'datetime' ? 'date or timestamp' : kind} value`;
      argAt.error(`${name}() argument ${i + 1} must be ${want}, got ${kind === 'text' || kind === 'intLiteral' ? 'an expression' : formatGlueType(type)}`);
      ok = false;
    }
    if (name === 'date_trunc' && i === 0 && isStringLiteral(arg) && !DATE_TRUNC_UNITS.has(arg.value.toLowerCase())) {
      argAt.error(`unknown date_trunc unit "${arg.value}"`, `one of ${[...DATE_TRUNC_UNITS].join(', ')}`);
      ok = false;
    }
  });
  return ok ? sig.returns(types, args as ExprNode[]) : undefined;
}
