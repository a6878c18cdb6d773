/**
 * Helpers shared by transform files: reading definition fields with precise errors,
 * printing Python and Glue Studio values.
 */
import { describe, isValidColumnName, lookupColumn, type Field, type Schema } from '../catalog/schema.js';
import { formatGlueType, structField } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { quoteIdentifier } from '../expr/spark-sql.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import type { AnalyzedInput, BatchStream, InputRef, StudioNode } from './transform.js';

// ---- reading definitions ---------------------------------------------------

/** Reads the `input` field of a single-input transform. */
export function singleInput(def: { readonly input?: unknown }, at: Reporter): InputRef[] {
  if (typeof def.input !== 'string' || def.input === '') {
    at.child('input').error(`expected the id of the node this one reads, got ${describe(def.input)}`);
    return [];
  }
  return [{ id: def.input, path: `${at.path}.input` }];
}

/** Reads a non-empty list of column names, each checked against `input`'s schema. */
export function columnList(
  value: unknown,
  input: AnalyzedInput,
  at: Reporter,
  { allowEmpty = false } = {},
): Field[] | undefined {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
    at.error(`expected a${allowEmpty ? '' : ' non-empty'} list of column names, got ${describe(value)}`);
    return undefined;
  }
  const fields: Field[] = [];
  const seen = new Set<string>();
  let ok = true;
  value.forEach((name, i) => {
    const itemAt = at.child(i);
    if (typeof name !== 'string' || name === '') {
      itemAt.error(`expected a column name, got ${describe(name)}`);
      ok = false;
      return;
    }
    if (seen.has(name)) {
      itemAt.error(`"${name}" is listed twice`);
      ok = false;
      return;
    }
    seen.add(name);
    const field = lookupColumn(input.schema, name, itemAt, input.label);
    if (!field) ok = false;
    else fields.push(field);
  });
  return ok ? fields : undefined;
}

/** Top-level columns only (no struct paths), for transforms that add/remove whole columns. */
export function topLevelColumn(schema: Schema, name: string): Field | undefined {
  return schema.find((f) => f.name === name);
}

// ---- whole top-level columns -----------------------------------------------

/** Whether `name` is a dotted path to an existing field inside a struct column. */
function isStructPath(schema: Schema, name: string): boolean {
  if (!name.includes('.') || topLevelColumn(schema, name)) return false;
  const [top, ...rest] = name.split('.');
  let type = topLevelColumn(schema, top!)?.type;
  for (const part of rest) type = type && structField(type, part)?.type;
  return type !== undefined;
}

function reportStructPath(name: string, transform: string, at: Reporter, hint: string): void {
  at.error(`"${name}" is a field inside struct "${name.split('.')[0]}", and ${transform} works on top-level columns`, hint);
}

/**
 * Like `columnList`, but rejects struct paths, because the script and the Studio graph
 * would disagree on them: Spark's `select` lifts the field out as a flat column and its
 * `drop` and `withColumnRenamed` silently ignore it, while Glue's transforms change the
 * field inside the struct.
 */
export function topLevelColumnList(
  value: unknown,
  input: AnalyzedInput,
  at: Reporter,
  transform: string,
  hint: (name: string) => string,
): Field[] | undefined {
  const fields = columnList(value, input, at);
  if (!Array.isArray(value)) return undefined;
  let ok = fields !== undefined;
  const seen = new Set<unknown>();
  value.forEach((name, i) => {
    // columnList has reported repeats and non-strings already.
    if (typeof name !== 'string' || seen.has(name)) return;
    seen.add(name);
    if (isStructPath(input.schema, name)) {
      reportStructPath(name, transform, at.child(i), hint(name));
      ok = false;
    }
  });
  return ok ? fields : undefined;
}

/** One top-level column by exact name: unknown names get a suggestion, struct paths a hint. */
export function topLevelField(
  name: string,
  input: AnalyzedInput,
  at: Reporter,
  transform: string,
  hint: (name: string) => string,
): Field | undefined {
  const direct = topLevelColumn(input.schema, name);
  if (direct) return direct;
  // lookupColumn reports unknown names and bad struct paths with the usual suggestions;
  // a path it resolves is one this transform cannot use.
  if (lookupColumn(input.schema, name, at, input.label)) reportStructPath(name, transform, at, hint(name));
  return undefined;
}

/** A name for a column a transform creates, held to the rules resolveSchema applies. */
export function newColumnName(value: unknown, at: Reporter): string | undefined {
  if (typeof value !== 'string' || value === '') {
    at.error(`expected a column name, got ${describe(value)}`);
    return undefined;
  }
  if (!isValidColumnName(value)) {
    at.error(`invalid column name ${describe(value)}: 1-255 characters, no control characters or backticks`);
    return undefined;
  }
  return value;
}

// ---- local implementation ------------------------------------------------

/**
 * Output batches whose columns are input columns picked by name, unchanged (select,
 * drop, rename): no value is touched, only the batch's column list.
 */
export async function* pickColumns(input: BatchStream, inputSchema: Schema, outputSchema: Schema, sourceNames: readonly string[]): BatchStream {
  const indices = sourceNames.map((name) => inputSchema.findIndex((f) => f.name === name));
  for await (const batch of input) yield makeBatch(outputSchema, indices.map((i) => columnAt(batch, i)), batch.numRows);
}

// ---- Python ----------------------------------------------------------------

/**
 * A Python string literal. JSON string syntax is valid Python (the same escapes), and
 * JSON.stringify escapes every control character, so no value can break out of it.
 */
export function py(value: string): string {
  return JSON.stringify(value);
}

export function pyList(values: readonly string[]): string {
  return `[${values.map(py).join(', ')}]`;
}

/** `F.col("a")`, using a backquoted name when the column name itself contains a dot. */
export function pyCol(name: string, wholeName = true): string {
  return `F.col(${py(wholeName && name.includes('.') ? quoteIdentifier(name) : name)})`;
}

// ---- Glue Studio -----------------------------------------------------------

export function studioNode(type: string, body: Record<string, unknown>): StudioNode {
  return { [type]: body };
}

/** Studio's OutputSchemas: the columns with their Hive types. */
export function studioSchema(schema: Schema): Record<string, unknown>[] {
  return [{ Columns: schema.map((f) => ({ Name: f.name, Type: formatGlueType(f.type) })) }];
}

/** A node id as a table name in generated Spark SQL (backquoted: ids like `order` are keywords). */
export function sqlTable(id: string): string {
  return quoteIdentifier(id);
}

/** A Studio SparkSQL node that reads each input under its node id. */
export function studioSql(name: string, inputs: readonly string[], query: string, schema: Schema): StudioNode {
  return studioNode('SparkSQL', {
    Name: name,
    Inputs: [...inputs],
    SqlQuery: query,
    SqlAliases: inputs.map((id) => ({ From: id, Alias: id })),
    OutputSchemas: studioSchema(schema),
  });
}
