/**
 * decryptObject end to end: every format gluekit reads, in memory and through a
 * temporary file, and the tamper list: each alteration fails with an error naming the
 * object and what failed, shows no key material or plaintext, and returns nothing.
 */
import { createCipheriv, randomBytes, type CipherGCM } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK } from '../../local-runner/cse/ciphertext-blocks.js';
import { decryptObject, type DecryptOptions } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject, type EncryptedObject } from '../../local-runner/cse/encrypt.js';
import { CseError, type CseFailure } from '../../local-runner/cse/errors.js';
import { fileSource } from '../../local-runner/stores/fixtures.js';
import type { KeyProvider } from '../../local-runner/cse/kms.js';
import { cleanupFolders, freshFolder, memorySource, OTHER_ARN, PRODUCTION_ARN, secretForms, testKeystore, type TestKeystore } from './helpers.js';

const NAME = 's3://acme-payments-feed/orders/2026-11-24.json';
const MARKER = 'PLAINTEXT-MARKER';
const PLAINTEXT = new TextEncoder().encode(`{"order_id":1,"note":"${MARKER}"}\n`.repeat(40));
const CONTEXT = { feed: 'orders' };

let ks: TestKeystore;
let temp: string;

beforeAll(async () => {
  ks = await testKeystore();
  temp = await freshFolder();
});
afterAll(cleanupFolders);

function options(extra: Partial<DecryptOptions> = {}): DecryptOptions {
  return { keys: ks.keys, expectedContext: CONTEXT, keyId: PRODUCTION_ARN, tempDir: temp, ...extra };
}

function encrypt(extra: { committing?: boolean; instructionFile?: boolean; keyId?: string; context?: Record<string, string> } = {}): Promise<EncryptedObject> {
  return encryptObject(PLAINTEXT, { keys: ks.keys, keyId: extra.keyId ?? PRODUCTION_ARN, context: extra.context ?? CONTEXT, ...extra });
}

const instructionOf = (o: EncryptedObject) => async () => o.instruction;

/** Expects a CseError for the object, with the failure code and message, no secrets, no plaintext and no leftover files. */
async function refused(promise: Promise<unknown>, failure: CseFailure, message: RegExp): Promise<CseError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect('value' in outcome, 'no plaintext may be returned').toBe(false);
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(CseError);
  const e = error as CseError;
  expect(e.object).toBe(NAME);
  expect(e.message.startsWith(`${NAME}: `)).toBe(true);
  expect(e.failure).toBe(failure);
  expect(e.message).toMatch(message);
  const shown = `${e.message}\n${e.stack ?? ''}\n${(e.cause as Error | undefined)?.message ?? ''}`;
  expect(shown).not.toContain(MARKER);
  for (const secret of secretForms(ks.materials)) expect(shown).not.toContain(secret);
  expect(await readdir(temp), 'temporary plaintext must be removed').toEqual([]);
  return e;
}

