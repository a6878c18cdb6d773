/**
 * Aggregate: one row per distinct combination of the group columns (one row in all when
 * there are none), with aggregate functions computed over each group's rows. Aggregates
 * skip NULLs (count(column) counts the non-NULL values; a sum of only NULLs is NULL), and
 * NULL group values form a group of their own, as in Spark's `groupBy().agg()`.
 */
import type { Data } from 'apache-arrow';
import { describe, field, isValidColumnName, lookupColumn, type Field, type Schema } from '../catalog/schema.js';
import { boundedDecimal, containsMap, formatGlueType, type GlueType, isIntegral, isNumeric, structField, t } from '../catalog/types.js';
import { suggest } from '../core/did-you-mean.js';
import type { Reporter } from '../core/problems.js';
import { quoteColumn, quoteIdentifier } from '../expr/spark-sql.js';
import { accumulatorFor, normalizeFloatingPoint, RowStore, type BatchGroups } from '../kernels/aggregates.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { GroupTable, groupTableSupports, rowKeys, type RowKey } from '../kernels/keys.js';
import { pathData } from '../kernels/nested.js';
import { columnList, py, pyCol, singleInput, sqlTable, studioSql, topLevelColumn } from './shared.js';
import { defineTransform, type AnalyzedInput, type BatchStream, type LocalContext, type TransformNode } from './transform.js';

/** The aggregate functions of Glue Studio's Aggregate transform. */
export type AggFn =
  | 'avg'
  | 'countDistinct'
  | 'count'
  | 'first'
  | 'last'
  | 'kurtosis'
  | 'max'
  | 'min'
  | 'skewness'
  | 'stddev_samp'
  | 'stddev_pop'
  | 'sum'
  | 'sumDistinct'
  | 'var_samp'
  | 'var_pop';

export interface Aggregation {
  /**
   * The function. count, countDistinct, first, last, min and max take any column (min and
   * max need comparable values: no maps); the others need a numeric column. first and
   * last take whichever row Spark sees first or last in the group, which is not
   * deterministic.
   */
  readonly fn: AggFn;
  /** The aggregated column (or `struct.field` path); `'*'` with count counts rows. */
  readonly column: string;
  /** The output column's name. Default `<fn>_<column>` (`sum_amount`), or `count` for count of `'*'`. */
  readonly as?: string;
}

export interface AggregateDefinition {
  readonly kind: 'Aggregate';
  /** The id of the node whose rows are aggregated. */
  readonly input: string;
  /** The columns that form the groups, output first and in this order. `[]` aggregates all rows into one. */
  readonly groupBy: readonly string[];
  /** The aggregates to compute, output after the group columns, in this order. */
  readonly aggregations: readonly Aggregation[];
}

export interface ResolvedAggregation {
  readonly fn: AggFn;
  /** A column name or dotted path, or `'*'` (count only). */
  readonly column: string;
  /** Whether `column` is one top-level column even though it may contain dots. */
  readonly wholeName: boolean;
  /** The output column name. */
  readonly as: string;
}

export interface AggregateOptions {
  readonly groupBy: readonly string[];
  readonly aggregations: readonly ResolvedAggregation[];
}

/** Groups `input` by `groupBy` and computes `aggregations` for each group. */
/**
 * Whether `count(column)` counts every row: its column is a whole top-level column that
 * cannot hold NULL (`field`, from the input schema; undefined when column pruning already
 * dropped it for this reason). Spark's optimiser makes the same rewrite, to count(1);
 * locally the column is then neither read nor carried through the job.
 */
export function countsEveryRow(a: ResolvedAggregation, field: Field | undefined): boolean {
  return a.fn === 'count' && a.column !== '*' && a.wholeName && (field === undefined || !field.nullable);
}

export function aggregate(props: Omit<AggregateDefinition, 'kind'>): AggregateDefinition {
  return Object.freeze({ kind: 'Aggregate', input: props.input, groupBy: props.groupBy, aggregations: props.aggregations });
}

const AGG_FNS: readonly AggFn[] = [
  'avg', 'countDistinct', 'count', 'first', 'last', 'kurtosis', 'max', 'min', 'skewness',
  'stddev_samp', 'stddev_pop', 'sum', 'sumDistinct', 'var_samp', 'var_pop',
];

