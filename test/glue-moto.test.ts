/**
 * The compiled inputs are accepted by the AWS CLI's own request validation (botocore
 * checks every member against the Glue service model, CodeGenConfigurationNodes
 * included) and by moto's Glue, which then returns what was sent. Two jobs: the example,
 * and one that uses every transform, source and sink shape gluekit emits.
 * moto has no UpdateJob; the update path belongs to deploy and is tested there.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import example from '../examples/orders/job.js';
import { buildJob, compileJob, writeCompiledJob, type JobDefinition } from '../index.js';
import { aws, peersAvailable, startMoto, type Moto } from './support/peers.js';
import everyTransform from './jobs/every-transform.js';

const available = peersAvailable('moto_server', 'aws');

describe.skipIf(!available).each([
  ['examples/orders/job.ts', example, 'eu-west-1'],
  ['test/jobs/every-transform.ts', everyTransform, 'us-east-1'],
] as [string, JobDefinition, string][])('%s against the AWS CLI and moto', (file, job, region) => {
  let moto: Moto;
  let dir: string;
  const compiled = compileJob(buildJob(job, { file }));
  const sent = JSON.parse(compiled.files['job.json']!);
  const security = JSON.parse(compiled.files['security-configuration.json']!);

  beforeAll(async () => {
    moto = await startMoto(region);
    dir = await writeCompiledJob(mkdtempSync(join(tmpdir(), 'gluekit-moto-')), compiled);
  });
  afterAll(async () => moto?.stop());

  it('creates the security configuration', () => {
    aws(moto, ['glue', 'create-security-configuration', '--cli-input-json', `file://${dir}/security-configuration.json`]);
    const got = aws(moto, ['glue', 'get-security-configuration', '--name', security.Name]) as { SecurityConfiguration: unknown };
    expect(got.SecurityConfiguration).toMatchObject(security);
  });

  it('creates the job, and get-job returns what was sent', () => {
    const created = aws(moto, ['glue', 'create-job', '--cli-input-json', `file://${dir}/job.json`]) as { Name: string };
    expect(created.Name).toBe(sent.Name);
    const { Job: got } = aws(moto, ['glue', 'get-job', '--job-name', sent.Name]) as { Job: Record<string, unknown> };
    for (const key of ['Role', 'Command', 'DefaultArguments', 'GlueVersion', 'WorkerType', 'NumberOfWorkers', 'Timeout', 'MaxRetries',
      'ExecutionProperty', 'ExecutionClass', 'SecurityConfiguration', 'CodeGenConfigurationNodes', 'Description']) {
      expect(got[key], key).toEqual(sent[key]);
    }
  });

  it('stores the tags', () => {
    const arn = `arn:aws:glue:${region}:123456789012:job/${sent.Name}`;
    const { Tags } = aws(moto, ['glue', 'get-tags', '--resource-arn', arn]) as { Tags: Record<string, string> };
    expect(Tags).toEqual(sent.Tags);
  });
});
