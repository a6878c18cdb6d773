/**
 * `gluekit kms serve`: the local keystore as a KMS endpoint, driven by real clients, the
 * AWS SDK for JavaScript (@aws-sdk/client-kms) and the AWS CLI, the way a user would. One
 * server for the whole file: the command itself, started on a free port and stopped with
 * SIGTERM at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisabledException,
  DryRunOperationException,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  IncorrectKeyException,
  InvalidAliasNameException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KMSClient,
  KMSServiceException,
  ListAliasesCommand,
  ListKeysCommand,
  NotFoundException,
  ReEncryptCommand,
  UnsupportedOperationException,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, LocalKeystore } from '../../local-runner/cse/keystore.js';
import { LOCAL_ACCOUNT_ID } from '../../local-runner/cse/kms-server.js';
import { peersAvailable } from '../support/peers.js';
import { cleanupFolders, freshFolder, OTHER_ARN, PRODUCTION_ARN, secretForms, testKeystore, type TestKeystore } from './helpers.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'bin.js');
const awsCliAvailable = peersAvailable('aws');

let store: TestKeystore;
let noArnKeyId: string;
let serve: ChildProcess;
let endpoint: string;
let log = '';
let kms: KMSClient;
/** Every secret the tests saw: key material and data keys, which no error or log line may hold. */
const secrets: string[] = [];
const errorTexts: string[] = [];