/** Spark and SQL names users reach for, mapped to Glue Studio's. */
const OTHER_NAMES = new Map<string, AggFn>([
  ['mean', 'avg'], ['average', 'avg'], ['stddev', 'stddev_samp'], ['std', 'stddev_samp'],
  ['variance', 'var_samp'], ['count_distinct', 'countDistinct'], ['sum_distinct', 'sumDistinct'],
]);

const NUMERIC_ONLY = new Set<AggFn>(['avg', 'kurtosis', 'skewness', 'stddev_samp', 'stddev_pop', 'sum', 'sumDistinct', 'var_samp', 'var_pop']);

/** Spark compares map values neither for ordering nor for equality. */
const NO_MAPS = new Set<AggFn>(['min', 'max', 'countDistinct']);

const AGGREGATION_FIELDS = ['fn', 'column', 'as'];

/** As catalog/schema.ts's rule for column names, so that the output can be written to the catalog. */

export const Aggregate = defineTransform<AggregateDefinition, AggregateOptions>({
  kind: 'Aggregate',
  title: 'Group and aggregate',
  inputs: singleInput,
  analyze(def, [input], at) {
    if (!input) return undefined;
    const groupBy = groupColumns(def.groupBy, input, at.child('groupBy'));
    const aggregations = readAggregations(def.aggregations, input, at.child('aggregations'));
    if (!groupBy || !aggregations) return undefined;

    // Output names must be unique as the catalog sees them, i.e. ignoring case.
    let ok = true;
    const taken = new Map<string, string>(groupBy.map((f) => [f.name.toLowerCase(), `group column "${f.name}"`]));
    aggregations.forEach(({ resolved, at: aggAt, explicitName }, i) => {
      const nameAt = explicitName ? aggAt.child('as') : aggAt;
      const other = taken.get(resolved.as.toLowerCase());
      if (other !== undefined) {
        nameAt.error(`output column "${resolved.as}" clashes with ${other}`, explicitName ? 'choose another name' : 'name the aggregation with as');
        ok = false;
      } else {
        taken.set(resolved.as.toLowerCase(), `the output of aggregations[${i}]`);
      }
    });
    if (!ok) return undefined;

    const schema: Schema = Object.freeze([...groupBy, ...aggregations.map((a) => a.output)]);
    const options: AggregateOptions = Object.freeze({
      groupBy: Object.freeze(groupBy.map((f) => f.name)),
      aggregations: Object.freeze(aggregations.map((a) => a.resolved)),
    });
    return { options, schema };
  },
  pyspark(node, ctx) {
    const { groupBy, aggregations } = node.options;
    const df = ctx.df(node.inputs[0]!);
    // groupBy("a.b") would read a struct field; a column with a dot in its name needs F.col.
    const grouped = groupBy.length === 0 ? df : `${df}.groupBy(${groupBy.map((g) => (g.includes('.') ? pyCol(g) : py(g))).join(', ')})`;
    const aggs = aggregations.map((a) => `${pysparkAgg(a)}.alias(${py(a.as)})`).join(', ');
    return [`${ctx.df(node.id)} = ${grouped}.agg(${aggs})`];
  },
  // Studio's own Aggregate node names its outputs itself, so the columns downstream nodes
  // read would not be the ones the script produces; a SparkSQL node names them the same.
  studio(node) {
    const { groupBy, aggregations } = node.options;
    const groups = groupBy.map(quoteIdentifier);
    const select = [...groups, ...aggregations.map((a) => `${sqlAgg(a)} AS ${quoteIdentifier(a.as)}`)].join(', ');
    const query = `SELECT ${select} FROM ${sqlTable(node.inputs[0]!)}${groups.length > 0 ? ` GROUP BY ${groups.join(', ')}` : ''}`;
    return { [node.id]: studioSql(node.id, node.inputs, query, node.schema) };
  },
  local(node, [input], ctx) {
    return hashAggregate(node, input!, ctx);
  },
});

// ---- local implementation --------------------------------------------------

/** Rows per output batch. */
const OUTPUT_BATCH_ROWS = 65_536;

