/**
 * The envelope of a client-side encrypted object: everything besides the ciphertext
 * that decryption needs (the wrapped data key, IV or message ID, algorithms, encryption
 * context), read from the object's metadata or its instruction file, and validated
 * before any key is asked for. Also writes it, for encryptObject.
 *
 * Formats (aws-encryption-sdk-specification, s3-encryption/data-format/):
 * - V1: `x-amz-key`, `x-amz-iv`, `x-amz-matdesc`; AES-CBC content. Legacy.
 * - V2: `x-amz-key-v2`, `x-amz-iv`, `x-amz-cek-alg`, `x-amz-wrap-alg`, `x-amz-matdesc`,
 *   `x-amz-tag-len`. Wrap `kms+context` (the matdesc is the KMS encryption context and
 *   holds `aws:x-amz-cek-alg`); wrap `kms` and CBC content are legacy.
 * - V3 (suite 115): `x-amz-c`, `x-amz-3`, `x-amz-w`, `x-amz-d`, `x-amz-i`, `x-amz-t`.
 *   With an instruction file, `x-amz-c`, `x-amz-d` and `x-amz-i` stay in the metadata and
 *   the rest moves to the file.
 * The instruction file (`<key>.instruction`) is read only when the metadata holds no
 * envelope; for V1/V2 it holds the whole envelope.
 */
import { CseError } from './errors.js';
import type { EncryptionContext } from './kms.js';
import { asciiJson, decodeS3MetadataText } from './metadata-text.js';
import {
  AES_256_CBC_IV16_NO_KDF,
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  AES_256_GCM_IV12_TAG16_NO_KDF,
  COMMITMENT_LENGTH,
  COMMITTING_SUITE_IV,
  type ContentSuite,
} from './suites.js';

export const KEY_V1 = 'x-amz-key';
export const KEY_V2 = 'x-amz-key-v2';
export const IV = 'x-amz-iv';
export const CEK_ALG = 'x-amz-cek-alg';
export const WRAP_ALG = 'x-amz-wrap-alg';
export const MATDESC = 'x-amz-matdesc';
export const TAG_LEN = 'x-amz-tag-len';
export const PLAINTEXT_LENGTH = 'x-amz-unencrypted-content-length';
export const CIPHER_V3 = 'x-amz-c';
export const KEY_V3 = 'x-amz-3';
export const MATDESC_V3 = 'x-amz-m';
export const CONTEXT_V3 = 'x-amz-t';
export const WRAP_V3 = 'x-amz-w';
export const COMMITMENT_V3 = 'x-amz-d';
export const MESSAGE_ID_V3 = 'x-amz-i';

/** The encryption context entry in which the S3EC records the content algorithm. */
export const CEK_ALG_CONTEXT_KEY = 'aws:x-amz-cek-alg';

const V1V2_KEYS = [KEY_V1, KEY_V2, IV, CEK_ALG, WRAP_ALG, MATDESC, TAG_LEN];
const V3_KEYS = [CIPHER_V3, KEY_V3, MATDESC_V3, CONTEXT_V3, WRAP_V3, COMMITMENT_V3, MESSAGE_ID_V3];
/** V3 keys that stay in the object metadata when the rest is in an instruction file. */
const V3_METADATA_ONLY = [CIPHER_V3, COMMITMENT_V3, MESSAGE_ID_V3];

