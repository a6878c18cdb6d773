/**
 * The evaluator's contract: values in the type checker's type and canonical layout,
 * columns by exact name and dotted struct paths, literals broadcast, slices read at the
 * right rows; and row selection (filterBatch / takeRows) over every canonical layout.
 * Spark semantics per operator are in semantics.test.ts.
 */
import { FixedSizeBinary, makeData, RecordBatch, Struct, Type, vectorFromArray, type Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toArrowType } from '../../catalog/arrow.js';
import { formatGlueType } from '../../catalog/types.js';
import { coalesce, col, fn, lit } from '../../expr/expr.js';
import { makeBatch } from '../../kernels/batches.js';
import { fixedData, setDecimal } from '../../kernels/columns.js';
import { ANSI, NON_ANSI } from '../../kernels/context.js';
import { evaluate } from '../../kernels/evaluate.js';
import { filterBatch, selectedRows, takeData, takeRows } from '../../kernels/selection.js';
import { batchOf, column, random, schemaOf, valuesOf } from './rows.js';

const ORDERS = { order_id: 'bigint', amount: 'decimal(12,2)', status: 'string', paid: 'boolean', customer: 'struct<name:string,address:struct<city:string>>' };

const orderRows = [
  { order_id: 1n, amount: '10.00', status: 'PAID', paid: true, customer: { name: 'Ann', address: { city: 'Oslo' } } },
  { order_id: 2n, amount: '0.00', status: 'SHIPPED', paid: false, customer: null },
  { order_id: 3n, amount: '-1.50', status: 'PAID', paid: null, customer: { name: 'Bo', address: null } },
  { order_id: 4n, amount: null, status: null, paid: true, customer: { name: null, address: { city: 'Rome' } } },
  { order_id: 5n, amount: '7.25', status: 'NEW', paid: false, customer: { name: 'Cy', address: { city: 'Pau' } } },
];

function run(expr: { node: Parameters<typeof evaluate>[0] }, input = ORDERS as Record<string, string>, rows: Record<string, unknown>[] = orderRows) {
  const { batch, schema } = batchOf(input, rows);
  const { data, type } = evaluate(expr.node, batch, schema, NON_ANSI);
  return { values: valuesOf(data, type), type: formatGlueType(type), data };
}

