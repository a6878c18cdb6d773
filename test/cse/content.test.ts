/**
 * Content encryption against known answers, and the streaming decryptor's tag handling.
 *
 * AES-256-GCM vectors (V2 content is plain AES-256-GCM, 12-byte IV, no AAD, tag appended):
 * - NIST CAVP gcmEncryptExtIV256 cases as carried by aws/amazon-s3-encryption-client-go,
 *   v4/internal/aes_gcm_test.go (TestAES_GCM_NIST_gcmEncryptExtIV256_PTLen_*).
 * - McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Test Case 15
 *   (256-bit key, 64-byte plaintext, no AAD).
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptContent, encryptContent, type ContentKey } from '../../local-runner/cse/content.js';
import { CseError } from '../../local-runner/cse/errors.js';
import { COMMITTING_SUITE_AAD } from '../../local-runner/cse/key-derivation.js';
import { AES_256_CBC_IV16_NO_KDF, AES_256_GCM_HKDF_SHA512_COMMIT_KEY, AES_256_GCM_IV12_TAG16_NO_KDF, COMMITTING_SUITE_IV } from '../../local-runner/cse/suites.js';
import { memorySource } from './helpers.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

const GCM_VECTORS = [
  {
    name: 'NIST gcmEncryptExtIV256 PTLen 128 #0',
    key: '31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22',
    iv: '0d18e06c7c725ac9e362e1ce',
    pt: '2db5168e932556f8089a0622981d017d',
    ct: 'fa4362189661d163fcd6a56d8bf0405a',
    tag: 'd636ac1bbedd5cc3ee727dc2ab4a9489',
  },
  {
    name: 'NIST gcmEncryptExtIV256 PTLen 104 #3',
    key: 'e5a0eb92cc2b064e1bc80891faf1fab5e9a17a9c3a984e25416720e30e6c2b21',
    iv: '4742357c335913153ff0eb0f',
    pt: '8499893e16b0ba8b007d54665a',
    ct: 'eb8e6175f1fe38eb1acf95fd51',
    tag: '88a8b74bb74fda553e91020a23deed45',
  },
  {
    name: 'NIST gcmEncryptExtIV256 PTLen 408 #8',
    key: '595f259c55abe00ae07535ca5d9b09d6efb9f7e9abb64605c337acbd6b14fc7e',
    iv: '92f258071d79af3e63672285',
    pt: 'a6fee33eb110a2d769bbc52b0f36969c287874f665681477a25fc4c48015c541fbe2394133ba490a34ee2dd67b898177849a91',
    ct: 'bbca4a9e09ae9690c0f6f8d405e53dccd666aa9c5fa13c8758bc30abe1ddd1bcce0d36a1eaaaaffef20cd3c5970b9673f8a65c',
    tag: '26ccecb9976fd6ac9c2c0f372c52c821',
  },
  {
    name: 'McGrew-Viega GCM Test Case 15',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
    tag: 'b094dac5d93471bdec1a502270e3cc6c',
  },
];

async function decryptAll(body: Uint8Array, content: ContentKey, chunkSize: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await decryptContent('s3://bucket/object', memorySource('s3://bucket/object', body, chunkSize).stream(), content, (c) => {
    parts.push(Buffer.from(c));
  });
  return new Uint8Array(Buffer.concat(parts));
}

async function failure(promise: Promise<unknown>): Promise<CseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CseError);
  return error as CseError;
}

describe('V2 content (AES-256-GCM, no AAD)', () => {
  for (const v of GCM_VECTORS) {
    const content: ContentKey = { suite: AES_256_GCM_IV12_TAG16_NO_KDF, key: hex(v.key), iv: hex(v.iv) };
    const body = hex(v.ct + v.tag);

    it(`encrypts to the known ciphertext followed by the tag (${v.name})`, () => {
      expect(Buffer.from(encryptContent(hex(v.pt), content)).toString('hex')).toBe(v.ct + v.tag);
    });

    it(`decrypts the known answer whatever the chunking (${v.name})`, async () => {
      for (const chunkSize of [1, 5, 15, 16, 17, 32, body.length]) {
        expect(Buffer.from(await decryptAll(body, content, chunkSize)).toString('hex')).toBe(v.pt);
      }
    });
  }

  it('hands the plaintext on in the source\'s chunks: no tag-sized fragments', async () => {
    const content: ContentKey = { suite: AES_256_GCM_IV12_TAG16_NO_KDF, key: hex(GCM_VECTORS[0]!.key), iv: hex(GCM_VECTORS[0]!.iv) };
    const body = encryptContent(new Uint8Array(1000), content);
    const sizes: number[] = [];
    await decryptContent('object', memorySource('object', body, 100).stream(), content, (c) => {
      sizes.push(c.length);
    });
    expect(sizes).toEqual(new Array(10).fill(100)); // 1016 bytes: ten chunks of 100, then the 16-byte tag
  });

  it('fails authentication on a flipped bit at every position of ciphertext and tag', async () => {
    const v = GCM_VECTORS[3]!;
    const content: ContentKey = { suite: AES_256_GCM_IV12_TAG16_NO_KDF, key: hex(v.key), iv: hex(v.iv) };
    const body = hex(v.ct + v.tag);
    for (let i = 0; i < body.length; i++) {
      const altered = body.slice();
      altered[i]! ^= 0x01;
      const error = await failure(decryptAll(altered, content, 7));
      expect(error.failure).toBe('authentication');
    }
  });

  it('tells a truncated object from a short one', async () => {
    const v = GCM_VECTORS[0]!;
    const content: ContentKey = { suite: AES_256_GCM_IV12_TAG16_NO_KDF, key: hex(v.key), iv: hex(v.iv) };
    const body = hex(v.ct + v.tag);
    expect((await failure(decryptAll(body.subarray(0, body.length - 1), content, 4))).failure).toBe('authentication');
    expect((await failure(decryptAll(body.subarray(0, 16), content, 4))).failure).toBe('authentication');
    const short = await failure(decryptAll(body.subarray(0, 15), content, 4));
    expect(short.failure).toBe('truncated');
    expect(short.message).toMatch(/^s3:\/\/bucket\/object: the object is 15 bytes, too short/);
  });

  it('fails under another key', async () => {
    const v = GCM_VECTORS[0]!;
    const content: ContentKey = { suite: AES_256_GCM_IV12_TAG16_NO_KDF, key: hex(GCM_VECTORS[1]!.key), iv: hex(v.iv) };
    expect((await failure(decryptAll(hex(v.ct + v.tag), content, 64))).failure).toBe('authentication');
  });
});

describe('suite 115 content (derived key, IV of 0x01 bytes, suite ID as AAD)', () => {
  const content: ContentKey = { suite: AES_256_GCM_HKDF_SHA512_COMMIT_KEY, key: hex(GCM_VECTORS[0]!.key), iv: COMMITTING_SUITE_IV, aad: COMMITTING_SUITE_AAD };

  it('round-trips, and is exactly AES-256-GCM with AAD 00 73', async () => {
    const plaintext = new TextEncoder().encode('committed content');
    const body = encryptContent(plaintext, content);
    const reference = createCipheriv('aes-256-gcm', content.key, COMMITTING_SUITE_IV).setAAD(Buffer.from([0x00, 0x73]));
    const expected = Buffer.concat([reference.update(plaintext), reference.final(), reference.getAuthTag()]);
    expect(Buffer.from(body).equals(expected)).toBe(true);
    expect(new TextDecoder().decode(await decryptAll(body, content, 3))).toBe('committed content');
  });

  it('fails without the AAD', async () => {
    const body = encryptContent(new Uint8Array(40), content);
    const { aad: _, ...withoutAad } = content;
    expect((await failure(decryptAll(body, withoutAad, 64))).failure).toBe('authentication');
  });
});

describe('legacy CBC content', () => {
  const key = hex(GCM_VECTORS[0]!.key);
  const iv = hex('000102030405060708090a0b0c0d0e0f');
  const content: ContentKey = { suite: AES_256_CBC_IV16_NO_KDF, key, iv };
  const plaintext = new TextEncoder().encode('legacy content, not authenticated');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const body = new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));

  it('decrypts AES-256-CBC with PKCS#5 padding', async () => {
    expect(new TextDecoder().decode(await decryptAll(body, content, 5))).toBe('legacy content, not authenticated');
  });

  it('reports bad padding or a cut block as a padding failure', async () => {
    expect((await failure(decryptAll(body.subarray(0, body.length - 3), content, 8))).failure).toBe('padding');
    const wrongKey: ContentKey = { ...content, key: hex(GCM_VECTORS[1]!.key) };
    // A wrong key usually breaks the padding; CBC cannot promise to notice (that is why it is legacy).
    const outcome = await decryptAll(body, wrongKey, 8).then(
      (p) => Buffer.from(p).toString() !== 'legacy content, not authenticated',
      (e: CseError) => e.failure === 'padding',
    );
    expect(outcome).toBe(true);
  });

  it('is never used to encrypt', () => {
    expect(() => encryptContent(plaintext, content)).toThrow(/does not encrypt/);
  });
});
