/**
 * An AWS SDK failure as one readable line (`AccessDeniedException: User ... is not
 * authorized ... (HTTP 400)`), for every part of gluekit that calls AWS: deploy, and the
 * runner's S3 store. Network errors, missing credentials and a missing region get words
 * of their own, since the SDK's are not meant for people.
 */

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  errors?: { code?: string }[];
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

export interface SdkReasonOptions {
  /** The service named when the endpoint cannot be reached: "cannot reach the <endpoint> endpoint". */
  readonly endpoint: string;
  /** Whether to say how many attempts the SDK made, when it retried. */
  readonly attempts?: boolean;
}

export function sdkReason(e: unknown, options: SdkReasonOptions): string {
  const err = (e ?? {}) as SdkError;
  const message = err.message ?? String(e);
  const code = err.code ?? err.errors?.[0]?.code;
  if (code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code)) {
    return `cannot reach the ${options.endpoint} endpoint (${code}${message ? `: ${message}` : ''})`;
  }
  if (err.name === 'CredentialsProviderError') return `no AWS credentials (${message})`;
  if (/region is missing/i.test(message)) return 'no AWS region configured (set AWS_REGION, or a region in the profile)';
  const status = err.$metadata?.httpStatusCode;
  // HEAD responses have no body, so for them the SDK knows only the HTTP status ("UnknownError").
  const words = message && message !== err.name && message !== 'UnknownError' ? `: ${message}` : '';
  const attempts = options.attempts && (err.$metadata?.attempts ?? 1) > 1 ? `, after ${err.$metadata!.attempts} attempts` : '';
  return `${err.name ?? 'Error'}${words}${status ? ` (HTTP ${status}${attempts})` : ''}`;
}
