/**
 * Deploy when AWS says no: unknown and disabled KMS keys, access denied, throttling, a
 * security configuration deleted out of band, and a deploy interrupted half-way. Each
 * test deploys two jobs at once where it matters, to show that one job's failure leaves
 * the other deployed and reported.
 *
 * Against moto through the recording endpoint (test/support/aws-recorder.ts), which
 * injects AccessDeniedException and ThrottlingException answers (moto has neither) and
 * implements UpdateJob (moto has none).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, plan, type AppliedResource, type PlannedResource } from '../../index.js';
import type { AwsRecorder } from '../support/aws-recorder.js';
import { aws, peersAvailable, type Moto } from '../support/peers.js';
import { ACCOUNT, REGION, testJob } from './jobs.js';
import { useDeployPeers } from './peers.js';

const available = peersAvailable('moto_server', 'aws');

function of<T extends PlannedResource>(resources: readonly T[], job: string): T[] {
  return resources.filter((r) => r.jobs.includes(job) && r.kind !== 'kms-key' && r.kind !== 'security-configuration');
}

const outcomes = (resources: readonly AppliedResource[], job: string) => of(resources, job).map((r) => [r.kind, r.outcome]);

describe.skipIf(!available)('deploy failures against moto', () => {
  let moto: Moto;
  let recorder: AwsRecorder;
  let key: string;

  const createKey = () => (aws(moto, ['kms', 'create-key']) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  const created = (name: string) => recorder.calls.some((c) => c.operation === 'CreateJob' && c.body?.Name === name);

  const peers = useDeployPeers();
  beforeAll(() => {
    ({ moto, recorder } = peers);
    key = createKey();
  });

  it('refuses a job whose KMS key does not exist, and deploys the other job', async () => {
    const missing = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${randomUUID()}`;
    const jobs = [testJob({ name: 'unknown-key', key: missing }), testJob({ name: 'good-neighbour', key })];

    const planned = await plan(jobs);
    expect(planned.ok).toBe(false);
    expect(planned.resources.find((r) => r.name === missing)).toMatchObject({
      kind: 'kms-key',
      jobs: ['unknown-key'],
      error: 'the KMS key does not exist (DescribeKey: NotFoundException)',
    });

    const result = await apply(jobs);
    expect(result.ok).toBe(false);
    expect(outcomes(result.resources, 'unknown-key')).toEqual([['job', 'skipped'], ['tags', 'skipped'], ['script', 'skipped']]);
    expect(of(result.resources, 'unknown-key')[0]!.error).toBe(`not applied: KMS key ${missing}: the KMS key does not exist (DescribeKey: NotFoundException)`);
    // Its security configuration names the missing key: not created either.
    const configuration = result.resources.find((r) => r.kind === 'security-configuration' && r.jobs.includes('unknown-key'))!;
    expect(configuration.outcome).toBe('skipped');
    expect(recorder.calls.filter((c) => c.operation === 'CreateSecurityConfiguration')).toHaveLength(1);
    expect(created('unknown-key')).toBe(false);
    expect(outcomes(result.resources, 'good-neighbour')).toEqual([['job', 'created'], ['tags', 'created'], ['script', 'created']]);
  });

  it('refuses a job whose KMS key is disabled', async () => {
    const disabled = createKey();
    aws(moto, ['kms', 'disable-key', '--key-id', disabled.split('/').pop()!]); // moto's DisableKey takes the key id, not the ARN
    const jobs = [testJob({ name: 'disabled-key', key: disabled })];
    const planned = await plan(jobs);
    expect(planned.resources.find((r) => r.kind === 'kms-key')!.error).toBe('the KMS key is not enabled (state Disabled)');
    const result = await apply(jobs);
    expect(result.ok).toBe(false);
    expect(outcomes(result.resources, 'disabled-key')).toEqual([['job', 'skipped'], ['tags', 'skipped'], ['script', 'skipped']]);
    expect(recorder.writes()).toEqual([]);
  });

  it('reports access denied for the job it happened to, and deploys the others', async () => {
    recorder.fail({
      service: 'glue',
      operation: 'CreateJob',
      error: 'AccessDeniedException',
      message: `User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: glue:CreateJob`,
      when: (body) => body?.Name === 'denied',
    });
    const result = await apply([testJob({ name: 'denied', key }), testJob({ name: 'allowed', key })]);
    expect(result.ok).toBe(false);
    const denied = of(result.resources, 'denied');
    expect(denied.map((r) => [r.kind, r.outcome])).toEqual([['job', 'failed'], ['tags', 'skipped'], ['script', 'skipped']]);
    expect(denied[0]!.error).toMatch(/^CreateJob failed: AccessDeniedException: User: .* is not authorized to perform: glue:CreateJob \(HTTP 400\)$/);
    expect(denied[1]!.error).toBe('not applied: job denied failed');
    expect(outcomes(result.resources, 'allowed')).toEqual([['job', 'created'], ['tags', 'created'], ['script', 'created']]);
  });

  // The throttling tests plan job "allowed", deployed by the access-denied test above.
  it('retries throttled calls with backoff, then succeeds', async () => {
    recorder.fail({ service: 'glue', operation: 'GetJob', error: 'ThrottlingException', message: 'Rate exceeded', times: 3, when: (b) => b?.JobName === 'allowed' });
    const result = await plan([testJob({ name: 'allowed', key })]);
    expect(result.ok).toBe(true);
    expect(result.hasChanges).toBe(false);
    expect(recorder.calls.filter((c) => c.operation === 'GetJob' && c.body?.JobName === 'allowed')).toHaveLength(4);
  });

  it('names the call and the attempts when throttling outlasts the retries', async () => {
    recorder.fail({ service: 'glue', operation: 'GetJob', error: 'ThrottlingException', message: 'Rate exceeded', when: (b) => b?.JobName === 'allowed' });
    process.env.AWS_MAX_ATTEMPTS = '2';
    try {
      const result = await plan([testJob({ name: 'allowed', key })]);
      expect(result.ok).toBe(false);
      expect(result.resources.find((r) => r.kind === 'job')!.error).toBe('GetJob failed: ThrottlingException: Rate exceeded (HTTP 400, after 2 attempts)');
    } finally {
      delete process.env.AWS_MAX_ATTEMPTS;
    }
  });

  it('recreates a security configuration deleted out of band', async () => {
    const configuration = (await plan([testJob({ name: 'allowed', key })])).resources.find((r) => r.kind === 'security-configuration')!;
    expect(configuration.action).toBe('unchanged');
    aws(moto, ['glue', 'delete-security-configuration', '--name', configuration.name]);

    const planned = await plan([testJob({ name: 'allowed', key })]);
    expect(planned.resources.map((r) => [r.kind, r.action])).toEqual([
      ['kms-key', 'check'],
      ['security-configuration', 'create'],
      ['job', 'unchanged'],
      ['tags', 'unchanged'],
      ['script', 'unchanged'],
    ]);
    const result = await apply([testJob({ name: 'allowed', key })]);
    expect(result.ok).toBe(true);
    expect(recorder.writes().filter((c) => c.operation === 'CreateSecurityConfiguration')).toHaveLength(1);
    const got = aws(moto, ['glue', 'get-security-configuration', '--name', configuration.name]) as { SecurityConfiguration: { Name: string } };
    expect(got.SecurityConfiguration.Name).toBe(configuration.name);
  });

  it('refuses a hand-made security configuration that took gluekit\'s name with other settings', async () => {
    const other = createKey();
    const name = (await plan([testJob({ name: 'squatted', key: other })])).resources.find((r) => r.kind === 'security-configuration')!.name;
    aws(moto, ['glue', 'create-security-configuration', '--name', name, '--encryption-configuration', '{"S3Encryption":[{"S3EncryptionMode":"DISABLED"}]}']);
    const result = await apply([testJob({ name: 'squatted', key: other })]);
    expect(result.ok).toBe(false);
    expect(result.resources.find((r) => r.kind === 'security-configuration')).toMatchObject({
      outcome: 'failed',
      error: 'a security configuration of this name exists with other settings, and Glue cannot update one: delete it',
    });
    expect(outcomes(result.resources, 'squatted')).toEqual([['job', 'skipped'], ['tags', 'skipped'], ['script', 'skipped']]);
    expect(created('squatted')).toBe(false);
  });

  it('converges after a deploy that stopped half-way', async () => {
    recorder.fail({ service: 's3', operation: 'PutObject', error: 'AccessDenied', message: 'Access Denied', status: 403, times: 1 });
    const first = await apply([testJob({ name: 'half-way', key })]);
    expect(outcomes(first.resources, 'half-way')).toEqual([['job', 'created'], ['tags', 'created'], ['script', 'failed']]);
    expect(of(first.resources, 'half-way')[2]!.error).toMatch(/^upload \(PutObject\) failed: AccessDenied: Access Denied/);

    const planned = await plan([testJob({ name: 'half-way', key })]);
    expect(of(planned.resources, 'half-way').map((r) => [r.kind, r.action])).toEqual([['job', 'unchanged'], ['tags', 'unchanged'], ['script', 'create']]);
    const second = await apply([testJob({ name: 'half-way', key })]);
    expect(second.ok).toBe(true);
    expect((await plan([testJob({ name: 'half-way', key })])).hasChanges).toBe(false);
  });
});
