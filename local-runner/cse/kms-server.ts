/**
 * The local keystore as a KMS endpoint (`gluekit kms serve`), so that any AWS SDK or the
 * AWS CLI can use its keys: the KMS JSON 1.1 protocol (POST /, `X-Amz-Target:
 * TrentService.<Operation>`, `application/x-amz-json-1.1`, blobs in base64, timestamps
 * in epoch seconds) for the operations CSE and key set-up need: GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext, Encrypt, Decrypt, ReEncrypt, DescribeKey, CreateKey,
 * ListKeys, CreateAlias and ListAliases.
 *
 * A local test endpoint, not a security boundary: it listens on 127.0.0.1 only, and it
 * accepts Signature V4 headers without verifying them (any credentials will do; the
 * credential scope's region names the keys it creates). Ciphertext blobs are the local
 * keystore's (local-ciphertext.ts), with the encryption context bound as AAD, so a blob
 * decrypts here and with LocalKeystore alike, and only under the context it was made with.
 *
 * Keys of the keystore that have no ARN answer to one in the account LOCAL_ACCOUNT_ID.
 * CreateKey and CreateAlias write the keystore file through keystore.ts (rewritten whole,
 * mode 0600); the file is re-read whenever it changes, so keys added with `gluekit kms
 * create-key` while the endpoint runs are served too. CreateKey keeps no Policy,
 * Description or Tags (the keystore has no place for them, and there is no access control
 * here to apply a policy to); it refuses key kinds other than symmetric AWS_KMS keys.
 *
 * Errors are KMS's: `{"__type": "<exception>", "message": "..."}` with the HTTP status
 * the SDK's KMS model gives each exception. Neither responses nor the request log ever
 * carry key material; plaintexts and data keys appear only in successful responses.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArn } from '../../core/aws-names.js';
import { aliasNameProblem, createAlias, createKey, LocalKeystore } from './keystore.js';
import { KmsError, type EncryptionContext, type KeyDescription } from './kms.js';
import { parseBlob } from './local-ciphertext.js';

/**
 * The account of the ARNs this endpoint gives keys that have none. No AWS account has
 * this id, so such an ARN is never mistaken for a production key's.
 */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** The region of those ARNs when a request's signature names none. */
const DEFAULT_REGION = 'us-east-1';
/** KMS requests are small (a plaintext is at most 4 KiB); anything far larger is refused unread. */
const MAX_REQUEST_BYTES = 1 << 20;
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface KmsServerOptions {
  /** The keystore file. It need not exist yet: CreateKey creates it. */
  readonly keystore: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Told of every request: operation, status and error type, nothing secret. */
  readonly onRequest?: (entry: KmsRequestLogEntry) => void;
  /** Where keystore warnings go (a file others may read); default process.emitWarning. */
  readonly onWarning?: (message: string) => void;
}

export interface KmsRequestLogEntry {
  readonly operation: string;
  readonly status: number;
  /** The KMS exception, for failed requests. */
  readonly error?: string;
}

export interface KmsServer {
  /** `http://127.0.0.1:<port>`, for `--endpoint-url` or AWS_ENDPOINT_URL_KMS. */
  readonly url: string;
  readonly port: number;
  /** The number of keys the keystore held when the server started. */
  readonly keyCount: number;
  close(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1; resolves once it listens. */
export async function startKmsServer(options: KmsServerOptions): Promise<KmsServer> {
  const keys = new KeystoreFile(options.keystore, options.onWarning);
  const keyCount = (await keys.current()).list().length;
  const server = createServer((req, res) => {
    // handle() answers every failure itself; what is left (the client went away) ends the exchange, not the server.
    handle(req, res, keys, options.onRequest).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, keyCount, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // SDK clients keep connections alive; do not wait for them
  });
}

// ---------------------------------------------------------------------------------------
// Errors

/** A KMS exception to answer with. */
class KmsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * HTTP statuses of the exceptions that are not 400, as the SDK's KMS model declares them
 * (its httpError traits); every other KMS client error is 400.
 */
const STATUS: Readonly<Record<string, number>> = {
  NotFoundException: 404,
  AlreadyExistsException: 409,
  DisabledException: 409,
  KMSInvalidStateException: 409,
  DryRunOperationException: 412,
  KMSInternalException: 500,
};

const validation = (message: string) => new KmsServiceError('ValidationException', message);
/** What AWS JSON services answer when the body is not the JSON the operation takes. */
const serialization = (message: string) => new KmsServiceError('SerializationException', message);
const unsupported = (message: string) => new KmsServiceError('UnsupportedOperationException', message);

// ---------------------------------------------------------------------------------------
// Requests

async function handle(req: IncomingMessage, res: ServerResponse, keys: KeystoreFile, onRequest: KmsServerOptions['onRequest']): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const operationName = /^TrentService\.([A-Za-z]+)$/.exec(target)?.[1];
  const operation = operationName !== undefined && Object.hasOwn(OPERATIONS, operationName) ? OPERATIONS[operationName] : undefined;
  let status = 200;
  let error: string | undefined;
  let body: unknown;
  try {
    if (req.method !== 'POST' || operation === undefined) {
      // What AWS JSON services answer for a target they do not have; the SDKs raise it by name.
      throw new KmsServiceError('UnknownOperationException', target === '' ? 'no X-Amz-Target header: expected TrentService.<Operation>' : `this local KMS endpoint has no operation ${target}`);
    }
    const input = parseInput(await readBody(req));
    body = await operation(new Input(input), { keys, region: signedRegion(req) });
  } catch (e) {
    const failure = asServiceError(e);
    status = STATUS[failure.type] ?? 400;
    error = failure.type;
    body = { __type: failure.type, message: failure.message };
  }
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    // A body left unread (too large) cannot be skipped on a kept-alive connection.
    ...(!req.complete && { Connection: 'close' }),
  });
  res.end(text);
  onRequest?.({ operation: operationName ?? (target || '(none)'), status, ...(error !== undefined && { error }) });
}

