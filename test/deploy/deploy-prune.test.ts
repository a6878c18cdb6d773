/**
 * `prune` deletes only what gluekit manages and no longer defines: jobs carrying the
 * `gluekit:managed` tag, and gluekit's content-addressed security configurations that no
 * remaining job (gluekit's or not) names. And several jobs deploy concurrently, at most
 * `concurrency` at a time. Against moto through the recording endpoint
 * (test/support/aws-recorder.ts), which counts requests in flight.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, plan } from '../../index.js';
import type { AwsRecorder } from '../support/aws-recorder.js';
import { aws, peersAvailable, type Moto } from '../support/peers.js';
import { ACCOUNT, testJob } from './jobs.js';
import { useDeployPeers } from './peers.js';

const available = peersAvailable('moto_server', 'aws');

describe.skipIf(!available)('prune and concurrency against moto', () => {
  let moto: Moto;
  let recorder: AwsRecorder;
  let key: string;
  let logsKey: string;
  let otherLogsKey: string;

  const createKey = () => (aws(moto, ['kms', 'create-key']) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  const jobNames = () => ((aws(moto, ['glue', 'list-jobs']) as { JobNames: string[] }).JobNames ?? []).sort();
  const configurationNames = () =>
    ((aws(moto, ['glue', 'get-security-configurations']) as { SecurityConfigurations: { Name: string }[] }).SecurityConfigurations ?? []).map((c) => c.Name).sort();

  const peers = useDeployPeers();
  beforeAll(() => {
    ({ moto, recorder } = peers);
    [key, logsKey, otherLogsKey] = [createKey(), createKey(), createKey()];
  });

  it('deletes only gluekit-managed jobs and unused gluekit security configurations', async () => {
    const keep = testJob({ name: 'keep', key });
    const retire = testJob({ name: 'retire', key, logsKey });
    const retireToo = testJob({ name: 'retire-too', key, logsKey: otherLogsKey });
    const first = await apply([keep, retire, retireToo]);
    expect(first.ok).toBe(true);
    const configurationOf = (job: string) => first.resources.find((r) => r.kind === 'security-configuration' && r.jobs.includes(job))!.name;

    // Made by hand: no management tag, and it uses retire-too's configuration.
    aws(moto, ['glue', 'create-job', '--name', 'hand-made', '--role', `arn:aws:iam::${ACCOUNT}:role/Other`,
      '--command', 'Name=glueetl,ScriptLocation=s3://elsewhere/x.py', '--security-configuration', configurationOf('retire-too')]);
    aws(moto, ['glue', 'create-security-configuration', '--name', 'team-config', '--encryption-configuration', '{"S3Encryption":[{"S3EncryptionMode":"DISABLED"}]}']);

    recorder.clear();
    expect((await plan([keep])).resources.filter((r) => r.action === 'delete')).toEqual([]);
    const planned = await plan([keep], { prune: true });
    expect(planned.resources.filter((r) => r.action === 'delete').map((r) => [r.kind, r.name])).toEqual([
      ['job', 'retire'],
      ['job', 'retire-too'],
      ['security-configuration', configurationOf('retire')],
    ]);
    expect(recorder.writes()).toEqual([]);

    const pruned = await apply([keep], { prune: true });
    expect(pruned.ok).toBe(true);
    expect(pruned.resources.filter((r) => r.outcome === 'deleted').map((r) => r.name)).toEqual(['retire', 'retire-too', configurationOf('retire')]);
    expect(jobNames()).toEqual(['hand-made', 'keep']);
    expect(configurationNames()).toEqual([configurationOf('keep'), configurationOf('retire-too'), 'team-config'].sort());
    expect((await plan([keep], { prune: true })).hasChanges).toBe(false);
  });

  it('deploys several jobs at once, never more than the concurrency bound', async () => {
    const jobs = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((name) => testJob({ name, key }));
    recorder.delay('glue', 'GetJob', 150);
    const bounded = await apply(jobs, { concurrency: 2 });
    expect(bounded.ok).toBe(true);
    expect(bounded.resources.filter((r) => r.kind === 'job').map((r) => r.outcome)).toEqual(Array(6).fill('created'));
    expect(recorder.maxInFlight('glue', 'GetJob')).toBe(2);

    recorder.clear();
    recorder.delay('glue', 'GetJob', 150);
    expect((await plan(jobs, { concurrency: 6 })).hasChanges).toBe(false);
    expect(recorder.maxInFlight('glue', 'GetJob')).toBeGreaterThan(2);
  });
});
