/**
 * Evaluates a checked expression (expr/expr.ts) over a record batch, column at a time,
 * with the semantics Spark gives it on Glue. The expression's value is a column in the
 * canonical Arrow layout of the type the type checker gives it (expr/typecheck.ts), so
 * the local runner and the Glue script agree on types by construction.
 *
 * Literals, and anything computed from literals only, stay one value (a scalar Value)
 * until the end; kernels broadcast them as they read.
 *
 * Spark evaluates AND, OR and coalesce lazily: `x <> 0 AND 10 / x > 1` never divides by
 * zero, and under ANSI mode that matters (the division would raise DIVIDE_BY_ZERO). The
 * kernels here evaluate whole columns, so each operand after the first is evaluated for
 * every row first; only if that raises a Spark runtime error is it evaluated again over
 * just the rows Spark would have evaluated it for (guarded evaluation, below), and the
 * error stands only if one of those rows raises it.
 */
import { Bool, makeData, Null, Struct, Type, type Data, type RecordBatch } from 'apache-arrow';
import { toArrowType } from '../catalog/arrow.js';
import { resolveType, type Schema } from '../catalog/schema.js';
import { commonType, isNumeric, isStringLike, t, typesEqual, type GlueType } from '../catalog/types.js';
import { formatProblem, ProblemList } from '../core/problems.js';
import type { CompareOp, ExprNode } from '../expr/expr.js';
import { checkExpr, decimalLiteralType } from '../expr/typecheck.js';
import { arithmetic, negate } from './arithmetic.js';
import { castColumn } from './cast.js';
import { alignBits, boolBits, encodeUtf8, fixedData, isValid, operandValidity, setDecimal, stringData, type Value } from './columns.js';
import { compareValues, dictionaryMatches, inStrings } from './compare.js';
import { decodeDictionary, isStringDictionary } from './dictionary.js';
import { SparkRuntimeError, type KernelContext } from './context.js';
import { parseDate, parseTimestamp } from './datetime.js';
import { callFunction, likeMatch } from './functions.js';
import { andValues, isNullValue, notValue, orValues } from './logic.js';
import { interleaveData, nullData, takeData, takeRows } from './selection.js';

export type { Value } from './columns.js';

/**
 * The value of `expr` for every row of `batch`, in the canonical layout of its type.
 * `schema` is the batch's Glue schema; columns are found by exact name, and dotted names
 * reach struct fields (as lookupColumn). Throws SparkRuntimeError where Spark would fail
 * the job (ANSI mode), and Error for an expression the type checker rejects.
 */
export function evaluate(expr: ExprNode, batch: RecordBatch, schema: Schema, ctx: KernelContext): { data: Data; type: GlueType } {
  const value = new Evaluator(batch, schema, ctx).value(expr);
  return { data: broadcast(value, batch.numRows), type: value.type };
}

/** A scalar Value as a column of `rows` rows (columns are returned as they are). */
export function broadcast(value: Value, rows: number): Data {
  if (!value.scalar) return value.data;
  if (value.data.type.typeId === Type.Null) return makeData({ type: new Null(), length: rows, nullCount: rows });
  return takeData(value.data, new Int32Array(rows));
}

/** A scalar of `type` holding NULL. */
export function nullScalar(type: GlueType): Value {
  if (type.kind === 'null') return { data: makeData({ type: new Null(), length: 1, nullCount: 1 }), type, scalar: true };
  return { data: nullData(toArrowType(type), 1), type, scalar: true };
}

class Evaluator {
  private readonly rows: number;
  private readonly types = new Map<ExprNode, GlueType>();

  constructor(
    private readonly batch: RecordBatch,
    private readonly schema: Schema,
    private readonly ctx: KernelContext,
  ) {
    this.rows = batch.numRows;
  }

  /** The type checker's type of a (sub-)expression; an invalid expression is an error. */
  typeOf(node: ExprNode): GlueType {
    const known = this.types.get(node);
    if (known) return known;
    const problems = new ProblemList();
    const type = checkExpr(node, { schema: this.schema, inputLabel: 'the batch' }, problems.at('expr'));
    if (!type || problems.errorCount > 0) {
      throw new Error(`cannot evaluate an invalid expression:\n${problems.items.map(formatProblem).join('\n')}`);
    }
    this.types.set(node, type);
    return type;
  }

