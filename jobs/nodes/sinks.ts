/**
 * Sinks: where a job writes. An S3 folder in Parquet (default, snappy), CSV or JSON
 * Lines, with Hive-style partition folders, optionally registering what it wrote in a
 * catalog table (Glue's enableUpdateCatalog).
 */
import { describe, lookupColumn, type Schema } from '../../catalog/schema.js';
import { resolveTable, type ResolvedTable, type TableDefinition } from '../../catalog/table.js';
import { formatGlueType, isComplex, isStringLike, typesEqual, type GlueType } from '../../catalog/types.js';
import { parseS3Url, type S3Url } from '../../core/aws-names.js';
import type { Reporter } from '../../core/problems.js';
import { py, pyList, studioNode } from '../../transforms/shared.js';
import type { AnalyzedInput, StudioNode } from '../../transforms/transform.js';
import { resolveEncryption, type CseKms, type ResolvedEncryption, type SseKms } from './encryption.js';

export type SinkFormat = 'parquet' | 'csv' | 'json';
export type ParquetCompression = 'snappy' | 'gzip' | 'zstd' | 'uncompressed';
export type TextCompression = 'none' | 'gzip';

export interface S3SinkDefinition {
  readonly kind: 'S3Sink';
  /** The id of the node whose rows are written. */
  readonly input: string;
  /** The folder to write into: `s3://bucket/prefix/`. */
  readonly path: string;
  /** Default 'parquet'. JSON means JSON Lines. */
  readonly format?: SinkFormat;
  /** Parquet: snappy (default), gzip, zstd, uncompressed. CSV/JSON: none (default), gzip. */
  readonly compression?: ParquetCompression | TextCompression;
  /** Columns written as `key=value` folders, in folder order. They leave the files. */
  readonly partitionKeys?: readonly string[];
  /**
   * How objects are encrypted. Default: the job's `security.s3` SSE-KMS key. A sink may
   * be client-side encrypted instead (`cseKms(keyArn)`).
   */
  readonly encryption?: SseKms | CseKms;
  /**
   * Register the written data (schema, new partitions) in this catalog table: by name, or
   * a `defineTable` result, which the sink's path, format, compression, columns and
   * partition keys must then match.
   */
  readonly catalog?:
    | {
        readonly database: string;
        readonly table: string;
        /** UPDATE_IN_DATABASE (default) changes the table; LOG only logs the changes. */
        readonly updateBehavior?: 'UPDATE_IN_DATABASE' | 'LOG';
      }
    | { readonly table: TableDefinition; readonly updateBehavior?: 'UPDATE_IN_DATABASE' | 'LOG' };
}

export type SinkDefinition = S3SinkDefinition;

/** Writes a node's rows to an S3 folder. */
export function s3Sink(props: Omit<S3SinkDefinition, 'kind'>): S3SinkDefinition {
  return Object.freeze({ kind: 'S3Sink', ...props });
}

export interface S3SinkNode {
  readonly role: 'sink';
  readonly kind: 'S3Sink';
  readonly id: string;
  readonly inputs: readonly [string];
  readonly path: string;
  readonly location: S3Url;
  readonly format: SinkFormat;
  readonly compression: ParquetCompression | TextCompression;
  readonly partitionKeys: readonly string[];
  /** The sink's own setting; undefined means "the job's SSE-KMS key, if any". */
  readonly encryption?: ResolvedEncryption;
  readonly catalog?: {
    readonly database: string;
    readonly table: string;
    readonly updateBehavior: 'UPDATE_IN_DATABASE' | 'LOG';
    /** The table's definition, when the sink names it with defineTable. */
    readonly definition?: ResolvedTable;
  };
  /** The schema written (the input's). */
  readonly schema: Schema;
}

export type SinkNode = S3SinkNode;

/** Reads the sink's `input` field. */
export function sinkInput(def: unknown, at: Reporter): string | undefined {
  const input = (def as { input?: unknown } | undefined)?.input;
  if (typeof input !== 'string' || input === '') {
    at.child('input').error(`expected the id of the node this sink writes, got ${describe(input)}`);
    return undefined;
  }
  return input;
}

