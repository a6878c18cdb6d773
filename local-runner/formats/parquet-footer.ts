/**
 * A Parquet file's footer, read by gluekit itself, and the one-row-group files it is cut
 * into for decoding.
 *
 * Why not let parquet-wasm read the file: its asynchronous reader (the only one that
 * reads a Blob piece by piece) turns every decoding error into a WebAssembly panic that
 * escapes as an uncaught exception and ends the process (parquet-wasm 0.8.0 unwraps the
 * results in `ParquetFile.read` and `stream`). Its synchronous `readParquet` reports
 * errors properly but needs the file in memory. So gluekit reads the footer, fetches only
 * the column chunks of the requested columns in one row group, and hands parquet-wasm a
 * small, self-contained Parquet file holding just those (`rowGroupFile`). Owning the
 * footer also gives gluekit what parquet-wasm does not expose or gets wrong:
 * - row-group statistics, for predicate pushdown;
 * - INT96 timestamps as written (parquet-wasm converts them to 64-bit nanoseconds, which
 *   overflows for years before 1677 or after 2262, dates Spark stores without trouble):
 *   the copy declares them FIXED_LEN_BYTE_ARRAY(12) and parquet.ts decodes the bytes;
 * - sanity checks before anything is decoded (sizes and offsets against the file size,
 *   page headers, a memory budget), so a corrupt file is an error, not a crash;
 * - page checksums (CRC-32), which parquet-wasm does not verify;
 * - footers only the copy can fix: chunk sizes that leave out the dictionary page header
 *   (parquet-mr before 1.2.9, IMPALA-694) are measured from the page headers, and fields
 *   some writers reuse for their own data (Dremio's ColumnMetaData field 15) are dropped.
 * The copy also leaves out the ARROW:schema hint, so columns are typed from the Parquet
 * schema alone, as Spark types them.
 */
import { crc32 } from 'node:zlib';
import type { ByteRanges, ScratchBytes } from './format.js';
import { CompactReader, ThriftError, WIRE, writeStruct, type ThriftField, type ThriftList, type ThriftStruct, type ThriftValue } from './thrift-compact.js';

/** Parquet's physical types (parquet.thrift `Type`). */
export const PHYSICAL = { boolean: 0, int32: 1, int64: 2, int96: 3, float: 4, double: 5, byteArray: 6, fixedLenByteArray: 7 } as const;
const PHYSICAL_NAMES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];

/** parquet.thrift `ConvertedType` values gluekit looks at. */
export const CONVERTED = { utf8: 0, decimal: 5, date: 6, timestampMillis: 9, timestampMicros: 10, uint8: 11, uint16: 12, uint32: 13, uint64: 14, interval: 21 } as const;

/** parquet.thrift `LogicalType` union members, by field id. */
const LOGICAL_NAMES: Record<number, string> = {
  1: 'STRING', 2: 'MAP', 3: 'LIST', 4: 'ENUM', 5: 'DECIMAL', 6: 'DATE', 7: 'TIME', 8: 'TIMESTAMP',
  10: 'INTEGER', 11: 'UNKNOWN', 12: 'JSON', 13: 'BSON', 14: 'UUID', 15: 'FLOAT16', 16: 'VARIANT', 17: 'GEOMETRY', 18: 'GEOGRAPHY',
};

/** Decoded row groups larger than this are refused: WebAssembly has 4 GiB, and the copies to JavaScript need as much again. */
export const ROW_GROUP_BUDGET = 1536 * 1024 * 1024;

/**
 * Parquet-mr before 1.2.9 left the dictionary page header out of a column chunk's size.
 * Arrow C++ reads up to this many extra bytes for such files; gluekit does the same and
 * then measures the chunk from its page headers.
 */
const DICTIONARY_HEADER_SLACK = 100;

export class ParquetFooterError extends Error {}
/** A feature gluekit cannot read; `column` is the top-level column it belongs to, if any. */
export class ParquetUnsupported extends Error {
  constructor(
    readonly feature: string,
    readonly column?: string,
  ) {
    super(feature);
  }
}

