/**
 * defineDatabase / defineTable validation: each malformed definition is reported at its
 * exact field path inside the job (sources.<id>.table....), before anything is compiled;
 * and compileCatalog's choices: one database per name, sink tables derived from the
 * sink, conflicting definitions refused, partitions sorted and batched by 100.
 */
import { describe, expect, it } from 'vitest';
import { catalogSource, defineDatabase, defineJob, defineTable, s3Sink, s3Source, validateJob, type TableProps } from '../../index.js';
import { compileCatalog, compilePartitions } from '../../jobs/compile/catalog.js';
import { buildJob } from '../../jobs/validate.js';
import { resolveTable } from '../../catalog/table.js';
import { ProblemList } from '../../core/problems.js';
import { findPartitions } from '../../local-runner/partitions.js';
import { FixtureStore } from '../../local-runner/stores/fixtures.js';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { compileJob } from '../../jobs/compile/index.js';

const good: TableProps = {
  database: 'shop',
  name: 'products',
  location: 's3://shop-curated/products/',
  format: 'csv',
  columns: { sku: 'string', title: 'string', price: 'decimal(10,2)' },
  partitionKeys: { category: 'string' },
};

const jobWith = (table: unknown) =>
  defineJob({
    name: 'catalog-test',
    role: 'arn:aws:iam::123456789012:role/Glue',
    region: 'us-east-1',
    security: { allowUnencryptedSinks: true },
    sources: { products: catalogSource({ table: table as never }) },
    sinks: { out: s3Sink({ input: 'products', path: 's3://out/products/' }) },
  });

const problemsOf = (table: unknown) => validateJob(jobWith(table), { file: 'job.ts' }).problems.filter((p) => p.severity === 'error');

describe('defineTable validation', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['mixed-case table name', { name: 'Products' }, 'sources.products.table.name', /invalid catalog table name "Products"/],
    ['bad database name', { database: 'my-shop' }, 'sources.products.table.database', /invalid catalog database name "my-shop"/],
    ['bad database definition', { database: defineDatabase({ name: 'Shop', locationUri: 'http://x' }) }, 'sources.products.table.database.name', /invalid catalog database name/],
    ['database locationUri not S3', { database: defineDatabase({ name: 'shop', locationUri: 'http://x' }) }, 'sources.products.table.database.locationUri', /s3:\/\//],
    ['location not a folder', { location: 's3://shop-curated/products' }, 'sources.products.table.location', /must be a folder/],
    ['unknown format', { format: 'orc' }, 'sources.products.table.format', /unsupported table format "orc"/],
    ['misspelt field', { partitonKeys: {} }, 'sources.products.table.partitonKeys', /unknown table field "partitonKeys"/],
    ['bad separator', { csv: { separator: ':' } }, 'sources.products.table.csv.separator', /unsupported separator ":"/],
    ['null token with quotes', { csv: { nullToken: '\\N' } }, 'sources.products.table.csv.nullToken', /OpenCSVSerde .* has no null token/],
    ['escape without quotes', { csv: { quote: null, escape: '\\' } }, 'sources.products.table.csv.escape', /needs quoted fields/],
    ['csv options on parquet', { format: 'parquet' }, 'sources.products.table.csv', /csv options given for a parquet table/],
    ['snappy CSV', { compression: 'snappy' }, 'sources.products.table.compression', /unsupported compression "snappy" for csv/],
    ['reserved parameter', { parameters: { classification: 'avro' } }, 'sources.products.table.parameters.classification', /set by gluekit/],
    ['non-string parameter', { parameters: { retention: 30 } }, 'sources.products.table.parameters.retention', /expected a string value/],
    ['bad column type', { columns: { sku: 'varchar(0)' } }, 'sources.products.table.columns.sku', /varchar length must be 1..65535/],
    ['struct in CSV', { columns: { sku: 'struct<a:int>' } }, 'sources.products.table.columns.sku', /a CSV field is flat text/],
    ['complex partition key', { partitionKeys: { category: 'array<string>' } }, 'sources.products.table.partitionKeys.category', /folder names can only hold simple values/],
    ['partition key also a column', { partitionKeys: { sku: 'string' } }, 'sources.products.table.partitionKeys.sku', /is also a data column/],
    ['too long description', { description: 'x'.repeat(2049) }, 'sources.products.table.description', /Glue allows 2048/],
  ])('%s', (_name, change, path, message) => {
    const csv = change.format === 'parquet' ? { csv: { header: true } } : {};
    const problems = problemsOf(defineTable({ ...good, ...csv, ...change } as TableProps));
    expect(problems.map((p) => p.path)).toContain(path);
    expect(problems.find((p) => p.path === path)!.message).toMatch(message);
    expect(problems.find((p) => p.path === path)!.node).toBe('products');
  });

  it('accepts every documented option', () => {
    const table = defineTable({
      ...good,
      database: defineDatabase({ name: 'shop', description: 'Shop data', locationUri: 's3://shop-curated/', parameters: { team: 'shop' } }),
      csv: { separator: '|', quote: null, header: false, nullToken: '\\N' },
      compression: 'gzip',
      parameters: { 'projection.enabled': 'false' },
      description: 'Products',
      columns: [{ name: 'sku', type: 'char(8)', nullable: false, comment: 'stock keeping unit' }, { name: 'price', type: 'decimal(10,2)' }],
    });
    expect(problemsOf(table)).toEqual([]);
    const resolved = resolveTable(table, new ProblemList().at('t'))!;
    expect(resolved).toMatchObject({ database: 'shop', databaseDefinition: { name: 'shop', description: 'Shop data' }, compression: 'gzip', csv: { separator: '|', quote: null, header: false, nullToken: '\\N', escape: null } });
    expect(resolved.columns[0]).toMatchObject({ name: 'sku', nullable: false, comment: 'stock keeping unit' });
  });
});

