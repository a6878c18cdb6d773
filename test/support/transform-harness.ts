/**
 * Runs one transform spec outside a job: resolves the given input schemas, calls
 * `analyze`, and returns the result with every problem reported, plus the generated
 * PySpark lines and Studio nodes when the definition is valid.
 */
import { expect } from 'vitest';
import { resolveSchema, type SchemaInput } from '../../catalog/schema.js';
import { formatGlueType, type GlueType } from '../../catalog/types.js';
import { ProblemList, type Problem } from '../../core/problems.js';
import type { TransformDefinitionBase, TransformNode, TransformSpec } from '../../transforms/transform.js';

export interface HarnessResult<O> {
  problems: Problem[];
  node?: TransformNode<string, O>;
  pyspark?: string[];
  studio?: Record<string, unknown>;
}

export function runTransform<D extends TransformDefinitionBase, O>(
  spec: TransformSpec<D, O>,
  def: D,
  inputs: Record<string, SchemaInput>,
): HarnessResult<O> {
  const problems = new ProblemList('test.ts', 'test-job');
  const schemas = new Map(
    Object.entries(inputs).map(([id, input]) => {
      const schema = resolveSchema(input, problems.at(`sources.${id}.schema`, id));
      if (!schema) throw new Error(`bad test schema for ${id}: ${JSON.stringify(problems.items)}`);
      return [id, schema] as const;
    }),
  );
  const at = problems.at('transforms.node', 'node');
  const refs = spec.inputs(def, at);
  const analyzed = refs.map((ref) => {
    const schema = schemas.get(ref.id);
    if (!schema) throw new Error(`test names unknown input ${ref.id}`);
    return { id: ref.id, schema, label: `input "${ref.id}"` };
  });
  if (refs.length === 0 || problems.errorCount > 0) return { problems: problems.items };
  const result = spec.analyze(def, analyzed, at);
  if (!result || problems.errorCount > 0) return { problems: problems.items };
  const node: TransformNode<string, O> = Object.freeze({
    role: 'transform',
    kind: spec.kind,
    id: 'node',
    inputs: refs.map((r) => r.id),
    options: result.options,
    schema: result.schema,
  });
  const ctx = { df: (id: string) => `df_${id}`, schemaOf: (id: string) => (id === 'node' ? result.schema : schemas.get(id)!) };
  return {
    problems: problems.items,
    node,
    pyspark: spec.pyspark(node as never, ctx),
    studio: spec.studio(node as never, ctx),
  };
}

/** The schema as `name: type` strings, with `?` for nullable, for compact assertions. */
export function schemaText(node: { schema: readonly { name: string; type: unknown; nullable: boolean }[] } | undefined): string[] {
  if (!node) return [];
  return node.schema.map((f) => `${f.name}: ${formatType(f.type)}${f.nullable ? '?' : ''}`);
}

function formatType(type: unknown): string {
  return formatGlueType(type as GlueType);
}

/**
 * Asserts the definition was rejected with exactly one problem, at `path`, whose message
 * contains `message` and whose hint contains `hint` (or that it has no hint).
 */
export function expectOneProblem(r: HarnessResult<unknown>, path: string, message: string, hint: string | undefined): void {
  expect(r.node).toBeUndefined();
  expect(r.problems).toHaveLength(1);
  expect(r.problems[0]!.path).toBe(path);
  expect(r.problems[0]!.message).toContain(message);
  if (hint) expect(r.problems[0]!.hint).toContain(hint);
  else expect(r.problems[0]!.hint).toBeUndefined();
}
