/**
 * SparkSQL run locally on DuckDB (local-runner/sql), end to end: jobs built here, rows
 * given in the test, through runLocally (and the executor on sliced batches), checked
 * against what Spark on Glue returns for the same query.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSchema, type Schema } from '../../catalog/schema.js';
import { ProblemList } from '../../core/problems.js';
import { aggregate, s3Sink, s3Source, sparkSql, type GlueVersion, type SchemaInput } from '../../index.js';
import { runSparkSql } from '../../local-runner/sql/duckdb-session.js';
import { substringSql } from '../../kernels/functions.js';
import { rowsToBatches, runLocally, tableRows, type Row } from '../../local-runner/testing.js';
import { expectJobRows, orderedRows, testJob, type Inputs } from './harness.js';

const orders = { order_id: 'int', customer_id: 'int', amount: 'decimal(10,2)', status: 'string', placed_at: 'timestamp' };
const customers = { customer_id: 'int', name: 'string' };

interface JobOptions {
  readonly glueVersion?: GlueVersion;
  readonly sources?: Readonly<Record<string, SchemaInput>>;
  readonly aliases?: Readonly<Record<string, string>>;
}

/** A job reading `orders` and `customers` (as o and c), running `query` into the sink `out` (on Glue 6.0, ANSI mode on, unless told). */
function sqlJob(query: string, schema: SchemaInput, options: JobOptions = {}) {
  const sources = options.sources ?? { orders, customers };
  return testJob({
    ...(options.glueVersion && { glueVersion: options.glueVersion }),
    sources: Object.fromEntries(Object.entries(sources).map(([id, s]) => [id, s3Source({ path: `s3://test-in/${id}/`, format: 'json', schema: s })])),
    transforms: { q: sparkSql({ inputs: options.aliases ?? { o: 'orders', c: 'customers' }, query, schema }) },
    sinks: { out: s3Sink({ input: 'q', path: 's3://test-out/q/', format: 'json' }) },
  });
}

const shop: Inputs = {
  orders: [
    { order_id: 1, customer_id: 10, amount: '12.50', status: 'PAID', placed_at: '2024-01-31 10:00:00' },
    { order_id: 2, customer_id: 10, amount: '7.25', status: 'PAID', placed_at: '2024-02-01 09:30:00' },
    { order_id: 3, customer_id: 20, amount: '100.00', status: 'NEW', placed_at: null },
    { order_id: 4, customer_id: 30, amount: null, status: 'PAID', placed_at: '1969-12-31 23:59:59.999999' },
  ],
  customers: [
    { customer_id: 10, name: 'ann' },
    { customer_id: 20, name: 'bob' },
  ],
};

async function failure(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the run to fail');
}

