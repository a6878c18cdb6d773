/** The local keystore: file handling, key lookup, the local ciphertext blob, KMS-style errors. */
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createKey, LocalKeystore } from '../../local-runner/cse/keystore.js';
import { KmsError, type KmsErrorName } from '../../local-runner/cse/kms.js';
import { canonicalContext } from '../../local-runner/cse/local-ciphertext.js';
import { cleanupFolders, freshFolder, OTHER_ARN, PRODUCTION_ARN, secretForms, testKeystore } from './helpers.js';

afterAll(cleanupFolders);

async function kmsFailure(promise: Promise<unknown>, name: KmsErrorName, secrets: readonly string[] = []): Promise<KmsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KmsError);
  expect((error as KmsError).kmsError).toBe(name);
  for (const secret of secrets) expect((error as KmsError).message).not.toContain(secret);
  return error as KmsError;
}

describe('createKey', () => {
  it('creates the keystore with mode 0600 and keeps it 0600 when keys are added', async () => {
    const file = join(await freshFolder(), 'keys.json');
    const first = await createKey(file, { alias: 'alias/first' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await createKey(file, { arn: PRODUCTION_ARN });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).not.toHaveProperty('material');
    expect(second).toMatchObject({ keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', arn: PRODUCTION_ARN, enabled: true, aliases: [] });
    expect(Date.parse(second.createdAt)).not.toBeNaN();
    const stored = JSON.parse(await readFile(file, 'utf8')) as { version: number; keys: { material: string }[] };
    expect(stored.version).toBe(1);
    expect(stored.keys.map((k) => Buffer.from(k.material, 'base64').length)).toEqual([32, 32]);
  });

  it('refuses bad or duplicate ARNs and aliases', async () => {
    const file = join(await freshFolder(), 'keys.json');
    await createKey(file, { arn: PRODUCTION_ARN, alias: 'alias/taken' });
    await expect(createKey(file, { arn: PRODUCTION_ARN })).rejects.toThrow(/already in the keystore/);
    await expect(createKey(file, { alias: 'alias/taken' })).rejects.toThrow(/already in use/);
    await expect(createKey(file, { alias: 'orders' })).rejects.toThrow(/not an alias name/);
    await expect(createKey(file, { alias: 'alias/aws/s3' })).rejects.toThrow(/reserved/);
    await expect(createKey(file, { arn: 'arn:aws:kms:eu-west-1:123456789012:alias/orders' })).rejects.toThrow(/alias ARN/);
  });
});

describe('LocalKeystore', () => {
  it('finds a key by key id, key ARN, alias and alias ARN', async () => {
    const { keys, main } = await testKeystore();
    for (const id of [main.keyId, PRODUCTION_ARN, 'alias/orders-feed', 'arn:aws:kms:eu-west-1:123456789012:alias/orders-feed']) {
      expect((await keys.describe(id)).keyId).toBe(main.keyId);
    }
    // The alias ARN of another account or region is another alias.
    await kmsFailure(keys.describe('arn:aws:kms:us-east-1:123456789012:alias/orders-feed'), 'NotFoundException');
  });

  it('round-trips a data key bound to its encryption context, in any entry order', async () => {
    const { keys } = await testKeystore();
    const context = { feed: 'orders', '10': 'ten', '9': 'nine', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' };
    const { plaintext, ciphertextBlob } = await keys.generateDataKey(PRODUCTION_ARN, context);
    expect(plaintext.length).toBe(32);
    const reordered = { 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', '9': 'nine', feed: 'orders', '10': 'ten' };
    expect(Buffer.from(await keys.decrypt(ciphertextBlob, reordered)).equals(Buffer.from(plaintext))).toBe(true);
    expect(Buffer.from(await keys.decrypt(ciphertextBlob, context, 'alias/orders-feed')).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('prints the context canonically: keys sorted as strings, integer-like keys included', () => {
    expect(canonicalContext({ b: '2', '10': 'x', a: '1', '9': 'y' })).toBe('{"10":"x","9":"y","a":"1","b":"2"}');
    expect(canonicalContext({})).toBe('{}');
  });

  it('fails with InvalidCiphertextException under another context: changed, extra or missing entry', async () => {
    const { keys, materials } = await testKeystore();
    const context = { feed: 'orders', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' };
    const { ciphertextBlob } = await keys.generateDataKey(PRODUCTION_ARN, context);
    const secrets = secretForms(materials);
    await kmsFailure(keys.decrypt(ciphertextBlob, { ...context, feed: 'refunds' }), 'InvalidCiphertextException', secrets);
    await kmsFailure(keys.decrypt(ciphertextBlob, { ...context, extra: 'x' }), 'InvalidCiphertextException', secrets);
    await kmsFailure(keys.decrypt(ciphertextBlob, { feed: 'orders' }), 'InvalidCiphertextException', secrets);
  });

  it('fails on an altered blob, whichever byte is altered', async () => {
    const { keys, materials } = await testKeystore();
    const { ciphertextBlob } = await keys.generateDataKey(PRODUCTION_ARN, {});
    for (let i = 0; i < ciphertextBlob.length; i++) {
      const altered = ciphertextBlob.slice();
      altered[i]! ^= 0x80;
      const error = await keys.decrypt(altered, {}).then(
        () => undefined,
        (e: unknown) => e as KmsError,
      );
      expect(error, `byte ${i}`).toBeInstanceOf(KmsError);
      // The header names the key: altering it names a key the keystore lacks, or breaks the blob.
      expect(['InvalidCiphertextException', 'NotFoundException']).toContain(error!.kmsError);
      for (const secret of secretForms(materials)) expect(error!.message).not.toContain(secret);
    }
    await kmsFailure(keys.decrypt(ciphertextBlob.subarray(0, 30), {}), 'InvalidCiphertextException');
  });

  it('names a blob made by AWS KMS as such', async () => {
    const { keys } = await testKeystore();
    const awsBlob = new Uint8Array(Buffer.from('AQICAHhVbWV0aGluZyB3cmFwcGVkIGJ5IEFXUyBLTVMgaXRzZWxmLi4u', 'base64'));
    const error = await kmsFailure(keys.decrypt(awsBlob, {}), 'InvalidCiphertextException');
    expect(error.message).toMatch(/wrapped by AWS KMS, not by the local keystore/);
  });

  it('raises NotFoundException for a key it does not hold, with a hint', async () => {
    const { keys } = await testKeystore();
    const stranger = await testKeystore();
    const { ciphertextBlob } = await stranger.keys.generateDataKey(PRODUCTION_ARN, {});
    // Same ARN, different material: the blob names a key id this keystore has, but the key differs.
    await kmsFailure(keys.decrypt(ciphertextBlob, {}), 'InvalidCiphertextException');
    const unknownArn = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-9999-4999-8999-999999999999';
    const notFound = await kmsFailure(keys.generateDataKey(unknownArn, {}), 'NotFoundException');
    expect(notFound.message).toContain(`createKey(file, { arn: "${unknownArn}" })`);
    const otherAccount = await kmsFailure(keys.describe('arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab'), 'NotFoundException');
    expect(otherAccount.message).toMatch(/is there, but with the ARN arn:aws:kms:eu-west-1:123456789012/);

    const file = join(await freshFolder(), 'keys.json');
    await createKey(file, { alias: 'alias/elsewhere' });
    const elsewhere = await LocalKeystore.open(file);
    const foreign = await elsewhere.generateDataKey('alias/elsewhere', {});
    await kmsFailure(keys.decrypt(foreign.ciphertextBlob, {}), 'NotFoundException');
  });

  it('raises IncorrectKeyException when the blob was made by another key than the one named', async () => {
    const { keys } = await testKeystore();
    const { ciphertextBlob } = await keys.generateDataKey(PRODUCTION_ARN, {});
    await kmsFailure(keys.decrypt(ciphertextBlob, {}, OTHER_ARN), 'IncorrectKeyException');
  });

  it('raises DisabledException for a disabled key', async () => {
    const { keys, file } = await testKeystore();
    const { ciphertextBlob } = await keys.generateDataKey(PRODUCTION_ARN, {});
    const stored = JSON.parse(await readFile(file, 'utf8')) as { keys: { enabled: boolean }[] };
    stored.keys[0]!.enabled = false;
    await writeFile(file, JSON.stringify(stored), { mode: 0o600 });
    const disabled = await LocalKeystore.open(file);
    await kmsFailure(disabled.decrypt(ciphertextBlob, {}), 'DisabledException');
    await kmsFailure(disabled.generateDataKey(PRODUCTION_ARN, {}), 'DisabledException');
    expect((await disabled.describe(PRODUCTION_ARN)).enabled).toBe(false);
  });

  it('warns about a keystore group or others may read, and refuses it when strict', async () => {
    const { file } = await testKeystore();
    await chmod(file, 0o644);
    const warnings: string[] = [];
    await LocalKeystore.open(file, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining('mode 0644') as string]);
    expect(warnings[0]).toContain(`chmod 600 ${file}`);
    await expect(LocalKeystore.open(file, { permissions: 'strict' })).rejects.toThrow(/accessible to group or others/);
    await chmod(file, 0o600);
    await expect(LocalKeystore.open(file, { permissions: 'strict' })).resolves.toBeInstanceOf(LocalKeystore);
  });

  it('never shows key material: not in inspect, JSON, list, or parse errors', async () => {
    const { keys, file, materials } = await testKeystore();
    const shown = [inspect(keys, { depth: 10, showHidden: true }), JSON.stringify(keys), JSON.stringify(keys.list())].join('\n');
    for (const secret of secretForms(materials)) expect(shown).not.toContain(secret);

    const text = await readFile(file, 'utf8');
    const broken = text.replace('"version": 1', '"version": 1,,');
    const jsonError = (() => {
      try {
        LocalKeystore.parse(broken, file);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(jsonError).toBe(`${file}: keystore is not valid JSON`);
    await writeFile(file, broken, { mode: 0o600 });
    await expect(createKey(file, {})).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: keystore is not valid JSON$`));
    const shortMaterial = text.replace(materials[0]!, `${materials[0]!.slice(0, 40)}=`);
    expect(() => LocalKeystore.parse(shortMaterial, file)).toThrow(/keys\[0\]\.material: expected 32 bytes in base64$/);
  });

  it('validates the file: version, key ids, ARNs matching their key id, unique names', async () => {
    const material = Buffer.alloc(32, 7).toString('base64');
    const entry = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', material, enabled: true, createdAt: '2026-01-01T00:00:00Z' };
    const parse = (value: unknown) => () => LocalKeystore.parse(JSON.stringify(value), 'ks.json');
    expect(parse({ version: 2, keys: [] })).toThrow(/unsupported keystore version/);
    expect(parse({ version: 1, keys: [{ ...entry, keyId: 'k1' }] })).toThrow(/keys\[0\]\.keyId/);
    expect(parse({ version: 1, keys: [{ ...entry, arn: OTHER_ARN }] })).toThrow(/the ARN's key id is not/);
    expect(parse({ version: 1, keys: [entry, entry] })).toThrow(/appears twice/);
    expect(parse({ version: 1, keys: [{ ...entry, enabled: 'yes' }] })).toThrow(/enabled/);
    expect(parse({ version: 1, keys: [entry] })().list()).toHaveLength(1);
  });
});
