/**
 * Interop with AWS's own S3 Encryption Client (aws-sdk-go v1, s3crypto V2 clients,
 * built from test/support/s3ec-peer/): objects it writes, with the envelope in the
 * metadata or in an instruction file and with extra encryption context, are read by
 * gluekit through S3Store and decryptObject with the AWS KMS key provider; objects
 * gluekit writes in the V2 format are read by it. S3 is moto's throughout; KMS is
 * moto's, then `gluekit kms serve`'s. Tampered objects are refused by both sides.
 *
 * The Go client reads and writes only V2 (no key-committing V3), so V3 is not tested
 * here. gluekit is configured as a user would configure it: AWS_ENDPOINT_URL (and
 * AWS_ENDPOINT_URL_KMS for the local KMS endpoint), nothing in code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsKmsKeyProvider } from '../../local-runner/cse/aws-kms.js';
import { decryptObject, type DecryptOptions, type EnvelopeSummary } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../../local-runner/cse/encrypt.js';
import { CseError, type CseFailure } from '../../local-runner/cse/errors.js';
import { S3Store, s3ClientFromEnvironment } from '../../local-runner/stores/s3.js';
import { peersAvailable, startMoto, type Moto } from '../support/peers.js';
import { buildS3ecPeer, s3ecPeerAvailable, type S3ecPeer, type S3ecPeerResult } from '../support/s3ec-peer.js';
import { cleanupFolders, PRODUCTION_ARN, testKeystore } from './helpers.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'bin.js');
const REGION = 'eu-west-1';
const BUCKET = 'gluekit-s3ec-interop';
const GCM = 'AES/GCM/NoPadding';
// Both checks run (and print their SKIPPED lines) even when the first fails.
const motoAvailable = peersAvailable('moto_server');
const peerAvailable = s3ecPeerAvailable();

let peer: S3ecPeer;
let moto: Moto;
let motoKeyArn: string;
let serve: ChildProcess | undefined;
let serveLog = '';
let localKmsEndpoint: string;

/** A KMS behind the tests: where the peer sends KMS calls, which key wraps, which environment gluekit gets. */
interface KmsUnderTest {
  readonly endpoint: string;
  readonly keyId: string;
  /** Objects of this block live below it, so the blocks do not see each other's. */
  readonly prefix: string;
}

describe.skipIf(!motoAvailable || !peerAvailable)("interop with AWS's S3 Encryption Client (aws-sdk-go v1 s3crypto V2)", () => {
  beforeAll(async () => {
    peer = await buildS3ecPeer();
    moto = await startMoto(REGION);
    const kms = new KMSClient({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    try {
      motoKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'gluekit S3EC interop' }))).KeyMetadata!.Arn!;
    } finally {
      kms.destroy();
    }
    const s3 = adminS3();
    try {
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    } finally {
      s3.destroy();
    }
    localKmsEndpoint = await startKmsServe();
  }, 180_000);

  afterAll(async () => {
    if (serve && serve.exitCode === null) serve.kill('SIGTERM');
    await moto?.stop();
    await peer?.remove();
    await cleanupFolders();
  });

  describe("with moto's KMS", () => {
    interopTests(() => ({ endpoint: moto.endpoint, keyId: motoKeyArn, prefix: 'moto-kms/' }));
  });

  describe('with gluekit kms serve as KMS', () => {
    interopTests(() => ({ endpoint: localKmsEndpoint, keyId: PRODUCTION_ARN, prefix: 'local-kms/' }));

    it("answered both clients' KMS calls, refusals included (its log names operations, never keys)", () => {
      expect(serveLog).toMatch(/ GenerateDataKey 200\b/);
      expect(serveLog).toMatch(/ Decrypt 200\b/);
      expect(serveLog).toMatch(/ Decrypt 400 InvalidCiphertextException\b/);
    });
  });
});

