/**
 * Union: the rows of every input, one after the other, matched by column NAME (Spark's
 * `unionByName`), not by position, so inputs may list their columns in any order.
 */
import { describe, field, type Field, type Schema } from '../catalog/schema.js';
import { commonType, containsMap, formatGlueType, isNumeric, isStringLike, typesEqual } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { quoteIdentifier } from '../expr/spark-sql.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import type { RowKey } from '../kernels/keys.js';
import { takeData } from '../kernels/selection.js';
import { firstOccurrences, normalizedFloats } from './drop-duplicates.js';
import { py, pyCol, sqlTable, studioNode, studioSql } from './shared.js';
import { defineTransform, type AnalyzedInput, type BatchStream, type InputRef, type LocalContext, type TransformNode } from './transform.js';

export interface UnionDefinition {
  readonly kind: 'Union';
  /**
   * The ids of the nodes whose rows are combined, at least two. Every input must have
   * the same column names (exactly, case included); the output lists them in the first
   * input's order, with the type that holds every input's values (int and bigint give
   * bigint, decimal(10,2) and decimal(12,4) give decimal(12,4)).
   */
  readonly inputs: readonly string[];
  /** Removes duplicate rows from the result (SQL's UNION instead of UNION ALL). Default false. */
  readonly distinct?: boolean;
}

export interface UnionOptions {
  readonly distinct: boolean;
}

/** Stacks the rows of `inputs`, matching columns by name. */
export function union(props: Omit<UnionDefinition, 'kind'>): UnionDefinition {
  return Object.freeze({
    kind: 'Union',
    inputs: props.inputs,
    ...(props.distinct !== undefined && { distinct: props.distinct }),
  });
}

export const Union = defineTransform<UnionDefinition, UnionOptions>({
  kind: 'Union',
  title: 'Union of inputs, by column name',
  inputs(def, at) {
    const listAt = at.child('inputs');
    const value: unknown = def.inputs;
    if (!Array.isArray(value)) {
      listAt.error(`expected a list of at least two node ids, got ${describe(value)}`);
      return [];
    }
    const refs: InputRef[] = [];
    value.forEach((id: unknown, i) => {
      const itemAt = listAt.child(i);
      if (typeof id !== 'string' || id === '') itemAt.error(`expected a node id, got ${describe(id)}`);
      // The same node twice only repeats its rows, which is almost certainly a slip.
      else if (refs.some((r) => r.id === id)) itemAt.error(`"${id}" is listed twice`, 'list each input once');
      else refs.push({ id, path: itemAt.path });
    });
    if (value.length < 2) listAt.error(`a union needs at least two inputs, got ${value.length}`);
    return refs;
  },
  analyze(def, inputs, at) {
    let ok = true;
    if (def.distinct !== undefined && typeof def.distinct !== 'boolean') {
      at.child('distinct').error(`expected true or false, got ${describe(def.distinct)}`);
      ok = false;
    }
    // Fewer inputs than listed means inputs() already reported why.
    if (inputs.length < 2 || !Array.isArray(def.inputs) || inputs.length !== def.inputs.length) return undefined;
    const schema = unionSchema(inputs, at.child('inputs'));
    if (!schema || !ok) return undefined;
    const distinct = def.distinct === true;
    if (distinct) {
      const maps = schema.filter((f) => containsMap(f.type));
      if (maps.length > 0) {
        at.child('distinct').error(
          `cannot remove duplicate rows: ${maps.map((f) => `"${f.name}"`).join(', ')} ${maps.length > 1 ? 'are maps' : 'is a map'}, and Spark cannot compare maps`,
          'drop the map columns first, or keep every row (distinct: false)',
        );
        return undefined;
      }
    }
    return { options: Object.freeze({ distinct }), schema };
  },
  pyspark(node, ctx) {
    const [first, ...rest] = node.inputs.map((id) => castTo(ctx.df(id), ctx.schemaOf(id), node.schema));
    const unions = rest.map((df) => `.unionByName(${df})`).join('');
    return [`${ctx.df(node.id)} = ${first}${unions}${node.options.distinct ? '.distinct()' : ''}`];
  },
  studio(node, ctx) {
    const { distinct } = node.options;
    // Studio's Union runs `select * ... UNION ALL select * ...`, which pairs columns by
    // position and widens types Spark's way (int with float gives float, not double).
    // It means what the script does only when each input already has the output's
    // columns, in order, with the output's types.
    const aligned = node.inputs.every((id) => {
      const schema = ctx.schemaOf(id);
      return schema.length === node.schema.length && schema.every((f, i) => f.name === node.schema[i]!.name && typesEqual(f.type, node.schema[i]!.type));
    });
    if (!aligned) {
      const selects = node.inputs.map((id) => `SELECT ${selectList(ctx.schemaOf(id), node.schema)} FROM ${sqlTable(id)}`);
      const query = selects.join(distinct ? ' UNION ' : ' UNION ALL ');
      return { [node.id]: studioSql(node.id, node.inputs, query, node.schema) };
    }
    // Studio's Union takes exactly two inputs: chain them. Removing duplicates once, at
    // the end, gives the same rows as removing them at every step.
    const nodes: Record<string, ReturnType<typeof studioNode>> = {};
    let previous = node.inputs[0]!;
    node.inputs.slice(1).forEach((id, i, rest) => {
      const last = i === rest.length - 1;
      const nodeId = last ? node.id : `${node.id}-${i + 1}`;
      nodes[nodeId] = studioNode('Union', {
        Name: nodeId,
        Inputs: [previous, id],
        UnionType: last && distinct ? 'DISTINCT' : 'ALL',
      });
      previous = nodeId;
    });
    return nodes;
  },
  local(node, inputs, ctx) {
    return unionRows(node, inputs, ctx);
  },
});

