/**
 * Spark's aggregate semantics, one case per row: each function over a column of one
 * type, with ANSI mode off (Glue 4.0/5.0) or on (Glue 6.0). Every case runs twice
 * through Aggregate's local implementation, in batches of 3 rows cut from one batch
 * (so every kernel reads sliced buffers): as a global aggregate, and as the group "a"
 * of a grouped aggregate whose rows are interleaved with another group's.
 *
 * Where the expected value is a Spark documentation example (the `> SELECT ...` examples
 * of Spark's aggregate functions), the case says so; the other expectations follow the
 * Spark source cited in kernels/aggregates.ts.
 */
import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { Schema, SchemaInput } from '../../catalog/schema.js';
import { makeBatch } from '../../kernels/batches.js';
import { SparkRuntimeError } from '../../kernels/context.js';
import { batchRows, type JsonValue } from '../../local-runner/values.js';
import { Aggregate, aggregate, type AggFn, type Aggregation } from '../../transforms/aggregate.js';
import type { LocalContext } from '../../transforms/transform.js';
import { column, schemaOf } from '../kernels/rows.js';
import { runTransform, schemaText } from '../support/transform-harness.js';

// ---- building batches --------------------------------------------------------

/** One batch of `rows`, cut into slices of `batchRows` rows. */
function slicedBatches(schema: Schema, rows: readonly Record<string, unknown>[], batchRows: number): RecordBatch[] {
  const whole = makeBatch(schema, schema.map((f) => column(f.type, rows.map((r) => r[f.name] ?? null))), rows.length);
  const out: RecordBatch[] = [];
  for (let start = 0; start < rows.length; start += batchRows) out.push(whole.slice(start, Math.min(rows.length, start + batchRows)));
  return out;
}

interface AggregateRun {
  readonly input: SchemaInput;
  readonly groupBy: readonly string[];
  readonly aggregations: readonly Aggregation[];
  readonly rows: readonly Record<string, unknown>[];
  readonly ansi?: boolean;
  readonly batchRows?: number;
}

/** The output rows of Aggregate's local implementation, as JSON values (valueAt). */
async function aggregateRows(run: AggregateRun): Promise<Record<string, JsonValue>[]> {
  const analysed = runTransform(Aggregate, aggregate({ input: 'rows', groupBy: run.groupBy, aggregations: run.aggregations }), { rows: run.input });
  if (!analysed.node) throw new Error(JSON.stringify(analysed.problems));
  const node = analysed.node;
  const inputSchema = schemaOf(run.input);
  const ctx: LocalContext = { ansi: run.ansi ?? false, schemaOf: (id) => (id === 'rows' ? inputSchema : node.schema), droppedColumns: new Map() };
  const batches = slicedBatches(inputSchema, run.rows, run.batchRows ?? 3);
  async function* input() {
    yield* batches;
  }
  const out: Record<string, JsonValue>[] = [];
  for await (const batch of Aggregate.local!(node as never, [input()], ctx)) out.push(...batchRows(batch, node.schema));
  return out;
}

// ---- the cases -----------------------------------------------------------------

interface Case {
  /** What the case shows. */
  readonly rule: string;
  readonly fn: AggFn;
  /** The column's type (Hive syntax), or '*' for count of rows. */
  readonly type: string;
  readonly values: readonly unknown[];
  /** The expected result as a JSON value (BIGINT and decimals as strings, NaN and infinities as strings), or an error class. */
  readonly expected: JsonValue | { readonly error: string };
  readonly ansi?: boolean;
  /** A relative tolerance for a DOUBLE result (otherwise doubles must match to the bit). */
  readonly tolerance?: number;
}

const MAX_LONG = '9223372036854775807';
const MIN_LONG = '-9223372036854775808';
const NINES_38 = '9'.repeat(38);

