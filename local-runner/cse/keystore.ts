/**
 * The local keystore: a JSON file of 256-bit AES keys standing in for KMS keys, so jobs
 * that read CSE-KMS objects run offline. Each key is found by its key id, its key ARN
 * or one of its aliases; a keystore key created with a production key ARN lets a job
 * that names that ARN run locally unchanged.
 *
 *   { "version": 1, "keys": [ { "keyId": "…", "arn": "arn:aws:kms:…:key/…",
 *     "aliases": ["alias/orders-feed"], "material": "<base64, 32 bytes>",
 *     "enabled": true, "createdAt": "2026-11-24T23:00:00.000Z" } ] }
 *
 * The file holds key material, so it is written with mode 0600. Reading one that group
 * or others may read warns; `permissions: 'strict'` refuses instead. A keystore of
 * published test keys, committed for CI or examples (and so checked out 0644), says so
 * with `"testKeys": true` at the top level: its keys protect nothing, so no warning.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { checkKmsKeyArn, parseArn } from '../../core/aws-names.js';
import { KmsError, type DataKey, type EncryptionContext, type KeyDescription, type KeyProvider } from './kms.js';
import { parseBlob, unwrapDataKey, wrapDataKey } from './local-ciphertext.js';

const MATERIAL_LENGTH = 32;
const ALIAS = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

interface StoredKey extends KeyDescription {
  readonly material: Uint8Array;
}

export interface KeystoreOptions {
  /** 'warn' (default) or 'strict': what to do when group or others may read the file. */
  readonly permissions?: 'warn' | 'strict';
  /** Where warnings go; default process.emitWarning. */
  readonly onWarning?: (message: string) => void;
}

export class LocalKeystore implements KeyProvider {
  /** How messages name the keystore (its file path). */
  readonly name: string;
  // Private fields: util.inspect and JSON.stringify of a keystore never show key material.
  readonly #keys: readonly StoredKey[];

  private constructor(name: string, keys: readonly StoredKey[]) {
    this.name = name;
    this.#keys = keys;
  }

  /** Reads a keystore file, checking its permissions first. */
  static async open(file: string, options: KeystoreOptions = {}): Promise<LocalKeystore> {
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${file}: cannot read keystore (${e.code ?? e.message})`);
    });
    const keystore = LocalKeystore.parse(text, file);
    if (!isTestKeystore(text)) await checkPermissions(file, options);
    return keystore;
  }

  /** A keystore from its JSON text; `name` is how messages refer to it. */
  static parse(text: string, name: string): LocalKeystore {
    return new LocalKeystore(name, parseKeystore(text, name));
  }

  /** Every key, without material. */
  list(): KeyDescription[] {
    return this.#keys.map(description);
  }

  async describe(keyId: string): Promise<KeyDescription> {
    return description(this.#resolve(keyId));
  }

  async generateDataKey(keyId: string, encryptionContext: EncryptionContext): Promise<DataKey> {
    const key = this.#usable(this.#resolve(keyId));
    const plaintext = new Uint8Array(randomBytes(32));
    return { plaintext, ciphertextBlob: wrapDataKey(key.keyId, key.material, plaintext, encryptionContext) };
  }

  async encrypt(keyId: string, plaintext: Uint8Array, encryptionContext: EncryptionContext): Promise<Uint8Array> {
    const key = this.#usable(this.#resolve(keyId));
    return wrapDataKey(key.keyId, key.material, plaintext, encryptionContext);
  }

  async decrypt(ciphertextBlob: Uint8Array, encryptionContext: EncryptionContext, keyId?: string): Promise<Uint8Array> {
    const parsed = parseBlob(ciphertextBlob);
    if (!parsed.ok) throw new KmsError('InvalidCiphertextException', parsed.reason);
    const key = this.#keys.find((k) => k.keyId === parsed.keyId);
    if (!key) throw new KmsError('NotFoundException', `the data key was wrapped by key ${parsed.keyId}, which is not in the keystore ${this.name}`);
    if (keyId !== undefined) {
      const wanted = this.#resolve(keyId);
      if (wanted.keyId !== key.keyId) {
        throw new KmsError('IncorrectKeyException', `the data key was wrapped by key ${key.keyId}, not by ${keyId} (key ${wanted.keyId})`);
      }
    }
    this.#usable(key);
    const plaintext = unwrapDataKey(parsed, key.material, encryptionContext);
    if (!plaintext) {
      throw new KmsError('InvalidCiphertextException', `the data key does not decrypt under key ${key.keyId} with this encryption context (the context differs, or the ciphertext blob was altered)`);
    }
    return plaintext;
  }

  #usable(key: StoredKey): StoredKey {
    if (!key.enabled) throw new KmsError('DisabledException', `key ${key.arn ?? key.keyId} is disabled in the keystore ${this.name}`);
    return key;
  }

  /** Finds a key by key id, key ARN, alias name or alias ARN, like KMS's KeyId parameter. */
  #resolve(keyId: string): StoredKey {
    const found = findKey(this.#keys, keyId);
    if (found) return found;
    let hint = '';
    const arn = parseArn(keyId);
    if (arn?.resource.startsWith('key/')) {
      const sameId = this.#keys.find((k) => k.keyId === arn.resource.slice(4));
      hint = sameId
        ? ` (key ${sameId.keyId} is there, but ${sameId.arn ? `with the ARN ${sameId.arn}` : 'without an ARN'})`
        : `; add it with createKey(file, { arn: "${keyId}" })`;
    }
    throw new KmsError('NotFoundException', `key ${keyId} is not in the keystore ${this.name}${hint}`);
  }
}

function findKey(keys: readonly StoredKey[], keyId: string): StoredKey | undefined {
  if (keyId.startsWith('arn:')) {
    const arn = parseArn(keyId);
    if (!arn || arn.service !== 'kms') return undefined;
    if (arn.resource.startsWith('alias/')) {
      // An alias ARN names an alias in one account and region: the key's own ARN, when it has one, must agree.
      return keys.find((k) => {
        if (!k.aliases.includes(arn.resource)) return false;
        const own = k.arn ? parseArn(k.arn) : undefined;
        return !own || (own.partition === arn.partition && own.region === arn.region && own.account === arn.account);
      });
    }
    return keys.find((k) => k.arn === keyId);
  }
  if (keyId.startsWith('alias/')) return keys.find((k) => k.aliases.includes(keyId));
  return keys.find((k) => k.keyId === keyId);
}

function description(key: StoredKey): KeyDescription {
  return Object.freeze({ keyId: key.keyId, ...(key.arn && { arn: key.arn }), aliases: key.aliases, enabled: key.enabled, createdAt: key.createdAt });
}

async function checkPermissions(file: string, options: KeystoreOptions): Promise<void> {
  if (process.platform === 'win32') return; // no POSIX mode bits to check
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read keystore (${e.code ?? e.message})`);
  });
  const mode = info.mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const message = `${file}: keystore file is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}); it holds key material: chmod 600 ${file}`;
  if (options.permissions === 'strict') throw new Error(message);
  (options.onWarning ?? ((m: string) => process.emitWarning(m, 'GluekitKeystoreWarning')))(message);
}