describe('compileCatalog', () => {
  it('derives a sink table from the sink, and keeps a plain database name behind a defineDatabase', () => {
    const shop = defineDatabase({ name: 'shop', description: 'Shop data' });
    const ir = buildJob(defineJob({
      name: 'catalog-test', role: 'arn:aws:iam::123456789012:role/Glue', region: 'us-east-1', security: { allowUnencryptedSinks: true },
      sources: { products: catalogSource({ table: defineTable({ ...good, database: shop }) }) },
      sinks: { out: s3Sink({ input: 'products', path: 's3://out/products/', compression: 'uncompressed', partitionKeys: ['category'], catalog: { database: 'shop', table: 'copy' } }) },
    }));
    const catalog = compileCatalog(ir);
    expect(catalog.databases).toEqual([{ name: 'shop', input: { DatabaseInput: { Name: 'shop', Description: 'Shop data' } } }]);
    expect(catalog.tables.map((t) => t.name)).toEqual(['copy', 'products']);
    const copy = catalog.tables[0]!.input.TableInput;
    expect(copy.PartitionKeys).toEqual([{ Name: 'category', Type: 'string' }]);
    expect(copy.StorageDescriptor!.Columns!.map((c) => c.Name)).toEqual(['sku', 'title', 'price']);
    expect(copy.Parameters).toMatchObject({ classification: 'parquet', compressionType: 'none' });
  });

  it('refuses two different definitions of one table or database in a job, at the second place', () => {
    const definition = (change: Partial<TableProps>) =>
      defineJob({
        name: 'catalog-test', role: 'arn:aws:iam::123456789012:role/Glue', region: 'us-east-1', security: { allowUnencryptedSinks: true },
        sources: {
          a: catalogSource({ table: defineTable({ ...good, database: defineDatabase({ name: 'shop' }) }) }),
          b: catalogSource({ table: defineTable({ ...good, ...change }) }),
        },
        transforms: {},
        sinks: { out: s3Sink({ input: 'a', path: 's3://out/a/' }), out2: s3Sink({ input: 'b', path: 's3://out/b/' }) },
      });
    const tableProblems = validateJob(definition({ description: 'other' })).problems;
    expect(tableProblems).toEqual([expect.objectContaining({ node: 'b', path: 'sources.b.table', message: 'table shop.products is defined differently by node "a"' })]);
    const databaseProblems = validateJob(definition({ name: 'others', database: defineDatabase({ name: 'shop', description: 'x' }) })).problems;
    expect(databaseProblems).toEqual([expect.objectContaining({ node: 'b', path: 'sources.b.table.database', message: 'database shop is defined differently by node "a"' })]);
  });

  it('checks a sink that names a table the job defines against that definition', () => {
    const problems = validateJob(defineJob({
      name: 'catalog-test', role: 'arn:aws:iam::123456789012:role/Glue', region: 'us-east-1', security: { allowUnencryptedSinks: true },
      sources: { products: catalogSource({ table: defineTable(good) }) },
      sinks: { out: s3Sink({ input: 'products', path: 's3://shop-curated/products/', catalog: { database: 'shop', table: 'products' } }) },
    })).problems.filter((p) => p.severity === 'error');
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'sinks.out.catalog: table shop.products is csv, but the sink writes parquet',
      'sinks.out.catalog: table shop.products has columns sku string, title string, price decimal(10,2), but the sink writes sku string, title string, price decimal(10,2), category string',
      'sinks.out.catalog: table shop.products is partitioned by category string, but the sink by none',
    ]);
  });

  it('sorts partitions, escapes their folder names as Hive does, and batches them by 100', () => {
    const table = resolveTable(defineTable({ ...good, format: 'parquet', partitionKeys: { category: 'string', n: 'int' } }), new ProblemList().at('t'))!;
    const values = Array.from({ length: 150 }, (_, i) => [`c:${String(149 - i).padStart(3, '0')}`, String(i)]);
    const requests = compilePartitions(table, [...values, values[0]!, [null, '1']]);
    expect(requests.map((r) => r.PartitionInputList!.length)).toEqual([100, 51]);
    expect(requests[0]!.PartitionInputList![0]!.StorageDescriptor!.Location).toBe('s3://shop-curated/products/category=__HIVE_DEFAULT_PARTITION__/n=1/');
    expect(requests[0]!.PartitionInputList![1]).toMatchObject({ Values: ['c:000', '149'], StorageDescriptor: { Location: 's3://shop-curated/products/category=c%3A000/n=149/' } });
  });
});

