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
 * Paths are local files; s3:// URLs are refused for now.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decryptObject } from '../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../local-runner/cse/encrypt.js';
import { legacyReasons, PLAINTEXT_LENGTH, readEnvelope, type Envelope } from '../local-runner/cse/envelope.js';
import { LocalKeystore } from '../local-runner/cse/keystore.js';
import type { KeyProvider } from '../local-runner/cse/kms.js';
import { blobOrigin } from '../local-runner/cse/local-ciphertext.js';
import { rewrapEnvelope } from '../local-runner/cse/rewrap.js';
import { fileSource, metadataFileText, readMetadataFile } from '../local-runner/stores/fixtures.js';
import type { UserMetadata } from '../local-runner/stores/store.js';
import { awsKmsKeys, checkKeySource } from './kms.js';
import { UsageError, type ParsedArgs } from './main.js';

export async function fixturesCommand(sub: string | undefined, args: ParsedArgs): Promise<number> {
  for (const path of [...args.files, args.values.out]) {
    if (typeof path === 'string' && /^s3:\/\//i.test(path)) {
      throw new UsageError(`fixtures ${sub ?? ''} works on local files; ${path} is an S3 URL, which it does not read or write yet (copy the object and its metadata to a local file first)`);
    }
  }
  if (sub === 'decrypt') return decryptFixture(args);
  if (sub === 'inspect') return inspectFixture(args);
  if (sub === 'rewrap') return rewrapFixture(args);
  if (sub !== 'encrypt') throw new UsageError(`unknown fixtures command "${sub ?? ''}" (expected encrypt, decrypt, inspect or rewrap)`);
  const [input, output] = args.files;
  if (!input || !output || args.files.length !== 2) throw new UsageError('fixtures encrypt takes <in> <out>');
  const { keystore, 'key-id': keyId } = args.values;
  checkKeySource(args);
  if (typeof keystore !== 'string' && args.values.kms !== true) throw new UsageError('fixtures encrypt needs --keystore <file> or --kms (AWS KMS)');
  if (typeof keyId !== 'string') throw new UsageError('fixtures encrypt needs --key-id <key id, ARN or alias>');
  const context = contextEntries(args);
  const plaintext = new Uint8Array(await readFile(input));
  const keys = typeof keystore === 'string' ? await LocalKeystore.open(keystore) : await awsKmsKeys();
  const encrypted = await encryptObject(plaintext, {
    keys,
    keyId,
    context,
    instructionFile: args.values['instruction-file'] === true,
    committing: args.values.committing === true,
  }).finally(() => 'close' in keys && keys.close());
  const files: [string, Uint8Array | string][] = [[output, encrypted.body]];
  if (encrypted.instruction) files.push([`${output}.instruction`, encrypted.instruction]);
  if (Object.keys(encrypted.metadata).length > 0) files.push([`${output}.metadata.json`, `${JSON.stringify(encrypted.metadata, null, 2)}\n`]);
  await writeAll(files);
  console.log(`encrypted ${input} -> ${files.map(([f]) => f).join(', ')}`);
  return 0;
}

/** Writes every file aside first, then renames them into place: all or nothing. */
async function writeAll(files: [string, Uint8Array | string][]): Promise<void> {
  const suffix = `.${randomBytes(6).toString('hex')}.tmp`;
  try {
    for (const [file, content] of files) await writeFile(file + suffix, content);
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
  if (resolve(out) === resolve(input)) throw new UsageError('fixtures decrypt: --out must be another file than the encrypted one');
  const keys = await keysFor('decrypt', args);
  const fixture = await readFixture(input);
  const keyId = args.values['key-id'];
  const plaintext = await decryptObject(fileSource(input, input, fixture.size), fixture.metadata, {
    keys,
    expectedContext: contextEntries(args),
    ...(typeof keyId === 'string' && { keyId }),
    allowLegacy: args.values['allow-legacy-cse'] === true,
    instructionFile: async () => fixture.instruction,
  });
  try {
    // Mode 0600: until now the key protected this data; who else may read it is the user's call.
    await replaceFile(out, plaintext.stream(), 0o600);
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
  const envelope = await readEnvelope(input, fixture.metadata, async () => fixture.instruction);
  const metadataFile = `${input}.metadata.json`;
  const instructionFile = `${input}.instruction`;
  const recordedLength = Object.entries(fixture.metadata ?? {}).find(([k]) => k.toLowerCase() === PLAINTEXT_LENGTH)?.[1];
  const tag = envelope.suite.tagLength;
  const report: EnvelopeReport = {
    object: input,
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
  console.log(`${input}: client-side encrypted`);
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
  const rewrapped = await rewrapEnvelope(input, fixture.metadata, async () => fixture.instruction, { keys, keyId });
  const [file, content] =
    rewrapped.location === 'metadata' ? [`${input}.metadata.json`, metadataFileText(rewrapped.metadata)] : [`${input}.instruction`, rewrapped.instruction!];
  await replaceFile(file, content, (await stat(file)).mode & 0o777);
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

/** A local fixture and the envelope files beside it: `<in>.metadata.json` and `<in>.instruction`. */
async function readFixture(input: string): Promise<{ size: number; metadata: UserMetadata | undefined; instruction: Uint8Array | undefined }> {
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
  return { size: info.size, metadata, instruction };
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