beforeAll(async () => {
  store = await testKeystore(); // PRODUCTION_ARN (alias/orders-feed) and OTHER_ARN
  noArnKeyId = (await createKey(store.file, { alias: 'alias/no-arn' })).keyId;
  await createKey(store.file, { alias: 'alias/disabled' });
  const stored = JSON.parse(await readFile(store.file, 'utf8')) as { keys: { aliases: string[]; enabled: boolean; material: string }[] };
  stored.keys.find((k) => k.aliases.includes('alias/disabled'))!.enabled = false;
  await writeFile(store.file, JSON.stringify(stored)); // an existing file keeps its mode, 0600
  secrets.push(...secretForms(stored.keys.map((k) => k.material)));

  serve = spawn(process.execPath, [bin, 'kms', 'serve', '--keystore', store.file, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stderr!.on('data', (d) => (log += String(d)));
  endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout!.on('data', (d) => {
      out += String(d);
      const url = /KMS endpoint: (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    serve.once('exit', (code) => reject(new Error(`kms serve exited with ${code}: ${log}`)));
  });
  kms = new KMSClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  kms?.destroy();
  if (serve && serve.exitCode === null) serve.kill('SIGKILL');
  await cleanupFolders();
});

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

function remember(plaintext: Uint8Array | undefined): void {
  if (plaintext) secrets.push(Buffer.from(plaintext).toString('base64'), Buffer.from(plaintext).toString('hex'));
}

/** The error a KMS call fails with; every one is kept to check that none holds a secret. */
async function failure(call: Promise<unknown>): Promise<KMSServiceException> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KMSServiceException);
  errorTexts.push(String((error as Error).message));
  return error as KMSServiceException;
}

describe('kms serve with the AWS SDK', () => {
  it('listens on 127.0.0.1 on the free port --port 0 picked, and says so', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(endpoint).port)).toBeGreaterThan(0);
  });

  it('GenerateDataKey and Decrypt: a data key bound to its encryption context, found by alias, ARN or key id', async () => {
    const context = { feed: 'orders', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' };
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/orders-feed', KeySpec: 'AES_256', EncryptionContext: context }));
    remember(generated.Plaintext);
    expect(generated.Plaintext).toHaveLength(32);
    expect(generated.KeyId).toBe(PRODUCTION_ARN);
    for (const keyId of [undefined, PRODUCTION_ARN, 'alias/orders-feed', store.main.keyId]) {
      const reordered = { 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', feed: 'orders' };
      const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: reordered, ...(keyId && { KeyId: keyId }) }));
      expect(same(decrypted.Plaintext, generated.Plaintext), String(keyId)).toBe(true);
      expect(decrypted.KeyId).toBe(PRODUCTION_ARN);
      expect(decrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    }
    const sized = await kms.send(new GenerateDataKeyCommand({ KeyId: OTHER_ARN, NumberOfBytes: 64 }));
    const short = await kms.send(new GenerateDataKeyCommand({ KeyId: OTHER_ARN, KeySpec: 'AES_128' }));
    remember(sized.Plaintext);
    remember(short.Plaintext);
    expect([sized.Plaintext?.length, short.Plaintext?.length]).toEqual([64, 16]);
  });

  it('makes the local keystore\'s blobs: each side decrypts what the other wrapped', async () => {
    const keystore = await LocalKeystore.open(store.file);
    const context = { table: 'orders' };
    const served = await kms.send(new GenerateDataKeyCommand({ KeyId: PRODUCTION_ARN, KeySpec: 'AES_256', EncryptionContext: context }));
    remember(served.Plaintext);
    expect(same(await keystore.decrypt(served.CiphertextBlob!, context), served.Plaintext)).toBe(true);
    const local = await keystore.generateDataKey(OTHER_ARN, context);
    remember(local.plaintext);
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: local.ciphertextBlob, EncryptionContext: context }));
    expect(same(decrypted.Plaintext, local.plaintext)).toBe(true);
    expect(decrypted.KeyId).toBe(OTHER_ARN);
  });

  it('GenerateDataKeyWithoutPlaintext, Encrypt and ReEncrypt', async () => {
    const bare = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: 'alias/orders-feed', KeySpec: 'AES_256', EncryptionContext: { a: '1' } }));
    expect(bare).not.toHaveProperty('Plaintext');
    expect(bare.KeyId).toBe(PRODUCTION_ARN);
    const unwrapped = await kms.send(new DecryptCommand({ CiphertextBlob: bare.CiphertextBlob, EncryptionContext: { a: '1' } }));
    remember(unwrapped.Plaintext);
    expect(unwrapped.Plaintext).toHaveLength(32);

    const plaintext = new TextEncoder().encode('a small secret, 4 KiB at most');
    const encrypted = await kms.send(new EncryptCommand({ KeyId: PRODUCTION_ARN, Plaintext: plaintext, EncryptionContext: { purpose: 'test' } }));
    expect(encrypted).toMatchObject({ KeyId: PRODUCTION_ARN, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        SourceEncryptionContext: { purpose: 'test' },
        SourceKeyId: 'alias/orders-feed',
        DestinationKeyId: OTHER_ARN,
        DestinationEncryptionContext: { purpose: 'moved' },
      }),
    );
    expect(moved).toMatchObject({ SourceKeyId: PRODUCTION_ARN, KeyId: OTHER_ARN, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { purpose: 'moved' } }));
    expect(new TextDecoder().decode(decrypted.Plaintext)).toBe('a small secret, 4 KiB at most');
    expect(decrypted.KeyId).toBe(OTHER_ARN);
  });

  it('DescribeKey and ListKeys (paged); a key without an ARN answers to one in the local account', async () => {
    const { KeyMetadata: main } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders-feed' }));
    expect(main).toMatchObject({
      KeyId: store.main.keyId,
      Arn: PRODUCTION_ARN,
      AWSAccountId: '123456789012',
      Enabled: true,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
    expect(main!.CreationDate?.toISOString()).toBe(store.main.createdAt);
    const { KeyMetadata: disabled } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/disabled' }));
    expect(disabled).toMatchObject({ Enabled: false, KeyState: 'Disabled' });

    const localArn = `arn:aws:kms:eu-west-1:${LOCAL_ACCOUNT_ID}:key/${noArnKeyId}`;
    const { KeyMetadata: noArn } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/no-arn' }));
    expect(noArn).toMatchObject({ KeyId: noArnKeyId, Arn: localArn, AWSAccountId: LOCAL_ACCOUNT_ID });
    const encrypted = await kms.send(new EncryptCommand({ KeyId: localArn, Plaintext: new Uint8Array([1, 2, 3]) }));
    expect(encrypted.KeyId).toBe(localArn);

    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 3, ...(marker && { Marker: marker }) }));
      seen.push(...page.Keys!.map((k) => k.KeyArn!));
      marker = page.Truncated ? page.NextMarker : undefined;
      pages++;
    } while (marker);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(expect.arrayContaining([PRODUCTION_ARN, OTHER_ARN, localArn]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('CreateKey and CreateAlias write the keystore file, still mode 0600, and serve the key at once', async () => {
    const created = await kms.send(new CreateKeyCommand({ Description: 'made by the SDK' }));
    const keyId = created.KeyMetadata!.KeyId!;
    expect(created.KeyMetadata).toMatchObject({ Arn: `arn:aws:kms:eu-west-1:${LOCAL_ACCOUNT_ID}:key/${keyId}`, Enabled: true, KeyState: 'Enabled' });
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-made', TargetKeyId: keyId }));
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(store.file, 'utf8')) as { keys: { keyId: string; arn?: string; aliases: string[]; material: string }[] };
    const entry = stored.keys.find((k) => k.keyId === keyId)!;
    expect(entry).toMatchObject({ arn: created.KeyMetadata!.Arn, aliases: ['alias/sdk-made'] });
    secrets.push(...secretForms([entry.material]));

    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/sdk-made', KeySpec: 'AES_256' }));
    remember(generated.Plaintext);
    expect(generated.KeyId).toBe(created.KeyMetadata!.Arn);

    const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(Aliases).toEqual([{ AliasName: 'alias/sdk-made', AliasArn: `arn:aws:kms:eu-west-1:${LOCAL_ACCOUNT_ID}:alias/sdk-made`, TargetKeyId: keyId }]);
    const all = await kms.send(new ListAliasesCommand({}));
    expect(all.Aliases!.map((a) => a.AliasName)).toEqual(expect.arrayContaining(['alias/orders-feed', 'alias/no-arn', 'alias/disabled', 'alias/sdk-made']));
    expect(all.Aliases!.find((a) => a.AliasName === 'alias/orders-feed')!.AliasArn).toBe('arn:aws:kms:eu-west-1:123456789012:alias/orders-feed');
  });

  it("answers with KMS's exceptions and HTTP statuses", async () => {
    const context = { feed: 'orders' };
    const { CiphertextBlob, Plaintext } = await kms.send(new GenerateDataKeyCommand({ KeyId: PRODUCTION_ARN, KeySpec: 'AES_256', EncryptionContext: context }));
    remember(Plaintext);
    const altered = CiphertextBlob!.slice();
    altered[altered.length - 1]! ^= 1;
    const cases: [string, () => Promise<unknown>, new (...args: never[]) => KMSServiceException, number][] = [
      ['unknown alias', () => kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })), NotFoundException, 404],
      ['wrong context', () => kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { feed: 'refunds' } })), InvalidCiphertextException, 400],
      ['no context', () => kms.send(new DecryptCommand({ CiphertextBlob })), InvalidCiphertextException, 400],
      ['altered blob', () => kms.send(new DecryptCommand({ CiphertextBlob: altered, EncryptionContext: context })), InvalidCiphertextException, 400],
      ['another key named', () => kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: OTHER_ARN })), IncorrectKeyException, 400],
      ['disabled key', () => kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/disabled', KeySpec: 'AES_256' })), DisabledException, 409],
      ['alias taken', () => kms.send(new CreateAliasCommand({ AliasName: 'alias/orders-feed', TargetKeyId: OTHER_ARN })), AlreadyExistsException, 409],
      ['bad alias name', () => kms.send(new CreateAliasCommand({ AliasName: 'orders', TargetKeyId: OTHER_ARN })), InvalidAliasNameException, 400],
      ['asymmetric key', () => kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY', KeySpec: 'RSA_2048' })), UnsupportedOperationException, 400],
      ['RSA algorithm', () => kms.send(new EncryptCommand({ KeyId: PRODUCTION_ARN, Plaintext: new Uint8Array(1), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), InvalidKeyUsageException, 400],
      ['dry run', () => kms.send(new EncryptCommand({ KeyId: PRODUCTION_ARN, Plaintext: new Uint8Array(1), DryRun: true })), DryRunOperationException, 412],
    ];
    for (const [what, call, type, status] of cases) {
      const error = await failure(call());
      expect(error, what).toBeInstanceOf(type);
      expect(error.$metadata.httpStatusCode, what).toBe(status);
    }
    // ValidationException is not in KMS's model: the SDK raises it by name.
    for (const call of [
      () => kms.send(new EncryptCommand({ KeyId: PRODUCTION_ARN, Plaintext: new Uint8Array(4097) })),
      () => kms.send(new GenerateDataKeyCommand({ KeyId: PRODUCTION_ARN })),
      () => kms.send(new GenerateDataKeyCommand({ KeyId: PRODUCTION_ARN, NumberOfBytes: 2000 })),
    ]) {
      const error = await failure(call());
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
  });

  it('speaks the JSON 1.1 protocol: unknown operations and malformed bodies are refused by name', async () => {
    const post = async (target: string | undefined, body: string) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', ...(target && { 'X-Amz-Target': target }) },
        body,
      });
      expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      const json = (await response.json()) as { __type?: string; message?: string };
      errorTexts.push(json.message ?? '');
      return { status: response.status, type: json.__type };
    };
    expect(await post('TrentService.Sign', '{}')).toEqual({ status: 400, type: 'UnknownOperationException' });
    expect(await post('TrentService.toString', '{}')).toEqual({ status: 400, type: 'UnknownOperationException' });
    expect(await post(undefined, '{}')).toEqual({ status: 400, type: 'UnknownOperationException' });
    expect(await post('TrentService.Decrypt', '{"CiphertextBlob": ')).toEqual({ status: 400, type: 'SerializationException' });
    expect(await post('TrentService.Decrypt', '{"CiphertextBlob": 12}')).toEqual({ status: 400, type: 'SerializationException' });
    expect(await post('TrentService.Decrypt', '{"CiphertextBlob": "not base64!"}')).toEqual({ status: 400, type: 'SerializationException' });
    expect(await post('TrentService.Decrypt', '{}')).toEqual({ status: 400, type: 'ValidationException' });
    expect(await post('TrentService.ListKeys', '{"Marker": "x"}')).toEqual({ status: 400, type: 'InvalidMarkerException' });
    expect(await post('TrentService.ListKeys', '')).toEqual({ status: 200, type: undefined });
  });
});

