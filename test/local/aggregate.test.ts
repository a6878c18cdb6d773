/**
 * Aggregate's local implementation as a job sees it: small jobs run with runLocally (rows
 * written in the test, read as JSON Lines and cast like a fixture) and, through the
 * shared harness, again with every input cut into slices of a few rows, so the
 * accumulators carry their state across batches and read sliced buffers.
 *
 * Spark's rules per function are in aggregate-semantics.test.ts; here: grouping (NULL
 * keys, NaN and -0.0, nested keys), empty inputs, struct paths, output order, ANSI errors,
 * many groups against a plain reference, and the throughput of a large aggregate.
 */
import { makeData, type Data, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toArrowType } from '../../catalog/arrow.js';
import type { Schema } from '../../catalog/schema.js';
import { t, type GlueType } from '../../catalog/types.js';
import { aggregate, s3Sink, s3Source, type SchemaInput } from '../../index.js';
import { makeBatch } from '../../kernels/batches.js';
import { allValid, fixedData, setDecimal, stringData } from '../../kernels/columns.js';
import { SparkRuntimeError } from '../../kernels/context.js';
import { rowKeys } from '../../kernels/keys.js';
import { RunError } from '../../local-runner/executor.js';
import { expectRows, runLocally, type Row } from '../../local-runner/testing.js';
import { batchRows } from '../../local-runner/values.js';
import { Aggregate, type Aggregation } from '../../transforms/aggregate.js';
import type { LocalContext } from '../../transforms/transform.js';
import { runTransform } from '../support/transform-harness.js';
import { expectJobRows, orderedRows, testJob } from './harness.js';
import { random } from '../kernels/rows.js';

function aggregateJob(schema: SchemaInput, groupBy: readonly string[], aggregations: readonly Aggregation[], glueVersion: '5.0' | '6.0' = '5.0') {
  return testJob({
    glueVersion,
    sources: { rows: s3Source({ path: 's3://test-input/rows/', format: 'json', schema }) },
    transforms: { totals: aggregate({ input: 'rows', groupBy, aggregations }) },
    sinks: { out: s3Sink({ input: 'totals', path: 's3://test-output/totals/', format: 'json' }) },
  });
}

const sales = { day: 'date', region: 'string', store: 'int', amount: 'decimal(12,2)', qty: 'int', customer: 'bigint', note: 'string' };
const saleRows: Row[] = [
  { day: '2024-01-01', region: 'eu', store: 1, amount: '10.00', qty: 1, customer: 7, note: 'b' },
  { day: '2024-01-01', region: 'us', store: 2, amount: '5.50', qty: 2, customer: 8, note: 'a' },
  { day: '2024-01-01', region: 'eu', store: 1, amount: '2.25', qty: null, customer: 7, note: null },
  { day: '2024-01-02', region: null, store: 3, amount: null, qty: 4, customer: 9, note: 'c' },
  { day: '2024-01-01', region: 'eu', store: 4, amount: '-1.00', qty: 3, customer: 10, note: 'a' },
  { day: '2024-01-02', region: null, store: 5, amount: '7.00', qty: 1, customer: null, note: 'z' },
  { day: null, region: 'eu', store: 6, amount: '1.00', qty: 1, customer: 7, note: 'x' },
];

