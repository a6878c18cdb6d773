/**
 * Finding and validating the envelope (aws-encryption-sdk-specification,
 * s3-encryption/data-format/content-metadata.md and metadata-strategy.md).
 */
import { describe, expect, it } from 'vitest';
import { readEnvelope, writeEnvelope, type Envelope } from '../../local-runner/cse/envelope.js';
import { CseError, type CseFailure } from '../../local-runner/cse/errors.js';
import { asciiJson, decodeS3MetadataText } from '../../local-runner/cse/metadata-text.js';
import { AES_256_CBC_IV16_NO_KDF, AES_256_GCM_HKDF_SHA512_COMMIT_KEY } from '../../local-runner/cse/suites.js';

const NAME = 'fixtures/acme-payments-feed/orders/part-0.json';
const b64 = (length: number, fill = 0x5a) => Buffer.alloc(length, fill).toString('base64');

const V2 = Object.freeze({
  'x-amz-key-v2': b64(180),
  'x-amz-iv': b64(12),
  'x-amz-cek-alg': 'AES/GCM/NoPadding',
  'x-amz-wrap-alg': 'kms+context',
  'x-amz-matdesc': '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","feed":"orders"}',
  'x-amz-tag-len': '128',
  'x-amz-unencrypted-content-length': '1234',
});

const V3 = Object.freeze({
  'x-amz-c': '115',
  'x-amz-3': b64(180),
  'x-amz-w': '12',
  'x-amz-d': b64(28, 1),
  'x-amz-i': b64(28, 2),
  'x-amz-t': '{"aws:x-amz-cek-alg":"115","feed":"orders"}',
});

const file = (value: unknown) => async () => new TextEncoder().encode(JSON.stringify(value));
const none = async () => undefined;

async function failure(promise: Promise<unknown>, failure: CseFailure, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CseError);
  expect((error as CseError).failure).toBe(failure);
  expect((error as CseError).message.startsWith(`${NAME}: `)).toBe(true);
  expect((error as CseError).message).toMatch(message);
}