/**
 * A streaming hash aggregate: each input batch's rows are keyed by their group values
 * (kernels/keys.ts: equal exactly when Spark groups them together; NULLs form one group),
 * each key is mapped to a group slot, and every aggregation's accumulator
 * (kernels/aggregates.ts) folds the batch into per-slot state. Only the state is held,
 * never the input rows: memory grows with the number of groups, not of rows.
 *
 * Group values are output as Spark does, floating-point ones normalized (-0.0 as 0.0).
 * Groups are output in the order of their first row. Spark's order is unspecified (it
 * depends on partitioning and hashing), so nothing downstream can rely on it; first-seen
 * order makes local runs reproducible. Without group columns there is exactly one group,
 * even for no input rows, as Spark's global aggregate always returns one row.
 */
async function* hashAggregate(node: TransformNode<'Aggregate', AggregateOptions>, input: BatchStream, ctx: LocalContext): BatchStream {
  const inputSchema = ctx.schemaOf(node.inputs[0]!);
  const { groupBy, aggregations } = node.options;
  const groupIndices = groupBy.map((name) => inputSchema.findIndex((f) => f.name === name));
  const groupTypes = groupIndices.map((i) => inputSchema[i]!.type);
  const sources = aggregations.map((a) => (a.column === '*' || countsEveryRow(a, inputSchema.find((f) => f.name === a.column)) ? undefined : sourceColumn(inputSchema, a)));
  const accumulators = aggregations.map((a, k) => accumulatorFor(a.fn, sources[k]?.type, node.schema[groupBy.length + k]!.type, ctx));
  // Each group's values are those of its first row (all of them are equal anyway, by key).
  const groupValues = groupTypes.map((type) => new RowStore(type));
  const groups = new GroupSlots(groupBy.length === 0);
  // Flat group columns key by fixed-width words (no string per row); nested ones by rowKeys.
  const table = groupTableSupports(groupTypes) ? new GroupTable(groupTypes) : undefined;

  for await (const batch of input) {
    if (batch.numRows === 0) continue;
    const groupColumns = groupIndices.map((i) => columnAt(batch, i));
    const assigned = table
      ? groups.assignFrom(table, groupColumns, batch.numRows)
      : groups.assign(groupColumns.length > 0 ? rowKeys(groupColumns, groupTypes, batch.numRows).keys : undefined, batch.numRows);
    groupValues.forEach((store, c) => store.put(groupColumns[c]!, assigned.openedSlots, assigned.openedRows, assigned.slots));
    accumulators.forEach((accumulator, k) => {
      const source = sources[k];
      accumulator.update(assigned, source && source.read(columnAt(batch, source.index)));
    });
  }

  for (let from = 0; from < groups.count; from += OUTPUT_BATCH_ROWS) {
    const to = Math.min(groups.count, from + OUTPUT_BATCH_ROWS);
    const keyColumns = groupValues.map((store, c) => {
      const values = store.result(from, to);
      normalizeFloatingPoint(values, groupTypes[c]!);
      return values;
    });
    const columns = [...keyColumns, ...accumulators.map((a) => a.result(from, to))];
    yield makeBatch(node.schema, columns, to - from);
  }
}

/** Where an aggregation's values come from: a top-level column, or a field path inside a struct column. */
interface SourceColumn {
  readonly index: number;
  readonly type: GlueType;
  read(column: Data): Data;
}

function sourceColumn(schema: Schema, a: ResolvedAggregation): SourceColumn {
  if (a.wholeName) {
    const index = schema.findIndex((f) => f.name === a.column);
    return { index, type: schema[index]!.type, read: (column) => column };
  }
  // analyze resolved the path, as lookupColumn does: a top-level struct column, then fields.
  const [top, ...path] = a.column.split('.');
  const index = schema.findIndex((f) => f.name === top);
  const topType = schema[index]!.type;
  let type = topType;
  for (const name of path) type = structField(type, name)!.type;
  return { index, type, read: (column) => pathData(column, topType, path) };
}

/** Group keys to slots, numbered in order of first appearance. */
class GroupSlots {
  count: number;
  private readonly slotOfKey = new Map<RowKey, number>();
  /** Whether the global group (no group columns) has had its first row. */
  private globalOpened = false;