const CATALOG_NAME = /^[a-z0-9_]{1,255}$/;

export function resolveSink(id: string, def: unknown, input: AnalyzedInput | undefined, at: Reporter): SinkNode | undefined {
  if (!def || typeof def !== 'object' || (def as { kind?: unknown }).kind !== 'S3Sink') {
    at.error(`expected a sink built with s3Sink(...), got ${describe(def)}`);
    return undefined;
  }
  const d = def as S3SinkDefinition;
  let ok = true;
  const url = parseS3Url(d.path);
  if (url.reason) {
    at.child('path').error(url.reason);
    ok = false;
  } else if (url.url!.key !== '' && !d.path.endsWith('/')) {
    at.child('path').error(`"${d.path}" must be a folder (end with "/")`, 'Spark writes many files into the folder');
    ok = false;
  }
  const format = d.format ?? 'parquet';
  if (!['parquet', 'csv', 'json'].includes(format)) {
    at.child('format').error(`unsupported format ${describe(format)}`, 'one of "parquet", "csv", "json"');
    ok = false;
  }
  const allowedCompression = format === 'parquet' ? ['snappy', 'gzip', 'zstd', 'uncompressed'] : ['none', 'gzip'];
  const compression = d.compression ?? (format === 'parquet' ? 'snappy' : 'none');
  if (!allowedCompression.includes(compression)) {
    at.child('compression').error(`unsupported compression ${describe(compression)} for ${format}`, `one of ${allowedCompression.map((c) => `"${c}"`).join(', ')}`);
    ok = false;
  }
  const encryption = d.encryption === undefined ? undefined : resolveEncryption(d.encryption, at.child('encryption'), ['SSE-KMS', 'CSE-KMS']);
  if (d.encryption !== undefined && !encryption) ok = false;
  if (encryption?.mode === 'CSE-KMS' && Object.keys(encryption.context).length > 0) {
    at.child('encryption').child('context').error('Glue cannot add an encryption context to the objects it writes', 'remove context from the sink (it is for checking sources)');
    ok = false;
  }
  let catalog: S3SinkNode['catalog'];
  if (d.catalog !== undefined && (!d.catalog || typeof d.catalog !== 'object' || Array.isArray(d.catalog))) {
    at.child('catalog').error(`expected { database, table, updateBehavior? }, got ${describe(d.catalog)}`);
    ok = false;
  } else if (d.catalog !== undefined) {
    const c = d.catalog as { database?: unknown; table?: unknown; updateBehavior?: unknown };
    const behavior = c.updateBehavior ?? 'UPDATE_IN_DATABASE';
    const defined = c.table !== null && typeof c.table === 'object';
    const definition = defined ? resolveTable(c.table, at.child('catalog').child('table')) : undefined;
    if (defined && !definition) ok = false;
    if (defined && c.database !== undefined) {
      at.child('catalog').child('database').error('the database comes from the table definition', 'leave database out');
      ok = false;
    }
    for (const key of defined ? [] : (['database', 'table'] as const)) {
      if (typeof c[key] !== 'string' || !CATALOG_NAME.test(c[key] as string)) {
        at.child('catalog').child(key).error(`invalid catalog ${key} name ${describe(c[key])}`, 'lower-case letters, digits and underscores');
        ok = false;
      }
    }
    if (behavior !== 'UPDATE_IN_DATABASE' && behavior !== 'LOG') {
      at.child('catalog').child('updateBehavior').error(`unsupported updateBehavior ${describe(behavior)}`, 'one of "UPDATE_IN_DATABASE", "LOG"');
      ok = false;
    }
    catalog = Object.freeze({
      database: definition ? definition.database : (c.database as string),
      table: definition ? definition.name : (c.table as string),
      updateBehavior: behavior as 'LOG',
      ...(definition && { definition }),
    });
  }
  const partitionKeys = resolvePartitionKeys(d.partitionKeys, input, at.child('partitionKeys'));
  if (!partitionKeys) ok = false;
  if (ok && input && partitionKeys && catalog?.definition) {
    ok = matchesTable(catalog.definition, { path: d.path, format, compression, partitionKeys, schema: input.schema }, at.child('catalog').child('table'));
  }
  if (!ok || !input || !partitionKeys) return undefined;
  return Object.freeze({
    role: 'sink', kind: 'S3Sink', id, inputs: [input.id] as const, path: d.path, location: url.url!,
    format, compression, partitionKeys, schema: input.schema,
    ...(encryption && { encryption }),
    ...(catalog && { catalog }),
  } as S3SinkNode);
}

