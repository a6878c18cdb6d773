/**
 * Glue Data Catalog databases and tables, defined once in TypeScript.
 *
 * A job reads a table through `catalogSource({ table })`; its columns (and partition
 * keys, which Glue appends after the columns) are the source's schema, its location
 * scopes the IAM policy, and the compiler turns it into CreateDatabase and CreateTable
 * inputs (jobs/compile/catalog.ts). The local runner reads its fixtures with the table's
 * storage options and checks them against its columns (local-runner/drift.ts).
 *
 * Definitions are plain frozen data, checked only when a job that uses them is validated,
 * so that every problem is reported at once with its field path.
 */
import { parseS3Url } from '../core/aws-names.js';
import { suggest } from '../core/did-you-mean.js';
import type { Reporter } from '../core/problems.js';
import { describe, resolveSchema, type Schema, type SchemaInput } from './schema.js';
import { formatGlueType, isComplex } from './types.js';

export type TableFormat = 'parquet' | 'csv' | 'json';
export type TableCompression = 'none' | 'snappy' | 'gzip' | 'zstd';

export interface DatabaseProps {
  /** Database name: lower-case letters, digits and underscores (Glue stores names in lower case). */
  readonly name: string;
  readonly description?: string;
  /** Default location of the database's tables: `s3://bucket/prefix/`. */
  readonly locationUri?: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

export type DatabaseDefinition<P extends DatabaseProps = DatabaseProps> = P & { readonly kind: 'Database' };

/** Defines a catalog database. Checked when a job that uses one of its tables is validated. */
export function defineDatabase<const P extends DatabaseProps>(props: P): DatabaseDefinition<P> {
  return Object.freeze({ kind: 'Database', ...props }) as DatabaseDefinition<P>;
}

/**
 * How CSV files are laid out. The compiler picks the SerDe a Glue crawler would: the
 * OpenCSVSerde when fields may be quoted, the LazySimpleSerDe when they are not.
 */
export interface CsvSerdeOptions {
  /** Field separator. Default `,`. */
  readonly separator?: ',' | '\t' | '|' | ';';
  /** Quote character, or null for unquoted files (LazySimpleSerDe). Default `"`. */
  readonly quote?: '"' | "'" | null;
  /** Escape character inside quoted fields (OpenCSVSerde's escapeChar). Default: none, quotes are doubled. */
  readonly escape?: '\\' | null;
  /** Whether the first line of each file holds column names (skip.header.line.count = 1). Default true. */
  readonly header?: boolean;
  /** A field text read as NULL besides the empty field (serialization.null.format; LazySimpleSerDe only). */
  readonly nullToken?: string;
}

export interface TableProps {
  /** The database: a `defineDatabase` result or its name. */
  readonly database: string | DatabaseDefinition;
  /** Table name: lower-case letters, digits and underscores. */
  readonly name: string;
  /** The data columns, in file order. A column may carry a `comment`. */
  readonly columns: SchemaInput;
  /** Partition columns (Hive-style `key=value` folders), in folder order. Simple types only. */
  readonly partitionKeys?: SchemaInput;
  /** Where the table's files live: a folder, `s3://bucket/prefix/`. */
  readonly location: string;
  /** The files' format. JSON means JSON Lines. */
  readonly format: TableFormat;
  /** CSV layout (format 'csv' only). */
  readonly csv?: CsvSerdeOptions;
  /** Parquet: snappy (default), gzip, zstd, none. CSV and JSON: none (default), gzip. */
  readonly compression?: TableCompression;
  /** Extra table parameters (TableInput.Parameters); gluekit sets classification and the format's own. */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly description?: string;
}

export type TableDefinition<P extends TableProps = TableProps> = P & { readonly kind: 'Table' };

/**
 * Defines a catalog table. Checked when a job that uses it is validated. The literal
 * types of the definition are kept, so `RowOf<typeof table>` is the table's row type.
 */
export function defineTable<const P extends TableProps>(props: P): TableDefinition<P> {
  return Object.freeze({ kind: 'Table', ...props }) as TableDefinition<P>;
}

export interface ResolvedDatabase {
  readonly name: string;
  readonly description?: string;
  readonly locationUri?: string;
  readonly parameters: Readonly<Record<string, string>>;
}

export interface ResolvedCsv {
  readonly separator: ',' | '\t' | '|' | ';';
  readonly quote: '"' | "'" | null;
  readonly escape: '\\' | null;
  readonly header: boolean;
  readonly nullToken?: string;
}

/** A table after checking: resolved schemas, ready for compilers and the runner. */
export interface ResolvedTable {
  /** The database's name. */
  readonly database: string;
  /** The database's definition, when the table names it with defineDatabase (else just a name). */
  readonly databaseDefinition?: ResolvedDatabase;
  readonly name: string;
  readonly columns: Schema;
  readonly partitionKeys: Schema;
  readonly location: string;
  readonly format: TableFormat;
  /** Present for CSV tables, defaults filled in. */
  readonly csv?: ResolvedCsv;
  readonly compression: TableCompression;
  readonly parameters: Readonly<Record<string, string>>;
  readonly description?: string;
}

const CATALOG_NAME = /^[a-z0-9_]{1,255}$/;
const NAME_HINT = 'use lower-case letters, digits and underscores (Glue lower-cases names, so mixed case would not match)';
const TABLE_KEYS = ['kind', 'database', 'name', 'columns', 'partitionKeys', 'location', 'format', 'csv', 'compression', 'parameters', 'description'];
const DATABASE_KEYS = ['kind', 'name', 'description', 'locationUri', 'parameters'];
const CSV_KEYS = ['separator', 'quote', 'escape', 'header', 'nullToken'];
/** Parameters gluekit writes from typed fields; setting them by hand would contradict the definition. */
const OWN_PARAMETERS = ['classification', 'compressionType', 'typeOfData', 'delimiter', 'skip.header.line.count', 'serialization.null.format', 'areColumnsQuoted'];
const COMPRESSIONS: Record<TableFormat, readonly TableCompression[]> = { parquet: ['snappy', 'gzip', 'zstd', 'none'], csv: ['none', 'gzip'], json: ['none', 'gzip'] };

function unknownKeys(value: object, known: readonly string[], at: Reporter, what: string): boolean {
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      at.child(key).error(`unknown ${what} field "${key}"`, suggest(key, known.filter((k) => k !== 'kind'), 'field'));
      ok = false;
    }
  }
  return ok;
}

