/**
 * Acceptance: the compiled catalog files are accepted as they are by the AWS CLI (whose
 * botocore validates every member against the Glue service model) and by moto's Glue
 * catalog, and get-table / get-partitions return the columns, partition keys, location
 * and formats that were sent. The job is test/jobs/every-transform.ts (a partitioned CSV
 * catalog table read, a Parquet sink registering its output) plus JSON and unquoted-CSV
 * tables, compiled through the CLI with --fixtures so the partitions come from
 * test/catalog/fixtures/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, peersAvailable, startMoto, type Moto } from '../support/peers.js';

const available = peersAvailable('moto_server', 'aws');
const root = join(import.meta.dirname, '..', '..');

/** A job reading a JSON table (with a defineDatabase) and an unquoted CSV table with a null token. */
const EXTRA_JOB = `
import { catalogSource, defineDatabase, defineJob, defineTable, join, s3Sink } from 'gluekit';
const events = defineDatabase({ name: 'events', description: 'Click stream', locationUri: 's3://acme-events/', parameters: { owner: 'web' } });
const clicks = defineTable({
  database: events, name: 'clicks', location: 's3://acme-events/clicks/', format: 'json', compression: 'gzip',
  description: 'One row per click',
  columns: { user_id: { type: 'bigint', comment: 'who clicked' }, url: 'string', ms: 'double', tags: 'array<string>',
             referrer: 'struct<host:string,path:varchar(2048)>' },
  partitionKeys: { dt: 'date', hour: 'int' },
  parameters: { 'projection.enabled': 'false' },
});
const users = defineTable({
  database: 'crm', name: 'users', location: 's3://acme-crm/users/', format: 'csv',
  csv: { separator: '|', quote: null, header: false, nullToken: '\\\\N' },
  columns: { user_id: 'bigint', country: 'char(2)', score: 'decimal(5,2)' },
});
export default defineJob({
  name: 'catalog-acceptance', role: 'arn:aws:iam::123456789012:role/GlueCatalogAcceptance', region: 'us-east-1',
  security: { allowUnencryptedSinks: true },
  sources: { clicks: catalogSource({ table: clicks }), users: catalogSource({ table: users }) },
  transforms: { joined: join({ left: 'clicks', right: 'users', on: ['user_id'] }) },
  sinks: { out: s3Sink({ input: 'joined', path: 's3://acme-out/joined/', format: 'csv', compression: 'gzip', partitionKeys: ['dt'], catalog: { database: 'events', table: 'joined' } }) },
});
`;

