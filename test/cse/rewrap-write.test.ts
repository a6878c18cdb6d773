/**
 * Writing a re-wrapped envelope back (writeRewrappedToS3, writeRewrappedToFiles): only if
 * the envelope is still the one that was re-wrapped, so a concurrent change fails loudly
 * and nothing is written; large objects (above the multipart threshold, lowered here)
 * copied onto themselves in parts. On moto_server, with a concurrent writer simulated by
 * a middleware that writes the object just before the request it would race.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptObject } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../../local-runner/cse/encrypt.js';
import { rewrapEnvelope, writeRewrappedToFiles, writeRewrappedToS3, type S3EnvelopeTarget } from '../../local-runner/cse/rewrap.js';
import { metadataFileText } from '../../local-runner/stores/fixtures.js';
import { peersAvailable, startMoto, type Moto } from '../support/peers.js';
import { cleanupFolders, freshFolder, memorySource, OTHER_ARN, PRODUCTION_ARN, testKeystore, type TestKeystore } from './helpers.js';

const PLAINTEXT = new TextEncoder().encode('{"order_id":1}\n{"order_id":2}\n');
const CONTEXT = { feed: 'orders' };
const BUCKET = 'cse-rewrap';
const MIB = 1 << 20;

afterAll(cleanupFolders);

/** Whether `body` with `metadata` (and `instruction`) decrypts to `plaintext` with only `keyId`'s key. */
async function decryptsWith(ks: TestKeystore, keyId: string, body: Uint8Array, metadata: Record<string, string> | undefined, plaintext: Uint8Array, instruction?: Uint8Array) {
  const opened = await decryptObject(memorySource('object', body), metadata, { keys: ks.keys, keyId, expectedContext: CONTEXT, instructionFile: async () => instruction });
  try {
    return Buffer.from(await opened.bytes()).equals(plaintext);
  } finally {
    await opened.dispose();
  }
}