describe('decryptObject: formats', () => {
  const variants = [
    { label: 'V2 in the metadata', committing: false, instructionFile: false },
    { label: 'V2 in an instruction file', committing: false, instructionFile: true },
    { label: 'V3 (suite 115) in the metadata', committing: true, instructionFile: false },
    { label: 'V3 (suite 115) split with an instruction file', committing: true, instructionFile: true },
  ];
  for (const v of variants) {
    for (const spillAbove of [Number.POSITIVE_INFINITY, 0]) {
      it(`reads ${v.label}, ${spillAbove === 0 ? 'through a temporary file' : 'in memory'}`, async () => {
        const encrypted = await encrypt(v);
        const source = await decryptObject(memorySource(NAME, encrypted.body, 100), encrypted.metadata, options({ spillAbove, instructionFile: instructionOf(encrypted) }));
        try {
          expect(source.name).toBe(NAME);
          expect(source.size).toBe(PLAINTEXT.length);
          expect(Buffer.from(await source.bytes()).equals(Buffer.from(PLAINTEXT))).toBe(true);
          expect(Buffer.from(await (await source.blob()).slice(10, 30).arrayBuffer()).equals(Buffer.from(PLAINTEXT.subarray(10, 30)))).toBe(true);
          const streamed: Uint8Array[] = [];
          for await (const chunk of source.stream()) streamed.push(chunk);
          expect(Buffer.concat(streamed).equals(Buffer.from(PLAINTEXT))).toBe(true);
          expect(source.envelope).toMatchObject({
            format: v.committing ? 'V3' : 'V2',
            algorithm: v.committing ? 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY' : 'ALG_AES_256_GCM_IV12_TAG16_NO_KDF',
            location: v.instructionFile ? 'instruction file' : 'metadata',
            context: { feed: 'orders', 'aws:x-amz-cek-alg': v.committing ? '115' : 'AES/GCM/NoPadding' },
          });
          if (spillAbove === 0) {
            const [dir] = await readdir(temp);
            expect(((await stat(`${temp}/${dir}`)).mode & 0o777).toString(8)).toBe('700');
            expect(((await stat(`${temp}/${dir}/plaintext`)).mode & 0o777).toString(8)).toBe('600');
          }
        } finally {
          await source.dispose();
        }
        expect(await readdir(temp)).toEqual([]);
      });
    }
  }

  it('reads an empty object (the body is just the tag)', async () => {
    const encrypted = await encryptObject(new Uint8Array(0), { keys: ks.keys, keyId: PRODUCTION_ARN, context: CONTEXT });
    expect(encrypted.body.length).toBe(16);
    const source = await decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, options());
    expect(source.size).toBe(0);
    expect((await source.bytes()).length).toBe(0);
    await source.dispose();
  });

  it('needs neither keyId nor expected context', async () => {
    const encrypted = await encrypt();
    const source = await decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, { keys: ks.keys });
    expect(source.size).toBe(PLAINTEXT.length);
    await source.dispose();
  });

  it('runs a job naming the production key ARN unchanged: the keystore maps the ARN (or its alias)', async () => {
    const encrypted = await encrypt({ keyId: 'alias/orders-feed' });
    const source = await decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, options({ keyId: PRODUCTION_ARN }));
    await source.dispose();
  });
});

describe('decryptObject: a fixture file of several blocks (read into reused buffers)', () => {
  const LARGE = randomBytes(2.5 * BLOCK);
  const fileOf = async (body: Uint8Array, listedSize = body.length) => {
    const folder = await freshFolder();
    const path = `${folder}/object.bin`;
    await writeFile(path, body);
    return fileSource(path, NAME, listedSize);
  };

  for (const committing of [false, true]) {
    const format = committing ? 'V3' : 'V2';

    it(`${format}: decrypts it whole, and refuses a flipped byte in any block or the tag, or a cut file`, async () => {
      const encrypted = await encryptObject(LARGE, { keys: ks.keys, keyId: PRODUCTION_ARN, context: CONTEXT, committing });
      const source = await decryptObject(await fileOf(encrypted.body), encrypted.metadata, options({ spillAbove: 0 }));
      try {
        expect(Buffer.from(await source.bytes()).equals(LARGE)).toBe(true);
      } finally {
        await source.dispose();
      }
      for (const at of [0, BLOCK - 1, BLOCK, 2 * BLOCK + 5, encrypted.body.length - 17, encrypted.body.length - 1]) {
        const altered = encrypted.body.slice();
        altered[at]! ^= 0x80;
        await refused(decryptObject(await fileOf(altered), encrypted.metadata, options()), 'authentication', /GCM tag does not match/);
      }
      await refused(decryptObject(await fileOf(encrypted.body.subarray(0, 2 * BLOCK)), encrypted.metadata, options()), 'authentication', /GCM tag does not match/);
      await expect(decryptObject(await fileOf(encrypted.body.subarray(0, 2 * BLOCK), encrypted.body.length), encrypted.metadata, options())).rejects.toThrow(
        `${NAME}: the file ends at byte ${2 * BLOCK}, before byte`,
      );
      expect(await readdir(temp), 'temporary plaintext must be removed').toEqual([]);
    });
  }
});

