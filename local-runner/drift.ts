/**
 * Schema drift: fixture files of a catalog table whose columns, types or nullability
 * differ from the table's definition.
 *
 * Before a catalog source reads any row, every file below its location is compared with
 * the table, column by column:
 * - Parquet and Arrow files by their own schema: a column missing from the file, one the
 *   table does not have, a different type (char(n) and varchar(n) match a string, since
 *   the files keep no length), or a column the table declares not null that holds
 *   nulls (by the row groups' statistics; Spark writes every column as nullable, so a
 *   nullable column without nulls matches);
 * - CSV by its header (names, and their positions: Glue's CSV SerDes map fields by
 *   position) or, without one, by its number of fields, and by the types Spark infers
 *   from the values, which must be readable as the declared types;
 * - JSON Lines by the fields and types Spark infers from the rows; a field absent from
 *   every sampled row is missing only where the table declares it not null, since JSON
 *   writers leave null fields out.
 * By default any difference stops the run with the full diff. A source that opts into
 * Glue's permissive behaviour (`catalogSource({ table, schemaDrift: 'permissive' })`)
 * is read the way a DynamicFrame reads it instead: missing columns are null, extra
 * columns dropped, differing types cast with Spark's cast (invalid values null), and a
 * warning lists what differed.
 */
import { Utf8, type Data, type RecordBatch } from 'apache-arrow';
import type { Field, Schema } from '../catalog/schema.js';
import { canCast, formatGlueType, isIntegral, isStringLike, t, typesEqual, type GlueType } from '../catalog/types.js';
import type { CatalogSourceNode } from '../jobs/nodes/sources.js';
import { columnAt } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import { stringData } from '../kernels/columns.js';
import { NON_ANSI, type KernelContext } from '../kernels/context.js';
import { textLayoutOf } from './text-layout-type.js';
import { inspectArrowIpc } from './formats/arrow-ipc.js';
import { inferCsvSchema } from './formats/csv.js';
import { withRanges, type ObjectSource } from './formats/format.js';
import { inferJsonSchema } from './formats/json.js';
import { inspectParquet } from './formats/parquet.js';
import { readFooter } from './formats/parquet-footer.js';

export type FileFormat = 'parquet' | 'csv' | 'json' | 'arrow';

export interface ColumnDrift {
  readonly column: string;
  readonly kind: 'missing' | 'extra' | 'type' | 'nullability' | 'position';
  /** The table's side, as printed in the diff (`bigint not null`, `position 2`). */
  readonly table: string;
  /** The file's side. */
  readonly file: string;
}

/** What a file holds compared with its table, and how to read it when drift is allowed. */
export interface FileDrift {
  readonly object: string;
  readonly differences: readonly ColumnDrift[];
  /**
   * The table's data columns the file has, typed as the file holds them (binary
   * formats) or as declared (text formats, which are cast from text anyway).
   */
  readonly present: Schema;
}

const typeOf = (f: Field | undefined) => (f ? `${formatGlueType(f.type)}${f.nullable ? '' : ' not null'}` : '-');

/** Whether binary-format types mean the same column: equal, or a string for char(n)/varchar(n). */
function sameStoredType(table: GlueType, file: GlueType): boolean {
  if (typesEqual(table, file)) return true;
  if (isStringLike(table) && isStringLike(file)) return true;
  if (table.kind === 'array' && file.kind === 'array') return sameStoredType(table.element, file.element);
  if (table.kind === 'map' && file.kind === 'map') return sameStoredType(table.key, file.key) && sameStoredType(table.value, file.value);
  if (table.kind === 'struct' && file.kind === 'struct') {
    return table.fields.length === file.fields.length && table.fields.every((f, i) => f.name === file.fields[i]!.name && sameStoredType(f.type, file.fields[i]!.type));
  }
  return false;
}

/**
 * Whether values Spark inferred as `inferred` from text read as `declared` without loss:
 * anything as a string; integers as any integer, decimal or floating type; fractions as
 * a decimal or floating type; dates as timestamps; and for JSON, text as dates,
 * timestamps, decimals and binary (JSON has no such types, Spark parses the text).
 */