describe.skipIf(!peersAvailable('moto_server'))('writeRewrappedToS3 (moto)', () => {
  let moto: Moto;
  let ks: TestKeystore;
  /** A client that stands for another process writing the same objects. */
  let other: S3Client;
  const clients: S3Client[] = [];

  beforeAll(async () => {
    moto = await startMoto('us-east-1');
    other = client();
    await other.send(new CreateBucketCommand({ Bucket: BUCKET }));
    ks = await testKeystore();
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await moto?.stop();
  });

  function client(): S3Client {
    const c = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    clients.push(c);
    return c;
  }

  /**
   * A client that records the commands it sends and their HTTP headers, and runs
   * `before(command, nth)` ahead of each (as another process writing at that moment).
   */
  function watchedClient(before?: (command: string, nth: number) => Promise<void>) {
    const c = client();
    const sent: string[] = [];
    const headers = new Map<string, Record<string, string>[]>();
    const name = (commandName: string | undefined) => commandName!.replace(/Command$/, '');
    c.middlewareStack.add(
      (next, context) => async (args) => {
        const command = name(context.commandName);
        sent.push(command);
        await before?.(command, sent.filter((s) => s === command).length);
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    c.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        const command = name(context.commandName);
        headers.set(command, [...(headers.get(command) ?? []), Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]))]);
        return next(args);
      },
      { step: 'build', name: 'recordHeaders' },
    );
    const target = (key: string): S3EnvelopeTarget => ({ client: c, bucket: BUCKET, key, url: `s3://${BUCKET}/${key}` });
    return { target, sent, headers };
  }

  const head = (key: string) => other.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  const bodyOf = async (key: string) => (await other.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
  const put = (key: string, body: Uint8Array, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) =>
    other.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...extra }));

  /** Puts an object encrypted under PRODUCTION_ARN with its envelope in its metadata; returns what a rewrap reads. */
  async function metadataObject(key: string, plaintext = PLAINTEXT) {
    const encrypted = await encryptObject(plaintext, { keys: ks.keys, keyId: PRODUCTION_ARN, context: CONTEXT });
    const metadata: Record<string, string> = { ...encrypted.metadata, 'content-owner': 'payments' };
    await put(key, encrypted.body, { Metadata: metadata, ContentType: 'application/x-ndjson', CacheControl: 'no-cache' });
    const rewrapped = await rewrapEnvelope(key, metadata, async () => undefined, { keys: ks.keys, keyId: OTHER_ARN });
    return { body: encrypted.body, metadata, rewrapped };
  }

  it('replaces the metadata with one CopyObject, conditional on the ETag, keeping the body and content headers', async () => {
    const { body, metadata, rewrapped } = await metadataObject('single/orders.json');
    const { target, sent } = watchedClient();
    expect(await writeRewrappedToS3(target('single/orders.json'), { metadata, instruction: undefined }, rewrapped)).toBe(`the metadata of s3://${BUCKET}/single/orders.json`);
    expect(sent).toEqual(['HeadObject', 'CopyObject']);
    const after = await head('single/orders.json');
    expect(after.Metadata).toEqual(rewrapped.metadata);
    expect(after.Metadata!['x-amz-key-v2']).not.toBe(metadata['x-amz-key-v2']);
    expect(after.ContentType).toBe('application/x-ndjson');
    expect(after.CacheControl).toBe('no-cache');
    const stored = await bodyOf('single/orders.json');
    expect(Buffer.from(stored).equals(body)).toBe(true);
    expect(await decryptsWith(ks, OTHER_ARN, stored, after.Metadata, PLAINTEXT)).toBe(true);
    await expect(decryptsWith(ks, PRODUCTION_ARN, stored, after.Metadata, PLAINTEXT)).rejects.toThrow('cannot unwrap the data key');
  });

  it('above the threshold, copies the object onto itself in parts (UploadPartCopy) and completes it', async () => {
    const plaintext = randomBytes(11 * MIB + 123);
    const { body, metadata, rewrapped } = await metadataObject('multipart/big.bin', plaintext);
    const { target, sent } = watchedClient();
    await writeRewrappedToS3(target('multipart/big.bin'), { metadata, instruction: undefined }, rewrapped, { multipartCopyAbove: 0, copyPartSize: 5 * MIB });
    expect(sent.filter((c) => c !== 'UploadPartCopy')).toEqual(['HeadObject', 'CreateMultipartUpload', 'CompleteMultipartUpload']);
    expect(sent.filter((c) => c === 'UploadPartCopy')).toHaveLength(3); // 5 + 5 + 1 MiB and a bit
    const after = await head('multipart/big.bin');
    expect(after.ETag).toMatch(/-3"$/); // a multipart object now
    expect(after.Metadata).toEqual(rewrapped.metadata);
    expect(after.ContentType).toBe('application/x-ndjson');
    expect(after.CacheControl).toBe('no-cache');
    const stored = await bodyOf('multipart/big.bin');
    expect(Buffer.from(stored).equals(body)).toBe(true);
    expect(await decryptsWith(ks, OTHER_ARN, stored, after.Metadata, plaintext)).toBe(true);
    const uploads = await other.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(uploads.Uploads ?? []).toEqual([]);
  }, 60_000);

  it('refuses, writing nothing, when the metadata is no longer the one re-wrapped', async () => {
    const { metadata, rewrapped } = await metadataObject('stale/orders.json');
    const replaced = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, context: CONTEXT });
    await put('stale/orders.json', replaced.body, { Metadata: replaced.metadata });
    const { target, sent } = watchedClient();
    await expect(writeRewrappedToS3(target('stale/orders.json'), { metadata, instruction: undefined }, rewrapped)).rejects.toThrow(
      `s3://${BUCKET}/stale/orders.json: its metadata changed while its data key was being rewrapped; nothing was written (run rewrap again)`,
    );
    expect(sent).toEqual(['HeadObject']);
    expect((await head('stale/orders.json')).Metadata).toEqual(replaced.metadata);
  });

  // moto 5.2 enforces If-Match on PutObject but neither x-amz-copy-source-if-match nor If-Match on
  // copies, so what S3 itself refuses on a race is checked here as the conditions sent with them.
  it('sends the copy conditional on the ETag checked, as source (x-amz-copy-source-if-match) and as destination (If-Match)', async () => {
    const { metadata, rewrapped } = await metadataObject('conditions/orders.json');
    const etag = (await head('conditions/orders.json')).ETag!;
    const { target, headers } = watchedClient();
    await writeRewrappedToS3(target('conditions/orders.json'), { metadata, instruction: undefined }, rewrapped);
    expect(headers.get('CopyObject')![0]).toMatchObject({ 'x-amz-copy-source-if-match': etag, 'if-match': etag, 'x-amz-metadata-directive': 'REPLACE' });
  });

  it('sends every part of a multipart copy conditional on the ETag checked, and its completion too', async () => {
    const { metadata, rewrapped } = await metadataObject('conditions/big.bin', randomBytes(11 * MIB));
    const etag = (await head('conditions/big.bin')).ETag!;
    const { target, headers } = watchedClient();
    await writeRewrappedToS3(target('conditions/big.bin'), { metadata, instruction: undefined }, rewrapped, { multipartCopyAbove: 0, copyPartSize: 5 * MIB });
    const parts = headers.get('UploadPartCopy')!;
    expect(parts.map((h) => h['x-amz-copy-source-range']).sort()).toEqual([`bytes=0-${5 * MIB - 1}`, `bytes=${10 * MIB}-${11 * MIB + 15}`, `bytes=${5 * MIB}-${10 * MIB - 1}`]);
    for (const part of parts) expect(part['x-amz-copy-source-if-match']).toBe(etag);
    expect(headers.get('CompleteMultipartUpload')![0]!['if-match']).toBe(etag);
  }, 60_000);

  it('aborts the multipart copy when a part fails, leaving no upload behind', async () => {
    const { metadata, rewrapped } = await metadataObject('vanishing/big.bin', randomBytes(11 * MIB));
    const { target, sent } = watchedClient(async (command, nth) => {
      if (command === 'UploadPartCopy' && nth === 2) await other.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'vanishing/big.bin' }));
    });
    await expect(
      writeRewrappedToS3(target('vanishing/big.bin'), { metadata, instruction: undefined }, rewrapped, { multipartCopyAbove: 0, copyPartSize: 5 * MIB }),
    ).rejects.toThrow(/^s3:\/\/cse-rewrap\/vanishing\/big\.bin: UploadPartCopy \(part \d of 3, bytes \d+-\d+\) failed: (NoSuchKey|NotFound)/);
    expect(sent).toContain('AbortMultipartUpload');
    expect(sent).not.toContain('CompleteMultipartUpload');
    expect((await other.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([]);
    await expect(head('vanishing/big.bin')).rejects.toThrow();
  }, 60_000);

  /** An object whose envelope is in `<key>.instruction`, marked as the Java S3EC marks its instruction files. */
  async function instructionObject(key: string) {
    const encrypted = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, context: CONTEXT, instructionFile: true, committing: true });
    await put(key, encrypted.body, { Metadata: encrypted.metadata });
    await put(`${key}.instruction`, encrypted.instruction!, { Metadata: { 'x-amz-crypto-instr-file': '' }, ContentType: 'application/json' });
    const observed = { metadata: encrypted.metadata, instruction: encrypted.instruction };
    const rewrapped = await rewrapEnvelope(key, encrypted.metadata, async () => encrypted.instruction, { keys: ks.keys, keyId: OTHER_ARN });
    return { encrypted, observed, rewrapped };
  }

  it('replaces the instruction object with a PutObject conditional on its ETag, the object itself untouched', async () => {
    const { encrypted, observed, rewrapped } = await instructionObject('instr/orders.json');
    const before = await head('instr/orders.json');
    const { target, sent } = watchedClient();
    expect(await writeRewrappedToS3(target('instr/orders.json'), observed, rewrapped)).toBe(`s3://${BUCKET}/instr/orders.json.instruction`);
    expect(sent).toEqual(['GetObject', 'PutObject']);
    const after = await head('instr/orders.json');
    expect(after.ETag).toBe(before.ETag);
    const instruction = await bodyOf('instr/orders.json.instruction');
    expect(Buffer.from(instruction).equals(rewrapped.instruction!)).toBe(true);
    const instructionHead = await head('instr/orders.json.instruction');
    expect(instructionHead.Metadata).toEqual({ 'x-amz-crypto-instr-file': '' });
    expect(instructionHead.ContentType).toBe('application/json');
    expect(await decryptsWith(ks, OTHER_ARN, encrypted.body, encrypted.metadata, PLAINTEXT, instruction)).toBe(true);
  });

  it('fails on PreconditionFailed when the instruction object changes between the check and the write', async () => {
    const { observed, rewrapped } = await instructionObject('instr-race/orders.json');
    const concurrent = new TextEncoder().encode('{"written":"by someone else"}\n');
    const { target } = watchedClient(async (command) => {
      if (command === 'PutObject') await put('instr-race/orders.json.instruction', concurrent);
    });
    await expect(writeRewrappedToS3(target('instr-race/orders.json'), observed, rewrapped)).rejects.toThrow(
      `s3://${BUCKET}/instr-race/orders.json.instruction: it changed while its data key was being rewrapped (PutObject (conditional on its ETag): PreconditionFailed); nothing was written`,
    );
    expect(Buffer.from(await bodyOf('instr-race/orders.json.instruction')).equals(concurrent)).toBe(true);
  });

  it('refuses, writing nothing, when the instruction object is no longer the one re-wrapped', async () => {
    const { observed, rewrapped } = await instructionObject('instr-stale/orders.json');
    const concurrent = new TextEncoder().encode('{"written":"by someone else"}\n');
    await put('instr-stale/orders.json.instruction', concurrent);
    const { target, sent } = watchedClient();
    await expect(writeRewrappedToS3(target('instr-stale/orders.json'), observed, rewrapped)).rejects.toThrow(
      `s3://${BUCKET}/instr-stale/orders.json.instruction: it changed while the data key was being rewrapped; nothing was written (run rewrap again)`,
    );
    expect(sent).toEqual(['GetObject']);
    expect(Buffer.from(await bodyOf('instr-stale/orders.json.instruction')).equals(concurrent)).toBe(true);
  });
});

