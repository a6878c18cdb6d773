/**
 * Parquet: the reader, the writer, and `inspectParquet` (a file's own schema, for
 * `gluekit preview` and catalog inference).
 *
 * Decoding is parquet-wasm's (arrow-rs compiled to WebAssembly), one row group at a time:
 * gluekit reads the footer itself, fetches from the object's Blob only the column chunks
 * of the requested columns in one row group, and decodes a small Parquet file made of
 * them with parquet-wasm's synchronous reader (parquet-footer.ts says why not its
 * asynchronous one), fetching the next row group's chunks while one is decoded. Memory is
 * bounded by one row group's requested columns, decoded, and two row groups' fetched.
 *
 * Types are read from the Parquet schema, as Spark reads them, then conformed to the
 * declared Glue types (conform.ts). INT96 timestamps are decoded here, exactly as Spark
 * does (Julian day and nanoseconds of the day to microseconds, nanoseconds truncated),
 * over the whole range Spark writes; Spark's calendar rebasing of INT96 values written by
 * Spark 2 or Hive before 1900 is not applied.
 *
 * Predicate pushdown: `mayMatch` sees each row group's footer statistics as canonical JS
 * values of the declared type, for top-level columns of primitive types only
 * (parquet-statistics.ts lists the representations).
 */
import {
  DataType,
  Dictionary,
  Field as ArrowField,
  FixedSizeBinary,
  Int32,
  Schema as ArrowSchemaClass,
  List,
  Map_,
  RecordBatch,
  Struct,
  Table as ArrowTable,
  TimestampMicrosecond,
  Utf8,
  Type,
  makeData,
  tableFromIPC,
  tableToIPC,
  type Data,
  type Schema as ArrowSchema,
} from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';
import { TIMESTAMP_ZONE, fromArrowType, toArrowSchema } from '../../catalog/arrow.js';
import { field, type Schema } from '../../catalog/schema.js';
import { makeBatch } from '../../kernels/batches.js';
import { importColumns, importSchema } from './arrow-ffi.js';
import { conformColumn } from './conform.js';
import { FormatError, openRanges, ScratchBytes, withRanges, type ByteRanges, type FormatReader, type FormatWriter, type ObjectSource, type ReadOptions, type WriteOptions } from './format.js';
import {
  ParquetFooterError,
  ParquetUnsupported,
  ROW_GROUP_BUDGET,
  fetchChunks,
  isInt96,
  readFooter,
  rowGroupFile,
  unsupportedIn,
  type ChunkBytes,
  type ParquetFooter,
} from './parquet-footer.js';
import { rowGroupStatistics } from './parquet-statistics.js';

/**
 * parquet-wasm, loaded on the first Parquet read, write or inspection: importing it
 * compiles ~5 MB of WebAssembly (~30 ms), which commands and jobs without Parquet skip.
 * Every entry point below awaits `loadWasm()` before anything uses `wasm`.
 */
let wasm: typeof ParquetWasm;
async function loadWasm(): Promise<void> {
  wasm ??= await import('parquet-wasm');
}

export interface ParquetInspection {
  readonly schema: Schema;
  readonly unsupported: { column: string; reason: string }[];
  readonly rows: number;
  readonly rowGroups: number;
}

/** The file's columns as Glue types, the ones gluekit cannot read (with why), and its size. */
export async function inspectParquet(object: ObjectSource): Promise<ParquetInspection> {
  await loadWasm();
  const footer = await footerOf(object);
  const { types, unsupported } = fileTypes(object.name, footer, footer.columns.map((_, i) => i));
  const schema = [];
  for (const [i, c] of footer.columns.entries()) {
    const type = types.get(i);
    if (!type) continue;
    const mapped = fromArrowType(type.type);
    if ('type' in mapped) schema.push(field(c.name, mapped.type, type.nullable));
    else unsupported.push({ column: c.name, reason: mapped.unsupported });
  }
  const order = new Map(footer.columns.map((c, i) => [c.name, i]));
  unsupported.sort((a, b) => order.get(a.column)! - order.get(b.column)!);
  return { schema: Object.freeze(schema), unsupported, rows: footer.numRows, rowGroups: footer.rowGroups.length };
}

