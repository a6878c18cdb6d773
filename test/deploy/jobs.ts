/**
 * Small jobs for the deploy tests: a Parquet source, a filter (a SparkSQL node in the
 * Glue Studio DAG, so a changed condition changes one node) and an SSE-KMS sink. The KMS
 * key comes from moto, so it is a parameter.
 */
import { catalogSource, col, defineDatabase, defineJob, defineTable, filter, s3Sink, s3Source, type JobDefinition } from 'gluekit';

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

export interface CatalogJobOptions {
  readonly name: string;
  readonly key: string;
  readonly crmDescription?: string;
  readonly segmentComment?: string;
}

/**
 * A job over the catalog: it reads crm.customers (a database and table it defines) and
 * registers its output as analytics.<name>_out (a database named only by a string).
 */
export function catalogJob(o: CatalogJobOptions): JobDefinition {
  const crm = defineDatabase({ name: 'crm', description: o.crmDescription ?? 'CRM dimensions' });
  const customers = defineTable({
    database: crm,
    name: 'customers',
    location: 's3://deploy-test-curated/crm/customers/',
    format: 'parquet',
    columns: { customer_id: 'bigint', segment: o.segmentComment ? { type: 'string', comment: o.segmentComment } : 'string' },
  });
  return defineJob({
    name: o.name,
    role: `arn:aws:iam::${ACCOUNT}:role/GlueDeployTest`,
    region: REGION,
    security: { s3: { kmsKey: o.key } },
    sources: { customers: catalogSource({ table: customers }) },
    sinks: {
      out: s3Sink({ input: 'customers', path: `s3://deploy-test-curated/${o.name}/`, format: 'parquet', catalog: { database: 'analytics', table: `${o.name.replaceAll('-', '_')}_out` } }),
    },
  });
}