describe('SparkSQL locally', () => {
  it('joins two inputs', async () => {
    const job = sqlJob('SELECT o.order_id, c.name, o.amount FROM o JOIN c ON o.customer_id = c.customer_id', { order_id: 'int', name: 'string', amount: 'decimal(10,2)' });
    await expectJobRows(job, shop, {
      out: [
        { order_id: 1, name: 'ann', amount: '12.50' },
        { order_id: 2, name: 'ann', amount: '7.25' },
        { order_id: 3, name: 'bob', amount: '100.00' },
      ],
    });
  });

  it('groups, summing decimals exactly (decimal(p+10,s)) and averaging them as Spark does (decimal(p+4,s+4))', async () => {
    const job = sqlJob('SELECT status, sum(amount) AS total, avg(amount) AS mean, count(*) AS n, count(amount) AS priced FROM o GROUP BY status', {
      status: 'string',
      total: 'decimal(20,2)',
      mean: 'decimal(14,6)',
      n: 'bigint',
      priced: 'bigint',
    });
    await expectJobRows(job, shop, {
      out: [
        { status: 'PAID', total: '19.75', mean: '9.875000', n: 3, priced: 2 },
        { status: 'NEW', total: '100.00', mean: '100.000000', n: 1, priced: 1 },
      ],
    });
  });

  it('sorts NULLs first ascending and last descending, as Spark does (DuckDB would put them last)', async () => {
    const schema = { order_id: 'int', placed_at: 'timestamp' };
    const ascending = await orderedRows(sqlJob('SELECT order_id, placed_at FROM o ORDER BY placed_at', schema), shop, 'out');
    expect(ascending.map((r) => (r as { order_id: number }).order_id)).toEqual([3, 4, 1, 2]);
    const descending = await orderedRows(sqlJob('SELECT order_id, placed_at FROM o ORDER BY placed_at DESC', schema), shop, 'out');
    expect(descending.map((r) => (r as { order_id: number }).order_id)).toEqual([2, 1, 4, 3]);
    const stated = await orderedRows(sqlJob('SELECT order_id, placed_at FROM o ORDER BY placed_at ASC NULLS LAST', schema), shop, 'out');
    expect(stated.map((r) => (r as { order_id: number }).order_id)).toEqual([4, 1, 2, 3]);
  });

  it('makes an invalid cast NULL with ANSI mode off (Glue 5.0)', async () => {
    const job = sqlJob('SELECT order_id, CAST(status AS INT) AS code FROM o WHERE order_id < 3', { order_id: 'int', code: 'int' }, { glueVersion: '5.0' });
    await expectJobRows(job, shop, { out: [{ order_id: 1, code: null }, { order_id: 2, code: null }] });
  });

  it('fails an invalid cast with ANSI mode on (Glue 6.0), with Spark’s error', async () => {
    const job = sqlJob('SELECT order_id, CAST(status AS INT) AS code FROM o', { order_id: 'int', code: 'int' }, { glueVersion: '6.0' });
    const error = await failure(runLocally(job, { inputs: shop }));
    expect(error.message).toMatch(/^node "q": \[CAST_INVALID_INPUT\] The value 'PAID' of the type "STRING" cannot be cast to "INT" because it is malformed/);
  });

  it('refuses a construct it does not run, naming it and the node', async () => {
    const job = sqlJob('SELECT order_id, tag FROM o LATERAL VIEW explode(array(status)) t AS tag', { order_id: 'int', tag: 'string' });
    const error = await failure(runLocally(job, { inputs: shop }));
    expect(error.message).toBe('node "q": unsupported in local SparkSQL: LATERAL VIEW (node "q")');
  });

  it('computes what Spark computes where DuckDB alone would not', async () => {
    const job = sqlJob(
      `SELECT CAST(2.7 AS INT) AS truncated, CAST(-2.7D AS INT) AS truncated_double, substring('abc', 0, 2) AS from_zero, substring('abc', 2, -1) AS negative_length,
              upper('Straße') AS upper_sharp_s, concat('a', NULL) AS concat_null, round(2.675D, 2) AS rounded, 1.00 / 3 AS third, 1D / 0 AS by_zero,
              'it''s' AS adjacent, 7 / 2 AS halves, -7 % 2 AS remainder, 7 DIV -2 AS quotient, CAST('2024-1-5' AS DATE) AS lenient_date`,
      {
        truncated: 'int', truncated_double: 'int', from_zero: 'string', negative_length: 'string', upper_sharp_s: 'string', concat_null: 'string',
        rounded: 'double', third: 'decimal(10,6)', by_zero: 'double', adjacent: 'string', halves: 'double', remainder: 'int', quotient: 'bigint', lenient_date: 'date',
      },
      { glueVersion: '5.0' },
    );
    await expectJobRows(job, shop, {
      out: [
        {
          truncated: 2, truncated_double: -2, from_zero: 'ab', negative_length: '', upper_sharp_s: 'STRASSE', concat_null: null,
          rounded: 2.68, third: '0.333333', by_zero: null, adjacent: 'its', halves: 3.5, remainder: -1, quotient: -3, lenient_date: '2024-01-05',
        },
      ],
    });
  });

  it('reads timestamps as instants and takes their parts in UTC', async () => {
    const job = sqlJob(
      "SELECT order_id, placed_at, hour(placed_at) AS h, date_trunc('month', placed_at) AS month, datediff(placed_at, '2024-01-01') AS days, date_add(placed_at, 1) AS next_day FROM o WHERE placed_at IS NOT NULL",
      { order_id: 'int', placed_at: 'timestamp', h: 'int', month: 'timestamp', days: 'int', next_day: 'date' },
    );
    await expectJobRows(job, shop, {
      out: [
        { order_id: 1, placed_at: '2024-01-31 10:00:00', h: 10, month: '2024-01-01 00:00:00', days: 30, next_day: '2024-02-01' },
        { order_id: 2, placed_at: '2024-02-01 09:30:00', h: 9, month: '2024-02-01 00:00:00', days: 31, next_day: '2024-02-02' },
        { order_id: 4, placed_at: '1969-12-31 23:59:59.999999', h: 23, month: '1969-12-01 00:00:00', days: -19724, next_day: '1970-01-01' },
      ],
    });
  });

  it('runs WITH, window functions and UNION ALL', async () => {
    const job = sqlJob(
      `WITH ranked AS (
         SELECT customer_id, order_id, row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS rn,
                sum(amount) OVER (PARTITION BY customer_id) AS customer_total
         FROM o
       )
       SELECT customer_id, order_id, customer_total FROM ranked WHERE rn = 1
       UNION ALL
       SELECT customer_id, NULL, NULL FROM c WHERE customer_id NOT IN (SELECT customer_id FROM o)`,
      { customer_id: 'int', order_id: 'int', customer_total: 'decimal(20,2)' },
      { sources: { orders, customers }, aliases: { o: 'orders', c: 'customers' } },
    );
    const inputs = { ...shop, customers: [...shop.customers!, { customer_id: 40, name: 'cy' }] };
    await expectJobRows(job, inputs, {
      out: [
        { customer_id: 10, order_id: 1, customer_total: '19.75' },
        { customer_id: 20, order_id: 3, customer_total: '100.00' },
        { customer_id: 30, order_id: 4, customer_total: null },
        { customer_id: 40, order_id: null, customer_total: null },
      ],
    });
  });

  it('reads one input under two aliases (a self join)', async () => {
    const job = sqlJob(
      'SELECT a.order_id AS first_id, b.order_id AS next_id FROM a JOIN b ON a.customer_id = b.customer_id AND a.order_id < b.order_id',
      { first_id: 'int', next_id: 'int' },
      { aliases: { a: 'orders', b: 'orders' }, sources: { orders } },
    );
    await expectJobRows(job, { orders: shop.orders! }, { out: [{ first_id: 1, next_id: 2 }] });
  });

  it('casts the result to the declared types, matching names as Spark does (ignoring case)', async () => {
    const job = sqlJob('SELECT order_id AS ID, amount AS Amount, order_id * 2 AS doubled FROM o WHERE order_id = 1', { id: 'string', amount: 'double', doubled: 'decimal(5,1)' });
    await expectJobRows(job, shop, { out: [{ id: '1', amount: 12.5, doubled: '2.0' }] });
  });

  it('fails when the declared schema and the result differ, naming the node and the column', async () => {
    const missing = sqlJob('SELECT order_id FROM o', { order_id: 'int', amount: 'decimal(10,2)' });
    expect((await failure(runLocally(missing, { inputs: shop }))).message).toBe(
      'node "q": declared column amount is not in the query\'s result; the query returns order_id (node "q")',
    );
    const extra = sqlJob('SELECT order_id, status FROM o', { order_id: 'int' });
    expect((await failure(runLocally(extra, { inputs: shop }))).message).toBe(
      'node "q": the query returns column status, which the declared schema does not have; declare it or leave it out of the query (node "q")',
    );
  });

  it('makes a division by zero NULL with ANSI mode off and DIVIDE_BY_ZERO with it on', async () => {
    const query = 'SELECT order_id, order_id / (order_id - 1) AS ratio, amount / (order_id - 1) AS share FROM o WHERE order_id = 1';
    const schema = { order_id: 'int', ratio: 'double', share: 'decimal(20,6)' };
    await expectJobRows(sqlJob(query, schema, { glueVersion: '5.0' }), shop, { out: [{ order_id: 1, ratio: null, share: null }] });
    const error = await failure(runLocally(sqlJob(query, schema, { glueVersion: '6.0' }), { inputs: shop }));
    expect(error.message).toMatch(/^node "q": \[DIVIDE_BY_ZERO\] Division by zero\./);
  });

  it('stops on an integer overflow that Spark with ANSI mode off would wrap around', async () => {
    const job = (glueVersion: GlueVersion) => sqlJob('SELECT order_id * 2147483647 AS big FROM o', { big: 'int' }, { glueVersion });
    const off = await failure(runLocally(job('5.0'), { inputs: shop }));
    expect(off.message).toMatch(/^node "q": Overflow in multiplication of INT32 \(2 \* 2147483647\)!: an overflow, where Spark with ANSI mode off does not fail \(it wraps around, saturates or gives NULL\); the local runner stops instead/);
    const on = await failure(runLocally(job('6.0'), { inputs: shop }));
    expect(on.message).toMatch(/^node "q": \[ARITHMETIC_OVERFLOW\] Overflow in multiplication of INT32/);
  });
});