describe('partitions of a fixture tree', () => {
  const store = new FixtureStore(join(import.meta.dirname, 'fixtures'));
  const clicks = (keys: Record<string, string>) =>
    resolveTable(defineTable({ database: 'events', name: 'clicks', location: 's3://acme-events/clicks/', format: 'json', columns: { url: 'string' }, partitionKeys: keys }), new ProblemList().at('t'))!;

  it('finds each partition once, with its values in key order', async () => {
    expect(await findPartitions(clicks({ dt: 'date', hour: 'int' }), store)).toEqual([['2024-01-31', '09'], ['2024-01-31', '10'], ['2024-02-01', '09']]);
  });

  it('names the file whose folders do not match the keys', async () => {
    await expect(findPartitions(clicks({ hour: 'int', dt: 'date' }), store)).rejects.toThrow(/clicks\/dt=2024-01-31\/hour=09\/part-00000.json: not in a hour=<value>\/dt=<value>\/ folder/);
  });

  it('names the folder whose value is not of the key type', async () => {
    await expect(findPartitions(clicks({ dt: 'int', hour: 'int' }), store)).rejects.toThrow(/partition folder dt=2024-01-31 does not hold a int/);
  });
});

describe("catalogSource({ schemaDrift })", () => {
  const job = (schemaDrift: unknown) =>
    defineJob({
      name: 'catalog-test', role: 'arn:aws:iam::123456789012:role/Glue', region: 'us-east-1', security: { allowUnencryptedSinks: true },
      sources: { products: catalogSource({ table: defineTable(good), schemaDrift: schemaDrift as 'permissive' }) },
      sinks: { out: s3Sink({ input: 'products', path: 's3://out/products/' }) },
    });

  it('is checked', () => {
    const problems = validateJob(job('lenient'), { file: 'job.ts' }).problems;
    expect(problems).toEqual([expect.objectContaining({ path: 'sources.products.schemaDrift', message: 'unsupported schemaDrift "lenient"' })]);
  });

  it("'permissive' makes the Glue script select missing columns as nulls, in valid Python", () => {
    const script = compileJob(buildJob(job('permissive'))).files['script.py']!;
    expect(script).toContain('df_products_read = dyf_products.toDF()');
    expect(script).toContain('(F.col("price") if "price" in df_products_read.columns else F.lit(None)).cast("decimal(10,2)").alias("price"),');
    const dir = mkdtempSync(join(tmpdir(), 'gluekit-py-'));
    writeFileSync(join(dir, 'script.py'), script);
    execFileSync('python3', ['-m', 'py_compile', join(dir, 'script.py')], { stdio: 'pipe' });
  });
});