/** Key-wrapping algorithms whose data key is not wrapped by KMS: a client-side master key did it. */
const NON_KMS_WRAPS = new Set(['AES/GCM', 'AESWrap', 'RSA-OAEP-SHA1', 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding']);
const V3_WRAPS: Record<string, string> = { '02': 'AES/GCM', '12': 'kms+context', '22': 'RSA-OAEP-SHA1' };

export type WrapAlgorithm = 'kms+context' | 'kms';

export interface Envelope {
  readonly format: 'V1' | 'V2' | 'V3';
  readonly suite: ContentSuite;
  readonly wrap: WrapAlgorithm;
  /** The KMS ciphertext blob of the data key. */
  readonly encryptedDataKey: Uint8Array;
  /** The content IV: `x-amz-iv`, or the fixed IV of the committing suite. */
  readonly iv: Uint8Array;
  /** V3: the HKDF salt, `x-amz-i`. */
  readonly messageId?: Uint8Array;
  /** V3: the stored key commitment, `x-amz-d`. */
  readonly keyCommitment?: Uint8Array;
  /** The KMS encryption context exactly as stored: what KMS Decrypt must be given. */
  readonly context: EncryptionContext;
  readonly location: 'metadata' | 'instruction file';
}

/** Why an envelope is in a legacy format; empty when it is not. */
export function legacyReasons(envelope: Envelope): string[] {
  const reasons: string[] = [];
  if (envelope.format === 'V1') reasons.push('V1 metadata (x-amz-key)');
  if (envelope.suite.legacy) reasons.push(`${envelope.suite.metadataName} content, which is not authenticated`);
  if (envelope.wrap === 'kms') reasons.push('the data key wrapped with "kms", whose encryption context does not bind the content algorithm');
  return reasons;
}

/**
 * Finds and validates the envelope of `object` (a name for messages). `instructionFile`
 * returns the bytes of `<key>.instruction`, or undefined when there is none.
 */
export async function readEnvelope(
  object: string,
  metadata: Readonly<Record<string, string>> | undefined,
  instructionFile?: () => Promise<Uint8Array | undefined>,
): Promise<Envelope> {
  const fail = (message: string): never => {
    throw new CseError(object, 'malformed-envelope', message);
  };
  const meta = lowerCaseKeys(metadata ?? {}, fail);
  const has = (key: string) => meta.has(key);
  const v1v2Here = has(IV) && (has(KEY_V1) || has(KEY_V2));
  const v3Here = has(KEY_V3) && V3_METADATA_ONLY.every(has);
  if (v1v2Here || v3Here) return parseEnvelope(object, meta, 'metadata');

  const v3Split = V3_METADATA_ONLY.every(has);
  const present = [...V1V2_KEYS, ...V3_KEYS].filter(has);
  const bytes = await instructionFile?.();
  if (bytes === undefined) {
    if (present.length > 0) {
      const missing = v3Split || present.some((k) => V3_KEYS.includes(k)) ? [KEY_V3, ...V3_METADATA_ONLY].filter((k) => !has(k)) : [IV, KEY_V2].filter((k) => !has(k));
      return fail(`incomplete encryption envelope: the metadata holds ${present.join(', ')} but not ${missing.join(', ')}, and there is no instruction file`);
    }
    const prefixed = [...meta.keys()].filter((k) => k.startsWith('x-amz-meta-x-amz-'));
    throw new CseError(
      object,
      'no-envelope',
      `not client-side encrypted: its metadata holds no encryption envelope (x-amz-key-v2 or x-amz-3) and there is no instruction file` +
        (prefixed.length > 0 ? ` (metadata keys are written without the x-amz-meta- prefix: ${prefixed[0]} should be ${prefixed[0]!.slice('x-amz-meta-'.length)})` : ''),
    );
  }
  const instruction = parseInstructionFile(bytes, fail);
  if (v3Split) {
    const stray = V3_METADATA_ONLY.filter((k) => instruction.has(k));
    if (stray.length > 0) fail(`the instruction file holds ${stray.join(', ')}, which the V3 format keeps in the object metadata only (tampered instruction file?)`);
    for (const key of V3_METADATA_ONLY) instruction.set(key, meta.get(key)!);
    return parseEnvelope(object, instruction, 'instruction file');
  }
  if (instruction.has(KEY_V3)) fail(`the instruction file is in the V3 format, but the metadata lacks ${V3_METADATA_ONLY.filter((k) => !has(k)).join(', ')}`);
  return parseEnvelope(object, instruction, 'instruction file');
}

function lowerCaseKeys(record: Readonly<Record<string, string>>, fail: (m: string) => never): Map<string, string> {
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) {
    const lower = key.toLowerCase();
    if (map.has(lower)) fail(`metadata key ${lower} appears twice (in different case)`);
    if (typeof value !== 'string') fail(`metadata value of ${lower} is not a string`);
    map.set(lower, value);
  }
  return map;
}

/** An instruction file: a JSON object whose values are strings (numbers are taken as their text). */
function parseInstructionFile(bytes: Uint8Array, fail: (m: string) => never): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return fail('the instruction file is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('the instruction file is not a JSON object');
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    const lower = key.toLowerCase();
    if (map.has(lower)) fail(`the instruction file holds ${lower} twice (in different case)`);
    if (typeof value === 'string') map.set(lower, value);
    else if (typeof value === 'number' && Number.isFinite(value)) map.set(lower, String(value));
    else fail(`the instruction file's ${lower} is not a string or number`);
  }
  return map;
}