describe('decryptObject: the tamper list', () => {
  for (const committing of [false, true]) {
    const format = committing ? 'V3' : 'V2';

    it(`${format}: a flipped byte anywhere in the ciphertext or tag`, async () => {
      const encrypted = await encrypt({ committing });
      expect(encrypted.body.length).toBe(PLAINTEXT.length + 16);
      // Every position; every 16th through a temporary file.
      for (let i = 0; i < encrypted.body.length; i++) {
        const altered = encrypted.body.slice();
        altered[i]! ^= 1 << i % 8;
        await refused(decryptObject(memorySource(NAME, altered, 333), encrypted.metadata, options({ spillAbove: i % 16 === 0 ? 0 : Infinity })), 'authentication', /content authentication failed: the GCM tag does not match/);
      }
    });

    it(`${format}: a truncated object`, async () => {
      const encrypted = await encrypt({ committing });
      for (const length of [encrypted.body.length - 1, encrypted.body.length - 16, 16, 17]) {
        await refused(decryptObject(memorySource(NAME, encrypted.body.subarray(0, length)), encrypted.metadata, options({ spillAbove: 0 })), 'authentication', /GCM tag does not match .*the object is truncated/);
      }
      for (const length of [0, 15]) {
        await refused(decryptObject(memorySource(NAME, encrypted.body.subarray(0, length)), encrypted.metadata, options()), 'truncated', new RegExp(`the object is ${length} bytes, too short to hold the 16-byte GCM tag`));
      }
    });

    it(`${format}: a data key wrapped by another key than the job names`, async () => {
      const encrypted = await encrypt({ committing, keyId: OTHER_ARN });
      const error = await refused(decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, options()), 'data-key', /cannot unwrap the data key \(x-amz-(key-v2|3)\): KMS Decrypt failed with IncorrectKeyException/);
      expect(error.cause).toMatchObject({ kmsError: 'IncorrectKeyException' });
    });

    it(`${format}: a keystore without the key`, async () => {
      const encrypted = await encrypt({ committing });
      const stranger = await testKeystore(); // same ARNs, other material
      await refused(decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, options({ keys: stranger.keys })), 'data-key', /KMS Decrypt failed with InvalidCiphertextException/);
    });

    it(`${format}: the envelope of another object (another data key)`, async () => {
      const encrypted = await encrypt({ committing });
      const other = await encrypt({ committing });
      await refused(decryptObject(memorySource(NAME, encrypted.body), other.metadata, options()), 'authentication', /GCM tag does not match/);
      // Only the wrapped data key swapped: V3's stored commitment no longer matches it.
      const key = committing ? 'x-amz-3' : 'x-amz-key-v2';
      await refused(
        decryptObject(memorySource(NAME, encrypted.body), { ...encrypted.metadata, [key]: other.metadata[key]! }, options()),
        committing ? 'key-commitment' : 'authentication',
        committing ? /the key commitment \(x-amz-d\) does not match the data key/ : /GCM tag does not match/,
      );
    });

    it(`${format}: an expected context entry that is missing or different, checked before any key is used`, async () => {
      const encrypted = await encrypt({ committing });
      let calls = 0;
      const counting: KeyProvider = {
        decrypt: (...args) => {
          calls++;
          return ks.keys.decrypt(...args);
        },
        generateDataKey: (...args) => ks.keys.generateDataKey(...args),
      };
      await refused(decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, options({ keys: counting, expectedContext: { feed: 'refunds' } })), 'context-mismatch', /encryption context has "feed" = "orders", but the job expects "refunds"/);
      await refused(decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, options({ keys: counting, expectedContext: { feed: 'orders', region: 'eu' } })), 'context-mismatch', /encryption context lacks "region", which the job expects to be "eu"/);
      expect(calls).toBe(0);
    });

    it(`${format}: a context altered in the metadata fails at KMS`, async () => {
      const encrypted = await encrypt({ committing, context: { feed: 'orders', tenant: 'a' } });
      const key = committing ? 'x-amz-t' : 'x-amz-matdesc';
      const context = JSON.parse(encrypted.metadata[key]!) as Record<string, string>;
      const metadata = { ...encrypted.metadata, [key]: JSON.stringify({ ...context, tenant: 'b' }) };
      await refused(decryptObject(memorySource(NAME, encrypted.body), metadata, options()), 'data-key', /InvalidCiphertextException: the data key does not decrypt .* with this encryption context/);
    });

    it(`${format}: a context whose aws:x-amz-cek-alg disagrees with the content algorithm`, async () => {
      const encrypted = await encrypt({ committing });
      const key = committing ? 'x-amz-t' : 'x-amz-matdesc';
      const metadata = { ...encrypted.metadata, [key]: JSON.stringify({ feed: 'orders', 'aws:x-amz-cek-alg': committing ? 'AES/GCM/NoPadding' : 'AES/CBC/PKCS5Padding' }) };
      await refused(decryptObject(memorySource(NAME, encrypted.body), metadata, options()), 'algorithm-mismatch', /says aws:x-amz-cek-alg is .*, but the content algorithm is/);
    });

    it(`${format}: a wrapped data key that was altered`, async () => {
      const encrypted = await encrypt({ committing });
      const key = committing ? 'x-amz-3' : 'x-amz-key-v2';
      const blob = Buffer.from(encrypted.metadata[key]!, 'base64');
      blob[blob.length - 3]! ^= 0x10;
      await refused(decryptObject(memorySource(NAME, encrypted.body), { ...encrypted.metadata, [key]: blob.toString('base64') }, options()), 'data-key', /InvalidCiphertextException/);
    });
  }

  it('V2: an altered IV', async () => {
    const encrypted = await encrypt();
    const iv = Buffer.from(encrypted.metadata['x-amz-iv']!, 'base64');
    iv[0]! ^= 1;
    await refused(decryptObject(memorySource(NAME, encrypted.body), { ...encrypted.metadata, 'x-amz-iv': iv.toString('base64') }, options()), 'authentication', /GCM tag does not match/);
  });

  it('V3: an altered message ID or key commitment', async () => {
    const encrypted = await encrypt({ committing: true });
    for (const key of ['x-amz-i', 'x-amz-d']) {
      const value = Buffer.from(encrypted.metadata[key]!, 'base64');
      value[5]! ^= 1;
      await refused(decryptObject(memorySource(NAME, encrypted.body), { ...encrypted.metadata, [key]: value.toString('base64') }, options()), 'key-commitment', /key commitment \(x-amz-d\) does not match/);
    }
  });

  it('malformed base64, JSON and IV length', async () => {
    const encrypted = await encrypt();
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'x-amz-key-v2': '%%%' }, /x-amz-key-v2 is not valid base64/],
      [{ 'x-amz-iv': 'AAAA' }, /x-amz-iv holds 3 bytes; AES\/GCM\/NoPadding needs 12/],
      [{ 'x-amz-iv': Buffer.alloc(16).toString('base64') }, /x-amz-iv holds 16 bytes/],
      [{ 'x-amz-matdesc': '{"feed": "orders"' }, /x-amz-matdesc is not valid JSON/],
    ];
    for (const [change, message] of cases) {
      await refused(decryptObject(memorySource(NAME, encrypted.body), { ...encrypted.metadata, ...change }, options()), 'malformed-envelope', message);
    }
    const v3 = await encrypt({ committing: true });
    await refused(decryptObject(memorySource(NAME, v3.body), { ...v3.metadata, 'x-amz-t': '{' }, options()), 'malformed-envelope', /x-amz-t is not valid JSON/);
    await refused(decryptObject(memorySource(NAME, v3.body), { ...v3.metadata, 'x-amz-i': 'AAAA' }, options()), 'malformed-envelope', /x-amz-i holds 3 bytes; the message ID needs 28/);
    const split = await encrypt({ instructionFile: true });
    await refused(decryptObject(memorySource(NAME, split.body), split.metadata, options({ instructionFile: async () => new TextEncoder().encode('{"x-amz-iv":') })), 'malformed-envelope', /instruction file is not valid JSON/);
  });

  it('an unknown algorithm', async () => {
    const encrypted = await encrypt();
    await refused(
      decryptObject(memorySource(NAME, encrypted.body), { ...encrypted.metadata, 'x-amz-cek-alg': 'AES/GCM-SIV/NoPadding' }, options()),
      'unsupported-algorithm',
      /unknown content algorithm "AES\/GCM-SIV\/NoPadding"/,
    );
    const v3 = await encrypt({ committing: true });
    await refused(decryptObject(memorySource(NAME, v3.body), { ...v3.metadata, 'x-amz-c': '116' }, options()), 'unsupported-algorithm', /unknown content algorithm "116"/);
  });

  it('a disabled key', async () => {
    const encrypted = await encrypt();
    const disabling: KeyProvider = {
      decrypt: async () => {
        const { KmsError } = await import('../../local-runner/cse/kms.js');
        throw new KmsError('DisabledException', `key ${PRODUCTION_ARN} is disabled`);
      },
      generateDataKey: () => Promise.reject(new Error('unused')),
    };
    await refused(decryptObject(memorySource(NAME, encrypted.body), encrypted.metadata, options({ keys: disabling })), 'data-key', /KMS Decrypt failed with DisabledException/);
  });

  it('an object that is not encrypted at all', async () => {
    await refused(decryptObject(memorySource(NAME, PLAINTEXT), {}, options({ instructionFile: async () => undefined })), 'no-envelope', /not client-side encrypted/);
  });

  it('a source that fails half way leaves nothing behind', async () => {
    const encrypted = await encrypt();
    const failing = {
      ...memorySource(NAME, encrypted.body),
      async *stream() {
        yield encrypted.body.subarray(0, 100);
        throw new Error('connection reset');
      },
    };
    await expect(decryptObject(failing, encrypted.metadata, options({ spillAbove: 0 }))).rejects.toThrow('connection reset');
    expect(await readdir(temp)).toEqual([]);
  });
});

