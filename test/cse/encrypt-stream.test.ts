/**
 * encryptStream: the S3 Encryption Client's multipart layout (parts of a multiple of 16
 * bytes, the GCM tag after the last), decryptable as one object, the plaintext pulled
 * only as parts are asked for, and the same envelope encryptObject writes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptObject } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject, encryptStream } from '../../local-runner/cse/encrypt.js';
import { cleanupFolders, memorySource, PRODUCTION_ARN, testKeystore, type TestKeystore } from './helpers.js';

let ks: TestKeystore;
beforeAll(async () => {
  ks = await testKeystore();
});
afterAll(cleanupFolders);

/** `bytes` as a stream of chunks of the given sizes, cycling; counts the chunks pulled. */
function chunked(bytes: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> & { pulled: number } {
  const stream = {
    pulled: 0,
    async *[Symbol.asyncIterator]() {
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const n = sizes[i % sizes.length]!;
        stream.pulled++;
        yield bytes.slice(at, at + n);
        at += n;
      }
    },
  };
  return stream;
}

async function collect(parts: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function decrypt(body: Uint8Array, metadata: Record<string, string>, instruction?: Uint8Array): Promise<Buffer> {
  const plaintext = await decryptObject(memorySource('s3://b/object', body), metadata, {
    keys: ks.keys,
    expectedContext: { feed: 'orders' },
    instructionFile: async () => instruction,
  });
  try {
    return Buffer.from(await plaintext.bytes());
  } finally {
    await plaintext.dispose();
  }
}

describe('encryptStream', () => {
  for (const committing of [false, true]) {
    for (const length of [0, 1, 15, 16, 4095, 4096, 4097, 10_000]) {
      it(`${committing ? 'V3' : 'V2'}, ${length} bytes in odd chunks: parts of 4096 bytes, the rest and the tag last; decrypts`, async () => {
        const plaintext = randomBytes(length);
        const encrypted = await encryptStream(chunked(plaintext, [1, 17, 1000, 5000]), {
          keys: ks.keys,
          keyId: PRODUCTION_ARN,
          context: { feed: 'orders' },
          committing,
          instructionFile: committing,
          partSize: 4096,
          plaintextLength: length,
        });
        const parts = await collect(encrypted.body);
        const full = Math.floor(length / 4096);
        expect(parts.map((p) => p.length)).toEqual([...Array<number>(full).fill(4096), (length % 4096) + 16]);
        for (const part of parts.slice(0, -1)) expect(part.length % 16).toBe(0);
        const body = Buffer.concat(parts);
        expect(await decrypt(body, encrypted.metadata, encrypted.instruction)).toEqual(plaintext);
      });
    }
  }

  it('writes the envelope encryptObject writes, with the announced plaintext length', async () => {
    const plaintext = Buffer.from('{"order_id":1}\n');
    const options = { keys: ks.keys, keyId: PRODUCTION_ARN, context: { feed: 'orders' } };
    const whole = await encryptObject(plaintext, options);
    const streamed = await encryptStream(chunked(plaintext, [4]), { ...options, plaintextLength: plaintext.length });
    expect(Object.keys(streamed.metadata).sort()).toEqual(Object.keys(whole.metadata).sort());
    expect(streamed.metadata['x-amz-unencrypted-content-length']).toBe(String(plaintext.length));
    const unannounced = await encryptStream(chunked(plaintext, [4]), options);
    expect(unannounced.metadata).not.toHaveProperty('x-amz-unencrypted-content-length');
    expect(await decrypt(Buffer.concat(await collect(unannounced.body)), unannounced.metadata)).toEqual(plaintext);
  });

  it('pulls the plaintext only as parts are asked for (never the whole of it)', async () => {
    const plaintext = new Uint8Array(randomBytes(64 * 1024));
    const source = chunked(plaintext, [1024]);
    const encrypted = await encryptStream(source, { keys: ks.keys, keyId: PRODUCTION_ARN, partSize: 4096 });
    expect(source.pulled).toBe(0);
    const iterator = encrypted.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toHaveLength(4096);
    expect(source.pulled).toBe(4);
    await iterator.return?.(undefined);
  });

  it('refuses a part size that is not a positive multiple of 16', async () => {
    for (const partSize of [0, 8, 4100, -16, 1.5]) {
      await expect(encryptStream(chunked(new Uint8Array(1), [1]), { keys: ks.keys, keyId: PRODUCTION_ARN, partSize })).rejects.toThrow(/multiple of 16/);
    }
  });

  it('fails the body when the plaintext is not the announced length, or its stream fails', async () => {
    const plaintext = new Uint8Array(100);
    const shorter = await encryptStream(chunked(plaintext, [10]), { keys: ks.keys, keyId: PRODUCTION_ARN, plaintextLength: 101 });
    await expect(collect(shorter.body)).rejects.toThrow('the plaintext is 100 bytes, not the 101 announced');
    const longer = await encryptStream(chunked(plaintext, [10]), { keys: ks.keys, keyId: PRODUCTION_ARN, plaintextLength: 99 });
    await expect(collect(longer.body)).rejects.toThrow('longer than the 99 bytes announced');
    const failing = (async function* () {
      yield new Uint8Array(10);
      throw new Error('disk on fire');
    })();
    const broken = await encryptStream(failing, { keys: ks.keys, keyId: PRODUCTION_ARN });
    await expect(collect(broken.body)).rejects.toThrow('disk on fire');
  });
});
