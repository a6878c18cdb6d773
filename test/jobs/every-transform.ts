/**
 * A job that uses every transform, source format, sink format and Studio node shape
 * gluekit emits, so that tests can check them all against the AWS CLI's request
 * validation and moto, and compile the script with Python.
 */
import {
  aggregate,
  applyMapping,
  catalogSource,
  col,
  defineJob,
  defineTable,
  dropDuplicates,
  dropFields,
  dropNullFields,
  fillMissingValues,
  filter,
  fn,
  join,
  renameField,
  s3Sink,
  s3Source,
  selectFields,
  sparkSql,
  union,
} from 'gluekit';

const key = 'arn:aws:kms:us-east-1:123456789012:key/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';

const products = defineTable({
  database: 'shop',
  name: 'products',
  location: 's3://shop-curated/products/',
  format: 'csv',
  columns: { sku: 'string', title: 'string', price: 'decimal(10,2)' },
  partitionKeys: { category: 'string' },
});

export default defineJob({
  name: 'every-transform',
  role: 'arn:aws:iam::123456789012:role/service-role/GlueEveryTransform',
  region: 'us-east-1',
  glueVersion: '5.0',
  workers: { type: 'G.2X', count: 3 },
  executionClass: 'FLEX',
  arguments: { '--business_date': '2024-06-30' },
  security: { s3: { kmsKey: key } },
  sources: {
    sales_eu: s3Source({
      path: 's3://shop-raw/sales/eu/',
      format: 'csv',
      csv: { separator: ';', quote: '"', header: true },
      schema: { sku: 'string', qty: 'int', sold_at: 'timestamp', store: 'string', note: 'string' },
    }),
    sales_us: s3Source({
      path: 's3://shop-raw/sales/us/',
      format: 'parquet',
      schema: { sku: 'string', qty: 'int', sold_at: 'timestamp', store: 'string', note: 'string' },
    }),
    returns: s3Source({ path: 's3://shop-raw/returns/', format: 'json', schema: { sku: 'string', returned: 'int' } }),
    products: catalogSource({ table: products }),
  },
  transforms: {
    sales: union({ inputs: ['sales_eu', 'sales_us'] }),
    unique_sales: dropDuplicates({ input: 'sales', columns: ['sku', 'sold_at', 'store'] }),
    no_notes: dropFields({ input: 'unique_sales', fields: ['note'] }),
    filled: fillMissingValues({ input: 'no_notes', values: { qty: 0, store: 'unknown' } }),
    recent: filter({ input: 'filled', where: fn.year(col('sold_at')).ge(2024).and(col('store').rlike('^[A-Z]{2}-')) }),
    typed: applyMapping({
      input: 'recent',
      mappings: [{ from: 'sku' }, { from: 'qty', type: 'bigint' }, { from: 'sold_at', to: 'sold_on', type: 'date' }, { from: 'store' }],
    }),
    renamed: renameField({ input: 'typed', from: 'store', to: 'store_code' }),
    priced: join({ left: 'renamed', right: 'products', on: ['sku'], how: 'left' }),
    per_sku: aggregate({
      input: 'priced',
      groupBy: ['sku', 'category'],
      aggregations: [{ fn: 'sum', column: 'qty', as: 'units' }, { fn: 'max', column: 'price' }, { fn: 'count', column: '*' }],
    }),
    net: sparkSql({
      inputs: { s: 'per_sku', r: 'returns' },
      query: 'SELECT s.sku, s.category, s.units - coalesce(sum(r.returned), 0) AS net_units FROM s LEFT JOIN r ON s.sku = r.sku GROUP BY s.sku, s.category, s.units',
      schema: { sku: 'string', category: 'string', net_units: 'bigint' },
    }),
    compact: dropNullFields({ input: 'net', treatAsNull: { emptyString: true } }),
    slim: selectFields({ input: 'per_sku', fields: ['sku', 'units'] }),
  },
  sinks: {
    net_out: s3Sink({ input: 'compact', path: 's3://shop-analytics/net/', format: 'parquet', compression: 'zstd', partitionKeys: ['category'] }),
    slim_out: s3Sink({ input: 'slim', path: 's3://shop-analytics/slim/', format: 'csv', compression: 'gzip' }),
    json_out: s3Sink({ input: 'priced', path: 's3://shop-analytics/priced/', format: 'json', catalog: { database: 'shop', table: 'priced', updateBehavior: 'LOG' } }),
  },
});