function parseKeystore(text: string, name: string): StoredKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message may quote the file's text, which holds key material: say only where.
    throw new Error(`${name}: keystore is not valid JSON`);
  }
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('expected a keystore object { "version": 1, "keys": [...] }');
  const { version, keys } = parsed as { version?: unknown; keys?: unknown };
  if (version !== 1) return fail(`unsupported keystore version ${JSON.stringify(version)} (expected 1)`);
  if (!Array.isArray(keys)) return fail('"keys" must be a list');
  const seen = new Set<string>();
  const unique = (what: string, at: string) => {
    if (seen.has(what)) fail(`${at}: ${what} appears twice in the keystore`);
    seen.add(what);
  };
  return keys.map((entry: unknown, i): StoredKey => {
    const at = `keys[${i}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return fail(`${at}: expected an object`);
    const { keyId, arn, aliases = [], material, enabled, createdAt } = entry as Record<string, unknown>;
    if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) return fail(`${at}.keyId: expected a KMS key id (a UUID or mrk-<32 hex>)`);
    unique(keyId, at);
    if (arn !== undefined) {
      const check = checkKmsKeyArn(arn);
      if (check.reason) return fail(`${at}.arn: ${check.reason}`);
      if (check.arn!.resource !== `key/${keyId}`) return fail(`${at}.arn: the ARN's key id is not ${keyId}`);
      unique(arn as string, at);
    }
    if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== 'string' || !ALIAS.test(a))) return fail(`${at}.aliases: expected a list of "alias/<name>"`);
    for (const alias of aliases as string[]) unique(alias, at);
    // Never echo the material itself: only whether it has the right shape.
    if (typeof material !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(material)) return fail(`${at}.material: expected 32 bytes in base64`);
    const bytes = new Uint8Array(Buffer.from(material, 'base64'));
    if (bytes.length !== MATERIAL_LENGTH) return fail(`${at}.material: expected 32 bytes in base64`);
    if (typeof enabled !== 'boolean') return fail(`${at}.enabled: expected true or false`);
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return fail(`${at}.createdAt: expected an ISO 8601 date`);
    return Object.freeze({ keyId, ...(typeof arn === 'string' && { arn }), aliases: Object.freeze([...(aliases as string[])]), material: bytes, enabled, createdAt });
  });
}

