/** encryptObject writes what the S3 Encryption Client writes (content-metadata.md, metadata-strategy.md). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptObject } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../../local-runner/cse/encrypt.js';
import { cleanupFolders, memorySource, PRODUCTION_ARN, testKeystore, type TestKeystore } from './helpers.js';

let ks: TestKeystore;
beforeAll(async () => {
  ks = await testKeystore();
});
afterAll(cleanupFolders);

const PLAINTEXT = new TextEncoder().encode('order_id,amount\n1,12.50\n');
const b64Length = (value: string | undefined) => Buffer.from(value ?? '', 'base64').length;

describe('encryptObject', () => {
  it('writes V2 by default: AES-GCM, kms+context, the context with aws:x-amz-cek-alg', async () => {
    const { body, metadata, instruction } = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, context: { feed: 'orders' } });
    expect(Object.keys(metadata).sort()).toEqual(['x-amz-cek-alg', 'x-amz-iv', 'x-amz-key-v2', 'x-amz-matdesc', 'x-amz-tag-len', 'x-amz-unencrypted-content-length', 'x-amz-wrap-alg']);
    expect(metadata).toMatchObject({ 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-wrap-alg': 'kms+context', 'x-amz-tag-len': '128', 'x-amz-unencrypted-content-length': String(PLAINTEXT.length) });
    expect(JSON.parse(metadata['x-amz-matdesc']!)).toEqual({ feed: 'orders', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' });
    expect(b64Length(metadata['x-amz-iv'])).toBe(12);
    expect(body.length).toBe(PLAINTEXT.length + 16);
    expect(instruction).toBeUndefined();
  });

  it('writes V3 with committing: suite 115, wrap 12, 28-byte message ID and commitment', async () => {
    const { body, metadata } = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, context: { feed: 'orders' }, committing: true });
    expect(Object.keys(metadata).sort()).toEqual(['x-amz-3', 'x-amz-c', 'x-amz-d', 'x-amz-i', 'x-amz-t', 'x-amz-w']);
    expect(metadata).toMatchObject({ 'x-amz-c': '115', 'x-amz-w': '12' });
    expect(JSON.parse(metadata['x-amz-t']!)).toEqual({ feed: 'orders', 'aws:x-amz-cek-alg': '115' });
    expect(b64Length(metadata['x-amz-i'])).toBe(28);
    expect(b64Length(metadata['x-amz-d'])).toBe(28);
    expect(body.length).toBe(PLAINTEXT.length + 16);
  });

  it('moves the V2 envelope wholly to the instruction file', async () => {
    const { metadata, instruction } = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, instructionFile: true });
    expect(metadata).toEqual({});
    const file = JSON.parse(new TextDecoder().decode(instruction)) as Record<string, string>;
    expect(Object.keys(file).sort()).toEqual(['x-amz-cek-alg', 'x-amz-iv', 'x-amz-key-v2', 'x-amz-matdesc', 'x-amz-tag-len', 'x-amz-unencrypted-content-length', 'x-amz-wrap-alg']);
  });

  it('splits the V3 envelope: x-amz-c, -d, -i in the metadata, the rest in the instruction file', async () => {
    const { metadata, instruction } = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, instructionFile: true, committing: true });
    expect(Object.keys(metadata).sort()).toEqual(['x-amz-c', 'x-amz-d', 'x-amz-i']);
    expect(Object.keys(JSON.parse(new TextDecoder().decode(instruction)) as object).sort()).toEqual(['x-amz-3', 'x-amz-t', 'x-amz-w']);
  });

  it('uses a fresh IV, message ID and data key every time', async () => {
    const a = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN });
    const b = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN });
    expect(a.metadata['x-amz-iv']).not.toBe(b.metadata['x-amz-iv']);
    expect(a.metadata['x-amz-key-v2']).not.toBe(b.metadata['x-amz-key-v2']);
    const c = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, committing: true });
    const d = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, committing: true });
    expect(c.metadata['x-amz-i']).not.toBe(d.metadata['x-amz-i']);
    expect(Buffer.from(c.body).equals(Buffer.from(d.body))).toBe(false);
  });

  it('refuses context keys with the reserved aws: prefix', async () => {
    await expect(encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, context: { 'aws:x-amz-cek-alg': 'AES/CBC/PKCS5Padding' } })).rejects.toThrow(/aws: prefix is reserved/);
  });

  it('keeps non-ASCII contexts US-ASCII in the metadata, and they round-trip', async () => {
    const context = { team: 'Zürich café' };
    const encrypted = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, context });
    expect(encrypted.metadata['x-amz-matdesc']).toMatch(/^[\x20-\x7e]+$/);
    const source = await decryptObject(memorySource('object', encrypted.body), encrypted.metadata, { keys: ks.keys, expectedContext: context });
    expect(new TextDecoder().decode(await source.bytes())).toBe(new TextDecoder().decode(PLAINTEXT));
    await source.dispose();
  });
});