  constructor(private readonly global: boolean) {
    // The global aggregate has its one group before any row arrives.
    this.count = global ? 1 : 0;
  }

  /** The slots of a batch's rows, from a GroupTable over the group columns (which numbers the slots itself). */
  assignFrom(table: GroupTable, columns: readonly Data[], rows: number): BatchGroups {
    const { slotOf, openedRows, firstOpened } = table.assign(columns, rows);
    this.count = table.count;
    const openedSlots = new Int32Array(openedRows.length);
    for (let k = 0; k < openedSlots.length; k++) openedSlots[k] = firstOpened + k;
    return { rows, slotOf, slots: this.count, openedSlots, openedRows };
  }

  /** The slots of a batch's rows, given their keys (undefined for the global group). */
  assign(keys: readonly RowKey[] | undefined, rows: number): BatchGroups {
    const slotOf = new Int32Array(rows);
    if (this.global) {
      const opened = !this.globalOpened;
      this.globalOpened = true;
      return { rows, slotOf, slots: 1, openedSlots: new Int32Array(opened ? 1 : 0), openedRows: new Int32Array(opened ? 1 : 0) };
    }
    const openedRows: number[] = [];
    const first = this.count;
    const { slotOfKey } = this;
    for (let i = 0; i < rows; i++) {
      const key = keys![i]!;
      let slot = slotOfKey.get(key);
      if (slot === undefined) {
        slot = this.count++;
        slotOfKey.set(key, slot);
        openedRows.push(i);
      }
      slotOf[i] = slot;
    }
    const openedSlots = new Int32Array(openedRows.length);
    for (let k = 0; k < openedSlots.length; k++) openedSlots[k] = first + k;
    return { rows, slotOf, slots: this.count, openedSlots, openedRows: Int32Array.from(openedRows) };
  }
}

/** Group columns: whole top-level columns (their values are output as they are), no maps. */
function groupColumns(value: unknown, input: AnalyzedInput, at: Reporter): Field[] | undefined {
  const fields = columnList(value, input, at, { allowEmpty: true });
  if (!fields) return undefined;
  const result: Field[] = [];
  let ok = true;
  (value as string[]).forEach((name, i) => {
    const column = topLevelColumn(input.schema, name);
    if (!column) {
      at.child(i).error(`group columns must be top-level columns, and "${name}" is a field inside a struct`, 'copy it into a column of its own first (applyMapping)');
      ok = false;
    } else if (containsMap(column.type)) {
      at.child(i).error(`cannot group by "${name}": it is ${formatGlueType(column.type)}, and Spark cannot compare maps`);
      ok = false;
    } else {
      result.push(column);
    }
  });
  return ok ? result : undefined;
}

interface CheckedAggregation {
  readonly resolved: ResolvedAggregation;
  readonly output: Field;
  readonly at: Reporter;
  readonly explicitName: boolean;
}

function readAggregations(value: unknown, input: AnalyzedInput, at: Reporter): CheckedAggregation[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    at.error(`expected a non-empty list of aggregations ({ fn, column, as? }), got ${describe(value)}`, 'e.g. aggregations: [{ fn: "sum", column: "amount" }]');
    return undefined;
  }
  const result: CheckedAggregation[] = [];
  let ok = true;
  value.forEach((item: unknown, i) => {
    const checked = readAggregation(item, input, at.child(i));
    if (checked) result.push(checked);
    else ok = false;
  });
  return ok ? result : undefined;
}

