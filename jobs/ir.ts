/**
 * The job IR: one validated, immutable description of a job, shared by the Glue
 * compiler and the local runner. Nodes are listed in a topological order (every node
 * after its inputs; ties keep definition order), each with its output schema.
 */
import type { TransformNode } from '../transforms/transform.js';
import type { SinkNode } from './nodes/sinks.js';
import type { SourceNode } from './nodes/sources.js';
import type { JobSecurity } from './security.js';
import type { JobSettings } from './settings.js';

export type NodeIR = SourceNode | TransformNode | SinkNode;

export interface JobIR {
  /** Distinct from a definition's `kind: 'Job'`, so an API taking either can tell them apart. */
  readonly kind: 'JobIR';
  /** The job file, as given to the CLI or API. */
  readonly file?: string;
  readonly settings: JobSettings;
  readonly security: JobSecurity;
  readonly nodes: readonly NodeIR[];
}

export function nodeById(ir: JobIR, id: string): NodeIR {
  const node = ir.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node "${id}" in job "${ir.settings.name}"`);
  return node;
}

export function isJobIR(value: unknown): value is JobIR {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'JobIR';
}
