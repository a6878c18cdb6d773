/**
 * SparkSQL run locally on DuckDB (local-runner/sql), end to end through runLocally.
 */
import { describe, expect, it } from 'vitest';
import { s3Sink, s3Source, sparkSql, type GlueVersion, type SchemaInput } from '../../index.js';
import { runLocally, tableRows } from '../../local-runner/testing.js';
import { expectJobRows, testJob, type Inputs } from './harness.js';

const orders = { order_id: 'int', customer_id: 'int', amount: 'decimal(10,2)', status: 'string', placed_at: 'timestamp' };
const customers = { customer_id: 'int', name: 'string' };

function sqlJob(query: string, schema: SchemaInput, options: { glueVersion?: GlueVersion; sources?: Record<string, SchemaInput>; inputs?: Record<string, string> } = {}) {
  const sources = options.sources ?? { orders, customers };
  return testJob({
    ...(options.glueVersion && { glueVersion: options.glueVersion }),
    sources: Object.fromEntries(Object.entries(sources).map(([id, s]) => [id, s3Source({ path: `s3://test-in/${id}/`, format: 'json', schema: s })])),
    transforms: { q: sparkSql({ inputs: options.inputs ?? { o: 'orders', c: 'customers' }, query, schema }) },
    sinks: { out: s3Sink({ input: 'q', path: 's3://test-out/q/', format: 'json' }) },
  });
}

const someOrders: Inputs = {
  orders: [
    { order_id: 1, customer_id: 10, amount: '12.50', status: 'PAID', placed_at: '2024-01-31 10:00:00' },
    { order_id: 2, customer_id: 10, amount: '7.25', status: 'PAID', placed_at: '2024-02-01 09:30:00' },
    { order_id: 3, customer_id: 20, amount: '100.00', status: 'NEW', placed_at: null },
    { order_id: 4, customer_id: 30, amount: null, status: 'PAID', placed_at: '2024-02-02 00:00:00' },
  ],
  customers: [
    { customer_id: 10, name: 'ann' },
    { customer_id: 20, name: 'bob' },
  ],
};

describe('SparkSQL locally', () => {
  it('joins two inputs', async () => {
    const job = sqlJob('SELECT o.order_id, c.name, o.amount FROM o JOIN c ON o.customer_id = c.customer_id', { order_id: 'int', name: 'string', amount: 'decimal(10,2)' });
    await expectJobRows(job, someOrders, {
      out: [
        { order_id: 1, name: 'ann', amount: '12.50' },
        { order_id: 2, name: 'ann', amount: '7.25' },
        { order_id: 3, name: 'bob', amount: '100.00' },
      ],
    });
  });
});