describe('readEnvelope: where the envelope is', () => {
  it('reads V2 from the metadata, ignoring unrelated keys and the optional plaintext length', async () => {
    const envelope = await readEnvelope(NAME, { ...V2, 'content-owner': 'payments' });
    expect(envelope).toMatchObject({ format: 'V2', wrap: 'kms+context', location: 'metadata', context: { feed: 'orders' } });
    expect(envelope.suite.name).toBe('ALG_AES_256_GCM_IV12_TAG16_NO_KDF');
    expect(envelope.iv.length).toBe(12);
  });

  it('reads V3 from the metadata, with the fixed IV of the committing suite', async () => {
    const envelope = await readEnvelope(NAME, V3);
    expect(envelope).toMatchObject({ format: 'V3', wrap: 'kms+context', location: 'metadata', context: { 'aws:x-amz-cek-alg': '115' } });
    expect(envelope.suite).toBe(AES_256_GCM_HKDF_SHA512_COMMIT_KEY);
    expect([...envelope.iv]).toEqual(new Array(12).fill(1));
    expect(envelope.messageId!.length).toBe(28);
    expect(envelope.keyCommitment!.length).toBe(28);
  });

  it('takes metadata keys in any case, as some S3 clients return them', async () => {
    const upper = Object.fromEntries(Object.entries(V2).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await readEnvelope(NAME, upper)).format).toBe('V2');
  });

  it('reads a V1/V2 envelope from the instruction file only when the metadata holds none', async () => {
    let asked = 0;
    const counting = async () => {
      asked++;
      return new TextEncoder().encode(JSON.stringify({ ...V2, 'x-amz-tag-len': 128 })); // numbers are accepted
    };
    expect((await readEnvelope(NAME, V2, counting)).location).toBe('metadata');
    expect(asked).toBe(0);
    const fromFile = await readEnvelope(NAME, { 'content-owner': 'payments' }, counting);
    expect(fromFile).toMatchObject({ format: 'V2', location: 'instruction file' });
    expect(asked).toBe(1);
    expect((await readEnvelope(NAME, undefined, counting)).location).toBe('instruction file');
  });

  it('reads the V3 split: x-amz-c, -d, -i in the metadata, the rest in the instruction file', async () => {
    const { 'x-amz-c': c, 'x-amz-d': d, 'x-amz-i': i, ...rest } = V3;
    const envelope = await readEnvelope(NAME, { 'x-amz-c': c, 'x-amz-d': d, 'x-amz-i': i }, file(rest));
    expect(envelope).toMatchObject({ format: 'V3', location: 'instruction file' });
    expect(Buffer.from(envelope.keyCommitment!).toString('base64')).toBe(d);
  });

  it('refuses a V3 instruction file that carries metadata-only keys', async () => {
    const { 'x-amz-c': c, 'x-amz-d': d, 'x-amz-i': i } = V3;
    await failure(readEnvelope(NAME, { 'x-amz-c': c, 'x-amz-d': d, 'x-amz-i': i }, file(V3)), 'malformed-envelope', /instruction file holds x-amz-c, x-amz-d, x-amz-i, which the V3 format keeps in the object metadata only/);
    const { 'x-amz-c': _c, 'x-amz-d': _d, 'x-amz-i': _i, ...rest } = V3;
    await failure(readEnvelope(NAME, {}, file(rest)), 'malformed-envelope', /V3 format, but the metadata lacks x-amz-c, x-amz-d, x-amz-i/);
  });

  it('says an object without envelope or instruction file is not encrypted', async () => {
    await failure(readEnvelope(NAME, undefined, none), 'no-envelope', /not client-side encrypted/);
    await failure(readEnvelope(NAME, {}), 'no-envelope', /not client-side encrypted/);
    await failure(readEnvelope(NAME, { 'x-amz-meta-x-amz-key-v2': V2['x-amz-key-v2'] }, none), 'no-envelope', /without the x-amz-meta- prefix: x-amz-meta-x-amz-key-v2 should be x-amz-key-v2/);
  });

  it('names what an incomplete envelope lacks', async () => {
    const { 'x-amz-iv': _, ...noIv } = V2;
    await failure(readEnvelope(NAME, noIv, none), 'malformed-envelope', /holds x-amz-key-v2, .* but not x-amz-iv, and there is no instruction file/);
  });

  it('refuses instruction files that are not JSON objects of strings and numbers', async () => {
    await failure(readEnvelope(NAME, {}, async () => new TextEncoder().encode('{not json')), 'malformed-envelope', /instruction file is not valid JSON/);
    await failure(readEnvelope(NAME, {}, file(['x'])), 'malformed-envelope', /not a JSON object/);
    await failure(readEnvelope(NAME, {}, file({ ...V2, 'x-amz-iv': { b: 1 } })), 'malformed-envelope', /x-amz-iv is not a string or number/);
  });
});