describe('s3Sink({ catalog: { table: defineTable(...) } })', () => {
  const revenue = defineTable({
    database: defineDatabase({ name: 'analytics' }),
    name: 'revenue',
    location: 's3://lake/revenue/',
    format: 'parquet',
    columns: { shop: 'varchar(20)', amount: { type: 'decimal(10,2)', comment: 'EUR' } },
    partitionKeys: { day: 'date' },
  });
  const job = (sink: Record<string, unknown>) =>
    defineJob({
      name: 'catalog-test', role: 'arn:aws:iam::123456789012:role/Glue', region: 'us-east-1', security: { allowUnencryptedSinks: true },
      sources: { sales: s3Source({ path: 's3://raw/sales/', format: 'json', schema: { day: 'date', shop: 'string', amount: 'decimal(10,2)' } }) },
      sinks: { out: s3Sink({ input: 'sales', path: 's3://lake/revenue/', partitionKeys: ['day'], catalog: { table: revenue }, ...sink } as never) },
    });

  it('uses the definition for the compiled table when the sink writes what it describes', () => {
    const ir = buildJob(job({}));
    const table = compileCatalog(ir).tables[0]!;
    expect(table.input.TableInput.StorageDescriptor!.Columns).toEqual([{ Name: 'shop', Type: 'varchar(20)' }, { Name: 'amount', Type: 'decimal(10,2)', Comment: 'EUR' }]);
    expect(compileCatalog(ir).databases.map((d) => d.name)).toEqual(['analytics']);
    expect(compileJob(ir).files['script.py']).toContain('setCatalogInfo(catalogDatabase="analytics", catalogTableName="revenue")');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['another path', { path: 's3://lake/other/' }, /table analytics\.revenue is at s3:\/\/lake\/revenue\/, but the sink writes to s3:\/\/lake\/other\//],
    ['another format', { format: 'json' }, /table analytics\.revenue is parquet, but the sink writes json/],
    ['another compression', { compression: 'gzip' }, /is snappy-compressed, but the sink writes gzip/],
    ['other partition keys', { partitionKeys: ['shop'] }, /has columns shop varchar\(20\), amount decimal\(10,2\), but the sink writes day date, amount decimal\(10,2\)/],
    ['a database as well', { catalog: { table: revenue, database: 'x' } }, /the database comes from the table definition/],
  ])('refuses a sink with %s', (_name, change, message) => {
    const problems = validateJob(job(change), { file: 'job.ts' }).problems.filter((p) => p.severity === 'error');
    expect(problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(message);
    expect(problems.every((p) => p.path.startsWith('sinks.out.catalog'))).toBe(true);
  });
});
