/**
 * The CreateJob input (`aws glue create-job --cli-input-json`) and the
 * CreateSecurityConfiguration input. Keys follow the API's member order; maps (arguments,
 * tags, nodes) are sorted, so the JSON is byte-identical across runs.
 */
import { createHash } from 'node:crypto';
import { sortedKeys } from '../../core/stable-json.js';
import type { JobIR } from '../ir.js';
import { MANAGEMENT_TAG } from '../settings.js';
import { CSE_KEY_ARGUMENT, CSE_REGION_ARGUMENT } from './script.js';
import { compileStudioNodes } from './studio.js';

const BOOKMARK_OPTION = { enable: 'job-bookmark-enable', disable: 'job-bookmark-disable', pause: 'job-bookmark-pause' } as const;

export interface SecurityConfigurationInput {
  readonly Name: string;
  readonly EncryptionConfiguration: Record<string, unknown>;
}

/**
 * The security configuration, or undefined when the job sets no KMS key. Glue cannot
 * update a security configuration, so its name is derived from its content: a changed
 * setting yields a new configuration, never a silent mismatch.
 */
export function compileSecurityConfiguration(ir: JobIR): SecurityConfigurationInput | undefined {
  const s = ir.security;
  if (!s.s3KmsKeyArn && !s.cloudWatchLogsKmsKeyArn && !s.jobBookmarksKmsKeyArn) return undefined;
  const config = {
    S3Encryption: [s.s3KmsKeyArn ? { S3EncryptionMode: 'SSE-KMS', KmsKeyArn: s.s3KmsKeyArn } : { S3EncryptionMode: 'DISABLED' }],
    CloudWatchEncryption: s.cloudWatchLogsKmsKeyArn
      ? { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: s.cloudWatchLogsKmsKeyArn }
      : { CloudWatchEncryptionMode: 'DISABLED' },
    JobBookmarksEncryption: s.jobBookmarksKmsKeyArn
      ? { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: s.jobBookmarksKmsKeyArn }
      : { JobBookmarksEncryptionMode: 'DISABLED' },
  };
  const hash = createHash('sha256').update(JSON.stringify(sortedKeys(config))).digest('hex').slice(0, 16);
  return { Name: `gluekit-${hash}`, EncryptionConfiguration: config };
}

export function compileDefaultArguments(ir: JobIR): Record<string, string> {
  const { settings, security } = ir;
  const args: Record<string, string> = {
    '--job-language': 'python',
    '--enable-metrics': 'true',
    '--job-bookmark-option': BOOKMARK_OPTION[settings.bookmarks],
    '--TempDir': settings.tempDir,
    ...settings.arguments,
  };
  // Glue 5.0 deprecated this switch: from 5.0 on, logs stream to CloudWatch without it.
  if (settings.glueVersion === '4.0') args['--enable-continuous-cloudwatch-log'] = 'true';
  if (security.cse) {
    args[CSE_KEY_ARGUMENT] = security.cse.kmsKeyArn;
    args[CSE_REGION_ARGUMENT] = security.cse.kmsRegion;
  }
  return sortedKeys(args);
}

export function compileJobInput(ir: JobIR): Record<string, unknown> {
  const { settings } = ir;
  const securityConfiguration = compileSecurityConfiguration(ir);
  return {
    Name: settings.name,
    ...(settings.description !== undefined && { Description: settings.description }),
    Role: settings.role,
    ExecutionProperty: { MaxConcurrentRuns: settings.maxConcurrentRuns },
    Command: { Name: 'glueetl', ScriptLocation: settings.scriptLocation, PythonVersion: '3' },
    DefaultArguments: compileDefaultArguments(ir),
    MaxRetries: settings.maxRetries,
    Timeout: settings.timeoutMinutes,
    ...(securityConfiguration && { SecurityConfiguration: securityConfiguration.Name }),
    Tags: sortedKeys({ ...settings.tags, [MANAGEMENT_TAG]: 'true' }),
    GlueVersion: settings.glueVersion,
    NumberOfWorkers: settings.numberOfWorkers,
    WorkerType: settings.workerType,
    ...(settings.studioDag && { CodeGenConfigurationNodes: compileStudioNodes(ir) }),
    ExecutionClass: settings.executionClass,
  };
}