function readableAs(inferred: GlueType, declared: GlueType, format: 'csv' | 'json'): boolean {
  if (typesEqual(inferred, declared) || isStringLike(declared)) return true;
  const number = (t: GlueType) => isIntegral(t) || t.kind === 'decimal' || t.kind === 'float' || t.kind === 'double';
  if (isIntegral(inferred) || (inferred.kind === 'decimal' && inferred.scale === 0)) return number(declared);
  if (inferred.kind === 'double' || inferred.kind === 'decimal') return declared.kind === 'decimal' || declared.kind === 'float' || declared.kind === 'double';
  if (inferred.kind === 'date') return declared.kind === 'timestamp';
  if (format === 'json' && inferred.kind === 'string') return ['date', 'timestamp', 'decimal', 'binary'].includes(declared.kind);
  if (inferred.kind === 'array' && declared.kind === 'array') return readableAs(inferred.element, declared.element, format);
  if (inferred.kind === 'struct' && declared.kind === 'struct') {
    // JSON objects: every field the table declares must be readable; fields never seen are null, extra ones dropped.
    return declared.fields.every((d) => {
      const found = inferred.fields.find((f) => f.name === d.name);
      return !found || readableAs(found.type, d.type, format);
    });
  }
  if (inferred.kind === 'struct' && declared.kind === 'map') {
    return inferred.fields.every((f) => readableAs(f.type, declared.value, format));
  }
  return false;
}

/** The schema a file holds, as the formats' own inspection or Spark's inference gives it. */
async function fileSchema(object: ObjectSource, format: FileFormat, node: CatalogSourceNode): Promise<Schema> {
  switch (format) {
    case 'parquet': {
      const inspected = await inspectParquet(object);
      return [...inspected.schema];
    }
    case 'arrow':
      return [...(await inspectArrowIpc(object)).schema];
    case 'csv': {
      const csv = node.table.csv ?? { separator: ',', quote: '"', header: true };
      return [...(await inferCsvSchema(object, { separator: csv.separator, quote: csv.quote, header: csv.header }))];
    }
    case 'json':
      return [...(await inferJsonSchema(object))];
  }
}

/** Compares one file with its table's data columns. */
export async function fileDrift(node: CatalogSourceNode, object: ObjectSource, format: FileFormat): Promise<FileDrift> {
  const table = node.table.columns;
  const file = await fileSchema(object, format, node);
  const differences: ColumnDrift[] = [];
  const present: Field[] = [];
  const text = format === 'csv' || format === 'json';
  const positional = format === 'csv' && !(node.table.csv?.header ?? true);

  if (positional) {
    // No header: fields are columns by position, so only their number and types can differ.
    table.forEach((column, i) => {
      const found = file[i];
      if (!found) differences.push({ column: column.name, kind: 'missing', table: `position ${i + 1}`, file: `${file.length} fields per line` });
      else {
        present.push(column);
        if (!readableAs(found.type, column.type, 'csv')) differences.push({ column: column.name, kind: 'type', table: typeOf(column), file: `values of type ${formatGlueType(found.type)}` });
      }
    });
    for (let i = table.length; i < file.length; i++) differences.push({ column: `field ${i + 1}`, kind: 'extra', table: '-', file: formatGlueType(file[i]!.type) });
    return { object: object.name, differences, present };
  }

  for (const [i, column] of table.entries()) {
    const at = file.findIndex((f) => f.name === column.name);
    const found = file[at];
    if (!found) {
      // JSON Lines leave null fields out (Spark's writer does), so a nullable field absent from a file is just null.
      if (format === 'json' && column.nullable && !file.some((f) => f.name.toLowerCase() === column.name.toLowerCase())) continue;
      const near = file.find((f) => f.name.toLowerCase() === column.name.toLowerCase());
      differences.push({ column: column.name, kind: 'missing', table: typeOf(column), file: near ? `- (the file has "${near.name}"; names match exactly)` : '-' });
      continue;
    }
    present.push(text ? column : { ...found, nullable: true });
    if (text ? !readableAs(found.type, column.type, format) : !sameStoredType(column.type, found.type)) {
      differences.push({ column: column.name, kind: 'type', table: typeOf(column), file: text ? `values of type ${formatGlueType(found.type)}` : typeOf(found) });
    } else if (!text && !column.nullable && found.nullable) {
      // Spark writes every column as nullable, so only nulls the file actually holds are a difference.
      const nulls = format === 'parquet' ? await parquetNulls(object, column.name) : undefined;
      if (nulls !== 0) differences.push({ column: column.name, kind: 'nullability', table: typeOf(column), file: `${typeOf(found)} (${nulls === undefined ? 'may hold nulls' : `${nulls} null${nulls === 1 ? '' : 's'}`})` });
    }
    if (format === 'csv' && at !== i) differences.push({ column: column.name, kind: 'position', table: `position ${i + 1}`, file: `position ${at + 1}` });
  }
  const declared = new Set(table.map((c) => c.name));
  for (const f of file) if (!declared.has(f.name)) differences.push({ column: f.name, kind: 'extra', table: '-', file: typeOf(f) });
  return { object: object.name, differences, present };
}

