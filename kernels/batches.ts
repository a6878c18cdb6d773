/**
 * Record batches as gluekit builds them: a Glue schema and one Data per column, always in
 * the canonical layout of catalog/arrow.ts.
 */
import { makeData, RecordBatch, Struct, type Data } from 'apache-arrow';
import { toArrowSchema } from '../catalog/arrow.js';
import type { Schema } from '../catalog/schema.js';

/** A batch with exactly `schema`'s columns, from one Data per column (each `numRows` long). */
export function makeBatch(schema: Schema, columns: readonly Data[], numRows: number): RecordBatch {
  const arrow = toArrowSchema(schema);
  columns.forEach((c, i) => {
    if (c.length !== numRows) throw new Error(`column "${schema[i]!.name}" has ${c.length} values for ${numRows} rows`);
  });
  const data = makeData({ type: new Struct(arrow.fields), length: numRows, nullCount: 0, children: columns as Data[] });
  return new RecordBatch(arrow, data);
}

/** Column `i` of a batch as one Data chunk. */
export function columnAt(batch: RecordBatch, i: number): Data {
  return batch.data.children[i]!;
}

/** Column `name` of a batch, by exact name. */
export function column(batch: RecordBatch, name: string): Data {
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`the batch has no column "${name}"`);
  return batch.data.children[i]!;
}
