/**
 * DropDuplicates: keeps one row of each group of rows that are equal, in every column or
 * in the listed ones. NULLs count as equal to each other here (unlike in a join), as in
 * Spark's `DataFrame.dropDuplicates`.
 */
import type { Field } from '../catalog/schema.js';
import { containsMap, formatGlueType } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { columnList, pyList, singleInput, studioNode, topLevelColumn } from './shared.js';
import { defineTransform, type AnalyzedInput } from './transform.js';

export interface DropDuplicatesDefinition {
  readonly kind: 'DropDuplicates';
  /** The id of the node whose duplicate rows are removed. */
  readonly input: string;
  /**
   * The columns that decide whether two rows are duplicates; default all of them. With
   * a subset, Spark keeps an unspecified row of each group, so the other columns' values
   * may come from any of the duplicates (the local runner keeps the first row in input
   * order; do not rely on that in Glue).
   */
  readonly columns?: readonly string[];
}

export interface DropDuplicatesOptions {
  /** The compared columns, or undefined for all of them. */
  readonly columns?: readonly string[];
}

/** Removes duplicate rows of `input`, comparing `columns` (default: all). */
export function dropDuplicates(props: Omit<DropDuplicatesDefinition, 'kind'>): DropDuplicatesDefinition {
  return Object.freeze({
    kind: 'DropDuplicates',
    input: props.input,
    ...(props.columns !== undefined && { columns: props.columns }),
  });
}

export const DropDuplicates = defineTransform<DropDuplicatesDefinition, DropDuplicatesOptions>({
  kind: 'DropDuplicates',
  title: 'Drop duplicate rows',
  inputs: singleInput,
  analyze(def, [input], at) {
    if (!input) return undefined;
    const columnsAt = at.child('columns');
    if (def.columns === undefined) {
      const maps = input.schema.filter((f) => containsMap(f.type));
      if (maps.length > 0) {
        columnsAt.error(
          `without columns, every column is compared, and Spark cannot compare maps: ${maps.map((f) => `"${f.name}" is ${formatGlueType(f.type)}`).join(', ')}`,
          'list the columns that identify a row in columns',
        );
        return undefined;
      }
      return { options: Object.freeze({}), schema: input.schema };
    }
    const columns = compared(def.columns, input, columnsAt);
    if (!columns) return undefined;
    return { options: Object.freeze({ columns: Object.freeze(columns) }), schema: input.schema };
  },
  pyspark(node, ctx) {
    const { columns } = node.options;
    return [`${ctx.df(node.id)} = ${ctx.df(node.inputs[0]!)}.dropDuplicates(${columns ? pyList(columns) : ''})`];
  },
  studio(node) {
    const { columns } = node.options;
    return {
      [node.id]: studioNode('DropDuplicates', {
        Name: node.id,
        Inputs: [...node.inputs],
        // A path of one part: the compared columns are whole top-level columns.
        ...(columns && { Columns: columns.map((c) => [c]) }),
      }),
    };
  },
});

/**
 * The listed columns, each a whole top-level column: Spark's dropDuplicates matches
 * names against the top-level columns only, and cannot compare maps.
 */
function compared(value: unknown, input: AnalyzedInput, at: Reporter): string[] | undefined {
  const fields: Field[] | undefined = columnList(value, input, at);
  if (!fields) return undefined;
  const names = value as string[];
  let ok = true;
  names.forEach((name, i) => {
    const column = topLevelColumn(input.schema, name);
    if (!column) {
      at.child(i).error(`dropDuplicates compares whole columns, and "${name}" is a field inside a struct`, 'copy it into a column of its own first (applyMapping)');
      ok = false;
    } else if (containsMap(column.type)) {
      at.child(i).error(`cannot compare "${name}": it is ${formatGlueType(column.type)}, and Spark cannot compare maps`);
      ok = false;
    }
  });
  return ok ? [...names] : undefined;
}

