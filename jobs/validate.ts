/**
 * Validation: a job definition in, the job IR and every problem out. Nothing is emitted
 * from an invalid job. The steps:
 * 1. job settings and security settings;
 * 2. node ids and the graph (dangling inputs, cycles, unused nodes);
 * 3. schemas, propagated in topological order through each node's output-schema rule;
 * 4. job-wide encryption rules.
 * A node whose input is broken is not checked against a guessed schema, so one mistake
 * yields one message, not a cascade.
 */
import { describe, type Schema } from '../catalog/schema.js';
import { suggest } from '../core/did-you-mean.js';
import { joinPath, ProblemList, ValidationError, type Problem, type Reporter } from '../core/problems.js';
import { transformSpec } from '../transforms/index.js';
import type { InputRef, TransformNode } from '../transforms/transform.js';
import { isJobDefinition, type JobDefinition } from './define.js';
import type { JobIR, NodeIR } from './ir.js';
import { checkCatalogConsistency } from './catalog-consistency.js';
import { resolveSink, sinkInput, type SinkNode } from './nodes/sinks.js';
import { resolveSource, type SourceNode } from './nodes/sources.js';
import { checkAnsiCasts } from './ansi-casts.js';
import { checkEncryption, resolveSecuritySettings } from './security.js';
import { resolveSettings } from './settings.js';

export interface ValidationResult {
  /** The IR, when there are no errors. */
  readonly ir?: JobIR;
  /** Errors and warnings, in the order found. */
  readonly problems: readonly Problem[];
}

type Section = 'sources' | 'transforms' | 'sinks';

interface PendingNode {
  readonly id: string;
  readonly section: Section;
  readonly def: unknown;
  readonly at: Reporter;
  readonly inputs: InputRef[];
  /** Whether every input field was well formed; a node with a malformed one is not analysed. */
  readonly inputsOk: boolean;
  /** Definition order, to keep the topological order stable. */
  readonly index: number;
}

const NODE_ID = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export function validateJob(definition: unknown, options: { file?: string } = {}): ValidationResult {
  const problems = new ProblemList(options.file);
  if (!isJobDefinition(definition)) {
    problems.error('', `the job file must export a job made with defineJob({...}) as its default export, found ${describe(definition)}`);
    return { problems: problems.items };
  }
  if (typeof definition.name === 'string') problems.job = definition.name;

  const settings = resolveSettings(definition, problems);
  const security = resolveSecuritySettings(definition, problems);
  const pending = collectNodes(definition, problems);
  const order = orderGraph(pending, problems);

  const nodes = new Map<string, NodeIR>();
  const broken = new Set<string>();
  for (const p of order) {
    const inputs = p.inputs.map((ref) => nodes.get(ref.id));
    if (!p.inputsOk || inputs.some((n) => !n)) {
      broken.add(p.id); // an input failed; its own problems are already reported
      continue;
    }
    const analyzed = inputs.map((n) => ({ id: n!.id, schema: n!.schema, label: `input "${n!.id}"` }));
    const node = resolveNode(p, analyzed);
    if (node) nodes.set(p.id, node);
    else broken.add(p.id);
  }

  if (settings && security && problems.errorCount === 0) {
    const all = [...nodes.values()];
    const jobSecurity = checkEncryption(
      security,
      settings.glueVersion,
      all.filter((n): n is SourceNode => n.role === 'source'),
      all.filter((n): n is SinkNode => n.role === 'sink'),
      (id) => problems.at(joinPath('sinks', id), id),
      problems,
    );
    if (problems.errorCount === 0) {
      const candidate: JobIR = Object.freeze({
        kind: 'JobIR',
        ...(options.file !== undefined && { file: options.file }),
        settings,
        security: jobSecurity,
        nodes: Object.freeze(order.map((p) => nodes.get(p.id)!)),
      });
      checkAnsiCasts(candidate, problems);
      checkCatalogConsistency(candidate, problems);
      if (problems.errorCount === 0) return { ir: candidate, problems: problems.items };
    }
  }
  return { problems: problems.items };
}

/** Like validateJob, but throws a ValidationError listing every error. */
export function buildJob(definition: unknown, options: { file?: string } = {}): JobIR {
  const result = validateJob(definition, options);
  if (!result.ir) throw new ValidationError(result.problems);
  return result.ir;
}

function resolveNode(p: PendingNode, inputs: { id: string; schema: Schema; label: string }[]): NodeIR | undefined {
  if (p.section === 'sources') return resolveSource(p.id, p.def, p.at);
  if (p.section === 'sinks') return resolveSink(p.id, p.def, inputs[0], p.at);
  const spec = transformSpec((p.def as { kind: string }).kind)!;
  const result = spec.analyze(p.def as never, inputs, p.at);
  if (!result) return undefined;
  const node: TransformNode = Object.freeze({
    role: 'transform',
    kind: spec.kind,
    id: p.id,
    inputs: Object.freeze(p.inputs.map((r) => r.id)),
    options: result.options,
    schema: result.schema,
  });
  return node;
}

