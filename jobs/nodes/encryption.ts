/**
 * Encryption settings of sources and sinks.
 *
 * - SSE-KMS: S3 encrypts objects at rest with a KMS key. Glue applies it to everything a
 *   job writes through the job's security configuration, so there is one SSE-KMS key
 *   per job (`security.s3.kmsKey`); a sink may name it again, but not another key.
 * - CSE-KMS: objects are encrypted on the client with a KMS-wrapped data key (the Amazon
 *   S3 Encryption Client format) before they reach S3.
 */
import { describe } from '../../catalog/schema.js';
import { checkKmsKeyArn } from '../../core/aws-names.js';
import type { Reporter } from '../../core/problems.js';

export interface SseKms {
  readonly mode: 'SSE-KMS';
  /** KMS key ARN. Must be the job's `security.s3.kmsKey`. */
  readonly kmsKey: string;
}

export interface CseKms {
  readonly mode: 'CSE-KMS';
  /** KMS key ARN that wraps the data keys. */
  readonly kmsKey: string;
  /**
   * Sources only: encryption context entries every object must carry (checked when
   * objects are decrypted). Glue's S3 client cannot add context when writing.
   */
  readonly context?: Readonly<Record<string, string>>;
}

/** Server-side encryption with a KMS key, for a sink. */
export function sseKms(kmsKey: string): SseKms {
  return Object.freeze({ mode: 'SSE-KMS', kmsKey });
}

/** Client-side encryption with a KMS key (Amazon S3 Encryption Client format). */
export function cseKms(kmsKey: string, options: { context?: Record<string, string> } = {}): CseKms {
  return Object.freeze({ mode: 'CSE-KMS', kmsKey, ...(options.context && { context: Object.freeze({ ...options.context }) }) });
}

/** A checked encryption setting: key ARN verified, context copied. */
export type ResolvedEncryption =
  | { readonly mode: 'SSE-KMS'; readonly kmsKeyArn: string }
  | { readonly mode: 'CSE-KMS'; readonly kmsKeyArn: string; readonly context: Readonly<Record<string, string>> };

export function resolveKmsKey(value: unknown, at: Reporter): string | undefined {
  const check = checkKmsKeyArn(value);
  if (check.reason) {
    at.error(check.reason, check.hint);
    return undefined;
  }
  return value as string;
}

/** Reads a source's or sink's `encryption` field. `allowed` lists the modes that fit there. */
export function resolveEncryption(
  value: unknown,
  at: Reporter,
  allowed: readonly ('SSE-KMS' | 'CSE-KMS')[],
): ResolvedEncryption | undefined {
  if (!value || typeof value !== 'object') {
    at.error(`expected ${allowed.map((m) => (m === 'SSE-KMS' ? 'sseKms(keyArn)' : 'cseKms(keyArn)')).join(' or ')}, got ${describe(value)}`);
    return undefined;
  }
  const { mode, kmsKey, context } = value as { mode?: unknown; kmsKey?: unknown; context?: unknown };
  if (!allowed.includes(mode as 'SSE-KMS')) {
    at.child('mode').error(
      `unsupported encryption mode ${describe(mode)} here`,
      allowed.length === 1 && allowed[0] === 'CSE-KMS'
        ? 'a source can only be marked CSE-KMS; SSE-KMS objects are decrypted by S3 itself'
        : `one of ${allowed.map((m) => `"${m}"`).join(', ')}`,
    );
    return undefined;
  }
  const kmsKeyArn = resolveKmsKey(kmsKey, at.child('kmsKey'));
  if (!kmsKeyArn) return undefined;
  if (mode === 'SSE-KMS') return Object.freeze({ mode, kmsKeyArn });
  const entries: Record<string, string> = {};
  if (context !== undefined) {
    if (!context || typeof context !== 'object' || Array.isArray(context)) {
      at.child('context').error(`expected an object of string values, got ${describe(context)}`);
      return undefined;
    }
    for (const [k, v] of Object.entries(context)) {
      if (typeof v !== 'string') {
        at.child('context').child(k).error(`encryption context values are strings, got ${describe(v)}`);
        return undefined;
      }
      if (k.startsWith('aws:')) {
        at.child('context').child(k).error(`"${k}": the aws: prefix is reserved for AWS's own context entries`);
        return undefined;
      }
      entries[k] = v;
    }
  }
  return Object.freeze({ mode: 'CSE-KMS' as const, kmsKeyArn, context: Object.freeze(entries) });
}
