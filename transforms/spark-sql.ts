/**
 * SparkSQL: a Spark SQL query over the inputs, each visible as a table under its alias.
 * gluekit does not parse the query, so the definition declares the output schema; the
 * script casts the result to it, and the local runner checks the real result against it.
 */
import { describe, resolveSchema, type SchemaInput } from '../catalog/schema.js';
import { formatGlueType } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { py, pyCol, studioNode, studioSchema } from './shared.js';
import { defineTransform, type InputRef } from './transform.js';

export interface SparkSqlDefinition {
  readonly kind: 'SparkSQL';
  /**
   * The query's tables: alias → id of the node read under that name, e.g.
   * `{ o: 'orders', c: 'customers' }`. Aliases are SQL identifiers. Two aliases may name
   * the same node (a self join).
   */
  readonly inputs: Readonly<Record<string, string>>;
  /** A Spark SQL query over the aliases, e.g. `SELECT o.id, c.name FROM o JOIN c ON o.cid = c.id`. */
  readonly query: string;
  /**
   * The columns the query returns, in order. The script casts each column to its
   * declared type, so downstream nodes see exactly this schema.
   */
  readonly schema: SchemaInput;
}

export interface SparkSqlOptions {
  /** Every alias and the node id it names, in definition order. */
  readonly aliases: readonly { readonly alias: string; readonly id: string }[];
  readonly query: string;
}

/** Runs `query` over `inputs` (alias → node id); the result has the declared `schema`. */
export function sparkSql(props: Omit<SparkSqlDefinition, 'kind'>): SparkSqlDefinition {
  return Object.freeze({ kind: 'SparkSQL', inputs: props.inputs, query: props.query, schema: props.schema });
}

const ALIAS = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const SparkSql = defineTransform<SparkSqlDefinition, SparkSqlOptions>({
  kind: 'SparkSQL',
  title: 'Spark SQL query',
  inputs(def, at) {
    const aliases = readAliases(def.inputs, at.child('inputs'), true);
    const refs: InputRef[] = [];
    // One ref per node: an input read under two aliases is still one edge of the graph.
    for (const { id, at: aliasAt } of aliases ?? []) if (!refs.some((r) => r.id === id)) refs.push({ id, path: aliasAt.path });
    return refs;
  },
  analyze(def, _inputs, at) {
    const inputsAt = at.child('inputs');
    const aliases = readAliases(def.inputs, inputsAt, false); // inputs() reported its problems
    let ok = aliases !== undefined;
    const query: unknown = def.query;
    if (typeof query !== 'string' || query.trim() === '') {
      at.child('query').error(`expected a Spark SQL query, got ${describe(query)}`);
      ok = false;
    } else {
      for (const { alias } of aliases ?? []) {
        // A word match cannot tell a table from a column of the same name, but it
        // catches the common slip: an input added to `inputs` and never queried.
        if (!new RegExp(`(?<![A-Za-z0-9_])${alias}(?![A-Za-z0-9_])`, 'i').test(query)) {
          inputsAt.child(alias).warn(`alias ${alias} is never used in the query`, 'remove it from inputs, or read it in the query');
        }
      }
    }
    const schema = resolveSchema(def.schema, at.child('schema'));
    if (!ok || !schema || !aliases) return undefined;
    const options: SparkSqlOptions = Object.freeze({
      aliases: Object.freeze(aliases.map(({ alias, id }) => Object.freeze({ alias, id }))),
      query: query as string,
    });
    return { options, schema };
  },
  pyspark(node, ctx) {
    const out = ctx.df(node.id);
    // Casting by name (Spark resolves it case-insensitively) also gives each column the
    // declared spelling.
    const columns = node.schema.map((f) => `${pyCol(f.name)}.cast(${py(formatGlueType(f.type))}).alias(${py(f.name)})`);
    return [
      ...node.options.aliases.map(({ alias, id }) => `${ctx.df(id)}.createOrReplaceTempView(${py(alias)})`),
      `${out} = spark.sql(${py(node.options.query)})`,
      `${out} = ${out}.select(${columns.join(', ')})`,
    ];
  },
  studio(node) {
    return {
      [node.id]: studioNode('SparkSQL', {
        Name: node.id,
        Inputs: [...node.inputs],
        SqlQuery: node.options.query,
        SqlAliases: node.options.aliases.map(({ alias, id }) => ({ From: id, Alias: alias })),
        OutputSchemas: studioSchema(node.schema),
      }),
    };
  },
  // DuckDB runs the query (local-runner/sql): the translation refuses what it cannot run
  // as Spark would, and the result is cast to the declared schema as the script casts it.
  // Imported here, so that DuckDB's native module loads only when a query runs.
  async *local(node, inputs, ctx) {
    const { runSparkSql } = await import('../local-runner/sql/duckdb-session.js');
    yield* runSparkSql({
      node: node.id,
      query: node.options.query,
      aliases: node.options.aliases,
      inputs: node.inputs.map((id, i) => ({ id, schema: ctx.schemaOf(id), batches: inputs[i]! })),
      declared: node.schema,
      ctx,
      droppedColumns: (id) => ctx.droppedColumns.get(id),
    });
  },
});

/**
 * Reads `inputs` ({ alias: node id }); returns undefined if any entry is unusable.
 * Reports only when `report` is set, so that analyze can re-read it silently.
 */
function readAliases(value: unknown, at: Reporter, report: boolean): { alias: string; id: string; at: Reporter }[] | undefined {
  const error = (where: Reporter, message: string, hint?: string) => report && where.error(message, hint);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    error(at, `expected the query's tables as { alias: node id }, got ${describe(value)}`, 'e.g. inputs: { o: "orders" }');
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) {
    error(at, 'a SparkSQL node needs at least one input', 'e.g. inputs: { o: "orders" }');
    return undefined;
  }
  const aliases: { alias: string; id: string; at: Reporter }[] = [];
  const seen = new Map<string, string>();
  let ok = true;
  for (const [alias, id] of entries) {
    const aliasAt = at.child(alias);
    if (typeof id !== 'string' || id === '') {
      error(aliasAt, `expected the id of the node read as ${alias}, got ${describe(id)}`);
      ok = false;
      continue;
    }
    // The id is still a usable edge even when the alias is not: keep it for the graph.
    aliases.push({ alias, id, at: aliasAt });
    if (!ALIAS.test(alias)) {
      error(aliasAt, `invalid alias "${alias}": an alias is a SQL identifier (letters, digits and _, not starting with a digit)`);
      ok = false;
    } else if (seen.has(alias.toLowerCase())) {
      // Spark's table names are case-insensitive: the second view would replace the first.
      error(aliasAt, `alias "${alias}" is the same table name as "${seen.get(alias.toLowerCase())}" (Spark ignores case)`);
      ok = false;
    } else {
      seen.set(alias.toLowerCase(), alias);
    }
  }
  return report || ok ? aliases : undefined;
}