describe('readEnvelope: validation', () => {
  const cases: [string, Record<string, string>, CseFailure, RegExp][] = [
    ['malformed base64 in the wrapped key', { ...V2, 'x-amz-key-v2': 'not*base64' }, 'malformed-envelope', /x-amz-key-v2 is not valid base64 \(in the metadata\)/],
    ['base64 without padding', { ...V2, 'x-amz-iv': b64(12).replace(/=+$/, '') + 'A' }, 'malformed-envelope', /x-amz-iv is not valid base64/],
    ['an empty wrapped key', { ...V2, 'x-amz-key-v2': '' }, 'malformed-envelope', /x-amz-key-v2 is empty/],
    ['a 16-byte IV for GCM', { ...V2, 'x-amz-iv': b64(16) }, 'malformed-envelope', /x-amz-iv holds 16 bytes; AES\/GCM\/NoPadding needs 12/],
    ['malformed JSON in the matdesc', { ...V2, 'x-amz-matdesc': '{"feed":' }, 'malformed-envelope', /x-amz-matdesc is not valid JSON/],
    ['a matdesc that is not an object', { ...V2, 'x-amz-matdesc': '["feed"]' }, 'malformed-envelope', /x-amz-matdesc is not a JSON object/],
    ['a matdesc with a non-string value', { ...V2, 'x-amz-matdesc': '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","n":1}' }, 'malformed-envelope', /the value of "n" is not a string/],
    ['a wrong tag length', { ...V2, 'x-amz-tag-len': '96' }, 'malformed-envelope', /x-amz-tag-len is "96"; AES\/GCM\/NoPadding uses 128/],
    ['a missing content algorithm', (({ 'x-amz-cek-alg': _, ...rest }) => rest)(V2), 'malformed-envelope', /x-amz-cek-alg is missing/],
    ['a missing wrap algorithm', (({ 'x-amz-wrap-alg': _, ...rest }) => rest)(V2), 'malformed-envelope', /x-amz-wrap-alg is missing/],
    ['both V1 and V2 keys', { ...V2, 'x-amz-key': b64(32) }, 'malformed-envelope', /both x-amz-key \(V1\) and x-amz-key-v2 \(V2\)/],
    ['V2 mixed with V3 keys', { ...V2, 'x-amz-d': b64(28) }, 'malformed-envelope', /V1\/V2 envelope mixed with V3 keys \(x-amz-d\)/],
    ['V3 mixed with V2 keys', { ...V3, 'x-amz-iv': b64(12) }, 'malformed-envelope', /V3 envelope mixed with V1\/V2 keys \(x-amz-iv\)/],
    ['a short message ID', { ...V3, 'x-amz-i': b64(12) }, 'malformed-envelope', /x-amz-i holds 12 bytes; the message ID needs 28/],
    ['a short key commitment', { ...V3, 'x-amz-d': b64(32) }, 'malformed-envelope', /x-amz-d holds 32 bytes; the key commitment needs 28/],
    ['malformed JSON in x-amz-t', { ...V3, 'x-amz-t': 'feed=orders' }, 'malformed-envelope', /x-amz-t is not valid JSON/],
    ['an unknown content algorithm', { ...V2, 'x-amz-cek-alg': 'AES/CTR/NoPadding', 'x-amz-matdesc': '{"aws:x-amz-cek-alg":"AES/CTR/NoPadding"}' }, 'unsupported-algorithm', /unknown content algorithm "AES\/CTR\/NoPadding" in x-amz-cek-alg/],
    ['an unknown V3 suite', { ...V3, 'x-amz-c': '116' }, 'unsupported-algorithm', /unknown content algorithm "116" in x-amz-c/],
    ['an unknown wrap algorithm', { ...V2, 'x-amz-wrap-alg': 'kms+magic' }, 'unsupported-algorithm', /unknown key-wrapping algorithm "kms\+magic"/],
    ['an unknown V3 wrap code', { ...V3, 'x-amz-w': '99' }, 'unsupported-algorithm', /unknown key-wrapping algorithm "99" in x-amz-w/],
    ['an AES master-key wrap', { ...V2, 'x-amz-wrap-alg': 'AES/GCM' }, 'unsupported-algorithm', /wrapped with AES\/GCM, a client-side master key, not KMS/],
    ['an RSA master-key wrap (V3)', { ...V3, 'x-amz-w': '22' }, 'unsupported-algorithm', /wrapped with RSA-OAEP-SHA1 \(x-amz-w=22\), a client-side master key/],
    ['a V1 object without wrap algorithm', { 'x-amz-key': b64(48), 'x-amz-iv': b64(16), 'x-amz-matdesc': '{}' }, 'unsupported-algorithm', /V1 object without x-amz-wrap-alg: .* not KMS/],
    ['a matdesc whose aws:x-amz-cek-alg disagrees', { ...V2, 'x-amz-matdesc': '{"aws:x-amz-cek-alg":"AES/CBC/PKCS5Padding"}' }, 'algorithm-mismatch', /x-amz-matdesc says aws:x-amz-cek-alg is "AES\/CBC\/PKCS5Padding", but the content algorithm is "AES\/GCM\/NoPadding"/],
    ['a matdesc without aws:x-amz-cek-alg', { ...V2, 'x-amz-matdesc': '{"feed":"orders"}' }, 'algorithm-mismatch', /x-amz-matdesc lacks aws:x-amz-cek-alg/],
    ['an x-amz-t whose aws:x-amz-cek-alg disagrees', { ...V3, 'x-amz-t': '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding"}' }, 'algorithm-mismatch', /x-amz-t says aws:x-amz-cek-alg is "AES\/GCM\/NoPadding", but the content algorithm is "115"/],
  ];
  for (const [what, metadata, code, message] of cases) {
    it(`refuses ${what}`, async () => {
      await failure(readEnvelope(NAME, metadata, none), code, message);
    });
  }

  it('says where a bad value was: the metadata or the instruction file', async () => {
    await failure(readEnvelope(NAME, {}, file({ ...V2, 'x-amz-iv': b64(8) })), 'malformed-envelope', /x-amz-iv holds 8 bytes; AES\/GCM\/NoPadding needs 12 \(in the instruction file\)/);
  });

  it('reads legacy envelopes (refusing them is decryptObject\'s job)', async () => {
    const cbc = await readEnvelope(NAME, { ...V2, 'x-amz-cek-alg': 'AES/CBC/PKCS5Padding', 'x-amz-iv': b64(16), 'x-amz-wrap-alg': 'kms', 'x-amz-matdesc': '{"kms_cmk_id":"alias/x"}' });
    expect(cbc).toMatchObject({ format: 'V2', wrap: 'kms', suite: AES_256_CBC_IV16_NO_KDF });
    const v1 = await readEnvelope(NAME, { 'x-amz-key': b64(184), 'x-amz-iv': b64(16), 'x-amz-wrap-alg': 'kms', 'x-amz-matdesc': '{"kms_cmk_id":"alias/x"}' });
    expect(v1).toMatchObject({ format: 'V1', wrap: 'kms', suite: AES_256_CBC_IV16_NO_KDF });
  });
});

