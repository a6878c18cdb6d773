/**
 * Malformed job definitions: each is rejected with the expected message at the expected
 * place, none throws. Each case changes one thing in the example job.
 */
import { describe, expect, it } from 'vitest';
import base from '../examples/orders/job.js';
import {
  aggregate,
  applyMapping,
  col,
  cseKms,
  defineJob,
  filter,
  join,
  s3Sink,
  s3Source,
  sseKms,
  validateJob,
  type JobProps,
} from '../index.js';

const otherKey = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const props: JobProps = base;
const with_ = (change: Partial<JobProps>): JobProps => ({ ...props, ...change });
const transforms = (change: Record<string, unknown>) => with_({ transforms: { ...props.transforms, ...change } as JobProps['transforms'] });
const sinks = (change: Record<string, unknown>) => with_({ sinks: { ...props.sinks, ...change } as JobProps['sinks'] });
const revenueOut = (change: Record<string, unknown>) => s3Sink({ ...(props.sinks.revenue_out as object), ...change } as never);

interface Case {
  readonly name: string;
  readonly job: unknown;
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  readonly node?: string;
}

const cases: Case[] = [
  { name: 'invalid job name', job: with_({ name: 'orders daily!' }), path: 'name', message: 'invalid job name "orders daily!"' },
  { name: 'role that is not an ARN', job: with_({ role: 'GlueRole' }), path: 'role', message: 'is not an IAM role ARN' },
  { name: 'role ARN of another service', job: with_({ role: 'arn:aws:s3:::bucket' }), path: 'role', message: 'is not an IAM role ARN' },
  { name: 'bad region', job: with_({ region: 'Europe' }), path: 'region', message: 'invalid AWS region "Europe"' },
  { name: 'unsupported Glue version', job: with_({ glueVersion: '3.0' as never }), path: 'glueVersion', message: 'unsupported Glue version "3.0"' },
  { name: 'streaming worker type', job: with_({ workers: { type: 'G.025X' as never, count: 2 } }), path: 'workers.type', message: 'G.025X is for Glue streaming jobs only' },
  { name: 'Ray worker type', job: with_({ workers: { type: 'Z.2X' as never, count: 2 } }), path: 'workers.type', message: 'Z.2X is for Ray jobs only' },
  { name: 'misspelt worker type', job: with_({ workers: { type: 'G.1x' as never, count: 2 } }), path: 'workers.type', message: 'unknown worker type "G.1x"', hint: 'did you mean "G.1X"?' },
  { name: 'one worker', job: with_({ workers: { type: 'G.1X', count: 1 } }), path: 'workers.count', message: 'from 2 to 1000' },
  { name: 'timeout over 7 days', job: with_({ timeoutMinutes: 20_000 }), path: 'timeoutMinutes', message: 'from 1 to 10080' },
  { name: 'fractional retries', job: with_({ maxRetries: 1.5 }), path: 'maxRetries', message: 'whole number from 0 to 10' },
  { name: 'FLEX on a large worker', job: with_({ executionClass: 'FLEX', workers: { type: 'G.4X', count: 2 } }), path: 'executionClass', message: 'FLEX runs only on G.1X or G.2X workers' },
  { name: 'reserved argument', job: with_({ arguments: { '--JOB_NAME': 'x' } }), path: 'arguments["--JOB_NAME"]', message: 'reserved by AWS Glue' },
  { name: 'managed argument', job: with_({ arguments: { '--TempDir': 's3://x/' } }), path: 'arguments["--TempDir"]', message: 'is set by gluekit', hint: 'tempDir' },
  { name: 'argument without dashes', job: with_({ arguments: { day: '1' } }), path: 'arguments.day', message: 'start with "--"' },
  { name: 'too many tags', job: with_({ tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'v'])) }), path: 'tags', message: 'at most 49' },
  { name: 'aws: tag', job: with_({ tags: { 'aws:owner': 'me' } }), path: 'tags["aws:owner"]', message: 'the aws: prefix is reserved' },
  { name: 'KMS alias ARN', job: with_({ security: { ...props.security, s3: { kmsKey: 'arn:aws:kms:eu-west-1:123456789012:alias/data' } } }), path: 'security.s3.kmsKey', message: 'is a KMS alias ARN' },
  { name: 'non-KMS ARN for a key', job: with_({ security: { ...props.security, cloudWatchLogs: { kmsKey: 'arn:aws:s3:::logs' } } }), path: 'security.cloudWatchLogs.kmsKey', message: 'is a s3 ARN, not a KMS key ARN' },
  { name: 'bare key id', job: with_({ security: { ...props.security, jobBookmarks: { kmsKey: 'alias/bookmarks' } } }), path: 'security.jobBookmarks.kmsKey', message: 'bare key id or alias' },
  { name: 'unknown security setting', job: with_({ security: { ...props.security, s3Encryption: true } as never }), path: 'security.s3Encryption', message: 'unknown security setting' },
  { name: 'unencrypted sink', job: with_({ security: { cloudWatchLogs: props.security!.cloudWatchLogs } }), path: 'sinks.revenue_out.encryption', message: 'would write unencrypted objects', node: 'revenue_out' },
  { name: 'sink SSE-KMS key other than the job key', job: sinks({ revenue_out: revenueOut({ encryption: sseKms(otherKey) }) }), path: 'sinks.revenue_out.encryption.kmsKey', message: 'one SSE-KMS key' },
  { name: 'CSE sink with an encryption context', job: sinks({ revenue_out: revenueOut({ encryption: cseKms(otherKey, { context: { a: 'b' } }) }) }), path: 'sinks.revenue_out.encryption.context', message: 'cannot add an encryption context' },
  { name: 'CSE source with a plaintext sink on Glue 5.0', job: with_({ glueVersion: '5.0' }), path: 'sinks.revenue_out.encryption', message: 'EMRFS applies client-side encryption to every object' },
  { name: 'plaintext sink in a CSE bucket', job: sinks({ revenue_out: revenueOut({ path: 's3://acme-payments-feed/out/' }) }), path: 'sinks.revenue_out.path', message: 'holds client-side encrypted data' },
  { name: 'source that is not S3', job: with_({ sources: { ...props.sources, orders: s3Source({ ...(props.sources.orders as object), path: '/data/orders' } as never) } }), path: 'sources.orders.path', message: 'is not an s3://bucket/key URL' },
  { name: 'decimal precision over 38', job: with_({ sources: { ...props.sources, orders: s3Source({ ...(props.sources.orders as object), schema: { order_id: 'bigint', amount: 'decimal(40,2)' } } as never) } }), path: 'sources.orders.schema.amount', message: 'decimal precision must be 1..38' },
  { name: 'schema with a numeric column name', job: with_({ sources: { ...props.sources, orders: s3Source({ ...(props.sources.orders as object), schema: { order_id: 'bigint', 2024: 'int' } } as never) } }), path: 'sources.orders.schema', message: 'look numeric' },
  { name: 'input that is not a node id', job: transforms({ paid_orders: filter({ input: 42 as never, where: col('amount').gt(0) }) }), path: 'transforms.paid_orders.input', message: 'expected the id of the node this one reads, got number 42' },
  { name: 'join with no right input', job: transforms({ with_customer: join({ left: 'orders_by_day', on: ['customer_id'] } as never) }), path: 'transforms.with_customer.right', message: 'expected the id of the right input node' },
  { name: 'sink with no input', job: sinks({ revenue_out: s3Sink({ path: 's3://acme-analytics/x/' } as never) }), path: 'sinks.revenue_out.input', message: 'expected the id of the node this sink writes' },
  { name: 'dangling input', job: transforms({ paid_orders: filter({ input: 'order', where: col('amount').gt(0) }) }), path: 'transforms.paid_orders.input', message: 'unknown node "order"', hint: 'did you mean "orders"?' },
  { name: 'misspelt column', job: transforms({ paid_orders: filter({ input: 'orders', where: col('ammount').gt(0) }) }), path: 'transforms.paid_orders.where.left', message: 'unknown column "ammount" in input "orders"', hint: 'did you mean "amount"?', node: 'paid_orders' },
  { name: 'string compared with a number', job: transforms({ paid_orders: filter({ input: 'orders', where: col('status').eq(1) }) }), path: 'transforms.paid_orders.where', message: 'cannot compare string with int' },
  { name: 'cycle', job: transforms({ paid_orders: filter({ input: 'daily_revenue', where: col('amount').gt(0) }) }), path: 'transforms', message: 'cycle: ' },
  { name: 'unused transform', job: transforms({ refunds: filter({ input: 'orders', where: col('status').eq('REFUNDED') }) }), path: 'transforms.refunds', message: 'node "refunds" is not used' },
  { name: 'join keys of incompatible types', job: transforms({ with_customer: join({ left: 'orders_by_day', right: 'customers', on: [['order_id', 'name']] }) }), path: 'transforms.with_customer.on', message: 'cannot join' },
  { name: 'join key missing on the right', job: transforms({ with_customer: join({ left: 'orders_by_day', right: 'customers', on: [['customer_id', 'customer']] }) }), path: 'transforms.with_customer.on', message: 'unknown column "customer"' },
  { name: 'sum of a string column', job: transforms({ daily_revenue: aggregate({ input: 'with_customer', groupBy: ['order_date', 'country', 'segment'], aggregations: [{ fn: 'sum', column: 'name', as: 'revenue' }] }) }), path: 'transforms.daily_revenue.aggregations[0]', message: 'sum' },
  { name: 'unknown transform kind', job: transforms({ pivot: { kind: 'Pivot', input: 'orders' } }), path: 'transforms.pivot.kind', message: 'unknown transform "Pivot"' },
  { name: 'invalid node id', job: transforms({ 'paid-orders': filter({ input: 'orders', where: col('amount').gt(0) }) }), path: 'transforms["paid-orders"]', message: 'invalid node id "paid-orders"' },
  { name: 'node id used twice', job: sinks({ orders: s3Sink({ input: 'daily_revenue', path: 's3://acme-analytics/x/' }) }), path: 'sinks.orders', message: 'is also used in sources' },
  { name: 'partition key not in the schema', job: sinks({ revenue_out: revenueOut({ partitionKeys: ['day'] }) }), path: 'sinks.revenue_out.partitionKeys[0]', message: 'unknown column "day"' },
  { name: 'sink path that is not a folder', job: sinks({ revenue_out: revenueOut({ path: 's3://acme-analytics/daily_revenue' }) }), path: 'sinks.revenue_out.path', message: 'must be a folder' },
  { name: 'zstd for CSV', job: sinks({ revenue_out: revenueOut({ format: 'csv', compression: 'zstd' }) }), path: 'sinks.revenue_out.compression', message: 'unsupported compression "zstd" for csv' },
  { name: 'sink reading a sink', job: sinks({ copy: s3Sink({ input: 'revenue_out', path: 's3://acme-analytics/copy/' }) }), path: 'sinks.copy.input', message: '"revenue_out" is a sink' },
  { name: 'no sinks', job: with_({ sinks: {} }), path: 'sinks', message: 'at least one sink' },
  { name: 'not a job', job: { name: 'x' }, path: '', message: 'defineJob' },
  { name: 'a cast ANSI mode refuses on Glue 6.0 (ApplyMapping)', job: transforms({ orders_by_day: applyMapping({ input: 'paid_orders', mappings: [{ from: 'order_id' }, { from: 'customer_id' }, { from: 'order_ts', to: 'order_date', type: 'boolean' }, { from: 'amount' }] }) }), path: 'transforms.orders_by_day.mappings[2].type', message: 'refuses CAST(timestamp AS boolean)' },
  { name: 'a cast ANSI mode refuses on Glue 6.0 (Filter)', job: transforms({ paid_orders: filter({ input: 'orders', where: col('order_ts').cast('boolean').eq(true) }) }), path: 'transforms.paid_orders.where.left', message: '[DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION]' },
];