describe('evaluate', () => {
  it('gives the type checker type, in the canonical layout', () => {
    const sum = run(col('amount').plus(lit.decimal('0.125')));
    expect(sum.type).toBe('decimal(14,3)');
    expect(String(sum.data.type)).toBe(String(toArrowType({ kind: 'decimal', precision: 14, scale: 3 })));
    expect(sum.values).toEqual(['10.125', '0.125', '-1.375', null, '7.375']);
    expect(run(col('order_id').div(2)).type).toBe('double');
    expect(run(fn.length(col('status'))).values).toEqual([4, 7, 4, null, 3]);
  });

  it('finds columns by exact name and struct fields by dotted path, NULL inside a NULL struct', () => {
    expect(run(col('customer.name')).values).toEqual(['Ann', null, 'Bo', null, 'Cy']);
    expect(run(col('customer.address.city')).values).toEqual(['Oslo', null, null, 'Rome', 'Pau']);
    expect(run(col('customer.address.city').isNull()).values).toEqual([false, true, true, false, false]);
  });

  it('prefers a top-level column whose name has a dot', () => {
    const values = run(col('a.b').plus(1), { 'a.b': 'int' }, [{ 'a.b': 1 }, { 'a.b': 2 }]).values;
    expect(values).toEqual([2, 3]);
  });

  it('broadcasts expressions of literals only to every row', () => {
    expect(run(lit(1).plus(2)).values).toEqual([3, 3, 3, 3, 3]);
    expect(run(lit('x')).values).toEqual(['x', 'x', 'x', 'x', 'x']);
    expect(run(lit(null)).values).toEqual([null, null, null, null, null]);
    expect(run(coalesce(lit(null).cast('int'), 4)).values).toEqual([4, 4, 4, 4, 4]);
    expect(run(lit.date('2024-02-29')).values[0]).toBe('2024-02-29');
  });

  it('reads sliced batches at the slice rows (arrow offsets)', () => {
    const { batch, schema } = batchOf(ORDERS, orderRows);
    for (const [start, length] of [[1, 4], [3, 2], [2, 1]] as const) {
      const slice = batch.slice(start, start + length);
      const expected = orderRows.slice(start, start + length);
      const amount = evaluate(col('amount').gt(0).node, slice, schema, NON_ANSI);
      expect(valuesOf(amount.data, amount.type)).toEqual(expected.map((r) => (r.amount === null ? null : Number(r.amount) > 0)));
      const status = evaluate(col('status').in(['PAID', 'SHIPPED']).node, slice, schema, NON_ANSI);
      expect(valuesOf(status.data, status.type)).toEqual(expected.map((r) => (r.status === null ? null : ['PAID', 'SHIPPED'].includes(r.status))));
      const paid = evaluate(col('paid').not().node, slice, schema, NON_ANSI);
      expect(valuesOf(paid.data, paid.type)).toEqual(expected.map((r) => (r.paid === null ? null : !r.paid)));
      const city = evaluate(col('customer.address.city').node, slice, schema, NON_ANSI);
      expect(valuesOf(city.data, city.type)).toEqual(expected.map((r) => r.customer?.address?.city ?? null));
    }
  });

  it('evaluates over an empty batch', () => {
    const { batch, schema } = batchOf(ORDERS, []);
    for (const expr of [col('amount').gt(0).and(col('status').in(['PAID'])), lit(1).plus(2), coalesce(col('status'), 'x'), fn.upper(col('status'))]) {
      expect(evaluate(expr.node, batch, schema, ANSI).data.length).toBe(0);
    }
  });

  it('treats char and varchar columns as strings', () => {
    const values = run(col('c').eq(col('v')).and(fn.length(col('c')).eq(2)), { c: 'char(2)', v: 'varchar(10)' }, [{ c: 'ab', v: 'ab' }, { c: 'ab', v: 'abc' }]).values;
    expect(values).toEqual([true, false]);
  });

  it('refuses an expression the type checker rejects, saying why', () => {
    const { batch, schema } = batchOf(ORDERS, orderRows);
    expect(() => evaluate(col('amout').gt(0).node, batch, schema, NON_ANSI)).toThrow(/unknown column "amout"/);
    expect(() => evaluate(col('status').eq(1).node, batch, schema, NON_ANSI)).toThrow(/cannot compare string with int/);
  });

  it('refuses datetime pattern letters it does not implement, in both modes', () => {
    const { batch, schema } = batchOf({ s: 'string' }, [{ s: 'Mon' }]);
    for (const ctx of [NON_ANSI, ANSI]) {
      expect(() => evaluate(fn.toDate(col('s'), 'EEE').node, batch, schema, ctx)).toThrow(/unsupported datetime pattern letters "EEE"/);
      expect(() => evaluate(fn.toDate(col('s'), 'dd MMM yyyy').node, batch, schema, ctx)).toThrow(/"MMM"/);
    }
  });

  it('applies short-circuit guards inside nested AND / OR', () => {
    const where = col('n').isNull().or(col('n').ne(0).and(lit(100).mod(col('n')).eq(0)));
    const { batch, schema } = batchOf({ n: 'int' }, [{ n: 0 }, { n: null }, { n: 7 }, { n: 10 }]);
    const result = evaluate(where.node, batch, schema, ANSI);
    expect(valuesOf(result.data, result.type)).toEqual([false, true, false, true]);
  });

  it('evaluates the example filter over a million rows (time reported, not asserted)', () => {
    const rows = 1_000_000;
    const amounts = new Uint32Array(rows * 4);
    const statuses: string[] = [];
    const names = ['PAID', 'SHIPPED', 'NEW', 'CANCELLED'];
    for (let i = 0; i < rows; i++) {
      setDecimal(amounts, i, BigInt((i % 2001) - 1000));
      statuses.push(names[i % 4]!);
    }
    const schema = schemaOf({ amount: 'decimal(12,2)', status: 'string' });
    const batch = makeBatch(schema, [fixedData(toArrowType(schema[0]!.type), amounts, rows), column(schema[1]!.type, statuses)], rows);
    const where = col('amount').gt(0).and(col('status').in(['PAID', 'SHIPPED']));
    evaluate(where.node, batch.slice(0, 1000), schema, NON_ANSI); // warm up
    const times: number[] = [];
    let mask: Data | undefined;
    for (let k = 0; k < 5; k++) {
      const start = performance.now();
      mask = evaluate(where.node, batch, schema, NON_ANSI).data;
      times.push(performance.now() - start);
    }
    const filterStart = performance.now();
    const kept = filterBatch(batch, mask!);
    const filterTime = performance.now() - filterStart;
    let expected = 0;
    for (let i = 0; i < rows; i++) if ((i % 2001) - 1000 > 0 && i % 4 < 2) expected++;
    expect(kept.numRows).toBe(expected);
    console.log(
      `amount > 0 AND status IN ('PAID','SHIPPED') over ${rows} rows: best ${Math.min(...times).toFixed(1)} ms, ` +
        `median ${times.sort((a, b) => a - b)[2]!.toFixed(1)} ms; filterBatch ${filterTime.toFixed(1)} ms for ${kept.numRows} rows kept`,
    );
  });
});

