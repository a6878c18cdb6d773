/** Shared set-up for the CSE tests: in-memory objects, throwaway folders and keystores. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey, LocalKeystore } from '../../local-runner/cse/keystore.js';
import type { KeyDescription } from '../../local-runner/cse/kms.js';

export { memorySource } from '../../local-runner/stores/memory.js';

const folders: string[] = [];

/** A fresh folder, removed by cleanupFolders(). */
export async function freshFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gluekit-cse-test-'));
  folders.push(dir);
  return dir;
}

export async function cleanupFolders(): Promise<void> {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export const PRODUCTION_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const OTHER_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0f0f0f0f-1111-2222-3333-444455556666';

export interface TestKeystore {
  readonly keys: LocalKeystore;
  readonly file: string;
  /** A key mapped to PRODUCTION_ARN, with alias/orders-feed. */
  readonly main: KeyDescription;
  /** A second key, mapped to OTHER_ARN. */
  readonly other: KeyDescription;
  /** Every key's material as it appears in the file (base64), to check nothing leaks. */
  readonly materials: readonly string[];
}

export async function testKeystore(): Promise<TestKeystore> {
  const file = join(await freshFolder(), 'keystore.json');
  const main = await createKey(file, { arn: PRODUCTION_ARN, alias: 'alias/orders-feed' });
  const other = await createKey(file, { arn: OTHER_ARN });
  const materials = (JSON.parse(await readFile(file, 'utf8')) as { keys: { material: string }[] }).keys.map((k) => k.material);
  return { keys: await LocalKeystore.open(file, { permissions: 'strict' }), file, main, other, materials };
}

/** Every way key material could show up in a message: base64 and hex. */
export function secretForms(materials: readonly string[]): string[] {
  return materials.flatMap((m) => [m, Buffer.from(m, 'base64').toString('hex')]);
}
