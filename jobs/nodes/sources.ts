/**
 * Sources: where a job's rows come from. An S3 path in a given format with a declared
 * schema, or a Glue Data Catalog table. Either may be client-side encrypted (CSE-KMS).
 */
import { describe, resolveSchema, typeText, type Schema, type SchemaInput } from '../../catalog/schema.js';
import { resolveTable, type ResolvedTable, type TableDefinition } from '../../catalog/table.js';
import { parseS3Url, type S3Url } from '../../core/aws-names.js';
import type { Reporter } from '../../core/problems.js';
import { py, pyCol, pyList, studioNode, studioSchema } from '../../transforms/shared.js';
import type { StudioNode } from '../../transforms/transform.js';
import { resolveEncryption, type CseKms, type ResolvedEncryption } from './encryption.js';

export type SourceFormat = 'parquet' | 'csv' | 'json';

export interface CsvOptions {
  /** Field separator. Default `,`. */
  readonly separator?: ',' | '\t' | '|' | ';';
  /** Quote character, or null for none. Default `"`. */
  readonly quote?: '"' | "'" | null;
  /** Whether the first line holds column names. Default true. */
  readonly header?: boolean;
}

export interface S3SourceDefinition {
  readonly kind: 'S3Source';
  /** `s3://bucket/prefix/` (every object below it) or `s3://bucket/key` (one object). */
  readonly path: string;
  /** File format. JSON means JSON Lines: one object per line. */
  readonly format: SourceFormat;
  /** The columns the job reads, in order. Columns in the files but not here are ignored. */
  readonly schema: SchemaInput;
  /** CSV parsing options (format 'csv' only). */
  readonly csv?: CsvOptions;
  /** Set when the objects are client-side encrypted: `cseKms(keyArn)`. */
  readonly encryption?: CseKms;
}

export interface CatalogSourceDefinition {
  readonly kind: 'CatalogSource';
  /** The table to read, from `defineTable`. Its columns then partition keys form the schema. */
  readonly table: TableDefinition;
  /** Set when the table's objects are client-side encrypted: `cseKms(keyArn)`. */
  readonly encryption?: CseKms;
  /**
   * Files whose columns differ from the table. 'fail' (default): the local run stops with
   * a column-by-column diff. 'permissive': read as Glue's DynamicFrame does, missing
   * columns null and extra columns dropped (locally with a warning; the Glue script
   * selects missing columns as nulls).
   */
  readonly schemaDrift?: 'fail' | 'permissive';
}

export type SourceDefinition = S3SourceDefinition | CatalogSourceDefinition;

/** Reads objects under an S3 path. */
export function s3Source(props: Omit<S3SourceDefinition, 'kind'>): S3SourceDefinition {
  return Object.freeze({ kind: 'S3Source', ...props });
}

/** Reads a Glue Data Catalog table. */
export function catalogSource(props: Omit<CatalogSourceDefinition, 'kind'>): CatalogSourceDefinition {
  return Object.freeze({ kind: 'CatalogSource', ...props });
}

interface SourceNodeBase {
  readonly role: 'source';
  readonly id: string;
  readonly inputs: readonly [];
  readonly schema: Schema;
  /** Present when the objects are CSE-KMS encrypted. */
  readonly encryption?: Extract<ResolvedEncryption, { mode: 'CSE-KMS' }>;
  /** The S3 location read (a table's location for catalog sources). */
  readonly location: S3Url;
}

export interface S3SourceNode extends SourceNodeBase {
  readonly kind: 'S3Source';
  readonly path: string;
  readonly format: SourceFormat;
  readonly csv: Required<CsvOptions>;
}

export interface CatalogSourceNode extends SourceNodeBase {
  readonly kind: 'CatalogSource';
  readonly table: ResolvedTable;
  readonly schemaDrift: 'fail' | 'permissive';
}

export type SourceNode = S3SourceNode | CatalogSourceNode;

const CSV_DEFAULTS: Required<CsvOptions> = { separator: ',', quote: '"', header: true };

export function resolveSource(id: string, def: unknown, at: Reporter): SourceNode | undefined {
  if (!def || typeof def !== 'object') {
    at.error(`expected a source (s3Source(...) or catalogSource(...)), got ${describe(def)}`);
    return undefined;
  }
  const kind = (def as { kind?: unknown }).kind;
  const encryptionValue = (def as { encryption?: unknown }).encryption;
  const encryption =
    encryptionValue === undefined ? undefined : resolveEncryption(encryptionValue, at.child('encryption'), ['CSE-KMS']);
  const encryptionOk = encryptionValue === undefined || encryption !== undefined;
  const cse = encryption as SourceNodeBase['encryption'];

  if (kind === 'S3Source') {
    const d = def as S3SourceDefinition;
    const url = parseS3Url(d.path);
    if (url.reason) at.child('path').error(url.reason);
    if (!['parquet', 'csv', 'json'].includes(d.format)) at.child('format').error(`unsupported format ${describe(d.format)}`, 'one of "parquet", "csv", "json"');
    const csv = resolveCsv(d, at);
    const schema = resolveSchema(d.schema, at.child('schema'));
    if (!url.url || !schema || !csv || !encryptionOk || !['parquet', 'csv', 'json'].includes(d.format)) return undefined;
    return Object.freeze({
      role: 'source', kind, id, inputs: [] as const, path: d.path, location: url.url, format: d.format, csv, schema,
      ...(cse && { encryption: cse }),
    });
  }
  if (kind === 'CatalogSource') {
    const table = resolveTable((def as CatalogSourceDefinition).table, at.child('table'));
    const schemaDrift = (def as CatalogSourceDefinition).schemaDrift ?? 'fail';
    const driftOk = schemaDrift === 'fail' || schemaDrift === 'permissive';
    if (!driftOk) at.child('schemaDrift').error(`unsupported schemaDrift ${describe(schemaDrift)}`, 'one of "fail", "permissive"');
    if (!table || !encryptionOk || !driftOk) return undefined;
    return Object.freeze({
      role: 'source', kind, id, inputs: [] as const, table, schemaDrift, location: parseS3Url(table.location).url!,
      schema: Object.freeze([...table.columns, ...table.partitionKeys]),
      ...(cse && { encryption: cse }),
    });
  }
  at.child('kind').error(`unknown source kind ${describe(kind)}`, 'build sources with s3Source(...) or catalogSource(...)');
  return undefined;
}