  value(node: ExprNode): Value {
    const type = this.typeOf(node);
    switch (node.kind) {
      case 'col': {
        // A dictionary-encoded string column (kernels/dictionary.ts) is decoded for every
        // use but the comparisons with string literals below.
        const data = this.column(node.name);
        return { data: isStringDictionary(data) ? decodeDictionary(data) : data, type, scalar: false };
      }
      case 'lit':
        return literal(node, type);
      case 'compare':
        return this.compare(node.op, node.left, node.right);
      case 'and':
      case 'or':
        return this.logical(node.kind, node.args);
      case 'not':
        return notValue(this.value(node.arg), this.rows);
      case 'isNull':
        return isNullValue(this.value(node.arg), node.negated, this.rows);
      case 'in': {
        // Spark's In is `x = v1 OR x = v2 ...` in three-valued logic: true when some value
        // matches, else NULL when x or any value is NULL, else false. NOT IN negates that,
        // so NOT IN over a list holding a NULL is never true.
        const dictionary = this.dictionaryColumn(node.arg);
        if (dictionary) {
          const needles = this.stringNeedles(node.values);
          if (needles) return dictionaryMatches(dictionary, needles, node.negated);
        }
        const arg = this.value(node.arg);
        const values = node.values.map((v) => this.value(v));
        // A string column against string literals (`status IN ('PAID', 'SHIPPED')`): one pass.
        const matched = inStrings(arg, values, this.rows);
        if (matched) return node.negated ? notValue(matched, this.rows) : matched;
        let result: Value | undefined;
        for (const v of values) {
          const equal = this.compareWith('=', arg, v);
          result = result ? orValues(result, equal, this.rows) : equal;
        }
        return node.negated ? notValue(result!, this.rows) : result!;
      }
      case 'between': {
        // Spark rewrites `x BETWEEN low AND high` as `low <= x AND x <= high`.
        const arg = this.value(node.arg);
        const low = this.compareWith('<=', this.value(node.low), arg);
        const high = this.compareWith('<=', arg, this.value(node.high));
        return andValues(low, high, this.rows);
      }
      case 'like':
        return likeMatch(this.value(node.arg), node.pattern, node.regex, this.rows);
      case 'arith': {
        const left = this.value(node.left);
        const right = this.value(node.right);
        return arithmetic(node.op, this.nullAs(left, right.type), this.nullAs(right, left.type), type, this.rows, this.ctx);
      }
      case 'negate':
        return negate(this.value(node.arg), this.rows, this.ctx);
      case 'cast': {
        const to = resolveType(node.to, new ProblemList().at('to'))!;
        return this.coerce(this.value(node.arg), to);
      }
      case 'coalesce':
        return this.coalesce(node.args, type);
      case 'call':
        return callFunction(node.fn, node.args, type, {
          rows: this.rows,
          ctx: this.ctx,
          value: (arg) => this.value(arg),
          coerce: (value, to) => this.coerce(value, to),
        });
    }
  }

  /** Column `name` of the batch, or a field of a struct column by dotted path. */
  private column(name: string): Data {
    const fields = this.batch.schema.fields;
    const direct = fields.findIndex((f) => f.name === name);
    if (direct >= 0) return this.batch.data.children[direct]!;
    const parts = name.split('.');
    const top = fields.findIndex((f) => f.name === parts[0]);
    if (top < 0) throw new Error(`the batch has no column "${parts[0]}"`);
    let data = this.batch.data.children[top]!;
    for (const part of parts.slice(1)) {
      const index = (data.type as Struct).children.findIndex((f) => f.name === part);
      if (data.type.typeId !== Type.Struct || index < 0) throw new Error(`the batch has no field "${name}"`);
      // A field of a NULL struct is NULL, whatever the field's own buffer holds.
      data = withParentNulls(data.children[index]!, data);
    }
    return data;
  }

  private compare(op: CompareOp, left: ExprNode, right: ExprNode): Value {
    if (op === '=' || op === '<>') {
      // A dictionary-encoded string column against a string literal: each distinct value once.
      const onLeft = this.dictionaryColumn(left);
      const [dictionary, other] = onLeft ? [onLeft, right] : [this.dictionaryColumn(right), left];
      const needles = dictionary && this.stringNeedles([other]);
      if (dictionary && needles) return dictionaryMatches(dictionary, needles, op === '<>');
    }
    return this.compareWith(op, this.value(left), this.value(right));
  }

  /** The column `node` names, when it is a dictionary-encoded string column. */
  private dictionaryColumn(node: ExprNode): Data | undefined {
    if (node.kind !== 'col' || this.typeOf(node).kind !== 'string') return undefined;
    const data = this.column(node.name);
    return isStringDictionary(data) ? data : undefined;
  }

  /** The values of `nodes` when every one is a non-NULL string literal (one-value columns), else undefined. */
  private stringNeedles(nodes: readonly ExprNode[]): Data[] | undefined {
    const needles: Data[] = [];
    for (const node of nodes) {
      if (node.kind !== 'lit' || this.typeOf(node).kind !== 'string') return undefined;
      const value = this.value(node);
      if (!isValid(value.data, 0)) return undefined;
      needles.push(value.data);
    }
    return needles;
  }

