/**
 * Partition folders of a sink, as Spark/Hive name them: one folder per distinct path,
 * values escaped, NULL and '' both Hive's default partition, several keys nested in
 * order, rows kept in input order inside a folder, and the same folders whatever the
 * batch size (a folder's path is built once, when its values first appear).
 */
import { describe, expect, it } from 'vitest';
import { s3Sink, s3Source } from '../../index.js';
import { buildJob } from '../../jobs/validate.js';
import { kernelContext, runJob } from '../../local-runner/executor.js';
import { FixtureStore } from '../../local-runner/stores/fixtures.js';
import { MemoryStaging } from '../../local-runner/stores/memory.js';
import { rowsToBatches, type Row } from '../../local-runner/testing.js';
import type { SchemaInput } from '../../catalog/schema.js';
import { testJob } from './harness.js';

async function folders(schema: SchemaInput, partitionKeys: string[], rows: readonly Row[], batchRows: number): Promise<Record<string, unknown[]>> {
  const job = testJob({
    sources: { rows: s3Source({ path: 's3://test-in/rows/', format: 'json', schema }) },
    sinks: { out: s3Sink({ input: 'rows', path: 's3://test-out/t/', format: 'json', partitionKeys }) },
  });
  const ir = buildJob(job);
  const source = ir.nodes.find((n) => n.id === 'rows')!;
  const batches = await rowsToBatches(rows, source.schema, kernelContext(ir), 'rows', batchRows);
  const staging = new MemoryStaging();
  const result = await runJob(ir, { store: new FixtureStore('.'), staging, inputs: { rows: batches } });
  const out: Record<string, unknown[]> = {};
  for (const file of result.sinks[0]!.files) {
    const folder = file.key.slice('t/'.length, file.key.lastIndexOf('/'));
    const text = new TextDecoder().decode(staging.objects.get(`test-out/${file.key}`)!);
    out[folder] = [...(out[folder] ?? []), ...text.trim().split('\n').map((line) => JSON.parse(line))];
  }
  return out;
}

describe('partitioned sinks', () => {
  const rows = [
    { id: 1, city: 'Paris', day: '2024-01-31' },
    { id: 2, city: null, day: '2024-01-31' },
    { id: 3, city: 'a/b=c%', day: '2024-02-01' },
    { id: 4, city: '', day: '2024-01-31' },
    { id: 5, city: 'Paris', day: '2024-02-01' },
    { id: 6, city: 'Paris', day: '2024-01-31' },
  ];
  const expected = {
    'city=Paris/day=2024-01-31': [{ id: 1 }, { id: 6 }],
    'city=__HIVE_DEFAULT_PARTITION__/day=2024-01-31': [{ id: 2 }, { id: 4 }],
    'city=a%2Fb%3Dc%25/day=2024-02-01': [{ id: 3 }],
    'city=Paris/day=2024-02-01': [{ id: 5 }],
  };

  it.each([1, 2, 4, 100])('name one folder per path, escaped, NULL and empty strings together (batches of %i rows)', async (batchRows) => {
    expect(await folders({ id: 'int', city: 'string', day: 'date' }, ['city', 'day'], rows, batchRows)).toEqual(expected);
  });

  it('keep -0.0 and 0.0 in folders of their own, as their names differ', async () => {
    const out = await folders({ id: 'int', x: 'double' }, ['x'], [{ id: 1, x: 0 }, { id: 2, x: '-0.0' }, { id: 3, x: 0 }, { id: 4, x: null }], 1);
    expect(out).toEqual({ 'x=0.0': [{ id: 1 }, { id: 3 }], 'x=-0.0': [{ id: 2 }], 'x=__HIVE_DEFAULT_PARTITION__': [{ id: 4 }] });
  });

  it('name folders by integer, boolean and decimal values', async () => {
    const out = await folders({ id: 'int', n: 'bigint', ok: 'boolean', price: 'decimal(5,2)' }, ['n', 'ok', 'price'], [
      { id: 1, n: '-5', ok: true, price: '1.50' },
      { id: 2, n: '9007199254740993', ok: false, price: '1.50' },
      { id: 3, n: '-5', ok: true, price: '1.50' },
    ], 2);
    expect(out).toEqual({ 'n=-5/ok=true/price=1.50': [{ id: 1 }, { id: 3 }], 'n=9007199254740993/ok=false/price=1.50': [{ id: 2 }] });
  });
});
