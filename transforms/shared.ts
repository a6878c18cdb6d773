/**
 * Helpers shared by transform files: reading definition fields with precise errors,
 * printing Python and Glue Studio values.
 */
import { describe, lookupColumn, type Field, type Schema } from '../catalog/schema.js';
import { formatGlueType } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { quoteIdentifier } from '../expr/spark-sql.js';
import type { AnalyzedInput, InputRef, StudioNode } from './transform.js';

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

/** A Studio path: one column, possibly nested, as its list of parts. */
export function studioPath(name: string): string[] {
  return name.split('.');
}
