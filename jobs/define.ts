/**
 * The definition API: what a job file writes. `defineJob` only records the definition
 * (frozen); `validateJob` checks it and builds the IR, so that a job file never throws
 * on import and every problem can be reported at once.
 */
import type { TransformDefinition } from '../transforms/index.js';
import type { SinkDefinition } from './nodes/sinks.js';
import type { SourceDefinition } from './nodes/sources.js';

export type GlueVersion = '4.0' | '5.0' | '6.0';

/** Spark worker types of glueetl jobs. G.025X (streaming) and Z.2X (Ray) are refused with a reason. */
export type WorkerType = 'G.1X' | 'G.2X' | 'G.4X' | 'G.8X' | 'G.12X' | 'G.16X' | 'R.1X' | 'R.2X' | 'R.4X' | 'R.8X';

export interface KmsKeyProps {
  /** KMS key ARN: `arn:aws:kms:<region>:<account>:key/<key-id>` (not an alias). */
  readonly kmsKey: string;
}

export interface SecurityProps {
  /** SSE-KMS for every object the job writes to S3 (sinks and the temp dir). */
  readonly s3?: KmsKeyProps;
  /** KMS encryption of the job's CloudWatch logs. */
  readonly cloudWatchLogs?: KmsKeyProps;
  /** CSE-KMS encryption of the job's bookmark state. */
  readonly jobBookmarks?: KmsKeyProps;
  /**
   * gluekit refuses a job whose sinks would write unencrypted objects. Set this to true
   * to opt out explicitly (for example for test buckets).
   */
  readonly allowUnencryptedSinks?: boolean;
}

export interface WorkerProps {
  /** Worker type. Default G.1X. */
  readonly type: WorkerType;
  /** Number of workers, 2 or more (one runs the driver). */
  readonly count: number;
}

export interface JobProps {
  /** The Glue job name: 1-255 characters of letters, digits, `-`, `_` and `.`. */
  readonly name: string;
  readonly description?: string;
  /** ARN of the IAM role the job runs as. Its account scopes the generated IAM policy. */
  readonly role: string;
  /** The AWS region the job runs in (scopes catalog and log ARNs in the IAM policy). */
  readonly region: string;
  /** Default '6.0', the newest. */
  readonly glueVersion?: GlueVersion;
  /** Default `{ type: 'G.1X', count: 2 }`. */
  readonly workers?: WorkerProps;
  /** Minutes before Glue stops a run: 1 to 10080 (7 days). Default 2880 (Glue's default). */
  readonly timeoutMinutes?: number;
  /** Retries after a failed run: 0 to 10. Default 0. */
  readonly maxRetries?: number;
  /** Runs allowed at the same time. Default 1. */
  readonly maxConcurrentRuns?: number;
  /** FLEX runs on spare capacity (cheaper, may start later); needs G.1X or G.2X. Default STANDARD. */
  readonly executionClass?: 'STANDARD' | 'FLEX';
  /** Job bookmarks: 'enable' processes only new data on each run. Default 'disable'. */
  readonly bookmarks?: 'enable' | 'disable' | 'pause';
  /** Glue's temporary folder. Default `s3://aws-glue-assets-<account>-<region>/temporary/`. */
  readonly tempDir?: string;
  /** Where the generated script is uploaded. Default `s3://aws-glue-assets-<account>-<region>/scripts/<name>.py`. */
  readonly scriptLocation?: string;
  /** Extra job arguments (`--key`: value). Glue's reserved and gluekit-managed keys are refused. */
  readonly arguments?: Readonly<Record<string, string>>;
  /** Resource tags, at most 49 (gluekit adds its own management tag). */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Send the DAG as CodeGenConfigurationNodes so Glue Studio shows it. Default true.
   * AWS documents that Glue generates code from these nodes; gluekit's nodes mean the
   * same as its script, but the uploaded script.py is the one gluekit tests against.
   * Set false to keep Glue from ever generating a script for this job.
   */
  readonly studioDag?: boolean;
  /** Encryption settings. Sinks must be encrypted unless `allowUnencryptedSinks` is set. */
  readonly security?: SecurityProps;
  /** Where rows come from, by node id. */
  readonly sources: Readonly<Record<string, SourceDefinition>>;
  /** The transforms, by node id. Each names its input node(s). */
  readonly transforms?: Readonly<Record<string, TransformDefinition>>;
  /** Where rows go, by node id. */
  readonly sinks: Readonly<Record<string, SinkDefinition>>;
}

export interface JobDefinition extends JobProps {
  readonly kind: 'Job';
}

/** Declares a Glue job. Export it as the job file's default export. */
export function defineJob(props: JobProps): JobDefinition {
  return Object.freeze({ kind: 'Job', ...props });
}

export function isJobDefinition(value: unknown): value is JobDefinition {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'Job';
}