describe('filterBatch and takeRows', () => {
  const EVERY_TYPE = {
    b: 'boolean', ti: 'tinyint', si: 'smallint', i: 'int', l: 'bigint', f: 'float', d: 'double', m: 'decimal(20,4)',
    s: 'string', bin: 'binary', dt: 'date', ts: 'timestamp', arr: 'array<string>', nested: 'array<array<int>>',
    st: 'struct<a:int,b:array<string>>', mp: 'map<string,int>',
  };
  const rows: Record<string, unknown>[] = Array.from({ length: 11 }, (_, r) =>
    r % 5 === 4
      ? {}
      : {
          b: r % 2 === 0, ti: r - 5, si: r * 1000, i: r * 100000, l: BigInt(r) * 10_000_000_000n, f: r / 4, d: r / 3,
          m: `${r}.${r}`, s: `row ${r} ${'é'.repeat(r)}`, bin: `b${r}`, dt: `2024-01-${String(r + 1).padStart(2, '0')}`,
          ts: `2024-01-01 00:00:0${r % 10}`, arr: r % 3 === 0 ? [] : [`a${r}`, null, `c${r}`], nested: [[r], [], [r, r + 1]],
          st: r % 3 === 1 ? null : { a: r, b: [`x${r}`] }, mp: new Map([[`k${r}`, r]]),
        },
  );
  const { batch, schema } = batchOf(EVERY_TYPE, rows);
  const plain = (b: RecordBatch) => b.schema.fields.map((f, k) => valuesOf(b.data.children[k]!, schema[k]!.type).map((v) => (f.name === 'mp' ? (v === null ? null : JSON.stringify(v)) : v)));
  const all = plain(batch);

  it('keeps the rows where the mask is true; NULL counts as false', () => {
    const mask = column({ kind: 'boolean' }, rows.map((_, r) => (r % 3 === 0 ? true : r % 3 === 1 ? null : false)));
    const kept = filterBatch(batch, mask);
    const picked = [0, 3, 6, 9];
    expect(kept.numRows).toBe(picked.length);
    expect(plain(kept)).toEqual(all.map((c) => picked.map((r) => c[r])));
    expect(kept.schema.fields.map((f) => f.name)).toEqual(batch.schema.fields.map((f) => f.name));
  });

  it('returns the batch itself when every row passes', () => {
    expect(filterBatch(batch, column({ kind: 'boolean' }, rows.map(() => true)))).toBe(batch);
  });

  it('takes rows in any order, with repeats, from slices', () => {
    const slice = batch.slice(3, 10);
    const indices = Int32Array.from([6, 0, 0, 3, 1]);
    expect(plain(takeRows(slice, indices))).toEqual(all.map((c) => [...indices].map((r) => c[r + 3])));
  });

  it('takes rows of sliced and offset bool and validity bitmaps', () => {
    const values = Array.from({ length: 40 }, (_, r) => (r % 7 === 0 ? null : r % 3 === 0));
    const data = column({ kind: 'boolean' }, values);
    for (const start of [0, 1, 5, 8, 13]) {
      const slice = data.slice(start, 20);
      expect(valuesOf(takeData(slice, Int32Array.from([19, 0, 7])), { kind: 'boolean' })).toEqual([values[start + 19], values[start], values[start + 7]]);
      expect([...selectedRows(slice)]).toEqual(values.slice(start, start + 20).flatMap((v, r) => (v === true ? [r] : [])));
    }
  });

  it('takes strings of every length, the ones at the end of the source included, from whole columns and slices', () => {
    // Lengths 0 to 40 (short ones are copied a word at a time, long ones in one piece), the
    // last values shortest, so that word reads near the end of the bytes must be avoided.
    const values = Array.from({ length: 45 }, (_, r) => (r % 11 === 10 ? null : 'abcdefghijklmnopqrstuvwxyzäöü0123456789ABCDEFG'.slice(0, r < 41 ? r : 44 - r)));
    const data = column({ kind: 'string' }, values);
    const next = random(5);
    const indices = Int32Array.from({ length: 300 }, (_, k) => (k < 45 ? 44 - k : Math.floor(next() * 45)));
    expect(valuesOf(takeData(data, indices), { kind: 'string' })).toEqual([...indices].map((i) => values[i]));
    const slice = data.slice(30, 15);
    const sliceIndices = Int32Array.from([14, 0, 13, 14, 7, 1]);
    expect(valuesOf(takeData(slice, sliceIndices), { kind: 'string' })).toEqual([...sliceIndices].map((i) => values[30 + i]));
  });

  it('copies fixed-width values bit for bit: NaN payloads, -0.0, wide and odd-width values', () => {
    const doubles = new Float64Array([0, -0, NaN, Infinity, 1.5]);
    new DataView(doubles.buffer).setUint32(16, 0x7ff80001, true); // a NaN with a payload in its low word
    const double = fixedData(toArrowType({ kind: 'double' }), doubles, 5, undefined);
    const taken = takeData(double, Int32Array.from([2, 1, 4, 0]));
    expect([...new Uint32Array((taken.values as Float64Array).buffer)]).toEqual([...new Uint32Array(doubles.buffer, 16, 2), ...new Uint32Array(doubles.buffer, 8, 2), ...new Uint32Array(doubles.buffer, 32, 2), ...new Uint32Array(doubles.buffer, 0, 2)]);
    expect(Object.is((taken.values as Float64Array)[1], -0)).toBe(true);
    // INT96-sized values (12 bytes) starting off a 4-byte boundary are copied as bytes.
    const bytes = new Uint8Array(1 + 12 * 3).map((_, i) => i);
    const fixed = makeData({ type: new FixedSizeBinary(12), length: 3, nullCount: 0, data: bytes.subarray(1) } as never);
    expect([...(takeData(fixed, Int32Array.from([2, 0])).values as Uint8Array)]).toEqual([...bytes.subarray(25, 37), ...bytes.subarray(1, 13)]);
    const smallint = column({ kind: 'smallint' }, [1, -2, 32767]);
    expect(valuesOf(takeData(smallint, Int32Array.from([2, 2, 1])), { kind: 'smallint' })).toEqual([32767, 32767, -2]);
  });

  it('takes no rows', () => {
    expect(takeRows(batch, new Int32Array(0)).numRows).toBe(0);
  });

  it('handles a struct column with children', () => {
    const type = schema.find((f) => f.name === 'st')!.type;
    const data = batch.data.children[schema.findIndex((f) => f.name === 'st')]!;
    expect(data.type.typeId).toBe(Type.Struct);
    expect(valuesOf(takeData(data, Int32Array.from([1, 2])), type)).toEqual([null, { a: 2, b: ['x2'] }]);
  });

  it('builds record batches apache-arrow reads back', () => {
    const kept = takeRows(batch, Int32Array.from([2]));
    const data = makeData({ type: new Struct(kept.schema.fields), length: 1, nullCount: 0, children: kept.data.children as Data[] });
    expect(new RecordBatch(kept.schema, data).get(0)?.toJSON().s).toBe(`row 2 ${'é'.repeat(2)}`);
    expect(vectorFromArray(['x']).length).toBe(1);
  });
});
