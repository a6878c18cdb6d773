/**
 * Daily revenue by country and customer segment.
 *
 * The payments team drops the orders feed as JSON Lines, client-side encrypted
 * (CSE-KMS), into its own bucket. This job keeps paid orders, joins them to the CRM's
 * customer table, aggregates revenue per day, country and segment, and writes the result
 * as Parquet partitioned by day, SSE-KMS encrypted, registering new partitions in the
 * catalog.
 */
import {
  aggregate,
  applyMapping,
  catalogSource,
  col,
  cseKms,
  defineJob,
  filter,
  join,
  s3Sink,
  s3Source,
} from 'gluekit';
import { analyticsDataKey, bookmarksKey, logsKey, ordersFeedKey } from './keys.js';
import { customers } from './tables.js';

export default defineJob({
  name: 'orders-daily-revenue',
  description: 'Daily revenue by country and segment from the encrypted orders feed',
  role: 'arn:aws:iam::123456789012:role/GlueOrdersDailyRevenue',
  region: 'eu-west-1',
  glueVersion: '6.0',
  workers: { type: 'G.1X', count: 4 },
  timeoutMinutes: 60,
  maxRetries: 1,
  bookmarks: 'enable',
  tags: { team: 'analytics', 'cost-center': 'cc-1042' },
  security: {
    s3: { kmsKey: analyticsDataKey },
    cloudWatchLogs: { kmsKey: logsKey },
    jobBookmarks: { kmsKey: bookmarksKey },
  },

  sources: {
    orders: s3Source({
      path: 's3://acme-payments-feed/orders/',
      format: 'json',
      encryption: cseKms(ordersFeedKey, { context: { feed: 'orders' } }),
      schema: {
        order_id: { type: 'bigint', nullable: false },
        customer_id: 'bigint',
        order_ts: 'timestamp',
        status: 'string',
        amount: 'decimal(12,2)',
        currency: 'string',
      },
    }),
    customers: catalogSource({ table: customers }),
  },

  transforms: {
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
      path: 's3://acme-analytics/daily_revenue/',
      format: 'parquet',
      partitionKeys: ['order_date'],
      catalog: { database: 'analytics', table: 'daily_revenue' },
    }),
  },
});