describe('Aggregate (local runner)', () => {
  it('groups by two columns, NULL group values forming groups of their own', async () => {
    const job = aggregateJob(sales, ['day', 'region'], [
      { fn: 'sum', column: 'amount', as: 'revenue' },
      { fn: 'count', column: '*', as: 'rows' },
      { fn: 'count', column: 'qty', as: 'with_qty' },
      { fn: 'countDistinct', column: 'customer', as: 'customers' },
      { fn: 'avg', column: 'amount', as: 'avg_amount' },
      { fn: 'max', column: 'note', as: 'max_note' },
      { fn: 'first', column: 'note', as: 'first_note' },
      { fn: 'last', column: 'store', as: 'last_store' },
    ]);
    await expectJobRows(job, { rows: saleRows }, {
      out: [
        { day: '2024-01-01', region: 'eu', revenue: '11.25', rows: 3, with_qty: 2, customers: 2, avg_amount: '3.750000', max_note: 'b', first_note: 'b', last_store: 4 },
        { day: '2024-01-01', region: 'us', revenue: '5.50', rows: 1, with_qty: 1, customers: 1, avg_amount: '5.500000', max_note: 'a', first_note: 'a', last_store: 2 },
        { day: '2024-01-02', region: null, revenue: '7.00', rows: 2, with_qty: 2, customers: 1, avg_amount: '7.000000', max_note: 'z', first_note: 'c', last_store: 5 },
        { day: null, region: 'eu', revenue: '1.00', rows: 1, with_qty: 1, customers: 1, avg_amount: '1.000000', max_note: 'x', first_note: 'x', last_store: 6 },
      ],
    }, 3);
  });

  it('runs through runLocally with batches of 3 rows', async () => {
    const job = aggregateJob(sales, ['region'], [{ fn: 'sum', column: 'qty' }, { fn: 'min', column: 'day' }]);
    const { outputs } = await runLocally(job, { inputs: { rows: saleRows }, batchRows: 3 });
    await expectRows(outputs['out'], [
      { region: 'eu', sum_qty: 5, min_day: '2024-01-01' },
      { region: 'us', sum_qty: 2, min_day: '2024-01-01' },
      { region: null, sum_qty: 5, min_day: '2024-01-02' },
    ]);
  });

  it('outputs groups in the order of their first row', async () => {
    const job = aggregateJob(sales, ['store'], [{ fn: 'count', column: '*' }]);
    const rows = [{ store: 3 }, { store: 1 }, { store: 3 }, { store: null }, { store: 2 }, { store: 1 }];
    expect(await orderedRows(job, { rows }, 'out')).toEqual([
      { store: 3, count: '2' },
      { store: 1, count: '2' },
      { store: null, count: '1' },
      { store: 2, count: '1' },
    ]);
  });

  it('a global aggregate of no rows is one row: counts 0, the rest NULL', async () => {
    const job = aggregateJob(sales, [], [
      { fn: 'count', column: '*' },
      { fn: 'countDistinct', column: 'customer' },
      { fn: 'sum', column: 'amount' },
      { fn: 'max', column: 'note' },
      { fn: 'stddev_samp', column: 'qty' },
    ]);
    await expectJobRows(job, { rows: [] }, { out: [{ count: 0, countDistinct_customer: 0, sum_amount: null, max_note: null, stddev_samp_qty: null }] });
  });

  it('a grouped aggregate of no rows is no rows', async () => {
    const job = aggregateJob(sales, ['region'], [{ fn: 'count', column: '*' }]);
    await expectJobRows(job, { rows: [] }, { out: [] });
  });

  it('a global aggregate of some rows', async () => {
    const job = aggregateJob(sales, [], [
      { fn: 'sum', column: 'amount' },
      { fn: 'count', column: 'region', as: 'regions' },
      { fn: 'min', column: 'amount' },
      { fn: 'var_pop', column: 'qty' },
    ]);
    // qty: 1, 2, 4, 3, 1, 1 (one NULL): mean 2, squared deviations 1+0+4+1+1+1 = 8, over 6.
    await expectJobRows(job, { rows: saleRows }, { out: [{ sum_amount: '24.75', regions: 5, min_amount: '-1.00', var_pop_qty: 8 / 6 }] });
  });

  it('groups NaN with NaN and -0.0 with 0.0, and outputs the group value normalized (0.0)', async () => {
    // The -0.0 row comes first, but Spark normalizes grouping keys (NormalizeFloatingNumbers),
    // so the group's value is 0.0, as in the Spark 3.0 migration guide's example.
    const job = aggregateJob({ x: 'double', n: 'int', s: 'struct<d:double>' }, ['x', 's'], [{ fn: 'sum', column: 'n' }]);
    const rows = [
      { x: 'NaN', n: 1, s: { d: '-0.0' } },
      { x: '-0.0', n: 2, s: { d: 1 } },
      { x: 0.0, n: 4, s: { d: 1 } },
      { x: 'NaN', n: 8, s: { d: 0 } },
      { x: 1.5, n: 16, s: null },
    ];
    const out = (await orderedRows(job, { rows }, 'out')) as { x: unknown; s: { d: unknown } | null }[];
    expect(out).toEqual([
      { x: 'NaN', s: { d: 0 }, sum_n: '9' },
      { x: 0, s: { d: 1 }, sum_n: '6' },
      { x: 1.5, s: null, sum_n: '16' },
    ]);
    expect(Object.is(out[1]!.x, 0)).toBe(true);
    expect(Object.is(out[0]!.s!.d, 0)).toBe(true);
  });

  it('min, max, first and last keep -0.0 as it is (only group values are normalized)', async () => {
    const job = aggregateJob({ x: 'double' }, [], [
      { fn: 'min', column: 'x' },
      { fn: 'first', column: 'x' },
    ]);
    const out = (await orderedRows(job, { rows: [{ x: '-0.0' }, { x: 0.0 }] }, 'out')) as { min_x: number; first_x: number }[];
    expect(Object.is(out[0]!.min_x, -0)).toBe(true);
    expect(Object.is(out[0]!.first_x, -0)).toBe(true);
  });

  it('groups by struct and array values, NULLs inside them included', async () => {
    const job = aggregateJob({ tags: 'array<string>', who: 'struct<name:string,tier:int>', n: 'int' }, ['tags', 'who'], [{ fn: 'sum', column: 'n' }]);
    const rows = [
      { tags: ['a', null], who: { name: 'ann', tier: null }, n: 1 },
      { tags: ['a', null], who: { name: 'ann', tier: null }, n: 2 },
      { tags: ['a'], who: { name: 'ann', tier: null }, n: 4 },
      { tags: null, who: null, n: 8 },
      { tags: null, who: null, n: 16 },
      { tags: [], who: { name: null, tier: null }, n: 32 },
    ];
    await expectJobRows(job, { rows }, {
      out: [
        { tags: ['a', null], who: { name: 'ann', tier: null }, sum_n: 3 },
        { tags: ['a'], who: { name: 'ann', tier: null }, sum_n: 4 },
        { tags: null, who: null, sum_n: 24 },
        { tags: [], who: { name: null, tier: null }, sum_n: 32 },
      ],
    });
  });

  it('aggregates a field inside a struct, and a column whose name contains a dot', async () => {
    const job = aggregateJob({ customer: 'struct<name:string,tier:int>', 'sale.id': 'bigint' }, [], [
      { fn: 'max', column: 'customer.tier', as: 'top_tier' },
      { fn: 'count', column: 'customer.tier', as: 'tiers' },
      { fn: 'count', column: 'customer', as: 'customers' },
      { fn: 'sum', column: 'sale.id', as: 'ids' },
    ]);
    // A NULL struct makes its fields NULL: the third row's tier does not count.
    const rows = [
      { customer: { name: 'a', tier: 2 }, 'sale.id': 1 },
      { customer: { name: 'b', tier: null }, 'sale.id': 2 },
      { customer: null, 'sale.id': 3 },
      { customer: { name: 'c', tier: 1 }, 'sale.id': null },
    ];
    await expectJobRows(job, { rows }, { out: [{ top_tier: 2, tiers: 2, customers: 3, ids: 6 }] });
  });

  it('keeps the values of every type: min, max, first and last of nested types', async () => {
    const job = aggregateJob({ g: 'int', b: 'boolean', ts: 'timestamp', bin: 'binary', arr: 'array<int>', st: 'struct<a:int,b:string>' }, ['g'], [
      { fn: 'min', column: 'b' },
      { fn: 'max', column: 'ts' },
      { fn: 'max', column: 'bin' },
      { fn: 'max', column: 'arr' },
      { fn: 'min', column: 'st' },
      { fn: 'last', column: 'arr', as: 'last_arr' },
      { fn: 'first', column: 'st', as: 'first_st' },
    ]);
    const rows = [
      { g: 1, b: true, ts: '2024-01-01 10:00:00', bin: 'AQI=', arr: [1, 2], st: { a: 2, b: 'x' } },
      { g: 2, b: null, ts: null, bin: null, arr: null, st: null },
      { g: 1, b: false, ts: '2024-01-01 09:00:00', bin: 'Aw==', arr: [1, 3], st: { a: 1, b: null } },
      { g: 1, b: true, ts: '2025-06-01 00:00:00', bin: 'AQ==', arr: [0], st: { a: 1, b: 'a' } },
    ];
    await expectJobRows(job, { rows }, {
      out: [
        {
          g: 1,
          min_b: false,
          max_ts: '2025-06-01 00:00:00',
          max_bin: 'Aw==',
          max_arr: [1, 3],
          min_st: { a: 1, b: null },
          last_arr: [0],
          first_st: { a: 2, b: 'x' },
        },
        { g: 2, min_b: null, max_ts: null, max_bin: null, max_arr: null, min_st: null, last_arr: null, first_st: null },
      ],
    });
  });

  it('with ANSI on (Glue 6.0), a BIGINT sum overflow fails the run at the aggregate', async () => {
    const job = aggregateJob({ g: 'int', n: 'bigint' }, ['g'], [{ fn: 'sum', column: 'n' }], '6.0');
    const rows = [{ g: 1, n: '9223372036854775807' }, { g: 1, n: 1 }];
    const error = await runLocally(job, { inputs: { rows }, batchRows: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).node).toBe('totals');
    expect((error as RunError).cause).toBeInstanceOf(SparkRuntimeError);
    expect(((error as RunError).cause as SparkRuntimeError).errorClass).toBe('ARITHMETIC_OVERFLOW');
  });

  it('with ANSI off (Glue 5.0), the same sum wraps around', async () => {
    const job = aggregateJob({ g: 'int', n: 'bigint' }, ['g'], [{ fn: 'sum', column: 'n' }], '5.0');
    const rows = [{ g: 1, n: '9223372036854775807' }, { g: 1, n: 1 }];
    await expectJobRows(job, { rows }, { out: [{ g: 1, sum_n: '-9223372036854775808' }] });
  });
});