export const parquetReader: FormatReader = {
  async *read(object: ObjectSource, options: ReadOptions): AsyncIterable<RecordBatch> {
    await loadWasm();
    const reader = await openRanges(object);
    try {
      yield* readOpen(object, options, reader.read);
    } finally {
      await reader.close();
    }
  },
};

/** The batches of an object open for random access (parquetReader.read). */
async function* readOpen(object: ObjectSource, options: ReadOptions, read: ByteRanges): AsyncIterable<RecordBatch> {
  const footer = await guard(object.name, () => readFooter(read, object.size));
  const columns = options.schema.map((f) => {
    const at = footer.columns.findIndex((c) => c.name === f.name);
    if (at < 0) throw new FormatError(object.name, `column ${f.name} is not in the file${nearMiss(footer, f.name)}`);
    return at;
  });
  const { types, unsupported } = fileTypes(object.name, footer, columns);
  for (const [i, c] of columns.entries()) {
    const problem = unsupported.find((u) => u.column === footer.columns[c]!.name);
    if (problem) throw unsupportedError(object.name, problem.reason, options.schema[i]!.name);
    // A NULL-typed part (Parquet's UNKNOWN annotation: nothing but nulls) reads as the declared type; anything else unmapped is refused.
    const mapped = fromArrowType(withoutNulls(types.get(c)!.type));
    if (!('type' in mapped)) throw unsupportedError(object.name, mapped.unsupported, options.schema[i]!.name);
  }
  const leaves = columns.flatMap((c) => footer.columns[c]!.leaves);
  const int96 = columns.map((c) => footer.columns[c]!.leaves.map((l) => isInt96(footer.leaves[l]!)));

  // The row groups to read, in order: not empty, and not ruled out by their statistics.
  const firstRows: number[] = [];
  let groupStart = 0;
  for (const group of footer.rowGroups) {
    firstRows.push(groupStart);
    groupStart += group.numRows;
  }
  const wanted = (g: number) => footer.rowGroups[g]!.numRows > 0 && (!options.mayMatch || options.mayMatch(rowGroupStatistics(footer, g, options.schema, columns)));
  const nextGroup = (from: number) => {
    let g = from;
    while (g < footer.rowGroups.length && !wanted(g)) g++;
    return g;
  };
  const decodedSize = (g: number) => leaves.reduce((n, l) => n + footer.rowGroups[g]!.chunks[l]!.uncompressedSize, 0);
  // Read-ahead: the next row group's bytes are fetched while this one is decoded and
  // consumed. A failed fetch is reported when its row group's turn comes, not before.
  // At most two row groups' bytes are alive (the one decoded, the one fetched ahead), so
  // two buffers in turn hold them; the row group file is assembled in a third, which
  // parquet-wasm copies from.
  const fetchBuffers = [new ScratchBytes(), new ScratchBytes()];
  const fileBuffer = new ScratchBytes();
  let fetches = 0;
  const fetchGroup = (g: number): Promise<ChunkBytes[]> => {
    const scratch = fetchBuffers[fetches++ % 2];
    const chunks = guard(object.name, () => fetchChunks(read, footer, g, leaves, scratch));
    chunks.catch(() => {});
    return chunks;
  };
  // Strings the executor allows as dictionaries come that way when the columns are flat:
  // parquet-wasm then keeps the file's dictionary pages instead of materialising every
  // value (dictionaryHint). A row group it cannot decode so is decoded again without.
  let hint = dictionaryHint(footer, columns, options, types);
  let ahead: { g: number; file: Promise<ChunkBytes[]> } | undefined;
  for (let g = nextGroup(0), following = 0; g < footer.rowGroups.length; g = following) {
    const group = footer.rowGroups[g]!;
    const firstRow = firstRows[g]!;
    const size = decodedSize(g);
    if (size > ROW_GROUP_BUDGET)
      throw new FormatError(object.name, `row group ${g} decodes to ${size} bytes for the requested columns, more than the local runner's ${ROW_GROUP_BUDGET} (write smaller row groups)`);
    const pending = ahead?.g === g ? ahead.file : fetchGroup(g);
    following = nextGroup(g + 1);
    ahead = following < footer.rowGroups.length && decodedSize(following) <= ROW_GROUP_BUDGET ? { g: following, file: fetchGroup(following) } : undefined;
    const chunks = await pending;
    const file = (withHint?: string) => guard(object.name, async () => rowGroupFile(footer, columns, { index: g, chunks }, withHint, fileBuffer));
    const batchSize = Math.max(1, options.batchRows);
    let decoded: DecodedRowGroup | undefined;
    if (hint !== undefined) {
      const hinted = await file(hint);
      try {
        decoded = decodeRowGroup(hinted, batchSize);
      } catch {
        hint = undefined; // decoded below without it, where a real error is reported
      }
    }
    const plain = decoded ? undefined : await file();
    decoded ??= decode(object.name, `row group ${g}`, () => decodeRowGroup(plain!, batchSize));
    if (decoded.rows !== group.numRows)
      throw new FormatError(object.name, `row group ${g} decoded to ${decoded.rows} rows but the footer says ${group.numRows}: the file is corrupt`);
    let batchStart = firstRow;
    for (const batch of decoded.batches) {
      const conformed = options.schema.map((f, i) => {
        let data = batch.columns[i]!;
        if (int96[i]!.some(Boolean)) data = decodeInt96Leaves(data, int96[i]!);
        const out = conformColumn(data, f.type, { object: object.name, column: f.name, firstRow: batchStart, keepDictionary: options.dictionaryColumns?.has(f.name) === true });
        if (!f.nullable && out.nullCount > 0) throw new FormatError(object.name, `column ${f.name} holds ${out.nullCount} nulls but is declared not null`);
        return out;
      });
      batchStart += batch.rows;
      yield makeBatch(options.schema, conformed, batch.rows);
    }
  }
}