export interface SchemaNode {
  readonly name: string;
  /** The SchemaElement as read. */
  readonly element: ThriftStruct;
  readonly children: SchemaNode[];
  /** Physical type for leaves. */
  readonly physical?: number;
  readonly repetition: number;
  /** Leaf columns under this node (itself for a leaf), as indexes into `ParquetFooter.leaves`. */
  readonly leaves: number[];
}

export interface Leaf {
  readonly path: string[];
  readonly node: SchemaNode;
  /** The top-level column this leaf belongs to (index into `ParquetFooter.columns`). */
  readonly column: number;
}

export interface ChunkMeta {
  /** The ColumnChunk struct as read. */
  readonly raw: ThriftStruct;
  readonly meta: ThriftStruct;
  readonly start: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly numValues: number;
  readonly dataPageOffset: number;
  readonly dictionaryPageOffset?: number;
  readonly statistics?: ThriftStruct;
}

export interface RowGroupMeta {
  readonly numRows: number;
  readonly chunks: ChunkMeta[];
  readonly uncompressedSize: number;
}

export interface ParquetFooter {
  readonly raw: ThriftStruct;
  readonly footerStart: number;
  readonly numRows: number;
  readonly createdBy?: string;
  readonly root: SchemaNode;
  /** Top-level columns, in file order. */
  readonly columns: SchemaNode[];
  readonly leaves: Leaf[];
  readonly rowGroups: RowGroupMeta[];
  /** Whether min_value/max_value follow the type's own order (the file has ColumnOrders). */
  readonly typeDefinedOrder: boolean;
}

const get = (s: ThriftStruct | undefined, id: number): ThriftValue | undefined => s?.get(id)?.value;
const num = (s: ThriftStruct | undefined, id: number): number | undefined => {
  const v = get(s, id);
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : undefined;
};
const text = (s: ThriftStruct | undefined, id: number): string | undefined => {
  const v = get(s, id);
  return v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined;
};
const list = (s: ThriftStruct | undefined, id: number): ThriftValue[] => {
  const v = get(s, id) as ThriftList | undefined;
  return v && typeof v === 'object' && 'items' in v ? v.items : [];
};

/** Reads and checks the footer of a file of `size` bytes, reading only its tail. */
export async function readFooter(read: ByteRanges, size: number): Promise<ParquetFooter> {
  if (size < 12) throw new ParquetFooterError(`not a Parquet file: ${size} bytes`);
  const tail = await read(size - 8, size);
  const magic = String.fromCharCode(...tail.subarray(4));
  if (magic === 'PARE') throw new ParquetUnsupported('encrypted footer (Parquet modular encryption)');
  if (magic !== 'PAR1') throw new ParquetFooterError('not a Parquet file: it does not end with "PAR1"');
  const length = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(0, true);
  if (length === 0 || length > size - 12) throw new ParquetFooterError(`footer length ${length} does not fit in a file of ${size} bytes`);
  const footerStart = size - 8 - length;
  const bytes = await read(footerStart, size - 8);
  let raw: ThriftStruct;
  try {
    raw = new CompactReader(bytes).struct();
  } catch (e) {
    if (e instanceof ThriftError) throw new ParquetFooterError(`corrupt footer: ${e.message}`);
    throw e;
  }
  return interpret(raw, footerStart);
}

