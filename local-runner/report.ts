/**
 * The run report: `run-report.json` beside a run's outputs, and the summary table the
 * CLI prints. Per node: schema, rows in and out, time; per sink: the files written, and
 * for a sink that updates the catalog (Glue's enableUpdateCatalog) the table schema and
 * partitions Glue would register.
 */
import type { Schema } from '../catalog/schema.js';
import { formatGlueType } from '../catalog/types.js';
import { sinkTable } from '../jobs/compile/catalog.js';
import type { JobIR } from '../jobs/ir.js';
import type { RunResult } from './executor.js';
import { HIVE_DEFAULT_PARTITION, partitionFolders } from './partitions.js';

export interface RunReport {
  readonly job: string;
  readonly file?: string;
  readonly glueVersion: string;
  readonly ms: number;
  readonly nodes: readonly {
    readonly id: string;
    readonly role: string;
    readonly kind: string;
    readonly rowsIn: number;
    readonly rowsOut: number;
    readonly ms: number;
    readonly schema: readonly { readonly name: string; readonly type: string; readonly nullable: boolean }[];
    /** Columns dropped at run time (DropNullFields). */
    readonly dropped?: readonly string[];
  }[];
  readonly sinks: readonly {
    readonly id: string;
    readonly path: string;
    readonly location: string;
    readonly rows: number;
    readonly partitions: readonly string[];
    readonly files: readonly { readonly key: string; readonly location: string; readonly rows: number; readonly bytes: number }[];
    /** Present for a sink with `catalog`: what its enableUpdateCatalog would write to the Data Catalog. */
    readonly catalog?: CatalogUpdate;
  }[];
}

/**
 * What Glue's enableUpdateCatalog does after a sink writes: create or update the table
 * with the written schema (UPDATE_IN_DATABASE; LOG only logs schema changes) and add
 * every partition written that the table does not have yet. Locally there is no catalog
 * to compare with, so every partition written is listed.
 */
export interface CatalogUpdate {
  readonly database: string;
  readonly table: string;
  readonly updateBehavior: 'UPDATE_IN_DATABASE' | 'LOG';
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly partitionKeys: readonly { readonly name: string; readonly type: string }[];
  /** Each partition's values in key order (null: Hive's default partition) and its S3 location. */
  readonly partitions: readonly { readonly values: readonly (string | null)[]; readonly location: string }[];
}

const columnsOf = (schema: Schema) => schema.map((f) => ({ name: f.name, type: formatGlueType(f.type) }));

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The report of a run; give the job's IR to include the catalog updates of its sinks. */
export function runReport(result: RunResult, file?: string, ir?: JobIR): RunReport {
  return {
    job: result.job,
    ...(file !== undefined && { file }),
    glueVersion: result.glueVersion,
    ms: round(result.ms),
    nodes: result.nodes.map((n) => ({
      id: n.id,
      role: n.role,
      kind: n.kind,
      rowsIn: n.rowsIn,
      rowsOut: n.rowsOut,
      ms: round(n.ms),
      schema: n.schema.map((f) => ({ name: f.name, type: formatGlueType(f.type), nullable: f.nullable })),
      ...(n.dropped.length > 0 && { dropped: n.dropped }),
    })),
    sinks: result.sinks.map((s) => ({
      id: s.id,
      path: `s3://${s.bucket}/${s.prefix}`,
      location: s.location,
      rows: s.rows,
      partitions: s.partitions,
      files: s.files.map((f) => ({ key: f.key, location: f.location, rows: f.rows, bytes: f.bytes })),
      ...catalogUpdate(ir, s.id, `s3://${s.bucket}/${s.prefix}`, s.partitions),
    })),
  };
}

/** A plain-text table of the nodes: id, kind, rows in, rows out, time. */
export function summaryTable(report: RunReport): string {
  const rows = [
    ['node', 'kind', 'rows in', 'rows out', 'ms'],
    ...report.nodes.map((n) => [n.id, n.kind, n.role === 'source' ? '' : n.rowsIn.toLocaleString('en-US'), n.rowsOut.toLocaleString('en-US'), n.ms.toFixed(1)]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

function catalogUpdate(ir: JobIR | undefined, id: string, path: string, partitions: readonly string[]): { catalog?: CatalogUpdate } {
  const node = ir?.nodes.find((n) => n.id === id);
  if (!node || node.role !== 'sink' || !node.catalog) return {};
  const table = sinkTable(node);
  return {
    catalog: {
      database: node.catalog.database,
      table: node.catalog.table,
      updateBehavior: node.catalog.updateBehavior,
      columns: columnsOf(table.columns),
      partitionKeys: columnsOf(table.partitionKeys),
      partitions: partitions.map((folder) => ({
        values: partitionFolders(`${folder}/file`).map((f) => (f.value === HIVE_DEFAULT_PARTITION ? null : f.value)),
        location: `${path}${folder}/`,
      })),
    },
  };
}
