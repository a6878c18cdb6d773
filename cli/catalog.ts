/**
 * `gluekit catalog infer <path-or-s3-url> [--name db.table] [--location s3://...]`: a
 * crawler for fixtures. Reads the Parquet, CSV or JSON files below a folder (partition
 * folders too), infers the table as a Glue crawler would (local-runner/infer.ts) and
 * prints a `defineTable` definition to paste into the project.
 *
 * A local folder inside a fixtures directory (`.../fixtures/<bucket>/<prefix>/`, the
 * layout the runner reads) gets its S3 location from that layout; elsewhere give
 * `--location`. An s3:// URL is read through the AWS SDK's standard configuration
 * (AWS_ENDPOINT_URL_S3, profile, region) and is its own location.
 */
import { statSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { parseS3Url } from '../core/aws-names.js';
import type { Schema } from '../catalog/schema.js';
import { formatGlueType } from '../catalog/types.js';
import type { InferredTable } from '../local-runner/infer.js';
import type { ObjectStore } from '../local-runner/stores/store.js';
import { UsageError, type ParsedArgs } from './main.js';

const CATALOG_NAME = /^[a-z0-9_]{1,255}$/;

export async function catalogCommand(sub: string | undefined, args: ParsedArgs): Promise<number> {
  if (sub !== 'infer') throw new UsageError(sub === undefined ? 'catalog needs a subcommand: infer' : `unknown catalog subcommand "${sub}"`);
  if (args.files.length !== 1) throw new UsageError('catalog infer takes one folder, file or s3:// URL');
  const target = args.files[0]!;
  const name = typeof args.values.name === 'string' ? args.values.name : undefined;
  const givenLocation = typeof args.values.location === 'string' ? args.values.location : undefined;
  if (givenLocation !== undefined && parseS3Url(givenLocation).reason) throw new UsageError(`--location: ${parseS3Url(givenLocation).reason}`);

  const { inferTable } = await import('../local-runner/infer.js');
  let inferred: InferredTable;
  let location: string;
  if (target.startsWith('s3://')) {
    const url = parseS3Url(target);
    if (url.reason) throw new UsageError(url.reason);
    const { S3Store, s3ClientFromEnvironment } = await import('../local-runner/stores/s3.js');
    const client = s3ClientFromEnvironment();
    const store = new S3Store(client);
    try {
      inferred = await inferTable(store, url.url!.bucket, url.url!.key);
    } finally {
      await store.close();
      client.destroy();
    }
    location = givenLocation ?? folderOf(target, inferred);
  } else {
    const path = resolve(target);
    const isFile = statSync(path, { throwIfNoEntry: false })?.isFile();
    if (isFile === undefined) throw new Error(`${target}: no such file or folder`);
    const { FixtureStore } = await import('../local-runner/stores/fixtures.js');
    const folder = isFile ? dirname(path) : path;
    const store: ObjectStore = new FixtureStore(dirname(folder));
    inferred = await inferTable(store, basename(folder), isFile ? basename(path) : '');
    const derived = s3LocationOf(folder);
    if (givenLocation === undefined && derived === undefined) {
      throw new UsageError(`${target} is not inside a fixtures directory (<...>/fixtures/<bucket>/<prefix>/), so its S3 location is unknown; give --location s3://bucket/prefix/`);
    }
    location = givenLocation ?? derived!;
  }
  if (!location.endsWith('/')) location = `${location}/`;

  const [database, table] = name !== undefined ? splitName(name) : ['default', tableNameOf(location)];
  console.log(definitionText(target, inferred, database, table, location));
  return 0;
}

/** `db.table`, both valid catalog names. */
function splitName(name: string): [string, string] {
  const parts = name.split('.');
  if (parts.length !== 2 || !parts.every((p) => CATALOG_NAME.test(p))) {
    throw new UsageError(`--name must be <database>.<table>, lower-case letters, digits and underscores, got "${name}"`);
  }
  return parts as [string, string];
}

/** The table name a crawler gives a folder: its name, lower-cased, other characters as `_`. */
function tableNameOf(location: string): string {
  const last = location.replace(/\/+$/, '').split('/').pop() ?? 'table';
  const name = last.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return name === '' ? 'table' : name;
}

/** `s3://<bucket>/<prefix>/` of a folder inside a fixtures directory (the nearest ancestor named `fixtures` or `*-fixtures`). */
function s3LocationOf(folder: string): string | undefined {
  const parts = folder.split(sep);
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] === 'fixtures' || parts[i]!.endsWith('-fixtures')) return `s3://${parts.slice(i + 1).join('/')}/`;
  }
  return undefined;
}

function folderOf(url: string, inferred: InferredTable): string {
  return inferred.files === 1 && !url.endsWith('/') ? url.slice(0, url.lastIndexOf('/') + 1) : url;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const str = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t')}'`;

function schemaText(schema: Schema, indent: string): string {
  // JavaScript moves integer-like keys first, so such names need the list form.
  if (schema.some((f) => /^(0|[1-9]\d*)$/.test(f.name))) {
    return `[\n${schema.map((f) => `${indent}  { name: ${str(f.name)}, type: ${str(formatGlueType(f.type))} },`).join('\n')}\n${indent}]`;
  }
  return `{\n${schema.map((f) => `${indent}  ${key(f.name)}: ${str(formatGlueType(f.type))},`).join('\n')}\n${indent}}`;
}

/** The definition to paste, with the facts it was inferred from as a comment. */
export function definitionText(source: string, inferred: InferredTable, database: string, table: string, location: string): string {
  const variable = table.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/^(\d)/, '_$1');
  const lines = [
    `import { defineTable } from 'gluekit';`,
    ``,
    `/** Inferred by \`gluekit catalog infer ${source}\` from ${inferred.files} ${inferred.format} file${inferred.files === 1 ? '' : 's'}${inferred.partitions.length > 1 || inferred.partitionKeys.length > 0 ? ` in ${inferred.partitions.length} partition${inferred.partitions.length === 1 ? '' : 's'}` : ''}. */`,
    `export const ${variable} = defineTable({`,
    `  database: ${str(database)},`,
    `  name: ${str(table)},`,
    `  location: ${str(location)},`,
    `  format: ${str(inferred.format)},`,
  ];
  if (inferred.compression !== 'none') lines.push(`  compression: ${str(inferred.compression)},`);
  if (inferred.csv) {
    const c = inferred.csv;
    lines.push(`  csv: { separator: ${str(c.separator)}, quote: ${c.quote === null ? 'null' : str(c.quote)}, header: ${c.header} },`);
  }
  lines.push(`  columns: ${schemaText(inferred.columns, '  ')},`);
  if (inferred.partitionKeys.length > 0) lines.push(`  partitionKeys: ${schemaText(inferred.partitionKeys, '  ')},`);
  lines.push(`});`);
  return lines.join('\n');
}