describe.skipIf(!awsCliAvailable)('kms serve with the AWS CLI', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await freshFolder();
    await writeFile(join(dir, 'config'), '');
    const { AWS_PROFILE: _profile, AWS_ENDPOINT_URL: _url, AWS_ENDPOINT_URL_KMS: _kmsUrl, ...rest } = process.env;
    env = {
      ...rest,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'config'),
    };
  });

  /** `aws --endpoint-url <endpoint> kms <args>`: its JSON output, or its exit code and stderr. */
  async function awsKms(...args: string[]): Promise<{ ok: true; json: Record<string, unknown> } | { ok: false; code: number; stderr: string }> {
    try {
      const { stdout } = await promisify(execFile)('aws', ['--endpoint-url', endpoint, '--output', 'json', 'kms', ...args], { env, encoding: 'utf8' });
      return { ok: true, json: stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>) };
    } catch (e) {
      const error = e as { code: number; stderr: string };
      errorTexts.push(error.stderr);
      return { ok: false, code: error.code, stderr: error.stderr };
    }
  }
  const json = (result: Awaited<ReturnType<typeof awsKms>>): Record<string, any> => {
    if (!result.ok) throw new Error(`aws failed (${result.code}): ${result.stderr}`);
    return result.json;
  };

  it('create-key, create-alias, list-keys, list-aliases, describe-key', async () => {
    const created = json(await awsKms('create-key', '--description', 'made by the AWS CLI'));
    const keyId = created.KeyMetadata.KeyId as string;
    expect(created.KeyMetadata.Arn).toBe(`arn:aws:kms:eu-west-1:${LOCAL_ACCOUNT_ID}:key/${keyId}`);
    expect(json(await awsKms('create-alias', '--alias-name', 'alias/cli-made', '--target-key-id', keyId))).toEqual({});
    const [keys, aliases, described] = await Promise.all([awsKms('list-keys'), awsKms('list-aliases', '--key-id', keyId), awsKms('describe-key', '--key-id', 'alias/cli-made')]);
    expect(json(keys).Keys).toEqual(expect.arrayContaining([{ KeyId: keyId, KeyArn: created.KeyMetadata.Arn }, { KeyId: store.main.keyId, KeyArn: PRODUCTION_ARN }]));
    expect(json(aliases).Aliases).toEqual([{ AliasName: 'alias/cli-made', AliasArn: `arn:aws:kms:eu-west-1:${LOCAL_ACCOUNT_ID}:alias/cli-made`, TargetKeyId: keyId }]);
    expect(json(described).KeyMetadata).toMatchObject({ KeyId: keyId, Enabled: true, KeyState: 'Enabled' });
    const stored = JSON.parse(await readFile(store.file, 'utf8')) as { keys: { keyId: string; aliases: string[]; material: string }[] };
    const entry = stored.keys.find((k) => k.keyId === keyId)!;
    expect(entry.aliases).toEqual(['alias/cli-made']);
    secrets.push(...secretForms([entry.material]));
  });

  it('encrypt, decrypt, generate-data-key; decrypt under another encryption context is InvalidCiphertextException', async () => {
    const plaintextFile = join(dir, 'plaintext.bin');
    await writeFile(plaintextFile, 'hello from the AWS CLI');
    const encrypted = json(await awsKms('encrypt', '--key-id', 'alias/orders-feed', '--plaintext', `fileb://${plaintextFile}`, '--encryption-context', 'purpose=cli,feed=orders'));
    expect(encrypted.KeyId).toBe(PRODUCTION_ARN);
    const blobFile = join(dir, 'ciphertext.bin');
    await writeFile(blobFile, Buffer.from(encrypted.CiphertextBlob as string, 'base64'));

    const generated = json(await awsKms('generate-data-key', '--key-id', PRODUCTION_ARN, '--key-spec', 'AES_256', '--encryption-context', 'table=orders'));
    secrets.push(generated.Plaintext as string, Buffer.from(generated.Plaintext as string, 'base64').toString('hex'));
    expect(Buffer.from(generated.Plaintext as string, 'base64')).toHaveLength(32);
    const dataKeyFile = join(dir, 'data-key.bin');
    await writeFile(dataKeyFile, Buffer.from(generated.CiphertextBlob as string, 'base64'));

    const [decrypted, wrongContext, dataKey] = await Promise.all([
      awsKms('decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'feed=orders,purpose=cli'),
      awsKms('decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'purpose=other,feed=orders'),
      awsKms('decrypt', '--ciphertext-blob', `fileb://${dataKeyFile}`, '--encryption-context', 'table=orders', '--key-id', 'alias/orders-feed'),
    ]);
    expect(Buffer.from(json(decrypted).Plaintext as string, 'base64').toString()).toBe('hello from the AWS CLI');
    expect(json(decrypted).KeyId).toBe(PRODUCTION_ARN);
    expect(json(dataKey).Plaintext).toBe(generated.Plaintext);
    expect(wrongContext.ok).toBe(false);
    expect(!wrongContext.ok && wrongContext.stderr).toMatch(/\(InvalidCiphertextException\) when calling the Decrypt operation/);
  });
});

describe('kms serve, the process', () => {
  it('never puts key material or a data key in an error or a log line; logs one line per request', () => {
    expect(secrets.length).toBeGreaterThan(10);
    expect(errorTexts.length).toBeGreaterThan(10);
    for (const text of [...errorTexts, log]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(log).toMatch(/ Decrypt 400 InvalidCiphertextException\n/);
    expect(log).toMatch(/ CreateKey 200\n/);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exit = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
    serve.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(log).toMatch(/KMS endpoint stopped \(SIGTERM\)/);
  });
});
