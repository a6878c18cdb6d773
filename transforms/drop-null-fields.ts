/**
 * DropNullFields: drops the columns that hold no value in any row, as Glue's
 * DropNullFields does. Optionally "", the string "null" and -1 also count as no value.
 *
 * Which columns go depends on the data, so it is known only when the job runs. The
 * output schema gluekit derives is the input schema unchanged: an upper bound. A later
 * node that names a column this one may drop will fail at run time, not at validation.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { describe } from '../catalog/schema.js';
import { isIntegral, isStringLike, type GlueType } from '../catalog/types.js';
import { suggest } from '../core/did-you-mean.js';
import { columnAt } from '../kernels/batches.js';
import { bytesAt, isValid } from '../kernels/columns.js';
import { py, pyCol, singleInput, studioNode } from './shared.js';
import { defineTransform } from './transform.js';

/** Values that count as missing, besides NULL. Each is off unless set. */
export interface TreatAsNull {
  /** An empty string `""` in a string column. */
  readonly emptyString?: boolean;
  /** The string `"null"` (lower case) in a string column. */
  readonly nullString?: boolean;
  /** The integer -1 in an integer column (tinyint, smallint, int or bigint). */
  readonly minusOne?: boolean;
}

export interface DropNullFieldsDefinition {
  readonly kind: 'DropNullFields';
  /** The id of the node whose empty columns are dropped. */
  readonly input: string;
  /**
   * Values that also count as missing. The Studio graph uses Glue Studio's own
   * DropNullFields node, which decides corner cases differently and so only
   * approximates the script: it trims strings before comparing, applies -1 to int,
   * bigint and double columns only, looks inside structs, and inspects only string and
   * those numeric columns, so an all-NULL date or decimal column survives there.
   */
  readonly treatAsNull?: TreatAsNull;
}

export interface DropNullFieldsOptions {
  readonly treatAsNull: Required<TreatAsNull>;
}

/** Drops the columns of `input` that are NULL (or `treatAsNull`) in every row. */
export function dropNullFields(props: Omit<DropNullFieldsDefinition, 'kind'>): DropNullFieldsDefinition {
  return Object.freeze({
    kind: 'DropNullFields',
    input: props.input,
    ...(props.treatAsNull !== undefined && { treatAsNull: props.treatAsNull }),
  });
}

const FLAGS = ['emptyString', 'nullString', 'minusOne'] as const;

export const DropNullFields = defineTransform<DropNullFieldsDefinition, DropNullFieldsOptions>({
  kind: 'DropNullFields',
  title: 'Drop empty columns',
  inputs: singleInput,
  analyze(def, [input], at) {
    const flagsAt = at.child('treatAsNull');
    const given: unknown = def.treatAsNull === undefined ? {} : def.treatAsNull;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      flagsAt.error(`expected { emptyString?, nullString?, minusOne? }, got ${describe(given)}`);
      return undefined;
    }
    const record = given as Record<string, unknown>;
    let ok = true;
    for (const key of Object.keys(record)) {
      if (!(FLAGS as readonly string[]).includes(key)) {
        flagsAt.child(key).error(`unknown option "${key}"`, suggest(key, FLAGS, 'option'));
        ok = false;
      } else if (record[key] !== undefined && typeof record[key] !== 'boolean') {
        flagsAt.child(key).error(`expected true or false, got ${describe(record[key])}`);
        ok = false;
      }
    }
    if (!ok) return undefined;
    const treatAsNull = Object.freeze({
      emptyString: record.emptyString === true,
      nullString: record.nullString === true,
      minusOne: record.minusOne === true,
    });
    return { options: Object.freeze({ treatAsNull }), schema: input!.schema };
  },
  // One aggregation counts the values left in each column, then the columns with none
  // are dropped by name (`drop` takes names literally, so dotted names are safe).
  pyspark(node, ctx) {
    const df = ctx.df(node.inputs[0]!);
    const counts = `${ctx.df(node.id)}_counts`;
    const aggregates = node.schema.map((f) => {
      const missing = missingTest(pyCol(f.name), f.type, node.options.treatAsNull);
      const value = missing ? `F.when(${missing}, None).otherwise(${pyCol(f.name)})` : pyCol(f.name);
      return `F.count(${value}).alias(${py(f.name)})`;
    });
    return [
      `${counts} = ${df}.select(${aggregates.join(', ')}).first()`,
      `${ctx.df(node.id)} = ${df}.drop(*[c for c in ${df}.columns if ${counts}[c] == 0])`,
    ];
  },
  studio(node) {
    const { emptyString, nullString, minusOne } = node.options.treatAsNull;
    return {
      [node.id]: studioNode('DropNullFields', {
        Name: node.id,
        Inputs: [...node.inputs],
        NullCheckBoxList: { IsEmpty: emptyString, IsNullString: nullString, IsNegOne: minusOne },
      }),
    };
  },
  // Holds every row: whether a column is empty is known only at the end. The batches
  // pass through unchanged; the dropped columns are recorded for the sink that writes
  // this node (see LocalContext.droppedColumns and the README).
  async *local(node, [input], ctx) {
    const batches: RecordBatch[] = [];
    const present = new Array<boolean>(node.schema.length).fill(false);
    for await (const batch of input!) {
      batches.push(batch);
      node.schema.forEach((f, c) => {
        if (!present[c]) present[c] = hasValue(columnAt(batch, c), f.type, node.options.treatAsNull);
      });
    }
    ctx.droppedColumns.set(node.id, node.schema.filter((_, c) => !present[c]).map((f) => f.name));
    yield* batches;
  },
});

/** The Python condition for a value that counts as missing though not NULL, if any applies. */
function missingTest(column: string, type: GlueType, flags: Required<TreatAsNull>): string | undefined {
  if (isStringLike(type)) {
    const strings = [...(flags.emptyString ? ['""'] : []), ...(flags.nullString ? ['"null"'] : [])];
    if (strings.length === 2) return `${column}.isin(${strings.join(', ')})`;
    if (strings.length === 1) return `${column} == ${strings[0]}`;
  }
  if (isIntegral(type) && flags.minusOne) return `${column} == -1`;
  return undefined;
}

const MINUS_ONE = -1n;

/** Whether a column holds at least one value that counts as present under the flags. */
function hasValue(data: Data, type: GlueType, flags: Required<TreatAsNull>): boolean {
  const strings = isStringLike(type) && (flags.emptyString || flags.nullString);
  const integers = isIntegral(type) && flags.minusOne;
  for (let i = 0; i < data.length; i++) {
    if (!isValid(data, i)) continue;
    if (strings) {
      const bytes = bytesAt(data, i);
      if (flags.emptyString && bytes.length === 0) continue;
      if (flags.nullString && bytes.length === 4 && bytes[0] === 110 && bytes[1] === 117 && bytes[2] === 108 && bytes[3] === 108) continue; // "null"
    }
    if (integers && BigInt((data.values as Int32Array | BigInt64Array)[i]!) === MINUS_ONE) continue;
    return true;
  }
  return false;
}