function checkName(value: unknown, at: Reporter, what: string): boolean {
  if (typeof value === 'string' && CATALOG_NAME.test(value)) return true;
  at.error(`invalid catalog ${what} name ${describe(value)}`, NAME_HINT);
  return false;
}

function checkDescription(value: unknown, at: Reporter): boolean {
  if (value === undefined) return true;
  if (typeof value === 'string' && value.length <= 2048) return true;
  at.error(typeof value === 'string' ? `description is ${value.length} characters; Glue allows 2048` : `expected a string, got ${describe(value)}`);
  return false;
}

/** Checks string-to-string parameters against Glue's limits (keys 1-255 characters, values up to 512,000). */
function resolveParameters(value: unknown, at: Reporter, reserved: readonly string[]): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return Object.freeze({});
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    at.error(`expected { key: "value" }, got ${describe(value)}`);
    return undefined;
  }
  let ok = true;
  for (const [key, v] of Object.entries(value)) {
    const item = at.child(key);
    if (key.length < 1 || key.length > 255) {
      item.error('parameter keys are 1-255 characters');
      ok = false;
    } else if (reserved.includes(key)) {
      item.error(`parameter "${key}" is set by gluekit from the table's typed fields`, 'set format, csv or compression instead');
      ok = false;
    } else if (typeof v !== 'string') {
      item.error(`expected a string value, got ${describe(v)}`, 'Glue parameters are strings: write "true", "10"');
      ok = false;
    } else if (v.length > 512_000) {
      item.error('parameter values are at most 512,000 characters');
      ok = false;
    }
  }
  return ok ? Object.freeze({ ...(value as Record<string, string>) }) : undefined;
}

export function resolveDatabase(value: unknown, at: Reporter): ResolvedDatabase | undefined {
  if (typeof value === 'string') return checkName(value, at, 'database') ? Object.freeze({ name: value, parameters: Object.freeze({}) }) : undefined;
  if (!value || typeof value !== 'object' || (value as { kind?: unknown }).kind !== 'Database') {
    at.error(`expected a database name or defineDatabase({...}), got ${describe(value)}`);
    return undefined;
  }
  const def = value as DatabaseDefinition;
  let ok = unknownKeys(def, DATABASE_KEYS, at, 'database');
  ok = checkName(def.name, at.child('name'), 'database') && ok;
  ok = checkDescription(def.description, at.child('description')) && ok;
  if (def.locationUri !== undefined) {
    const url = parseS3Url(def.locationUri);
    if (url.reason) {
      at.child('locationUri').error(url.reason);
      ok = false;
    }
  }
  const parameters = resolveParameters(def.parameters, at.child('parameters'), []);
  if (!ok || !parameters) return undefined;
  return Object.freeze({
    name: def.name,
    parameters,
    ...(def.description !== undefined && { description: def.description }),
    ...(def.locationUri !== undefined && { locationUri: def.locationUri }),
  });
}

