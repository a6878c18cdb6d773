/**
 * DropFields: removes the listed top-level columns and keeps the others in their order
 * (Spark's `DataFrame.drop`, Glue's DropFields).
 */
import { pickColumns, py, singleInput, studioNode, topLevelColumnList } from './shared.js';
import { defineTransform } from './transform.js';

export interface DropFieldsDefinition {
  readonly kind: 'DropFields';
  /** The id of the node whose columns are dropped. */
  readonly input: string;
  /**
   * The top-level columns to remove. At least one column must remain. A field inside a
   * struct cannot be listed: Spark's `drop` would silently ignore it.
   */
  readonly fields: readonly string[];
}

export interface DropFieldsOptions {
  readonly fields: readonly string[];
}

/** Removes the listed columns from `input`. */
export function dropFields(props: Omit<DropFieldsDefinition, 'kind'>): DropFieldsDefinition {
  return Object.freeze({ kind: 'DropFields', input: props.input, fields: props.fields });
}

export const DropFields = defineTransform<DropFieldsDefinition, DropFieldsOptions>({
  kind: 'DropFields',
  title: 'Drop columns',
  inputs: singleInput,
  analyze(def, [input], at) {
    const fieldsAt = at.child('fields');
    const dropped = topLevelColumnList(def.fields, input!, fieldsAt, 'DropFields', (name) =>
      `to drop the whole struct, list "${name.split('.')[0]}"`,
    );
    if (!dropped) return undefined;
    const names = new Set(dropped.map((f) => f.name));
    const schema = input!.schema.filter((f) => !names.has(f.name));
    if (schema.length === 0) {
      fieldsAt.error(`this drops every column of ${input!.label}`, 'a node needs at least one column; use selectFields to say which to keep');
      return undefined;
    }
    return {
      options: Object.freeze({ fields: Object.freeze([...names]) }),
      schema: Object.freeze(schema),
    };
  },
  // `drop` takes names literally (a dot is part of the name, not a struct path), which
  // is what a validated list of top-level columns means.
  pyspark(node, ctx) {
    return [`${ctx.df(node.id)} = ${ctx.df(node.inputs[0]!)}.drop(${node.options.fields.map(py).join(', ')})`];
  },
  studio(node) {
    return {
      [node.id]: studioNode('DropFields', {
        Name: node.id,
        Inputs: [...node.inputs],
        Paths: node.options.fields.map((f) => [f]),
      }),
    };
  },
  local(node, [input], ctx) {
    return pickColumns(input!, ctx.schemaOf(node.inputs[0]!), node.schema, node.schema.map((f) => f.name));
  },
});
