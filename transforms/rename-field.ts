/**
 * RenameField: gives one top-level column a new name, keeping its position, type and
 * nullability (Spark's `withColumnRenamed`, Glue's RenameField).
 */
import { describe, field, type Field } from '../catalog/schema.js';
import { newColumnName, pickColumns, py, singleInput, studioNode, topLevelField } from './shared.js';
import { defineTransform } from './transform.js';

export interface RenameFieldDefinition {
  readonly kind: 'RenameField';
  /** The id of the node whose column is renamed. */
  readonly input: string;
  /** The top-level column to rename, by its exact name. */
  readonly from: string;
  /**
   * The new name. It may not match another column, even in a different case, because
   * Glue's catalog is case-insensitive; changing only the case of `from` is fine.
   */
  readonly to: string;
}

export interface RenameFieldOptions {
  readonly from: string;
  readonly to: string;
}

/** Renames column `from` of `input` to `to`. */
export function renameField(props: Omit<RenameFieldDefinition, 'kind'>): RenameFieldDefinition {
  return Object.freeze({ kind: 'RenameField', input: props.input, from: props.from, to: props.to });
}

export const RenameField = defineTransform<RenameFieldDefinition, RenameFieldOptions>({
  kind: 'RenameField',
  title: 'Rename a column',
  inputs: singleInput,
  analyze(def, [input], at) {
    const fromAt = at.child('from');
    const toAt = at.child('to');
    let source: Field | undefined;
    if (typeof def.from !== 'string' || def.from === '') fromAt.error(`expected a column name, got ${describe(def.from)}`);
    else source = topLevelField(def.from, input!, fromAt, 'RenameField', () => 'to pull a struct field out under a new name, use applyMapping');
    const to = newColumnName(def.to, toAt);
    if (!source || to === undefined) return undefined;

    if (to === source.name) {
      toAt.error(`this renames "${to}" to itself`, 'remove this node, or give the column a different name');
      return undefined;
    }
    const clash = input!.schema.find((f) => f !== source && f.name.toLowerCase() === to.toLowerCase());
    if (clash) {
      toAt.error(
        `renaming "${source.name}" to "${to}" would duplicate column "${clash.name}" (Glue's catalog is case-insensitive)`,
        `drop "${clash.name}" first, or choose another name`,
      );
      return undefined;
    }
    const renamed = field(to, source.type, source.nullable, source.comment);
    return {
      options: Object.freeze({ from: source.name, to }),
      schema: Object.freeze(input!.schema.map((f) => (f === source ? renamed : f))),
    };
  },
  // withColumnRenamed matches the existing name literally, so dotted names need no quoting.
  pyspark(node, ctx) {
    const { from, to } = node.options;
    return [`${ctx.df(node.id)} = ${ctx.df(node.inputs[0]!)}.withColumnRenamed(${py(from)}, ${py(to)})`];
  },
  studio(node) {
    return {
      [node.id]: studioNode('RenameField', {
        Name: node.id,
        Inputs: [...node.inputs],
        SourcePath: [node.options.from],
        TargetPath: [node.options.to],
      }),
    };
  },
  local(node, [input], ctx) {
    const { from, to } = node.options;
    return pickColumns(input!, ctx.schemaOf(node.inputs[0]!), node.schema, node.schema.map((f) => (f.name === to ? from : f.name)));
  },
});
