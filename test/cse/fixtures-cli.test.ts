/**
 * `gluekit fixtures decrypt | inspect | rewrap` on local encrypted fixtures, as a user runs
 * them: plaintext written atomically and privately, envelopes shown without secrets, data
 * keys re-wrapped under another key with the body untouched. And rewrapEnvelope itself,
 * for what the command line cannot easily reach.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decryptObject } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../../local-runner/cse/encrypt.js';
import { CseError } from '../../local-runner/cse/errors.js';
import type { KeyProvider } from '../../local-runner/cse/kms.js';
import { rewrapEnvelope } from '../../local-runner/cse/rewrap.js';
import { cleanupFolders, freshFolder, memorySource, OTHER_ARN, PRODUCTION_ARN, secretForms, testKeystore, type TestKeystore } from './helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'bin.js');
afterAll(cleanupFolders);

function gluekit(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, GLUEKIT_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PLAINTEXT = '{"order_id":1,"note":"caf\u00e9"}\n{"order_id":2,"note":null}\n';

interface Fixture {
  readonly dir: string;
  readonly file: string;
  readonly ks: TestKeystore;
  /** The envelope's binary entries (wrapped data key, IV, message id, commitment), which inspect does not print. */
  readonly envelopeValues: readonly string[];
}

/** An encrypted fixture: V2 with the envelope in the metadata, or V3 split with an instruction file. */
async function fixture(shape: 'V2' | 'V3', ks?: TestKeystore): Promise<Fixture> {
  const keys = ks ?? (await testKeystore());
  const dir = await freshFolder();
  const file = join(dir, 'orders.json');
  const encrypted = await encryptObject(new TextEncoder().encode(PLAINTEXT), {
    keys: keys.keys,
    keyId: PRODUCTION_ARN,
    context: { feed: 'orders' },
    committing: shape === 'V3',
    instructionFile: shape === 'V3',
  });
  await writeFile(file, encrypted.body);
  await writeFile(`${file}.metadata.json`, `${JSON.stringify(encrypted.metadata, null, 2)}\n`);
  if (encrypted.instruction) await writeFile(`${file}.instruction`, encrypted.instruction);
  const instruction = encrypted.instruction ? (JSON.parse(new TextDecoder().decode(encrypted.instruction)) as Record<string, string>) : {};
  const all: Record<string, string> = { ...encrypted.metadata, ...instruction };
  const envelopeValues = ['x-amz-key-v2', 'x-amz-iv', 'x-amz-3', 'x-amz-d', 'x-amz-i'].filter((k) => k in all).map((k) => all[k]!);
  return { dir, file, ks: keys, envelopeValues };
}

/** A copy of the test keystore holding only the key with this ARN. */
async function keystoreWithOnly(ks: TestKeystore, arn: string): Promise<string> {
  const file = join(await freshFolder(), 'one-key.json');
  const stored = JSON.parse(await readFile(ks.file, 'utf8')) as { keys: { arn?: string }[] };
  await writeFile(file, JSON.stringify({ ...stored, keys: stored.keys.filter((k) => k.arn === arn) }), { mode: 0o600 });
  return file;
}

