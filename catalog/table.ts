/**
 * Glue Data Catalog tables, defined once in TypeScript. A job reads a table through
 * `catalogSource({ table })`; its columns (and partition keys, which Glue appends after
 * the columns) are the source's schema, and its location scopes the IAM policy.
 */
import { parseS3Url } from '../core/aws-names.js';
import type { Reporter } from '../core/problems.js';
import { describe, resolveSchema, type Schema, type SchemaInput } from './schema.js';

export type TableFormat = 'parquet' | 'csv' | 'json';

export interface TableProps {
  /** Catalog database name: lower-case letters, digits and underscores (Glue stores names in lower case). */
  readonly database: string;
  /** Table name, same rules as the database name. */
  readonly name: string;
  /** The data columns, in file order. */
  readonly columns: SchemaInput;
  /** Partition columns (Hive-style `key=value` folders), in folder order. */
  readonly partitionKeys?: SchemaInput;
  /** Where the table's files live: `s3://bucket/prefix/`. */
  readonly location: string;
  /** The files' format. */
  readonly format: TableFormat;
  readonly description?: string;
}

export interface TableDefinition extends TableProps {
  readonly kind: 'Table';
}

/** Defines a catalog table. Checked when a job that uses it is validated. */
export function defineTable(props: TableProps): TableDefinition {
  return Object.freeze({ kind: 'Table', ...props });
}

/** A table after checking: resolved schemas, ready for compilers and the runner. */
export interface ResolvedTable {
  readonly database: string;
  readonly name: string;
  readonly columns: Schema;
  readonly partitionKeys: Schema;
  readonly location: string;
  readonly format: TableFormat;
}

const CATALOG_NAME = /^[a-z0-9_]{1,255}$/;

export function resolveTable(value: unknown, at: Reporter): ResolvedTable | undefined {
  if (!value || typeof value !== 'object' || (value as { kind?: unknown }).kind !== 'Table') {
    at.error(`expected a table from defineTable({...}), got ${describe(value)}`);
    return undefined;
  }
  const def = value as TableDefinition;
  let ok = true;
  for (const key of ['database', 'name'] as const) {
    if (typeof def[key] !== 'string' || !CATALOG_NAME.test(def[key])) {
      at.child(key).error(
        `invalid catalog ${key === 'name' ? 'table' : 'database'} name ${describe(def[key])}`,
        'use lower-case letters, digits and underscores (Glue lower-cases names, so mixed case would not match)',
      );
      ok = false;
    }
  }
  const location = parseS3Url(def.location);
  if (location.reason) {
    at.child('location').error(location.reason);
    ok = false;
  }
  if (!['parquet', 'csv', 'json'].includes(def.format as string)) {
    at.child('format').error(`unsupported table format ${describe(def.format)}`, 'one of "parquet", "csv", "json"');
    ok = false;
  }
  const columns = resolveSchema(def.columns, at.child('columns'));
  const partitionKeys = def.partitionKeys === undefined ? [] : resolveSchema(def.partitionKeys, at.child('partitionKeys'));
  if (columns && partitionKeys) {
    const names = new Set(columns.map((c) => c.name.toLowerCase()));
    for (const key of partitionKeys) {
      if (names.has(key.name.toLowerCase())) {
        at.child('partitionKeys').child(key.name).error(`partition key "${key.name}" is also a data column`, 'a column lives either in the files or in the folder names, not both');
        ok = false;
      }
    }
  }
  if (!ok || !columns || !partitionKeys) return undefined;
  return Object.freeze({ database: def.database, name: def.name, columns, partitionKeys, location: def.location, format: def.format });
}