  /**
   * Compares two operands. Numbers of different types compare by value (compare.ts);
   * other differing types are first cast to their common type, as Spark's type coercion
   * does: a date against a timestamp becomes a timestamp (midnight UTC, the session time
   * zone on Glue), and a string literal against a date or timestamp is cast to that type
   * (the type checker only lets valid date strings through).
   */
  private compareWith(op: CompareOp, left: Value, right: Value): Value {
    let l = this.nullAs(left, right.type);
    let r = this.nullAs(right, left.type);
    if (!(isNumeric(l.type) && isNumeric(r.type)) && !typesEqual(l.type, r.type)) {
      const common = stringAgainstDatetime(l.type, r.type) ?? commonType(l.type, r.type);
      if (!common) throw new Error(`cannot compare ${l.type.kind} with ${r.type.kind}`);
      l = this.coerce(l, common);
      r = this.coerce(r, common);
    }
    return compareValues(op, l, r, this.rows);
  }

  /** A NULL-typed operand (an untyped NULL literal) takes the other side's type. */
  private nullAs(value: Value, other: GlueType): Value {
    return value.type.kind === 'null' && other.kind !== 'null' ? nullScalar(other) : value;
  }

  /** `value` as type `to`: the same column when nothing changes, else Spark's cast. */
  coerce(value: Value, to: GlueType): Value {
    if (typesEqual(value.type, to)) return value;
    if (isStringLike(value.type) && isStringLike(to)) return { ...value, type: to };
    if (value.type.kind === 'null') return nullScalar(to);
    if (to.kind === 'null') return nullScalar(value.type);
    return { data: castColumn(value.data, value.type, to, this.ctx), type: to, scalar: value.scalar };
  }

  /**
   * AND / OR over any number of arguments, left to right, with Spark's three-valued
   * logic (logic.ts) and its short-circuit: an argument is evaluated only for the rows
   * the arguments before it have not decided (false for AND, true for OR).
   */
  private logical(kind: 'and' | 'or', args: readonly ExprNode[]): Value {
    const combine = kind === 'and' ? andValues : orValues;
    let result = this.value(args[0]!);
    for (const arg of args.slice(1)) {
      const decided = decidedRows(result, kind === 'and' ? false : true, this.rows);
      const next = this.guarded(arg, decided);
      result = combine(result, next, this.rows);
    }
    return result;
  }

  /**
   * The value of `node` (passed through `then`), where rows whose bit is set in `skip`
   * need not be evaluated: evaluated over every row, unless that raises a Spark runtime
   * error, in which case it is evaluated over the other rows only (those rows' errors
   * still stand) and the skipped rows are NULL.
   */
  private guarded(node: ExprNode, skip: Uint8Array | undefined, then: (value: Value) => Value = (value) => value): Value {
    try {
      return then(this.value(node));
    } catch (error) {
      if (!(error instanceof SparkRuntimeError) || !skip) throw error;
      const needed: number[] = [];
      for (let i = 0; i < this.rows; i++) if (((skip[i >> 3]! >> (i & 7)) & 1) === 0) needed.push(i);
      if (needed.length === this.rows) throw error;
      const subset = then(new Evaluator(takeRows(this.batch, Int32Array.from(needed)), this.schema, this.ctx).value(node));
      // Rows Spark skipped become NULL; they are decided by the other operand anyway.
      const filler = nullScalar(subset.type);
      const which = new Uint8Array(this.rows).fill(1);
      const index = new Int32Array(this.rows);
      needed.forEach((row, k) => {
        which[row] = 0;
        index[row] = subset.scalar ? 0 : k;
      });
      return { data: interleaveData([subset.data, filler.data], which, index), type: subset.type, scalar: false };
    }
  }

  /**
   * coalesce: for each row, the first argument that is not NULL, every argument cast to
   * the common type. Spark evaluates an argument only for rows where all before it were
   * NULL, so later arguments are guarded like AND's.
   */
  private coalesce(args: readonly ExprNode[], type: GlueType): Value {
    const rows = this.rows;
    const values: Value[] = [];
    // Rows already holding a non-NULL value (bit set), i.e. decided.
    let decided: Uint8Array | undefined;
    if (type.kind === 'null') return nullScalar(type);
    // The implicit cast to the common type belongs to the argument, so it is guarded too.
    const toCommon = (value: Value) => this.coerce(value, type);
    for (const arg of args) {
      const value = values.length === 0 ? toCommon(this.value(arg)) : this.guarded(arg, decided, toCommon);
      values.push(value);
      const valid = operandValidity(value, rows);
      if (!valid) break; // every row has its value now
      decided = decided ? decided.map((b, k) => b | valid[k]!) : Uint8Array.from(valid);
    }
    if (values.length === 1) return values[0]!;
    if (values.every((v) => v.scalar)) return values.find((v) => !operandValidity(v, 1)) ?? values[values.length - 1]!;
    // Row i takes its value from the first argument valid at i (the last one if none is).
    const which = new Uint8Array(rows);
    const index = new Int32Array(rows);
    const validities = values.map((v) => operandValidity(v, rows));
    for (let i = 0; i < rows; i++) {
      let k = 0;
      while (k < values.length - 1) {
        const bits = validities[k];
        if (!bits || ((bits[i >> 3]! >> (i & 7)) & 1) === 1) break;
        k++;
      }
      which[i] = k;
      index[i] = values[k]!.scalar ? 0 : i;
    }
    return { data: interleaveData(values.map((v) => v.data), which, index), type, scalar: false };
  }
}

