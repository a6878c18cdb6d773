/**
 * The AWS KMS key provider, configured the SDK's standard way (environment variables, no
 * code), against two stand-ins for AWS KMS: `gluekit kms serve` (AWS_ENDPOINT_URL_KMS)
 * and moto's KMS (AWS_ENDPOINT_URL). Then `gluekit run --kms` and `gluekit fixtures
 * encrypt --kms` end to end. One of each server for the whole file.
 */
import { spawn } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsKmsKeyProvider } from '../../local-runner/cse/aws-kms.js';
import { decryptObject } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../../local-runner/cse/encrypt.js';
import { createKey, LocalKeystore } from '../../local-runner/cse/keystore.js';
import { KmsError, type KeyProvider, type KmsErrorName } from '../../local-runner/cse/kms.js';
import { startKmsServer, type KmsServer } from '../../local-runner/cse/kms-server.js';
import { peersAvailable, startMoto, type Moto } from '../support/peers.js';
import { cleanupFolders, freshFolder, memorySource, secretForms } from './helpers.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'bin.js');
const EXAMPLE_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0b6a1d1e-2f4c-4b8e-9a53-6d1f0c7e5a21';
const motoAvailable = peersAvailable('moto_server');

let dir: string;
let keystoreFile: string;
let server: KmsServer;
let materials: string[];
/** The SDK's standard configuration, from the environment only: dummy credentials, no profile files of the user. */
let awsEnv: Record<string, string>;

beforeAll(async () => {
  dir = await freshFolder();
  // The example's published test keys, so the example's fixtures decrypt through the endpoint, plus a disabled key.
  keystoreFile = join(dir, 'keystore.json');
  await copyFile(join(root, 'examples', 'orders', 'keystore.json'), keystoreFile);
  await createKey(keystoreFile, { alias: 'alias/other' });
  await createKey(keystoreFile, { alias: 'alias/disabled' });
  const stored = JSON.parse(await readFile(keystoreFile, 'utf8')) as { keys: { aliases: string[]; enabled: boolean; material: string }[] };
  stored.keys.find((k) => k.aliases.includes('alias/disabled'))!.enabled = false;
  await writeFile(keystoreFile, JSON.stringify(stored));
  materials = secretForms(stored.keys.map((k) => k.material));
  server = await startKmsServer({ keystore: keystoreFile });
  await writeFile(join(dir, 'aws-config'), '');
  awsEnv = {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-config'),
  };
});

afterAll(async () => {
  await server?.close();
  await cleanupFolders();
});

/** Sets the environment for one describe block; the SDK reads it when a client first sends. */
function useEnvironment(vars: () => Record<string, string | undefined>): void {
  beforeAll(() => {
    for (const [name, value] of Object.entries({ AWS_PROFILE: undefined, AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_KMS: undefined, ...vars() })) {
      vi.stubEnv(name, value);
    }
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}

async function kmsFailure(call: Promise<unknown>, name: KmsErrorName): Promise<KmsError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KmsError);
  expect((error as KmsError).kmsError).toBe(name);
  for (const secret of materials) expect((error as KmsError).message).not.toContain(secret);
  return error as KmsError;
}