/** Checks that every input has the first one's columns and derives each column's type. */
function unionSchema(inputs: readonly AnalyzedInput[], at: Reporter): Schema | undefined {
  const first = inputs[0]!;
  let ok = true;
  const columns = new Map(first.schema.map((f) => [f.name, { type: f.type, nullable: f.nullable }]));
  inputs.slice(1).forEach((input, k) => {
    const inputAt = at.child(k + 1);
    if (!sameColumns(first, input, inputAt)) ok = false;
    for (const f of input.schema) {
      const column = columns.get(f.name);
      if (!column) continue;
      const common = commonType(column.type, f.type);
      if (!common) {
        // Name an earlier input whose own type clashes, so the message states two facts.
        const culprit = inputs.slice(0, k + 1).find((p) => {
          const other = p.schema.find((g) => g.name === f.name);
          return other && !commonType(other.type, f.type);
        }) ?? first;
        const otherType = culprit.schema.find((g) => g.name === f.name)!.type;
        inputAt.error(
          `column "${f.name}" is ${formatGlueType(otherType)} in ${culprit.label} but ${formatGlueType(f.type)} in ${input.label}`,
          (isStringLike(otherType) && isNumeric(f.type)) || (isNumeric(otherType) && isStringLike(f.type))
            ? 'a string and a number have no common type; cast one of them (applyMapping)'
            : 'cast the column in one of the inputs (applyMapping) so that the types agree',
        );
        ok = false;
        continue;
      }
      column.type = common;
      column.nullable ||= f.nullable;
    }
  });
  if (!ok) return undefined;
  return Object.freeze(first.schema.map((f) => {
    const column = columns.get(f.name)!;
    return field(f.name, column.type, column.nullable, f.comment);
  }));
}