/** The nulls a flat Parquet column holds, from its row groups' statistics; undefined when some row group does not say. */
async function parquetNulls(object: ObjectSource, name: string): Promise<number | undefined> {
  const footer = await withRanges(object, (read) => readFooter(read, object.size));
  const column = footer.columns.find((c) => c.name === name);
  if (!column || column.leaves.length !== 1) return undefined;
  let nulls = 0;
  for (const group of footer.rowGroups) {
    const count = group.chunks[column.leaves[0]!]!.statistics?.get(3)?.value;
    if (typeof count !== 'bigint' && typeof count !== 'number') return undefined;
    nulls += Number(count);
  }
  return nulls;
}

const KIND_TEXT: Record<ColumnDrift['kind'], string> = {
  missing: 'missing from the file',
  extra: 'not in the table',
  type: 'type differs',
  nullability: 'nulls in a not-null column',
  position: 'at another position (Glue reads CSV fields by position)',
};

/** A column-by-column diff of the files that differ, as one message. */
export function formatDrift(node: CatalogSourceNode, files: readonly FileDrift[]): string {
  const lines = [`source "${node.id}": fixtures differ from table ${node.table.database}.${node.table.name}:`];
  for (const f of files) {
    if (f.differences.length === 0) continue;
    lines.push(`  ${f.object}:`);
    const rows = [['column', 'table', 'file', ''], ...f.differences.map((d) => [d.column, d.table, d.file, KIND_TEXT[d.kind]])];
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) lines.push(`    ${r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ').trimEnd()}`);
  }
  return lines.join('\n');
}

/** A catalog source's object, opened for its schema (decrypted first when the source is CSE-KMS). */
export interface DriftObject {
  readonly key: string;
  readonly format: FileFormat;
  open(): Promise<{ source: ObjectSource; dispose(): Promise<void> }>;
}

export class SchemaDriftError extends Error {}

/**
 * Compares every file of a catalog source with its table. Throws SchemaDriftError with the
 * whole diff unless the source allows drift; then warns once and returns, by object key,
 * how to read each file that differs.
 */
export async function checkDrift(node: CatalogSourceNode, objects: readonly DriftObject[], warn: (message: string) => void): Promise<Map<string, FileDrift>> {
  const drifted = new Map<string, FileDrift>();
  for (const object of objects) {
    const { source, dispose } = await object.open();
    try {
      const drift = await fileDrift(node, source, object.format);
      if (drift.differences.length > 0) drifted.set(object.key, drift);
    } finally {
      await dispose();
    }
  }
  if (drifted.size === 0) return drifted;
  const diff = formatDrift(node, [...drifted.values()]);
  if (node.schemaDrift !== 'permissive') {
    throw new SchemaDriftError(`${diff}\n  the run stops; fix the fixtures or the table, or set schemaDrift: 'permissive' on the source to read them as Glue's DynamicFrame does (missing columns null, extra columns dropped)`);
  }
  warn(`${diff}\n  read permissively (schemaDrift: 'permissive'): missing columns are null, extra columns dropped, other types cast`);
  return drifted;
}

/**
 * The table's data columns of a batch read with `drift.present`, the way a DynamicFrame
 * gives them to the script's select-and-cast: missing columns null, text columns cast from
 * their text layout, and columns whose type differs cast with Spark's non-ANSI cast
 * (invalid values null), or null when Spark cannot cast them at all.
 */
export function permissiveColumns(batch: RecordBatch, drift: FileDrift, declared: Schema, text: boolean, ctx: KernelContext): Data[] {
  return declared.map((column) => {
    const at = drift.present.findIndex((f) => f.name === column.name);
    if (at < 0) return nullColumn(column.type, batch.numRows);
    const data = columnAt(batch, at);
    if (text) {
      const differs = drift.differences.some((d) => d.column === column.name && d.kind === 'type');
      return castColumn(data, textLayoutOf(column.type), column.type, differs ? NON_ANSI : ctx);
    }
    const present = drift.present[at]!;
    if (typesEqual(present.type, column.type)) return data;
    return canCast(present.type, column.type) ? castColumn(data, present.type, column.type, NON_ANSI) : nullColumn(column.type, batch.numRows);
  });
}

function nullColumn(type: GlueType, rows: number): Data {
  return castColumn(stringData(new Utf8(), Array.from({ length: rows }, () => null)), t.string(), type, NON_ANSI);
}