function resolveCsv(def: TableDefinition, at: Reporter): ResolvedCsv | undefined | false {
  if (def.format !== 'csv') {
    if (def.csv === undefined) return undefined;
    at.error(`csv options given for a ${String(def.format)} table`);
    return false;
  }
  const given = def.csv ?? {};
  if (!given || typeof given !== 'object' || Array.isArray(given)) {
    at.error(`expected { separator?, quote?, escape?, header?, nullToken? }, got ${describe(given)}`);
    return false;
  }
  let ok = unknownKeys(given, CSV_KEYS, at, 'csv');
  const csv = { separator: ',', quote: '"', escape: null, header: true, ...given } as ResolvedCsv;
  if (![',', '\t', '|', ';'].includes(csv.separator)) {
    at.child('separator').error(`unsupported separator ${describe(csv.separator)}`, 'one of ",", "\\t", "|", ";"');
    ok = false;
  }
  if (!['"', "'", null].includes(csv.quote)) {
    at.child('quote').error(`unsupported quote ${describe(csv.quote)}`, `one of '"', "'", or null for unquoted files`);
    ok = false;
  }
  if (!['\\', null].includes(csv.escape)) {
    at.child('escape').error(`unsupported escape ${describe(csv.escape)}`, `"\\\\" or null (quotes doubled inside quoted fields)`);
    ok = false;
  } else if (csv.escape !== null && csv.quote === null) {
    at.child('escape').error('an escape character needs quoted fields', 'set quote, or leave escape out');
    ok = false;
  }
  if (typeof csv.header !== 'boolean') {
    at.child('header').error(`expected true or false, got ${describe(csv.header)}`);
    ok = false;
  }
  if (csv.nullToken !== undefined) {
    if (typeof csv.nullToken !== 'string' || csv.nullToken === '') {
      at.child('nullToken').error(`expected a non-empty string, got ${describe(csv.nullToken)}`);
      ok = false;
    } else if (csv.quote !== null) {
      // Only the LazySimpleSerDe has serialization.null.format; quoted CSV needs the OpenCSVSerde, which has none.
      at.child('nullToken').error('a null token needs unquoted CSV (the LazySimpleSerDe); the OpenCSVSerde that reads quoted fields has no null token', 'set quote: null, or leave nullToken out');
      ok = false;
    }
  }
  return ok ? Object.freeze(csv) : false;
}

export function resolveTable(value: unknown, at: Reporter): ResolvedTable | undefined {
  if (!value || typeof value !== 'object' || (value as { kind?: unknown }).kind !== 'Table') {
    at.error(`expected a table from defineTable({...}), got ${describe(value)}`);
    return undefined;
  }
  const def = value as TableDefinition;
  let ok = unknownKeys(def, TABLE_KEYS, at, 'table');
  const database = resolveDatabase(def.database, at.child('database'));
  ok = checkName(def.name, at.child('name'), 'table') && ok;
  const location = parseS3Url(def.location);
  if (location.reason) {
    at.child('location').error(location.reason);
    ok = false;
  } else if (location.url!.key !== '' && !def.location.endsWith('/')) {
    at.child('location').error(`"${def.location}" must be a folder (end with "/")`, 'a table is every file below its location');
    ok = false;
  }
  const formatOk = ['parquet', 'csv', 'json'].includes(def.format as string);
  if (!formatOk) {
    at.child('format').error(`unsupported table format ${describe(def.format)}`, 'one of "parquet", "csv", "json"');
    ok = false;
  }
  const csv = formatOk ? resolveCsv(def, at.child('csv')) : undefined;
  if (csv === false) ok = false;
  const compression = def.compression ?? (def.format === 'parquet' ? 'snappy' : 'none');
  if (formatOk && !COMPRESSIONS[def.format].includes(compression)) {
    at.child('compression').error(`unsupported compression ${describe(compression)} for ${def.format}`, `one of ${COMPRESSIONS[def.format].map((c) => `"${c}"`).join(', ')}`);
    ok = false;
  }
  const parameters = resolveParameters(def.parameters, at.child('parameters'), OWN_PARAMETERS);
  ok = checkDescription(def.description, at.child('description')) && ok;

  const columns = resolveSchema(def.columns, at.child('columns'));
  const partitionKeys = def.partitionKeys === undefined ? Object.freeze([]) : resolveSchema(def.partitionKeys, at.child('partitionKeys'));
  if (columns && def.format === 'csv') {
    for (const c of columns) {
      if (isComplex(c.type)) {
        at.child('columns').child(c.name).error(`column "${c.name}" is ${formatGlueType(c.type)}, but a CSV field is flat text`, 'declare it string and parse it in the job');
        ok = false;
      }
    }
  }
  if (partitionKeys) {
    for (const key of partitionKeys) {
      if (isComplex(key.type) || key.type.kind === 'binary') {
        at.child('partitionKeys').child(key.name).error(`partition key "${key.name}" is ${formatGlueType(key.type)}; folder names can only hold simple values`);
        ok = false;
      }
    }
  }
  if (columns && partitionKeys) {
    const names = new Set(columns.map((c) => c.name.toLowerCase()));
    for (const key of partitionKeys) {
      if (names.has(key.name.toLowerCase())) {
        at.child('partitionKeys').child(key.name).error(`partition key "${key.name}" is also a data column`, 'a column lives either in the files or in the folder names, not both');
        ok = false;
      }
    }
  }
  if (!ok || !database || !columns || !partitionKeys || !parameters) return undefined;
  return Object.freeze({
    database: database.name,
    ...(typeof def.database === 'object' && { databaseDefinition: database }),
    name: def.name,
    columns,
    partitionKeys,
    location: def.location,
    format: def.format,
    ...(csv && { csv }),
    compression,
    parameters,
    ...(def.description !== undefined && { description: def.description }),
  });
}