/** The whole set of checks against one KMS; `kms` is read once the servers are up. */
function interopTests(kmsUnderTest: () => KmsUnderTest): void {
  let kms: KmsUnderTest;
  beforeAll(() => {
    kms = kmsUnderTest();
    // gluekit's side reads the SDK's standard environment only: S3 from AWS_ENDPOINT_URL, KMS
    // from AWS_ENDPOINT_URL_KMS when it is not moto's.
    for (const [name, value] of Object.entries({
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: undefined,
      AWS_REGION: REGION,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: moto.env.AWS_CONFIG_FILE,
      AWS_SHARED_CREDENTIALS_FILE: moto.env.AWS_SHARED_CREDENTIALS_FILE,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ENDPOINT_URL_S3: undefined,
      AWS_ENDPOINT_URL_KMS: kms.endpoint === moto.endpoint ? undefined : kms.endpoint,
    })) {
      vi.stubEnv(name, value);
    }
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  const key = (name: string) => `${kms.prefix}${name}`;
  const peerPut = (name: string, plaintext: Uint8Array, ...options: string[]) => runPeer(kms, ['put', '--key', key(name), '--kms-key-id', kms.keyId, ...options], plaintext);
  const peerGet = (name: string, ...options: string[]) => runPeer(kms, ['get', '--key', key(name), ...options]);

  it('gluekit reads what the client wrote with the envelope in the metadata: empty, small and over the client\'s 2.5 MB temp-file threshold', async () => {
    for (const [name, plaintext] of [
      ['from-peer/metadata-empty.bin', new Uint8Array()],
      ['from-peer/metadata-small.json', utf8('{"order_id":1}\n{"order_id":2}\n')],
      ['from-peer/metadata-large.bin', new Uint8Array(randomBytes(3 * 1024 * 1024 + 5))],
    ] as const) {
      succeeded(await peerPut(name, plaintext));
      const read = await gluekitReads(key(name));
      expect(same(read.plaintext, plaintext), name).toBe(true);
      expect(read.envelope).toEqual({ format: 'V2', algorithm: 'ALG_AES_256_GCM_IV12_TAG16_NO_KDF', wrap: 'kms+context', location: 'metadata', context: { 'aws:x-amz-cek-alg': GCM } });
    }
  });

  it('gluekit reads what the client wrote with the envelope in an instruction file, which listings skip', async () => {
    const plaintext = utf8('order_id,amount\n1,12.50\n');
    succeeded(await peerPut('from-peer/instruction/orders.csv', plaintext, '--instruction-file'));
    const s3 = s3ClientFromEnvironment();
    try {
      const metadata = (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key('from-peer/instruction/orders.csv') }))).Metadata ?? {};
      expect(Object.keys(metadata).filter((k) => k.startsWith('x-amz-'))).toEqual([]);
      expect((await new S3Store(s3).list(BUCKET, key('from-peer/instruction/'))).map((o) => o.key)).toEqual([key('from-peer/instruction/orders.csv')]);
    } finally {
      s3.destroy();
    }
    const read = await gluekitReads(key('from-peer/instruction/orders.csv'));
    expect(same(read.plaintext, plaintext)).toBe(true);
    expect(read.envelope).toMatchObject({ format: 'V2', location: 'instruction file', context: { 'aws:x-amz-cek-alg': GCM } });
  });

  it('gluekit reads objects written with extra encryption context, checks the entries a job expects, and honours a required key', async () => {
    const plaintext = utf8('{"order_id":3}\n');
    // "&" is escaped by Go's JSON encoder as \u0026 in x-amz-matdesc: the context must still match.
    succeeded(await peerPut('from-peer/context.json', plaintext, '--context', 'feed=orders', '--context', 'team=r&d'));
    succeeded(await peerPut('from-peer/context-instruction.json', plaintext, '--context', 'feed=orders', '--instruction-file'));
    const read = await gluekitReads(key('from-peer/context.json'), { expectedContext: { feed: 'orders', team: 'r&d' }, keyId: kms.keyId });
    expect(same(read.plaintext, plaintext)).toBe(true);
    expect(read.envelope.context).toEqual({ 'aws:x-amz-cek-alg': GCM, feed: 'orders', team: 'r&d' });
    const fromInstruction = await gluekitReads(key('from-peer/context-instruction.json'), { expectedContext: { feed: 'orders' } });
    expect(same(fromInstruction.plaintext, plaintext)).toBe(true);
    expect(fromInstruction.envelope).toMatchObject({ location: 'instruction file', context: { 'aws:x-amz-cek-alg': GCM, feed: 'orders' } });

    await refused(gluekitReads(key('from-peer/context.json'), { expectedContext: { feed: 'refunds' } }), 'context-mismatch');
    await refused(gluekitReads(key('from-peer/metadata-small.json'), { expectedContext: { feed: 'orders' } }), 'context-mismatch');
  });

  it('the client reads what gluekit wrote in the V2 format, envelope in the metadata or an instruction file, with or without context', async () => {
    const cases: { name: string; plaintext: Uint8Array; context: Record<string, string>; instructionFile: boolean }[] = [
      { name: 'from-gluekit/metadata.bin', plaintext: new Uint8Array(randomBytes(200_001)), context: {}, instructionFile: false },
      { name: 'from-gluekit/context.json', plaintext: utf8('{"order_id":4}\n'), context: { feed: 'orders', team: 'r&d' }, instructionFile: false },
      { name: 'from-gluekit/empty.json', plaintext: new Uint8Array(), context: { feed: 'orders' }, instructionFile: false },
      { name: 'from-gluekit/instruction.json', plaintext: utf8('{"order_id":5}\n'), context: { feed: 'orders' }, instructionFile: true },
    ];
    for (const { name, plaintext, context, instructionFile } of cases) {
      await gluekitWrites(key(name), plaintext, { keyId: kms.keyId, context, instructionFile });
      const anyKey = succeeded(await peerGet(name));
      expect(same(anyKey.stdout, plaintext), name).toBe(true);
      const requiredKey = succeeded(await peerGet(name, '--kms-key-id', kms.keyId));
      expect(same(requiredKey.stdout, plaintext), name).toBe(true);
    }
  });

  it('a tampered object the client wrote is refused by gluekit (and by the client), and so is a changed encryption context', async () => {
    const plaintext = utf8('{"order_id":6,"amount":"12.50"}\n');
    succeeded(await peerPut('tampered/body.json', plaintext));
    await rewrite(key('tampered/body.json'), ({ body, metadata }) => {
      body[3]! ^= 0x01;
      return { body, metadata };
    });
    await refused(gluekitReads(key('tampered/body.json')), 'authentication');
    expect(failed(await peerGet('tampered/body.json')).stderr).toMatch(/authentication failed/);

    succeeded(await peerPut('tampered/tag.json', plaintext, '--instruction-file'));
    await rewrite(key('tampered/tag.json'), ({ body, metadata }) => {
      body[body.length - 1]! ^= 0x80; // the last byte of the GCM tag
      return { body, metadata };
    });
    await refused(gluekitReads(key('tampered/tag.json')), 'authentication');

    succeeded(await peerPut('tampered/context.json', plaintext, '--context', 'feed=orders'));
    await rewrite(key('tampered/context.json'), ({ body, metadata }) => ({
      body,
      metadata: { ...metadata, 'x-amz-matdesc': JSON.stringify({ 'aws:x-amz-cek-alg': GCM, feed: 'refunds' }) },
    }));
    // The context is not secret but KMS binds it to the wrapped data key: the changed one does not unwrap it.
    const error = await refused(gluekitReads(key('tampered/context.json')), 'data-key');
    expect(error.message).toMatch(/InvalidCiphertextException/);
    expect(failed(await peerGet('tampered/context.json')).stderr).toMatch(/InvalidCiphertextException/);
  });

  it('a tampered object gluekit wrote is refused by the client', async () => {
    await gluekitWrites(key('tampered/from-gluekit.json'), utf8('{"order_id":7}\n'), { keyId: kms.keyId, context: { feed: 'orders' }, instructionFile: false });
    await rewrite(key('tampered/from-gluekit.json'), ({ body, metadata }) => {
      body[0]! ^= 0x01;
      return { body, metadata };
    });
    const result = failed(await peerGet('tampered/from-gluekit.json'));
    expect(result.stderr).toMatch(/authentication failed/);
    expect(result.stdout).toHaveLength(0);
  });
}

