/**
 * Job-wide encryption rules: secure by default (every sink encrypted unless the job opts
 * out), one SSE-KMS key per job (Glue's security configuration), and client-side
 * encryption settings that Glue's S3 file system can actually honour.
 */
import { describe } from '../catalog/schema.js';
import { parseArn } from '../core/aws-names.js';
import type { ProblemList, Reporter } from '../core/problems.js';
import { joinPath } from '../core/problems.js';
import type { GlueVersion, JobDefinition } from './define.js';
import { resolveKmsKey } from './nodes/encryption.js';
import type { SinkNode } from './nodes/sinks.js';
import type { SourceNode } from './nodes/sources.js';

export interface JobSecurity {
  /** SSE-KMS key for everything the job writes to S3. */
  readonly s3KmsKeyArn?: string;
  readonly cloudWatchLogsKmsKeyArn?: string;
  readonly jobBookmarksKmsKeyArn?: string;
  readonly allowUnencryptedSinks: boolean;
  /** Client-side encryption as Glue will apply it, when any source or sink uses it. */
  readonly cse?: CseSettings;
}

export interface CseSettings {
  /** The key new objects are encrypted under (reads use the key named in each object). */
  readonly kmsKeyArn: string;
  readonly kmsRegion: string;
  /** Buckets holding CSE objects. Glue 6.0 (S3A) scopes CSE to them; EMRFS cannot. */
  readonly buckets: readonly string[];
}

type Settings = Omit<JobSecurity, 'cse'>;

export function resolveSecuritySettings(def: JobDefinition, problems: ProblemList): Settings | undefined {
  const at = problems.at('security');
  const value = def.security;
  if (value === undefined) return Object.freeze({ allowUnencryptedSinks: false });
  if (!value || typeof value !== 'object') {
    at.error(`expected { s3, cloudWatchLogs, jobBookmarks, allowUnencryptedSinks }, got ${describe(value)}`);
    return undefined;
  }
  const before = problems.errorCount;
  const key = (field: 's3' | 'cloudWatchLogs' | 'jobBookmarks'): string | undefined => {
    const v = value[field];
    if (v === undefined) return undefined;
    if (!v || typeof v !== 'object') {
      at.child(field).error(`expected { kmsKey: '<key ARN>' }, got ${describe(v)}`);
      return undefined;
    }
    return resolveKmsKey(v.kmsKey, at.child(field).child('kmsKey'));
  };
  const s3 = key('s3');
  const logs = key('cloudWatchLogs');
  const bookmarks = key('jobBookmarks');
  const allow = value.allowUnencryptedSinks ?? false;
  if (typeof allow !== 'boolean') at.child('allowUnencryptedSinks').error(`expected true or false, got ${describe(allow)}`);
  for (const field of Object.keys(value)) {
    if (!['s3', 'cloudWatchLogs', 'jobBookmarks', 'allowUnencryptedSinks'].includes(field))
      at.child(field).error(`unknown security setting "${field}"`, 'one of s3, cloudWatchLogs, jobBookmarks, allowUnencryptedSinks');
  }
  if (problems.errorCount > before) return undefined;
  return Object.freeze({
    ...(s3 && { s3KmsKeyArn: s3 }),
    ...(logs && { cloudWatchLogsKmsKeyArn: logs }),
    ...(bookmarks && { jobBookmarksKmsKeyArn: bookmarks }),
    allowUnencryptedSinks: allow as boolean,
  });
}

/**
 * Checks the sinks' encryption against the job's and derives the CSE settings.
 * `sinkAt(id)` is the reporter of a sink's definition.
 */
export function checkEncryption(
  settings: Settings,
  glueVersion: GlueVersion,
  sources: readonly SourceNode[],
  sinks: readonly SinkNode[],
  sinkAt: (id: string) => Reporter,
  problems: ProblemList,
): JobSecurity {
  for (const sink of sinks) {
    const at = sinkAt(sink.id).child('encryption');
    const own = sink.encryption;
    if (own?.mode === 'SSE-KMS') {
      if (!settings.s3KmsKeyArn) {
        at.error('SSE-KMS is applied through the job\'s security configuration, which has no S3 key', 'set security.s3 = { kmsKey } on the job (the sink may then omit encryption)');
      } else if (own.kmsKeyArn !== settings.s3KmsKeyArn) {
        at.child('kmsKey').error(`Glue applies one SSE-KMS key to everything a job writes (security.s3.kmsKey is ${settings.s3KmsKeyArn})`, 'use the same key, or leave the sink\'s encryption out');
      }
    }
    if (!own && !settings.s3KmsKeyArn && !settings.allowUnencryptedSinks) {
      at.error(
        'this sink would write unencrypted objects',
        'set security.s3 = { kmsKey } (SSE-KMS for everything the job writes), or encryption: cseKms(keyArn) on the sink, or opt out with security.allowUnencryptedSinks: true',
      );
    }
  }

  const cseSources = sources.filter((s) => s.encryption);
  const cseSinks = sinks.filter((s) => s.encryption?.mode === 'CSE-KMS');
  if (cseSources.length === 0 && cseSinks.length === 0) return Object.freeze({ ...settings });

  const writeKey = (cseSinks[0]?.encryption ?? cseSources[0]!.encryption)!.kmsKeyArn;
  for (const sink of cseSinks.slice(1)) {
    if (sink.encryption!.kmsKeyArn !== writeKey) {
      sinkAt(sink.id).child('encryption').child('kmsKey').error(
        `client-side encryption is configured once per job, and sink "${cseSinks[0]!.id}" already uses ${writeKey}`,
        'use one CSE key for all sinks of a job',
      );
    }
  }
  const buckets = [...new Set([...cseSources, ...cseSinks].map((n) => n.location.bucket))].sort();
  for (const sink of sinks) {
    if (sink.encryption?.mode === 'CSE-KMS') continue;
    if (glueVersion !== '6.0') {
      problems.at(joinPath(joinPath('sinks', sink.id), 'encryption'), sink.id).error(
        `on Glue ${glueVersion}, EMRFS applies client-side encryption to every object a job writes, so this sink would be CSE-KMS encrypted too`,
        'mark the sink encryption: cseKms(keyArn), or use Glue 6.0, where gluekit limits CSE to the buckets that need it',
      );
    } else if (buckets.includes(sink.location.bucket)) {
      problems.at(joinPath(joinPath('sinks', sink.id), 'path'), sink.id).error(
        `bucket "${sink.location.bucket}" holds client-side encrypted data, and Glue's S3A client encrypts per bucket, so this sink would be CSE-KMS encrypted too`,
        'write it to another bucket, or mark it encryption: cseKms(keyArn)',
      );
    }
  }
  if (glueVersion === '6.0') {
    for (const source of sources) {
      if (!source.encryption && buckets.includes(source.location.bucket)) {
        problems.at(joinPath(joinPath('sources', source.id), 'encryption'), source.id).error(
          `bucket "${source.location.bucket}" holds client-side encrypted data, and Glue's S3A client decrypts per bucket`,
          'mark this source encryption: cseKms(keyArn) too, or keep plaintext and encrypted data in separate buckets',
        );
      }
    }
  }
  const kmsRegion = parseArn(writeKey)!.region;
  return Object.freeze({ ...settings, cse: Object.freeze({ kmsKeyArn: writeKey, kmsRegion, buckets: Object.freeze(buckets) }) });
}