/**
 * Whether what a sink writes is the table it registers in: same location, format and
 * compression, the same data columns in order (char(n)/varchar(n) written as strings),
 * and the same partition keys. Each difference is reported.
 */
export function matchesTable(
  table: ResolvedTable,
  sink: { path: string; format: SinkFormat; compression: string; partitionKeys: readonly string[]; schema: Schema },
  at: Reporter,
): boolean {
  const name = `table ${table.database}.${table.name}`;
  let ok = true;
  const differs = (message: string) => {
    at.error(message, 'the sink must write what the table describes');
    ok = false;
  };
  if (table.location !== sink.path) differs(`${name} is at ${table.location}, but the sink writes to ${sink.path}`);
  if (table.format !== sink.format) differs(`${name} is ${table.format}, but the sink writes ${sink.format}`);
  const compression = sink.compression === 'uncompressed' ? 'none' : sink.compression;
  if (table.format === sink.format && table.compression !== compression) differs(`${name} is ${table.compression}-compressed, but the sink writes ${compression}`);
  const keys = new Set(sink.partitionKeys);
  const columns = sink.schema.filter((f) => !keys.has(f.name));
  const same = (a: GlueType, b: GlueType) => typesEqual(a, b) || (isStringLike(a) && isStringLike(b));
  const describeColumns = (fields: readonly { name: string; type: GlueType }[]) => fields.map((f) => `${f.name} ${formatGlueType(f.type)}`).join(', ') || 'none';
  if (columns.length !== table.columns.length || columns.some((c, i) => c.name !== table.columns[i]!.name || !same(c.type, table.columns[i]!.type))) {
    differs(`${name} has columns ${describeColumns(table.columns)}, but the sink writes ${describeColumns(columns)}`);
  }
  const sinkKeys = sink.partitionKeys.map((k) => sink.schema.find((f) => f.name === k)!);
  if (sinkKeys.length !== table.partitionKeys.length || sinkKeys.some((k, i) => k.name !== table.partitionKeys[i]!.name || !same(k.type, table.partitionKeys[i]!.type))) {
    differs(`${name} is partitioned by ${describeColumns(table.partitionKeys)}, but the sink by ${describeColumns(sinkKeys)}`);
  }
  return ok;
}

function resolvePartitionKeys(value: unknown, input: AnalyzedInput | undefined, at: Reporter): readonly string[] | undefined {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) {
    at.error(`expected a list of column names, got ${describe(value)}`);
    return undefined;
  }
  if (!input) return Object.freeze([...value]); // the input is broken; reported there
  let ok = true;
  const seen = new Set<string>();
  value.forEach((key, i) => {
    if (typeof key !== 'string') {
      at.child(i).error(`expected a column name, got ${describe(key)}`);
      ok = false;
      return;
    }
    if (seen.has(key)) {
      at.child(i).error(`partition key "${key}" is listed twice`);
      ok = false;
      return;
    }
    seen.add(key);
    const field = input.schema.find((f) => f.name === key);
    if (!field) {
      lookupColumn(input.schema, key, at.child(i), `the sink's schema (${input.label})`);
      ok = false;
    } else if (isComplex(field.type)) {
      at.child(i).error(`partition key "${key}" is a ${field.type.kind}; folder names can only hold simple values`);
      ok = false;
    }
  });
  if (ok && value.length >= input.schema.length) {
    at.error('every column is a partition key, so the files would hold no columns', 'keep at least one data column');
    ok = false;
  }
  return ok ? Object.freeze([...value]) : undefined;
}

