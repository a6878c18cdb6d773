/**
 * Predicate pushdown: blocks whose statistics rule a Filter out are skipped, and the
 * result never changes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSchema } from '../../catalog/schema.js';
import { ProblemList } from '../../core/problems.js';
import { col, fn, lit, type ExprLike } from '../../expr/expr.js';
import { toNode } from '../../expr/expr.js';
import { parquetWriter } from '../../local-runner/formats/parquet.js';
import { statisticsTest } from '../../local-runner/pushdown.js';
import { expectRows, rowsToBatches, runLocally } from '../../local-runner/testing.js';
import { defineJob, filter, s3Sink, s3Source } from '../../index.js';

const schemaInput = { id: 'bigint', amount: 'decimal(10,2)', day: 'date', ts: 'timestamp', name: 'string' };
const schema = resolveSchema(schemaInput, new ProblemList().at('s'))!;
const stats = new Map<string, { min?: unknown; max?: unknown; nullCount?: number }>([
  ['id', { min: 100n, max: 200n, nullCount: 0 }],
  ['amount', { min: '10.00', max: '99.50', nullCount: 3 }],
  ['day', { min: 19753, max: 19755 }], // 2024-01-31 .. 2024-02-02
  ['ts', { min: 1_706_659_200_000_000n, max: 1_706_745_599_999_999n }], // 2024-01-31T00:00Z .. 23:59:59.999999Z
  ['name', { min: 'Anna', max: 'Zoë' }],
]);
const test = (where: ExprLike) => statisticsTest(toNode(where), schema);

describe('statistics tests', () => {
  it.each([
    ['id = 150', col('id').eq(150), true],
    ['id = 201', col('id').eq(201), false],
    ['id > 200', col('id').gt(200), false],
    ['id >= 200', col('id').ge(200), true],
    ['id < 100', col('id').lt(100), false],
    ['300 > id (flipped)', lit(300).gt(col('id')), true],
    ['amount > 99.5', col('amount').gt(lit.decimal('99.5')), false],
    ['amount >= 99.50', col('amount').ge(lit.decimal('99.50')), true],
    ['amount < 10', col('amount').lt(10), false],
    ['amount between 100 and 200', col('amount').between(100, 200), false],
    ['amount IS NULL (3 nulls)', col('amount').isNull(), true],
    ['id IS NULL (no nulls)', col('id').isNull(), false],
    ['day = 2024-02-05', col('day').eq('2024-02-05'), false],
    ['day = 2024-02-01', col('day').eq(lit.date('2024-02-01')), true],
    ['ts >= 2024-02-01', col('ts').ge('2024-02-01'), false],
    ['ts < 2024-01-31 00:00:00.000001', col('ts').lt('2024-01-31 00:00:00.000001'), true],
    ['name = Zoé (after Zoë? no: é < ë)', col('name').eq('Zoé'), true],
    ['name > Zz', col('name').gt('Zz'), false],
    ['name in (A, zz)', col('name').in(['A', 'zz']), false],
    ['name in (A, B): B sorts inside', col('name').in(['A', 'B']), true],
    ['id = 1 OR id = 150', col('id').eq(1).or(col('id').eq(150)), true],
    ['id = 1 OR id = 250', col('id').eq(1).or(col('id').eq(250)), false],
    ['id = 150 AND amount > 100', col('id').eq(150).and(col('amount').gt(100)), false],
    ['function of a column: undecidable', fn.abs(col('id')).gt(1000).and(col('id').eq(150)), true],
  ])('%s -> %s', (_name, where, expected) => {
    expect(test(where)!(stats)).toBe(expected);
  });

  it('gives no test when nothing can rule a block out', () => {
    expect(test(fn.upper(col('name')).eq('X'))).toBeUndefined();
  });

  it('treats a column without statistics as possible', () => {
    expect(test(col('id').eq(1))!(new Map())).toBe(true);
  });
});

describe('skipping row groups in a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gluekit-pushdown-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const job = (where: ExprLike) =>
    defineJob({
      name: 'pushdown',
      role: 'arn:aws:iam::123456789012:role/R',
      region: 'eu-west-1',
      security: { allowUnencryptedSinks: true },
      sources: { orders: s3Source({ path: 's3://bkt/orders/', format: 'parquet', schema: { id: 'bigint', amount: 'decimal(10,2)' } }) },
      transforms: { big: filter({ input: 'orders', where }) },
      sinks: { out: s3Sink({ input: 'big', path: 's3://bkt/out/' }) },
    });

  it('reads only the file whose statistics allow matches, with the same result', async () => {
    const fileSchema = resolveSchema({ id: 'bigint', amount: 'decimal(10,2)' }, new ProblemList().at('s'))!;
    mkdirSync(join(dir, 'bkt/orders'), { recursive: true });
    for (const [name, from] of [['small.parquet', 1], ['large.parquet', 1000]] as const) {
      const rows = Array.from({ length: 100 }, (_, i) => ({ id: from + i, amount: `${from + i}.00` }));
      const batches = await rowsToBatches(rows, fileSchema, { ansi: true }, name);
      const chunks: Uint8Array[] = [];
      for await (const c of parquetWriter.write((async function* () { yield* batches; })(), { schema: fileSchema, compression: 'snappy' })) chunks.push(c);
      writeFileSync(join(dir, 'bkt/orders', name), Buffer.concat(chunks));
    }
    const pushed = await runLocally(job(col('amount').gt(1050)), { fixtures: dir });
    expect(pushed.report.nodes.find((n) => n.id === 'orders')!.rowsOut).toBe(100);
    const expected = Array.from({ length: 49 }, (_, i) => ({ id: 1051 + i, amount: `${1051 + i}.00` }));
    await expectRows(pushed.outputs.out, expected);
    const notPushed = await runLocally(job(fn.abs(col('amount')).gt(1050)), { fixtures: dir });
    expect(notPushed.report.nodes.find((n) => n.id === 'orders')!.rowsOut).toBe(200);
    await expectRows(notPushed.outputs.out, expected);
  });
});
