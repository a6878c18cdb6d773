/**
 * AWS SDK failures as one readable line (`AccessDeniedException: User ... is not
 * authorized ...`), and the test for "this resource does not exist", which deploy reads as
 * "to be created" rather than as a failure.
 */

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  errors?: { code?: string }[];
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

export function awsReason(e: unknown): string {
  const err = (e ?? {}) as SdkError;
  const message = err.message ?? String(e);
  const code = err.code ?? err.errors?.[0]?.code;
  if (code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code)) {
    return `cannot reach the AWS endpoint (${code}${message ? `: ${message}` : ''})`;
  }
  if (err.name === 'CredentialsProviderError') return `no AWS credentials (${message})`;
  if (/region is missing/i.test(message)) return 'no AWS region configured (set AWS_REGION, or a region in the profile)';
  const status = err.$metadata?.httpStatusCode;
  // HEAD responses have no body, so for them the SDK knows only the HTTP status.
  const words = message && message !== err.name && message !== 'UnknownError' ? `: ${message}` : '';
  const attempts = (err.$metadata?.attempts ?? 1) > 1 ? `, after ${err.$metadata!.attempts} attempts` : '';
  return `${err.name ?? 'Error'}${words}${status ? ` (HTTP ${status}${attempts})` : ''}`;
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Glue's EntityNotFoundException, KMS's NotFoundException, S3's 404 on HeadObject. */
export function isNotFound(e: unknown): boolean {
  const err = (e ?? {}) as SdkError;
  return err.name === 'EntityNotFoundException' || err.name === 'NotFoundException' || err.name === 'NotFound' || err.name === 'NoSuchKey';
}

/** Runs one AWS call; a failure becomes an Error saying which call failed and why. */
export async function call<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (e) {
    throw new Error(`${operation} failed: ${awsReason(e)}`, { cause: e });
  }
}

/** Like call(), but a missing resource gives undefined. */
export async function read<T>(operation: string, request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new Error(`${operation} failed: ${awsReason(e)}`, { cause: e });
  }
}

/** Input deploy refuses before calling AWS: invalid jobs, two jobs with one name or one script. */
export class DeployInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployInputError';
  }
}
