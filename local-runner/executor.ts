/**
 * Runs a job's IR locally over Arrow record batches.
 *
 * Every node is a stream of batches pulled by its consumer, so a chain of stateless
 * transforms between a source and a sink holds one batch at a time. A node read by more
 * than one consumer is materialised once and replayed to each (the price of fan-out);
 * joins, aggregates and de-duplication hold what they need themselves.
 *
 * Sinks write into a staging area; only when every sink has written is everything put in
 * place, so a failed run leaves no partial output.
 */
import type { RecordBatch, Table } from 'apache-arrow';
import { Table as ArrowTable } from 'apache-arrow';
import { toArrowSchema } from '../catalog/arrow.js';
import type { Schema } from '../catalog/schema.js';
import type { KernelContext } from '../kernels/context.js';
import type { JobIR, NodeIR } from '../jobs/ir.js';
import { transformSpec } from '../transforms/index.js';
import type { BatchStream, LocalContext, TransformNode } from '../transforms/transform.js';
import { readSource } from './source-reader.js';
import { sinkKeysProblem, writeSink, type SinkResult } from './sink-writer.js';
import type { KeyProvider } from './cse/kms.js';
import type { ReadOptions } from './formats/format.js';
import { statisticsTest } from './pushdown.js';
import type { FilterOptions } from '../transforms/filter.js';
import type { JoinOptions } from '../transforms/join.js';
import { countsEveryRow, type AggregateOptions } from '../transforms/aggregate.js';
import type { ApplyMappingOptions } from '../transforms/apply-mapping.js';
import type { ExprNode } from '../expr/expr.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import type { CommitFolder, ObjectStore, OutputStaging } from './stores/store.js';

export interface RunOptions {
  /** Where sources read from. */
  readonly store: ObjectStore;
  /** Where sinks write to. */
  readonly staging: OutputStaging;
  /** Rows per batch from readers. Default 65,536. */
  readonly batchRows?: number;
  /** Keys for client-side encrypted (CSE-KMS) sources and sinks. */
  readonly keys?: KeyProvider;
  /** Read legacy S3 Encryption Client formats. Off by default. */
  readonly allowLegacyCse?: boolean;
  /** Source rows given directly, by source id, instead of read from the store (testing API). */
  readonly inputs?: Readonly<Record<string, readonly RecordBatch[]>>;
  /** Keep each sink's rows as an Arrow table in the result (testing API). */
  readonly collect?: boolean;
  /** Rows per sink part file before the next one starts (bounds sink memory). Default 1,000,000. */
  readonly maxRowsPerFile?: number;
  /** Called as nodes produce rows and finish. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface ProgressEvent {
  readonly id: string;
  readonly rows: number;
  readonly done: boolean;
}

export interface NodeStats {
  readonly id: string;
  readonly role: NodeIR['role'];
  readonly kind: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Time spent in this node itself, excluding its inputs. */
  readonly ms: number;
  readonly schema: Schema;
  /** Columns the node dropped at run time (DropNullFields). */
  readonly dropped: readonly string[];
}

export interface RunResult {
  readonly job: string;
  readonly glueVersion: string;
  readonly ms: number;
  readonly nodes: readonly NodeStats[];
  readonly sinks: readonly SinkResult[];
  /** Each sink's rows, when `collect` was set. */
  readonly outputs: ReadonlyMap<string, Table>;
}

