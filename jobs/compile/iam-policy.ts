/**
 * The least-privilege IAM policy the job role needs, derived from the definition:
 * object access only below the prefixes the job reads and writes, listing only with
 * prefix conditions, KMS use only of the keys named, catalog access only to the tables
 * used. The two wildcards left are the ones AWS requires: CloudWatch metrics (no
 * resource-level permissions; scoped by namespace instead) and Glue's log groups
 * (`/aws-glue/*`, whose names Glue derives at run time).
 */
import { folderPrefix, parseS3Url, type S3Url } from '../../core/aws-names.js';
import type { JobIR } from '../ir.js';

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[] | string>>;
}

/** An S3 location the job touches, as object ARN pattern and list prefix. */
interface Location {
  readonly bucket: string;
  /** Object key pattern: a folder's `prefix/*`, or one object's exact key. */
  readonly objects: string;
  /** What ListBucket may list: the prefix and everything under it. */
  readonly listPrefixes: string[];
}

function location(url: S3Url, isFolder: boolean): Location {
  if (!isFolder) return { bucket: url.bucket, objects: url.key, listPrefixes: [url.key] };
  const prefix = folderPrefix(url);
  return { bucket: url.bucket, objects: `${prefix}*`, listPrefixes: prefix === '' ? [] : [prefix, `${prefix}*`] };
}

const uniqueSorted = (values: Iterable<string>) => [...new Set(values)].sort();

export function compileIamPolicy(ir: JobIR): Record<string, unknown> {
  const { settings, security } = ir;
  const p = settings.partition;
  const s3Object = (l: Location) => `arn:${p}:s3:::${l.bucket}/${l.objects}`;

  const reads: Location[] = [];
  const writes: Location[] = [location(parseS3Url(settings.tempDir).url!, true)];
  const script = location(parseS3Url(settings.scriptLocation).url!, false);
  const readTables: string[] = [];
  const writeTables: string[] = [];
  const decryptKeys = new Set<string>();
  for (const node of ir.nodes) {
    if (node.role === 'source') {
      const isFolder = node.kind === 'CatalogSource' || node.path.endsWith('/') || node.location.key === '';
      reads.push(location(node.location, isFolder));
      if (node.kind === 'CatalogSource') readTables.push(`${node.table.database}/${node.table.name}`);
      if (node.encryption) decryptKeys.add(node.encryption.kmsKeyArn);
    } else if (node.role === 'sink') {
      writes.push(location(node.location, true));
      if (node.catalog) writeTables.push(`${node.catalog.database}/${node.catalog.table}`);
    }
  }

  const statements: Statement[] = [
    { Sid: 'ReadScript', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [s3Object(script)] },
    { Sid: 'ReadSources', Effect: 'Allow', Action: ['s3:GetObject'], Resource: uniqueSorted(reads.map(s3Object)) },
    {
      Sid: 'WriteSinksAndTempDir',
      Effect: 'Allow',
      // Spark's committers write under the target prefix, then copy and delete;
      // large files go up in multipart uploads that may need aborting.
      Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      Resource: uniqueSorted(writes.map(s3Object)),
    },
  ];

  const buckets = uniqueSorted([...reads, ...writes, script].map((l) => l.bucket));
  for (const bucket of buckets) {
    const prefixes = uniqueSorted([...reads, ...writes].filter((l) => l.bucket === bucket).flatMap((l) => l.listPrefixes));
    const wholeBucket = [...reads, ...writes].some((l) => l.bucket === bucket && l.listPrefixes.length === 0);
    statements.push({
      Sid: `ListBucket${sidPart(bucket)}`,
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation', 's3:ListBucket'],
      Resource: [`arn:${p}:s3:::${bucket}`],
      ...(!wholeBucket && prefixes.length > 0 && { Condition: { StringLike: { 's3:prefix': prefixes } } }),
    });
  }
  // A bucket reached only through the script needs no listing; drop the empty grant.
  const listed = new Set([...reads, ...writes].map((l) => l.bucket));
  const s3Statements = statements.filter((s) => !s.Sid.startsWith('ListBucket') || listed.has(s.Resource[0]!.split(':::')[1]!));

  const kms: Statement[] = [];
  const key = (Sid: string, Action: string[], keys: Iterable<string>) => {
    const resources = uniqueSorted(keys);
    if (resources.length > 0) kms.push({ Sid, Effect: 'Allow', Action, Resource: resources });
  };
  key('DecryptClientSideEncryptedSources', ['kms:Decrypt'], decryptKeys);
  key('EncryptClientSideEncryptedSinks', ['kms:Decrypt', 'kms:GenerateDataKey'], security.cse && ir.nodes.some((n) => n.role === 'sink' && n.encryption?.mode === 'CSE-KMS') ? [security.cse.kmsKeyArn] : []);
  key('SseKmsForS3Writes', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], security.s3KmsKeyArn ? [security.s3KmsKeyArn] : []);
  key('JobBookmarksEncryption', ['kms:Decrypt', 'kms:Encrypt'], security.jobBookmarksKmsKeyArn ? [security.jobBookmarksKmsKeyArn] : []);

  const logGroup = `arn:${p}:logs:${settings.region}:${settings.account}:log-group:/aws-glue/*`;
  const observability: Statement[] = [
    {
      Sid: 'WriteGlueLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [logGroup, `${logGroup}:log-stream:*`],
    },
    ...(security.cloudWatchLogsKmsKeyArn
      ? [{ Sid: 'EncryptGlueLogs', Effect: 'Allow' as const, Action: ['logs:AssociateKmsKey'], Resource: [logGroup] }]
      : []),
    {
      Sid: 'PublishGlueMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricData'],
      Resource: ['*'],
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
    },
  ];

  const catalog: Statement[] = [];
  const catalogArn = `arn:${p}:glue:${settings.region}:${settings.account}`;
  const tableResources = (tables: string[]) =>
    uniqueSorted([
      `${catalogArn}:catalog`,
      ...tables.map((t) => `${catalogArn}:database/${t.split('/')[0]}`),
      ...tables.map((t) => `${catalogArn}:table/${t}`),
    ]);
  if (readTables.length > 0)
    catalog.push({
      Sid: 'ReadCatalogTables',
      Effect: 'Allow',
      Action: ['glue:BatchGetPartition', 'glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable'],
      Resource: tableResources(readTables),
    });
  if (writeTables.length > 0)
    catalog.push({
      Sid: 'UpdateCatalogTables',
      Effect: 'Allow',
      Action: [
        'glue:BatchCreatePartition', 'glue:BatchGetPartition', 'glue:CreatePartition', 'glue:CreateTable', 'glue:GetDatabase',
        'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable', 'glue:UpdatePartition', 'glue:UpdateTable',
      ],
      Resource: tableResources(writeTables),
    });

  return { Version: '2012-10-17', Statement: [...s3Statements, ...kms, ...catalog, ...observability] };
}

/** Sids are alphanumeric; a bucket name becomes CamelCase. */
function sidPart(bucket: string): string {
  return bucket
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