function interpret(raw: ThriftStruct, footerStart: number): ParquetFooter {
  if (raw.has(8)) throw new ParquetUnsupported('encrypted columns (Parquet modular encryption)');
  const elements = list(raw, 2) as ThriftStruct[];
  if (elements.length === 0) throw new ParquetFooterError('corrupt footer: no schema');
  const leaves: Leaf[] = [];
  let next = 0;
  const build = (depth: number, column: number, path: string[]): SchemaNode => {
    if (depth > 64) throw new ParquetFooterError('corrupt footer: schema nested too deeply');
    const element = elements[next++];
    if (!(element instanceof Map)) throw new ParquetFooterError('corrupt footer: schema shorter than its num_children say');
    const name = text(element, 4) ?? '';
    const childCount = num(element, 5);
    const repetition = num(element, 3) ?? 0;
    const here = depth === 0 ? [] : [...path, name];
    if (depth > 0 && element.has(1)) {
      const physical = num(element, 1);
      if (physical === undefined || physical < 0 || physical > 7) throw new ParquetFooterError(`corrupt footer: column ${here.join('.')} has no valid physical type`);
      const node: SchemaNode = { name, element, children: [], physical, repetition, leaves: [leaves.length] };
      leaves.push({ path: here, node, column });
      return node;
    }
    if (childCount === undefined || childCount < 0 || childCount > elements.length - next) throw new ParquetFooterError(`corrupt footer: ${name || 'the root'} claims ${childCount} children`);
    const children: SchemaNode[] = [];
    const first = leaves.length;
    for (let i = 0; i < childCount; i++) children.push(build(depth + 1, depth === 0 ? i : column, here));
    const leafIndexes = Array.from({ length: leaves.length - first }, (_, i) => first + i);
    return { name, element, children, repetition, leaves: leafIndexes };
  };
  const root = build(0, -1, []);
  if (next !== elements.length) throw new ParquetFooterError(`corrupt footer: ${elements.length - next} schema elements belong to no column`);

  const numRows = num(raw, 3) ?? 0;
  if (numRows < 0) throw new ParquetFooterError(`corrupt footer: ${numRows} rows`);
  const rowGroups: RowGroupMeta[] = [];
  let rowSum = 0;
  for (const [g, group] of (list(raw, 4) as ThriftStruct[]).entries()) {
    const groupRows = num(group, 3) ?? -1;
    if (groupRows < 0) throw new ParquetFooterError(`corrupt footer: row group ${g} has ${groupRows} rows`);
    rowSum += groupRows;
    const columnChunks = list(group, 1) as ThriftStruct[];
    if (columnChunks.length !== leaves.length)
      throw new ParquetFooterError(`corrupt footer: row group ${g} has ${columnChunks.length} column chunks for ${leaves.length} columns`);
    let uncompressedSize = 0;
    const chunks = columnChunks.map((chunk, c): ChunkMeta => {
      const where = `row group ${g}, column ${leaves[c]!.path.join('.')}`;
      if (get(chunk, 1) !== undefined) throw new ParquetUnsupported('column data in another file (ColumnChunk.file_path)', leaves[c]!.path[0]);
      if (chunk.has(8) || chunk.has(9)) throw new ParquetUnsupported('encrypted columns (Parquet modular encryption)', leaves[c]!.path[0]);
      const meta = get(chunk, 3) as ThriftStruct | undefined;
      if (!(meta instanceof Map)) throw new ParquetFooterError(`corrupt footer: ${where} has no metadata`);
      const physical = num(meta, 1);
      if (physical !== leaves[c]!.node.physical)
        throw new ParquetFooterError(`corrupt footer: ${where} is ${PHYSICAL_NAMES[physical ?? -1] ?? physical} in its chunk but ${PHYSICAL_NAMES[leaves[c]!.node.physical!]} in the schema`);
      const dataPageOffset = num(meta, 9) ?? -1;
      // Offsets before byte 4 are inside the magic: writers use 0 for "no dictionary page".
      const dict = num(meta, 11);
      const dictionaryPageOffset = dict !== undefined && dict >= 4 ? dict : undefined;
      const start = dictionaryPageOffset !== undefined ? Math.min(dictionaryPageOffset, dataPageOffset) : dataPageOffset;
      const compressedSize = num(meta, 7) ?? -1;
      const uncompressed = num(meta, 6) ?? -1;
      const numValues = num(meta, 5) ?? -1;
      // Empty chunks (no values) are never read; some writers leave their offsets at 0.
      if (numValues > 0 && (start < 4 || compressedSize < 0 || start + compressedSize > footerStart))
        throw new ParquetFooterError(`corrupt footer: ${where} spans bytes ${start}..${start + compressedSize}, outside the data (4..${footerStart})`);
      if (uncompressed < 0 || numValues < 0) throw new ParquetFooterError(`corrupt footer: ${where} has negative sizes`);
      uncompressedSize += uncompressed;
      const statistics = get(meta, 12);
      return {
        raw: chunk, meta, start, compressedSize, uncompressedSize: uncompressed, numValues, dataPageOffset,
        ...(dictionaryPageOffset !== undefined && { dictionaryPageOffset }),
        ...(statistics instanceof Map && { statistics }),
      };
    });
    rowGroups.push({ numRows: groupRows, chunks, uncompressedSize });
  }
  // The row groups' counts are what decoding checks; some writers leave the file's total at 0.
  if (rowSum !== numRows && numRows !== 0) throw new ParquetFooterError(`corrupt footer: the file has ${numRows} rows but its row groups hold ${rowSum}`);
  const createdBy = text(raw, 6);
  return {
    raw, footerStart, numRows: rowSum, root, columns: root.children, leaves, rowGroups,
    typeDefinedOrder: list(raw, 7).length === leaves.length,
    ...(createdBy !== undefined && { createdBy }),
  };
}