/** Whether a (valid) keystore's text marks it as published test keys. */
function isTestKeystore(text: string): boolean {
  return (JSON.parse(text) as { testKeys?: unknown }).testKeys === true;
}

export interface CreateKeyOptions {
  /**
   * When creating the file: mark it as published test keys (`"testKeys": true`), for a
   * keystore committed to a repository for CI or examples. Never for real data.
   */
  readonly testKeys?: boolean;
  /** An alias for the key, `alias/<name>`. */
  readonly alias?: string;
  /**
   * The key ARN to answer to, typically a production key's ARN so that jobs naming it run
   * locally unchanged. The key id is taken from it; without it the key gets a random id.
   */
  readonly arn?: string;
}

/**
 * Adds a new key with fresh random material to the keystore `file`, creating the file if
 * needed. The file is rewritten whole (written aside with mode 0600, then renamed), so a
 * failure never leaves a half-written keystore.
 */
export async function createKey(file: string, options: CreateKeyOptions = {}): Promise<KeyDescription> {
  const exists = await stat(file).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
  const text = exists ? await readFile(file, 'utf8') : undefined;
  // Validate first: a raw JSON.parse error would quote the file, key material and all.
  if (text !== undefined) parseKeystore(text, file);
  const current: Record<string, unknown>[] = text === undefined ? [] : (JSON.parse(text) as { keys: Record<string, unknown>[] }).keys;

  let keyId: string = randomUUID();
  if (options.arn !== undefined) {
    const check = checkKmsKeyArn(options.arn);
    if (check.reason) throw new Error(`${options.arn}: ${check.reason}${check.hint ? ` (${check.hint})` : ''}`);
    keyId = check.arn!.resource.slice('key/'.length);
    if (current.some((k) => k.keyId === keyId)) throw new Error(`${file}: key ${keyId} is already in the keystore`);
  }
  if (options.alias !== undefined) {
    const problem = aliasNameProblem(options.alias);
    if (problem) throw new Error(problem);
    if (current.some((k) => Array.isArray(k.aliases) && k.aliases.includes(options.alias))) throw new Error(`${file}: alias ${options.alias} is already in use`);
  }
  const entry = {
    keyId,
    ...(options.arn !== undefined && { arn: options.arn }),
    aliases: options.alias !== undefined ? [options.alias] : [],
    material: randomBytes(MATERIAL_LENGTH).toString('base64'),
    enabled: true,
    createdAt: new Date().toISOString(),
  };
  const testKeys = text === undefined ? options.testKeys === true : isTestKeystore(text);
  await writePrivateFile(file, `${JSON.stringify({ version: 1, ...(testKeys && { testKeys }), keys: [...current, entry] }, null, 2)}\n`);
  return description({ ...entry, material: new Uint8Array(0) });
}

/** Why `alias` cannot name a keystore key, or undefined when it can. */
export function aliasNameProblem(alias: string): string | undefined {
  if (!ALIAS.test(alias)) return `"${alias}" is not an alias name (expected alias/<name>: letters, digits, /, _ and -)`;
  if (alias.startsWith('alias/aws/')) return `"${alias}": the alias/aws/ prefix is reserved for AWS managed keys`;
  return undefined;
}

/**
 * Adds `alias` to the key `keyId` (a key id, not an ARN or alias) in the keystore `file`,
 * rewriting it whole like createKey. An alias names one key: one already in use is refused.
 */
export async function createAlias(file: string, alias: string, keyId: string): Promise<KeyDescription> {
  const problem = aliasNameProblem(alias);
  if (problem) throw new Error(problem);
  const text = await readFile(file, 'utf8');
  // Validate first: a raw JSON.parse error would quote the file, key material and all.
  parseKeystore(text, file);
  const stored = JSON.parse(text) as { keys: Record<string, unknown>[] };
  if (stored.keys.some((k) => (k.aliases as string[] | undefined)?.includes(alias))) throw new Error(`${file}: alias ${alias} is already in use`);
  const target = stored.keys.find((k) => k.keyId === keyId);
  if (!target) throw new Error(`${file}: key ${keyId} is not in the keystore`);
  target.aliases = [...((target.aliases as string[] | undefined) ?? []), alias];
  await writePrivateFile(file, `${JSON.stringify(stored, null, 2)}\n`);
  return description(parseKeystore(JSON.stringify(stored), file).find((k) => k.keyId === keyId)!);
}

/** Writes `text` to `file` with mode 0600 from the moment it exists. */
async function writePrivateFile(file: string, text: string): Promise<void> {
  const aside = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(aside, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.chmod(0o600); // the umask cannot widen 0600, but a wider ACL default could
  } finally {
    await handle.close();
  }
  try {
    await rename(aside, file);
  } catch (e) {
    await rm(aside, { force: true });
    throw e;
  }
}