// ---- direct runs of the local implementation -----------------------------------

/** A column of `type` from plain values (numbers, digit strings for BIGINT and decimals, strings). */
function columnOf(type: GlueType, values: readonly unknown[]): Data {
  const n = values.length;
  const arrow = toArrowType(type);
  const bitmap = allValid(n);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) return;
    bitmap[i >> 3]! &= ~(1 << (i & 7));
    nulls++;
  });
  const fixed = (array: ArrayBufferView) => fixedData(arrow, array, n, bitmap);
  switch (type.kind) {
    case 'int':
    case 'date':
      return fixed(Int32Array.from(values, (v) => Number(v ?? 0)));
    case 'bigint':
      return fixed(BigInt64Array.from(values, (v) => BigInt((v as string | number | null) ?? 0)));
    case 'double':
      return fixed(Float64Array.from(values, (v) => Number(v ?? 0)));
    case 'decimal': {
      const words = new Uint32Array(n * 4);
      values.forEach((v, i) => v !== null && v !== undefined && setDecimal(words, i, BigInt(v as string)));
      return fixed(words);
    }
    case 'string':
      return stringData(arrow, values as (string | null)[]);
    default:
      return makeData({ type: arrow, length: n, nullCount: nulls } as never);
  }
}

function localNode(input: SchemaInput, groupBy: readonly string[], aggregations: readonly Aggregation[]) {
  const analysed = runTransform(Aggregate, { kind: 'Aggregate', input: 'rows', groupBy, aggregations }, { rows: input });
  if (!analysed.node) throw new Error(JSON.stringify(analysed.problems));
  return analysed.node;
}

