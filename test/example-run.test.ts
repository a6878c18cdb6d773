/**
 * The example job, run locally on its fixtures: the client-side encrypted orders feed is
 * decrypted with the example's test keystore, and the daily revenue comes out as
 * computed by hand. Also the ways a CSE source must fail: no keystore, the wrong key,
 * a tampered object, a missing encryption context entry.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import job from '../examples/orders/job.js';
import { ordersFeedKey } from '../examples/orders/keys.js';
import { createKey, LocalKeystore } from '../local-runner/cse/keystore.js';
// Imported as users do, through the package's own name.
import { expectRows, runLocally } from 'gluekit/testing';
import { buildJob, cseKms, defineJob, type JobProps } from '../index.js';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'examples', 'orders', 'fixtures');
const keystore = join(root, 'examples', 'orders', 'keystore.json');
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const REVENUE = [
  { order_date: '2024-01-31', country: 'DE', segment: 'consumer', revenue: '25.00', orders: 2, customers: 1 },
  { order_date: '2024-01-31', country: 'DE', segment: 'enterprise', revenue: '1250.00', orders: 1, customers: 1 },
  { order_date: '2024-01-31', country: 'FR', segment: 'smb', revenue: '310.75', orders: 1, customers: 1 },
  { order_date: '2024-02-01', country: 'NL', segment: 'smb', revenue: '640.40', orders: 1, customers: 1 },
  { order_date: '2024-02-01', country: 'FR', segment: 'enterprise', revenue: '2999.99', orders: 1, customers: 1 },
  { order_date: '2024-02-01', country: 'FR', segment: 'consumer', revenue: '42.42', orders: 1, customers: 1 },
];

/** A copy of the example's fixtures that a test may damage. */
function fixtureCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gluekit-fixtures-'));
  made.push(dir);
  cpSync(fixtures, dir, { recursive: true });
  return dir;
}

describe('the example job on its fixtures', () => {
  it('decrypts the orders feed and computes the daily revenue', async () => {
    const result = await runLocally(job, { fixtures, keys: await LocalKeystore.open(keystore) });
    await expectRows(result.outputs.revenue_out, REVENUE);
    expect(result.report.nodes.map((n) => [n.id, n.rowsOut])).toEqual([
      ['orders', 14], ['customers', 8], ['paid_orders', 9], ['orders_by_day', 9], ['with_customer', 7], ['daily_revenue', 6], ['revenue_out', 6],
    ]);
  });

  it('refuses to read the encrypted feed without a keystore, naming the object', async () => {
    await expect(runLocally(job, { fixtures })).rejects.toThrow(/node "orders": .*2024-01-31\.json: source "orders" is client-side encrypted \(CSE-KMS\); give a keystore/);
  });

  it('fails with a keystore that lacks the key, and says nothing secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gluekit-keys-'));
    made.push(dir);
    await createKey(join(dir, 'other.json'), { alias: 'alias/other' });
    const error = await runLocally(job, { fixtures, keys: await LocalKeystore.open(join(dir, 'other.json')) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/2024-01-31\.json/);
    expect(error?.message).toMatch(/NotFoundException|not in the keystore|unknown key/i);
    const material = JSON.parse(readFileSync(keystore, 'utf8')).keys[0].material as string;
    expect(error?.message).not.toContain(material);
  });

  it('fails on a tampered object, and writes nothing', async () => {
    const dir = fixtureCopy();
    const file = join(dir, 'acme-payments-feed/orders/2024-02-01.json');
    const bytes = readFileSync(file);
    bytes[10] = bytes[10]! ^ 0x01;
    writeFileSync(file, bytes);
    const error = await runLocally(job, { fixtures: dir, keys: await LocalKeystore.open(keystore) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/2024-02-01\.json/);
    expect(error?.message).toMatch(/authenticat|tag|tamper/i);
  });

  it('fails when the job expects an encryption context entry the objects lack', async () => {
    const orders = job.sources.orders!;
    const strict = defineJob({ ...(job as JobProps), sources: { ...job.sources, orders: { ...orders, encryption: cseKms(ordersFeedKey, { context: { feed: 'orders', region: 'eu' } }) } } });
    const error = await runLocally(buildJob(strict), { fixtures, keys: await LocalKeystore.open(keystore) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/2024-01-31\.json/);
    expect(error?.message).toContain('region');
  });
});
