/**
 * The example pipeline (examples/orders/job.ts) as the runner benchmark runs it
 * (bench/runner.mjs): the same filter, mapping, join, aggregate and partitioned write,
 * over Parquet instead of client-side encrypted JSON Lines, because the benchmark times
 * the engine against DuckDB over the same files, and DuckDB reads neither CSE objects
 * nor, as fast as it reads Parquet, JSON. The sink is unencrypted for the same reason the
 * fixtures are local: there is no KMS in a benchmark.
 *
 * The runner generates the fixtures under a temporary directory:
 * <dir>/bench-orders/orders/orders.parquet (2M rows) and
 * <dir>/bench-crm/customers/customers.parquet (100k rows).
 */
import { selectFields, aggregate, applyMapping, catalogSource, col, defineJob, defineTable, filter, join, s3Sink, s3Source } from 'gluekit';

/** The customer dimension as a catalog table, as the example reads it. */
const customers = defineTable({
  database: 'bench_crm',
  name: 'customers',
  location: 's3://bench-crm/customers/',
  format: 'parquet',
  columns: {
    customer_id: { type: 'bigint', nullable: false },
    name: 'string',
    country: 'string',
    segment: 'string',
    signup_date: 'date',
  },
});

export default defineJob({
  name: 'bench-orders-daily-revenue',
  role: 'arn:aws:iam::123456789012:role/GlueBenchOrders',
  region: 'eu-west-1',
  glueVersion: '6.0',
  security: { allowUnencryptedSinks: true },

  sources: {
    orders: s3Source({
      path: 's3://bench-orders/orders/',
      format: 'parquet',
      schema: {
        order_id: { type: 'bigint', nullable: false },
        customer_id: 'bigint',
        order_ts: 'timestamp',
        status: 'string',
        amount: 'decimal(12,2)',
        currency: 'string',
      },
    }),
    customers_all: catalogSource({ table: customers }),
  },

  transforms: {
    customers: selectFields({ input: 'customers_all', fields: ['customer_id', 'country', 'segment'] }),
    paid_orders: filter({
      input: 'orders',
      where: col('status')
        .in(['PAID', 'SHIPPED'])
        .and(col('amount').gt(0), col('currency').eq('EUR'), col('order_ts').ge('2024-01-01')),
    }),
    orders_by_day: applyMapping({
      input: 'paid_orders',
      mappings: [
        { from: 'order_id' },
        { from: 'customer_id' },
        { from: 'order_ts', to: 'order_date', type: 'date' },
        { from: 'amount' },
      ],
    }),
    with_customer: join({ left: 'orders_by_day', right: 'customers', on: ['customer_id'], how: 'inner' }),
    daily_revenue: aggregate({
      input: 'with_customer',
      groupBy: ['order_date', 'country', 'segment'],
      aggregations: [
        { fn: 'sum', column: 'amount', as: 'revenue' },
        { fn: 'count', column: 'order_id', as: 'orders' },
        { fn: 'countDistinct', column: 'customer_id', as: 'customers' },
      ],
    }),
  },

  sinks: {
    revenue_out: s3Sink({
      input: 'daily_revenue',
      path: 's3://bench-analytics/daily_revenue/',
      format: 'parquet',
      partitionKeys: ['order_date'],
    }),
  },
});
