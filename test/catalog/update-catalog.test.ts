/**
 * Sinks that update the catalog (Glue's enableUpdateCatalog): the run report records the
 * table schema Glue would write (columns without the partition keys, then the keys) and
 * every partition written with its values and location; sinks without `catalog` get no
 * such entry. Checked through the testing API and through `gluekit run`'s run-report.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineJob, s3Sink, s3Source } from '../../index.js';
import { runLocally } from '../../local-runner/testing.js';

const job = defineJob({
  name: 'update-catalog',
  role: 'arn:aws:iam::123456789012:role/Glue',
  region: 'us-east-1',
  security: { allowUnencryptedSinks: true },
  sources: { sales: s3Source({ path: 's3://raw/sales/', format: 'json', schema: { day: 'date', shop: 'string', amount: 'decimal(10,2)' } }) },
  sinks: {
    registered: s3Sink({ input: 'sales', path: 's3://lake/sales/', partitionKeys: ['day', 'shop'], catalog: { database: 'lake', table: 'sales', updateBehavior: 'LOG' } }),
    plain: s3Sink({ input: 'sales', path: 's3://lake/plain/' }),
  },
});

describe('enableUpdateCatalog in the run report', () => {
  it('records the schema and the partitions written', async () => {
    const { report } = await runLocally(job, {
      inputs: { sales: [{ day: '2024-01-31', shop: 'a/b', amount: '1.00' }, { day: '2024-01-31', shop: null, amount: '2.00' }, { day: '2024-02-01', shop: 'c', amount: '3.00' }] },
    });
    const registered = report.sinks.find((s) => s.id === 'registered')!;
    expect(registered.catalog).toEqual({
      database: 'lake',
      table: 'sales',
      updateBehavior: 'LOG',
      columns: [{ name: 'amount', type: 'decimal(10,2)' }],
      partitionKeys: [{ name: 'day', type: 'date' }, { name: 'shop', type: 'string' }],
      partitions: [
        { values: ['2024-01-31', null], location: 's3://lake/sales/day=2024-01-31/shop=__HIVE_DEFAULT_PARTITION__/' },
        { values: ['2024-01-31', 'a/b'], location: 's3://lake/sales/day=2024-01-31/shop=a%2Fb/' },
        { values: ['2024-02-01', 'c'], location: 's3://lake/sales/day=2024-02-01/shop=c/' },
      ],
    });
    expect(report.sinks.find((s) => s.id === 'plain')!.catalog).toBeUndefined();
  });

  it('is in the run-report.json gluekit run writes', () => {
    const root = resolve(import.meta.dirname, '..', '..');
    const out = mkdtempSync(join(tmpdir(), 'gluekit-report-'));
    const r = spawnSync(process.execPath, ['cli/bin.js', 'run', 'examples/orders/job.ts', '--keystore', 'examples/orders/keystore.json', '--out', out, '--json'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'run-report.json'), 'utf8'));
    const sink = report.sinks.find((s: { id: string }) => s.id === 'revenue_out');
    expect(sink.catalog).toMatchObject({ database: 'analytics', table: 'daily_revenue', updateBehavior: 'UPDATE_IN_DATABASE', partitionKeys: [{ name: 'order_date', type: 'date' }] });
    expect(sink.catalog.columns.map((c: { name: string }) => c.name)).toEqual(['country', 'segment', 'revenue', 'orders', 'customers']);
    expect(sink.catalog.partitions.map((p: { values: string[] }) => p.values)).toEqual(sink.partitions.map((p: string) => [p.slice('order_date='.length)]));
  });
});
