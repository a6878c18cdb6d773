/**
 * CodeGenConfigurationNodes: the job's DAG as Glue Studio nodes, so the visual editor
 * shows it. Keyed by node id; sorted so the output does not depend on definition order.
 */
import { transformSpec } from '../../transforms/index.js';
import type { StudioNode, TransformNode } from '../../transforms/transform.js';
import { nodeById, type JobIR } from '../ir.js';
import { sinkStudio } from '../nodes/sinks.js';
import { sourceStudio } from '../nodes/sources.js';

export function compileStudioNodes(ir: JobIR): Record<string, StudioNode> {
  const ctx = { schemaOf: (id: string) => nodeById(ir, id).schema };
  const nodes: Record<string, StudioNode> = {};
  for (const node of ir.nodes) {
    if (node.role === 'source') nodes[node.id] = sourceStudio(node);
    else if (node.role === 'sink') nodes[node.id] = sinkStudio(node);
    else Object.assign(nodes, transformSpec(node.kind)!.studio(node as TransformNode as never, ctx));
  }
  return Object.fromEntries(Object.keys(nodes).sort().map((id) => [id, nodes[id]!]));
}