async function runDirect(node: ReturnType<typeof localNode>, inputSchema: Schema, batches: readonly RecordBatch[]): Promise<RecordBatch[]> {
  const ctx: LocalContext = { ansi: false, schemaOf: (id) => (id === 'rows' ? inputSchema : node.schema), droppedColumns: new Map() };
  async function* input() {
    yield* batches;
  }
  const out: RecordBatch[] = [];
  for await (const batch of Aggregate.local!(node as never, [input()], ctx)) out.push(batch);
  return out;
}

describe('Aggregate (local runner): many groups against a plain reference', () => {
  it('20,000 rows in 5,000 groups, batches of random sizes cut as slices', async () => {
    const next = random(42);
    const n = 20_000;
    const keys = Array.from({ length: n }, () => (next() < 0.02 ? null : `k${Math.floor(next() * 5000)}`));
    const values = Array.from({ length: n }, () => (next() < 0.1 ? null : Math.floor(next() * 2000) - 1000));
    const words = Array.from({ length: n }, () => (next() < 0.1 ? null : `w${Math.floor(next() * 50)}`));
    const node = localNode({ k: 'string', v: 'int', w: 'string' }, ['k'], [
      { fn: 'sum', column: 'v' },
      { fn: 'count', column: 'v' },
      { fn: 'min', column: 'v' },
      { fn: 'max', column: 'w' },
      { fn: 'last', column: 'w' },
      { fn: 'first', column: 'v' },
      { fn: 'countDistinct', column: 'w' },
    ]);
    const schema: Schema = [
      { name: 'k', type: t.string(), nullable: true },
      { name: 'v', type: t.int(), nullable: true },
      { name: 'w', type: t.string(), nullable: true },
    ];
    const whole = makeBatch(schema, [columnOf(t.string(), keys), columnOf(t.int(), values), columnOf(t.string(), words)], n);
    const batches: RecordBatch[] = [];
    for (let start = 0; start < n; ) {
      const size = 1 + Math.floor(next() * 700);
      batches.push(whole.slice(start, Math.min(n, start + size)));
      start += size;
    }

    // The reference: one pass over plain arrays.
    interface Ref {
      sum: number | null;
      count: number;
      min: number | null;
      max: string | null;
      last: string | null;
      first: number | null;
      distinct: Set<string>;
    }
    const reference = new Map<string | null, Ref>();
    keys.forEach((k, i) => {
      let r = reference.get(k);
      if (!r) reference.set(k, (r = { sum: null, count: 0, min: null, max: null, last: null, first: values[i]!, distinct: new Set() }));
      const v = values[i]!;
      const w = words[i]!;
      if (v !== null) {
        r.sum = (r.sum ?? 0) + v;
        r.count++;
        r.min = r.min === null || v < r.min ? v : r.min;
      }
      if (w !== null) {
        r.max = r.max === null || w > r.max ? w : r.max;
        r.distinct.add(w);
      }
      r.last = w;
    });
    const expected = [...reference].map(([k, r]) => ({
      k,
      sum_v: r.sum === null ? null : String(r.sum),
      count_v: String(r.count),
      min_v: r.min,
      max_w: r.max,
      last_w: r.last,
      first_v: r.first,
      countDistinct_w: String(r.distinct.size),
    }));

    const out = await runDirect(node, schema, batches);
    const rows = out.flatMap((b) => batchRows(b, node.schema));
    expect(rows).toEqual(expected);
  });
});

