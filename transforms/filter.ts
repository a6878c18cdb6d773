/**
 * Filter: keeps the rows for which a boolean expression is true. Rows where it is false
 * or NULL are dropped (SQL's three-valued logic, as Spark's `DataFrame.filter`).
 */
import { describe } from '../catalog/schema.js';
import { toNode, type ExprLike, type ExprNode } from '../expr/expr.js';
import { toSparkSql } from '../expr/spark-sql.js';
import { checkExpr } from '../expr/typecheck.js';
import { evaluate } from '../kernels/evaluate.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { filterBatch } from '../kernels/selection.js';
import { py, singleInput, sqlTable, studioSql } from './shared.js';
import { defineTransform } from './transform.js';

export interface FilterDefinition {
  readonly kind: 'Filter';
  /** The id of the node whose rows are filtered. */
  readonly input: string;
  /** The condition rows must meet, e.g. `col('amount').gt(0)`. NULL counts as false. */
  readonly where: ExprLike;
}

export interface FilterOptions {
  readonly where: ExprNode;
}

/** Keeps the rows of `input` for which `where` is true. */
export function filter(props: Omit<FilterDefinition, 'kind'>): FilterDefinition {
  return Object.freeze({ kind: 'Filter', input: props.input, where: props.where });
}

export const Filter = defineTransform<FilterDefinition, FilterOptions>({
  kind: 'Filter',
  title: 'Filter rows',
  inputs: singleInput,
  analyze(def, [input], at) {
    if (def.where === undefined) {
      at.child('where').error(`expected a condition, got ${describe(def.where)}`);
      return undefined;
    }
    const where = toNode(def.where);
    const whereAt = at.child('where');
    const type = checkExpr(where, { schema: input!.schema, inputLabel: input!.label }, whereAt);
    if (!type) return undefined;
    if (type.kind !== 'boolean') {
      whereAt.error(`a filter condition must be boolean, got ${type.kind}`, 'compare it, e.g. col("x").gt(0)');
      return undefined;
    }
    return { options: Object.freeze({ where }), schema: input!.schema };
  },
  pyspark(node, ctx) {
    return [`${ctx.df(node.id)} = ${ctx.df(node.inputs[0]!)}.filter(F.expr(${py(toSparkSql(node.options.where))}))`];
  },
  // Studio's own Filter node evaluates Python lambdas whose semantics differ from SQL
  // (its REGEX anchors at the start, unlike RLIKE); a SparkSQL node means exactly what
  // the script does.
  studio(node) {
    const query = `SELECT * FROM ${sqlTable(node.inputs[0]!)} WHERE ${toSparkSql(node.options.where)}`;
    return { [node.id]: studioSql(node.id, node.inputs, query, node.schema) };
  },
  // The executor passes the node with its pruned schema (local-runner/executor.ts,
  // prunedSchemas): the condition reads the whole input, but only the columns consumers
  // use are copied, e.g. not the `status` a mapping drops next.
  async *local(node, [input], ctx) {
    const schema = ctx.schemaOf(node.inputs[0]!);
    const narrows = node.schema.length < schema.length;
    let fields: unknown;
    let narrow: number[] = [];
    for await (const batch of input!) {
      const mask = evaluate(node.options.where, batch, schema, ctx).data;
      if (narrows && batch.schema.fields !== fields) {
        fields = batch.schema.fields;
        narrow = node.schema.map((f) => {
          const at = batch.schema.fields.findIndex((g) => g.name === f.name);
          if (at < 0) throw new Error(`the batch has no column "${f.name}"`);
          return at;
        });
      }
      const source = narrows ? makeBatch(node.schema, narrow.map((at) => columnAt(batch, at)), batch.numRows) : batch;
      const kept = filterBatch(source, mask);
      if (kept.numRows > 0) yield kept;
    }
  },
});
