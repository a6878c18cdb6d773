/**
 * `gluekit fixtures encrypt <in> <out> (--keystore FILE | --kms) --key-id K [--context k=v ...]
 * [--instruction-file] [--committing]`: writes a client-side encrypted copy of a file, as
 * the Amazon S3 Encryption Client would store it: the body, and its envelope in
 * `<out>.metadata.json` (the object's metadata) or in `<out>.instruction`.
 *
 * `gluekit fixtures decrypt <in> --out FILE --keystore FILE [--key-id K] [--context k=v ...]
 * [--allow-legacy-cse]`: the plaintext of an encrypted fixture (or of a CSE sink's output).
 * `gluekit fixtures inspect <in> [--json]`: its envelope, with nothing secret.
 * `gluekit fixtures rewrap <in> --key-id K2 --keystore FILE`: its data key wrapped under
 * another key, the body untouched (key rotation).
 * `<in>` and `<out>` are local paths or s3:// URLs. In S3 the envelope is the object's
 * user metadata (PutObject's Metadata) or the `<key>.instruction` object beside it; the
 * client comes from the SDK's standard configuration (AWS_REGION, AWS_PROFILE,
 * AWS_ENDPOINT_URL_S3, ...). Rewrap changes only the envelope, and only if it is still the
 * one re-wrapped: the metadata through a copy of the object onto itself (MetadataDirective
 * REPLACE, conditional on its ETag; in parts above 5 GB), or the instruction object (a
 * PutObject conditional on its ETag); see local-runner/cse/rewrap.ts.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectSource } from '../local-runner/formats/format.js';
import { decryptObject } from '../local-runner/cse/decrypting-source.js';
import { encryptStream } from '../local-runner/cse/encrypt.js';
import { legacyReasons, PLAINTEXT_LENGTH, readEnvelope, type Envelope } from '../local-runner/cse/envelope.js';
import { LocalKeystore } from '../local-runner/cse/keystore.js';
import type { KeyProvider } from '../local-runner/cse/kms.js';
import { blobOrigin } from '../local-runner/cse/local-ciphertext.js';
import { rewrapEnvelope, writeRewrappedToFiles, writeRewrappedToS3 } from '../local-runner/cse/rewrap.js';
import { fileSource, readMetadataFile } from '../local-runner/stores/fixtures.js';
import { S3Store, s3ClientFromEnvironment } from '../local-runner/stores/s3.js';
import { checkUserMetadata, type UserMetadata } from '../local-runner/stores/store.js';
import { awsKmsKeys, checkKeySource } from './kms.js';
import { UsageError, type ParsedArgs } from './main.js';

export async function fixturesCommand(sub: string | undefined, args: ParsedArgs): Promise<number> {
  for (const path of [...args.files, args.values.out]) if (typeof path === 'string') where(path); // s3:// URLs must name an object
  try {
    if (sub === 'decrypt') return await decryptFixture(args);
    if (sub === 'inspect') return await inspectFixture(args);
    if (sub === 'rewrap') return await rewrapFixture(args);
    if (sub !== 'encrypt') throw new UsageError(`unknown fixtures command "${sub ?? ''}" (expected encrypt, decrypt, inspect or rewrap)`);
    return await encryptFixture(args);
  } finally {
    await closeS3();
  }
}

/** A local path, or an object named by an s3:// URL. */
type Where = { readonly kind: 'file'; readonly path: string } | { readonly kind: 's3'; readonly bucket: string; readonly key: string; readonly url: string };

