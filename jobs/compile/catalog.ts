/**
 * The catalog a job needs, as Glue API inputs: CreateDatabase for every database and
 * CreateTable for every table the job reads (catalog sources) or registers its output
 * in (sinks with `catalog`, Glue's enableUpdateCatalog), plus BatchCreatePartition
 * inputs for partitions found in a fixture tree.
 *
 * Each TableInput is what a Glue crawler writes for that format, so Athena, Spark and
 * crawlers that later run over the same location agree with it: the Hive input and output
 * formats and SerDe of the format (ParquetHiveSerDe; the OpenCSVSerde for quoted CSV and
 * the LazySimpleSerDe for unquoted CSV; the OpenX JsonSerDe), and the crawler's table
 * parameters (classification, compressionType, typeOfData, delimiter,
 * skip.header.line.count...) in both the table's and the storage descriptor's parameters.
 * Output is a pure function of the IR, with a fixed key order.
 */
import type { BatchCreatePartitionRequest, Column, DatabaseInput as GlueDatabaseInput, StorageDescriptor, TableInput } from '@aws-sdk/client-glue';
import type { Schema } from '../../catalog/schema.js';
import type { ResolvedCsv, ResolvedDatabase, ResolvedTable, TableCompression } from '../../catalog/table.js';
import { formatGlueType } from '../../catalog/types.js';
import type { JobIR } from '../ir.js';
import type { S3SinkNode } from '../nodes/sinks.js';

/** A CreateDatabase input, usable as is with `aws glue create-database --cli-input-json`. */
export interface DatabaseInput {
  readonly DatabaseInput: GlueDatabaseInput;
}

/** A CreateTable input, usable as is with `aws glue create-table --cli-input-json`. */
export interface TableInputRequest {
  readonly DatabaseName: string;
  readonly TableInput: TableInput;
}

