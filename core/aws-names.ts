/**
 * Parsing of the AWS names a job definition holds: ARNs (roles, KMS keys) and S3 URLs.
 * Each parser returns a reason instead of throwing, so validation can report it at the
 * field that holds the value.
 */

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/;

export function parseArn(text: string): Arn | undefined {
  const m = ARN.exec(text);
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}

const KEY_ID = /^key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * Checks that `text` is a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`).
 * Aliases are refused: IAM policies and Glue security configurations need the key ARN,
 * and an alias can be repointed to another key without the job changing.
 */
export function checkKmsKeyArn(text: unknown): { arn?: Arn; reason?: string; hint?: string } {
  if (typeof text !== 'string' || text === '') return { reason: 'expected a KMS key ARN' };
  const arn = parseArn(text);
  if (!arn) {
    if (/^alias\//.test(text) || /^[0-9a-f-]{36}$/.test(text))
      return { reason: `"${text}" is a bare key id or alias, not a key ARN`, hint: 'write the full ARN: arn:aws:kms:<region>:<account>:key/<key-id>' };
    return { reason: `"${text}" is not an ARN`, hint: 'a KMS key ARN looks like arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' };
  }
  if (arn.service !== 'kms') return { reason: `"${text}" is a ${arn.service} ARN, not a KMS key ARN`, hint: 'KMS key ARNs start with arn:aws:kms:' };
  if (arn.resource.startsWith('alias/'))
    return { reason: `"${text}" is a KMS alias ARN`, hint: 'use the key ARN the alias points to (aws kms describe-key --key-id alias/...); IAM cannot grant key use by alias ARN' };
  if (!arn.region || !arn.account || !KEY_ID.test(arn.resource))
    return { reason: `"${text}" is not a KMS key ARN (expected arn:aws:kms:<region>:<account>:key/<key-id>)` };
  return { arn };
}

/** Checks an IAM role ARN (`arn:aws:iam::<account>:role[/path]/name`). */
export function checkRoleArn(text: unknown): { arn?: Arn; reason?: string; hint?: string } {
  if (typeof text !== 'string' || text === '') return { reason: 'expected an IAM role ARN' };
  const arn = parseArn(text);
  if (!arn || arn.service !== 'iam' || !arn.account || !/^role\/([\x21-\x7e]+\/)*[\w+=,.@-]{1,64}$/.test(arn.resource))
    return { reason: `"${text}" is not an IAM role ARN`, hint: 'a role ARN looks like arn:aws:iam::123456789012:role/GlueJobRole' };
  return { arn };
}

export interface S3Url {
  readonly bucket: string;
  /** The key or prefix, without a leading slash; '' for the whole bucket. */
  readonly key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/key`. Refuses s3a:// and s3n:// and malformed bucket names. */
export function parseS3Url(text: unknown): { url?: S3Url; reason?: string } {
  if (typeof text !== 'string') return { reason: 'expected an s3:// URL' };
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text);
  if (!m) return { reason: `"${text}" is not an s3://bucket/key URL` };
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket))
    return { reason: `"${bucket}" is not a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)` };
  const key = m[2] ?? '';
  if (key.includes('//')) return { reason: `"${text}" has an empty path segment ("//")` };
  return { url: { bucket, key } };
}

/** A folder prefix of an S3 location: the key with a trailing slash (or '' for a bucket). */
export function folderPrefix(url: S3Url): string {
  return url.key === '' || url.key.endsWith('/') ? url.key : `${url.key}/`;
}