function parseEnvelope(object: string, entries: Map<string, string>, location: Envelope['location']): Envelope {
  const where = location === 'metadata' ? 'metadata' : 'instruction file';
  const fail = (message: string): never => {
    throw new CseError(object, 'malformed-envelope', `${message} (in the ${where})`);
  };
  const unsupported = (message: string): never => {
    throw new CseError(object, 'unsupported-algorithm', `${message} (in the ${where})`);
  };
  const required = (key: string): string => entries.get(key) ?? fail(`${key} is missing`);
  const bytes = (key: string, length?: number, what?: string): Uint8Array => {
    const value = required(key);
    if (!BASE64.test(value)) return fail(`${key} is not valid base64`);
    const decoded = new Uint8Array(Buffer.from(value, 'base64'));
    if (decoded.length === 0) return fail(`${key} is empty`);
    if (length !== undefined && decoded.length !== length) return fail(`${key} holds ${decoded.length} bytes; ${what} needs ${length}`);
    return decoded;
  };
  const json = (key: string): Record<string, string> => {
    const text = decodeS3MetadataText(entries.get(key) ?? '{}');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fail(`${key} is not valid JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail(`${key} is not a JSON object`);
    for (const [k, v] of Object.entries(parsed)) if (typeof v !== 'string') fail(`${key}: the value of "${k}" is not a string`);
    return Object.freeze({ ...(parsed as Record<string, string>) });
  };

  const v3 = V3_KEYS.filter((k) => entries.has(k));
  const v1v2 = V1V2_KEYS.filter((k) => entries.has(k));
  if (entries.has(KEY_V1) && entries.has(KEY_V2)) fail(`both ${KEY_V1} (V1) and ${KEY_V2} (V2) are present`);

  if (entries.has(KEY_V3)) {
    if (v1v2.length > 0) fail(`V3 envelope mixed with V1/V2 keys (${v1v2.join(', ')})`);
    const cipher = required(CIPHER_V3);
    if (cipher !== AES_256_GCM_HKDF_SHA512_COMMIT_KEY.metadataName) unsupported(`unknown content algorithm ${JSON.stringify(cipher)} in ${CIPHER_V3} (V3 knows only 115, AES-256-GCM with HKDF-SHA512 key commitment)`);
    const wrapCode = required(WRAP_V3);
    const wrapName = V3_WRAPS[wrapCode];
    if (wrapName === undefined) unsupported(`unknown key-wrapping algorithm ${JSON.stringify(wrapCode)} in ${WRAP_V3}`);
    if (wrapName !== 'kms+context') unsupported(`the data key is wrapped with ${wrapName} (${WRAP_V3}=${wrapCode}), a client-side master key, not KMS; CSE-KMS reads only kms+context`);
    const context = json(CONTEXT_V3);
    checkCekAlgInContext(object, context, cipher, `${CONTEXT_V3}`, where);
    return Object.freeze({
      format: 'V3',
      suite: AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      wrap: 'kms+context',
      encryptedDataKey: bytes(KEY_V3),
      iv: COMMITTING_SUITE_IV,
      messageId: bytes(MESSAGE_ID_V3, COMMITMENT_LENGTH, 'the message ID'),
      keyCommitment: bytes(COMMITMENT_V3, COMMITMENT_LENGTH, 'the key commitment'),
      context,
      location,
    });
  }

  if (v3.length > 0) fail(`V1/V2 envelope mixed with V3 keys (${v3.join(', ')})`);
  const format = entries.has(KEY_V2) ? 'V2' : 'V1';
  const encryptedDataKey = bytes(format === 'V2' ? KEY_V2 : KEY_V1);
  // V1 predates x-amz-cek-alg: its content is always CBC.
  const cekAlg = format === 'V1' ? (entries.get(CEK_ALG) ?? AES_256_CBC_IV16_NO_KDF.metadataName) : required(CEK_ALG);
  const suite = [AES_256_GCM_IV12_TAG16_NO_KDF, AES_256_CBC_IV16_NO_KDF].find((s) => s.metadataName === cekAlg);
  if (!suite) return unsupported(`unknown content algorithm ${JSON.stringify(cekAlg)} in ${CEK_ALG}`);
  if (suite.tagLength > 0) {
    const tagLen = required(TAG_LEN);
    if (tagLen !== String(suite.tagLength * 8)) fail(`${TAG_LEN} is ${JSON.stringify(tagLen)}; ${cekAlg} uses 128`);
  }
  const wrap = entries.get(WRAP_ALG);
  if (wrap === undefined) {
    if (format === 'V2') fail(`${WRAP_ALG} is missing`);
    unsupported(`V1 object without ${WRAP_ALG}: its data key is wrapped by a client-side master key (AES or RSA), not KMS`);
  }
  if (wrap !== 'kms+context' && wrap !== 'kms') {
    if (NON_KMS_WRAPS.has(wrap!)) unsupported(`the data key is wrapped with ${wrap}, a client-side master key, not KMS; CSE-KMS reads only kms+context (and legacy kms)`);
    unsupported(`unknown key-wrapping algorithm ${JSON.stringify(wrap)} in ${WRAP_ALG}`);
  }
  const iv = bytes(IV, suite.ivLength, `${cekAlg}`);
  const context = json(MATDESC);
  if (wrap === 'kms+context') checkCekAlgInContext(object, context, cekAlg, MATDESC, where);
  return Object.freeze({ format, suite, wrap: wrap as WrapAlgorithm, encryptedDataKey, iv, context, location });
}

/**
 * With kms+context, the content algorithm is also in the encryption context, which KMS
 * authenticates: a disagreement means the metadata was altered (an algorithm downgrade).
 */
function checkCekAlgInContext(object: string, context: EncryptionContext, cekAlg: string, key: string, where: string): void {
  const recorded = context[CEK_ALG_CONTEXT_KEY];
  if (recorded === undefined) throw new CseError(object, 'algorithm-mismatch', `${key} lacks ${CEK_ALG_CONTEXT_KEY}, which kms+context requires (in the ${where})`);
  if (recorded !== cekAlg) {
    throw new CseError(object, 'algorithm-mismatch', `${key} says ${CEK_ALG_CONTEXT_KEY} is ${JSON.stringify(recorded)}, but the content algorithm is ${JSON.stringify(cekAlg)} (in the ${where})`);
  }
}

/** Standard base64 with padding, nothing else (Buffer.from would skip bad characters silently). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The metadata (and instruction file) of an envelope, as encryptObject writes them: V2
 * or V3, never a legacy format. With `instructionFile`, V2 moves everything to the file
 * and V3 keeps `x-amz-c`, `x-amz-d` and `x-amz-i` in the metadata.
 */
export function writeEnvelope(
  envelope: Envelope,
  options: { instructionFile: boolean; plaintextLength?: number },
): { metadata: Record<string, string>; instruction?: Record<string, string> } {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  let all: Record<string, string>;
  let metadataOnly: readonly string[];
  if (envelope.format === 'V3') {
    all = {
      [CIPHER_V3]: envelope.suite.metadataName,
      [KEY_V3]: b64(envelope.encryptedDataKey),
      [WRAP_V3]: '12',
      [COMMITMENT_V3]: b64(envelope.keyCommitment!),
      [MESSAGE_ID_V3]: b64(envelope.messageId!),
      [CONTEXT_V3]: asciiJson(envelope.context),
    };
    metadataOnly = V3_METADATA_ONLY;
  } else if (envelope.format === 'V2' && envelope.wrap === 'kms+context' && !envelope.suite.legacy) {
    all = {
      [KEY_V2]: b64(envelope.encryptedDataKey),
      [IV]: b64(envelope.iv),
      [CEK_ALG]: envelope.suite.metadataName,
      [WRAP_ALG]: envelope.wrap,
      [MATDESC]: asciiJson(envelope.context),
      [TAG_LEN]: String(envelope.suite.tagLength * 8),
      ...(options.plaintextLength !== undefined && { [PLAINTEXT_LENGTH]: String(options.plaintextLength) }),
    };
    metadataOnly = [];
  } else {
    throw new Error('gluekit writes only the V2 and V3 formats; legacy formats are read, never written');
  }
  if (!options.instructionFile) return { metadata: all };
  const metadata: Record<string, string> = {};
  const instruction: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) (metadataOnly.includes(key) ? metadata : instruction)[key] = value;
  return { metadata, instruction };
}