/** Rows whose boolean value is already `outcome` (so AND/OR need not look further). */
function decidedRows(value: Value, outcome: boolean, rows: number): Uint8Array | undefined {
  if (value.data.type.typeId === Type.Null) return undefined;
  const n = value.scalar ? 1 : rows;
  const bits = boolBits(value.data, n);
  const valid = operandValidity(value, n);
  const out = new Uint8Array((rows + 7) >> 3);
  if (value.scalar) {
    const decided = (!valid) && ((bits[0]! & 1) === 1) === outcome;
    return decided ? out.fill(0xff) : undefined;
  }
  for (let k = 0; k < out.length; k++) out[k] = (outcome ? bits[k]! : ~bits[k]!) & (valid ? valid[k]! : 0xff);
  return out;
}

/** The type a string literal is cast to when compared with a date or timestamp. */
function stringAgainstDatetime(a: GlueType, b: GlueType): GlueType | undefined {
  if (isStringLike(a) && (b.kind === 'date' || b.kind === 'timestamp')) return b;
  if (isStringLike(b) && (a.kind === 'date' || a.kind === 'timestamp')) return a;
  return undefined;
}

/** A struct field's column with the struct's NULLs added to its own. */
function withParentNulls(child: Data, parent: Data): Data {
  if (parent.nullCount === 0 || !parent.nullBitmap || parent.nullBitmap.length === 0) return child;
  const rows = child.length;
  const parentBits = alignBits(parent.nullBitmap, parent.offset, rows);
  const own = child.nullCount !== 0 && child.nullBitmap && child.nullBitmap.length > 0 ? alignBits(child.nullBitmap, child.offset, rows) : undefined;
  const bitmap = new Uint8Array((rows + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    const valid = ((parentBits[i >> 3]! >> (i & 7)) & 1) & (own ? (own[i >> 3]! >> (i & 7)) & 1 : 1);
    if (valid) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  // The result starts at bit 0; non-bool values and offsets are already relative to the slice.
  const values = child.type.typeId === Type.Bool ? boolBits(child, rows) : child.values;
  return child.clone(child.type, 0, rows, nulls, [child.valueOffsets, values, bitmap, child.typeIds] as never);
}

// ---------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------

function literal(node: Extract<ExprNode, { kind: 'lit' }>, type: GlueType): Value {
  const v = node.value;
  const scalar = (data: Data): Value => ({ data, type, scalar: true });
  switch (node.type) {
    case 'null':
      return nullScalar(t.null());
    case 'boolean':
      return scalar(fixedData(new Bool(), new Uint8Array([v ? 1 : 0]), 1));
    case 'int':
      return scalar(fixedData(toArrowType(type), Int32Array.of(v as number), 1));
    case 'bigint':
      return scalar(fixedData(toArrowType(type), BigInt64Array.of(BigInt(String(v))), 1));
    case 'double':
      return scalar(fixedData(toArrowType(type), Float64Array.of(v as number), 1));
    case 'decimal': {
      const decimal = decimalLiteralType(String(v))!;
      const words = new Uint32Array(4);
      setDecimal(words, 0, BigInt(String(v).replace('.', '')));
      return { data: fixedData(toArrowType(decimal), words, 1), type: decimal, scalar: true };
    }
    case 'string':
      return scalar(stringData(toArrowType(type), [String(v)]));
    // DATE '...' and TIMESTAMP '...' are parsed as Spark parses them (its cast from string,
    // in the UTC session zone); the type checker has already accepted the text.
    case 'date': {
      const bytes = encodeUtf8(String(v));
      return scalar(fixedData(toArrowType(type), Int32Array.of(parseDate(bytes, 0, bytes.length)), 1));
    }
    case 'timestamp': {
      const bytes = encodeUtf8(String(v));
      return scalar(fixedData(toArrowType(type), BigInt64Array.of(BigInt(parseTimestamp(bytes, 0, bytes.length)!)), 1));
    }
  }
}
