/**
 * The deploy tests' peers: moto behind the recording endpoint (test/support/aws-recorder.ts,
 * which counts every call and implements the Glue calls moto lacks), with the Glue assets
 * bucket created. `useDeployPeers()` registers the hooks that start and stop them in the
 * calling describe block; the returned object is filled in once its beforeAll has run.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startAwsRecorder, type AwsRecorder } from '../support/aws-recorder.js';
import { aws, startMoto, type Moto } from '../support/peers.js';
import { ACCOUNT, ASSETS_BUCKET, REGION } from './jobs.js';

export interface DeployPeers {
  readonly moto: Moto;
  readonly recorder: AwsRecorder;
  /** A new KMS key in moto, by ARN. */
  createKey(): string;
}

export interface DeployPeerOptions {
  /** Point this process's AWS SDK at the recorder (AWS_ENDPOINT_URL and moto's credentials); default true. Off for tests that run the CLI in a child process with its own environment. */
  readonly sdkEnvironment?: boolean;
  /** Forget the recorded calls before each test; default true. */
  readonly clearEach?: boolean;
}

export function useDeployPeers(options: DeployPeerOptions = {}): DeployPeers {
  const peers: { moto?: Moto; recorder?: AwsRecorder } = {};
  beforeAll(async () => {
    peers.moto = await startMoto(REGION);
    peers.recorder = await startAwsRecorder(peers.moto.endpoint, ACCOUNT);
    // The SDK reads its configuration from the environment, as it would in a deploy script.
    if (options.sdkEnvironment !== false) Object.assign(process.env, peers.moto.env, { AWS_ENDPOINT_URL: peers.recorder.endpoint });
    aws(peers.moto, ['s3api', 'create-bucket', '--bucket', ASSETS_BUCKET]);
  });
  afterAll(async () => {
    await peers.recorder?.close();
    await peers.moto?.stop();
  });
  if (options.clearEach !== false) beforeEach(() => peers.recorder!.clear());
  return {
    get moto() {
      return peers.moto!;
    },
    get recorder() {
      return peers.recorder!;
    },
    createKey: () => (aws(peers.moto!, ['kms', 'create-key']) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn,
  };
}
