/**
 * Schema drift between fixtures and their table: every kind of difference (a missing
 * column, an extra column, a different type, nullability, a CSV field at another
 * position, a header-less CSV with another number of fields) stops the run with a
 * column-by-column diff naming the file; with schemaDrift: 'permissive' the run reads the
 * files as Glue's DynamicFrame does (missing columns null, extra dropped, types cast) and
 * warns.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { catalogSource, defineJob, defineTable, s3Sink, selectFields, type TableProps } from '../../index.js';
import { parseGlueType } from '../../catalog/types.js';
import { field, type Schema } from '../../catalog/schema.js';
import { ANSI } from '../../kernels/context.js';
import { parquetWriter } from '../../local-runner/formats/parquet.js';
import { expectRows, rowsToBatches, runLocally } from '../../local-runner/testing.js';

const base: TableProps = {
  database: 'shop',
  name: 'items',
  location: 's3://shop/items/',
  format: 'parquet',
  columns: { id: { type: 'bigint', nullable: false }, name: 'string', price: 'decimal(10,2)' },
};

function job(table: TableProps, schemaDrift?: 'fail' | 'permissive') {
  return defineJob({
    name: 'drift-test',
    role: 'arn:aws:iam::123456789012:role/Glue',
    region: 'us-east-1',
    security: { allowUnencryptedSinks: true },
    sources: { items: catalogSource({ table: defineTable(table), ...(schemaDrift && { schemaDrift }) }) },
    sinks: { out: s3Sink({ input: 'items', path: 's3://out/items/' }) },
  });
}

function fixtures(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gluekit-drift-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function parquet(columns: [string, string, boolean][], rows: Record<string, unknown>[]): Promise<Uint8Array> {
  const schema: Schema = columns.map(([name, type, nullable]) => field(name, parseGlueType(type), nullable));
  const batches = await rowsToBatches(rows, schema, ANSI, 'rows');
  const parts: Uint8Array[] = [];
  for await (const part of parquetWriter.write((async function* () { yield* batches; })(), { schema, compression: 'snappy' })) parts.push(part);
  return Buffer.concat(parts);
}

const matching: [string, string, boolean][] = [['id', 'bigint', false], ['name', 'string', true], ['price', 'decimal(10,2)', true]];

afterEach(() => vi.restoreAllMocks());

describe('schema drift stops the run with a diff', () => {
  it('reads a nullable column without nulls into a not-null one (Spark writes every column nullable)', async () => {
    const dir = fixtures({ 'shop/items/part-0.parquet': await parquet([['id', 'bigint', true], ['name', 'string', true], ['price', 'decimal(10,2)', true]], [{ id: 1, name: 'a', price: '1.50' }]) });
    const result = await runLocally(job(base), { fixtures: dir });
    await expectRows(result.outputs.out, [{ id: 1, name: 'a', price: '1.50' }]);
  });

  it('reads files that match, with char(n) columns read from strings', async () => {
    const dir = fixtures({ 'shop/items/part-0.parquet': await parquet(matching, [{ id: 1, name: 'a', price: '1.50' }]) });
    const table = { ...base, columns: { ...base.columns as object, name: 'char(1)' } } as TableProps;
    const result = await runLocally(job(table), { fixtures: dir });
    await expectRows(result.outputs.out, [{ id: 1, name: 'a', price: '1.50' }]);
  });

  it.each<[string, [string, string, boolean][], RegExp[]]>([
    ['a missing column', [['id', 'bigint', false], ['name', 'string', true]], [/price\s+decimal\(10,2\)\s+-\s+missing from the file/]],
    ['an extra column', [...matching, ['colour', 'string', true]], [/colour\s+-\s+string\s+not in the table/]],
    ['a different type', [['id', 'int', false], ['name', 'string', true], ['price', 'double', true]], [/id\s+bigint not null\s+int not null\s+type differs/, /price\s+decimal\(10,2\)\s+double\s+type differs/]],
    ['nulls in a not-null column', [['id', 'bigint', true], ['name', 'string', true], ['price', 'decimal(10,2)', true]], [/id\s+bigint not null\s+bigint \(1 null\)\s+nulls in a not-null column/]],
    ['a name differing in case', [['ID', 'bigint', false], ['name', 'string', true], ['price', 'decimal(10,2)', true]], [/id\s+bigint not null\s+- \(the file has "ID"; names match exactly\)/, /ID\s+-\s+bigint not null\s+not in the table/]],
  ])('Parquet: %s', async (_name, columns, diff) => {
    const nullable = columns.some(([name, , n]) => name === 'id' && n);
    const rows = [{ id: 1, ID: 1, name: 'a', price: 1.5, colour: 'red' }, ...(nullable ? [{ name: 'b' }] : [])];
    const dir = fixtures({ 'shop/items/part-0.parquet': await parquet(columns, rows) });
    const run = runLocally(job(base), { fixtures: dir });
    await expect(run).rejects.toThrow(/source "items": fixtures differ from table shop\.items:\n  .*shop\/items\/part-0\.parquet:\n    column/);
    for (const line of diff) await expect(run).rejects.toThrow(line);
    await expect(run).rejects.toThrow(/schemaDrift: 'permissive'/);
  });

  it('CSV: a header whose columns are at other positions, and values of another type', async () => {
    const dir = fixtures({ 'shop/items/part-0.csv': 'name,id,price\na,1,cheap\n' });
    const run = runLocally(job({ ...base, format: 'csv', columns: { id: 'bigint', name: 'string', price: 'decimal(10,2)' } }), { fixtures: dir });
    await expect(run).rejects.toThrow(/id\s+position 1\s+position 2\s+at another position \(Glue reads CSV fields by position\)/);
    await expect(run).rejects.toThrow(/price\s+decimal\(10,2\)\s+values of type string\s+type differs/);
  });

  it('CSV without a header: another number of fields', async () => {
    const dir = fixtures({ 'shop/items/part-0.csv': '1|a\n2|b\n' });
    const table: TableProps = { ...base, format: 'csv', csv: { separator: '|', quote: null, header: false }, columns: { id: 'bigint', name: 'string', price: 'decimal(10,2)' } };
    await expect(runLocally(job(table), { fixtures: dir })).rejects.toThrow(/price\s+position 3\s+2 fields per line\s+missing from the file/);
  });

  it('JSON: not-null fields missing from every row, extra fields, and values of another type', async () => {
    const dir = fixtures({ 'shop/items/part-0.json': '{"id":1,"name":"a","colour":"red"}\n{"id":"two","name":"b"}\n' });
    const run = runLocally(job({ ...base, format: 'json', columns: { id: 'bigint', name: 'string', price: { type: 'decimal(10,2)', nullable: false }, note: 'string' } }), { fixtures: dir });
    await expect(run).rejects.toThrow(/id\s+bigint\s+values of type string\s+type differs/);
    await expect(run).rejects.toThrow(/price\s+decimal\(10,2\) not null\s+-\s+missing from the file/);
    // A nullable field no row holds is only null: JSON writers leave null fields out.
    await expect(run).rejects.not.toThrow(/note/);
    await expect(run).rejects.toThrow(/colour\s+-\s+string\s+not in the table/);
  });
});

describe("schemaDrift: 'permissive' reads as Glue's DynamicFrame does", () => {
  it('Parquet: missing columns null, extra dropped, types cast, with a warning', async () => {
    const warnings: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (warnings.push(String(chunk)), true));
    const dir = fixtures({
      'shop/items/part-0.parquet': await parquet([['id', 'int', true], ['name', 'string', true], ['colour', 'string', true]], [{ id: 1, name: 'a', colour: 'red' }]),
      'shop/items/part-1.parquet': await parquet(matching, [{ id: 2, name: 'b', price: '2.00' }]),
    });
    const result = await runLocally(job(base, 'permissive'), { fixtures: dir });
    await expectRows(result.outputs.out, [{ id: 1, name: 'a', price: null }, { id: 2, name: 'b', price: '2.00' }]);
    expect(warnings.join('')).toMatch(/gluekit: warning: source "items": fixtures differ from table shop\.items:[\s\S]*part-0\.parquet[\s\S]*read permissively/);
    expect(warnings.join('')).not.toMatch(/part-1\.parquet/);
  });

  it('JSON: invalid values become null, as a non-ANSI cast makes them', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dir = fixtures({ 'shop/items/part-0.json': '{"id":1,"name":"a","colour":"red"}\n{"id":"two","name":"b"}\n' });
    const result = await runLocally(job({ ...base, format: 'json', columns: { id: 'bigint', name: 'string', price: 'decimal(10,2)' } }, 'permissive'), { fixtures: dir });
    await expectRows(result.outputs.out, [{ id: 1, name: 'a', price: null }, { id: null, name: 'b', price: null }]);
  });
});

describe('partition columns of a catalog source', () => {
  it("come from the key=value folders, cast to the partition keys' types", async () => {
    const clicks: TableProps = {
      database: 'events', name: 'clicks', location: 's3://acme-events/clicks/', format: 'json',
      columns: { user_id: 'bigint', url: 'string', ms: 'double', ok: 'boolean', tags: 'array<string>', referrer: 'struct<host:string,path:string>' },
      partitionKeys: { dt: 'date', hour: 'int' },
    };
    const sink = defineJob({ ...job(clicks), transforms: { picked: selectFields({ input: 'items', fields: ['user_id', 'url', 'dt', 'hour'] }) }, sinks: { out: s3Sink({ input: 'picked', path: 's3://out/items/' }) } });
    const result = await runLocally(sink, { fixtures: join(import.meta.dirname, 'fixtures') });
    await expectRows(result.outputs.out, [
      { user_id: 7, url: '/home', dt: '2024-01-31', hour: 9 },
      { user_id: 8, url: '/cart', dt: '2024-01-31', hour: 9 },
      { user_id: 9, url: '/home', dt: '2024-01-31', hour: 10 },
      { user_id: 12345678901, url: '/pay', dt: '2024-02-01', hour: 9 },
    ]);
    expect(result.report.nodes[0]!.schema.slice(6)).toEqual([{ name: 'dt', type: 'date', nullable: true }, { name: 'hour', type: 'int', nullable: true }]);
  });
});
