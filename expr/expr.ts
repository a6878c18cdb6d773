/**
 * The typed expression language of Filter (and of any transform that computes values).
 *
 * Expressions are plain frozen data (`ExprNode`, discriminated by `kind`), so that the
 * IR can be compared, hashed and printed; `Expr` is a thin fluent wrapper that job files
 * use to build them: `col('amount').gt(0).and(col('status').in(['PAID', 'SHIPPED']))`.
 */
import type { TypeInput } from '../catalog/schema.js';

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';

/** Literal types the language can write directly. */
export type LiteralType = 'int' | 'bigint' | 'double' | 'decimal' | 'string' | 'boolean' | 'date' | 'timestamp' | 'null';

export type ExprNode =
  | { readonly kind: 'col'; readonly name: string }
  | { readonly kind: 'lit'; readonly type: LiteralType; readonly value: string | number | boolean | null }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly kind: 'and' | 'or'; readonly args: readonly ExprNode[] }
  | { readonly kind: 'not'; readonly arg: ExprNode }
  | { readonly kind: 'isNull'; readonly arg: ExprNode; readonly negated: boolean }
  | { readonly kind: 'in'; readonly arg: ExprNode; readonly values: readonly ExprNode[]; readonly negated: boolean }
  | { readonly kind: 'between'; readonly arg: ExprNode; readonly low: ExprNode; readonly high: ExprNode }
  | { readonly kind: 'like'; readonly arg: ExprNode; readonly pattern: string; readonly regex: boolean }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly kind: 'negate'; readonly arg: ExprNode }
  | { readonly kind: 'cast'; readonly arg: ExprNode; readonly to: TypeInput }
  | { readonly kind: 'coalesce'; readonly args: readonly ExprNode[] }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly args: readonly ExprNode[] };

/** Functions the language knows, with Spark SQL's names (see FUNCTIONS in typecheck.ts). */
export type FunctionName =
  | 'upper' | 'lower' | 'trim' | 'ltrim' | 'rtrim' | 'length' | 'substring' | 'concat' | 'replace'
  | 'regexp_replace' | 'regexp_extract' | 'startswith' | 'endswith' | 'contains' | 'lpad' | 'rpad'
  | 'year' | 'month' | 'dayofmonth' | 'hour' | 'minute' | 'to_date' | 'to_timestamp' | 'date_format'
  | 'date_add' | 'date_sub' | 'datediff' | 'date_trunc'
  | 'abs' | 'round' | 'floor' | 'ceil';

/** Anything a builder method accepts: an expression, or a JavaScript value taken as a literal. */
export type ExprLike = Expr | ExprNode | string | number | bigint | boolean | null;

const node = <N extends ExprNode>(n: N): N => Object.freeze(n);

export function isExprNode(value: unknown): value is ExprNode {
  return !!value && typeof value === 'object' && !(value instanceof Expr) && typeof (value as { kind?: unknown }).kind === 'string';
}

/** Turns any ExprLike into a node; plain values become literals. */
export function toNode(value: ExprLike): ExprNode {
  if (value instanceof Expr) return value.node;
  // An Expr from another copy of gluekit (a job file's own node_modules) fails instanceof.
  if (value && typeof value === 'object' && isExprNode((value as { node?: unknown }).node)) return (value as unknown as Expr).node;
  if (isExprNode(value)) return value;
  return literalNode(value);
}

function literalNode(value: string | number | bigint | boolean | null): ExprNode {
  if (value === null) return node({ kind: 'lit', type: 'null', value: null });
  switch (typeof value) {
    case 'string':
      return node({ kind: 'lit', type: 'string', value });
    case 'boolean':
      return node({ kind: 'lit', type: 'boolean', value });
    case 'bigint':
      return node({ kind: 'lit', type: 'bigint', value: value.toString() });
    case 'number':
      if (Number.isInteger(value)) {
        if (value >= -(2 ** 31) && value < 2 ** 31) return node({ kind: 'lit', type: 'int', value });
        // Unsafe integers have already lost digits; the type checker reports them.
        return node({ kind: 'lit', type: 'bigint', value: Number.isSafeInteger(value) ? String(value) : `unsafe:${value}` });
      }
      return node({ kind: 'lit', type: 'double', value });
    default:
      // Reached only from untyped job files; the type checker names the field.
      return node({ kind: 'lit', type: 'null', value: `unsupported:${typeof value}` as never });
  }
}

/** A fluent expression. Every method returns a new Expr; nothing is mutated. */
export class Expr {
  constructor(readonly node: ExprNode) {
    Object.freeze(this);
  }

  eq(other: ExprLike): Expr { return compare('=', this, other); }
  ne(other: ExprLike): Expr { return compare('<>', this, other); }
  lt(other: ExprLike): Expr { return compare('<', this, other); }
  le(other: ExprLike): Expr { return compare('<=', this, other); }
  gt(other: ExprLike): Expr { return compare('>', this, other); }
  ge(other: ExprLike): Expr { return compare('>=', this, other); }

  and(...others: ExprLike[]): Expr { return and(this, ...others); }
  or(...others: ExprLike[]): Expr { return or(this, ...others); }
  not(): Expr { return not(this); }

