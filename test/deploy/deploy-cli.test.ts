/**
 * `gluekit plan` and `gluekit deploy` as a CI step runs them: exit codes (plan: 0 nothing
 * to change, 2 changes pending, 1 error), readable output without stack traces, --json,
 * and the AWS SDK's standard configuration. AWS_ENDPOINT_URL points at a closed port and
 * AWS_ENDPOINT_URL_GLUE / _S3 / _KMS at the recording endpoint (which forwards to moto and
 * implements UpdateJob, which moto lacks): that the deploy works shows the SDK clients
 * read the per-service variables themselves.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsRecorder } from '../support/aws-recorder.js';
import { aws, peersAvailable, type Moto } from '../support/peers.js';
import { ASSETS_BUCKET } from './jobs.js';
import { useDeployPeers } from './peers.js';

const available = peersAvailable('moto_server', 'aws');
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'cli', 'bin.js');
const jobFile = 'test/deploy/cli-job.ts';

describe.skipIf(!available)('gluekit plan and deploy', () => {
  let moto: Moto;
  let recorder: AwsRecorder;
  let env: NodeJS.ProcessEnv;

  const peers = useDeployPeers({ sdkEnvironment: false });
  beforeAll(() => {
    ({ moto, recorder } = peers);
    const key = peers.createKey();
    env = {
      ...moto.env,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_GLUE: recorder.endpoint,
      AWS_ENDPOINT_URL_S3: recorder.endpoint,
      AWS_ENDPOINT_URL_KMS: recorder.endpoint,
      GLUEKIT_TEST_KMS_KEY: key,
      GLUEKIT_DEBUG: '',
      NO_COLOR: '',
    };
  });

  // Asynchronous: the recording endpoint lives in this process and must keep answering.
  const gluekit = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...env, ...extra } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('plans the first deploy (exit 2), deploys (exit 0), then has nothing to change (exit 0)', async () => {
    const first = await gluekit(['plan', jobFile]);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain('+ security-configuration gluekit-');
    expect(first.stdout).toContain('+ job cli-deployed: create');
    expect(first.stdout).toContain(`+ script s3://${ASSETS_BUCKET}/scripts/cli-deployed.py (job "cli-deployed"): create`);
    expect(first.stdout).toContain('Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.');
    expect(recorder.writes()).toEqual([]);

    const deployed = await gluekit(['deploy', jobFile]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(deployed.stdout).toContain('Deploy: 4 created, 0 updated, 0 deleted, 0 unchanged.');
    expect(aws(moto, ['glue', 'get-job', '--job-name', 'cli-deployed'])).toMatchObject({ Job: { Name: 'cli-deployed' } });

    recorder.clear();
    const again = await gluekit(['deploy', jobFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes: AWS matched the definitions.');
    expect(recorder.writes()).toEqual([]);
    const plannedAgain = await gluekit(['plan', jobFile]);
    expect(plannedAgain.code).toBe(0);
    expect(plannedAgain.stdout).toContain('No changes: AWS matches the definitions.');
  });

  it('prints field-level changes, and --dry-run writes nothing', async () => {
    const r = await gluekit(['deploy', '--dry-run', jobFile], { GLUEKIT_TEST_MIN_AMOUNT: '250' });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/~ job cli-deployed: update\n {4}CodeGenConfigurationNodes\.large\.SparkSQL\.SqlQuery: ".*100.*" -> ".*250.*"\n/);
    expect(r.stdout).toMatch(/~ script s3:\/\/.* \(job "cli-deployed"\): update\n {4}sha256: "[0-9a-f]{64}" -> "[0-9a-f]{64}"/);
    expect(recorder.writes()).toEqual([]);
  });

  it('prints the plan as JSON with --json', async () => {
    const r = await gluekit(['plan', '--json', jobFile], { GLUEKIT_TEST_MIN_AMOUNT: '250' });
    expect(r.code).toBe(2);
    const result = JSON.parse(r.stdout) as { ok: boolean; hasChanges: boolean; resources: { kind: string; action: string; changes: { field: string }[] }[] };
    expect(result.ok).toBe(true);
    expect(result.resources.find((x) => x.kind === 'job')).toMatchObject({ action: 'update', changes: [{ field: 'CodeGenConfigurationNodes.large.SparkSQL.SqlQuery' }] });
  });

  it('exits 1 naming the job and the call when AWS refuses, without a stack trace', async () => {
    recorder.fail({ service: 'glue', operation: 'UpdateJob', error: 'AccessDeniedException', message: 'not authorized to perform: glue:UpdateJob' });
    const r = await gluekit(['deploy', jobFile], { GLUEKIT_TEST_MIN_AMOUNT: '250' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('! job cli-deployed: failed\n    UpdateJob failed: AccessDeniedException: not authorized to perform: glue:UpdateJob (HTTP 400)');
    expect(r.stdout).toContain('1 failed, 2 skipped.');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('sends nothing to AWS when a job is invalid (exit 1)', async () => {
    const r = await gluekit(['deploy', jobFile], { GLUEKIT_TEST_KMS_KEY: 'alias/not-a-key-arn' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job "cli-deployed"');
    expect(r.stderr).toContain('nothing was sent to AWS');
    expect(recorder.calls).toEqual([]);
  });

  it('refuses wrong usage with exit 1, since exit 2 means "changes pending"', async () => {
    expect((await gluekit(['plan', '--no-such-option', jobFile])).code).toBe(1);
    const r = await gluekit(['deploy', '--concurrency', '0', jobFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--concurrency takes a whole number from 1 to 64, got "0"');
  });
});