describe('writeRewrappedToFiles', () => {
  async function localFixture(instructionFile: boolean) {
    const ks = await testKeystore();
    const dir = await freshFolder();
    const input = join(dir, 'orders.json');
    const encrypted = await encryptObject(PLAINTEXT, { keys: ks.keys, keyId: PRODUCTION_ARN, context: CONTEXT, instructionFile });
    await writeFile(input, encrypted.body);
    await writeFile(`${input}.metadata.json`, metadataFileText(encrypted.metadata));
    if (encrypted.instruction) await writeFile(`${input}.instruction`, encrypted.instruction);
    const observed = { metadata: encrypted.metadata, instruction: encrypted.instruction };
    const rewrapped = await rewrapEnvelope(input, encrypted.metadata, async () => encrypted.instruction, { keys: ks.keys, keyId: OTHER_ARN });
    return { ks, dir, input, encrypted, observed, rewrapped };
  }

  it('renames the new metadata file into place, keeping its mode and leaving no temporary file', async () => {
    const { ks, dir, input, encrypted, observed, rewrapped } = await localFixture(false);
    await chmod(`${input}.metadata.json`, 0o640);
    expect(await writeRewrappedToFiles(input, observed, rewrapped)).toBe(`${input}.metadata.json`);
    expect(await readFile(`${input}.metadata.json`, 'utf8')).toBe(metadataFileText(rewrapped.metadata));
    expect(statSync(`${input}.metadata.json`).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['orders.json', 'orders.json.metadata.json']);
    expect(await decryptsWith(ks, OTHER_ARN, encrypted.body, rewrapped.metadata, PLAINTEXT)).toBe(true);
  });

  it('refuses, leaving the file as it is, when the metadata file changed since it was read', async () => {
    const { dir, input, observed, rewrapped } = await localFixture(false);
    const concurrent = metadataFileText({ ...observed.metadata!, 'x-amz-iv': Buffer.alloc(12, 7).toString('base64') });
    await writeFile(`${input}.metadata.json`, concurrent);
    await expect(writeRewrappedToFiles(input, observed, rewrapped)).rejects.toThrow(
      `${input}.metadata.json: it changed while the data key was being rewrapped; nothing was written (run rewrap again)`,
    );
    expect(await readFile(`${input}.metadata.json`, 'utf8')).toBe(concurrent);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces the instruction file only when it still holds the bytes that were re-wrapped', async () => {
    const { ks, dir, input, encrypted, observed, rewrapped } = await localFixture(true);
    expect(await writeRewrappedToFiles(input, observed, rewrapped)).toBe(`${input}.instruction`);
    const instruction = await readFile(`${input}.instruction`);
    expect(instruction.equals(rewrapped.instruction!)).toBe(true);
    expect(await readFile(`${input}.metadata.json`, 'utf8')).toBe(metadataFileText(encrypted.metadata));
    expect(await decryptsWith(ks, OTHER_ARN, encrypted.body, encrypted.metadata, PLAINTEXT, instruction)).toBe(true);

    // A second rewrap from the envelope read before the first: the file is no longer that one.
    await expect(writeRewrappedToFiles(input, observed, rewrapped)).rejects.toThrow(`${input}.instruction: it changed while the data key was being rewrapped`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
