/**
 * plan() and apply() against moto_server, checked with the AWS CLI: a first deploy
 * creates the security configuration, the job with its tags and the SSE-KMS script; a
 * second makes no write calls; a changed definition plans exactly the changed fields and
 * applies them with UpdateJob.
 *
 * moto has no UpdateJob: the SDK talks to a recording endpoint (test/support/aws-recorder.ts)
 * that forwards to moto, implements UpdateJob itself on top of moto's CreateJob and
 * DeleteJob, and records every call, which is how "no write calls" is counted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, plan, type PlannedResource } from '../../index.js';
import type { AwsRecorder } from '../support/aws-recorder.js';
import { aws, peersAvailable, type Moto } from '../support/peers.js';
import { ACCOUNT, ASSETS_BUCKET, REGION, testJob } from './jobs.js';
import { useDeployPeers } from './peers.js';

const available = peersAvailable('moto_server', 'aws');

const find = (resources: readonly PlannedResource[], kind: string, name?: string) =>
  resources.find((r) => r.kind === kind && (name === undefined || r.name === name));

describe.skipIf(!available)('deploy against moto', () => {
  let moto: Moto;
  let recorder: AwsRecorder;
  let key: string;

  const peers = useDeployPeers({ clearEach: false });
  beforeAll(() => {
    ({ moto, recorder } = peers);
    key = peers.createKey();
  });

  const job = (overrides: Partial<Parameters<typeof testJob>[0]> = {}) => testJob({ name: 'orders-large', key, ...overrides });

  it('plans everything as created when nothing exists', async () => {
    const result = await plan([job()]);
    expect(result.ok).toBe(true);
    expect(result.hasChanges).toBe(true);
    expect(result.resources.map((r) => [r.kind, r.action])).toEqual([
      ['kms-key', 'check'],
      ['security-configuration', 'create'],
      ['job', 'create'],
      ['tags', 'create'],
      ['script', 'create'],
    ]);
    expect(recorder.writes()).toEqual([]);
  });

  it('creates the security configuration, the job, its tags and the SSE-KMS script on the first deploy', async () => {
    const result = await apply([job()]);
    expect(result.ok, JSON.stringify(result.resources.filter((r) => r.error))).toBe(true);
    expect(result.resources.map((r) => [r.kind, r.outcome])).toEqual([
      ['kms-key', 'checked'],
      ['security-configuration', 'created'],
      ['job', 'created'],
      ['tags', 'created'],
      ['script', 'created'],
    ]);

    const configurationName = find(result.resources, 'security-configuration')!.name;
    const { SecurityConfiguration } = aws(moto, ['glue', 'get-security-configuration', '--name', configurationName]) as {
      SecurityConfiguration: { EncryptionConfiguration: { S3Encryption: { S3EncryptionMode: string; KmsKeyArn: string }[] } };
    };
    expect(SecurityConfiguration.EncryptionConfiguration.S3Encryption).toEqual([{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: key }]);

    const { Job } = aws(moto, ['glue', 'get-job', '--job-name', 'orders-large']) as { Job: Record<string, any> };
    expect(Job.SecurityConfiguration).toBe(configurationName);
    expect(Job.Command.ScriptLocation).toBe(`s3://${ASSETS_BUCKET}/scripts/orders-large.py`);
    expect(Job.DefaultArguments['--source_system']).toBe('payments');
    expect(Object.keys(Job.CodeGenConfigurationNodes).sort()).toEqual(['large', 'orders', 'out']);

    const { Tags } = aws(moto, ['glue', 'get-tags', '--resource-arn', `arn:aws:glue:${REGION}:${ACCOUNT}:job/orders-large`]) as { Tags: Record<string, string> };
    expect(Tags).toEqual({ team: 'analytics', 'gluekit:managed': 'true' });

    const head = aws(moto, ['s3api', 'head-object', '--bucket', ASSETS_BUCKET, '--key', 'scripts/orders-large.py']) as Record<string, any>;
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toContain(key.split('/').pop());
    expect(head.Metadata['gluekit-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('makes no write calls on a second deploy, and reports no changes', async () => {
    recorder.clear();
    const planned = await plan([job()]);
    expect(planned.hasChanges).toBe(false);
    expect(planned.resources.filter((r) => r.action !== 'unchanged' && r.action !== 'check')).toEqual([]);

    const result = await apply([job()]);
    expect(result.ok).toBe(true);
    expect(result.changed).toBe(false);
    expect(result.resources.map((r) => r.outcome)).toEqual(['checked', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(recorder.writes()).toEqual([]);
    // It did read: the live state is what "unchanged" was decided on.
    expect(recorder.count('glue', 'GetJob')).toBe(2);
    expect(recorder.count('s3', 'HeadObject')).toBe(2);
  });

  it('plans exactly the changed fields of a changed definition, and applies them with one UpdateJob', async () => {
    const changed = job({ timeoutMinutes: 60, minAmount: 500, arguments: { '--source_system': 'payments', '--run_mode': 'full' }, tags: { team: 'finance' } });
    recorder.clear();
    const result = await plan([changed]);
    const jobPlan = find(result.resources, 'job')!;
    expect(jobPlan.action).toBe('update');
    expect(jobPlan.changes.map((c) => c.field)).toEqual([
      'CodeGenConfigurationNodes.large.SparkSQL.SqlQuery',
      'DefaultArguments["--run_mode"]',
      'Timeout',
    ]);
    expect(jobPlan.changes.find((c) => c.field === 'Timeout')).toEqual({ field: 'Timeout', before: 2880, after: 60 });
    expect(jobPlan.changes.find((c) => c.field === 'DefaultArguments["--run_mode"]')).toEqual({ field: 'DefaultArguments["--run_mode"]', after: 'full' });
    expect(find(result.resources, 'tags')!.changes).toEqual([{ field: 'Tags.team', before: 'analytics', after: 'finance' }]);
    const script = find(result.resources, 'script')!;
    expect(script.action).toBe('update');
    expect(script.changes.map((c) => c.field)).toEqual(['sha256']);
    expect(find(result.resources, 'security-configuration')!.action).toBe('unchanged');
    expect(recorder.writes()).toEqual([]);

    const applied = await apply([changed]);
    expect(applied.ok, JSON.stringify(applied.resources.filter((r) => r.error))).toBe(true);
    expect(applied.resources.map((r) => [r.kind, r.outcome])).toEqual([
      ['kms-key', 'checked'],
      ['security-configuration', 'unchanged'],
      ['job', 'updated'],
      ['tags', 'updated'],
      ['script', 'updated'],
    ]);
    // UpdateJob got the complete definition: it resets whatever it is not sent.
    expect(recorder.updates).toHaveLength(1);
    expect(Object.keys(recorder.updates[0]!.JobUpdate).sort()).toEqual(
      ['Command', 'CodeGenConfigurationNodes', 'DefaultArguments', 'ExecutionClass', 'ExecutionProperty', 'GlueVersion', 'MaxRetries', 'NumberOfWorkers', 'Role', 'SecurityConfiguration', 'Timeout', 'WorkerType'].sort(),
    );
    expect(recorder.writes().map((c) => c.operation)).toEqual(['UpdateJob', 'TagResource', 'PutObject']);

    const { Job } = aws(moto, ['glue', 'get-job', '--job-name', 'orders-large']) as { Job: Record<string, any> };
    expect(Job.Timeout).toBe(60);
    expect(Job.DefaultArguments['--run_mode']).toBe('full');
    expect((await plan([changed])).hasChanges).toBe(false);
  });

  it('puts its script back when Glue generates one from the nodes on CreateJob or UpdateJob', async () => {
    // moto generates no script; the recorder does, as Glue does (see test/support/aws-recorder.ts).
    const generated = job({ name: 'generated-script' });
    recorder.generateScripts(true);
    const created = await apply([generated]);
    expect(created.resources.find((r) => r.kind === 'script')!.outcome).toBe('created');
    const ours = find((await plan([generated])).resources, 'script')!;
    expect(ours.action).toBe('unchanged');

    recorder.generateScripts(true);
    const updated = await apply([job({ name: 'generated-script', timeoutMinutes: 30 })]);
    expect(updated.resources.map((r) => [r.kind, r.outcome])).toContainEqual(['job', 'updated']);
    // The plan said "unchanged" for the script; after UpdateJob, Glue's replaced it, and deploy put gluekit's back.
    const script = updated.resources.find((r) => r.kind === 'script')!;
    expect(script.outcome).toBe('updated');
    // The stand-in carries no gluekit hash and no SSE-KMS: all three are put right.
    expect(script.changes.map((c) => [c.field, 'before' in c])).toEqual([['SSEKMSKeyId', false], ['ServerSideEncryption', false], ['sha256', false]]);
    const head = aws(moto, ['s3api', 'head-object', '--bucket', ASSETS_BUCKET, '--key', 'scripts/generated-script.py']) as Record<string, any>;
    expect(head.Metadata['gluekit-sha256']).toBe(script.changes.find((c) => c.field === 'sha256')!.after);
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect((await plan([job({ name: 'generated-script', timeoutMinutes: 30 })])).hasChanges).toBe(false);
  });

  it('removes tags no longer defined, and leaves aws: tags alone', async () => {
    const arn = `arn:aws:glue:${REGION}:${ACCOUNT}:job/orders-large`;
    aws(moto, ['glue', 'tag-resource', '--resource-arn', arn, '--tags-to-add', 'stray=1,aws:createdBy=console']);
    const changed = job({ timeoutMinutes: 60, minAmount: 500, arguments: { '--source_system': 'payments', '--run_mode': 'full' }, tags: { team: 'finance' } });
    const result = await plan([changed]);
    expect(find(result.resources, 'tags')!.changes).toEqual([{ field: 'Tags.stray', before: '1' }]);
    expect(find(result.resources, 'job')!.action).toBe('unchanged');
    recorder.clear();
    expect((await apply([changed])).ok).toBe(true);
    expect(recorder.writes().map((c) => c.operation)).toEqual(['UntagResource']);
    const { Tags } = aws(moto, ['glue', 'get-tags', '--resource-arn', arn]) as { Tags: Record<string, string> };
    expect(Tags).toEqual({ team: 'finance', 'gluekit:managed': 'true', 'aws:createdBy': 'console' });
  });
});