/** The same checks against either stand-in: a data key round trip, and the wrong context refused. */
async function roundTrip(keys: KeyProvider, keyId: string): Promise<void> {
  const context = { feed: 'orders', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' };
  const dataKey = await keys.generateDataKey(keyId, context);
  expect(dataKey.plaintext).toHaveLength(32);
  expect(Buffer.from(await keys.decrypt(dataKey.ciphertextBlob, { 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', feed: 'orders' })).equals(Buffer.from(dataKey.plaintext))).toBe(true);
  expect(Buffer.from(await keys.decrypt(dataKey.ciphertextBlob, context, keyId)).equals(Buffer.from(dataKey.plaintext))).toBe(true);
  const refused = await kmsFailure(keys.decrypt(dataKey.ciphertextBlob, { ...context, feed: 'refunds' }), 'InvalidCiphertextException');
  expect(refused.message).not.toContain(Buffer.from(dataKey.plaintext).toString('base64'));
  await kmsFailure(keys.decrypt(dataKey.ciphertextBlob, { feed: 'orders' }), 'InvalidCiphertextException');
}

/** A whole object, S3 Encryption Client V2 and V3, encrypted and decrypted through the provider. */
async function objectRoundTrip(keys: KeyProvider, keyId: string): Promise<void> {
  const plaintext = new TextEncoder().encode('{"order_id":1}\n{"order_id":2}\n');
  for (const committing of [false, true]) {
    const encrypted = await encryptObject(plaintext, { keys, keyId, context: { feed: 'orders' }, committing });
    const decrypted = await decryptObject(memorySource('orders.json', encrypted.body), encrypted.metadata, { keys, expectedContext: { feed: 'orders' } });
    try {
      expect(new TextDecoder().decode(await decrypted.bytes())).toBe(new TextDecoder().decode(plaintext));
    } finally {
      await decrypted.dispose();
    }
  }
}

describe('AwsKmsKeyProvider against gluekit kms serve (AWS_ENDPOINT_URL_KMS)', () => {
  let keys: AwsKmsKeyProvider;
  useEnvironment(() => ({ ...awsEnv, AWS_ENDPOINT_URL_KMS: server.url, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' })); // the KMS-specific variable wins
  beforeAll(() => {
    keys = new AwsKmsKeyProvider();
  });
  afterAll(() => keys.close());

  it('generates and decrypts data keys bound to their encryption context', async () => {
    await roundTrip(keys, 'alias/orders-feed');
    await roundTrip(keys, EXAMPLE_KEY_ARN);
  });

  it('encrypts and decrypts whole objects, and its blobs are the local keystore\'s', async () => {
    await objectRoundTrip(keys, EXAMPLE_KEY_ARN);
    const dataKey = await keys.generateDataKey(EXAMPLE_KEY_ARN, { a: 'b' });
    const local = await LocalKeystore.open(keystoreFile);
    expect(Buffer.from(await local.decrypt(dataKey.ciphertextBlob, { a: 'b' })).equals(Buffer.from(dataKey.plaintext))).toBe(true);
    const wrapped = await keys.encrypt(EXAMPLE_KEY_ARN, dataKey.plaintext, { c: 'd' });
    expect(Buffer.from(await local.decrypt(wrapped, { c: 'd' })).equals(Buffer.from(dataKey.plaintext))).toBe(true);
  });

  it('maps KMS exceptions to KmsErrors of the same name', async () => {
    const dataKey = await keys.generateDataKey('alias/orders-feed', {});
    await kmsFailure(keys.decrypt(dataKey.ciphertextBlob, {}, 'alias/other'), 'IncorrectKeyException');
    await kmsFailure(keys.generateDataKey('alias/missing', {}), 'NotFoundException');
    await kmsFailure(keys.generateDataKey('alias/disabled', {}), 'DisabledException');
    await kmsFailure(keys.decrypt(new Uint8Array([1, 2, 2, 0, 9, 9, 9]), {}), 'InvalidCiphertextException');
  });

  it('says which call failed when KMS cannot be reached, as a plain Error', async () => {
    const unreachable = new AwsKmsKeyProvider({ config: { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 } }); // the discard port: nothing listens
    try {
      const error = await unreachable.generateDataKey('alias/orders-feed', {}).catch((e: unknown) => e as Error);
      expect(error).not.toBeInstanceOf(KmsError);
      expect((error as Error).message).toMatch(/^AWS KMS GenerateDataKey failed: .*ECONNREFUSED/);
    } finally {
      unreachable.close();
    }
  });

  it('describes a key', async () => {
    expect(await keys.describe('alias/orders-feed')).toEqual({
      keyId: '0b6a1d1e-2f4c-4b8e-9a53-6d1f0c7e5a21',
      arn: EXAMPLE_KEY_ARN,
      aliases: ['alias/orders-feed'],
      enabled: true,
      createdAt: '2026-11-25T00:19:51.702Z',
    });
    expect(await keys.describe('alias/disabled')).toMatchObject({ enabled: false });
  });
});

describe.skipIf(!motoAvailable)("AwsKmsKeyProvider against moto's KMS (AWS_ENDPOINT_URL)", () => {
  let moto: Moto;
  let keys: AwsKmsKeyProvider;
  let keyArn: string;
  beforeAll(async () => {
    moto = await startMoto('eu-west-1');
  });
  useEnvironment(() => ({ ...awsEnv, AWS_ENDPOINT_URL: moto.endpoint }));
  beforeAll(async () => {
    const admin = new KMSClient({});
    try {
      keyArn = (await admin.send(new CreateKeyCommand({ Description: 'gluekit test key' }))).KeyMetadata!.Arn!;
    } finally {
      admin.destroy();
    }
    keys = new AwsKmsKeyProvider();
  });
  afterAll(async () => {
    keys?.close();
    await moto?.stop();
  });

  it('generates and decrypts data keys; the wrong encryption context is InvalidCiphertextException', async () => {
    expect(keyArn).toMatch(/^arn:aws:kms:eu-west-1:\d{12}:key\//);
    await roundTrip(keys, keyArn);
  });

  it('encrypts and decrypts whole objects, and describes the key', async () => {
    await objectRoundTrip(keys, keyArn);
    expect(await keys.describe(keyArn)).toMatchObject({ arn: keyArn, enabled: true, aliases: [] });
    await kmsFailure(keys.describe('arn:aws:kms:eu-west-1:123456789012:key/99999999-9999-4999-8999-999999999999'), 'NotFoundException');
  });
});

describe('gluekit run --kms and fixtures encrypt --kms', () => {
  /** The CLI with the SDK pointed at the endpoint through the environment, as a user would. */
  function gluekit(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: root,
        env: { ...process.env, ...awsEnv, AWS_ENDPOINT_URL_KMS: server.url, AWS_PROFILE: '', GLUEKIT_DEBUG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it('runs the example job, whose orders feed is CSE-KMS encrypted, with keys from the KMS endpoint', async () => {
    const out = join(dir, 'run');
    const run = await gluekit('run', 'examples/orders/job.ts', '--kms', '--out', out, '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'run-report.json'), 'utf8')) as { sinks: { id: string; rows: number }[] };
    expect(report.sinks.find((s) => s.id === 'revenue_out')!.rows).toBeGreaterThan(0);
  });

  it('encrypts a fixture through the endpoint; the keystore behind it decrypts it', async () => {
    const input = join(dir, 'orders.json');
    const output = join(dir, 'orders.encrypted.json');
    await writeFile(input, '{"order_id":7}\n');
    const encrypted = await gluekit('fixtures', 'encrypt', input, output, '--kms', '--key-id', 'alias/orders-feed', '--context', 'feed=orders');
    expect(encrypted.stderr).toBe('');
    expect(encrypted.status).toBe(0);
    const body = new Uint8Array(await readFile(output));
    const metadata = JSON.parse(await readFile(`${output}.metadata.json`, 'utf8')) as Record<string, string>;
    const decrypted = await decryptObject(memorySource(output, body), metadata, { keys: await LocalKeystore.open(keystoreFile), expectedContext: { feed: 'orders' } });
    try {
      expect(new TextDecoder().decode(await decrypted.bytes())).toBe('{"order_id":7}\n');
    } finally {
      await decrypted.dispose();
    }
  });

  it('refuses --kms together with --keystore', async () => {
    const both = await gluekit('fixtures', 'encrypt', 'a', 'b', '--kms', '--keystore', keystoreFile, '--key-id', 'alias/orders-feed');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--keystore and --kms both say where keys come from/);
  });
});
