/**
 * The error every client-side decryption failure raises: it names the object and says
 * what failed, and never carries key material or plaintext.
 */
import { FormatError } from '../formats/format.js';

/** What went wrong, for callers (and tests) that need more than the message. */
export type CseFailure =
  /** The object carries no encryption envelope, in its metadata or an instruction file. */
  | 'no-envelope'
  /** The envelope is incomplete or malformed (base64, JSON, lengths, mixed formats). */
  | 'malformed-envelope'
  /** A content or key-wrapping algorithm gluekit does not read. */
  | 'unsupported-algorithm'
  /** A legacy format, refused unless `allowLegacy` is set. */
  | 'legacy-refused'
  /** The encryption context's `aws:x-amz-cek-alg` disagrees with the content algorithm. */
  | 'algorithm-mismatch'
  /** An entry the job expects in the encryption context is missing or different. */
  | 'context-mismatch'
  /** The key provider could not unwrap the data key (wrong key or context, altered blob, unknown or disabled key). */
  | 'data-key'
  /** The stored key commitment does not match the data key (suite 115). */
  | 'key-commitment'
  /** The GCM tag did not verify: the ciphertext or tag was altered, or the object is cut short. */
  | 'authentication'
  /** The object is too short to hold even the GCM tag. */
  | 'truncated'
  /** Legacy CBC content whose padding is wrong (altered, truncated, or the wrong key). */
  | 'padding';

export class CseError extends FormatError {
  constructor(
    object: string,
    readonly failure: CseFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(object, message);
    this.name = 'CseError';
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