function resolveCsv(d: S3SourceDefinition, at: Reporter): Required<CsvOptions> | undefined {
  if (d.csv === undefined) return CSV_DEFAULTS;
  if (d.format !== 'csv') {
    at.child('csv').error(`csv options given for a ${d.format} source`);
    return undefined;
  }
  const csv = { ...CSV_DEFAULTS, ...d.csv };
  if (![',', '\t', '|', ';'].includes(csv.separator)) {
    at.child('csv').child('separator').error(`unsupported separator ${describe(csv.separator)}`, 'one of ",", "\\t", "|", ";" (what Glue supports)');
    return undefined;
  }
  if (![`"`, `'`, null].includes(csv.quote)) {
    at.child('csv').child('quote').error(`unsupported quote ${describe(csv.quote)}`, `one of '"', "'", or null`);
    return undefined;
  }
  if (typeof csv.header !== 'boolean') {
    at.child('csv').child('header').error(`expected true or false, got ${describe(csv.header)}`);
    return undefined;
  }
  return Object.freeze(csv);
}

// ---- code generation -------------------------------------------------------

/**
 * Reads through a DynamicFrame (so job bookmarks track the source by its
 * transformation_ctx), then selects and casts exactly the declared columns, so the rest
 * of the script sees the schema that validation checked.
 */
export function sourcePySpark(node: SourceNode, df: string): string[] {
  const dyf = `dyf_${node.id}`;
  const lines: string[] = [];
  if (node.kind === 'CatalogSource') {
    lines.push(
      `${dyf} = glueContext.create_dynamic_frame.from_catalog(`,
      `    database=${py(node.table.database)},`,
      `    table_name=${py(node.table.name)},`,
      `    transformation_ctx=${py(node.id)},`,
      `)`,
    );
  } else {
    const formatOptions =
      node.format === 'csv'
        ? `{"withHeader": ${node.csv.header ? 'True' : 'False'}, "separator": ${py(node.csv.separator)}, "quoteChar": ${node.csv.quote === null ? '-1' : py(node.csv.quote)}}`
        : node.format === 'json'
          ? `{"multiline": False}`
          : '{}';
    lines.push(
      `${dyf} = glueContext.create_dynamic_frame.from_options(`,
      `    connection_type="s3",`,
      `    connection_options={"paths": ${pyList([node.path])}, "recurse": True},`,
      `    format=${py(node.format)},`,
      `    format_options=${formatOptions},`,
      `    transformation_ctx=${py(node.id)},`,
      `)`,
    );
  }
  if (node.kind === 'CatalogSource' && node.schemaDrift === 'permissive') {
    // A DynamicFrame has only the columns its files hold: the table's others are nulls.
    lines.push(`${df}_read = ${dyf}.toDF()`, `${df} = ${df}_read.select(`);
    for (const f of node.schema) {
      lines.push(`    (${pyCol(f.name)} if ${py(f.name)} in ${df}_read.columns else F.lit(None)).cast(${py(typeText(f.type))}).alias(${py(f.name)}),`);
    }
    lines.push(`)`);
    return lines;
  }
  lines.push(`${df} = ${dyf}.toDF().select(`);
  for (const f of node.schema) lines.push(`    ${pyCol(f.name)}.cast(${py(typeText(f.type))}).alias(${py(f.name)}),`);
  lines.push(`)`);
  return lines;
}

const STUDIO_SEPARATOR: Record<string, string> = { ',': 'comma', '\t': 'tab', '|': 'pipe', ';': 'semicolon' };
const STUDIO_QUOTE: Record<string, string> = { '"': 'quote', "'": 'single_quote' };

export function sourceStudio(node: SourceNode): StudioNode {
  if (node.kind === 'CatalogSource') {
    return studioNode('S3CatalogSource', { Name: node.id, Database: node.table.database, Table: node.table.name });
  }
  const common = { Name: node.id, Paths: [node.path], Recurse: true };
  switch (node.format) {
    case 'parquet':
      return studioNode('S3ParquetSource', { ...common, OutputSchemas: studioSchema(node.schema) });
    case 'json':
      return studioNode('S3JsonSource', { ...common, Multiline: false, OutputSchemas: studioSchema(node.schema) });
    case 'csv':
      return studioNode('S3CsvSource', {
        ...common,
        Separator: STUDIO_SEPARATOR[node.csv.separator],
        QuoteChar: node.csv.quote === null ? 'disabled' : STUDIO_QUOTE[node.csv.quote],
        WithHeader: node.csv.header,
        OutputSchemas: studioSchema(node.schema),
      });
  }
}
