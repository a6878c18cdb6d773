/**
 * AWS KMS as a KeyProvider, through @aws-sdk/client-kms with the SDK's standard
 * configuration: credentials and region from the environment or the shared profiles
 * (AWS_PROFILE), and the endpoint from AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL when set,
 * which is how `gluekit kms serve` or moto stand in for AWS.
 *
 * KMS's exceptions become KmsErrors of the same name, so a job fails the same way against
 * AWS KMS as against the local keystore. AWS KMS often gives InvalidCiphertextException
 * no message, so one is supplied. Failures that are not about the key (credentials,
 * region, network, throttling after the SDK's retries) are plain Errors naming the call.
 */
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  KMSServiceException,
  type KMSClientConfig,
} from '@aws-sdk/client-kms';
import { parseArn } from '../../core/aws-names.js';
import { KmsError, type DataKey, type EncryptionContext, type KeyDescription, type KeyProvider, type KmsErrorName } from './kms.js';

const KMS_ERRORS: ReadonlySet<string> = new Set<KmsErrorName>([
  'NotFoundException',
  'DisabledException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'KMSInvalidStateException',
  'InvalidKeyUsageException',
  'KeyUnavailableException',
  'AccessDeniedException',
]);

/** What each exception means, for when AWS KMS sends none. */
const MEANING: Readonly<Record<string, string>> = {
  InvalidCiphertextException: 'the ciphertext blob does not decrypt with this encryption context (the context differs, or the blob was altered)',
  IncorrectKeyException: 'the data key was not wrapped by the KMS key the caller named',
  NotFoundException: 'the KMS key does not exist',
  DisabledException: 'the KMS key is disabled',
};

export interface AwsKmsOptions {
  /** A ready client; by default one with the SDK's standard configuration. */
  readonly client?: KMSClient;
  /** Settings for the default client (region, endpoint, credentials), over the standard configuration. */
  readonly config?: KMSClientConfig;
}

export class AwsKmsKeyProvider implements KeyProvider {
  readonly #client: KMSClient;
  readonly #ownsClient: boolean;

  constructor(options: AwsKmsOptions = {}) {
    this.#client = options.client ?? new KMSClient(options.config ?? {});
    this.#ownsClient = options.client === undefined;
  }

  async decrypt(ciphertextBlob: Uint8Array, encryptionContext: EncryptionContext, keyId?: string): Promise<Uint8Array> {
    const out = await this.#call('Decrypt', () =>
      this.#client.send(
        new DecryptCommand({
          CiphertextBlob: ciphertextBlob,
          ...contextMember('EncryptionContext', encryptionContext),
          ...(keyId !== undefined && { KeyId: keyId }),
        }),
      ),
    );
    if (!out.Plaintext) throw new Error('AWS KMS Decrypt returned no plaintext');
    return out.Plaintext;
  }

  async generateDataKey(keyId: string, encryptionContext: EncryptionContext): Promise<DataKey> {
    const out = await this.#call('GenerateDataKey', () =>
      this.#client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', ...contextMember('EncryptionContext', encryptionContext) })),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('AWS KMS GenerateDataKey returned no data key');
    return { plaintext: out.Plaintext, ciphertextBlob: out.CiphertextBlob };
  }

  async encrypt(keyId: string, plaintext: Uint8Array, encryptionContext: EncryptionContext): Promise<Uint8Array> {
    const out = await this.#call('Encrypt', () =>
      this.#client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, ...contextMember('EncryptionContext', encryptionContext) })),
    );
    if (!out.CiphertextBlob) throw new Error('AWS KMS Encrypt returned no ciphertext');
    return out.CiphertextBlob;
  }

  /**
   * KMS DescribeKey. DescribeKey does not list a key's aliases, so `aliases` holds only
   * the alias the key was asked for by, if any (it names this key, since KMS resolved it).
   */
  async describe(keyId: string): Promise<KeyDescription> {
    const out = await this.#call('DescribeKey', () => this.#client.send(new DescribeKeyCommand({ KeyId: keyId })));
    const metadata = out.KeyMetadata;
    if (!metadata?.KeyId) throw new Error('AWS KMS DescribeKey returned no key metadata');
    const alias = keyId.startsWith('alias/') ? keyId : parseArn(keyId)?.resource.startsWith('alias/') ? parseArn(keyId)!.resource : undefined;
    return Object.freeze({
      keyId: metadata.KeyId,
      ...(metadata.Arn && { arn: metadata.Arn }),
      aliases: alias ? [alias] : [],
      enabled: metadata.Enabled === true,
      createdAt: metadata.CreationDate ? metadata.CreationDate.toISOString() : '',
    });
  }

  /** Closes the client's connections, when this provider made the client. */
  close(): void {
    if (this.#ownsClient) this.#client.destroy();
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      throw kmsFailure(operation, e);
    }
  }
}

/** KMS treats an empty context as none; leaving it out keeps requests minimal. */
function contextMember(name: string, context: EncryptionContext): Record<string, EncryptionContext> {
  return Object.keys(context).length > 0 ? { [name]: context } : {};
}

function kmsFailure(operation: string, e: unknown): Error {
  const error = e as Error & { $metadata?: unknown };
  const message = typeof error?.message === 'string' && error.message !== '' && error.message !== 'UnknownError' ? error.message : undefined;
  // AccessDeniedException is not in the KMS model, so the SDK makes it a plain service exception.
  if ((e instanceof KMSServiceException || error?.$metadata !== undefined) && KMS_ERRORS.has(error.name)) {
    return new KmsError(error.name as KmsErrorName, message ?? MEANING[error.name] ?? `AWS KMS ${operation} refused the request`);
  }
  if (e instanceof KMSServiceException) return new Error(`AWS KMS ${operation} failed: ${error.name}: ${message ?? 'no message'}`, { cause: e });
  return new Error(`AWS KMS ${operation} failed: ${message ?? String(e)}`, { cause: e });
}