function readAggregation(item: unknown, input: AnalyzedInput, at: Reporter): CheckedAggregation | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    at.error(`expected an aggregation { fn, column, as? }, got ${describe(item)}`);
    return undefined;
  }
  const { fn, column, as } = item as { fn?: unknown; column?: unknown; as?: unknown };
  let ok = true;
  // A misspelt `as` would silently give the column its default name.
  for (const key of Object.keys(item)) {
    if (!AGGREGATION_FIELDS.includes(key)) {
      at.child(key).error(`unknown field "${key}" in an aggregation`, suggest(key, AGGREGATION_FIELDS, 'field'));
      ok = false;
    }
  }
  const fnOk = typeof fn === 'string' && AGG_FNS.includes(fn as AggFn);
  if (!fnOk) {
    const near = typeof fn === 'string' ? OTHER_NAMES.get(fn.toLowerCase()) : undefined;
    at.child('fn').error(
      `unknown aggregate function ${describe(fn)}`,
      near ? `did you mean "${near}"?` : typeof fn === 'string' ? suggest(fn, AGG_FNS, 'function') : `one of ${AGG_FNS.join(', ')}`,
    );
    ok = false;
  }
  if (as !== undefined && (typeof as !== 'string' || !isValidColumnName(as))) {
    at.child('as').error(`invalid output column name ${describe(as)}: 1-255 characters, no control characters or backticks`);
    ok = false;
  }
  const columnAt = at.child('column');
  if (typeof column !== 'string' || column === '') {
    columnAt.error(`expected a column name (or "*" with count), got ${describe(column)}`);
    return undefined;
  }
  if (!fnOk || !ok) return undefined;
  const aggFn = fn as AggFn;
  const name = (as as string | undefined) ?? (column === '*' && aggFn === 'count' ? 'count' : `${aggFn}_${column}`);
  if (!isValidColumnName(name)) {
    at.error(`the default output name "${name.slice(0, 40)}…" is not a valid column name`, 'name the aggregation with as');
    return undefined;
  }

  if (column === '*') {
    if (aggFn !== 'count') {
      columnAt.error(`"*" only works with count; ${aggFn} needs a column`);
      return undefined;
    }
    return {
      resolved: Object.freeze({ fn: aggFn, column, wholeName: false, as: name }),
      output: field(name, t.bigint(), false),
      at,
      explicitName: as !== undefined,
    };
  }
  const source = lookupColumn(input.schema, column, columnAt, input.label);
  if (!source) return undefined;
  if (NUMERIC_ONLY.has(aggFn) && !isNumeric(source.type)) {
    columnAt.error(`${aggFn} needs a numeric column, and "${column}" is ${formatGlueType(source.type)}`, 'cast it to a number first (applyMapping)');
    return undefined;
  }
  if (NO_MAPS.has(aggFn) && containsMap(source.type)) {
    columnAt.error(`${aggFn} cannot take "${column}": it is ${formatGlueType(source.type)}, and Spark cannot compare maps`);
    return undefined;
  }
  const type = resultType(aggFn, source.type);
  return {
    resolved: Object.freeze({ fn: aggFn, column, wholeName: topLevelColumn(input.schema, column) !== undefined, as: name }),
    // Only counts are never NULL: every other aggregate of an all-NULL group is NULL.
    output: field(name, type, aggFn !== 'count' && aggFn !== 'countDistinct'),
    at,
    explicitName: as !== undefined,
  };
}

/** Spark's result types (Sum, Average and the central moments widen; the rest keep the type). */
function resultType(fn: AggFn, type: GlueType): GlueType {
  switch (fn) {
    case 'count':
    case 'countDistinct':
      return t.bigint();
    case 'sum':
    case 'sumDistinct':
      if (type.kind === 'decimal') return boundedDecimal(type.precision + 10, type.scale);
      return isIntegral(type) ? t.bigint() : t.double();
    case 'avg':
      return type.kind === 'decimal' ? boundedDecimal(type.precision + 4, type.scale + 4) : t.double();
    case 'min':
    case 'max':
    case 'first':
    case 'last':
      return type;
    default:
      return t.double();
  }
}

function pysparkAgg(a: ResolvedAggregation): string {
  const column = a.column === '*' ? 'F.lit(1)' : pyCol(a.column, a.wholeName);
  switch (a.fn) {
    case 'first':
    case 'last':
      return `F.${a.fn}(${column}, ignorenulls=False)`;
    case 'sumDistinct':
      return `F.sum_distinct(${column})`; // F.sumDistinct is deprecated since Spark 3.2
    default:
      return `F.${a.fn}(${column})`;
  }
}

function sqlAgg(a: ResolvedAggregation): string {
  if (a.column === '*') return 'count(1)';
  const column = quoteColumn(a.column, a.wholeName);
  switch (a.fn) {
    case 'countDistinct':
      return `count(DISTINCT ${column})`;
    case 'sumDistinct':
      return `sum(DISTINCT ${column})`;
    default:
      return `${a.fn}(${column})`;
  }
}

