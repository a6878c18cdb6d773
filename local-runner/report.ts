/**
 * The run report: `run-report.json` beside a run's outputs, and the summary table the
 * CLI prints. Per node: schema, rows in and out, time; per sink: the files written.
 */
import { formatGlueType } from '../catalog/types.js';
import type { RunResult } from './executor.js';

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
  }[];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export function runReport(result: RunResult, file?: string): RunReport {
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
