/**
 * FillMissingValues: replaces NULL in chosen columns with a constant, as Spark's
 * `DataFrame.na.fill` does.
 *
 * Glue also has a transform of this name that imputes values with a machine-learning
 * model; its results depend on the data and a model that only runs on Glue, so gluekit
 * cannot reproduce or check them locally and does not offer it. This transform is the
 * deterministic kind: the same input always gives the same output, in every backend.
 */
import { describe, field, type Field } from '../catalog/schema.js';
import { commonType, formatGlueType, isDatetime, isNumeric, isStringLike, type GlueType } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { Expr, toNode, type ExprLike, type ExprNode } from '../expr/expr.js';
import { quoteIdentifier, toSparkSql } from '../expr/spark-sql.js';
import { checkExpr, isValidDate } from '../expr/typecheck.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { evaluate } from '../kernels/evaluate.js';
import { py, pyCol, singleInput, sqlTable, studioSql, topLevelField } from './shared.js';
import { defineTransform, type AnalyzedInput } from './transform.js';

/** A fill value: a plain value, or a literal such as `lit.date('2024-01-01')` or `lit.decimal('0.00')`. */
export type FillValue = Exclude<ExprLike, null>;

export interface FillMissingValuesDefinition {
  readonly kind: 'FillMissingValues';
  /** The id of the node whose NULLs are filled. */
  readonly input: string;
  /**
   * The value that replaces NULL, per top-level column: `{ status: 'UNKNOWN', qty: 0 }`.
   * It must have the column's type (a date column also takes a 'yyyy-mm-dd' string) and
   * fit it exactly, so that no value is rounded, truncated or overflowed on the way in.
   */
  readonly values: Readonly<Record<string, FillValue>>;
}

/** A literal expression: the only kind of fill value. */
export type FillLiteral = Extract<ExprNode, { kind: 'lit' }>;

export interface FillMissingValuesOptions {
  /** The filled columns, in input order. */
  readonly fills: readonly { readonly column: string; readonly value: FillLiteral }[];
}

/** Replaces NULL in each named column of `input` with its value. */
export function fillMissingValues(props: Omit<FillMissingValuesDefinition, 'kind'>): FillMissingValuesDefinition {
  return Object.freeze({ kind: 'FillMissingValues', input: props.input, values: props.values });
}

export const FillMissingValues = defineTransform<FillMissingValuesDefinition, FillMissingValuesOptions>({
  kind: 'FillMissingValues',
  title: 'Fill missing values',
  inputs: singleInput,
  analyze(def, [input], at) {
    const valuesAt = at.child('values');
    const values: unknown = def.values;
    if (!values || typeof values !== 'object' || Array.isArray(values) || values instanceof Expr || Object.keys(values).length === 0) {
      valuesAt.error(`expected { column: value } naming at least one column, got ${describe(values)}`);
      return undefined;
    }
    const fills = new Map<string, FillLiteral>();
    let ok = true;
    for (const [name, value] of Object.entries(values)) {
      const fill = checkFill(name, value, input!, valuesAt.child(name));
      if (fill) fills.set(name, fill);
      else ok = false;
    }
    if (!ok) return undefined;
    const schema = input!.schema.map((f) => (fills.has(f.name) ? field(f.name, f.type, false, f.comment) : f));
    const ordered = input!.schema.filter((f) => fills.has(f.name)).map((f) => Object.freeze({ column: f.name, value: fills.get(f.name)! }));
    return { options: Object.freeze({ fills: Object.freeze(ordered) }), schema: Object.freeze(schema) };
  },
  pyspark(node, ctx) {
    const fills = new Map(node.options.fills.map((f) => [f.column, f.value]));
    const columns = node.schema.map((f) => {
      const value = fills.get(f.name);
      if (!value) return pyCol(f.name);
      const filler = `F.expr(${py(toSparkSql(value))}).cast(${py(castType(f.type))})`;
      return `F.coalesce(${pyCol(f.name)}, ${filler}).alias(${py(f.name)})`;
    });
    return [`${ctx.df(node.id)} = ${ctx.df(node.inputs[0]!)}.select(${columns.join(', ')})`];
  },
  // Studio has no node for a constant fill (its FillMissingValues is the ML one), so the
  // same query runs as SparkSQL.
  studio(node) {
    const fills = new Map(node.options.fills.map((f) => [f.column, f.value]));
    const columns = node.schema.map((f) => {
      const value = fills.get(f.name);
      const name = quoteIdentifier(f.name);
      return value ? `coalesce(${name}, CAST(${toSparkSql(value)} AS ${castType(f.type)})) AS ${name}` : name;
    });
    const query = `SELECT ${columns.join(', ')} FROM ${sqlTable(node.inputs[0]!)}`;
    return { [node.id]: studioSql(node.id, node.inputs, query, node.schema) };
  },
  // coalesce(column, CAST(value AS column type)), evaluated by the same kernels as Filter.
  async *local(node, [input], ctx) {
    const schema = ctx.schemaOf(node.inputs[0]!);
    const fills = new Map(node.options.fills.map((f) => [f.column, f.value]));
    const exprs = node.schema.map((f): ExprNode | undefined => {
      const value = fills.get(f.name);
      return value && { kind: 'coalesce', args: [{ kind: 'col', name: f.name }, { kind: 'cast', arg: value, to: f.type }] };
    });
    for await (const batch of input!) {
      const columns = exprs.map((e, i) => (e ? evaluate(e, batch, schema, ctx).data : columnAt(batch, schema.findIndex((f) => f.name === node.schema[i]!.name))));
      yield makeBatch(node.schema, columns, batch.numRows);
    }
  },
});