/**
 * The `ARROW:schema` value that asks parquet-wasm for Dictionary<Int32, Utf8> in the
 * requested string columns `options.dictionaryColumns` names, or undefined when there are
 * none or when any requested column is nested or INT96 (the hint must restate every
 * column's type, which gluekit does only for flat ones). The other columns keep the types
 * parquet-wasm gives them without a hint (`types`, from fileTypes: for flat, non-INT96
 * columns exactly its own; the row-group file carries no field ids, so no field metadata).
 */
function dictionaryHint(footer: ParquetFooter, columns: number[], options: ReadOptions, types: Map<number, { type: DataType; nullable: boolean }>): string | undefined {
  const wanted = options.dictionaryColumns;
  if (!wanted || wanted.size === 0) return undefined;
  const dictionary = columns.map((c, i) => wanted.has(options.schema[i]!.name) && options.schema[i]!.type.kind === 'string' && types.get(c)?.type.typeId === Type.Utf8);
  if (!dictionary.some(Boolean)) return undefined;
  const flat = columns.every((c) => {
    const leaves = footer.columns[c]!.leaves;
    return leaves.length === 1 && !isInt96(footer.leaves[leaves[0]!]!) && types.has(c) && !types.get(c)!.type.children?.length;
  });
  if (!flat) return undefined;
  const fields = columns.map((c, i) => {
    const { type, nullable } = types.get(c)!;
    return new ArrowField(footer.columns[c]!.name, dictionary[i] ? new Dictionary(new Utf8(), new Int32()) : type, nullable);
  });
  // An IPC stream of no batches starts with the schema message: continuation marker,
  // metadata length, flatbuffer. The hint is that encapsulated message, in base64.
  const stream = tableToIPC(new ArrowTable(new ArrowSchemaClass(fields)), 'stream');
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  if (view.getUint32(0, true) !== 0xffffffff) return undefined;
  return Buffer.from(stream.subarray(0, 8 + view.getInt32(4, true))).toString('base64');
}

