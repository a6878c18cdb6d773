/**
 * The compiler's output for the example job, checked against golden files, plus the
 * properties that matter beyond the exact text: determinism, valid Python, and an IAM
 * policy scoped to exactly what the job touches.
 * Refresh the goldens after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/compile.test.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import job from '../examples/orders/job.js';
import everyTransform from './jobs/every-transform.js';
import { buildJob, compileJob, cseKms, defineJob, type JobProps } from '../index.js';

const golden = join(import.meta.dirname, 'golden', 'orders-daily-revenue');
const compiled = compileJob(buildJob(job, { file: 'examples/orders/job.ts' }));

describe('compiling the example job', () => {
  const names = [
    'job.json', 'security-configuration.json', 'script.py', 'iam-policy.json', 'graph.mmd',
    'catalog/analytics.database.json', 'catalog/crm.database.json', 'catalog/analytics.daily_revenue.table.json', 'catalog/crm.customers.table.json',
  ];

  it('writes the five files and the catalog inputs of the tables it reads and writes', () => {
    expect(Object.keys(compiled.files)).toEqual(names);
  });

  it.each(names)('matches the golden %s', (name) => {
    const file = join(golden, name);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, compiled.files[name]!);
    }
    expect(existsSync(file), `missing golden ${file}; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(compiled.files[name]).toBe(readFileSync(file, 'utf8'));
  });

  it('is deterministic', () => {
    const again = compileJob(buildJob(job, { file: 'examples/orders/job.ts' }));
    expect(again.files).toEqual(compiled.files);
  });

  it.each([
    ['the example', compiled],
    ['a job with every transform', compileJob(buildJob(everyTransform, { file: 'test/jobs/every-transform.ts' }))],
  ])('generates a script for %s that compiles with python3 -m py_compile', (_name, result) => {
    const dir = mkdtempSync(join(tmpdir(), 'gluekit-py-'));
    const script = join(dir, 'script.py');
    writeFileSync(script, result.files['script.py']!);
    execFileSync('python3', ['-m', 'py_compile', script], { stdio: 'pipe' });
  });

  it('sets the CreateJob fields from the definition', () => {
    const input = JSON.parse(compiled.files['job.json']!);
    expect(input).toMatchObject({
      Name: 'orders-daily-revenue',
      Role: 'arn:aws:iam::123456789012:role/GlueOrdersDailyRevenue',
      Command: { Name: 'glueetl', PythonVersion: '3', ScriptLocation: 's3://aws-glue-assets-123456789012-eu-west-1/scripts/orders-daily-revenue.py' },
      GlueVersion: '6.0',
      WorkerType: 'G.1X',
      NumberOfWorkers: 4,
      Timeout: 60,
      MaxRetries: 1,
      ExecutionProperty: { MaxConcurrentRuns: 1 },
      ExecutionClass: 'STANDARD',
      Tags: { 'cost-center': 'cc-1042', 'gluekit:managed': 'true', team: 'analytics' },
    });
    expect(input.DefaultArguments).toMatchObject({
      '--job-language': 'python',
      '--enable-metrics': 'true',
      '--job-bookmark-option': 'job-bookmark-enable',
      '--TempDir': 's3://aws-glue-assets-123456789012-eu-west-1/temporary/',
      '--gluekit_cse_kms_key_arn': 'arn:aws:kms:eu-west-1:123456789012:key/0b6a1d1e-2f4c-4b8e-9a53-6d1f0c7e5a21',
      '--gluekit_cse_kms_region': 'eu-west-1',
    });
    const security = JSON.parse(compiled.files['security-configuration.json']!);
    expect(input.SecurityConfiguration).toBe(security.Name);
    expect(security.Name).toMatch(/^gluekit-[0-9a-f]{16}$/);
    expect(Object.keys(input.CodeGenConfigurationNodes)).toEqual(['customers', 'daily_revenue', 'orders', 'orders_by_day', 'paid_orders', 'revenue_out', 'with_customer']);
  });

  it('names the security configuration after its content', () => {
    const other = compileJob(buildJob(defineJob({ ...(job as JobProps), security: { ...job.security, jobBookmarks: undefined } })));
    const a = JSON.parse(compiled.files['security-configuration.json']!);
    const b = JSON.parse(other.files['security-configuration.json']!);
    expect(b.EncryptionConfiguration.JobBookmarksEncryption).toEqual({ JobBookmarksEncryptionMode: 'DISABLED' });
    expect(b.Name).not.toBe(a.Name);
  });

  it('continuous logging: the switch is set on Glue 4.0 only (deprecated from 5.0)', () => {
    const v4 = defineJob({ ...(job as JobProps), glueVersion: '4.0', sinks: { revenue_out: { ...job.sinks.revenue_out!, encryption: cseKms(job.sources.orders!.encryption!.kmsKey) } } });
    const args4 = JSON.parse(compileJob(buildJob(v4)).files['job.json']!).DefaultArguments;
    expect(args4['--enable-continuous-cloudwatch-log']).toBe('true');
    expect(JSON.parse(compiled.files['job.json']!).DefaultArguments['--enable-continuous-cloudwatch-log']).toBeUndefined();
  });

  it('uses EMRFS CSE properties on Glue 4.0/5.0 and per-bucket S3A ones on 6.0', () => {
    expect(compiled.files['script.py']).toContain('hadoop_conf.set("fs.s3a.bucket.acme-payments-feed.encryption.algorithm", "CSE-KMS")');
    expect(compiled.files['script.py']).not.toContain('fs.s3.cse.enabled');
    const v5 = defineJob({ ...(job as JobProps), glueVersion: '5.0', sinks: { revenue_out: { ...job.sinks.revenue_out!, encryption: cseKms(job.sources.orders!.encryption!.kmsKey) } } });
    const script5 = compileJob(buildJob(v5)).files['script.py']!;
    expect(script5).toContain('hadoop_conf.set("fs.s3.cse.enabled", "true")');
    expect(script5).toContain('hadoop_conf.set("fs.s3.cse.kms.keyId", args["gluekit_cse_kms_key_arn"])');
  });
});

describe('the IAM policy', () => {
  const policy = JSON.parse(compiled.files['iam-policy.json']!) as { Statement: { Sid: string; Action: string[]; Resource: string[]; Condition?: unknown }[] };
  const statement = (sid: string) => policy.Statement.find((s) => s.Sid === sid)!;

  it('has no wildcard action', () => {
    for (const s of policy.Statement) for (const a of s.Action) expect(a).not.toContain('*');
  });

  it('uses a wildcard resource only where AWS requires one', () => {
    const wild = policy.Statement.filter((s) => s.Resource.includes('*')).map((s) => s.Sid);
    expect(wild).toEqual(['PublishGlueMetrics']);
    expect(statement('PublishGlueMetrics').Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Glue' } });
  });

  it('reads the sources and writes the sinks under their prefixes only', () => {
    expect(statement('ReadSources').Resource).toEqual(['arn:aws:s3:::acme-curated/crm/customers/*', 'arn:aws:s3:::acme-payments-feed/orders/*']);
    expect(statement('WriteSinksAndTempDir').Resource).toEqual([
      'arn:aws:s3:::acme-analytics/daily_revenue/*',
      'arn:aws:s3:::aws-glue-assets-123456789012-eu-west-1/temporary/*',
    ]);
    expect(statement('ListBucketAcmePaymentsFeed').Condition).toEqual({ StringLike: { 's3:prefix': ['orders/', 'orders/*'] } });
  });

  it('uses exactly the keys the job names', () => {
    expect(statement('DecryptClientSideEncryptedSources')).toMatchObject({ Action: ['kms:Decrypt'], Resource: [job.sources.orders!.encryption!.kmsKey] });
    expect(statement('SseKmsForS3Writes').Resource).toEqual([job.security!.s3!.kmsKey]);
    expect(statement('JobBookmarksEncryption').Resource).toEqual([job.security!.jobBookmarks!.kmsKey]);
    expect(statement('EncryptGlueLogs').Action).toEqual(['logs:AssociateKmsKey']);
    expect(policy.Statement.find((s) => s.Sid === 'EncryptClientSideEncryptedSinks')).toBeUndefined();
  });

  it('reads and updates exactly the catalog tables used', () => {
    expect(statement('ReadCatalogTables').Resource).toEqual([
      'arn:aws:glue:eu-west-1:123456789012:catalog',
      'arn:aws:glue:eu-west-1:123456789012:database/crm',
      'arn:aws:glue:eu-west-1:123456789012:table/crm/customers',
    ]);
    expect(statement('UpdateCatalogTables').Resource).toContain('arn:aws:glue:eu-west-1:123456789012:table/analytics/daily_revenue');
  });
});

describe('the Glue Studio DAG', () => {
  it('can be left out', () => {
    const input = JSON.parse(compileJob(buildJob(defineJob({ ...(job as JobProps), studioDag: false }))).files['job.json']!);
    expect(input.CodeGenConfigurationNodes).toBeUndefined();
  });
});
