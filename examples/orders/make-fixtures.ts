/**
 * Rebuilds the example's fixtures (run: npx tsx examples/orders/make-fixtures.ts):
 * - keystore.json: published TEST keys ("testKeys": true) answering to the ARNs the job
 *   names, so the job runs locally unchanged. Never put real data under these keys.
 * - fixtures/acme-curated/crm/customers/part-00000.snappy.parquet: the CRM table.
 * - fixtures/acme-payments-feed/orders/*.json: the orders feed, JSON Lines, client-side
 *   encrypted (S3 Encryption Client V2, encryption context feed=orders), with each
 *   object's envelope in <file>.metadata.json, as S3 would return it as user metadata.
 * The rows are fixed; keys and ciphertexts are new on every run.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSchema } from '../../catalog/schema.js';
import { ProblemList } from '../../core/problems.js';
import { createKey, LocalKeystore } from '../../local-runner/cse/keystore.js';
import { encryptObject } from '../../local-runner/cse/encrypt.js';
import { parquetWriter } from '../../local-runner/formats/parquet.js';
import { rowsToBatches } from '../../local-runner/testing.js';
import { ordersFeedKey } from './keys.js';
import { customers } from './tables.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
const keystoreFile = join(here, 'keystore.json');

const CUSTOMERS = [
  [1, 'Anna Schmidt', 'DE', 'consumer', '2021-03-14'],
  [2, 'Brauhaus Nord GmbH', 'DE', 'enterprise', '2019-11-02'],
  [3, 'Claire Martin', 'FR', 'consumer', '2022-06-30'],
  [4, 'Dupont & Fils', 'FR', 'smb', '2020-01-20'],
  [5, 'Eva de Vries', 'NL', 'consumer', '2023-02-11'],
  [6, 'Fietsen BV', 'NL', 'smb', '2018-09-09'],
  [7, 'Günther Müller', 'DE', 'smb', '2023-12-01'],
  [8, 'Hôtel Lumière', 'FR', 'enterprise', '2017-05-17'],
].map(([customer_id, name, country, segment, signup_date]) => ({ customer_id, name, country, segment, signup_date }));

// order_id, customer_id, order_ts, status, amount, currency
const ORDERS: Record<string, [number, number | null, string, string, string, string][]> = {
  '2024-01-31.json': [
    [1001, 1, '2024-01-31T08:15:00Z', 'PAID', '19.99', 'EUR'],
    [1002, 2, '2024-01-31T09:02:11Z', 'SHIPPED', '1250.00', 'EUR'],
    [1003, 3, '2024-01-31T10:45:30Z', 'CANCELLED', '45.50', 'EUR'],
    [1004, 4, '2024-01-31T11:00:00Z', 'PAID', '310.75', 'EUR'],
    [1005, 1, '2024-01-31T17:30:00Z', 'PAID', '5.01', 'EUR'],
    [1006, 5, '2024-01-31T18:00:00Z', 'PAID', '99.00', 'USD'],
    [1007, null, '2024-01-31T19:00:00Z', 'PAID', '12.00', 'EUR'],
  ],
  '2024-02-01.json': [
    [1008, 6, '2024-02-01T07:59:59Z', 'PAID', '640.40', 'EUR'],
    [1009, 7, '2024-02-01T08:00:00Z', 'PENDING', '88.80', 'EUR'],
    [1010, 8, '2024-02-01T12:12:12Z', 'SHIPPED', '2999.99', 'EUR'],
    [1011, 2, '2024-02-01T13:00:00Z', 'PAID', '0.00', 'EUR'],
    [1012, 99, '2024-02-01T14:00:00Z', 'PAID', '15.00', 'EUR'],
    [1013, 3, '2024-02-01T23:59:59.999999Z', 'PAID', '42.42', 'EUR'],
    [1014, 5, '2023-12-31T23:00:00Z', 'PAID', '77.70', 'EUR'],
  ],
};

await rm(fixtures, { recursive: true, force: true });
await rm(keystoreFile, { force: true });
await createKey(keystoreFile, { arn: ordersFeedKey, alias: 'alias/orders-feed', testKeys: true });
const keys = await LocalKeystore.open(keystoreFile);

const problems = new ProblemList();
const customerSchema = resolveSchema(customers.columns, problems.at('customers'))!;
const customerFile = join(fixtures, 'acme-curated/crm/customers/part-00000.snappy.parquet');
await mkdir(dirname(customerFile), { recursive: true });
const batches = await rowsToBatches(CUSTOMERS, customerSchema, { ansi: true }, 'customers');
const chunks: Uint8Array[] = [];
for await (const chunk of parquetWriter.write((async function* () { yield* batches; })(), { schema: customerSchema, compression: 'snappy' })) chunks.push(chunk);
await writeFile(customerFile, Buffer.concat(chunks));

for (const [name, rows] of Object.entries(ORDERS)) {
  const lines = rows.map(([order_id, customer_id, order_ts, status, amount, currency]) => JSON.stringify({ order_id, customer_id, order_ts, status, amount, currency }));
  const encrypted = await encryptObject(new TextEncoder().encode(`${lines.join('\n')}\n`), { keys, keyId: ordersFeedKey, context: { feed: 'orders' } });
  const file = join(fixtures, 'acme-payments-feed/orders', name);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, encrypted.body);
  await writeFile(`${file}.metadata.json`, `${JSON.stringify(encrypted.metadata, null, 2)}\n`);
}
console.log(`wrote ${keystoreFile} and the fixtures under ${fixtures}`);
