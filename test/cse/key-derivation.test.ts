/**
 * Suite 115 key derivation against known answers.
 *
 * Vectors: aws/amazon-s3-encryption-client-go, v4/internal/key_derivation_test.go,
 * TestDeriveKeys_KnownAnswerTests ("Basic S3EC.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY #1"
 * and "#2"): data key, message ID, expected derived encryption key and commitment.
 * The derivation itself is specified in aws-encryption-sdk-specification,
 * s3-encryption/key-derivation.md.
 */
import { describe, expect, it } from 'vitest';
import { commitmentMatches, COMMITTING_SUITE_AAD, derivedEncryptionKey, keyCommitment } from '../../local-runner/cse/key-derivation.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const VECTORS = [
  {
    name: 'S3EC Go v4 KAT #1',
    dataKey: '80d90dc4cc7e77d8a6332efa44eba56230a7fe7b89af37d1e501ab2e07c0a163',
    messageId: 'b8ea76bed24c7b85382a148cb9dcd1cfdfb765f55ded4dfa6e0c4c79',
    encryptionKey: '6dd14f546cc006e639126e83f5d4d1b118576bb5df97f38c6fb3a1db87bbc338',
    commitment: 'f89818bc0a346d3a3426b68e9509b6b2ae5fe1f904aa329fb73625db',
  },
  {
    name: 'S3EC Go v4 KAT #2',
    dataKey: '501afb8227d22e75e68010414b8abdaf3064c081e8e922dafef4992036394d60',
    messageId: '61a00b4981a5aacfd136c55cb726e32d2a547dc7600a7d4675c69127',
    encryptionKey: 'e14786a714748d1d2c3a4a6816dec56ddf1881bbeabb4f39420ffb9f63700b2f',
    commitment: '5c1e73e47f6fe3a70d6d094283aceaa76d2975feb829212d88f0afc1',
  },
];

describe('suite 115 key derivation', () => {
  for (const v of VECTORS) {
    it(`derives the known content key and commitment (${v.name})`, () => {
      expect(toHex(derivedEncryptionKey(hex(v.dataKey), hex(v.messageId)))).toBe(v.encryptionKey);
      expect(toHex(keyCommitment(hex(v.dataKey), hex(v.messageId)))).toBe(v.commitment);
      expect(commitmentMatches(hex(v.dataKey), hex(v.messageId), hex(v.commitment))).toBe(true);
    });
  }

  it('rejects a commitment that does not match (zeros, as in the Go client test), or another vector\'s', () => {
    const [a, b] = VECTORS;
    expect(commitmentMatches(hex(a!.dataKey), hex(a!.messageId), new Uint8Array(28))).toBe(false);
    expect(commitmentMatches(hex(a!.dataKey), hex(a!.messageId), hex(b!.commitment))).toBe(false);
    expect(commitmentMatches(hex(a!.dataKey), hex(a!.messageId), hex(a!.commitment).subarray(0, 27))).toBe(false);
  });

  it('checks input lengths: a 32-byte data key, a 28-byte message ID', () => {
    expect(() => keyCommitment(new Uint8Array(16), new Uint8Array(28))).toThrow(/data key must be 32 bytes/);
    expect(() => derivedEncryptionKey(new Uint8Array(32), new Uint8Array(12))).toThrow(/message ID must be 28 bytes/);
  });

  it('authenticates content with the suite ID 0x0073 as AAD', () => {
    expect([...COMMITTING_SUITE_AAD]).toEqual([0x00, 0x73]);
  });
});
