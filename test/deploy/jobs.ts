/**
 * Small jobs for the deploy tests: a Parquet source, a filter (a SparkSQL node in the
 * Glue Studio DAG, so a changed condition changes one node) and an SSE-KMS sink. The KMS
 * key comes from moto, so it is a parameter.
 */
import { col, defineJob, filter, s3Sink, s3Source, type JobDefinition } from 'gluekit';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
/** Where Glue jobs keep scripts by default (gluekit's default scriptLocation's bucket). */
export const ASSETS_BUCKET = `aws-glue-assets-${ACCOUNT}-${REGION}`;

export interface TestJobOptions {
  readonly name: string;
  readonly key: string;
  /** A second key for CloudWatch logs: another key gives another security configuration. */
  readonly logsKey?: string;
  readonly minAmount?: number;
  readonly timeoutMinutes?: number;
  readonly arguments?: Record<string, string>;
  readonly tags?: Record<string, string>;
}

export function testJob(o: TestJobOptions): JobDefinition {
  return defineJob({
    name: o.name,
    role: `arn:aws:iam::${ACCOUNT}:role/GlueDeployTest`,
    region: REGION,
    ...(o.timeoutMinutes !== undefined && { timeoutMinutes: o.timeoutMinutes }),
    arguments: o.arguments ?? { '--source_system': 'payments' },
    tags: o.tags ?? { team: 'analytics' },
    security: { s3: { kmsKey: o.key }, ...(o.logsKey && { cloudWatchLogs: { kmsKey: o.logsKey } }) },
    sources: {
      orders: s3Source({ path: 's3://deploy-test-raw/orders/', format: 'parquet', schema: { order_id: 'bigint', amount: 'double' } }),
    },
    transforms: {
      large: filter({ input: 'orders', where: col('amount').gt(o.minAmount ?? 100) }),
    },
    sinks: {
      out: s3Sink({ input: 'large', path: 's3://deploy-test-curated/large/', format: 'parquet' }),
    },
  });
}