describe('SparkSQL agrees with gluekit’s own kernels', () => {
  it('sums and averages decimals as the Aggregate transform does', async () => {
    const job = testJob({
      glueVersion: '5.0',
      sources: { orders: s3Source({ path: 's3://test-in/orders/', format: 'json', schema: orders }) },
      transforms: {
        bySql: sparkSql({
          inputs: { o: 'orders' },
          query: 'SELECT customer_id, sum(amount) AS total, avg(amount) AS mean, max(amount) AS top FROM o GROUP BY customer_id',
          schema: { customer_id: 'int', total: 'decimal(20,2)', mean: 'decimal(14,6)', top: 'decimal(10,2)' },
        }),
        byAggregate: aggregate({
          input: 'orders',
          groupBy: ['customer_id'],
          aggregations: [
            { fn: 'sum', column: 'amount', as: 'total' },
            { fn: 'avg', column: 'amount', as: 'mean' },
            { fn: 'max', column: 'amount', as: 'top' },
          ],
        }),
      },
      sinks: {
        sql: s3Sink({ input: 'bySql', path: 's3://test-out/sql/', format: 'json' }),
        kernel: s3Sink({ input: 'byAggregate', path: 's3://test-out/kernel/', format: 'json' }),
      },
    });
    // Thirds and sixths: the averages round, and rounding is where engines differ.
    const amounts = ['1.00', '2.00', '2.00', '0.01', '0.02', '0.02', '99999999.99', '-0.05', null, '33.33', '33.33', '33.34', '0.07'];
    const rows = amounts.map((amount, i) => ({ order_id: i, customer_id: Math.floor(i / 3), amount, status: 'PAID', placed_at: null }));
    const { outputs } = await runLocally(job, { inputs: { orders: rows } });
    const sorted = (table: Table | undefined) => tableRows(table!).sort((a, b) => Number(a.customer_id) - Number(b.customer_id));
    expect(sorted(outputs.sql)).toEqual(sorted(outputs.kernel));
    expect(sorted(outputs.sql).map((r) => r.mean)).toEqual(['1.666667', '0.016667', '49999999.970000', '33.333333', '0.070000']);
  });

  it('takes substrings as Spark does, for every start and length around the string', async () => {
    const cases: string[] = [];
    for (let pos = -6; pos <= 6; pos++) for (let len = -2; len <= 6; len++) cases.push(`substring('héllo', ${pos}, ${len}) AS s_${cases.length}`);
    const declared = Object.fromEntries(cases.map((_, i) => [`s_${i}`, 'string']));
    const job = sqlJob(`SELECT ${cases.join(', ')}`, declared);
    const { outputs } = await runLocally(job, { inputs: shop });
    const [row] = tableRows(outputs.out!);
    let i = 0;
    for (let pos = -6; pos <= 6; pos++) {
      for (let len = -2; len <= 6; len++) {
        expect([pos, len, row![`s_${i}`]]).toEqual([pos, len, substringSql('héllo', pos, len)]);
        i++;
      }
    }
  });

  it('maps case outside ASCII as Java does, and RLIKE stops where Java and RE2 read a pattern differently', async () => {
    const job = sqlJob("SELECT name, upper(name) AS up, lower(name) AS low, name RLIKE '^[a-z]+$' AS plain FROM c", { name: 'string', up: 'string', low: 'string', plain: 'boolean' }, { sources: { customers }, aliases: { c: 'customers' } });
    await expectJobRows(job, { customers: [{ customer_id: 1, name: 'ǆemal straße İ' }, { customer_id: 2, name: 'ann' }] }, {
      out: [
        { name: 'ǆemal straße İ', up: 'ǄEMAL STRASSE İ', low: 'ǆemal straße i̇', plain: false },
        { name: 'ann', up: 'ANN', low: 'ann', plain: true },
      ],
    });
    // Java's $ also matches before a final line terminator; RE2's does not.
    const error = await failure(runLocally(job, { inputs: { customers: [{ customer_id: 1, name: 'ann\n' }] } }));
    expect(error.message).toBe(`node "q": unsupported in local SparkSQL: RLIKE '^[a-z]+$' on a value with line terminators (Java's and DuckDB's regular expressions differ there) (node "q")`);
  });
});

