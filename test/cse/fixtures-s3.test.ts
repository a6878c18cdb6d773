/**
 * `gluekit fixtures encrypt | decrypt | inspect | rewrap` with s3:// URLs, through the CLI
 * against moto_server, the client configured the standard SDK way (AWS_ENDPOINT_URL_S3).
 * Objects carry their envelope in their metadata or in `<key>.instruction`; rewrap
 * changes only the envelope, never the body.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peersAvailable, startMoto, type Moto } from '../support/peers.js';
import { cleanupFolders, freshFolder, OTHER_ARN, PRODUCTION_ARN, secretForms, testKeystore, type TestKeystore } from './helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'bin.js');
const PLAINTEXT = '{"order_id":1,"note":"caf\u00e9"}\n{"order_id":2,"note":null}\n';
const BUCKET = 'cse-fixtures';

const available = peersAvailable('moto_server');

describe.skipIf(!available)('gluekit fixtures with s3:// URLs (moto)', () => {
  let moto: Moto;
  let client: S3Client;
  let ks: TestKeystore;
  let dir: string;
  let plainFile: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMoto('us-east-1');
    // Only the S3-specific endpoint variable: what a user pointing S3 alone at moto or MinIO sets.
    const { AWS_ENDPOINT_URL: _unused, ...rest } = moto.env;
    env = { ...rest, AWS_ENDPOINT_URL_S3: moto.endpoint, GLUEKIT_DEBUG: '' };
    client = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    ks = await testKeystore();
    dir = await freshFolder();
    plainFile = join(dir, 'orders.json');
    await writeFile(plainFile, PLAINTEXT);
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
    await cleanupFolders();
  });

  /** The CLI, run asynchronously (moto answers in another process either way). */
  function gluekit(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd: root, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.once('error', fail);
      child.once('close', (code) => done({ code, stdout, stderr }));
    });
  }

  const url = (key: string) => `s3://${BUCKET}/${key}`;
  const head = (key: string) => client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  const body = async (key: string) => (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
  const exists = (key: string) => head(key).then(() => true, () => false);
  const encrypt = (input: string, output: string, ...extra: string[]) =>
    gluekit('fixtures', 'encrypt', input, output, '--keystore', ks.file, '--key-id', PRODUCTION_ARN, '--context', 'feed=orders', ...extra);

  async function keystoreWithOnly(arn: string): Promise<string> {
    const file = join(await freshFolder(), 'one-key.json');
    const stored = JSON.parse(await readFile(ks.file, 'utf8')) as { keys: { arn?: string }[] };
    await writeFile(file, JSON.stringify({ ...stored, keys: stored.keys.filter((k) => k.arn === arn) }), { mode: 0o600 });
    return file;
  }

  async function decryptsTo(input: string, keystore = ks.file): Promise<string> {
    const out = join(await freshFolder(), 'plain.json');
    const r = await gluekit('fixtures', 'decrypt', input, '--out', out, '--keystore', keystore, '--context', 'feed=orders');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return readFile(out, 'utf8');
  }

  it('encrypts a local file to an S3 object with the envelope as its metadata, and decrypts and inspects it there', async () => {
    const r = await encrypt(plainFile, url('v2/orders.json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`-> ${url('v2/orders.json')} (envelope in its metadata)`);
    const h = await head('v2/orders.json');
    expect(Object.keys(h.Metadata ?? {})).toEqual(expect.arrayContaining(['x-amz-key-v2', 'x-amz-iv', 'x-amz-cek-alg', 'x-amz-wrap-alg', 'x-amz-matdesc']));
    expect(h.ContentLength).toBe(Buffer.byteLength(PLAINTEXT) + 16);
    expect(await exists('v2/orders.json.instruction')).toBe(false);
    expect(await decryptsTo(url('v2/orders.json'))).toBe(PLAINTEXT);

    const inspected = await gluekit('fixtures', 'inspect', url('v2/orders.json'), '--json');
    expect(inspected.code).toBe(0);
    const report = JSON.parse(inspected.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      object: url('v2/orders.json'),
      format: 'V2',
      location: 'metadata',
      envelopeFiles: [`the metadata of ${url('v2/orders.json')}`],
      encryptionContext: { feed: 'orders', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' },
      contentLength: Buffer.byteLength(PLAINTEXT) + 16,
      plaintextLength: Buffer.byteLength(PLAINTEXT),
    });
    const text = await gluekit('fixtures', 'inspect', url('v2/orders.json'));
    expect(text.stdout).toContain(`${url('v2/orders.json')}: client-side encrypted`);
    for (const secret of [...secretForms(ks.materials), h.Metadata!['x-amz-key-v2']!]) expect(text.stdout + inspected.stdout).not.toContain(secret);
  });

  it('writes a V3 envelope to an instruction object when asked, the instruction first', async () => {
    const r = await encrypt(plainFile, url('v3/orders.json'), '--instruction-file', '--committing');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`-> ${url('v3/orders.json')}, ${url('v3/orders.json.instruction')}`);
    const instruction = JSON.parse(new TextDecoder().decode(await body('v3/orders.json.instruction'))) as Record<string, string>;
    expect(Object.keys(instruction)).toEqual(expect.arrayContaining(['x-amz-3', 'x-amz-w', 'x-amz-t']));
    expect(Object.keys((await head('v3/orders.json')).Metadata ?? {}).sort()).toEqual(['x-amz-c', 'x-amz-d', 'x-amz-i']);
    expect(await decryptsTo(url('v3/orders.json'))).toBe(PLAINTEXT);
    const inspected = JSON.parse((await gluekit('fixtures', 'inspect', url('v3/orders.json'), '--json')).stdout) as Record<string, unknown>;
    expect(inspected).toMatchObject({ format: 'V3', location: 'instruction file', keyCommitment: true, envelopeFiles: [url('v3/orders.json.instruction'), `the metadata of ${url('v3/orders.json')}`] });
  });

  it('encrypts from S3 to S3 and from S3 to a local file; decrypts to an S3 object', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain/orders.json', Body: PLAINTEXT }));
    expect((await encrypt(url('plain/orders.json'), url('copy/orders.json'))).code).toBe(0);
    expect(await decryptsTo(url('copy/orders.json'))).toBe(PLAINTEXT);

    const local = join(await freshFolder(), 'orders.json');
    expect((await encrypt(url('plain/orders.json'), local)).code).toBe(0);
    expect(existsSync(`${local}.metadata.json`)).toBe(true);
    expect(await decryptsTo(local)).toBe(PLAINTEXT);

    const r = await gluekit('fixtures', 'decrypt', url('copy/orders.json'), '--out', url('decrypted/orders.json'), '--keystore', ks.file);
    expect(r.stderr).toBe('');
    expect(new TextDecoder().decode(await body('decrypted/orders.json'))).toBe(PLAINTEXT);
  });

  it('encrypts a large file to S3 as a multipart upload (5 MiB parts, the tag at the end) that decrypts whole', async () => {
    const big = join(await freshFolder(), 'big.bin');
    const plaintext = randomBytes(11 * 1024 * 1024 + 7);
    await writeFile(big, plaintext);
    const r = await encrypt(big, url('big/big.bin'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const h = await head('big/big.bin');
    expect(h.ContentLength).toBe(plaintext.length + 16);
    expect(h.ETag).toMatch(/-3"$/); // three parts: a multipart upload
    expect(h.Metadata!['x-amz-unencrypted-content-length']).toBe(String(plaintext.length));
    const out = join(await freshFolder(), 'big.out');
    const d = await gluekit('fixtures', 'decrypt', url('big/big.bin'), '--out', out, '--keystore', ks.file);
    expect(d.stderr).toBe('');
    expect((await readFile(out)).equals(plaintext)).toBe(true);
  }, 60_000);

  it('rewraps an object whose envelope is its metadata: CopyObject onto itself, body and content type kept', async () => {
    // An object as another client would have written it, with its own content type.
    const local = join(await freshFolder(), 'orders.json');
    expect((await encrypt(plainFile, local)).code).toBe(0);
    const metadata = JSON.parse(await readFile(`${local}.metadata.json`, 'utf8')) as Record<string, string>;
    const encrypted = new Uint8Array(await readFile(local));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rotate/orders.json', Body: encrypted, Metadata: metadata, ContentType: 'application/x-ndjson' }));

    const r = await gluekit('fixtures', 'rewrap', url('rotate/orders.json'), '--key-id', OTHER_ARN, '--keystore', ks.file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`rewrote the metadata of ${url('rotate/orders.json')}`);
    const after = await head('rotate/orders.json');
    expect(after.ContentType).toBe('application/x-ndjson');
    expect(after.Metadata!['x-amz-key-v2']).not.toBe(metadata['x-amz-key-v2']);
    const { 'x-amz-key-v2': _new, ...restAfter } = after.Metadata!;
    const { 'x-amz-key-v2': _old, ...restBefore } = metadata;
    expect(restAfter).toEqual(restBefore);
    expect(await body('rotate/orders.json')).toEqual(encrypted);
    expect(await decryptsTo(url('rotate/orders.json'), await keystoreWithOnly(OTHER_ARN))).toBe(PLAINTEXT);
    const old = await gluekit('fixtures', 'decrypt', url('rotate/orders.json'), '--out', join(dir, 'never.json'), '--keystore', await keystoreWithOnly(PRODUCTION_ARN));
    expect(old.code).toBe(1);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('rewraps an object whose envelope is an instruction object: only that object changes', async () => {
    expect((await encrypt(plainFile, url('rotate-v3/orders.json'), '--instruction-file', '--committing')).code).toBe(0);
    const before = await head('rotate-v3/orders.json');
    const instructionBefore = await body('rotate-v3/orders.json.instruction');
    const r = await gluekit('fixtures', 'rewrap', url('rotate-v3/orders.json'), '--key-id', OTHER_ARN, '--keystore', ks.file);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`rewrote ${url('rotate-v3/orders.json.instruction')}`);
    const after = await head('rotate-v3/orders.json');
    expect(after.ETag).toBe(before.ETag);
    expect(after.LastModified).toEqual(before.LastModified);
    expect(await body('rotate-v3/orders.json.instruction')).not.toEqual(instructionBefore);
    expect(await decryptsTo(url('rotate-v3/orders.json'), await keystoreWithOnly(OTHER_ARN))).toBe(PLAINTEXT);
  });

  it('names the object when it is missing, tampered with, or the bucket does not exist', async () => {
    const out = join(await freshFolder(), 'plain.json');
    const missing = await gluekit('fixtures', 'decrypt', url('nope/orders.json'), '--out', out, '--keystore', ks.file);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${url('nope/orders.json')}: no such object`);

    const noBucket = await gluekit('fixtures', 'inspect', 's3://no-such-bucket-here/orders.json');
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toContain('s3://no-such-bucket-here/orders.json: ListObjectsV2 failed: NoSuchBucket');
    expect(noBucket.stderr).not.toMatch(/\n\s+at /);

    expect((await encrypt(plainFile, url('tampered/orders.json'))).code).toBe(0);
    const h = await head('tampered/orders.json');
    const bytes = await body('tampered/orders.json');
    bytes[3] = bytes[3]! ^ 0x01;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tampered/orders.json', Body: bytes, Metadata: h.Metadata }));
    const tampered = await gluekit('fixtures', 'decrypt', url('tampered/orders.json'), '--out', out, '--keystore', ks.file);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/s3:\/\/cse-fixtures\/tampered\/orders\.json: .*(authenticat|tag)/i);
    expect(existsSync(out)).toBe(false);
  });
});
