/**
 * SelectFields: keeps the listed top-level columns, in the listed order, and drops the
 * rest (Spark's `DataFrame.select`, Glue's SelectFields).
 */
import { pickColumns, pyCol, singleInput, studioNode, topLevelColumnList } from './shared.js';
import { defineTransform } from './transform.js';

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
  local(node, [input], ctx) {
    return pickColumns(input!, ctx.schemaOf(node.inputs[0]!), node.schema, node.options.fields);
  },
});
