/**
 * The catalog's Parquet mapping (catalog/parquet.ts, from each file's own Parquet schema)
 * against the reader's types (inspectParquet, through parquet-wasm's Arrow schema), over
 * every file of the Apache parquet-testing corpus: for every column both can read they
 * agree, and a column the mapping refuses is one the reader refuses too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromParquetColumn } from '../../catalog/parquet.js';
import { formatGlueType } from '../../catalog/types.js';
import { inspectParquet } from '../../local-runner/formats/parquet.js';
import { parquetColumns } from '../../local-runner/formats/parquet-schema.js';
import { memorySource } from '../../local-runner/stores/memory.js';

const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'parquet-testing', 'data');
const files = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();

describe.each(files)('%s', (name) => {
  it('is typed the same from its Parquet schema and by the reader', async () => {
    const object = memorySource(name, new Uint8Array(readFileSync(join(dir, name))));
    const columns = await parquetColumns(object).catch(() => undefined);
    const inspected = await inspectParquet(object).catch(() => undefined);
    if (!columns || !inspected) {
      // A file whose footer cannot be read is refused by both.
      expect(columns === undefined || inspected === undefined).toBe(true);
      return;
    }
    for (const node of columns) {
      const mapped = fromParquetColumn(node);
      const read = inspected.schema.find((f) => f.name === node.name);
      if ('type' in mapped && read) expect(`${node.name} ${formatGlueType(mapped.type)}`).toBe(`${node.name} ${formatGlueType(read.type)}`);
      if (!('type' in mapped)) expect(read, `${node.name}: the mapping refuses it (${mapped.unsupported}) but the reader reads it`).toBeUndefined();
    }
  });
});
