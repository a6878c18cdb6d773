/**
 * Local implementations of Filter, ApplyMapping, SelectFields, DropFields, RenameField,
 * FillMissingValues and DropNullFields: values, NULLs, empty inputs, type edges, both
 * Glue semantics (ANSI off on 5.0, on for 6.0), whole batches and sliced ones.
 */
import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  col,
  dropFields,
  dropNullFields,
  fillMissingValues,
  filter,
  fn,
  lit,
  renameField,
  s3Sink,
  s3Source,
  selectFields,
  type ExprLike,
  type TransformDefinition,
} from '../../index.js';
import { buildJob } from '../../jobs/validate.js';
import { runJob } from '../../local-runner/executor.js';
import { inspectParquet } from '../../local-runner/formats/parquet.js';
import { FixtureStore } from '../../local-runner/stores/fixtures.js';
import { MemoryStaging, memorySource } from '../../local-runner/stores/memory.js';
import { rowsToBatches, runLocally } from '../../local-runner/testing.js';
import { expectJobRows, testJob, type Inputs } from './harness.js';

const schema = { id: 'int', name: 'string', amount: 'decimal(10,2)', qty: 'int', day: 'date', tags: 'struct<a:string,b:int>' };
const ROWS = [
  { id: 1, name: 'anna', amount: '10.50', qty: 2, day: '2024-01-31', tags: { a: 'x', b: 1 } },
  { id: 2, name: 'Bob', amount: null, qty: null, day: '2024-02-01', tags: null },
  { id: 3, name: null, amount: '-3.25', qty: 0, day: null, tags: { a: null, b: 3 } },
  { id: 4, name: 'zoë', amount: '100.00', qty: 7, day: '2024-02-29', tags: { a: 'y', b: null } },
];

/** A job: source `in` (the schema above) -> the transform `t` -> sink `out`. */
function job(transform: TransformDefinition, glueVersion: '5.0' | '6.0' = '5.0') {
  return testJob({
    glueVersion,
    sources: { in: s3Source({ path: 's3://bkt/in/', format: 'json', schema }) },
    transforms: { t: transform },
    sinks: { out: s3Sink({ input: 't', path: 's3://bkt/out/' }) },
  });
}

const inputs = (rows: readonly object[] = ROWS): Inputs => ({ in: rows as Inputs[string] });
const pick = (...keys: string[]) => ROWS.map((r) => Object.fromEntries(keys.map((k) => [k, (r as Record<string, unknown>)[k]])));

describe('Filter', () => {
  it.each<[string, ExprLike, number[]]>([
    ['a comparison; NULL is not true', col('qty').gt(1), [1, 4]],
    ['NOT of NULL stays NULL, so the row goes', col('qty').gt(1).not(), [3]],
    ['OR with a true side keeps NULL rows', col('qty').gt(1).or(col('id').eq(2)), [1, 2, 4]],
    ['IS NULL', col('amount').isNull(), [2]],
    ['IN with strings, by code point', col('name').in(['anna', 'zoë']), [1, 4]],
    ['string order by code point: uppercase sorts first', col('name').lt('a'), [2]],
    ['between on decimals', col('amount').between(0, lit.decimal('10.50')), [1]],
    ['a date string against a date column', col('day').ge('2024-02-01'), [2, 4]],
    ['a struct field; a NULL struct gives NULL', col('tags.b').ge(1), [1, 3]],
    ['a function', fn.upper(col('name')).eq('BOB'), [2]],
    ['LIKE', col('name').like('%n%'), [1]],
  ])('%s', async (_name, where, ids) => {
    await expectJobRows(job(filter({ input: 'in', where })), inputs(), { out: ROWS.filter((r) => ids.includes(r.id)) });
  });

  it('passes an empty input through as no rows', async () => {
    await expectJobRows(job(filter({ input: 'in', where: col('qty').gt(1) })), inputs([]), { out: [] });
  });

  it('raises DIVIDE_BY_ZERO under ANSI (Glue 6.0) and gives NULL without it (5.0)', async () => {
    const where = lit(10).div(col('qty')).gt(1);
    await expectJobRows(job(filter({ input: 'in', where }), '5.0'), inputs(), { out: ROWS.filter((r) => r.id === 1 || r.id === 4) });
    await expect(runLocally(job(filter({ input: 'in', where }), '6.0'), { inputs: inputs() })).rejects.toThrow(/node "t": \[DIVIDE_BY_ZERO\]/);
  });
});

