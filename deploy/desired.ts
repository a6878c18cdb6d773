/**
 * What a job should look like in AWS, from its IR: the compiled CreateJob input split
 * into the JobUpdate (everything UpdateJob takes) and the tags, the security
 * configuration, the script with its content hash, and every KMS key the job uses.
 */
import { createHash } from 'node:crypto';
import { parseS3Url } from '../core/aws-names.js';
import { compileJobInput, compileSecurityConfiguration, type SecurityConfigurationInput } from '../jobs/compile/glue-job.js';
import { compileScript } from '../jobs/compile/script.js';
import type { JobIR } from '../jobs/ir.js';

/** The user-metadata name under which an uploaded script carries the sha256 of its content. */
export const SCRIPT_HASH_METADATA = 'gluekit-sha256';

export interface DesiredScript {
  readonly url: string;
  readonly bucket: string;
  readonly key: string;
  readonly body: string;
  readonly sha256: string;
  /** The job's SSE-KMS key; without one the script is encrypted under the account's AWS managed key (aws/s3). */
  readonly kmsKeyArn?: string;
}

export interface DesiredJob {
  readonly ir: JobIR;
  readonly name: string;
  readonly file?: string;
  readonly region: string;
  readonly arn: string;
  /** The CreateJob input gluekit compiles (job.json). */
  readonly input: Readonly<Record<string, unknown>>;
  /** The same minus Name and Tags: the complete JobUpdate, since UpdateJob resets whatever is left out. */
  readonly update: Readonly<Record<string, unknown>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly securityConfiguration?: SecurityConfigurationInput;
  readonly script: DesiredScript;
  /** Every KMS key ARN the job names, sorted. */
  readonly kmsKeys: readonly string[];
}

export function desiredJob(ir: JobIR): DesiredJob {
  const { settings, security } = ir;
  const input = compileJobInput(ir);
  const { Name: _name, Tags: tags, ...update } = input;
  const body = compileScript(ir);
  const { bucket, key } = parseS3Url(settings.scriptLocation).url!;
  const keys = new Set<string>();
  for (const arn of [security.s3KmsKeyArn, security.cloudWatchLogsKmsKeyArn, security.jobBookmarksKmsKeyArn, security.cse?.kmsKeyArn]) if (arn) keys.add(arn);
  for (const node of ir.nodes) {
    const encryption = (node as { encryption?: { kmsKeyArn?: string } }).encryption;
    if (encryption?.kmsKeyArn) keys.add(encryption.kmsKeyArn);
  }
  const securityConfiguration = compileSecurityConfiguration(ir);
  return Object.freeze({
    ir,
    name: settings.name,
    ...(ir.file !== undefined && { file: ir.file }),
    region: settings.region,
    arn: `arn:${settings.partition}:glue:${settings.region}:${settings.account}:job/${settings.name}`,
    input,
    update,
    tags: tags as Record<string, string>,
    ...(securityConfiguration && { securityConfiguration }),
    script: Object.freeze({
      url: settings.scriptLocation,
      bucket,
      key,
      body,
      sha256: createHash('sha256').update(body).digest('hex'),
      ...(security.s3KmsKeyArn && { kmsKeyArn: security.s3KmsKeyArn }),
    }),
    kmsKeys: [...keys].sort(),
  });
}
