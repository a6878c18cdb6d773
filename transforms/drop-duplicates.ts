/**
 * DropDuplicates: keeps one row of each group of rows that are equal, in every column or
 * in the listed ones. NULLs count as equal to each other here (unlike in a join), as in
 * Spark's `DataFrame.dropDuplicates`.
 */
import { makeData, type Data } from 'apache-arrow';
import type { Field } from '../catalog/schema.js';
import { containsMap, formatGlueType, type GlueType } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { countNulls, fixedData, validityBits } from '../kernels/columns.js';
import { rowKeys, type RowKey } from '../kernels/keys.js';
import { takeData } from '../kernels/selection.js';
import { columnList, pyList, singleInput, studioNode, topLevelColumn } from './shared.js';
import { defineTransform, type AnalyzedInput, type BatchStream, type TransformNode } from './transform.js';

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
  local(node, [input]) {
    return firstRowOfEachGroup(node, input!);
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

// ---- local implementation ------------------------------------------------

/**
 * The rows whose compared values no earlier row had, in input order, streaming: only the
 * keys seen so far are held. Spark keeps an arbitrary row of each group (it plans
 * dropDuplicates as an aggregate grouped by the compared columns, taking `first` of the
 * others, so which row depends on partitioning); gluekit keeps the first in input order,
 * which is one of the rows Spark may keep. The compared columns come out as grouping
 * keys do in Spark, with -0.0 as 0.0 (normalizedFloats).
 */
async function* firstRowOfEachGroup(node: TransformNode<'DropDuplicates', DropDuplicatesOptions>, input: BatchStream): BatchStream {
  const names = new Set(node.options.columns ?? node.schema.map((f) => f.name));
  const compared = node.schema.flatMap((f, c) => (names.has(f.name) ? [c] : []));
  const types = compared.map((c) => node.schema[c]!.type);
  const seen = new Set<RowKey>();
  for await (const batch of input) {
    const rows = batch.numRows;
    if (rows === 0) continue;
    const columns = node.schema.map((_, c) => columnAt(batch, c));
    const kept = firstOccurrences(compared.map((c) => columns[c]!), types, rows, seen);
    if (kept.length === 0) continue;
    const output = columns.map((data, c) => {
      const taken = kept.length === rows ? data : takeData(data, kept);
      return names.has(node.schema[c]!.name) ? normalizedFloats(taken, node.schema[c]!.type) : taken;
    });
    yield makeBatch(node.schema, output, kept.length);
  }
}

/**
 * The indices of the rows of a batch whose key (over `keyColumns`) is not in `seen`, nor
 * in an earlier row of the batch, adding the new keys to `seen`. NULLs are equal to each
 * other here, as in Spark's grouping (dropDuplicates, DISTINCT, UNION); -0.0 equals 0.0
 * and NaN equals NaN (rowKeys). Union's `distinct` uses it too.
 */
export function firstOccurrences(keyColumns: readonly Data[], keyTypes: readonly GlueType[], rows: number, seen: Set<RowKey>): Int32Array {
  const { keys } = rowKeys(keyColumns, keyTypes, rows);
  const kept = new Int32Array(rows);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const key = keys[i]!;
    if (seen.has(key)) continue;
    seen.add(key);
    kept[count++] = i;
  }
  return kept.subarray(0, count);
}

/**
 * A column with every -0.0 made 0.0 and every NaN the canonical NaN, in float and double
 * values at any depth (struct fields, array elements), or the column itself when there is
 * nothing to change. Spark groups -0.0 with 0.0 by normalising grouping keys before it
 * hashes them (NormalizeFloatingNumbers, applied by its Aggregate planning), so an
 * aggregate's key columns, and hence DISTINCT's and dropDuplicates' compared columns,
 * come out normalised. Join outputs are not: a join normalises only what it compares.
 */
export function normalizedFloats(data: Data, type: GlueType): Data {
  switch (type.kind) {
    case 'float':
    case 'double': {
      const values = data.values as Float32Array | Float64Array;
      let first = -1;
      for (let i = 0; i < data.length; i++) {
        const v = values[i]!;
        if (v !== v || Object.is(v, -0)) {
          first = i;
          break;
        }
      }
      if (first < 0) return data;
      const copy = values.slice(0, data.length);
      for (let i = first; i < copy.length; i++) {
        const v = copy[i]!;
        // NaN !== NaN; -0.0 === 0.0 but 1 / -0.0 is -Infinity.
        if (v !== v) copy[i] = NaN;
        else if (v === 0 && 1 / v < 0) copy[i] = 0;
      }
      return fixedData(data.type, copy, data.length, validityBits(data, data.length));
    }
    case 'struct': {
      // A struct's children are sliced along with it: child row i is struct row i.
      const children = type.fields.map((f, k) => normalizedFloats(data.children[k]!, f.type));
      if (children.every((child, k) => child === data.children[k])) return data;
      const validity = validityBits(data, data.length);
      return makeData({ type: data.type, length: data.length, nullCount: countNulls(validity, data.length), nullBitmap: validity, children } as never);
    }
    case 'array': {
      // A list's child is not sliced with it; its offsets (which are) point into the whole child.
      const child = normalizedFloats(data.children[0]!, type.element);
      if (child === data.children[0]) return data;
      const validity = validityBits(data, data.length);
      return makeData({ type: data.type, length: data.length, nullCount: countNulls(validity, data.length), nullBitmap: validity, valueOffsets: data.valueOffsets, child } as never);
    }
    default:
      return data;
  }
}