describe.skipIf(!available)('compiled catalog inputs against the AWS CLI and moto', () => {
  let moto: Moto;
  let out: string;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    moto = await startMoto('us-east-1');
    out = mkdtempSync(join(tmpdir(), 'gluekit-catalog-'));
    const extra = join(root, 'test', 'catalog', '.catalog-acceptance.job.ts');
    writeFileSync(extra, EXTRA_JOB);
    try {
      execFileSync('node', ['cli/bin.js', 'compile', 'test/jobs/every-transform.ts', extra, '--out', out, '--fixtures', 'test/catalog/fixtures'], { cwd: root, stdio: 'pipe' });
    } finally {
      (await import('node:fs')).rmSync(extra, { force: true });
    }
    for (const job of ['every-transform', 'catalog-acceptance']) {
      for (const name of readdirSync(join(out, job, 'catalog'))) files[name] = join(out, job, 'catalog', name);
    }
  });
  afterAll(async () => moto?.stop());

  it('compiles one file per database, table and partition batch', () => {
    expect(Object.keys(files).sort()).toEqual([
      'crm.database.json', 'crm.users.table.json', 'events.clicks.partitions.json', 'events.clicks.table.json', 'events.database.json',
      'events.joined.table.json', 'shop.database.json', 'shop.priced.table.json', 'shop.products.partitions.json', 'shop.products.table.json',
    ]);
  });

  it('creates the databases, and get-database returns what was sent', () => {
    for (const name of Object.keys(files).filter((f) => f.endsWith('.database.json'))) {
      aws(moto, ['glue', 'create-database', '--cli-input-json', `file://${files[name]}`]);
      const sent = JSON.parse(readFileSync(files[name]!, 'utf8')).DatabaseInput;
      const { Database } = aws(moto, ['glue', 'get-database', '--name', sent.Name]) as { Database: Record<string, unknown> };
      expect(Database).toMatchObject(sent);
    }
  });

  it('creates the tables, and get-table returns the same columns, partition keys, location and formats', () => {
    for (const name of Object.keys(files).filter((f) => f.endsWith('.table.json'))) {
      aws(moto, ['glue', 'create-table', '--cli-input-json', `file://${files[name]}`]);
      const sent = JSON.parse(readFileSync(files[name]!, 'utf8'));
      const { Table } = aws(moto, ['glue', 'get-table', '--database-name', sent.DatabaseName, '--name', sent.TableInput.Name]) as { Table: Record<string, any> };
      const want = sent.TableInput;
      expect(Table.TableType).toBe('EXTERNAL_TABLE');
      expect(Table.PartitionKeys).toEqual(want.PartitionKeys);
      expect(Table.Parameters).toEqual(want.Parameters);
      for (const key of ['Columns', 'Location', 'InputFormat', 'OutputFormat', 'SerdeInfo', 'Compressed', 'Parameters']) {
        expect(Table.StorageDescriptor[key], `${name}: StorageDescriptor.${key}`).toEqual(want.StorageDescriptor[key]);
      }
    }
  });

  it('matches what a crawler writes for each format', () => {
    const table = (name: string) => JSON.parse(readFileSync(files[name]!, 'utf8')).TableInput;
    expect(table('shop.products.table.json').StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde', Parameters: { separatorChar: ',', quoteChar: '"' },
    });
    expect(table('shop.products.table.json').Parameters).toMatchObject({ classification: 'csv', 'skip.header.line.count': '1', delimiter: ',' });
    expect(table('crm.users.table.json').StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
      Parameters: { 'field.delim': '|', 'serialization.format': '|', 'serialization.null.format': '\\N' },
    });
    const clicks = table('events.clicks.table.json');
    expect(clicks.StorageDescriptor).toMatchObject({
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      Compressed: true,
      SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { paths: 'user_id,url,ms,tags,referrer' } },
    });
    expect(clicks.StorageDescriptor.Columns[0]).toEqual({ Name: 'user_id', Type: 'bigint', Comment: 'who clicked' });
    expect(clicks.StorageDescriptor.Columns[4]).toEqual({ Name: 'referrer', Type: 'struct<host:string,path:varchar(2048)>' });
    expect(clicks.Parameters).toMatchObject({ classification: 'json', compressionType: 'gzip', 'projection.enabled': 'false' });
    expect(table('events.joined.table.json').PartitionKeys).toEqual([{ Name: 'dt', Type: 'date' }]);
  });

  it('creates the partitions found in the fixtures, and get-partitions returns them', () => {
    const sent = JSON.parse(readFileSync(files['shop.products.partitions.json']!, 'utf8'));
    expect(sent.PartitionInputList.map((p: { Values: string[] }) => p.Values)).toEqual([['board games'], ['books']]);
    const result = aws(moto, ['glue', 'batch-create-partition', '--cli-input-json', `file://${files['shop.products.partitions.json']}`]) as { Errors?: unknown[] };
    expect(result.Errors ?? []).toEqual([]);
    const { Partitions } = aws(moto, ['glue', 'get-partitions', '--database-name', 'shop', '--table-name', 'products']) as { Partitions: Record<string, any>[] };
    const got = Partitions.map((p) => [p.Values, p.StorageDescriptor.Location, p.StorageDescriptor.SerdeInfo.SerializationLibrary]).sort();
    expect(got).toEqual([
      [['board games'], 's3://shop-curated/products/category=board games/', 'org.apache.hadoop.hive.serde2.OpenCSVSerde'],
      [['books'], 's3://shop-curated/products/category=books/', 'org.apache.hadoop.hive.serde2.OpenCSVSerde'],
    ]);
  });

  it('creates partitions of two keys (date and int) in key order', () => {
    aws(moto, ['glue', 'batch-create-partition', '--cli-input-json', `file://${files['events.clicks.partitions.json']}`]);
    const { Partitions } = aws(moto, ['glue', 'get-partitions', '--database-name', 'events', '--table-name', 'clicks']) as { Partitions: Record<string, any>[] };
    expect(Partitions.map((p) => `${p.Values.join(',')} ${p.StorageDescriptor.Location}`).sort()).toEqual([
      '2024-01-31,09 s3://acme-events/clicks/dt=2024-01-31/hour=09/',
      '2024-01-31,10 s3://acme-events/clicks/dt=2024-01-31/hour=10/',
      '2024-02-01,09 s3://acme-events/clicks/dt=2024-02-01/hour=09/',
    ]);
  });

  it('infers a table from an s3:// URL (catalog infer through the SDK)', () => {
    aws(moto, ['s3api', 'create-bucket', '--bucket', 'infer-bucket']);
    execFileSync('aws', ['s3', 'cp', '--recursive', '--only-show-errors', join(root, 'test/catalog/fixtures/acme-events/clicks'), 's3://infer-bucket/clicks/', '--endpoint-url', moto.endpoint], { env: moto.env, stdio: 'pipe' });
    const r = spawnSync(process.execPath, ['cli/bin.js', 'catalog', 'infer', 's3://infer-bucket/clicks/', '--name', 'events.clicks'], { cwd: root, encoding: 'utf8', env: moto.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("location: 's3://infer-bucket/clicks/'");
    expect(r.stdout).toContain("partitionKeys: {\n    dt: 'date',\n    hour: 'int',\n  }");
    expect(r.stdout).toContain("user_id: 'bigint'");
  });
});