// ---- code generation -------------------------------------------------------

/**
 * Glue's writer and its options. Parquet goes through glueparquet (Glue's optimised
 * writer) except for zstd, which Spark's writer handles; Parquet compression is a format
 * option, while CSV and JSON compression is an S3 connection option (Glue's docs).
 */
function glueWriter(node: S3SinkNode): { format: string; formatOptions: PyOption[]; connectionOptions: PyOption[] } {
  if (node.format === 'parquet') {
    return {
      format: node.compression === 'zstd' ? 'parquet' : 'glueparquet',
      formatOptions: [['compression', py(node.compression)]],
      connectionOptions: [],
    };
  }
  return {
    format: node.format,
    formatOptions: node.format === 'csv' ? [['writeHeader', 'True'], ['separator', '","']] : [],
    connectionOptions: node.compression === 'gzip' ? [['compression', '"gzip"']] : [],
  };
}

/** A Python keyword argument or dict entry: name and the Python text of its value. */
type PyOption = readonly [name: string, value: string];
const asDictEntries = (options: readonly PyOption[]) => options.map(([k, v]) => `${py(k)}: ${v}`);
const asKeywords = (options: readonly PyOption[]) => options.map(([k, v]) => `${k}=${v}`);

export function sinkPySpark(node: S3SinkNode, inputDf: string): string[] {
  const dyf = `dyf_${node.id}`;
  const { format, formatOptions, connectionOptions } = glueWriter(node);
  const lines = [`${dyf} = DynamicFrame.fromDF(${inputDf}, glueContext, ${py(node.id)})`];
  if (node.catalog) {
    const sink = `sink_${node.id}`;
    lines.push(
      `${sink} = glueContext.getSink(`,
      `    path=${py(node.path)},`,
      `    connection_type="s3",`,
      `    updateBehavior=${py(node.catalog.updateBehavior)},`,
      `    partitionKeys=${pyList(node.partitionKeys)},`,
      `    enableUpdateCatalog=True,`,
      ...asKeywords(connectionOptions).map((o) => `    ${o},`),
      `    transformation_ctx=${py(node.id)},`,
      `)`,
      `${sink}.setCatalogInfo(catalogDatabase=${py(node.catalog.database)}, catalogTableName=${py(node.catalog.table)})`,
      `${sink}.setFormat(${[py(format), ...asKeywords(formatOptions)].join(', ')})`,
      `${sink}.writeFrame(${dyf})`,
    );
  } else {
    const connection = asDictEntries([['path', py(node.path)], ['partitionKeys', pyList(node.partitionKeys)], ...connectionOptions]);
    lines.push(
      `glueContext.write_dynamic_frame.from_options(`,
      `    frame=${dyf},`,
      `    connection_type="s3",`,
      `    connection_options={${connection.join(', ')}},`,
      `    format=${py(format)},`,
      `    format_options={${asDictEntries(formatOptions).join(', ')}},`,
      `    transformation_ctx=${py(node.id)},`,
      `)`,
    );
  }
  return lines;
}

export function sinkStudio(node: S3SinkNode): StudioNode {
  const common = {
    Name: node.id,
    Inputs: [...node.inputs],
    PartitionKeys: node.partitionKeys.map((k) => [k]),
    Path: node.path,
  };
  const policy = node.catalog && {
    SchemaChangePolicy: {
      EnableUpdateCatalog: true,
      UpdateBehavior: node.catalog.updateBehavior,
      Database: node.catalog.database,
      Table: node.catalog.table,
    },
  };
  if (node.format === 'parquet' && node.compression !== 'zstd') {
    return studioNode('S3GlueParquetTarget', { ...common, Compression: node.compression, ...policy });
  }
  return studioNode('S3DirectTarget', {
    ...common,
    Format: node.format,
    ...(node.compression !== 'none' && { Compression: node.compression }),
    ...policy,
  });
}