const CASES: readonly Case[] = [
  // count
  { rule: 'count(column) counts non-NULL values', fn: 'count', type: 'int', values: [1, null, 3], expected: '2' },
  { rule: "count('*') counts rows, NULLs included", fn: 'count', type: '*', values: [1, null, 3], expected: '3' },
  { rule: 'count of no rows is 0, not NULL', fn: 'count', type: 'int', values: [], expected: '0' },
  { rule: "count('*') of no rows is 0", fn: 'count', type: '*', values: [], expected: '0' },
  { rule: 'count of only NULLs is 0', fn: 'count', type: 'string', values: [null, null], expected: '0' },
  { rule: 'count counts empty strings', fn: 'count', type: 'string', values: ['a', null, ''], expected: '2' },
  { rule: 'count counts a struct that is not NULL, even with NULL fields', fn: 'count', type: 'struct<a:int>', values: [{ a: null }, null], expected: '1' },
  // countDistinct
  { rule: 'countDistinct skips NULLs', fn: 'countDistinct', type: 'int', values: [1, 1, 2, null], expected: '2' },
  { rule: 'countDistinct: NaN equals NaN and -0.0 equals 0.0', fn: 'countDistinct', type: 'double', values: [NaN, NaN, 0, -0, null], expected: '2' },
  { rule: 'countDistinct compares strings by bytes (case-sensitive)', fn: 'countDistinct', type: 'string', values: ['a', 'A', 'a', null], expected: '2' },
  { rule: 'countDistinct of no rows is 0', fn: 'countDistinct', type: 'int', values: [], expected: '0' },
  { rule: 'countDistinct of decimals by value', fn: 'countDistinct', type: 'decimal(5,2)', values: ['1.10', '1.1', '2.00'], expected: '2' },
  // sum
  { rule: 'sum skips NULLs', fn: 'sum', type: 'int', values: [1, 2, null], expected: '3' },
  { rule: 'sum of only NULLs is NULL', fn: 'sum', type: 'int', values: [null, null], expected: null },
  { rule: 'sum of no rows is NULL', fn: 'sum', type: 'int', values: [], expected: null },
  { rule: 'sum of INT is BIGINT: no INT overflow', fn: 'sum', type: 'int', values: [2147483647, 2147483647], expected: '4294967294' },
  { rule: 'sum of TINYINT is BIGINT', fn: 'sum', type: 'tinyint', values: [127, 127], expected: '254' },
  { rule: 'sum of BIGINT wraps on overflow with ANSI off', fn: 'sum', type: 'bigint', values: [MAX_LONG, '1'], expected: MIN_LONG },
  { rule: 'a wrapped BIGINT sum can come back', fn: 'sum', type: 'bigint', values: [MAX_LONG, '1', '-1'], expected: MAX_LONG },
  { rule: 'sum of BIGINT raises ARITHMETIC_OVERFLOW with ANSI on', fn: 'sum', type: 'bigint', values: [MAX_LONG, '1'], ansi: true, expected: { error: 'ARITHMETIC_OVERFLOW' } },
  { rule: 'a BIGINT sum within range with ANSI on', fn: 'sum', type: 'bigint', values: [MAX_LONG, '-1', '1'], ansi: true, expected: MAX_LONG },
  { rule: 'sum of large BIGINTs stays exact', fn: 'sum', type: 'bigint', values: ['9007199254740993', '2'], expected: '9007199254740995' },
  { rule: 'sum of DOUBLE adds in input order', fn: 'sum', type: 'double', values: [0.1, 0.2], expected: 0.30000000000000004 },
  { rule: 'sum of DOUBLE propagates NaN', fn: 'sum', type: 'double', values: [NaN, 1], expected: 'NaN' },
  { rule: 'sum of DOUBLE overflows to Infinity, no error even with ANSI on', fn: 'sum', type: 'double', values: [1.7976931348623157e308, 1.7976931348623157e308], ansi: true, expected: 'Infinity' },
  { rule: 'sum of FLOAT is DOUBLE', fn: 'sum', type: 'float', values: [1.5, 2.25], expected: 3.75 },
  { rule: 'sum of DECIMAL(12,2) is exact', fn: 'sum', type: 'decimal(12,2)', values: ['1.10', '2.25', null, '-0.05'], expected: '3.30' },
  { rule: 'sum of DECIMAL(5,2) widens to DECIMAL(15,2)', fn: 'sum', type: 'decimal(5,2)', values: ['999.99', '999.99', '999.99'], expected: '2999.97' },
  { rule: 'sum of DECIMAL beyond 38 digits is NULL with ANSI off', fn: 'sum', type: 'decimal(38,0)', values: [NINES_38, '1'], expected: null },
  { rule: 'a DECIMAL sum that overflowed stays NULL', fn: 'sum', type: 'decimal(38,0)', values: [NINES_38, '1', '-1'], expected: null },
  { rule: 'sum of DECIMAL overflow raises ARITHMETIC_OVERFLOW with ANSI on', fn: 'sum', type: 'decimal(38,0)', values: [NINES_38, '1'], ansi: true, expected: { error: 'ARITHMETIC_OVERFLOW' } },
  { rule: 'sum of wide DECIMALs within range', fn: 'sum', type: 'decimal(38,10)', values: ['1234567890123456789012345678.0123456789', '0.0000000001'], expected: '1234567890123456789012345678.0123456790' },
  // sumDistinct
  { rule: 'sumDistinct adds each distinct value once', fn: 'sumDistinct', type: 'int', values: [1, 1, 2, null], expected: '3' },
  { rule: 'sumDistinct of decimals', fn: 'sumDistinct', type: 'decimal(4,1)', values: ['1.5', '1.5', '2.0'], expected: '3.5' },
  { rule: 'sumDistinct of only NULLs is NULL', fn: 'sumDistinct', type: 'int', values: [null], expected: null },
  { rule: 'sumDistinct treats NaNs as one value', fn: 'sumDistinct', type: 'double', values: [NaN, NaN, 1], expected: 'NaN' },
  // avg
  { rule: 'avg of INT is DOUBLE', fn: 'avg', type: 'int', values: [1, 2, null], expected: 1.5 },
  { rule: 'avg of no rows is NULL', fn: 'avg', type: 'int', values: [], expected: null },
  { rule: 'avg of BIGINT sums as doubles (2^53+1 rounds)', fn: 'avg', type: 'bigint', values: ['9007199254740993', '9007199254740993'], expected: 9007199254740992 },
  { rule: 'avg of DECIMAL(10,2) is DECIMAL(14,6), HALF_UP', fn: 'avg', type: 'decimal(10,2)', values: ['1.00', '2.00', '2.00'], expected: '1.666667' },
  { rule: 'avg of DECIMAL(10,0) is DECIMAL(14,4)', fn: 'avg', type: 'decimal(10,0)', values: ['1', '2'], expected: '1.5000' },
  { rule: 'avg of DECIMAL rounds halves away from zero', fn: 'avg', type: 'decimal(3,2)', values: ['-0.01', '-0.01', '0.00'], expected: '-0.006667' },
  { rule: 'avg of DECIMAL: an exact half rounds up (HALF_UP, not HALF_EVEN)', fn: 'avg', type: 'decimal(1,0)', values: [1, ...Array<number>(31).fill(0)], expected: '0.0313' },
  {
    rule: 'avg of DECIMAL rounds twice, to 38 places then to the result scale',
    fn: 'avg',
    type: 'decimal(34,33)',
    values: [`0.${'0'.repeat(32)}2`, ...Array<string>(12).fill('0')],
    expected: `0.${'0'.repeat(33)}1539`,
  },
  { rule: 'avg of DECIMAL beyond the result precision is NULL with ANSI off', fn: 'avg', type: 'decimal(38,0)', values: [`1${'0'.repeat(35)}`], expected: null },
  { rule: 'avg of DECIMAL beyond the result precision raises with ANSI on', fn: 'avg', type: 'decimal(38,0)', values: [`1${'0'.repeat(35)}`], ansi: true, expected: { error: 'NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION' } },
  { rule: 'avg of DECIMAL whose sum overflowed is NULL with ANSI off', fn: 'avg', type: 'decimal(38,0)', values: [NINES_38, NINES_38], expected: null },
  { rule: 'avg of DECIMAL whose sum overflowed raises with ANSI on', fn: 'avg', type: 'decimal(38,0)', values: [NINES_38, NINES_38], ansi: true, expected: { error: 'ARITHMETIC_OVERFLOW' } },
  // min and max
  { rule: 'max skips NULLs', fn: 'max', type: 'int', values: [1, null, 3, 2], expected: 3 },
  { rule: 'min of no rows is NULL', fn: 'min', type: 'int', values: [], expected: null },
  { rule: 'min of only NULLs is NULL', fn: 'min', type: 'string', values: [null, null], expected: null },
  { rule: 'NaN is the greatest double', fn: 'max', type: 'double', values: [1, NaN, 2], expected: 'NaN' },
  { rule: 'min ignores NaN unless it is all there is', fn: 'min', type: 'double', values: [1, NaN, -Infinity], expected: '-Infinity' },
  { rule: 'NaN is the greatest float', fn: 'max', type: 'float', values: [1.5, NaN], expected: 'NaN' },
  { rule: 'max of BIGINT', fn: 'max', type: 'bigint', values: [MIN_LONG, MAX_LONG, '0'], expected: MAX_LONG },
  { rule: 'strings order by UTF-8 bytes: uppercase first', fn: 'min', type: 'string', values: ['b', 'a', 'é', 'Z'], expected: 'Z' },
  { rule: 'strings order by UTF-8 bytes: é after z', fn: 'max', type: 'string', values: ['a', 'é', 'z'], expected: 'é' },
  { rule: 'a prefix orders first', fn: 'min', type: 'string', values: ['ab', 'a', 'abc'], expected: 'a' },
  { rule: 'booleans: true is the max', fn: 'max', type: 'boolean', values: [false, null, true], expected: true },
  { rule: 'booleans: false is the min', fn: 'min', type: 'boolean', values: [true, false, null], expected: false },
  { rule: 'dates in time order', fn: 'max', type: 'date', values: ['2024-01-31', '2023-12-31', '1969-07-20'], expected: '2024-01-31' },
  { rule: 'timestamps in time order, before 1970 included', fn: 'min', type: 'timestamp', values: ['2024-01-31T10:00:00Z', '1969-12-31T23:59:59Z'], expected: '1969-12-31T23:59:59.000000Z' },
  { rule: 'decimals by value', fn: 'max', type: 'decimal(12,2)', values: ['-1.50', '2.25', '2.20'], expected: '2.25' },
  { rule: 'negative decimals by value', fn: 'min', type: 'decimal(38,2)', values: ['-1.50', '2.25', '-100000000000000000000.00'], expected: '-100000000000000000000.00' },
  { rule: 'structs field by field, a NULL field first', fn: 'max', type: 'struct<a:int,b:string>', values: [{ a: 1, b: 'z' }, { a: 2, b: null }, { a: 2, b: 'a' }, null], expected: { a: 2, b: 'a' } },
  { rule: 'structs: min takes the NULL field', fn: 'min', type: 'struct<a:int,b:string>', values: [{ a: 2, b: 'a' }, { a: 2, b: null }], expected: { a: 2, b: null } },
  { rule: 'arrays element by element, then by length', fn: 'max', type: 'array<int>', values: [[1, 2], [1], [1, null], [0, 5]], expected: [1, 2] },
  { rule: 'arrays: a NULL element orders first', fn: 'min', type: 'array<int>', values: [[1, 2], [1, null], [1, 3]], expected: [1, null] },
  { rule: 'arrays: the shorter prefix is the min', fn: 'min', type: 'array<string>', values: [['a', 'b'], ['a']], expected: ['a'] },
  // first and last
  { rule: 'first takes the first row even when it is NULL', fn: 'first', type: 'int', values: [null, 2, 3], expected: null },
  { rule: 'first of strings', fn: 'first', type: 'string', values: ['x', null, 'y'], expected: 'x' },
  { rule: 'last takes the last row even when it is NULL', fn: 'last', type: 'int', values: [1, 2, null], expected: null },
  { rule: 'last of structs', fn: 'last', type: 'struct<a:int>', values: [{ a: 1 }, { a: 2 }], expected: { a: 2 } },
  { rule: 'first of no rows is NULL', fn: 'first', type: 'int', values: [], expected: null },
  // central moments. Spark's documentation examples ran `SELECT f(col) FROM VALUES ...` in
  // local mode, where each row gets its own partition and the partial moments are merged
  // with CentralMomentAgg's merge formulas; gluekit updates one value at a time, as one
  // Spark task over all the rows does. The two agree to about 1e-15 (relative), which is
  // what the doc cases check; the single-pass cases below them are exact, their values
  // computed independently from Spark's update formulas (a Python transcription of
  // CentralMomentAgg.updateExpressions).
  { rule: 'stddev_pop (Spark doc example)', fn: 'stddev_pop', type: 'int', values: [1, 2, 3], expected: 0.816496580927726 },
  { rule: 'stddev_samp (Spark doc example)', fn: 'stddev_samp', type: 'int', values: [1, 2, 3], expected: 1.0 },
  { rule: 'var_pop (Spark doc example)', fn: 'var_pop', type: 'int', values: [1, 2, 3], expected: 0.6666666666666666 },
  { rule: 'var_samp (Spark doc example)', fn: 'var_samp', type: 'int', values: [1, 2, 3], expected: 1.0 },
  { rule: 'skewness (Spark doc example)', fn: 'skewness', type: 'int', values: [-10, -20, 100, 1000], expected: 1.1135657469022011 },
  { rule: 'skewness (Spark doc example, mirrored; Spark merged per-row partials)', fn: 'skewness', type: 'int', values: [-1000, -100, 10, 20], expected: -1.1135657469022011, tolerance: 1e-14 },
  { rule: 'skewness, single pass (exact)', fn: 'skewness', type: 'int', values: [-1000, -100, 10, 20], expected: -1.113565746902201 },
  { rule: 'kurtosis is excess kurtosis (Spark doc example; Spark merged per-row partials)', fn: 'kurtosis', type: 'int', values: [-10, -20, 100, 1000], expected: -0.7014368047529627, tolerance: 1e-14 },
  { rule: 'kurtosis, single pass (exact)', fn: 'kurtosis', type: 'int', values: [-10, -20, 100, 1000], expected: -0.7014368047529609 },
  { rule: 'kurtosis (Spark doc example; Spark merged per-row partials)', fn: 'kurtosis', type: 'int', values: [1, 10, 100, 10, 1], expected: 0.19432323191699075, tolerance: 1e-14 },
  { rule: 'kurtosis, single pass (exact)', fn: 'kurtosis', type: 'int', values: [1, 10, 100, 10, 1], expected: 0.19432323191698986 },
  { rule: 'var_samp of one value is NULL (legacy.statisticalAggregate=false)', fn: 'var_samp', type: 'int', values: [5, null], expected: null },
  { rule: 'stddev_samp of one value is NULL', fn: 'stddev_samp', type: 'double', values: [5], expected: null },
  { rule: 'var_pop of one value is 0', fn: 'var_pop', type: 'int', values: [5], expected: 0 },
  { rule: 'stddev_pop of no rows is NULL', fn: 'stddev_pop', type: 'int', values: [], expected: null },
  { rule: 'skewness of equal values is NULL (m2 = 0)', fn: 'skewness', type: 'int', values: [3, 3, 3], expected: null },
  { rule: 'kurtosis of one value is NULL', fn: 'kurtosis', type: 'double', values: [7], expected: null },
  { rule: 'a NaN makes the variance NaN', fn: 'var_samp', type: 'double', values: [1, NaN, 2], expected: 'NaN' },
  { rule: 'decimals are cast to double', fn: 'stddev_samp', type: 'decimal(5,1)', values: ['1.0', '2.0', '3.0'], expected: 1.0 },
  { rule: 'BIGINTs are cast to double', fn: 'var_pop', type: 'bigint', values: ['1', '3'], expected: 1.0 },
];