describe('malformed job definitions', () => {
  it('has at least 25 cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  it.each(cases)('rejects $name', ({ job, path, message, hint, node }) => {
    const definition = job && typeof job === 'object' && 'sources' in job ? defineJob(job as JobProps) : job;
    const result = validateJob(definition, { file: 'examples/orders/job.ts' });
    expect(result.ir).toBeUndefined();
    const errors = result.problems.filter((p) => p.severity === 'error');
    const match = errors.find((p) => p.path.startsWith(path) && p.message.includes(message));
    expect(match, `expected an error at ${path} containing "${message}", got:\n${errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`).toBeDefined();
    expect(match!.file).toBe('examples/orders/job.ts');
    if (hint) expect(match!.hint).toContain(hint);
    if (node) expect(match!.node).toBe(node);
  });

  it('reports every problem at once', () => {
    const job = defineJob({
      ...props,
      name: 'bad name!',
      timeoutMinutes: 0,
      transforms: { ...props.transforms, paid_orders: filter({ input: 'orders', where: col('ammount').gt(0) }) },
    });
    const paths = validateJob(job).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'timeoutMinutes', 'transforms.paid_orders.where.left']));
  });

  it('does not cascade: nodes downstream of a broken node are not reported', () => {
    const job = defineJob(transforms({ paid_orders: filter({ input: 'orders', where: col('ammount').gt(0) }) }));
    expect(validateJob(job).problems).toHaveLength(1);
  });

  it('accepts a cast ANSI mode refuses on Glue 5.0, where it runs', () => {
    const job = defineJob({
      ...props,
      glueVersion: '5.0',
      sinks: { revenue_out: revenueOut({ encryption: cseKms(props.sources.orders!.encryption!.kmsKey) }) },
      transforms: { ...props.transforms, paid_orders: filter({ input: 'orders', where: col('order_ts').cast('boolean').eq(true) }) },
    });
    expect(validateJob(job).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('accepts the example as it is', () => {
    const result = validateJob(base);
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.ir!.nodes.map((n) => n.id)).toEqual(['orders', 'customers', 'paid_orders', 'orders_by_day', 'with_customer', 'daily_revenue', 'revenue_out']);
  });
});
