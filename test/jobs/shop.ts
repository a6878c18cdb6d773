/** A small job over CSV and JSON fixtures, for runner tests: no encryption, every step local. */
import { applyMapping, col, defineJob, filter, join, s3Sink, s3Source } from 'gluekit';

export default defineJob({
  name: 'shop-paid-orders',
  role: 'arn:aws:iam::123456789012:role/GlueShop',
  region: 'eu-west-1',
  glueVersion: '5.0',
  security: { allowUnencryptedSinks: true },
  sources: {
    orders: s3Source({
      path: 's3://shop-raw/orders/',
      format: 'csv',
      schema: { order_id: 'bigint', store: 'string', amount: 'decimal(10,2)', status: 'string', ordered_at: 'timestamp' },
    }),
    stores: s3Source({ path: 's3://shop-raw/stores/', format: 'json', schema: { store: 'string', city: 'string' } }),
  },
  transforms: {
    paid: filter({ input: 'orders', where: col('status').eq('PAID') }),
    by_day: applyMapping({
      input: 'paid',
      mappings: [{ from: 'order_id' }, { from: 'store' }, { from: 'amount' }, { from: 'ordered_at', to: 'order_date', type: 'date' }],
    }),
    with_city: join({ left: 'by_day', right: 'stores', on: ['store'], how: 'left' }),
  },
  sinks: {
    out: s3Sink({ input: 'with_city', path: 's3://shop-curated/paid/', partitionKeys: ['order_date'] }),
  },
});
