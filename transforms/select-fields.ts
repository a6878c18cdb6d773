/**
 * SelectFields: keeps the listed top-level columns, in the listed order, and drops the
 * rest (Spark's `DataFrame.select`, Glue's SelectFields).
 */
import { describe, lookupColumn, type Field, type Schema } from '../catalog/schema.js';
import { structField } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { columnList, pyCol, singleInput, studioNode, topLevelColumn } from './shared.js';
import { defineTransform, type AnalyzedInput } from './transform.js';

export interface SelectFieldsDefinition {
  readonly kind: 'SelectFields';
  /** The id of the node whose columns are selected. */
  readonly input: string;
  /**
   * The top-level columns to keep, in output order. A field inside a struct cannot be
   * listed; use `applyMapping` to pull it out as a column.
   */
  readonly fields: readonly string[];
}

export interface SelectFieldsOptions {
  readonly fields: readonly string[];
}

/** Keeps the listed columns of `input`, in the listed order. */
export function selectFields(props: Omit<SelectFieldsDefinition, 'kind'>): SelectFieldsDefinition {
  return Object.freeze({ kind: 'SelectFields', input: props.input, fields: props.fields });
}

export const SelectFields = defineTransform<SelectFieldsDefinition, SelectFieldsOptions>({
  kind: 'SelectFields',
  title: 'Select columns',
  inputs: singleInput,
  analyze(def, [input], at) {
    const fields = topLevelColumnList(def.fields, input!, at.child('fields'), 'SelectFields', (name) =>
      `to pull a struct field out as a column, use applyMapping({ mappings: [{ from: ${JSON.stringify(name)} }] })`,
    );
    if (!fields) return undefined;
    return {
      options: Object.freeze({ fields: Object.freeze(fields.map((f) => f.name)) }),
      schema: Object.freeze(fields),
    };
  },
  pyspark(node, ctx) {
    return [`${ctx.df(node.id)} = ${ctx.df(node.inputs[0]!)}.select(${node.options.fields.map((f) => pyCol(f)).join(', ')})`];
  },
  // Each path is a single part: a listed name is always a whole top-level column, even
  // when it contains a dot.
  studio(node) {
    return {
      [node.id]: studioNode('SelectFields', {
        Name: node.id,
        Inputs: [...node.inputs],
        Paths: node.options.fields.map((f) => [f]),
      }),
    };
  },
});

// ---- helpers for transforms that work on whole top-level columns --------------
// They belong in shared.ts; they live here until that file can take them.

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

const COLUMN_NAME = /^[^\x00-\x1f`]{1,255}$/;

/** A name for a column a transform creates, held to the rules resolveSchema applies. */
export function newColumnName(value: unknown, at: Reporter): string | undefined {
  if (typeof value !== 'string' || value === '') {
    at.error(`expected a column name, got ${describe(value)}`);
    return undefined;
  }
  if (!COLUMN_NAME.test(value)) {
    at.error(`invalid column name ${describe(value)}: 1-255 characters, no control characters or backticks`);
    return undefined;
  }
  return value;
}