/** Why a column (or anything inside it) cannot be read, judged from the Parquet schema alone; undefined if nothing there is known to be unreadable. */
export function unsupportedIn(node: SchemaNode): string | undefined {
  const logical = get(node.element, 10);
  if (logical instanceof Map) {
    for (const id of logical.keys()) {
      const name = LOGICAL_NAMES[id];
      if (name === undefined) return `unknown logical type (LogicalType field ${id})`;
      if (name === 'VARIANT' || name === 'GEOMETRY' || name === 'GEOGRAPHY') return `${name} logical type (Spark 3 and Glue have no such type)`;
    }
  }
  if (node.physical === undefined && node.children.length === 0) return 'an empty group (a struct with no fields; Spark cannot read it)';
  if (num(node.element, 6) === CONVERTED.interval) return 'INTERVAL (Spark cannot read Parquet intervals)';
  for (const child of node.children) {
    const reason = unsupportedIn(child);
    if (reason) return reason;
  }
  return undefined;
}

export function isInt96(leaf: Leaf): boolean {
  return leaf.node.physical === PHYSICAL.int96;
}

/** The extent of one column chunk after its pages were walked: where it starts and how long it really is. */
export interface ChunkBytes {
  readonly bytes: Uint8Array;
  readonly start: number;
}

/**
 * Fetches the chunks of `leafIndexes` in one row group, walks their page headers (checking
 * sizes and checksums) and returns each chunk's exact bytes.
 */
export async function fetchChunks(read: ByteRanges, footer: ParquetFooter, group: number, leafIndexes: number[], scratch?: ScratchBytes): Promise<ChunkBytes[]> {
  const rowGroup = footer.rowGroups[group]!;
  const wanted = leafIndexes.map((l) => {
    const chunk = rowGroup.chunks[l]!;
    return { chunk, leaf: footer.leaves[l]!, from: chunk.start, to: Math.min(chunk.start + chunk.compressedSize + DICTIONARY_HEADER_SLACK, footer.footerStart) };
  });
  // One read per run of neighbouring chunks: a projection usually asks for several that sit together.
  const order = [...wanted.keys()].sort((a, b) => wanted[a]!.from - wanted[b]!.from);
  const runs: { from: number; to: number; first: number; last: number }[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    let to = wanted[order[i]!]!.to;
    while (j + 1 < order.length && wanted[order[j + 1]!]!.from <= to + 65536) to = Math.max(to, wanted[order[++j]!]!.to);
    runs.push({ from: wanted[order[i]!]!.from, to, first: i, last: j });
    i = j + 1;
  }
  // With scratch, every run is read into its own part of one reused buffer.
  const space = scratch?.take(runs.reduce((n, r) => n + r.to - r.from, 0));
  const buffers = new Map<number, { from: number; bytes: Uint8Array }>();
  let used = 0;
  for (const { from, to, first, last } of runs) {
    const bytes = await read(from, to, space?.subarray(used, used + to - from));
    used += to - from;
    for (let k = first; k <= last; k++) buffers.set(order[k]!, { from, bytes });
  }
  return wanted.map((w, i) => {
    const { from, bytes } = buffers.get(i)!;
    const begin = w.from - from;
    const length = walkPages(bytes.subarray(begin, w.to - from), w.chunk, `row group ${group}, column ${w.leaf.path.join('.')}`);
    return { bytes: bytes.subarray(begin, begin + length), start: w.chunk.start };
  });
}

