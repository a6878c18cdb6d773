/**
 * The AWS clients deploy uses, from the SDK's standard configuration: credentials from
 * the default chain (environment, AWS_PROFILE and the shared files, SSO, instance roles),
 * endpoints from AWS_ENDPOINT_URL_GLUE / _S3 / _KMS or AWS_ENDPOINT_URL (the SDK reads
 * these itself). The region is the job's own (`region` in defineJob; a KMS key's from its
 * ARN), never the profile's: the IAM policy gluekit compiles is scoped to that region.
 *
 * Throttling: Glue's control-plane limits are low, so clients retry in `adaptive` mode
 * (client-side rate limiting on top of exponential backoff) with up to 8 attempts, unless
 * AWS_RETRY_MODE or AWS_MAX_ATTEMPTS say otherwise.
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';

export interface DeployClients {
  glue(region: string): GlueClient;
  s3(region: string): S3Client;
  kms(region: string): KMSClient;
  /** Closes the connections of every client made. */
  destroy(): void;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

function retryConfig(env: NodeJS.ProcessEnv): { maxAttempts?: number; retryMode?: string } {
  return {
    ...(!env.AWS_MAX_ATTEMPTS && { maxAttempts: DEFAULT_MAX_ATTEMPTS }),
    ...(!env.AWS_RETRY_MODE && { retryMode: 'adaptive' }),
  };
}

/** Whether the environment names an endpoint for S3, which then serves buckets as paths (moto, MinIO, LocalStack). */
function s3EndpointFromEnvironment(env: NodeJS.ProcessEnv): boolean {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true') return false;
  return !!(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

export function clientsFromEnvironment(env: NodeJS.ProcessEnv = process.env): DeployClients {
  const made: { destroy(): void }[] = [];
  const cache = <C extends { destroy(): void }>(make: (region: string) => C) => {
    const byRegion = new Map<string, C>();
    return (region: string): C => {
      let client = byRegion.get(region);
      if (!client) {
        client = make(region);
        byRegion.set(region, client);
        made.push(client);
      }
      return client;
    };
  };
  const retry = retryConfig(env);
  return {
    glue: cache((region) => new GlueClient({ region, ...retry })),
    kms: cache((region) => new KMSClient({ region, ...retry })),
    // A job's script bucket may live in another region than the job: follow S3's redirects.
    s3: cache((region) => new S3Client({ region, ...retry, followRegionRedirects: true, ...(s3EndpointFromEnvironment(env) && { forcePathStyle: true }) })),
    destroy: () => {
      for (const client of made.splice(0)) client.destroy();
    },
  };
}