const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('gluekit fixtures decrypt', () => {
  for (const shape of ['V2', 'V3'] as const) {
    it(`writes the plaintext of a ${shape} fixture, mode 0600`, async () => {
      const f = await fixture(shape);
      const out = join(f.dir, 'plain.json');
      const r = gluekit('fixtures', 'decrypt', f.file, '--out', out, '--keystore', f.ks.file, '--context', 'feed=orders');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`decrypted ${f.file} -> ${out} (${shape}, `);
      expect(await readFile(out, 'utf8')).toBe(PLAINTEXT);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(leftovers(f.dir)).toEqual([]);
    });
  }

  it('fails with a keystore that lacks the key, writes nothing, and says nothing secret', async () => {
    const f = await fixture('V2');
    const out = join(f.dir, 'plain.json');
    const r = gluekit('fixtures', 'decrypt', f.file, '--out', out, '--keystore', await keystoreWithOnly(f.ks, OTHER_ARN));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gluekit: .*orders\.json: cannot unwrap the data key \(x-amz-key-v2\): KMS Decrypt failed with NotFoundException/);
    for (const secret of secretForms(f.ks.materials)) expect(r.stdout + r.stderr).not.toContain(secret);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(f.dir)).toEqual([]);
  });

  it('leaves an existing output as it was when the object was tampered with', async () => {
    const f = await fixture('V2');
    const out = join(f.dir, 'plain.json');
    await writeFile(out, 'previous\n');
    const body = await readFile(f.file);
    body[3] = body[3]! ^ 0x01;
    await writeFile(f.file, body);
    const r = gluekit('fixtures', 'decrypt', f.file, '--out', out, '--keystore', f.ks.file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/orders\.json: .*(authenticat|tag)/i);
    expect(await readFile(out, 'utf8')).toBe('previous\n');
    expect(leftovers(f.dir)).toEqual([]);
  });

  it.each([
    ['an s3:// input naming no object', ['s3://bucket', '--out', 'x.json'], 's3://bucket: an S3 URL here names one object, s3://<bucket>/<key>'],
    ['an s3:// output naming a folder', ['orders.json', '--out', 's3://bucket/plain/'], 's3://bucket/plain/: an S3 URL here names one object'],
    ['no --out', ['orders.json'], 'fixtures decrypt needs --out <file>'],
    ['the input as output', ['orders.json', '--out', './orders.json'], '--out must be another file than the encrypted one'],
  ])('refuses %s as wrong usage', (_label, args, message) => {
    const r = gluekit('fixtures', 'decrypt', ...args, '--keystore', 'keys.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('gluekit fixtures inspect', () => {
  it('prints a V2 envelope: algorithms, where it is, the context, the wrapping key, lengths', async () => {
    const f = await fixture('V2');
    const r = gluekit('fixtures', 'inspect', f.file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().replace(/\s{2,}/g, ' | '));
    expect(lines).toEqual([
      `${f.file}: client-side encrypted`,
      'format | S3 Encryption Client V2',
      'content algorithm | AES/GCM/NoPadding (ALG_AES_256_GCM_IV12_TAG16_NO_KDF)',
      'key wrap | kms+context',
      `envelope in | ${f.file}.metadata.json`,
      'encryption context | {"feed":"orders","aws:x-amz-cek-alg":"AES/GCM/NoPadding"}',
      `wrapping key | ${f.ks.main.keyId} (local keystore)`,
      'key commitment | no',
      `content length | ${Buffer.byteLength(PLAINTEXT) + 16} bytes (${Buffer.byteLength(PLAINTEXT)} bytes of plaintext)`,
      '',
    ]);
    for (const value of f.envelopeValues) expect(r.stdout).not.toContain(value);
  });

  it('prints a V3 envelope split with an instruction file as JSON', async () => {
    const f = await fixture('V3');
    const r = gluekit('fixtures', 'inspect', f.file, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      object: f.file,
      format: 'V3',
      contentAlgorithm: '115',
      algorithmSuite: 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY',
      keyWrap: 'kms+context',
      location: 'instruction file',
      envelopeFiles: [`${f.file}.instruction`, `${f.file}.metadata.json`],
      encryptionContext: { feed: 'orders', 'aws:x-amz-cek-alg': '115' },
      wrappingKey: { by: 'local keystore', keyId: f.ks.main.keyId },
      keyCommitment: true,
      contentLength: Buffer.byteLength(PLAINTEXT) + 16,
      plaintextLength: Buffer.byteLength(PLAINTEXT),
      legacy: [],
    });
    for (const value of f.envelopeValues) expect(r.stdout).not.toContain(value);
    for (const secret of secretForms(f.ks.materials)) expect(r.stdout).not.toContain(secret);
  });

  it('says when a file is not client-side encrypted', async () => {
    const file = join(await freshFolder(), 'plain.json');
    await writeFile(file, PLAINTEXT);
    const r = gluekit('fixtures', 'inspect', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('plain.json: not client-side encrypted');
  });
});

describe('gluekit fixtures rewrap', () => {
  for (const shape of ['V2', 'V3'] as const) {
    it(`re-wraps a ${shape} data key under another key, touching only the ${shape === 'V2' ? 'metadata' : 'instruction file'}`, async () => {
      const f = await fixture(shape);
      const changed = shape === 'V2' ? `${f.file}.metadata.json` : `${f.file}.instruction`;
      const keyField = shape === 'V2' ? 'x-amz-key-v2' : 'x-amz-3';
      const files = [f.file, `${f.file}.metadata.json`, `${f.file}.instruction`].filter((p) => existsSync(p));
      const before = new Map(await Promise.all(files.map(async (p) => [p, await readFile(p)] as const)));
      await chmod(changed, 0o640);

      const r = gluekit('fixtures', 'rewrap', f.file, '--key-id', OTHER_ARN, '--keystore', f.ks.file);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`rewrapped ${f.file}: its data key is now wrapped by ${OTHER_ARN} (rewrote ${changed}; the object itself is unchanged)\n`);
      for (const p of files) if (p !== changed) expect(await readFile(p)).toEqual(before.get(p));
      const [old, now] = [JSON.parse(before.get(changed)!.toString()), JSON.parse(await readFile(changed, 'utf8'))];
      expect(now[keyField]).not.toBe(old[keyField]);
      expect({ ...now, [keyField]: 'k' }).toEqual({ ...old, [keyField]: 'k' });
      expect(statSync(changed).mode & 0o777).toBe(0o640);
      expect(leftovers(f.dir)).toEqual([]);

      const inspect = JSON.parse(gluekit('fixtures', 'inspect', f.file, '--json').stdout);
      expect(inspect.wrappingKey).toEqual({ by: 'local keystore', keyId: f.ks.other.keyId });
      const out = join(f.dir, 'plain.json');
      expect(gluekit('fixtures', 'decrypt', f.file, '--out', out, '--keystore', await keystoreWithOnly(f.ks, OTHER_ARN)).code).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(PLAINTEXT);
      const oldKeyOnly = gluekit('fixtures', 'decrypt', f.file, '--out', out, '--keystore', await keystoreWithOnly(f.ks, PRODUCTION_ARN));
      expect(oldKeyOnly.code).toBe(1);
      expect(oldKeyOnly.stderr).toContain('NotFoundException');
    });
  }

  it('changes nothing when the new key is not in the keystore', async () => {
    const f = await fixture('V2');
    const before = await readFile(`${f.file}.metadata.json`);
    const missing = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-9999-4999-8999-999999999999';
    const r = gluekit('fixtures', 'rewrap', f.file, '--key-id', missing, '--keystore', f.ks.file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot wrap the data key under ${missing}: KMS Encrypt failed with NotFoundException`);
    for (const secret of secretForms(f.ks.materials)) expect(r.stderr).not.toContain(secret);
    expect(await readFile(`${f.file}.metadata.json`)).toEqual(before);
    expect(leftovers(f.dir)).toEqual([]);
  });

  it('needs --key-id and --keystore, and refuses s3:// URLs naming no object', () => {
    expect(gluekit('fixtures', 'rewrap', 'orders.json', '--keystore', 'keys.json').stderr).toContain('fixtures rewrap needs --key-id');
    expect(gluekit('fixtures', 'rewrap', 'orders.json', '--key-id', OTHER_ARN).stderr).toContain('fixtures rewrap needs --keystore <file>');
    const r = gluekit('fixtures', 'rewrap', 's3://bucket/', '--key-id', OTHER_ARN, '--keystore', 'keys.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('s3://bucket/: an S3 URL here names one object');
  });
});

describe('rewrapEnvelope', () => {
  async function encrypted(ks: TestKeystore, committing = false) {
    return encryptObject(new TextEncoder().encode(PLAINTEXT), { keys: ks.keys, keyId: PRODUCTION_ARN, context: { feed: 'orders' }, committing });
  }
  const none = async () => undefined;

  it('keeps every other metadata entry, and the body still decrypts under the new key only', async () => {
    const ks = await testKeystore();
    const object = await encrypted(ks);
    const metadata = { ...object.metadata, 'content-owner': 'payments' };
    const rewrapped = await rewrapEnvelope('orders.json', metadata, none, { keys: ks.keys, keyId: OTHER_ARN, fromKeyId: 'alias/orders-feed' });
    expect(rewrapped).toMatchObject({ format: 'V2', location: 'metadata' });
    expect(rewrapped.instruction).toBeUndefined();
    expect({ ...rewrapped.metadata, 'x-amz-key-v2': '' }).toEqual({ ...metadata, 'x-amz-key-v2': '' });
    const body = memorySource('orders.json', object.body);
    const plaintext = await decryptObject(body, rewrapped.metadata, { keys: ks.keys, keyId: OTHER_ARN, expectedContext: { feed: 'orders' } });
    expect(new TextDecoder().decode(await plaintext.bytes())).toBe(PLAINTEXT);
    await plaintext.dispose();
    await expect(decryptObject(body, rewrapped.metadata, { keys: ks.keys, keyId: PRODUCTION_ARN })).rejects.toThrow('IncorrectKeyException');
  });

  it('refuses when the data key is wrapped by another key than fromKeyId', async () => {
    const ks = await testKeystore();
    const object = await encrypted(ks);
    const error = await rewrapEnvelope('orders.json', object.metadata, none, { keys: ks.keys, keyId: PRODUCTION_ARN, fromKeyId: OTHER_ARN }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CseError);
    expect((error as CseError).message).toContain('IncorrectKeyException');
  });

  it('refuses a legacy envelope, which gluekit never writes', async () => {
    const ks = await testKeystore();
    const object = await encrypted(ks);
    const legacy = { ...object.metadata, 'x-amz-wrap-alg': 'kms' };
    const error = await rewrapEnvelope('orders.json', legacy, none, { keys: ks.keys, keyId: OTHER_ARN }).catch((e: unknown) => e);
    expect((error as CseError).failure).toBe('legacy-refused');
    expect((error as CseError).message).toContain('re-wraps only V2 and V3 envelopes');
  });

  it('refuses a V3 envelope whose key commitment does not match its data key', async () => {
    const ks = await testKeystore();
    const object = await encrypted(ks, true);
    const commitment = Buffer.from(object.metadata['x-amz-d']!, 'base64');
    commitment[0] = commitment[0]! ^ 0x01;
    const altered = { ...object.metadata, 'x-amz-d': commitment.toString('base64') };
    const error = await rewrapEnvelope('orders.json', altered, none, { keys: ks.keys, keyId: OTHER_ARN }).catch((e: unknown) => e);
    expect((error as CseError).failure).toBe('key-commitment');
  });

  it('needs a key provider that can wrap an existing data key', async () => {
    const ks = await testKeystore();
    const object = await encrypted(ks);
    const decryptOnly: KeyProvider = { decrypt: (...a) => ks.keys.decrypt(...a), generateDataKey: (...a) => ks.keys.generateDataKey(...a) };
    await expect(rewrapEnvelope('orders.json', object.metadata, none, { keys: decryptOnly, keyId: OTHER_ARN })).rejects.toThrow('cannot wrap an existing data key (KMS Encrypt)');
  });

  it('refuses to replace an envelope with one that does not unwrap to the same key', async () => {
    const ks = await testKeystore();
    const object = await encrypted(ks);
    // A provider whose Encrypt "succeeds" with a blob that wraps some other key.
    const lying: KeyProvider = {
      decrypt: (...a) => ks.keys.decrypt(...a),
      generateDataKey: (...a) => ks.keys.generateDataKey(...a),
      encrypt: async (keyId, _plaintext, context) => (await ks.keys.generateDataKey(keyId, context)).ciphertextBlob,
    };
    await expect(rewrapEnvelope('orders.json', object.metadata, none, { keys: lying, keyId: OTHER_ARN })).rejects.toThrow('does not unwrap to the same key; nothing was changed');
  });
});