/** One decoded row group: its batches' columns, in the order of the row group file's columns. */
interface DecodedRowGroup {
  readonly rows: number;
  readonly batches: readonly { readonly rows: number; readonly columns: readonly Data[] }[];
}

/**
 * Decodes a one-row-group file. The columns leave WebAssembly through the Arrow C Data
 * Interface (arrow-ffi.ts: one copy per buffer); a row group holding a layout that module
 * does not import is decoded again and taken through Arrow IPC instead, which reads every
 * layout apache-arrow knows.
 */
function decodeRowGroup(file: Uint8Array, batchSize: number): DecodedRowGroup {
  const stream = wasm.readParquet(file, { batchSize }).intoFFI();
  try {
    const memory = wasm.wasmMemory();
    const fields = importSchema(memory, stream.schemaAddr());
    if (fields) {
      const batches = [];
      let rows = 0;
      for (let i = 0, n = stream.numArrays(); i < n; i++) {
        const batch = importColumns(memory, stream.arrayAddr(i), fields);
        batches.push(batch);
        rows += batch.rows;
      }
      return { rows, batches };
    }
  } finally {
    stream.free();
  }
  const table = tableFromIPC(wasm.readParquet(file, { batchSize }).intoIPCStream());
  return { rows: table.numRows, batches: table.batches.map((b) => ({ rows: b.numRows, columns: b.data.children })) };
}

// Codecs by name in parquet-wasm's Compression enum, which exists once parquet-wasm is loaded.
const COMPRESSION: Record<string, { codec: keyof typeof ParquetWasm.Compression; extension: string }> = {
  snappy: { codec: 'SNAPPY', extension: '.snappy.parquet' },
  gzip: { codec: 'GZIP', extension: '.gz.parquet' },
  zstd: { codec: 'ZSTD', extension: '.zstd.parquet' },
  uncompressed: { codec: 'UNCOMPRESSED', extension: '.parquet' },
};

function compressionOf(options: WriteOptions): { codec: keyof typeof ParquetWasm.Compression; extension: string } {
  const found = COMPRESSION[options.compression];
  if (!found) throw new Error(`Parquet compression must be one of ${Object.keys(COMPRESSION).join(', ')}, got "${options.compression}"`);
  return found;
}

/**
 * Writes all batches as one file (parquet-wasm's writer takes a whole table; its streaming
 * writer is asynchronous and would turn any error into an uncaught panic). Timestamps are
 * INT64 microseconds with isAdjustedToUTC, decimals INT32/INT64/FIXED_LEN_BYTE_ARRAY by
 * precision, as Spark writes them; row groups hold at most 1,048,576 rows.
 */
export const parquetWriter: FormatWriter = {
  extension: (options) => compressionOf(options).extension,
  async *write(batches: AsyncIterable<RecordBatch>, options: WriteOptions): AsyncIterable<Uint8Array> {
    const { codec } = compressionOf(options);
    await loadWasm();
    const schema = toArrowSchema(options.schema);
    const collected: RecordBatch[] = [];
    for await (const batch of batches) {
      if (batch.numCols !== schema.fields.length) throw new Error(`a batch has ${batch.numCols} columns, the sink's schema ${schema.fields.length}`);
      collected.push(new RecordBatch(schema, batch.data));
    }
    const ipc = tableToIPC(new ArrowTable(schema, collected), 'stream');
    const properties = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression[codec]).setCreatedBy('gluekit (parquet-wasm)').build();
    yield wasm.writeParquet(wasm.Table.fromIPCStream(ipc), properties);
  },
};