/** A failure during a run, naming the node where it happened. */
export class RunError extends Error {
  constructor(
    readonly node: string,
    override readonly cause: unknown,
  ) {
    super(`node "${node}": ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'RunError';
  }
}

interface Meter {
  rowsOut: number;
  inclusiveMs: number;
  /** Time pulling inputs inside this node's pulls, subtracted to get self time. */
  inputMs: number;
}

export function kernelContext(ir: JobIR): KernelContext {
  // Glue 6.0 runs Spark 4.1 with ANSI mode on; 4.0 and 5.0 run Spark 3.x with it off.
  return { ansi: ir.settings.glueVersion === '6.0' };
}

export async function runJob(ir: JobIR, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  // Nodes produce only the columns their consumers use (see prunedSchemas); transforms
  // read their inputs' schemas through ctx, so they see the pruned ones.
  const pruned = prunedSchemas(ir);
  const ctx: LocalContext = {
    ...kernelContext(ir),
    schemaOf: (id) => pruned.get(id)!,
    droppedColumns: new Map(),
  };
  const consumers = new Map<string, number>(ir.nodes.map((n) => [n.id, 0]));
  for (const n of ir.nodes) for (const input of n.inputs) consumers.set(input, consumers.get(input)! + 1);

  const pushdown = pushdownTests(ir, consumers);
  const dictionaries = dictionaryColumns(ir, consumers, pruned);
  const meters = new Map<string, Meter>(ir.nodes.map((n) => [n.id, { rowsOut: 0, inclusiveMs: 0, inputMs: 0 }]));
  const streams = new Map<string, () => BatchStream>();
  const sinks: SinkResult[] = [];
  const outputs = new Map<string, Table>();

  // A sink that cannot encrypt would fail only once its input is computed: fail first.
  for (const node of ir.nodes) {
    if (node.role !== 'sink') continue;
    const problem = await sinkKeysProblem(node, options.keys);
    if (problem) throw new RunError(node.id, problem);
  }

  try {
    for (const node of ir.nodes) {
      const inputs = node.inputs.map((id) => metered(streams.get(id)!(), meters.get(node.id)!));
      if (node.role === 'sink') {
        const collected: RecordBatch[] = [];
        const rows = options.collect ? tap(inputs[0]!, collected) : inputs[0]!;
        const result = await timed(meters.get(node.id)!, () => writeSink(node, rows, options.staging, ctx, { ...(options.keys && { keys: options.keys }), ...(options.maxRowsPerFile && { maxRowsPerFile: options.maxRowsPerFile }) })).catch((e) => {
          throw e instanceof RunError ? e : new RunError(node.id, e);
        });
        meters.get(node.id)!.rowsOut = result.rows;
        sinks.push(result);
        if (options.collect) outputs.set(node.id, collected.length > 0 ? new ArrowTable(collected) : new ArrowTable(toArrowSchema(node.schema)));
        options.onProgress?.({ id: node.id, rows: result.rows, done: true });
        continue;
      }
      const schema = pruned.get(node.id)!;
      const produced = (): BatchStream => produce(node, inputs, { ...options, glueVersion: ir.settings.glueVersion, pushdown, dictionaries }, ctx, schema);
      const open = (): BatchStream => guarded(node.id, schema === node.schema ? produced() : project(produced(), schema), meters.get(node.id)!, options.onProgress);
      if (consumers.get(node.id)! > 1) {
        // Fan-out: compute once, replay to each consumer.
        const batches: RecordBatch[] = [];
        for await (const batch of open()) batches.push(batch);
        streams.set(node.id, () => replay(batches));
      } else {
        streams.set(node.id, open);
      }
    }
    await options.staging.commit(sinks.map((s) => ({ bucket: s.bucket, prefix: s.prefix, ...serverSideEncryption(ir, s.id) })));
  } catch (e) {
    await options.staging.abort();
    throw e;
  }

  const nodes: NodeStats[] = ir.nodes.map((n) => {
    const m = meters.get(n.id)!;
    const rowsIn = n.inputs.reduce((sum, id) => sum + meters.get(id)!.rowsOut, 0);
    const dropped = ctx.droppedColumns.get(n.id) ?? [];
    return { id: n.id, role: n.role, kind: n.kind, rowsIn, rowsOut: m.rowsOut, ms: Math.max(0, m.inclusiveMs - m.inputMs), schema: n.schema, dropped };
  });
  return { job: ir.settings.name, glueVersion: ir.settings.glueVersion, ms: performance.now() - started, nodes, sinks, outputs };
}

function produce(
  node: Exclude<NodeIR, { role: 'sink' }>,
  inputs: BatchStream[],
  options: RunOptions & { glueVersion: string; pushdown: ReadonlyMap<string, ReadOptions['mayMatch']>; dictionaries: ReadonlyMap<string, ReadonlySet<string>> },
  ctx: LocalContext,
  schema: Schema,
): BatchStream {
  if (node.role === 'source') {
    const given = options.inputs?.[node.id];
    const mayMatch = options.pushdown.get(node.id);
    const dictionaryColumns = options.dictionaries.get(node.id);
    return given
      ? replay(given)
      : readSource(node, options.store, {
          batchRows: options.batchRows ?? 65_536,
          ctx,
          glueVersion: options.glueVersion,
          columns: new Set(schema.map((f) => f.name)),
          ...(mayMatch && { mayMatch }),
          ...(dictionaryColumns && { dictionaryColumns }),
          ...(options.keys && { keys: options.keys }),
          ...(options.allowLegacyCse && { allowLegacyCse: true }),
        });
  }
  const spec = transformSpec(node.kind)!;
  if (!spec.local) throw new RunError(node.id, `${node.kind} has no local implementation yet`);
  // A Join, a Filter and an ApplyMapping build exactly their pruned columns; other
  // transforms build their whole schema (from their inputs' pruned columns), which
  // `project` then narrows.
  const local = (node.kind === 'Join' || node.kind === 'Filter' || node.kind === 'ApplyMapping') && schema !== node.schema ? { ...node, schema } : node;
  return spec.local(local as TransformNode as never, inputs, ctx);
}

/**
 * Column pruning, as Spark's optimiser and DuckDB do: every node's output holds only the
 * columns some consumer uses, so that a join does not gather, and a filter does not copy,
 * columns nobody reads. Walking the graph from the sinks back, each consumer says which of
 * its input's columns it uses, given the columns its own consumers use:
 * - a sink, SparkSQL, DropNullFields, and every transform not listed below use all their
 *   input columns (they address columns by position, or their output depends on all);
 * - a Join uses its key columns and the columns of that side its output needs;
 * - an Aggregate its group columns and aggregated columns, except the column of a count
 *   that counts every row (countsEveryRow: the column cannot be NULL);
 * - an ApplyMapping the sources of the mappings its output needs (it builds only those);
 * - a Filter the columns its output needs and those its condition reads (it passes its
 *   input's columns through).
 * The result is each node's output schema restricted to the used columns, in schema order,
 * or the node's own schema (the same object) when it keeps every column. Glue and Spark
 * never see any of this: it changes which columns flow, not a single value.
 */
export function prunedSchemas(ir: JobIR): Map<string, Schema> {
  const used = new Map<string, Set<string> | 'all'>();
  const schemaOf = new Map(ir.nodes.map((n) => [n.id, n.schema]));
  const merge = (id: string, columns: Iterable<string> | 'all') => {
    const before = used.get(id);
    if (before === 'all') return;
    if (columns === 'all') {
      used.set(id, 'all');
      return;
    }
    const set = before ?? new Set<string>();
    for (const c of columns) set.add(c);
    used.set(id, set);
  };
  // ir.nodes is in dependency order, so backwards every consumer comes before its inputs.
  for (let k = ir.nodes.length - 1; k >= 0; k--) {
    const node = ir.nodes[k]!;
    // Nothing reads a node without consumers (other than sinks): keep it whole.
    const out = node.role === 'sink' ? 'all' : used.get(node.id) ?? 'all';
    node.inputs.forEach((id, i) => merge(id, inputColumns(node, i, out, schemaOf.get(id)!)));
  }
  return new Map(
    ir.nodes.map((n) => {
      const columns = used.get(n.id) ?? 'all';
      const kept = columns === 'all' ? n.schema : n.schema.filter((f) => columns.has(f.name));
      return [n.id, kept.length === n.schema.length ? n.schema : Object.freeze(kept)];
    }),
  );
}

/** The columns of input `i` that `node` uses, given the columns of its output its consumers use. */
function inputColumns(node: NodeIR, i: number, out: ReadonlySet<string> | 'all', input: Schema): Iterable<string> | 'all' {
  if (node.role !== 'transform') return 'all';
  switch (node.kind) {
    case 'Join': {
      const { keys, how } = node.options as JoinOptions;
      const own = keys.map((k) => (i === 0 ? k.left : k.right));
      // A semi or anti join outputs no right column.
      if (i === 1 && (how === 'leftsemi' || how === 'leftanti')) return own;
      if (out === 'all') return 'all';
      return [...own, ...input.filter((f) => out.has(f.name)).map((f) => f.name)];
    }
    case 'Aggregate': {
      const { groupBy, aggregations } = node.options as AggregateOptions;
      // count of a column that cannot be NULL counts rows, and needs no column (countsEveryRow).
      const aggregated = aggregations
        .filter((a) => a.column !== '*' && !countsEveryRow(a, input.find((f) => f.name === a.column)))
        .map((a) => (a.wholeName ? a.column : a.column.split('.')[0]!));
      return [...groupBy, ...aggregated];
    }
    case 'ApplyMapping': {
      const { mappings } = node.options as ApplyMappingOptions;
      return mappings.filter((m) => out === 'all' || out.has(m.to)).map((m) => m.fromPath[0]!);
    }
    case 'Filter':
      return out === 'all' ? 'all' : [...out, ...referencedColumns((node.options as FilterOptions).where)];
    default:
      return 'all';
  }
}

/**
 * The columns an expression reads: each `col` name as written and its first dotted part
 * (the evaluator takes a whole column of that name first, else a field of a struct).
 */
function referencedColumns(expr: ExprNode): Set<string> {
  const names = new Set<string>();
  const visit = (e: ExprNode): void => {
    switch (e.kind) {
      case 'col':
        names.add(e.name);
        names.add(e.name.split('.')[0]!);
        return;
      case 'lit':
        return;
      case 'compare':
      case 'arith':
        visit(e.left);
        visit(e.right);
        return;
      case 'and':
      case 'or':
      case 'coalesce':
      case 'call':
        e.args.forEach(visit);
        return;
      case 'in':
        visit(e.arg);
        e.values.forEach(visit);
        return;
      case 'between':
        visit(e.arg);
        visit(e.low);
        visit(e.high);
        return;
      case 'not':
      case 'isNull':
      case 'like':
      case 'negate':
      case 'cast':
        visit(e.arg);
        return;
      default: {
        // A new kind of expression must say which columns it reads here.
        const unknown: never = e;
        throw new Error(`column pruning: unknown expression ${JSON.stringify(unknown)}`);
      }
    }
  };
  visit(expr);
  return names;
}

/** A node's batches narrowed to `schema`'s columns, by name (no values copied). */
async function* project(stream: BatchStream, schema: Schema): BatchStream {
  let fields: unknown;
  let indices: number[] = [];
  for await (const batch of stream) {
    if (batch.schema.fields !== fields) {
      fields = batch.schema.fields;
      indices = schema.map((f) => {
        const at = batch.schema.fields.findIndex((g) => g.name === f.name);
        if (at < 0) throw new Error(`column pruning: the batch has no column "${f.name}"`);
        return at;
      });
    }
    yield makeBatch(schema, indices.map((at) => columnAt(batch, at)), batch.numRows);
  }
}

/**
 * Predicate pushdown: a source read only by a Filter gets a test that lets readers skip
 * blocks whose statistics rule the condition out (local-runner/pushdown.ts).
 */
function pushdownTests(ir: JobIR, consumers: ReadonlyMap<string, number>): Map<string, ReadOptions['mayMatch']> {
  const tests = new Map<string, ReadOptions['mayMatch']>();
  for (const { filter, source } of filtersOnSources(ir, consumers)) {
    const test = statisticsTest((filter.options as FilterOptions).where, source.schema);
    if (test) tests.set(source.id, test);
  }
  return tests;
}

/** Each Filter whose input is a source read by nothing else, with that source. */
function filtersOnSources(ir: JobIR, consumers: ReadonlyMap<string, number>): { filter: TransformNode; source: NodeIR }[] {
  const pairs: { filter: TransformNode; source: NodeIR }[] = [];
  for (const node of ir.nodes) {
    if (node.role !== 'transform' || node.kind !== 'Filter') continue;
    const source = ir.nodes.find((n) => n.id === node.inputs[0]);
    if (source?.role === 'source' && consumers.get(source.id) === 1) pairs.push({ filter: node, source });
  }
  return pairs;
}

/**
 * String columns a source may deliver dictionary-encoded (kernels/dictionary.ts): those
 * of a source whose only consumer is a Filter that reads them for its condition and
 * passes them on to nobody (they are not in its pruned output). The filter compares each
 * distinct value once there, and no other kernel ever sees the dictionary.
 */
export function dictionaryColumns(ir: JobIR, consumers: ReadonlyMap<string, number>, pruned: ReadonlyMap<string, Schema>): Map<string, ReadonlySet<string>> {
  const out = new Map<string, ReadonlySet<string>>();
  for (const { filter, source } of filtersOnSources(ir, consumers)) {
    const passedOn = new Set(pruned.get(filter.id)!.map((f) => f.name));
    const columns = pruned.get(source.id)!.filter((f) => f.type.kind === 'string' && !passedOn.has(f.name)).map((f) => f.name);
    if (columns.length > 0) out.set(source.id, new Set(columns));
  }
  return out;
}

/**
 * SSE-KMS as Glue applies it: the sink's own key, else the job's security configuration
 * key (one SSE-KMS key per job). Stagings that do not encrypt at rest ignore it.
 */
function serverSideEncryption(ir: JobIR, sinkId: string): Pick<CommitFolder, 'serverSideEncryption'> {
  const node = ir.nodes.find((n) => n.id === sinkId);
  if (node?.role !== 'sink' || node.encryption?.mode === 'CSE-KMS') return {};
  const key = node.encryption?.kmsKeyArn ?? ir.security.s3KmsKeyArn;
  return key ? { serverSideEncryption: { algorithm: 'aws:kms', kmsKeyId: key } } : {};
}

async function* replay(batches: readonly RecordBatch[]): BatchStream {
  yield* batches;
}

async function* tap(stream: BatchStream, into: RecordBatch[]): BatchStream {
  for await (const batch of stream) {
    into.push(batch);
    yield batch;
  }
}

/** Counts rows and inclusive time of a node's stream, and names the node in any error. */
async function* guarded(id: string, stream: BatchStream, meter: Meter, onProgress: RunOptions['onProgress']): BatchStream {
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    const start = performance.now();
    let step: IteratorResult<RecordBatch>;
    try {
      step = await it.next();
    } catch (e) {
      throw e instanceof RunError ? e : new RunError(id, e);
    } finally {
      meter.inclusiveMs += performance.now() - start;
    }
    if (step.done) break;
    meter.rowsOut += step.value.numRows;
    onProgress?.({ id, rows: meter.rowsOut, done: false });
    yield step.value;
  }
  onProgress?.({ id, rows: meter.rowsOut, done: true });
}

/** Attributes time spent pulling an input to the consumer's input time. */
async function* metered(stream: BatchStream, consumer: Meter): BatchStream {
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    const start = performance.now();
    const step = await it.next();
    consumer.inputMs += performance.now() - start;
    if (step.done) return;
    yield step.value;
  }
}

async function timed<T>(meter: Meter, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    meter.inclusiveMs += performance.now() - start;
  }
}