/**
 * Walks a chunk's pages until they hold the chunk's value count; returns the chunk's real
 * length. Checks every header, the page sizes against the bytes there are, and the page
 * CRC where the writer recorded one.
 */
function walkPages(bytes: Uint8Array, chunk: ChunkMeta, where: string): number {
  let pos = 0;
  let values = 0;
  let decoded = 0;
  while (values < chunk.numValues) {
    if (pos >= bytes.length) throw new ParquetFooterError(`${where}: the column chunk ends after ${values} of its ${chunk.numValues} values`);
    let header: ThriftStruct;
    const reader = new CompactReader(bytes, pos);
    try {
      header = reader.struct();
    } catch (e) {
      if (e instanceof ThriftError) throw new ParquetFooterError(`${where}: corrupt page header at byte ${chunk.start + pos} (${e.message})`);
      throw e;
    }
    const type = num(header, 1);
    const compressed = num(header, 3) ?? -1;
    const uncompressed = num(header, 2) ?? -1;
    const body = reader.pos;
    if (compressed < 0 || uncompressed < 0 || body + compressed > bytes.length)
      throw new ParquetFooterError(`${where}: the page at byte ${chunk.start + pos} claims ${compressed} bytes, more than the column chunk holds`);
    decoded += uncompressed;
    if (decoded > ROW_GROUP_BUDGET) throw new ParquetFooterError(`${where}: pages decode to more than ${ROW_GROUP_BUDGET} bytes`);
    const crc = num(header, 4);
    if (crc !== undefined && (crc32(bytes.subarray(body, body + compressed)) | 0) !== crc)
      throw new ParquetFooterError(`${where}: page checksum mismatch at byte ${chunk.start + pos}: the file is corrupt`);
    const pageHeader = type === 0 ? get(header, 5) : type === 3 ? get(header, 8) : undefined;
    if (pageHeader instanceof Map) {
      const n = num(pageHeader, 1) ?? -1;
      if (n < 0) throw new ParquetFooterError(`${where}: the page at byte ${chunk.start + pos} has ${n} values`);
      values += n;
    } else if (type === 2) {
      const n = num(get(header, 7) as ThriftStruct | undefined, 1) ?? 0;
      if (n < 0) throw new ParquetFooterError(`${where}: the dictionary page at byte ${chunk.start + pos} has ${n} values`);
    }
    pos = body + compressed;
  }
  return pos;
}

const i32 = (value: number): ThriftField => ({ type: WIRE.i32, value });
const i64 = (value: number): ThriftField => ({ type: WIRE.i64, value: BigInt(value) });
const copyFields = (from: ThriftStruct, ids: number[]): ThriftStruct => {
  const out: ThriftStruct = new Map();
  for (const id of ids) {
    const f = from.get(id);
    if (f) out.set(id, f);
  }
  return out;
};

/** SchemaElement fields the decoder needs; field_id and anything newer are left out. */
const SCHEMA_FIELDS = [1, 2, 3, 4, 5, 6, 7, 8, 10];

/**
 * A complete Parquet file holding the top-level columns `columns` (indexes into
 * `footer.columns`) of one row group (or none, for reading the schema only), whose chunk
 * bytes are `chunks` in leaf order. INT96 leaves become FIXED_LEN_BYTE_ARRAY(12).
 * `arrowSchema`, when given, is stored as the file's `ARROW:schema` key (the base64 of an
 * encapsulated Arrow IPC schema message): the decoder then gives the columns those Arrow
 * types, which is how parquet.ts asks for dictionary-encoded strings.
 */