/**
 * The type the fill value is cast to, so that coalesce keeps the column's type (a double
 * literal would widen a float column). Spark casts to char/varchar as plain string and
 * warns, so those are cast to string directly.
 */
function castType(type: GlueType): string {
  return isStringLike(type) ? 'string' : formatGlueType(type);
}

function checkFill(name: string, value: unknown, input: AnalyzedInput, at: Reporter): FillLiteral | undefined {
  const column = topLevelField(name, input, at, 'FillMissingValues', () => 'pull the field out as a column with applyMapping first');
  if (value === null || value === undefined) {
    at.error(`expected a fill value (a string, number, boolean or lit(...)), got ${describe(value)}`, 'to keep the NULLs, leave the column out');
    return undefined;
  }
  const node = toNode(value as ExprLike);
  if (node.kind !== 'lit') {
    at.error(`a fill value must be a constant, got an expression (${node.kind})`, "write the value itself, or lit(...) for dates, timestamps and decimals");
    return undefined;
  }
  const type = checkExpr(node, { schema: [], inputLabel: input.label }, at);
  if (!type || !column) return undefined;
  return fits(column, node, type, at) ? node : undefined;
}

/** Whether the literal can stand in the column unchanged; reports why not. */
function fits(column: Field, value: FillLiteral, type: GlueType, at: Reporter): boolean {
  const target = column.type;
  const shown = toSparkSql(value);
  if (type.kind === 'null') {
    at.error('NULL is not a fill value', 'to keep the NULLs, leave the column out');
    return false;
  }
  // Dates are written as strings; Spark casts the literal, and we check it parses.
  if (isDatetime(target) && value.type === 'string') {
    if (isValidDate(String(value.value))) return true;
    at.error(`"${value.value}" is not a valid ${target.kind}`, target.kind === 'date' ? "write 'yyyy-mm-dd'" : "write 'yyyy-mm-dd hh:mm:ss'");
    return false;
  }
  if (!commonType(target, type)) {
    at.error(
      `cannot fill ${formatGlueType(target)} column "${column.name}" with ${formatGlueType(type)} value ${shown}`,
      (isNumeric(target) && isStringLike(type)) || (isStringLike(target) && isNumeric(type))
        ? 'write the value with the column\'s type: Spark would convert it silently, and a bad string would become NULL'
        : `write a value of type ${formatGlueType(target)}`,
    );
    return false;
  }
  const loss = isNumeric(target) ? numericLoss(target, value) : stringLoss(target, value);
  if (loss) {
    at.error(`fill value ${shown} does not fit ${formatGlueType(target)}`, loss);
    return false;
  }
  return true;
}

const INTEGRAL_BITS: Partial<Record<GlueType['kind'], bigint>> = { tinyint: 8n, smallint: 16n, int: 32n, bigint: 64n };
const PLAIN_NUMBER = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** What CAST would do to a numeric literal that does not fit the column, or undefined. */
function numericLoss(target: GlueType, value: FillLiteral): string | undefined {
  if (target.kind === 'float' || target.kind === 'double') return undefined; // approximate by nature
  const m = PLAIN_NUMBER.exec(String(value.value));
  if (!m) return `write it with lit.decimal('...') so its digits are exact`;
  const whole = m[2]!.replace(/^0+(?=\d)/, '');
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (target.kind === 'decimal') {
    if (fraction.length > target.scale) return `Spark would round it to ${target.scale} decimal place${target.scale === 1 ? '' : 's'}`;
    const digits = whole === '0' ? 0 : whole.length;
    if (digits > target.precision - target.scale) return 'Spark would store NULL instead, as it does for any decimal that overflows';
    return undefined;
  }
  const bits = INTEGRAL_BITS[target.kind]!;
  if (fraction !== '') return 'Spark would drop the fraction';
  const n = BigInt(m[1] + whole);
  const limit = 2n ** (bits - 1n);
  return n < -limit || n >= limit ? `Spark would wrap it around: ${formatGlueType(target)} holds ${-limit} to ${limit - 1n}` : undefined;
}

/** char/varchar columns have a length; a longer fill value would not fit the catalog's type. */
function stringLoss(target: GlueType, value: FillLiteral): string | undefined {
  if (target.kind !== 'char' && target.kind !== 'varchar') return undefined;
  const length = [...String(value.value)].length;
  return length > target.length ? `it has ${length} characters; ${formatGlueType(target)} holds at most ${target.length}` : undefined;
}