function runPeer(kms: KmsUnderTest, args: string[], input?: Uint8Array): Promise<S3ecPeerResult> {
  const [command, ...rest] = args;
  return peer.run([command!, '--s3-endpoint', moto.endpoint, '--kms-endpoint', kms.endpoint, '--region', REGION, '--bucket', BUCKET, ...rest], {
    env: moto.env,
    ...(input && { input }),
  });
}

function succeeded(result: S3ecPeerResult): S3ecPeerResult {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result;
}

function failed(result: S3ecPeerResult): S3ecPeerResult {
  expect(result.status).toBe(1);
  return result;
}

/** An S3 client for set-up and tampering, outside the environment gluekit reads. */
function adminS3(): S3Client {
  return new S3Client({ endpoint: moto.endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}

/** The object and its metadata, read back through S3Store and decryptObject as a job's source reads them. */
async function gluekitReads(key: string, options: Pick<DecryptOptions, 'expectedContext' | 'keyId'> = {}): Promise<{ plaintext: Uint8Array; envelope: EnvelopeSummary }> {
  const client = s3ClientFromEnvironment();
  const store = new S3Store(client);
  const keys = new AwsKmsKeyProvider();
  try {
    const [object] = await store.list(BUCKET, key);
    expect(object?.key).toBe(key);
    const decrypted = await decryptObject(store.open(BUCKET, object!), await store.metadata(BUCKET, key), {
      keys,
      ...options,
      instructionFile: () => store.sidecar(BUCKET, `${key}.instruction`),
    });
    try {
      return { plaintext: await decrypted.bytes(), envelope: decrypted.envelope };
    } finally {
      await decrypted.dispose();
    }
  } finally {
    keys.close();
    await store.close();
    client.destroy();
  }
}

/** encryptObject (V2), uploaded with the envelope as PutObject's Metadata or as `<key>.instruction`. */
async function gluekitWrites(key: string, plaintext: Uint8Array, options: { keyId: string; context: Record<string, string>; instructionFile: boolean }): Promise<void> {
  const keys = new AwsKmsKeyProvider();
  const client = s3ClientFromEnvironment();
  try {
    const encrypted = await encryptObject(plaintext, { keys, keyId: options.keyId, context: options.context, instructionFile: options.instructionFile });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: encrypted.body, Metadata: encrypted.metadata }));
    if (options.instructionFile) {
      expect(encrypted.instruction).toBeDefined();
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.instruction`, Body: encrypted.instruction }));
    }
  } finally {
    keys.close();
    client.destroy();
  }
}

/** Replaces an object with `change` of its body and metadata, as someone with write access to the bucket could. */
async function rewrite(key: string, change: (object: { body: Uint8Array; metadata: Record<string, string> }) => { body: Uint8Array; metadata: Record<string, string> }): Promise<void> {
  const s3 = adminS3();
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const changed = change({ body: await got.Body!.transformToByteArray(), metadata: { ...(got.Metadata ?? {}) } });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: changed.body, Metadata: changed.metadata }));
  } finally {
    s3.destroy();
  }
}

async function refused(read: Promise<unknown>, failure: CseFailure): Promise<CseError> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CseError);
  expect((error as CseError).failure).toBe(failure);
  return error as CseError;
}

/** `gluekit kms serve` itself, on a free port, over a fresh test keystore (PRODUCTION_ARN is alias/orders-feed). */
async function startKmsServe(): Promise<string> {
  const keystore = await testKeystore();
  const child = spawn(process.execPath, [bin, 'kms', 'serve', '--keystore', keystore.file, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  serve = child;
  child.stderr!.on('data', (d) => (serveLog += String(d)));
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const url = /KMS endpoint: (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`gluekit kms serve exited with ${code}: ${serveLog}`)));
  });
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
