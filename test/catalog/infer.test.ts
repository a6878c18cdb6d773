/**
 * `gluekit catalog infer`: a crawler for fixtures. On the example's Parquet table it finds
 * the columns examples/orders/tables.ts declares; on partitioned CSV and JSON trees it
 * finds the format, the SerDe layout, the partition keys and their types; the printed
 * definition is valid TypeScript that defineTable accepts. Encrypted, mixed and
 * unlocatable inputs are refused with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTable, type TableDefinition } from '../../catalog/table.js';
import { formatGlueType } from '../../catalog/types.js';
import { ProblemList } from '../../core/problems.js';
import { customers } from '../../examples/orders/tables.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'bin.js');

function gluekit(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, GLUEKIT_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Imports printed TypeScript as a module (below the repository, where 'gluekit' resolves). */
async function load(source: string): Promise<TableDefinition> {
  const dir = mkdtempSync(join(root, 'test', 'catalog', '.tmp-infer-'));
  made.push(dir);
  writeFileSync(join(dir, 'table.ts'), source);
  const module = (await import(join(dir, 'table.ts'))) as Record<string, TableDefinition>;
  return Object.values(module)[0]!;
}

function tree(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gluekit-infer-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const columnsOf = (table: TableDefinition) => {
  const resolved = resolveTable(table, new ProblemList().at('table'));
  expect(resolved, 'defineTable accepts the printed definition').toBeDefined();
  return {
    columns: resolved!.columns.map((c) => `${c.name} ${formatGlueType(c.type)}`),
    partitionKeys: resolved!.partitionKeys.map((c) => `${c.name} ${formatGlueType(c.type)}`),
    resolved: resolved!,
  };
};

describe('gluekit catalog infer', () => {
  it("finds the example's customers table from its Parquet fixture", async () => {
    const r = gluekit('catalog', 'infer', 'examples/orders/fixtures/acme-curated/crm/customers', '--name', 'crm.customers');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const table = await load(r.stdout);
    const { columns, resolved } = columnsOf(table);
    const declared = resolveTable(customers, new ProblemList().at('t'))!;
    expect(columns).toEqual(declared.columns.map((c) => `${c.name} ${formatGlueType(c.type)}`));
    expect(resolved).toMatchObject({ database: 'crm', name: 'customers', location: declared.location, format: 'parquet' });
  });

  it('finds a partitioned, quoted CSV table and its partition key', async () => {
    const r = gluekit('catalog', 'infer', 'test/catalog/fixtures/shop-curated/products');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('from 2 csv files in 2 partitions');
    const { columns, partitionKeys, resolved } = columnsOf(await load(r.stdout));
    expect(columns).toEqual(['sku string', 'title string', 'price double']);
    expect(partitionKeys).toEqual(['category string']);
    expect(resolved).toMatchObject({ database: 'default', name: 'products', location: 's3://shop-curated/products/', csv: { separator: ',', quote: '"', header: true } });
  });

  it('finds a JSON table partitioned by date and hour, with nested columns', async () => {
    const r = gluekit('catalog', 'infer', 'test/catalog/fixtures/acme-events/clicks', '--name', 'events.clicks');
    expect(r.code).toBe(0);
    const { columns, partitionKeys, resolved } = columnsOf(await load(r.stdout));
    expect(columns).toEqual(['ms double', 'ok boolean', 'tags array<string>', 'url string', 'user_id bigint', 'referrer struct<host:string,path:string>']);
    expect(partitionKeys).toEqual(['dt date', 'hour int']);
    expect(resolved).toMatchObject({ location: 's3://acme-events/clicks/', format: 'json', compression: 'none' });
  });

  it('detects an unquoted, header-less, pipe-separated CSV, gzip, and unnamed partition folders', async () => {
    const dir = tree({
      'fixtures/raw/feed/2024/01/part-0.csv.gz': gzipSync('1|alpha|2.5\n2|beta|3\n'),
      'fixtures/raw/feed/2024/02/part-0.csv.gz': gzipSync('3|gamma|4.25\n'),
    });
    const r = gluekit('catalog', 'infer', join(dir, 'fixtures', 'raw', 'feed'), '--name', 'raw.feed');
    expect(r.stderr).toBe('');
    const { columns, partitionKeys, resolved } = columnsOf(await load(r.stdout));
    expect(columns).toEqual(['col0 int', 'col1 string', 'col2 double']);
    expect(partitionKeys).toEqual(['partition_0 int', 'partition_1 int']);
    expect(resolved).toMatchObject({ location: 's3://raw/feed/', compression: 'gzip', csv: { separator: '|', quote: null, header: false } });
  });

  it('refuses client-side encrypted objects', () => {
    const r = gluekit('catalog', 'infer', 'examples/orders/fixtures/acme-payments-feed/orders');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2024-01-31\.json: client-side encrypted \(CSE-KMS\); decrypt it first/);
  });

  it('refuses files of two formats, and files under different partition folders', () => {
    const mixed = tree({ 'fixtures/b/t/a.json': '{"a":1}\n', 'fixtures/b/t/b.csv': 'a\n1\n' });
    expect(gluekit('catalog', 'infer', join(mixed, 'fixtures', 'b', 't')).stderr).toMatch(/b\.csv: csv, but the files before it are json; a table holds one format/);
    const uneven = tree({ 'fixtures/b/t/dt=1/a.json': '{"a":1}\n', 'fixtures/b/t/b.json': '{"a":2}\n' });
    expect(gluekit('catalog', 'infer', join(uneven, 'fixtures', 'b', 't')).stderr).toMatch(/dt=1\/a\.json: in folders dt, but the files before it are in the location itself/);
  });

  it('needs --location outside a fixtures directory, and a valid --name (exit 2)', () => {
    const dir = tree({ 'data/a.json': '{"a":1}\n' });
    const r = gluekit('catalog', 'infer', join(dir, 'data'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not inside a fixtures directory .* give --location s3:\/\/bucket\/prefix\//);
    const located = gluekit('catalog', 'infer', join(dir, 'data'), '--location', 's3://lake/data/', '--name', 'lake.data');
    expect(located.code).toBe(0);
    expect(located.stdout).toContain("location: 's3://lake/data/'");
    expect(gluekit('catalog', 'infer', join(dir, 'data'), '--location', 's3://lake/data/', '--name', 'Lake').code).toBe(2);
  });
});
