/**
 * The contract every transform file implements. One file per transform holds:
 * - its definition type (what a job file writes, with JSDoc) and builder function;
 * - `analyze`: option checks and the output-schema rule, given the input schemas;
 * - `pyspark`: the lines of the generated Glue script;
 * - `studio`: its Glue Studio CodeGenConfigurationNode(s).
 * The local runner adds `local` (the Arrow implementation) to the same object, so a
 * transform means the same thing in every backend by construction.
 */
import type { RecordBatch } from 'apache-arrow';
import type { Schema } from '../catalog/schema.js';
import type { Reporter } from '../core/problems.js';
import type { KernelContext } from '../kernels/context.js';

/** The fields every transform definition has. `kind` names the transform. */
export interface TransformDefinitionBase {
  readonly kind: string;
}

/** An input a definition names, and the field path that names it (for error messages). */
export interface InputRef {
  readonly id: string;
  readonly path: string;
}

/** An input as `analyze` sees it: its id, its schema, and how messages should name it. */
export interface AnalyzedInput {
  readonly id: string;
  readonly schema: Schema;
  readonly label: string;
}

/** A transform node in the job IR: validated, normalised, frozen. */
export interface TransformNode<K extends string = string, O = unknown> {
  readonly role: 'transform';
  readonly kind: K;
  readonly id: string;
  /** Input node ids, in the order the transform defines (left before right for joins). */
  readonly inputs: readonly string[];
  readonly options: O;
  /** The output schema. */
  readonly schema: Schema;
}

export interface PySparkContext {
  /** The Python variable holding a node's DataFrame. */
  df(id: string): string;
  /** The output schema of a node. */
  schemaOf(id: string): Schema;
}

/** One Glue Studio node: `{ "<NodeType>": { Name, Inputs, ... } }`. */
export type StudioNode = Readonly<Record<string, Record<string, unknown>>>;

export interface StudioContext {
  schemaOf(id: string): Schema;
}

/** Rows flowing between nodes of a local run: record batches in canonical layout (catalog/arrow.ts). */
export type BatchStream = AsyncIterable<RecordBatch>;

export interface LocalContext extends KernelContext {
  /** The output schema of a node. */
  schemaOf(id: string): Schema;
  /**
   * Columns a node dropped at run time, by node id (DropNullFields, whose output columns
   * depend on the data). A sink that reads such a node leaves them out of its files.
   */
  readonly droppedColumns: Map<string, readonly string[]>;
}

export interface TransformSpec<D extends TransformDefinitionBase = TransformDefinitionBase, O = unknown> {
  readonly kind: D['kind'];
  /** A short description, as shown in `gluekit` output and docs. */
  readonly title: string;
  /**
   * The input ids the definition names. Reports malformed input fields; returns the
   * well-formed ones so that the graph can still be checked.
   */
  inputs(def: D, at: Reporter): InputRef[];
  /**
   * Checks the options against the input schemas and derives the output schema.
   * Reports every problem at `at` (the node's definition); returns undefined when the
   * node cannot be used, so that downstream nodes are not checked against a guess.
   */
  analyze(def: D, inputs: readonly AnalyzedInput[], at: Reporter): { options: O; schema: Schema } | undefined;
  /** Python lines assigning `ctx.df(node.id)` from the inputs' DataFrames. */
  pyspark(node: TransformNode<D['kind'], O>, ctx: PySparkContext): string[];
  /** The Glue Studio nodes, keyed by Studio node id (normally just `node.id`). */
  studio(node: TransformNode<D['kind'], O>, ctx: StudioContext): Record<string, StudioNode>;
  /**
   * The local implementation: the output batches, computed from the inputs' batches
   * (in `node.inputs` order). Stateless transforms map batch by batch, so a pipeline of
   * them runs in bounded memory; joins, aggregates and de-duplication hold state.
   * Every output batch has exactly `node.schema` in canonical layout.
   */
  local?(node: TransformNode<D['kind'], O>, inputs: readonly BatchStream[], ctx: LocalContext): BatchStream;
}

/** Helps write a spec with its definition type inferred. */
export function defineTransform<D extends TransformDefinitionBase, O>(spec: TransformSpec<D, O>): TransformSpec<D, O> {
  return Object.freeze(spec);
}