export function rowGroupFile(footer: ParquetFooter, columns: number[], group?: { index: number; chunks: ChunkBytes[] }, arrowSchema?: string, scratch?: ScratchBytes): Uint8Array {
  const schema: ThriftStruct[] = [];
  const rootElement = copyFields(footer.root.element, SCHEMA_FIELDS);
  rootElement.set(5, i32(columns.length));
  schema.push(rootElement);
  const addNode = (node: SchemaNode): void => {
    const element = copyFields(node.element, SCHEMA_FIELDS);
    if (node.physical === PHYSICAL.int96) {
      element.set(1, i32(PHYSICAL.fixedLenByteArray));
      element.set(2, i32(12));
    }
    schema.push(element);
    node.children.forEach(addNode);
  };
  for (const c of columns) addNode(footer.columns[c]!);

  const rowGroups: ThriftStruct[] = [];
  let numRows = 0;
  if (group) {
    const parts: Uint8Array[] = [];
    let offset = 4;
    const leafIndexes = columns.flatMap((c) => footer.columns[c]!.leaves);
    const meta = footer.rowGroups[group.index]!;
    const chunkStructs = leafIndexes.map((l, i) => {
      const chunk = meta.chunks[l]!;
      const bytes = group.chunks[i]!;
      const shift = offset - bytes.start;
      const m = copyFields(chunk.meta, [1, 2, 3, 4, 5, 6]);
      if (footer.leaves[l]!.node.physical === PHYSICAL.int96) m.set(1, i32(PHYSICAL.fixedLenByteArray));
      m.set(7, i64(bytes.bytes.length));
      m.set(9, i64(chunk.dataPageOffset + shift));
      if (chunk.dictionaryPageOffset !== undefined) m.set(11, i64(chunk.dictionaryPageOffset + shift));
      const out: ThriftStruct = new Map([[2, i64(offset)], [3, { type: WIRE.struct, value: m }]]);
      parts.push(bytes.bytes);
      offset += bytes.bytes.length;
      return out;
    });
    numRows = meta.numRows;
    rowGroups.push(new Map([
      [1, { type: WIRE.list, value: { elementType: WIRE.struct, items: chunkStructs } }],
      [2, i64(meta.uncompressedSize)],
      [3, i64(numRows)],
    ]));
    const fileMeta = fileMetaData(footer, schema, numRows, rowGroups, arrowSchema);
    return assemble(parts, fileMeta, scratch);
  }
  return assemble([], fileMetaData(footer, schema, 0, rowGroups, arrowSchema));
}

const utf8 = new TextEncoder();

function fileMetaData(footer: ParquetFooter, schema: ThriftStruct[], numRows: number, rowGroups: ThriftStruct[], arrowSchema?: string): Uint8Array {
  const fileMeta = copyFields(footer.raw, [1, 6]);
  if (arrowSchema !== undefined) {
    // key_value_metadata (field 5): one KeyValue { 1: key, 2: value }.
    const keyValue: ThriftStruct = new Map([
      [1, { type: WIRE.binary, value: utf8.encode('ARROW:schema') }],
      [2, { type: WIRE.binary, value: utf8.encode(arrowSchema) }],
    ]);
    fileMeta.set(5, { type: WIRE.list, value: { elementType: WIRE.struct, items: [keyValue] } });
  }
  if (!fileMeta.has(1)) fileMeta.set(1, i32(1));
  fileMeta.set(2, { type: WIRE.list, value: { elementType: WIRE.struct, items: schema } });
  fileMeta.set(3, i64(numRows));
  fileMeta.set(4, { type: WIRE.list, value: { elementType: WIRE.struct, items: rowGroups } });
  return writeStruct(fileMeta);
}

function assemble(parts: Uint8Array[], footer: Uint8Array, scratch?: ScratchBytes): Uint8Array {
  const dataLength = parts.reduce((n, p) => n + p.length, 0);
  const size = 4 + dataLength + footer.length + 8;
  const out = scratch ? scratch.take(size) : new Uint8Array(size);
  const magic = [0x50, 0x41, 0x52, 0x31];
  out.set(magic, 0);
  let at = 4;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  out.set(footer, at);
  at += footer.length;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(at, footer.length, true);
  out.set(magic, at + 4);
  return out;
}