  isNull(): Expr { return new Expr(node({ kind: 'isNull', arg: this.node, negated: false })); }
  isNotNull(): Expr { return new Expr(node({ kind: 'isNull', arg: this.node, negated: true })); }
  in(values: readonly ExprLike[]): Expr {
    return new Expr(node({ kind: 'in', arg: this.node, values: Object.freeze(values.map(toNode)), negated: false }));
  }
  notIn(values: readonly ExprLike[]): Expr {
    return new Expr(node({ kind: 'in', arg: this.node, values: Object.freeze(values.map(toNode)), negated: true }));
  }
  /** Inclusive on both ends, as SQL's BETWEEN. */
  between(low: ExprLike, high: ExprLike): Expr {
    return new Expr(node({ kind: 'between', arg: this.node, low: toNode(low), high: toNode(high) }));
  }
  /** SQL LIKE: `%` matches any run of characters, `_` one character, `\` escapes. */
  like(pattern: string): Expr { return new Expr(node({ kind: 'like', arg: this.node, pattern, regex: false })); }
  /** Java regular expression, matched anywhere in the string (Spark's RLIKE). */
  rlike(pattern: string): Expr { return new Expr(node({ kind: 'like', arg: this.node, pattern, regex: true })); }

  plus(other: ExprLike): Expr { return arith('+', this, other); }
  minus(other: ExprLike): Expr { return arith('-', this, other); }
  times(other: ExprLike): Expr { return arith('*', this, other); }
  /** Spark's `/`: integral operands give a double. */
  div(other: ExprLike): Expr { return arith('/', this, other); }
  mod(other: ExprLike): Expr { return arith('%', this, other); }
  negate(): Expr { return new Expr(node({ kind: 'negate', arg: this.node })); }

  cast(to: TypeInput): Expr { return cast(this, to); }
}

function compare(op: CompareOp, left: ExprLike, right: ExprLike): Expr {
  return new Expr(node({ kind: 'compare', op, left: toNode(left), right: toNode(right) }));
}

function arith(op: ArithOp, left: ExprLike, right: ExprLike): Expr {
  return new Expr(node({ kind: 'arith', op, left: toNode(left), right: toNode(right) }));
}

/** A column of the node's input, by exact name, or a struct field by dotted path. */
export function col(name: string): Expr {
  return new Expr(node({ kind: 'col', name }));
}

/** A literal. Numbers that are whole and fit 32 bits are int, other whole numbers bigint, the rest double. */
export function lit(value: string | number | bigint | boolean | null): Expr {
  return new Expr(literalNode(value));
}
/** `DATE 'yyyy-mm-dd'`. */
lit.date = (iso: string): Expr => new Expr(node({ kind: 'lit', type: 'date', value: iso }));
/** `TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.ffffff]'`, in the session time zone (UTC on Glue). */
lit.timestamp = (iso: string): Expr => new Expr(node({ kind: 'lit', type: 'timestamp', value: iso }));
/** An exact decimal, written as a string so no digit is lost: `lit.decimal('12.50')` is decimal(4,2). */
lit.decimal = (digits: string): Expr => new Expr(node({ kind: 'lit', type: 'decimal', value: digits }));
/** A 64-bit integer literal. */
lit.bigint = (value: number | bigint | string): Expr =>
  new Expr(node({ kind: 'lit', type: 'bigint', value: String(value) }));

export function and(...args: ExprLike[]): Expr {
  return new Expr(node({ kind: 'and', args: Object.freeze(args.map(toNode)) }));
}
export function or(...args: ExprLike[]): Expr {
  return new Expr(node({ kind: 'or', args: Object.freeze(args.map(toNode)) }));
}
export function not(arg: ExprLike): Expr {
  return new Expr(node({ kind: 'not', arg: toNode(arg) }));
}
export function cast(arg: ExprLike, to: TypeInput): Expr {
  return new Expr(node({ kind: 'cast', arg: toNode(arg), to }));
}
/** The first non-null argument. */
export function coalesce(...args: ExprLike[]): Expr {
  return new Expr(node({ kind: 'coalesce', args: Object.freeze(args.map(toNode)) }));
}

const call = (fn: FunctionName) => (...args: ExprLike[]): Expr =>
  new Expr(node({ kind: 'call', fn, args: Object.freeze(args.map(toNode)) }));

/** String, date and numeric functions, named as in Spark SQL. */
export const fn = Object.freeze({
  upper: call('upper'),
  lower: call('lower'),
  trim: call('trim'),
  ltrim: call('ltrim'),
  rtrim: call('rtrim'),
  /** Length in characters. */
  length: call('length'),
  /** `substring(str, pos, len)`, 1-based like Spark. */
  substring: call('substring'),
  concat: call('concat'),
  replace: call('replace'),
  regexpReplace: call('regexp_replace'),
  regexpExtract: call('regexp_extract'),
  startsWith: call('startswith'),
  endsWith: call('endswith'),
  contains: call('contains'),
  lpad: call('lpad'),
  rpad: call('rpad'),
  year: call('year'),
  month: call('month'),
  dayOfMonth: call('dayofmonth'),
  hour: call('hour'),
  minute: call('minute'),
  /** `to_date(str)` or `to_date(str, 'yyyy-MM-dd')` (Spark datetime pattern). */
  toDate: call('to_date'),
  toTimestamp: call('to_timestamp'),
  dateFormat: call('date_format'),
  dateAdd: call('date_add'),
  dateSub: call('date_sub'),
  /** Days from the second date to the first, as Spark's `datediff(end, start)`. */
  dateDiff: call('datediff'),
  /** `date_trunc('month', ts)`. */
  dateTrunc: call('date_trunc'),
  abs: call('abs'),
  /** HALF_UP rounding, as Spark's `round`. */
  round: call('round'),
  floor: call('floor'),
  ceil: call('ceil'),
});
