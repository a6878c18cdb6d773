/**
 * AWS SDK failures as one readable line (core/sdk-errors.ts), and the test for "this
 * resource does not exist", which deploy reads as "to be created" rather than as a failure.
 */
import { sdkReason } from '../core/sdk-errors.js';

/** An AWS failure as one line; deploy says how often the SDK retried (throttling). */
export function awsReason(e: unknown): string {
  return sdkReason(e, { endpoint: 'AWS', attempts: true });
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Glue's EntityNotFoundException, KMS's NotFoundException, S3's 404 on HeadObject. */
export function isNotFound(e: unknown): boolean {
  const err = (e ?? {}) as { name?: string };
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