function where(text: string): Where {
  if (!/^s3:\/\//i.test(text)) return { kind: 'file', path: text };
  const match = /^s3:\/\/([^/]+)\/(.+)$/i.exec(text);
  if (!match || match[2]!.endsWith('/')) throw new UsageError(`${text}: an S3 URL here names one object, s3://<bucket>/<key>`);
  return { kind: 's3', bucket: match[1]!, key: match[2]!, url: `s3://${match[1]!}/${match[2]!}` };
}

/** One client and store per command, from the SDK's standard configuration; made only when an s3:// URL is used. */
let s3: { client: S3Client; store: S3Store } | undefined;
function s3Store(): { client: S3Client; store: S3Store } {
  if (!s3) {
    const client = s3ClientFromEnvironment();
    s3 = { client, store: new S3Store(client) };
  }
  return s3;
}
async function closeS3(): Promise<void> {
  const open = s3;
  s3 = undefined;
  if (!open) return;
  await open.store.close();
  open.client.destroy();
}

/** Runs one S3 request; a failure names the object and the request, not a stack trace. */
async function s3Request<T>(target: string, action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (e) {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const words = err.message && err.message !== err.name && err.message !== 'UnknownError' ? `: ${err.message}` : '';
    const status = err.$metadata?.httpStatusCode;
    throw new Error(`${target}: ${action} failed: ${err.name ?? 'Error'}${words}${status ? ` (HTTP ${status})` : ''}`, { cause: e });
  }
}

/** `fixtures encrypt <in> <out>`: each side a local file or an S3 object. */
async function encryptFixture(args: ParsedArgs): Promise<number> {
  const [input, output] = args.files;
  if (!input || !output || args.files.length !== 2) throw new UsageError('fixtures encrypt takes <in> <out>');
  const { keystore, 'key-id': keyId } = args.values;
  checkKeySource(args);
  if (typeof keystore !== 'string' && args.values.kms !== true) throw new UsageError('fixtures encrypt needs --keystore <file> or --kms (AWS KMS)');
  if (typeof keyId !== 'string') throw new UsageError('fixtures encrypt needs --key-id <key id, ARN or alias>');
  const context = contextEntries(args);
  const from = where(input);
  const to = where(output);
  // The plaintext is streamed: read part by part as the ciphertext is written, never held whole.
  let plaintext: { size: number; chunks: () => AsyncIterable<Uint8Array> };
  if (from.kind === 's3') {
    const object = await readS3Fixture(from, false);
    plaintext = { size: object.size, chunks: () => object.source.stream() };
  } else {
    const info = await stat(input).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${input}: cannot read (${e.code ?? e.message})`);
    });
    if (!info.isFile()) throw new Error(`${input}: not a file`);
    plaintext = { size: info.size, chunks: () => createReadStream(input, { highWaterMark: 1 << 20 }) };
  }
  const keys = typeof keystore === 'string' ? await LocalKeystore.open(keystore) : await awsKmsKeys();
  const encrypted = await encryptStream(plaintext.chunks(), {
    keys,
    keyId,
    context,
    instructionFile: args.values['instruction-file'] === true,
    committing: args.values.committing === true,
    plaintextLength: plaintext.size,
  }).finally(() => 'close' in keys && keys.close());
  if (to.kind === 's3') {
    const { client } = s3Store();
    const written: string[] = [];
    checkUserMetadata(to.url, encrypted.metadata);
    // The instruction object first: the object never exists without its envelope.
    if (encrypted.instruction) {
      const instruction = encrypted.instruction;
      await s3Request(`${to.url}.instruction`, 'PutObject', () => client.send(new PutObjectCommand({ Bucket: to.bucket, Key: `${to.key}.instruction`, Body: instruction })));
      written.push(`${to.url}.instruction`);
    }
    // lib-storage: one PutObject for a small object, else a multipart upload of 5 MiB parts
    // (multiples of 16 bytes, the GCM tag at the end of the last); the metadata goes with it.
    const upload = new Upload({ client, params: { Bucket: to.bucket, Key: to.key, Body: Readable.from(encrypted.body), Metadata: { ...encrypted.metadata } }, queueSize: 2 });
    await s3Request(to.url, 'upload', () => upload.done()).catch((e: Error) => {
      throw encrypted.instruction ? new Error(`${e.message} (${to.url}.instruction was written already)`, { cause: e }) : e;
    });
    written.unshift(`${to.url}${encrypted.instruction ? '' : ' (envelope in its metadata)'}`);
    console.log(`encrypted ${input} -> ${written.join(', ')}`);
    return 0;
  }
  const files: [string, Uint8Array | string | AsyncIterable<Uint8Array>][] = [[output, encrypted.body]];
  if (encrypted.instruction) files.push([`${output}.instruction`, encrypted.instruction]);
  if (Object.keys(encrypted.metadata).length > 0) files.push([`${output}.metadata.json`, `${JSON.stringify(encrypted.metadata, null, 2)}\n`]);
  await writeAll(files);
  console.log(`encrypted ${input} -> ${files.map(([f]) => f).join(', ')}`);
  return 0;
}

/** Writes every file aside first, then renames them into place: all or nothing. */
async function writeAll(files: [string, Uint8Array | string | AsyncIterable<Uint8Array>][]): Promise<void> {
  const suffix = `.${randomBytes(6).toString('hex')}.tmp`;
  try {
    for (const [file, content] of files) {
      if (typeof content === 'string' || content instanceof Uint8Array) await writeFile(file + suffix, content);
      else await pipeline(Readable.from(content), createWriteStream(file + suffix));
    }
    for (const [file] of files) await rename(file + suffix, file);
  } catch (e) {
    for (const [file] of files) await rm(file + suffix, { force: true });
    throw e;
  }
}

/** `fixtures decrypt <in> --out FILE`: the plaintext, written aside and renamed into place. */
async function decryptFixture(args: ParsedArgs): Promise<number> {
  const input = oneInput('decrypt', args, ' --out <file>');
  const out = args.values.out;
  if (typeof out !== 'string') throw new UsageError('fixtures decrypt needs --out <file>');
  const from = where(input);
  const to = where(out);
  const same = from.kind === 'file' && to.kind === 'file' ? resolve(from.path) === resolve(to.path) : from.kind === 's3' && to.kind === 's3' && from.url === to.url;
  if (same) throw new UsageError('fixtures decrypt: --out must be another file than the encrypted one');
  const keys = await keysFor('decrypt', args);
  const fixture = await readFixture(input);
  const keyId = args.values['key-id'];
  const plaintext = await decryptObject(fixture.source, fixture.metadata, {
    keys,
    expectedContext: contextEntries(args),
    ...(typeof keyId === 'string' && { keyId }),
    allowLegacy: args.values['allow-legacy-cse'] === true,
    instructionFile: async () => fixture.instruction,
  });
  try {
    if (to.kind === 's3') {
      const { client } = s3Store();
      // lib-storage: one PutObject for a small plaintext, a multipart upload for a large one.
      const upload = new Upload({ client, params: { Bucket: to.bucket, Key: to.key, Body: Readable.from(plaintext.stream()) }, queueSize: 2 });
      await s3Request(to.url, 'upload', () => upload.done());
    } else {
      // Mode 0600: until now the key protected this data; who else may read it is the user's call.
      await replaceFile(out, plaintext.stream(), 0o600);
    }
  } finally {
    await plaintext.dispose();
  }
  const { format, algorithm, location } = plaintext.envelope;
  console.log(`decrypted ${input} -> ${out} (${format}, ${algorithm}, envelope in the ${location})`);
  return 0;
}

/** What `fixtures inspect` shows: the envelope's public parts, never a key or the wrapped key itself. */
interface EnvelopeReport {
  readonly object: string;
  readonly format: Envelope['format'];
  readonly contentAlgorithm: string;
  readonly algorithmSuite: string;
  readonly keyWrap: Envelope['wrap'];
  readonly location: Envelope['location'];
  /** The files the envelope was read from. */
  readonly envelopeFiles: readonly string[];
  readonly encryptionContext: Readonly<Record<string, string>>;
  /** The key that wrapped the data key, when the blob names it (local keystore blobs do; AWS KMS blobs are opaque). */
  readonly wrappingKey: ReturnType<typeof blobOrigin>;
  readonly keyCommitment: boolean;
  readonly contentLength: number;
  /** Known exactly for GCM (the tag adds 16 bytes); for CBC only when the metadata records it. */
  readonly plaintextLength: number | null;
  readonly legacy: readonly string[];
}

/** `fixtures inspect <in> [--json]`: needs no keys, as the envelope is not secret. */
async function inspectFixture(args: ParsedArgs): Promise<number> {
  const input = oneInput('inspect', args, '');
  const fixture = await readFixture(input);
  const envelope = await readEnvelope(fixture.name, fixture.metadata, async () => fixture.instruction);
  const metadataFile = fixture.metadataPlace;
  const instructionFile = fixture.instructionPlace;
  const recordedLength = Object.entries(fixture.metadata ?? {}).find(([k]) => k.toLowerCase() === PLAINTEXT_LENGTH)?.[1];
  const tag = envelope.suite.tagLength;
  const report: EnvelopeReport = {
    object: fixture.name,
    format: envelope.format,
    contentAlgorithm: envelope.suite.metadataName,
    algorithmSuite: envelope.suite.name,
    keyWrap: envelope.wrap,
    location: envelope.location,
    envelopeFiles: envelope.location === 'metadata' ? [metadataFile] : envelope.format === 'V3' ? [instructionFile, metadataFile] : [instructionFile],
    encryptionContext: envelope.context,
    wrappingKey: blobOrigin(envelope.encryptedDataKey),
    keyCommitment: envelope.keyCommitment !== undefined,
    contentLength: fixture.size,
    plaintextLength:
      envelope.suite.cipher === 'aes-256-gcm' ? (fixture.size >= tag ? fixture.size - tag : null) : recordedLength !== undefined && /^\d+$/.test(recordedLength) ? Number(recordedLength) : null,
    legacy: legacyReasons(envelope),
  };
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  const key = report.wrappingKey;
  const rows: [string, string][] = [
    ['format', `S3 Encryption Client ${report.format}`],
    ['content algorithm', `${report.contentAlgorithm} (${report.algorithmSuite})`],
    ['key wrap', report.keyWrap],
    ['envelope in', report.location === 'metadata' ? metadataFile : report.format === 'V3' ? `${instructionFile} (x-amz-c, x-amz-d, x-amz-i in ${metadataFile})` : instructionFile],
    ['encryption context', JSON.stringify(report.encryptionContext)],
    ['wrapping key', key.by === 'local keystore' ? `${printable(key.keyId)} (local keystore)` : key.by === 'AWS KMS' ? 'an AWS KMS key (its blob does not name the key to clients)' : 'unknown (not a local keystore or AWS KMS blob)'],
    ['key commitment', report.keyCommitment ? 'yes (x-amz-d)' : 'no'],
    ['content length', `${report.contentLength} bytes${report.plaintextLength !== null ? ` (${report.plaintextLength} bytes of plaintext)` : ''}`],
  ];
  if (report.legacy.length > 0) rows.push(['legacy', report.legacy.join('; ')]);
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`${fixture.name}: client-side encrypted`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
  return 0;
}

/** `fixtures rewrap <in> --key-id K2`: rewrites only the file that holds the wrapped data key. */
async function rewrapFixture(args: ParsedArgs): Promise<number> {
  const input = oneInput('rewrap', args, ' --key-id <key> --keystore <file>');
  const keyId = args.values['key-id'];
  if (typeof keyId !== 'string') throw new UsageError('fixtures rewrap needs --key-id <the new key: id, ARN or alias>');
  const keys = await keysFor('rewrap', args);
  const fixture = await readFixture(input);
  const rewrapped = await rewrapEnvelope(fixture.name, fixture.metadata, async () => fixture.instruction, { keys, keyId });
  const at = where(input);
  // Written back only if the envelope is still the one read: a concurrent change fails instead of being overwritten.
  const observed = { metadata: fixture.metadata, instruction: fixture.instruction };
  if (at.kind === 's3') {
    const rewrote = await writeRewrappedToS3({ client: s3Store().client, bucket: at.bucket, key: at.key, url: at.url }, observed, rewrapped);
    console.log(`rewrapped ${at.url}: its data key is now wrapped by ${keyId} (rewrote ${rewrote}; the body is unchanged)`);
    return 0;
  }
  const file = await writeRewrappedToFiles(input, observed, rewrapped);
  console.log(`rewrapped ${input}: its data key is now wrapped by ${keyId} (rewrote ${file}; the object itself is unchanged)`);
  return 0;
}

function oneInput(command: string, args: ParsedArgs, rest: string): string {
  const [input] = args.files;
  if (!input || args.files.length !== 1) throw new UsageError(`fixtures ${command} takes one <in> file${rest}`);
  return input;
}

/** The keys decrypt and rewrap use: the local keystore for now (where --kms would plug in). */
async function keysFor(command: string, args: ParsedArgs): Promise<KeyProvider> {
  if (args.values.kms === true) throw new UsageError(`fixtures ${command} takes its keys from --keystore <file>; --kms is not supported by it yet`);
  const { keystore } = args.values;
  if (typeof keystore !== 'string') throw new UsageError(`fixtures ${command} needs --keystore <file>`);
  return LocalKeystore.open(keystore);
}

function contextEntries(args: ParsedArgs): Record<string, string> {
  const context: Record<string, string> = {};
  for (const pair of (args.values.context as unknown as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--context takes key=value, got "${pair}"`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

/** An encrypted object, its envelope, and where the envelope lives (for messages). */
interface Fixture {
  readonly name: string;
  readonly size: number;
  readonly source: ObjectSource;
  readonly metadata: UserMetadata | undefined;
  readonly instruction: Uint8Array | undefined;
  /** Where its metadata and instruction file are: `<in>.metadata.json` and `<in>.instruction` locally. */
  readonly metadataPlace: string;
  readonly instructionPlace: string;
}

async function readFixture(input: string): Promise<Fixture> {
  const at = where(input);
  return at.kind === 's3' ? readS3Fixture(at, true) : readLocalFixture(input);
}

/** An S3 object, read through S3Store: its size from the listing, its metadata (HeadObject) and `<key>.instruction`. */
async function readS3Fixture(at: Where & { kind: 's3' }, envelope: boolean): Promise<Fixture> {
  const { store } = s3Store();
  const [info] = await store.list(at.bucket, at.key);
  if (info?.key !== at.key) throw new Error(`${at.url}: no such object`);
  const metadata = envelope ? await store.metadata(at.bucket, at.key) : undefined;
  const instruction = envelope ? await store.sidecar(at.bucket, `${at.key}.instruction`) : undefined;
  return {
    name: at.url,
    size: info.size,
    source: store.open(at.bucket, info),
    metadata,
    instruction,
    metadataPlace: `the metadata of ${at.url}`,
    instructionPlace: `${at.url}.instruction`,
  };
}

/** A local fixture and the envelope files beside it: `<in>.metadata.json` and `<in>.instruction`. */
async function readLocalFixture(input: string): Promise<Fixture> {
  const info = await stat(input).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${input}: cannot read (${e.code ?? e.message})`);
  });
  if (!info.isFile()) throw new Error(`${input}: not a file`);
  const metadata = await readMetadataFile(`${input}.metadata.json`, `${input}.metadata.json`);
  const instruction = await readFile(`${input}.instruction`).then(
    (bytes) => new Uint8Array(bytes),
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    },
  );
  return {
    name: input,
    size: info.size,
    source: fileSource(input, input, info.size),
    metadata,
    instruction,
    metadataPlace: `${input}.metadata.json`,
    instructionPlace: `${input}.instruction`,
  };
}

/**
 * Writes `path` aside and renames it into place, so it is always either the old file or
 * the whole new one; `mode` holds from the moment the file exists.
 */
async function replaceFile(path: string, content: string | Uint8Array | AsyncIterable<Uint8Array>, mode: number): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(aside, 'wx', mode);
    try {
      await file.chmod(mode); // open's mode passes through the umask; the aim is exactly `mode`
      if (typeof content === 'string' || content instanceof Uint8Array) await file.writeFile(content);
      else for await (const chunk of content) await file.write(chunk);
    } finally {
      await file.close();
    }
    await rename(aside, path);
  } catch (e) {
    await rm(aside, { force: true });
    throw e;
  }
}

/** A key id from a blob, safe to print: a crafted blob could hold control characters. */
function printable(text: string): string {
  return /^[\x20-\x7e]+$/.test(text) ? text : JSON.stringify(text);
}