function asServiceError(e: unknown): KmsServiceError {
  if (e instanceof KmsServiceError) return e;
  if (e instanceof KmsError) return new KmsServiceError(e.kmsError, e.detail);
  // Keystore and file errors: their messages name files and keys, never material.
  return new KmsServiceError('KMSInternalException', `local KMS endpoint failed: ${(e as Error).message ?? String(e)}`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) return void chunks.push(chunk);
      // Stop reading, but keep the socket: the answer goes out, then the connection closes.
      req.off('data', onData);
      req.pause();
      reject(validation(`the request body is larger than ${MAX_REQUEST_BYTES} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function parseInput(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw serialization('the request body is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw serialization('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** The region of the request's Signature V4 credential scope (not verified: see above). */
function signedRegion(req: IncomingMessage): string {
  const scope = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/kms\/aws4_request/.exec(String(req.headers.authorization ?? ''));
  return scope?.[1] ?? DEFAULT_REGION;
}

/** Reads the members of one request, checking each against the KMS model's constraints. */
class Input {
  constructor(private readonly members: Record<string, unknown>) {}

  #value(name: string, required: boolean): unknown {
    const value = this.members[name];
    if ((value === undefined || value === null) && required) throw validation(`1 validation error detected: ${name} must not be null`);
    return value === null ? undefined : value;
  }

  string(name: string, options: { required: true; max?: number }): string;
  string(name: string, options?: { required?: false; max?: number }): string | undefined;
  string(name: string, { required = false, max = 2048 }: { required?: boolean; max?: number } = {}): string | undefined {
    const value = this.#value(name, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw serialization(`${name} must be a string`);
    if (value.length < 1 || value.length > max) throw validation(`1 validation error detected: ${name} must have length from 1 to ${max}`);
    return value;
  }

  blob(name: string, max: number): Uint8Array {
    const value = this.#value(name, true);
    if (typeof value !== 'string') throw serialization(`${name} must be a base64 string`);
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) throw serialization(`${name} is not valid base64`);
    const bytes = new Uint8Array(Buffer.from(value, 'base64'));
    if (bytes.length < 1 || bytes.length > max) throw validation(`1 validation error detected: ${name} must hold from 1 to ${max} bytes`);
    return bytes;
  }

  context(name: string): EncryptionContext {
    const value = this.#value(name, false);
    if (value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw serialization(`${name} must be an object of strings`);
    const context: Record<string, string> = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (typeof entry !== 'string') throw serialization(`${name}: the value of "${key}" must be a string`);
      if (key === '') throw validation(`1 validation error detected: ${name} keys must not be empty`);
      context[key] = entry;
    }
    return context;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.#value(name, false);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(`${name} must be an integer`);
    if (value < min || value > max) throw validation(`1 validation error detected: ${name} must be from ${min} to ${max}`);
    return value;
  }

  boolean(name: string): boolean {
    const value = this.#value(name, false);
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw serialization(`${name} must be true or false`);
    return value;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.string(name, { max: 256 });
    if (value !== undefined && !(values as readonly string[]).includes(value)) {
      throw validation(`1 validation error detected: ${name} must be one of ${values.join(', ')}`);
    }
    return value as T | undefined;
  }

  present(name: string): boolean {
    return this.members[name] !== undefined && this.members[name] !== null;
  }
}

// ---------------------------------------------------------------------------------------
// The keystore file, re-read when it changes, written one change at a time

class KeystoreFile {
  #keystore: LocalKeystore | undefined;
  #version = '';
  #writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly onWarning: ((message: string) => void) | undefined,
  ) {}

  /** The keystore as the file holds it now: one stat per request, a read only when it changed. */
  async current(): Promise<LocalKeystore> {
    const info = await stat(this.file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const version = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'none';
    if (this.#keystore && version === this.#version) return this.#keystore;
    const first = this.#keystore === undefined;
    this.#keystore = info
      ? await LocalKeystore.open(this.file, {
          // Warn about a readable file once, not on every re-read.
          onWarning: first ? (this.onWarning ?? ((m) => process.emitWarning(m, 'GluekitKeystoreWarning'))) : () => undefined,
        })
      : LocalKeystore.parse('{ "version": 1, "keys": [] }', this.file);
    this.#version = version;
    return this.#keystore;
  }

  /** Runs `change` after every earlier one (each rewrites the whole file), then re-reads. */
  async change<T>(change: (keystore: LocalKeystore) => Promise<T>): Promise<T> {
    const run = this.#writes.then(async () => change(await this.current()));
    this.#writes = run.catch(() => undefined);
    return run;
  }
}

// ---------------------------------------------------------------------------------------
// Operations

interface Context {
  readonly keys: KeystoreFile;
  /** The region of the request's credential scope: ARNs of keys without one use it. */
  readonly region: string;
}

type Operation = (input: Input, context: Context) => Promise<Record<string, unknown>>;

const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';
const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const;
const PLAINTEXT_MAX = 4096;
const CIPHERTEXT_MAX = 6144;

function arnOf(key: KeyDescription, region: string): string {
  return key.arn ?? `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:key/${key.keyId}`;
}

/**
 * The name the keystore knows a requested key by. A key without an ARN answers here to
 * the ARN arnOf gives it, in any region; the keystore itself only knows its key id.
 */
function keystoreKeyId(keystore: LocalKeystore, requested: string): string {
  const arn = parseArn(requested);
  if (!arn || arn.service !== 'kms' || !arn.resource.startsWith('key/') || arn.account !== LOCAL_ACCOUNT_ID) return requested;
  const id = arn.resource.slice('key/'.length);
  const key = keystore.list().find((k) => k.keyId === id);
  return key && key.arn === undefined ? id : requested;
}

async function describeKey(keystore: LocalKeystore, requested: string): Promise<KeyDescription> {
  return keystore.describe(keystoreKeyId(keystore, requested));
}

/** The key that wrapped a blob the keystore has just decrypted (so it parses). */
async function wrappingKey(keystore: LocalKeystore, ciphertext: Uint8Array): Promise<KeyDescription> {
  const parsed = parseBlob(ciphertext);
  if (!parsed.ok) throw new KmsError('InvalidCiphertextException', parsed.reason);
  return keystore.describe(parsed.keyId);
}

/** Symmetric keys have one algorithm; the others name asymmetric key pairs, which the keystore does not hold. */
function checkAlgorithm(input: Input, name: string): void {
  const algorithm = input.oneOf(name, ENCRYPTION_ALGORITHMS);
  if (algorithm !== undefined && algorithm !== SYMMETRIC_DEFAULT) {
    throw new KmsServiceError('InvalidKeyUsageException', `${algorithm} is not an algorithm of symmetric keys; local keystore keys use SYMMETRIC_DEFAULT`);
  }
}

function refuseRecipient(input: Input): void {
  if (input.present('Recipient')) throw unsupported('Recipient (Nitro Enclaves attestation) is not supported by the local KMS endpoint');
}

/** With DryRun, KMS does everything but answer, and says the call would have succeeded. */
function dryRunDone(input: Input): void {
  if (!input.boolean('DryRun')) return;
  throw new KmsServiceError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');

/** The data key length GenerateDataKey is asked for: NumberOfBytes or KeySpec, exactly one of them. */
function dataKeyLength(input: Input): number {
  const bytes = input.integer('NumberOfBytes', 1, 1024);
  const spec = input.oneOf('KeySpec', ['AES_256', 'AES_128'] as const);
  if (bytes !== undefined && spec !== undefined) throw validation('specify either NumberOfBytes or KeySpec, not both');
  if (bytes === undefined && spec === undefined) throw validation('specify either NumberOfBytes or KeySpec');
  return bytes ?? (spec === 'AES_128' ? 16 : 32);
}

async function generateDataKey(input: Input, { keys, region }: Context, withPlaintext: boolean): Promise<Record<string, unknown>> {
  const requested = input.string('KeyId', { required: true });
  const context = input.context('EncryptionContext');
  const length = dataKeyLength(input);
  if (withPlaintext) refuseRecipient(input);
  const keystore = await keys.current();
  const key = await describeKey(keystore, requested);
  const plaintext = new Uint8Array(randomBytes(length));
  try {
    const ciphertext = await keystore.encrypt(key.keyId, plaintext, context);
    dryRunDone(input);
    return {
      CiphertextBlob: base64(ciphertext),
      ...(withPlaintext && { Plaintext: base64(plaintext) }),
      KeyId: arnOf(key, region),
    };
  } finally {
    plaintext.fill(0);
  }
}

function keyMetadata(key: KeyDescription, region: string): Record<string, unknown> {
  const arn = arnOf(key, region);
  return {
    AWSAccountId: parseArn(arn)?.account ?? LOCAL_ACCOUNT_ID,
    KeyId: key.keyId,
    Arn: arn,
    CreationDate: Date.parse(key.createdAt) / 1000,
    Enabled: key.enabled,
    Description: '',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: SYMMETRIC_DEFAULT,
    KeySpec: SYMMETRIC_DEFAULT,
    EncryptionAlgorithms: [SYMMETRIC_DEFAULT],
    MultiRegion: false,
  };
}

/** ListKeys and ListAliases page by position; the marker is the next position. */
function page<T>(input: Input, items: readonly T[]): { items: T[]; more: Record<string, unknown> } {
  const limit = input.integer('Limit', 1, 1000) ?? 100;
  const marker = input.string('Marker', { max: 1024 });
  const start = marker === undefined ? 0 : Number(marker);
  if (marker !== undefined && (!/^\d+$/.test(marker) || start > items.length)) {
    throw new KmsServiceError('InvalidMarkerException', 'the marker was not returned by an earlier call');
  }
  const end = Math.min(items.length, start + limit);
  return { items: items.slice(start, end), more: end < items.length ? { NextMarker: String(end), Truncated: true } : { Truncated: false } };
}

const OPERATIONS: Readonly<Record<string, Operation>> = {
  async Encrypt(input, { keys, region }) {
    const requested = input.string('KeyId', { required: true });
    const plaintext = input.blob('Plaintext', PLAINTEXT_MAX);
    const context = input.context('EncryptionContext');
    checkAlgorithm(input, 'EncryptionAlgorithm');
    try {
      const keystore = await keys.current();
      const key = await describeKey(keystore, requested);
      const ciphertext = await keystore.encrypt(key.keyId, plaintext, context);
      dryRunDone(input);
      return { CiphertextBlob: base64(ciphertext), KeyId: arnOf(key, region), EncryptionAlgorithm: SYMMETRIC_DEFAULT };
    } finally {
      plaintext.fill(0);
    }
  },

  async Decrypt(input, { keys, region }) {
    const ciphertext = input.blob('CiphertextBlob', CIPHERTEXT_MAX);
    const context = input.context('EncryptionContext');
    const requested = input.string('KeyId');
    checkAlgorithm(input, 'EncryptionAlgorithm');
    refuseRecipient(input);
    const keystore = await keys.current();
    const plaintext = await keystore.decrypt(ciphertext, context, requested === undefined ? undefined : keystoreKeyId(keystore, requested));
    try {
      const key = await wrappingKey(keystore, ciphertext);
      dryRunDone(input);
      return { KeyId: arnOf(key, region), Plaintext: base64(plaintext), EncryptionAlgorithm: SYMMETRIC_DEFAULT };
    } finally {
      plaintext.fill(0);
    }
  },

  GenerateDataKey: (input, context) => generateDataKey(input, context, true),
  GenerateDataKeyWithoutPlaintext: (input, context) => generateDataKey(input, context, false),

  async ReEncrypt(input, { keys, region }) {
    const ciphertext = input.blob('CiphertextBlob', CIPHERTEXT_MAX);
    const sourceContext = input.context('SourceEncryptionContext');
    const sourceKeyId = input.string('SourceKeyId');
    const destinationKeyId = input.string('DestinationKeyId', { required: true });
    const destinationContext = input.context('DestinationEncryptionContext');
    checkAlgorithm(input, 'SourceEncryptionAlgorithm');
    checkAlgorithm(input, 'DestinationEncryptionAlgorithm');
    const keystore = await keys.current();
    const destination = await describeKey(keystore, destinationKeyId);
    const plaintext = await keystore.decrypt(ciphertext, sourceContext, sourceKeyId === undefined ? undefined : keystoreKeyId(keystore, sourceKeyId));
    try {
      const source = await wrappingKey(keystore, ciphertext);
      const rewrapped = await keystore.encrypt(destination.keyId, plaintext, destinationContext);
      dryRunDone(input);
      return {
        CiphertextBlob: base64(rewrapped),
        SourceKeyId: arnOf(source, region),
        KeyId: arnOf(destination, region),
        SourceEncryptionAlgorithm: SYMMETRIC_DEFAULT,
        DestinationEncryptionAlgorithm: SYMMETRIC_DEFAULT,
      };
    } finally {
      plaintext.fill(0);
    }
  },

  async DescribeKey(input, { keys, region }) {
    const requested = input.string('KeyId', { required: true });
    return { KeyMetadata: keyMetadata(await describeKey(await keys.current(), requested), region) };
  },

  async CreateKey(input, { keys, region }) {
    const usage = input.string('KeyUsage', { max: 64 });
    if (usage !== undefined && usage !== 'ENCRYPT_DECRYPT') throw unsupported(`KeyUsage ${usage}: the local keystore holds symmetric ENCRYPT_DECRYPT keys only`);
    for (const name of ['KeySpec', 'CustomerMasterKeySpec']) {
      const spec = input.string(name, { max: 64 });
      if (spec !== undefined && spec !== SYMMETRIC_DEFAULT) throw unsupported(`${name} ${spec}: the local keystore holds SYMMETRIC_DEFAULT keys only`);
    }
    const origin = input.string('Origin', { max: 64 });
    if (origin !== undefined && origin !== 'AWS_KMS') throw unsupported(`Origin ${origin}: the local keystore makes its own key material (AWS_KMS)`);
    if (input.boolean('MultiRegion')) throw unsupported('multi-Region keys are not supported by the local keystore');
    for (const name of ['CustomKeyStoreId', 'XksKeyId']) {
      if (input.present(name)) throw unsupported(`${name}: the local keystore is the only key store here`);
    }
    // Accepted and not kept (see the module comment): checked for shape only.
    input.string('Policy', { max: 32768 });
    input.string('Description', { max: 8192 });
    input.boolean('BypassPolicyLockoutSafetyCheck');
    const key = await keys.change(() => createKey(keys.file, { arn: `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:key/${randomUUID()}` }));
    return { KeyMetadata: keyMetadata(key, region) };
  },

  async ListKeys(input, { keys, region }) {
    const { items, more } = page(input, (await keys.current()).list());
    return { Keys: items.map((key) => ({ KeyId: key.keyId, KeyArn: arnOf(key, region) })), ...more };
  },

  async CreateAlias(input, { keys }) {
    const alias = input.string('AliasName', { required: true, max: 256 });
    const target = input.string('TargetKeyId', { required: true });
    const problem = aliasNameProblem(alias);
    if (problem) throw new KmsServiceError('InvalidAliasNameException', problem);
    if (target.startsWith('alias/') || parseArn(target)?.resource.startsWith('alias/')) {
      throw validation('TargetKeyId must be a key id or key ARN, not an alias');
    }
    await keys.change(async (keystore) => {
      if (keystore.list().some((k) => k.aliases.includes(alias))) throw new KmsServiceError('AlreadyExistsException', `An alias with the name ${alias} already exists`);
      const key = await describeKey(keystore, target);
      return createAlias(keys.file, alias, key.keyId);
    });
    return {};
  },

  async ListAliases(input, { keys, region }) {
    const requested = input.string('KeyId');
    const keystore = await keys.current();
    const owners = requested === undefined ? keystore.list() : [await describeKey(keystore, requested)];
    const aliases = owners.flatMap((key) => {
      const arn = parseArn(arnOf(key, region))!;
      return key.aliases.map((alias) => ({ AliasName: alias, AliasArn: `arn:${arn.partition}:kms:${arn.region}:${arn.account}:${alias}`, TargetKeyId: key.keyId }));
    });
    const { items, more } = page(input, aliases);
    return { Aliases: items, ...more };
  },
};