export interface CompiledCatalog {
  /** CreateDatabase inputs ({ DatabaseInput: {...} }), one per database, sorted by name. */
  readonly databases: readonly { readonly name: string; readonly input: DatabaseInput }[];
  /** CreateTable inputs ({ DatabaseName, TableInput }), sorted by database then name. */
  readonly tables: readonly { readonly database: string; readonly name: string; readonly input: TableInputRequest }[];
}

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
};
const TEXT = { inputFormat: 'org.apache.hadoop.mapred.TextInputFormat', outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat' };
const LAZY_SIMPLE_SERDE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';
const OPEN_CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';
const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';

/** The catalog entries of a job, one per database and table, in a deterministic order. */
export function compileCatalog(ir: JobIR): CompiledCatalog {
  const tables = new Map<string, { table: ResolvedTable; from: string }>();
  const databases = new Map<string, { database: ResolvedDatabase; defined: boolean; from: string }>();
  const add = (table: ResolvedTable, from: string) => {
    const key = `${table.database}.${table.name}`;
    const seen = tables.get(key);
    if (seen && JSON.stringify(seen.table) !== JSON.stringify(table)) {
      throw new Error(`job "${ir.settings.name}": table ${key} is defined differently by ${seen.from} and ${from}; use one defineTable for both`);
    }
    if (!seen) tables.set(key, { table, from });
    // A database named by a plain string defers to one given with defineDatabase.
    const known = databases.get(table.database);
    if (table.databaseDefinition) {
      if (known?.defined && JSON.stringify(known.database) !== JSON.stringify(table.databaseDefinition)) {
        throw new Error(`job "${ir.settings.name}": database ${table.database} is defined differently by ${known.from} and ${from}; use one defineDatabase for both`);
      }
      if (!known?.defined) databases.set(table.database, { database: table.databaseDefinition, defined: true, from });
    } else if (!known) {
      databases.set(table.database, { database: { name: table.database, parameters: {} }, defined: false, from });
    }
  };
  for (const node of ir.nodes) if (node.role === 'source' && node.kind === 'CatalogSource') add(node.table, `node "${node.id}"`);
  // Sinks after sources: a table the job both reads and writes keeps its definition.
  for (const node of ir.nodes) {
    if (node.role !== 'sink' || !node.catalog) continue;
    const key = `${node.catalog.database}.${node.catalog.table}`;
    // A sink's own definition must agree with a source's; a sink named only by table defers to it.
    if (node.catalog.definition || !tables.has(key)) add(sinkTable(node), `node "${node.id}"`);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return Object.freeze({
    databases: [...databases.values()]
      .sort((a, b) => byName(a.database.name, b.database.name))
      .map(({ database }) => Object.freeze({ name: database.name, input: databaseInput(database) })),
    tables: [...tables.values()]
      .sort((a, b) => byName(a.table.database, b.table.database) || byName(a.table.name, b.table.name))
      .map(({ table }) => Object.freeze({ database: table.database, name: table.name, input: tableInput(table) })),
  });
}

/**
 * The table a sink's enableUpdateCatalog creates: its definition when the sink names one
 * (validation checked that they match), else the sink's columns without its partition
 * keys, then the partition keys, at the sink's path, in its format.
 */
export function sinkTable(node: S3SinkNode): ResolvedTable {
  if (node.catalog?.definition) return node.catalog.definition;
  const keys = new Set(node.partitionKeys);
  const compression: TableCompression = node.compression === 'uncompressed' ? 'none' : (node.compression as TableCompression);
  return Object.freeze({
    database: node.catalog!.database,
    name: node.catalog!.table,
    columns: Object.freeze(node.schema.filter((f) => !keys.has(f.name))),
    partitionKeys: Object.freeze(node.partitionKeys.map((k) => node.schema.find((f) => f.name === k)!)),
    location: node.path,
    format: node.format,
    // gluekit's and Glue's CSV writers quote as needed and write a header line.
    ...(node.format === 'csv' && { csv: Object.freeze({ separator: ',', quote: '"', escape: null, header: true } as ResolvedCsv) }),
    compression,
    parameters: Object.freeze({}),
  });
}

export function databaseInput(database: ResolvedDatabase): DatabaseInput {
  return {
    DatabaseInput: {
      Name: database.name,
      ...(database.description !== undefined && { Description: database.description }),
      ...(database.locationUri !== undefined && { LocationUri: database.locationUri }),
      ...(Object.keys(database.parameters).length > 0 && { Parameters: sorted(database.parameters) }),
    },
  };
}

function columns(schema: Schema): Column[] {
  return schema.map((f) => ({ Name: f.name, Type: formatGlueType(f.type), ...(f.comment !== undefined && { Comment: f.comment }) }));
}

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What a crawler writes in a table's parameters for this format. */
function crawlerParameters(table: ResolvedTable): Record<string, string> {
  const params: Record<string, string> = {
    classification: table.format,
    compressionType: table.compression,
    typeOfData: 'file',
  };
  if (table.csv) {
    params.delimiter = table.csv.separator;
    params.areColumnsQuoted = String(table.csv.quote !== null);
    if (table.csv.header) params['skip.header.line.count'] = '1';
    if (table.csv.nullToken !== undefined) params['serialization.null.format'] = table.csv.nullToken;
  }
  return params;
}

function serdeInfo(table: ResolvedTable): NonNullable<StorageDescriptor['SerdeInfo']> {
  switch (table.format) {
    case 'parquet':
      return { SerializationLibrary: PARQUET.serde, Parameters: { 'serialization.format': '1' } };
    case 'json':
      // The OpenX SerDe maps JSON keys to columns by these paths, as crawlers record them.
      return { SerializationLibrary: JSON_SERDE, Parameters: { paths: table.columns.map((c) => c.name).join(',') } };
    case 'csv': {
      const csv = table.csv!;
      if (csv.quote === null) {
        return {
          SerializationLibrary: LAZY_SIMPLE_SERDE,
          Parameters: {
            'field.delim': csv.separator,
            'serialization.format': csv.separator,
            ...(csv.nullToken !== undefined && { 'serialization.null.format': csv.nullToken }),
          },
        };
      }
      return {
        SerializationLibrary: OPEN_CSV_SERDE,
        Parameters: { separatorChar: csv.separator, quoteChar: csv.quote, ...(csv.escape !== null && { escapeChar: csv.escape }) },
      };
    }
  }
}

/** The storage descriptor of a table, or of one of its partitions (at `location`). */
export function storageDescriptor(table: ResolvedTable, location = table.location): StorageDescriptor {
  const formats = table.format === 'parquet' ? PARQUET : TEXT;
  return {
    Columns: columns(table.columns),
    Location: location,
    InputFormat: formats.inputFormat,
    OutputFormat: formats.outputFormat,
    // Crawlers mark whole-file compression (gzip text); Parquet compresses inside the file.
    Compressed: table.format !== 'parquet' && table.compression !== 'none',
    NumberOfBuckets: -1,
    SerdeInfo: serdeInfo(table),
    Parameters: crawlerParameters(table),
    StoredAsSubDirectories: false,
  };
}

export function tableInput(table: ResolvedTable): TableInputRequest {
  return {
    DatabaseName: table.database,
    TableInput: {
      Name: table.name,
      ...(table.description !== undefined && { Description: table.description }),
      TableType: 'EXTERNAL_TABLE',
      Parameters: { EXTERNAL: 'TRUE', ...crawlerParameters(table), ...sorted(table.parameters) },
      PartitionKeys: columns(table.partitionKeys),
      StorageDescriptor: storageDescriptor(table),
    },
  };
}

/** BatchCreatePartition accepts at most 100 partitions per call. */
export const PARTITIONS_PER_REQUEST = 100;

/**
 * BatchCreatePartition inputs for a table's partitions, each given by its values in
 * partition-key order (as folder texts; null is Hive's default partition). Sorted, and
 * split into requests of at most 100.
 */
export function compilePartitions(table: ResolvedTable, partitions: readonly (readonly (string | null)[])[]): BatchCreatePartitionRequest[] {
  const folder = table.location.endsWith('/') ? table.location : `${table.location}/`;
  const texts = partitions.map((values) => values.map((v) => v ?? HIVE_DEFAULT_PARTITION));
  const unique = [...new Map(texts.map((v) => [JSON.stringify(v), v])).values()].sort((a, b) => compareValues(a, b));
  const requests: BatchCreatePartitionRequest[] = [];
  for (let i = 0; i < unique.length; i += PARTITIONS_PER_REQUEST) {
    requests.push({
      DatabaseName: table.database,
      TableName: table.name,
      PartitionInputList: unique.slice(i, i + PARTITIONS_PER_REQUEST).map((values) => ({
        Values: values,
        StorageDescriptor: storageDescriptor(table, `${folder}${values.map((v, k) => `${escapePathName(table.partitionKeys[k]!.name)}=${escapePathName(v)}`).join('/')}/`),
      })),
    });
  }
  return requests;
}

const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

function compareValues(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Hive's FileUtils.escapePathName: the characters a folder name cannot hold as %XX. */
function escapePathName(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f"#%'*/:=?\\\x7f{[\]^]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