describe('ApplyMapping', () => {
  it('renames, casts and drops unmapped columns; struct paths read NULL under a NULL struct', async () => {
    const t = applyMapping({
      input: 'in',
      mappings: [{ from: 'id', to: 'key', type: 'string' }, { from: 'amount', type: 'double' }, { from: 'tags.a', to: 'tag' }, { from: 'day', type: 'timestamp' }],
    });
    await expectJobRows(job(t), inputs(), {
      out: [
        { key: '1', amount: 10.5, tag: 'x', day: '2024-01-31T00:00:00.000000Z' },
        { key: '2', amount: null, tag: null, day: '2024-02-01T00:00:00.000000Z' },
        { key: '3', amount: -3.25, tag: null, day: null },
        { key: '4', amount: 100, tag: 'y', day: '2024-02-29T00:00:00.000000Z' },
      ],
    });
  });

  it('casts a decimal to int by truncation, and an overflowing cast wraps (5.0) or fails (6.0)', async () => {
    await expectJobRows(job(applyMapping({ input: 'in', mappings: [{ from: 'amount', type: 'int' }] })), inputs(), {
      out: [{ amount: 10 }, { amount: null }, { amount: -3 }, { amount: 100 }],
    });
    const big = [{ ...ROWS[0], qty: 300 }];
    const narrow = (v: '5.0' | '6.0') => job(applyMapping({ input: 'in', mappings: [{ from: 'qty', type: 'tinyint' }] }), v);
    await expectJobRows(narrow('5.0'), inputs(big), { out: [{ qty: 44 }] });
    await expect(runLocally(narrow('6.0'), { inputs: inputs(big) })).rejects.toThrow(/node "t": \[CAST_OVERFLOW\]/);
  });
});

describe('SelectFields, DropFields, RenameField', () => {
  it('select keeps the listed columns in the listed order', async () => {
    await expectJobRows(job(selectFields({ input: 'in', fields: ['qty', 'id'] })), inputs(), { out: pick('qty', 'id') });
  });

  it('drop removes the listed columns', async () => {
    await expectJobRows(job(dropFields({ input: 'in', fields: ['tags', 'day', 'name'] })), inputs(), { out: pick('id', 'amount', 'qty') });
  });

  it('rename keeps position and values', async () => {
    const out = ROWS.map(({ name, ...rest }) => ({ ...rest, customer: name }));
    await expectJobRows(job(renameField({ input: 'in', from: 'name', to: 'customer' })), inputs(), { out });
  });
});

describe('FillMissingValues', () => {
  it('fills NULLs with constants of the column type, leaving values alone', async () => {
    const t = fillMissingValues({ input: 'in', values: { amount: lit.decimal('0.00'), qty: 0, name: 'unknown', day: '1970-01-01' } });
    await expectJobRows(job(t), inputs(), {
      out: [
        ROWS[0]!,
        { ...ROWS[1]!, amount: '0.00', qty: 0 },
        { ...ROWS[2]!, name: 'unknown', day: '1970-01-01' },
        ROWS[3]!,
      ],
    });
  });
});

describe('DropNullFields', () => {
  it('drops the all-NULL columns from the files of the sink that reads it', async () => {
    const rows = ROWS.map((r) => ({ ...r, qty: null, name: r.id === 1 ? '' : null }));
    const ir = buildJob(job(dropNullFields({ input: 'in', treatAsNull: { emptyString: true } })));
    const staging = new MemoryStaging();
    const batches = await rowsToBatches(rows, ir.nodes[0]!.schema, { ansi: false }, 'in');
    const result = await runJob(ir, { store: new FixtureStore('.'), staging, inputs: { in: batches } });
    expect(result.nodes.find((n) => n.id === 't')!.dropped).toEqual(['name', 'qty']);
    const bytes = staging.objects.get(`bkt/${result.sinks[0]!.files[0]!.key}`)!;
    expect((await inspectParquet(memorySource('out', bytes))).schema.map((f) => f.name)).toEqual(['id', 'amount', 'day', 'tags']);
  });

  it('keeps columns that have a value', async () => {
    const result = await runLocally(job(dropNullFields({ input: 'in' })), { inputs: inputs() });
    expect(result.report.nodes.find((n) => n.id === 't')!.dropped).toBeUndefined();
  });
});
