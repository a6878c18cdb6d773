/** The job's DAG as a Mermaid flowchart: sources as cylinders, sinks as parallelograms. */
import { formatGlueType } from '../../catalog/types.js';
import type { JobIR, NodeIR } from '../ir.js';

/** A quoted Mermaid label; lines are joined with <br/>, everything else is escaped. */
function label(lines: string[]): string {
  const escape = (s: string) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  return `"${lines.map(escape).join('<br/>')}"`;
}

function describe(node: NodeIR): string[] {
  const encryption = (mode?: string) => (mode ? `, ${mode}` : '');
  if (node.role === 'source') {
    const where = node.kind === 'S3Source' ? `${node.path} (${node.format}` : `${node.table.database}.${node.table.name} (catalog`;
    return [node.id, `${where}${encryption(node.encryption?.mode)})`];
  }
  if (node.role === 'sink') {
    const parts = node.partitionKeys.length > 0 ? `, by ${node.partitionKeys.join('/')}` : '';
    return [node.id, `${node.path} (${node.format}${parts}${encryption(node.encryption?.mode)})`];
  }
  return [node.id, node.kind];
}

export function compileMermaid(ir: JobIR): string {
  const lines = ['flowchart LR'];
  for (const node of ir.nodes) {
    const text = label(describe(node));
    const shape = node.role === 'source' ? `[(${text})]` : node.role === 'sink' ? `[/${text}/]` : `[${text}]`;
    lines.push(`  ${node.id}${shape}`);
  }
  for (const node of ir.nodes) {
    for (const input of node.inputs) lines.push(`  ${input} --> ${node.id}`);
  }
  const sinkSchemas = ir.nodes.filter((n) => n.role === 'sink');
  for (const sink of sinkSchemas) {
    lines.push(`  %% ${sink.id} schema: ${sink.schema.map((f) => `${f.name} ${formatGlueType(f.type)}`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