describe('the DuckDB session', () => {
  let parent: string;
  const schema = (input: SchemaInput): Schema => resolveSchema(input, new ProblemList('test.ts', 'test').at('schema', 'schema'))!;
  const ordersSchema = schema(orders);
  async function* batchesOf(rows: readonly Row[]): AsyncIterable<RecordBatch> {
    yield* await rowsToBatches(rows, ordersSchema, { ansi: false }, 'orders');
  }
  const run = (query: string, declared: SchemaInput, extra: Partial<Parameters<typeof runSparkSql>[0]> = {}) =>
    runSparkSql({
      node: 'q',
      query,
      aliases: [{ alias: 'o', id: 'orders' }],
      inputs: [{ id: 'orders', schema: ordersSchema, batches: batchesOf(shop.orders!) }],
      declared: schema(declared),
      ctx: { ansi: false },
      tempParent: parent,
      ...extra,
    });
  async function rowsOf(batches: AsyncIterable<RecordBatch>) {
    const all: RecordBatch[] = [];
    for await (const b of batches) all.push(b);
    return tableRows(new Table(all));
  }

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'gluekit-sql-test-'));
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('removes its temporary directory after a run, and after a failed one', async () => {
    expect(await rowsOf(run('SELECT order_id FROM o WHERE order_id = 2', { order_id: 'int' }))).toEqual([{ order_id: 2 }]);
    expect(await readdir(parent)).toEqual([]);
    await failure(rowsOf(run('SELECT CAST(status AS INT) AS code FROM o', { code: 'int' }, { ctx: { ansi: true } })));
    expect(await readdir(parent)).toEqual([]);
  });

  it('leaves out the columns an input dropped at run time (DropNullFields)', async () => {
    const dropped = (id: string) => (id === 'orders' ? ['placed_at', 'amount'] : undefined);
    const rows = await rowsOf(run('SELECT * FROM o WHERE order_id = 1', { order_id: 'int', customer_id: 'int', status: 'string' }, { droppedColumns: dropped }));
    expect(rows).toEqual([{ order_id: 1, customer_id: 10, status: 'PAID' }]);
    const error = await failure(rowsOf(run('SELECT amount FROM o', { amount: 'decimal(10,2)' }, { droppedColumns: dropped })));
    expect(error.message).toBe('SparkSQL query: unknown column amount (columns: order_id, customer_id, status) (node "q")');
  });
});