function collectNodes(def: JobDefinition, problems: ProblemList): PendingNode[] {
  const pending: PendingNode[] = [];
  const seen = new Map<string, Section>();
  const sections: [Section, unknown, boolean][] = [
    ['sources', def.sources, true],
    ['transforms', def.transforms ?? {}, false],
    ['sinks', def.sinks, true],
  ];
  for (const [section, value, required] of sections) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      problems.error(section, `expected an object of ${section} by node id, got ${describe(value)}`);
      continue;
    }
    const entries = Object.entries(value);
    if (required && entries.length === 0) problems.error(section, `a job needs at least one ${section === 'sources' ? 'source' : 'sink'}`);
    for (const [id, nodeDef] of entries) {
      const at = problems.at(joinPath(section, id), id);
      if (!NODE_ID.test(id)) {
        at.error(`invalid node id "${id}"`, 'node ids are 1-100 letters, digits and underscores, starting with a letter or underscore (they name Python variables and Glue Studio nodes)');
        continue;
      }
      const other = seen.get(id);
      if (other) {
        at.error(`node id "${id}" is also used in ${other}`, 'node ids are unique across sources, transforms and sinks');
        continue;
      }
      seen.set(id, section);
      let inputs: InputRef[] = [];
      const errorsBefore = problems.errorCount;
      if (section === 'transforms') {
        const kind = (nodeDef as { kind?: unknown } | null)?.kind;
        const spec = typeof kind === 'string' ? transformSpec(kind) : undefined;
        if (!spec) {
          at.child('kind').error(
            `unknown transform ${describe(kind)}`,
            typeof kind === 'string' ? suggest(kind, transformKinds(), 'transform') : 'build transforms with filter(...), join(...), ...',
          );
          continue;
        }
        inputs = spec.inputs(nodeDef as never, at);
      } else if (section === 'sinks') {
        const input = sinkInput(nodeDef, at);
        if (input !== undefined) inputs = [{ id: input, path: `${at.path}.input` }];
      }
      pending.push({ id, section, def: nodeDef, at, inputs, inputsOk: problems.errorCount === errorsBefore, index: pending.length });
    }
  }
  return pending;
}

function transformKinds(): string[] {
  return ['ApplyMapping', 'SelectFields', 'DropFields', 'RenameField', 'Filter', 'Join', 'Union', 'DropNullFields', 'DropDuplicates', 'FillMissingValues', 'Aggregate', 'SparkSQL'];
}

/**
 * Checks the graph and returns the nodes in topological order. Nodes in a cycle, or
 * fed by a missing node, are left out (their problems are reported).
 */
function orderGraph(pending: PendingNode[], problems: ProblemList): PendingNode[] {
  const byId = new Map(pending.map((p) => [p.id, p]));
  const consumers = new Map<string, string[]>(pending.map((p) => [p.id, []]));
  const valid = new Set(pending.map((p) => p.id));
  const readable = pending.filter((p) => p.section !== 'sinks').map((p) => p.id);

  for (const p of pending) {
    for (const ref of p.inputs) {
      const target = byId.get(ref.id);
      const refAt = problems.at(ref.path, p.id);
      if (!target) {
        refAt.error(`unknown node "${ref.id}"`, suggest(ref.id, readable, 'node'));
        valid.delete(p.id);
      } else if (target.section === 'sinks') {
        refAt.error(`"${ref.id}" is a sink; sinks cannot be read by other nodes`, 'read the node the sink writes instead');
        valid.delete(p.id);
      } else if (ref.id === p.id) {
        refAt.error(`node "${p.id}" reads itself`);
        valid.delete(p.id);
      } else {
        consumers.get(ref.id)!.push(p.id);
      }
    }
  }

  for (const p of pending) {
    if (p.section !== 'sinks' && consumers.get(p.id)!.length === 0) {
      p.at.error(
        `node "${p.id}" is not used: no transform or sink reads it`,
        p.section === 'sources' ? 'remove the source, or read it from a transform or sink' : 'write it with a sink, or remove it',
      );
    }
  }

  // Kahn's algorithm, always taking the earliest-defined ready node, for a stable order.
  const remaining = new Map(pending.map((p) => [p.id, p.inputs.filter((r) => byId.has(r.id) && r.id !== p.id).length]));
  const order: PendingNode[] = [];
  const ready = pending.filter((p) => remaining.get(p.id) === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => a.index - b.index);
    const next = ready.shift()!;
    order.push(next);
    for (const c of consumers.get(next.id)!) {
      const left = remaining.get(c)! - 1;
      remaining.set(c, left);
      if (left === 0) ready.push(byId.get(c)!);
    }
  }
  const stuck = pending.filter((p) => !order.includes(p));
  reportCycles(stuck, byId);
  return order.filter((p) => valid.has(p.id));
}

function reportCycles(stuck: PendingNode[], byId: Map<string, PendingNode>): void {
  const reported = new Set<string>();
  for (const start of stuck) {
    if (reported.has(start.id)) continue;
    // Walk inputs from `start` until a node repeats: that loop is a cycle.
    const path: string[] = [];
    let current: PendingNode | undefined = start;
    while (current && !path.includes(current.id)) {
      path.push(current.id);
      current = current.inputs.map((r) => byId.get(r.id)).find((n) => n && stuck.includes(n));
    }
    if (!current) continue;
    const cycle = path.slice(path.indexOf(current.id));
    if (cycle.some((id) => reported.has(id))) continue;
    cycle.forEach((id) => reported.add(id));
    const shown = [...cycle].reverse();
    byId.get(cycle[0]!)!.at.error(`cycle: ${[...shown, shown[0]].join(' -> ')}`, 'a job is a DAG: no node may depend on its own output');
  }
}
