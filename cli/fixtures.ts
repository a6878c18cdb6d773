/**
 * `gluekit fixtures encrypt <in> <out> --keystore FILE --key-id K [--context k=v ...]
 * [--instruction-file] [--committing]`: writes a client-side encrypted copy of a file, as
 * the Amazon S3 Encryption Client would store it: the body, and its envelope in
 * `<out>.metadata.json` (the object's metadata) or in `<out>.instruction`.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { encryptObject } from '../local-runner/cse/encrypt.js';
import { LocalKeystore } from '../local-runner/cse/keystore.js';
import { UsageError, type ParsedArgs } from './main.js';

export async function fixturesCommand(sub: string | undefined, args: ParsedArgs): Promise<number> {
  if (sub !== 'encrypt') throw new UsageError(`unknown fixtures command "${sub ?? ''}" (expected encrypt)`);
  const [input, output] = args.files;
  if (!input || !output || args.files.length !== 2) throw new UsageError('fixtures encrypt takes <in> <out>');
  const { keystore, 'key-id': keyId } = args.values;
  if (typeof keystore !== 'string') throw new UsageError('fixtures encrypt needs --keystore <file>');
  if (typeof keyId !== 'string') throw new UsageError('fixtures encrypt needs --key-id <key id, ARN or alias>');
  const context: Record<string, string> = {};
  for (const pair of (args.values.context as unknown as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--context takes key=value, got "${pair}"`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const plaintext = new Uint8Array(await readFile(input));
  const encrypted = await encryptObject(plaintext, {
    keys: await LocalKeystore.open(keystore),
    keyId,
    context,
    instructionFile: args.values['instruction-file'] === true,
    committing: args.values.committing === true,
  });
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
