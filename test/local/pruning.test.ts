/**
 * Column pruning in the executor (each node outputs only the columns its consumers use)
 * and the fixed-width group keys of kernels/keys.ts (GroupTable), against the plain
 * rowKeys they replace on the aggregate's and the join's hot paths.
 */
import { Bool, DateDay, Decimal, Float64, Int32, Int64, makeData, Utf8, type Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { aggregate, applyMapping, col, filter, join, s3Sink, s3Source } from '../../index.js';
import { buildJob } from '../../jobs/validate.js';
import { t, type GlueType } from '../../catalog/types.js';
import { kernelContext, prunedSchemas } from '../../local-runner/executor.js';
import { makeBatch } from '../../kernels/batches.js';
import { Filter } from '../../transforms/filter.js';
import { stringData } from '../../kernels/columns.js';
import { GroupTable, groupTableSupports, rowKeys } from '../../kernels/keys.js';
import benchJob from '../../bench/jobs/orders-pipeline.js';
import { expectJobRows, testJob } from './harness.js';
import { random } from '../kernels/rows.js';

const names = (schema: readonly { name: string }[]) => schema.map((f) => f.name);

describe('column pruning', () => {
  it('keeps, per node of the benchmark pipeline, the columns its consumers use', () => {
    const ir = buildJob(benchJob);
    const pruned = prunedSchemas(ir);
    // The filter reads four orders columns; the join needs three of the five customer
    // columns; count(order_id) counts rows, as order_id cannot be NULL, so nothing reads it.
    expect(names(pruned.get('orders')!)).toEqual(['customer_id', 'order_ts', 'status', 'amount', 'currency']);
    expect(names(pruned.get('customers')!)).toEqual(['customer_id', 'country', 'segment']);
    expect(names(pruned.get('paid_orders')!)).toEqual(['customer_id', 'order_ts', 'amount']);
    expect(names(pruned.get('with_customer')!)).toEqual(['customer_id', 'order_date', 'amount', 'country', 'segment']);
    // Sinks and the aggregate feeding one keep everything (the same schema object).
    for (const id of ['daily_revenue', 'revenue_out']) expect(pruned.get(id)).toBe(ir.nodes.find((n) => n.id === id)!.schema);
  });

  const job = testJob({
    sources: {
      l: s3Source({ path: 's3://test-in/l/', format: 'json', schema: { id: 'int', k: 'int', x: 'string', unused: 'string' } }),
      r: s3Source({ path: 's3://test-in/r/', format: 'json', schema: { rk: 'int', y: 'string', z: 'string' } }),
    },
    transforms: {
      // `unused` is read by the filter's condition only, `z` by nobody.
      f: filter({ input: 'l', where: col('unused').ne('u4') }),
      // Condition mode (keys named differently), left join: every column of both sides.
      joined: join({ left: 'f', right: 'r', on: [['k', 'rk']], how: 'left' }),
      picked: applyMapping({ input: 'joined', mappings: [{ from: 'id' }, { from: 'y' }] }),
      semi: join({ left: 'l', right: 'r', on: [['k', 'rk']], how: 'leftsemi' }),
      counted: aggregate({ input: 'semi', groupBy: ['x'], aggregations: [{ fn: 'count', column: 'id', as: 'n' }] }),
    },
    sinks: {
      out: s3Sink({ input: 'picked', path: 's3://test-out/picked/', format: 'json' }),
      counts: s3Sink({ input: 'counted', path: 's3://test-out/counts/', format: 'json' }),
    },
  });

  it('prunes through filters, condition joins and semi joins', () => {
    const pruned = prunedSchemas(buildJob(job));
    expect(names(pruned.get('f')!)).toEqual(['id', 'k']);
    expect(names(pruned.get('joined')!)).toEqual(['id', 'y']);
    expect(names(pruned.get('semi')!)).toEqual(['id', 'x']);
    expect(names(pruned.get('l')!)).toEqual(['id', 'k', 'x', 'unused']);
    expect(names(pruned.get('r')!)).toEqual(['rk', 'y']);
  });

  it('gives the same rows as without pruning', async () => {
    const inputs = {
      l: [
        { id: 1, k: 10, x: 'a', unused: 'u1' },
        { id: 2, k: 20, x: 'b', unused: 'u2' },
        { id: 3, k: null, x: 'a', unused: 'u3' },
        { id: 4, k: 10, x: 'c', unused: 'u4' },
      ],
      r: [
        { rk: 10, y: 'ten', z: 'z10' },
        { rk: 30, y: 'thirty', z: 'z30' },
        { rk: 10, y: 'TEN', z: 'z10b' },
      ],
    };
    await expectJobRows(job, inputs, {
      out: [
        { id: 1, y: 'ten' },
        { id: 1, y: 'TEN' },
        { id: 2, y: null },
        { id: 3, y: null },
      ],
      counts: [
        { x: 'a', n: '1' },
        { x: 'c', n: '1' },
      ],
    });
  });

  it('has a filter copy only the columns its consumers use', async () => {
    const ir = buildJob(job);
    const pruned = prunedSchemas(ir);
    const node = ir.nodes.find((n) => n.id === 'f')!;
    const ctx = { ...kernelContext(ir), schemaOf: (id: string) => pruned.get(id)!, droppedColumns: new Map() };
    const input = pruned.get('l')!;
    const batch = (unused: string[]) =>
      makeBatch(input, [
        makeData({ type: new Int32(), length: unused.length, data: Int32Array.from(unused, (_, i) => i) }),
        makeData({ type: new Int32(), length: unused.length, data: Int32Array.from(unused, (_, i) => 10 * i) }),
        stringData(new Utf8(), unused.map((u) => `x${u}`)),
        stringData(new Utf8(), unused),
      ], unused.length);
    async function* batches() {
      yield batch(['u1', 'u4', 'u2']);
      yield batch(['u1', 'u2']); // every row passes
    }
    const out = [];
    for await (const b of Filter.local!({ ...node, schema: pruned.get('f')! } as never, [batches()], ctx)) out.push(b);
    expect(out.map((b) => b.schema.fields.map((f) => f.name))).toEqual([['id', 'k'], ['id', 'k']]);
    expect(out.map((b) => b.toArray().map((r) => [r.id, r.k]))).toEqual([[[0, 0], [2, 20]], [[0, 0], [1, 10]]]);
  });

  it('reads no column for count of a column that cannot be NULL, and still skips NULLs where one can be', async () => {
    const counting = testJob({
      sources: { l: s3Source({ path: 's3://test-in/l/', format: 'json', schema: { id: { type: 'int', nullable: false }, v: 'int', x: 'string' } }) },
      transforms: {
        a: aggregate({ input: 'l', groupBy: ['x'], aggregations: [{ fn: 'count', column: 'id', as: 'ids' }, { fn: 'count', column: 'v', as: 'vs' }] }),
      },
      sinks: { out: s3Sink({ input: 'a', path: 's3://test-out/a/', format: 'json' }) },
    });
    expect(names(prunedSchemas(buildJob(counting)).get('l')!)).toEqual(['v', 'x']);
    const rows = [{ id: 1, v: 5, x: 'a' }, { id: 2, v: null, x: 'a' }, { id: 3, v: null, x: 'b' }];
    await expectJobRows(counting, { l: rows }, { out: [{ x: 'a', ids: '2', vs: '1' }, { x: 'b', ids: '1', vs: '0' }] });
  });

  it('has an ApplyMapping build only the mappings its consumers use, and read only their sources', async () => {
    const mapped = testJob({
      sources: { l: s3Source({ path: 's3://test-in/l/', format: 'json', schema: { a: 'string', b: 'string', c: 'int' } }) },
      transforms: {
        m: applyMapping({ input: 'l', mappings: [{ from: 'a', to: 'n', type: 'int' }, { from: 'b' }, { from: 'c', to: 'c2' }] }),
        s: aggregate({ input: 'm', groupBy: ['b'], aggregations: [{ fn: 'sum', column: 'n', as: 'total' }] }),
      },
      sinks: { out: s3Sink({ input: 's', path: 's3://test-out/s/', format: 'json' }) },
    });
    const pruned = prunedSchemas(buildJob(mapped));
    expect(names(pruned.get('m')!)).toEqual(['n', 'b']);
    expect(names(pruned.get('l')!)).toEqual(['a', 'b']);
    await expectJobRows(mapped, { l: [{ a: '1', b: 'x', c: 7 }, { a: '2', b: 'x', c: 8 }, { a: '3', b: 'y', c: 9 }] }, { out: [{ b: 'x', total: '3' }, { b: 'y', total: '3' }] });
  });

  it('passes row counts through when no column is needed (count of "*")', async () => {
    const counting = testJob({
      sources: { l: s3Source({ path: 's3://test-in/l/', format: 'json', schema: { id: 'int', x: 'string' } }) },
      transforms: {
        f: filter({ input: 'l', where: col('x').ne('b') }),
        a: aggregate({ input: 'f', groupBy: [], aggregations: [{ fn: 'count', column: '*', as: 'n' }] }),
      },
      sinks: { out: s3Sink({ input: 'a', path: 's3://test-out/a/', format: 'json' }) },
    });
    expect(names(prunedSchemas(buildJob(counting)).get('f')!)).toEqual([]);
    await expectJobRows(counting, { l: [{ id: 1, x: 'a' }, { id: 2, x: 'b' }, { id: 3, x: null }, { id: 4, x: 'c' }] }, { out: [{ n: '2' }] });
  });
});

describe('GroupTable', () => {
  const n = 3000;
  const next = random(7);
  const pick = <T,>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
  const validity = (nulls: boolean[]) => {
    const bits = new Uint8Array((n + 7) >> 3);
    nulls.forEach((isNull, i) => {
      if (!isNull) bits[i >> 3] = bits[i >> 3]! | (1 << (i & 7));
    });
    return bits;
  };
  const nullsOf = () => Array.from({ length: n }, () => next() < 0.1);
  const ints = () => {
    const nulls = nullsOf();
    return makeData({ type: new Int32(), length: n, nullCount: nulls.filter(Boolean).length, nullBitmap: validity(nulls), data: Int32Array.from({ length: n }, () => pick([-1, 0, 1, 7, 2 ** 31 - 1])) });
  };
  const longs = () => {
    const nulls = nullsOf();
    return makeData({ type: new Int64(), length: n, nullCount: nulls.filter(Boolean).length, nullBitmap: validity(nulls), data: BigInt64Array.from({ length: n }, () => pick([-1n, 0n, 2n ** 53n + 1n, 2n ** 53n, -(2n ** 62n), 5n])) });
  };
  const doubles = () => {
    const nulls = nullsOf();
    return makeData({ type: new Float64(), length: n, nullCount: nulls.filter(Boolean).length, nullBitmap: validity(nulls), data: Float64Array.from({ length: n }, () => pick([0, -0, NaN, 1.5, -Infinity])) });
  };
  const strings = () => stringData(new Utf8(), Array.from({ length: n }, () => pick([null, '', 'a', 'ab', 'b', 'é', 'e\u0301', 'a longer string than thirty-two bytes, to be sure'])));
  const decimals = () => {
    const words = new Uint32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const v = BigInt.asUintN(128, pick([0n, 1n, -1n, 10n ** 20n, -(10n ** 20n)]));
      for (let w = 0; w < 4; w++) words[4 * i + w] = Number((v >> BigInt(32 * w)) & 0xffffffffn);
    }
    return makeData({ type: new Decimal(2, 22, 128), length: n, nullCount: 0, data: words });
  };
  const bools = () => {
    const nulls = nullsOf();
    const bits = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) if (next() < 0.5) bits[i >> 3] = bits[i >> 3]! | (1 << (i & 7));
    return makeData({ type: new Bool(), length: n, nullCount: nulls.filter(Boolean).length, nullBitmap: validity(nulls), data: bits });
  };
  const dates = () => makeData({ type: new DateDay(), length: n, nullCount: 0, data: Int32Array.from({ length: n }, () => pick([19000, 19001, -3])) });

  const cases: [string, GlueType[], () => Data[]][] = [
    ['int, string', [t.int(), t.string()], () => [ints(), strings()]],
    ['bigint, double', [t.bigint(), t.double()], () => [longs(), doubles()]],
    ['decimal, boolean, date, string', [t.decimal(22, 2), t.boolean(), t.date(), t.string()], () => [decimals(), bools(), dates(), strings()]],
  ];

  for (const [name, types, make] of cases) {
    it(`numbers groups as rowKeys keys them, over slices (${name})`, () => {
      expect(groupTableSupports(types)).toBe(true);
      const columns = make();
      const { keys } = rowKeys(columns, types, n);
      const table = new GroupTable(types);
      const slotOfKey = new Map<unknown, number>();
      for (let start = 0; start < n; ) {
        const size = 1 + Math.floor(next() * 300);
        const end = Math.min(n, start + size);
        const slices = columns.map((c) => c.slice(start, end - start));
        const { slotOf, openedRows, firstOpened } = table.assign(slices, end - start);
        openedRows.forEach((row, k) => expect(slotOf[row]).toBe(firstOpened + k));
        for (let i = start; i < end; i++) {
          const expected = slotOfKey.get(keys[i]) ?? slotOfKey.size;
          slotOfKey.set(keys[i], expected);
          expect(slotOf[i - start]).toBe(expected);
        }
        start = end;
      }
      expect(table.count).toBe(slotOfKey.size);
    });
  }

  it('probes without opening slots; NULL keys and unseen keys find none', () => {
    const build = stringData(new Utf8(), ['x', null, 'y']);
    const table = new GroupTable([t.string()]);
    expect(Array.from(table.assign([build], 3, true).slotOf)).toEqual([0, -1, 1]);
    const probe = stringData(new Utf8(), ['y', 'z', null, 'x', 'z']);
    expect(Array.from(table.probe([probe], 5))).toEqual([1, -1, -1, 0, -1]);
    expect(table.count).toBe(2);
  });
});