/** Group "b"'s rows, interleaved with the case's: NULLs only, so they cannot leak into group "a"'s result. */
function interleaved(values: readonly unknown[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  values.forEach((v, i) => {
    if (i % 2 === 0) rows.push({ g: 'b', v: null });
    rows.push({ g: 'a', v });
  });
  rows.push({ g: 'b', v: null });
  return rows;
}

const outputOf = (c: Case): Aggregation => ({ fn: c.fn, column: c.type === '*' ? '*' : 'v', as: 'result' });
const inputOf = (c: Case): SchemaInput => ({ g: 'string', v: c.type === '*' ? 'int' : c.type });

async function expectCase(c: Case, run: () => Promise<Record<string, JsonValue>[]>, pick: (rows: Record<string, JsonValue>[]) => JsonValue | undefined): Promise<void> {
  if (typeof c.expected === 'object' && c.expected !== null && 'error' in c.expected) {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SparkRuntimeError);
    expect((error as SparkRuntimeError).errorClass).toBe(c.expected.error);
    return;
  }
  const got = pick(await run());
  if (c.tolerance !== undefined) {
    expect(Math.abs((got as number) - (c.expected as number))).toBeLessThanOrEqual(Math.abs(c.expected as number) * c.tolerance);
    return;
  }
  // Object.is tells -0 from 0; toEqual compares the rest (structs, arrays).
  if (typeof c.expected === 'number') expect(Object.is(got, c.expected) || got === c.expected).toBe(true);
  expect(got).toEqual(c.expected);
}