describe('Aggregate (local runner): throughput', () => {
  it('2M rows by (date, string, string) with sum(decimal(12,2)), count and countDistinct', async () => {
    const rows = 2_000_000;
    const batchSize = 65_536;
    const next = random(7);
    const countries = ['DE', 'FR', 'US', 'GB', 'ES', 'IT', 'NL', 'PL', 'SE', 'JP'];
    const segments = ['consumer', 'smb', 'enterprise', 'public', 'partner'];
    const schema: Schema = [
      { name: 'order_date', type: t.date(), nullable: true },
      { name: 'country', type: t.string(), nullable: true },
      { name: 'segment', type: t.string(), nullable: true },
      { name: 'amount', type: t.decimal(12, 2), nullable: true },
      { name: 'customer_id', type: t.bigint(), nullable: true },
    ];
    const batches: RecordBatch[] = [];
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const days = new Int32Array(n);
      const country: string[] = [];
      const segment: string[] = [];
      const amounts = new Uint32Array(n * 4);
      const customers = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        days[i] = 19_723 + Math.floor(next() * 365); // 2024
        country.push(countries[Math.floor(next() * countries.length)]!);
        segment.push(segments[Math.floor(next() * segments.length)]!);
        amounts[i * 4] = Math.floor(next() * 1_000_000); // up to 10,000.00
        customers[i] = BigInt(Math.floor(next() * 200_000));
      }
      batches.push(
        makeBatch(
          schema,
          [
            fixedData(toArrowType(t.date()), days, n),
            stringData(toArrowType(t.string()), country),
            stringData(toArrowType(t.string()), segment),
            fixedData(toArrowType(t.decimal(12, 2)), amounts, n),
            fixedData(toArrowType(t.bigint()), customers, n),
          ],
          n,
        ),
      );
    }
    const node = localNode(
      { order_date: 'date', country: 'string', segment: 'string', amount: 'decimal(12,2)', customer_id: 'bigint' },
      ['order_date', 'country', 'segment'],
      [
        { fn: 'sum', column: 'amount', as: 'revenue' },
        { fn: 'count', column: '*', as: 'orders' },
        { fn: 'countDistinct', column: 'customer_id', as: 'customers' },
      ],
    );

    // CPU time as well as wall time: on a busy machine wall time mostly measures the neighbours.
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    const started = performance.now();
    const cpu = process.cpuUsage();
    const out = await runDirect(node, schema, batches);
    const ms = performance.now() - started;
    const totalCpu = cpuMs(cpu);

    // Where the time goes: the group keys alone (rowKeys over the three group columns).
    const keysCpu = process.cpuUsage();
    for (const b of batches) rowKeys([0, 1, 2].map((c) => b.data.children[c]!), [t.date(), t.string(), t.string()], b.numRows);
    const keysMs = cpuMs(keysCpu);

    const groups = out.reduce((sum, b) => sum + b.numRows, 0);
    const orders = out.flatMap((b) => batchRows(b, node.schema)).reduce((sum, r) => sum + Number(r['orders']), 0);
    expect(orders).toBe(rows);
    expect(groups).toBe(365 * countries.length * segments.length);
    console.log(
      `aggregate: ${rows.toLocaleString('en')} rows into ${groups.toLocaleString('en')} groups in ${ms.toFixed(0)} ms wall, ${totalCpu.toFixed(0)} ms CPU ` +
        `(${((rows / totalCpu) * 1000).toLocaleString('en', { maximumFractionDigits: 0 })} rows per CPU second); rowKeys of the group columns alone: ${keysMs.toFixed(0)} ms CPU`,
    );
  }, 120_000);
});