async function footerOf(object: ObjectSource): Promise<ParquetFooter> {
  return guard(object.name, () => withRanges(object, (read) => readFooter(read, object.size)));
}

/** Runs a step that may meet a corrupt or unsupported file, turning what it throws into a FormatError. */
async function guard<T>(name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof ParquetUnsupported) throw unsupportedError(name, e.feature, e.column);
    if (e instanceof ParquetFooterError) throw new FormatError(name, e.message);
    throw e;
  }
}

function unsupportedError(name: string, feature: string, column?: string): FormatError {
  // FormatError prefixes the object name; the message names the file again, as the contract's wording asks.
  return new FormatError(name, `unsupported: ${feature} in ${name}${column !== undefined ? `, column ${column}` : ''}`);
}

/** Calls parquet-wasm; its errors (and a panic, which arrives as a RuntimeError) become FormatErrors. */
function decode<T>(name: string, what: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof FormatError) throw e;
    if (e instanceof Error && e.name === 'RuntimeError') throw new FormatError(name, `${what}: the Parquet decoder crashed (${message}): the file is corrupt`);
    throw new FormatError(name, `${what}: ${message.replace(/^(Parquet (argument )?error: )+/g, '')}`);
  }
}

function nearMiss(footer: ParquetFooter, name: string): string {
  const same = footer.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  return same ? ` (it has "${same.name}"; names are matched exactly)` : '';
}

/**
 * The Arrow type parquet-wasm gives each of `columns` (INT96 leaves already shown as
 * microsecond timestamps), and the columns whose Parquet schema gluekit refuses.
 */
function fileTypes(name: string, footer: ParquetFooter, columns: number[]): { types: Map<number, { type: DataType; nullable: boolean }>; unsupported: { column: string; reason: string }[] } {
  const unsupported: { column: string; reason: string }[] = [];
  const readable: number[] = [];
  for (const c of columns) {
    const reason = unsupportedIn(footer.columns[c]!);
    if (reason) unsupported.push({ column: footer.columns[c]!.name, reason });
    else readable.push(c);
  }
  const types = new Map<number, { type: DataType; nullable: boolean }>();
  const schemaOf = (cs: number[]): ArrowSchema => decode(name, 'schema', () => tableFromIPC(wasm.readSchema(rowGroupFile(footer, cs)).intoIPCStream()).schema);
  let fields: ArrowField[] | undefined;
  try {
    fields = schemaOf(readable).fields;
  } catch {
    // One column the decoder cannot type should not hide the others: try them one by one.
  }
  for (const [k, c] of readable.entries()) {
    let f = fields?.[k];
    if (!f) {
      try {
        f = schemaOf([c]).fields[0];
      } catch (e) {
        unsupported.push({ column: footer.columns[c]!.name, reason: (e as Error).message.replace(/^.*?: schema: /, '') });
        continue;
      }
    }
    const flags = footer.columns[c]!.leaves.map((l) => isInt96(footer.leaves[l]!));
    types.set(c, { type: flags.some(Boolean) ? int96Type(f!.type, flags, { next: 0 }) : f!.type, nullable: f!.nullable });
  }
  return { types, unsupported };
}

/** `type` with the leaves flagged in `flags` (depth-first, as Parquet orders leaf columns) shown as timestamps. */
function int96Type(type: DataType, flags: boolean[], at: { next: number }): DataType {
  const children = (type as unknown as { children?: ArrowField[] }).children ?? [];
  if (type.typeId === Type.Dictionary || children.length === 0) return flags[at.next++] ? new TimestampMicrosecond(TIMESTAMP_ZONE) : type;
  const fields = children.map((c) => new ArrowField(c.name, int96Type(c.type, flags, at), c.nullable));
  switch (type.typeId) {
    case Type.List:
      return new List(fields[0]!);
    case Type.Map:
      return new Map_(fields[0]! as never, (type as unknown as { keysSorted: boolean }).keysSorted);
    case Type.Struct:
      return new Struct(fields);
    default:
      return type;
  }
}

