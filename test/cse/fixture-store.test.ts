/**
 * An encrypted fixture as it sits in a fixtures directory: the object, its user metadata
 * in `<file>.metadata.json`, and possibly `<file>.instruction`, read back through the
 * FixtureStore the local runner uses.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decryptObject } from '../../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../../local-runner/cse/encrypt.js';
import { FixtureStore } from '../../local-runner/stores/fixtures.js';
import { cleanupFolders, freshFolder, PRODUCTION_ARN, testKeystore } from './helpers.js';

afterAll(cleanupFolders);

describe('encrypted fixtures', () => {
  for (const [label, shape] of [
    ['V2, envelope in the metadata', { committing: false, instructionFile: false }],
    ['V3, envelope split with an instruction file', { committing: true, instructionFile: true }],
  ] as const) {
    it(`reads ${label} through the FixtureStore`, async () => {
      const ks = await testKeystore();
      const root = await freshFolder();
      const folder = join(root, 'acme-payments-feed', 'orders');
      await mkdir(folder, { recursive: true });
      const plaintext = new TextEncoder().encode('{"order_id":1}\n{"order_id":2}\n');
      const encrypted = await encryptObject(plaintext, { keys: ks.keys, keyId: PRODUCTION_ARN, context: { feed: 'orders' }, ...shape });
      await writeFile(join(folder, 'part-0.json'), encrypted.body);
      await writeFile(join(folder, 'part-0.json.metadata.json'), JSON.stringify(encrypted.metadata, null, 2));
      if (encrypted.instruction) await writeFile(join(folder, 'part-0.json.instruction'), encrypted.instruction);

      const store = new FixtureStore(root);
      const objects = await store.list('acme-payments-feed', 'orders/');
      expect(objects.map((o) => o.key)).toEqual(['orders/part-0.json']); // sidecars are not data
      const object = objects[0]!;
      const source = await decryptObject(store.open('acme-payments-feed', object), await store.metadata('acme-payments-feed', object.key), {
        keys: ks.keys,
        keyId: PRODUCTION_ARN,
        expectedContext: { feed: 'orders' },
        // What source-reader.ts will pass: the sidecar's bytes, or undefined when there is none.
        instructionFile: () =>
          readFile(join(root, 'acme-payments-feed', `${object.key}.instruction`)).then(
            (b) => new Uint8Array(b),
            (e: NodeJS.ErrnoException) => {
              if (e.code === 'ENOENT') return undefined;
              throw e;
            },
          ),
      });
      expect(new TextDecoder().decode(await source.bytes())).toBe('{"order_id":1}\n{"order_id":2}\n');
      await source.dispose();
    });
  }
});