function sameColumns(first: AnalyzedInput, input: AnalyzedInput, at: Reporter): boolean {
  const names = new Set(input.schema.map((f) => f.name));
  const firstNames = new Set(first.schema.map((f) => f.name));
  const missing = first.schema.map((f) => f.name).filter((n) => !names.has(n));
  const extra = input.schema.map((f) => f.name).filter((n) => !firstNames.has(n));
  if (missing.length === 0 && extra.length === 0) return true;
  const list = (xs: string[]) => xs.map((x) => `"${x}"`).join(', ');
  const parts = [missing.length > 0 && `missing ${list(missing)}`, extra.length > 0 && `extra ${list(extra)}`].filter(Boolean);
  const caseSlip = extra.find((e) => missing.some((m) => m.toLowerCase() === e.toLowerCase()));
  at.error(
    `${input.label} does not have the columns of ${first.label}: ${parts.join('; ')}`,
    caseSlip !== undefined
      ? `column names must match exactly: "${caseSlip}" here, "${missing.find((m) => m.toLowerCase() === caseSlip.toLowerCase())}" in ${first.label}`
      : 'a union matches columns by name; select, drop or rename columns (applyMapping) so that every input has the same ones',
  );
  return false;
}

/** The input's DataFrame, with the columns whose type the union widened cast to the output type. */
function castTo(df: string, schema: Schema, out: Schema): string {
  const byName = new Map(schema.map((f) => [f.name, f]));
  const widened = (f: Field) => !typesEqual(byName.get(f.name)!.type, f.type);
  if (!out.some(widened)) return df;
  const columns = out.map((f) => (widened(f) ? `${pyCol(f.name)}.cast(${py(formatGlueType(f.type))}).alias(${py(f.name)})` : pyCol(f.name)));
  return `${df}.select(${columns.join(', ')})`;
}

function selectList(schema: Schema, out: Schema): string {
  const byName = new Map(schema.map((f) => [f.name, f]));
  return out
    .map((f) => {
      const name = quoteIdentifier(f.name);
      return typesEqual(byName.get(f.name)!.type, f.type) ? name : `CAST(${name} AS ${formatGlueType(f.type)}) AS ${name}`;
    })
    .join(', ');
}

// ---- local implementation ------------------------------------------------

/**
 * Every input's rows, one input after the other in `node.inputs` order (Spark's order
 * across partitions is unspecified), streaming. Each batch's columns are matched to the
 * output's by name and cast where the union widened the type (as the script's `castTo`
 * does before `unionByName`). With `distinct`, a row equal in every column to an earlier
 * row of any input is dropped (NULLs equal, as in SQL's UNION): the first one is kept.
 * Spark's `distinct()` keeps one row of each group too, and as every column is compared,
 * which one cannot be told apart (but for -0.0, normalised).
 */
async function* unionRows(node: TransformNode<'Union', UnionOptions>, inputs: readonly BatchStream[], ctx: LocalContext): BatchStream {
  const types = node.schema.map((f) => f.type);
  const seen = node.options.distinct ? new Set<RowKey>() : undefined;
  for (const [k, input] of inputs.entries()) {
    const inputSchema = ctx.schemaOf(node.inputs[k]!);
    const sources = node.schema.map((f) => inputSchema.findIndex((g) => g.name === f.name));
    for await (const batch of input) {
      const rows = batch.numRows;
      if (rows === 0) continue;
      const columns = node.schema.map((f, c) => {
        const data = columnAt(batch, sources[c]!);
        const type = inputSchema[sources[c]!]!.type;
        return typesEqual(type, f.type) ? data : castColumn(data, type, f.type, ctx);
      });
      if (!seen) {
        yield makeBatch(node.schema, columns, rows);
        continue;
      }
      const kept = firstOccurrences(columns, types, rows, seen);
      if (kept.length === 0) continue;
      // Spark plans DISTINCT as an aggregate grouped by every column, whose keys come out
      // normalised (-0.0 as 0.0).
      const distinct = columns.map((data, c) => normalizedFloats(kept.length === rows ? data : takeData(data, kept), types[c]!));
      yield makeBatch(node.schema, distinct, kept.length);
    }
  }
}