describe('Aggregate semantics (local runner, Spark rules)', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES.map((c) => [`${c.fn}(${c.type})${c.ansi ? ' [ANSI]' : ''}: ${c.rule}`, c] as const))('%s', async (_name, c) => {
    // As a global aggregate: exactly one row.
    await expectCase(
      c,
      () => aggregateRows({ input: inputOf(c), groupBy: [], aggregations: [outputOf(c)], rows: c.values.map((v) => ({ g: 'a', v })), ansi: c.ansi ?? false }),
      (rows) => {
        expect(rows).toHaveLength(1);
        return rows[0]!['result'];
      },
    );
    // As one group among others (none when there are no values: then there is no row).
    if (c.values.length === 0) return;
    await expectCase(
      c,
      () => aggregateRows({ input: inputOf(c), groupBy: ['g'], aggregations: [outputOf(c)], rows: interleaved(c.values), ansi: c.ansi ?? false }),
      (rows) => {
        expect(rows.map((r) => r['g'])).toEqual(['b', 'a']);
        return rows[1]!['result'];
      },
    );
  });

  it('a sum of -0.0 alone is 0.0 (Spark adds it to 0.0)', async () => {
    const [row] = await aggregateRows({ input: { v: 'double' }, groupBy: [], aggregations: [{ fn: 'sum', column: 'v' }], rows: [{ v: -0 }] });
    expect(Object.is(row!['sum_v'], 0)).toBe(true);
  });

  it('max keeps the first of equal values (-0.0 before 0.0), as Greatest does', async () => {
    const [row] = await aggregateRows({
      input: { v: 'double' },
      groupBy: [],
      aggregations: [
        { fn: 'max', column: 'v', as: 'max' },
        { fn: 'min', column: 'v', as: 'min' },
      ],
      rows: [{ v: -0 }, { v: 0 }],
    });
    expect(Object.is(row!['max'], -0)).toBe(true);
    expect(Object.is(row!['min'], -0)).toBe(true);
  });

  it('output types follow Spark: BIGINT counts, widened sums, DOUBLE moments', () => {
    const types = schemaText(
      runTransform(
        Aggregate,
        aggregate({
          input: 'rows',
          groupBy: [],
          aggregations: [
            { fn: 'sum', column: 'd', as: 's' },
            { fn: 'avg', column: 'd', as: 'a' },
            { fn: 'kurtosis', column: 'd', as: 'k' },
            { fn: 'count', column: 'd', as: 'c' },
          ],
        }),
        { rows: { d: 'decimal(36,2)' } },
      ).node,
    );
    expect(types).toEqual(['s: decimal(38,2)?', 'a: decimal(38,6)?', 'k: double?', 'c: bigint']);
  });
});
