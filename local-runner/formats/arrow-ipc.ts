/**
 * Arrow IPC: the reader (file and stream formats), the writer (file format, `.arrow`)
 * and `inspectArrowIpc`.
 *
 * The file format starts with the magic bytes "ARROW1" and keeps its batch index in a
 * footer, so it is read from memory; the stream format is read as it arrives. Either way
 * the requested columns are picked by exact name and conformed to their declared Glue
 * types (conform.ts), batches longer than `batchRows` are cut.
 */
import { RecordBatch, RecordBatchReader, Table, tableToIPC, type Schema as ArrowSchema } from 'apache-arrow';
import { fromArrowSchema, toArrowSchema } from '../../catalog/arrow.js';
import type { Schema } from '../../catalog/schema.js';
import { makeBatch } from '../../kernels/batches.js';
import { conformColumn } from './conform.js';
import { FormatError, type FormatReader, type FormatWriter, type ObjectSource, type ReadOptions, type WriteOptions } from './format.js';

const MAGIC = 'ARROW1';

export interface ArrowIpcInspection {
  readonly schema: Schema;
  readonly unsupported: { column: string; reason: string }[];
  readonly rows: number;
  /** Record batches in the file (Parquet's row groups have no closer equivalent). */
  readonly rowGroups: number;
}

/** The file's columns as Glue types, the ones gluekit cannot read (with why), its rows and batches. */
export async function inspectArrowIpc(object: ObjectSource): Promise<ArrowIpcInspection> {
  let schema: ArrowSchema | undefined;
  let rows = 0;
  let batches = 0;
  for await (const batch of batchesOf(object, (s) => (schema = s))) {
    rows += batch.numRows;
    batches++;
  }
  const { schema: glue, unsupported } = fromArrowSchema(schema!);
  return { schema: glue, unsupported, rows, rowGroups: batches };
}

export const arrowIpcReader: FormatReader = {
  async *read(object: ObjectSource, options: ReadOptions): AsyncIterable<RecordBatch> {
    let positions: number[] | undefined;
    const chunk = Math.max(1, options.batchRows);
    let row = 0;
    for await (const batch of batchesOf(object, (schema) => (positions = project(object.name, schema, options.schema)))) {
      for (let start = 0; start < batch.numRows; start += chunk) {
        const part = start === 0 && batch.numRows <= chunk ? batch : batch.slice(start, Math.min(batch.numRows, start + chunk));
        const columns = options.schema.map((f, i) => {
          const out = conformColumn(part.data.children[positions![i]!]!, f.type, { object: object.name, column: f.name, firstRow: row });
          if (!f.nullable && out.nullCount > 0) throw new FormatError(object.name, `column ${f.name} holds ${out.nullCount} nulls but is declared not null`);
          return out;
        });
        row += part.numRows;
        yield makeBatch(options.schema, columns, part.numRows);
      }
    }
  },
};

/** Where each declared column is in the file's schema; refuses missing and unreadable columns. */
function project(name: string, file: ArrowSchema, declared: Schema): number[] {
  const { unsupported } = fromArrowSchema(file);
  return declared.map((f) => {
    const at = file.fields.findIndex((ff) => ff.name === f.name);
    if (at < 0) throw new FormatError(name, `column ${f.name} is not in the file`);
    const problem = unsupported.find((u) => u.column === f.name);
    if (problem) throw new FormatError(name, `unsupported: ${problem.reason} in ${name}, column ${f.name}`);
    return at;
  });
}

/** The object's record batches, file or stream format; `onSchema` sees the schema before the first batch. */
async function* batchesOf(object: ObjectSource, onSchema: (schema: ArrowSchema) => void): AsyncIterable<RecordBatch> {
  const head = new Uint8Array(await (await object.blob()).slice(0, MAGIC.length).arrayBuffer());
  const isFile = String.fromCharCode(...head) === MAGIC;
  try {
    const reader = isFile ? RecordBatchReader.from(await object.bytes()) : await RecordBatchReader.from(object.stream());
    const opened = await reader.open();
    onSchema(opened.schema);
    for await (const batch of opened as AsyncIterable<RecordBatch>) yield batch;
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(object.name, `not a readable Arrow IPC ${isFile ? 'file' : 'stream'}: ${(e as Error).message}`);
  }
}

/** Writes every batch into one Arrow IPC file; `compression` does not apply (Arrow JS writes uncompressed buffers). */
export const arrowIpcWriter: FormatWriter = {
  extension: () => '.arrow',
  async *write(batches: AsyncIterable<RecordBatch>, options: WriteOptions): AsyncIterable<Uint8Array> {
    const schema = toArrowSchema(options.schema);
    const collected: RecordBatch[] = [];
    for await (const batch of batches) {
      if (batch.numCols !== schema.fields.length) throw new Error(`a batch has ${batch.numCols} columns, the sink's schema ${schema.fields.length}`);
      collected.push(new RecordBatch(schema, batch.data));
    }
    yield tableToIPC(new Table(schema, collected), 'file');
  },
};