/** `type` with NULL leaves shown as Int32, to ask fromArrowType about everything else. */
function withoutNulls(type: DataType): DataType {
  if (type.typeId === Type.Null) return new Int32();
  const children = (type as unknown as { children?: ArrowField[] }).children ?? [];
  if (children.length === 0 || type.typeId === Type.Dictionary) return type;
  const fields = children.map((c) => new ArrowField(c.name, withoutNulls(c.type), c.nullable));
  if (type.typeId === Type.List) return new List(fields[0]!);
  if (type.typeId === Type.Map) return new Map_(fields[0]! as never);
  if (type.typeId === Type.Struct) return new Struct(fields);
  return type;
}

const JULIAN_DAY_OF_UNIX_EPOCH = 2_440_588n;
const MICROS_PER_DAY = 86_400_000_000n;

/** Replaces the flagged FixedSizeBinary(12) leaves of a column with microsecond timestamps. */
function decodeInt96Leaves(data: Data, flags: boolean[]): Data {
  const at = { next: 0 };
  const walk = (d: Data): Data => {
    if (d.children.length === 0 || d.type.typeId === Type.Dictionary) return flags[at.next++] ? int96ToMicros(d) : d;
    const children = d.children.map(walk);
    if (children.every((c, i) => c === d.children[i])) return d;
    const fields = (d.type as unknown as { children: ArrowField[] }).children.map((f, i) => new ArrowField(f.name, children[i]!.type, f.nullable));
    const common = { length: d.length, offset: d.offset, nullCount: d.nullCount, nullBitmap: d.nullBitmap };
    switch (d.type.typeId) {
      case Type.List:
        return makeData({ ...common, type: new List(fields[0]!), valueOffsets: d.valueOffsets, child: children[0]! } as never);
      case Type.Map:
        return makeData({ ...common, type: new Map_(fields[0]! as never), valueOffsets: d.valueOffsets, child: children[0]! } as never);
      case Type.Struct:
        return makeData({ ...common, type: new Struct(fields), children } as never);
      default:
        throw new Error(`INT96 inside ${String(d.type)}`);
    }
  };
  return walk(data);
}

/**
 * Spark's INT96: 8 bytes of nanoseconds within the day, then 4 bytes of Julian day, both
 * little-endian; microseconds = (day - 2440588) * 86400000000 + nanos / 1000 (truncated,
 * as Spark's integer division).
 */
function int96ToMicros(data: Data): Data {
  if (!(data.type instanceof FixedSizeBinary) || data.type.byteWidth !== 12) throw new Error(`INT96 column decoded as ${String(data.type)}`);
  const bytes = data.values as Uint8Array;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    if (i * 12 + 12 > bytes.length) break;
    const nanos = view.getBigInt64(i * 12, true);
    const day = BigInt(view.getInt32(i * 12 + 8, true));
    out[i] = BigInt.asIntN(64, (day - JULIAN_DAY_OF_UNIX_EPOCH) * MICROS_PER_DAY + nanos / 1000n);
  }
  return makeData({ type: new TimestampMicrosecond(TIMESTAMP_ZONE), length: data.length, offset: 0, nullCount: data.nullCount, nullBitmap: rebase(data), data: out } as never);
}

function rebase(data: Data): Uint8Array | undefined {
  if (data.nullCount === 0 || !data.nullBitmap) return undefined;
  if (data.offset === 0) return data.nullBitmap;
  const out = new Uint8Array((data.length + 7) >> 3);
  for (let i = 0; i < data.length; i++) {
    const bit = data.offset + i;
    if ((data.nullBitmap[bit >> 3]! >> (bit & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}