describe('non-ASCII encryption contexts', () => {
  /** What S3 returns for a value holding non-ASCII text: UTF-8 read as ISO-8859-1, re-encoded, as an RFC 2047 word. */
  const s3Encoded = (text: string) => `=?UTF-8?B?${Buffer.from(Buffer.from(text, 'utf8').toString('latin1'), 'utf8').toString('base64')}?=`;

  it('undoes S3\'s double encoding of metadata values', () => {
    expect(decodeS3MetadataText(s3Encoded('{"team":"café Zürich"}'))).toBe('{"team":"café Zürich"}');
    expect(decodeS3MetadataText('=?UTF-8?Q?caf=C3=A9_bar?=')).toBe('café bar');
    expect(decodeS3MetadataText('=?UTF-8?B?' + Buffer.from('ab').toString('base64') + '?= =?UTF-8?B?' + Buffer.from('cd').toString('base64') + '?=')).toBe('abcd');
    expect(decodeS3MetadataText('{"feed":"orders"}')).toBe('{"feed":"orders"}');
    expect(decodeS3MetadataText('=?UTF-8?B?' + Buffer.from('é', 'utf8').toString('base64') + '?=')).toBe('é'); // genuine Latin-1 text stays
  });

  it('reads a matdesc S3 encoded', async () => {
    const matdesc = '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","team":"café"}';
    expect((await readEnvelope(NAME, { ...V2, 'x-amz-matdesc': s3Encoded(matdesc) })).context).toEqual({ 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', team: 'café' });
  });

  it('writes contexts as US-ASCII JSON', () => {
    const text = asciiJson({ team: 'café', emoji: '🦆' });
    expect(text).toBe('{"team":"caf\\u00e9","emoji":"\\ud83e\\udd86"}');
    expect(JSON.parse(text)).toEqual({ team: 'café', emoji: '🦆' });
  });
});

describe('writeEnvelope', () => {
  it('never writes a legacy format', async () => {
    const legacy = await readEnvelope(NAME, { ...V2, 'x-amz-wrap-alg': 'kms' });
    expect(() => writeEnvelope(legacy, { instructionFile: false })).toThrow(/legacy formats are read, never written/);
  });

  it('writes what it reads', async () => {
    for (const metadata of [V2, V3] as Record<string, string>[]) {
      const envelope: Envelope = await readEnvelope(NAME, metadata);
      const { 'x-amz-unencrypted-content-length': _, ...withoutLength } = metadata;
      expect(writeEnvelope(envelope, { instructionFile: false }).metadata).toEqual(withoutLength);
    }
  });
});