describe('decryptObject: legacy formats', () => {
  /** A legacy object as the v1 AWS SDKs wrote it: wrap "kms" with the kms_cmk_id context, AES-CBC or AES-GCM content. */
  async function legacyObject(shape: { v1?: boolean; content: 'cbc' | 'gcm' }): Promise<{ body: Uint8Array; metadata: Record<string, string> }> {
    const context = { kms_cmk_id: PRODUCTION_ARN };
    const { plaintext: dataKey, ciphertextBlob } = await ks.keys.generateDataKey(PRODUCTION_ARN, context);
    const iv = randomBytes(shape.content === 'cbc' ? 16 : 12);
    const cipher = createCipheriv(shape.content === 'cbc' ? 'aes-256-cbc' : 'aes-256-gcm', dataKey, iv);
    const parts: Uint8Array[] = [cipher.update(PLAINTEXT), cipher.final()];
    if (shape.content === 'gcm') parts.push((cipher as CipherGCM).getAuthTag());
    const metadata: Record<string, string> = {
      [shape.v1 ? 'x-amz-key' : 'x-amz-key-v2']: Buffer.from(ciphertextBlob).toString('base64'),
      'x-amz-iv': iv.toString('base64'),
      'x-amz-wrap-alg': 'kms',
      'x-amz-matdesc': JSON.stringify(context),
      ...(shape.v1 ? {} : { 'x-amz-cek-alg': shape.content === 'cbc' ? 'AES/CBC/PKCS5Padding' : 'AES/GCM/NoPadding' }),
      ...(shape.content === 'gcm' && { 'x-amz-tag-len': '128' }),
    };
    return { body: new Uint8Array(Buffer.concat(parts)), metadata };
  }

  const shapes = [
    { label: 'V2, AES-CBC content, wrap kms', shape: { content: 'cbc' as const }, reason: /AES\/CBC\/PKCS5Padding content, which is not authenticated/ },
    { label: 'V2, AES-GCM content, wrap kms', shape: { content: 'gcm' as const }, reason: /wrapped with "kms", whose encryption context does not bind the content algorithm/ },
    { label: 'V1 (x-amz-key), AES-CBC content, wrap kms', shape: { v1: true, content: 'cbc' as const }, reason: /V1 metadata \(x-amz-key\)/ },
  ];
  for (const { label, shape, reason } of shapes) {
    it(`refuses ${label} by default, saying how to opt in`, async () => {
      const legacy = await legacyObject(shape);
      const error = await refused(decryptObject(memorySource(NAME, legacy.body), legacy.metadata, options({ expectedContext: {} })), 'legacy-refused', reason);
      expect(error.message).toMatch(/set allowLegacy/);
    });

    it(`reads ${label} with allowLegacy`, async () => {
      const legacy = await legacyObject(shape);
      const source = await decryptObject(memorySource(NAME, legacy.body, 50), legacy.metadata, options({ allowLegacy: true, expectedContext: {} }));
      expect(Buffer.from(await source.bytes()).equals(Buffer.from(PLAINTEXT))).toBe(true);
      expect(source.envelope.wrap).toBe('kms');
      await source.dispose();
    });
  }

  it('still checks legacy objects: the expected context, and CBC padding', async () => {
    const legacy = await legacyObject({ content: 'cbc' });
    await refused(decryptObject(memorySource(NAME, legacy.body), legacy.metadata, options({ allowLegacy: true })), 'context-mismatch', /lacks "feed"/);
    await refused(decryptObject(memorySource(NAME, legacy.body.subarray(0, legacy.body.length - 5)), legacy.metadata, options({ allowLegacy: true, expectedContext: {}, spillAbove: 0 })), 'padding', /bad AES\/CBC\/PKCS5Padding padding/);
  });

  it('reads legacy objects only when wrapped by KMS', async () => {
    const metadata = { 'x-amz-key': Buffer.alloc(48).toString('base64'), 'x-amz-iv': Buffer.alloc(16, 1).toString('base64'), 'x-amz-matdesc': '{}' };
    await refused(decryptObject(memorySource(NAME, new Uint8Array(64)), metadata, options({ allowLegacy: true })), 'unsupported-algorithm', /wrapped by a client-side master key \(AES or RSA\), not KMS/);
  });
});
