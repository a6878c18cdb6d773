/**
 * ApplyMapping: builds the output columns from the input's columns and struct fields,
 * renaming and casting each one. Columns that no mapping names are dropped, as in Glue's
 * ApplyMapping.
 */
import { describe, field, lookupColumn, resolveType, type Field, type TypeInput } from '../catalog/schema.js';
import { canCast, formatGlueType, isFractional, isIntegral, isStringLike, typesEqual, type GlueType } from '../catalog/types.js';
import { suggest } from '../core/did-you-mean.js';
import type { Reporter } from '../core/problems.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import { pathData } from '../kernels/nested.js';
import { newColumnName, py, pyCol, singleInput, studioNode, topLevelColumn } from './shared.js';
import { defineTransform, type AnalyzedInput } from './transform.js';

/** One output column of an ApplyMapping. */
export interface ApplyMappingEntry {
  /** The source: a column name, or a dotted path to a field inside a struct (`customer.address.city`). */
  readonly from: string;
  /**
   * The output column name. Default: the last part of `from` (`city`). It may not
   * contain a dot, because Glue's ApplyMapping reads a dotted target as a struct path.
   */
  readonly to?: string;
  /**
   * The output type, e.g. `'bigint'` or `t.decimal(12, 2)`. Default: the source's type,
   * not cast. Spark's CAST (ANSI off) turns values that do not convert, such as strings
   * that are not numbers, into NULL.
   */
  readonly type?: TypeInput;
}

export interface ApplyMappingDefinition {
  readonly kind: 'ApplyMapping';
  /** The id of the node whose columns are mapped. */
  readonly input: string;
  /** The output columns, in output order. Input columns not listed are dropped. */
  readonly mappings: readonly ApplyMappingEntry[];
}

/** A checked mapping. */
export interface ApplyMappingRule {
  /** The source path as parts; a top-level column is one part even if its name has dots. */
  readonly fromPath: readonly string[];
  readonly to: string;
  readonly fromType: GlueType;
  readonly toType: GlueType;
}

export interface ApplyMappingOptions {
  readonly mappings: readonly ApplyMappingRule[];
}

/** Builds the columns of the output from `input`, one per mapping, dropping the rest. */
export function applyMapping(props: Omit<ApplyMappingDefinition, 'kind'>): ApplyMappingDefinition {
  return Object.freeze({ kind: 'ApplyMapping', input: props.input, mappings: props.mappings });
}

export const ApplyMapping = defineTransform<ApplyMappingDefinition, ApplyMappingOptions>({
  kind: 'ApplyMapping',
  title: 'Map, rename and cast columns',
  inputs: singleInput,
  analyze(def, [input], at) {
    const listAt = at.child('mappings');
    const list: unknown = def.mappings;
    if (!Array.isArray(list) || list.length === 0) {
      listAt.error(`expected a non-empty list of mappings { from, to?, type? }, got ${Array.isArray(list) ? 'an empty list' : describe(list)}`);
      return undefined;
    }
    const rules: ApplyMappingRule[] = [];
    const fields: Field[] = [];
    const outputs = new Map<string, { index: number; name: string }>();
    let ok = true;
    list.forEach((entry, i) => {
      const itemAt = listAt.child(i);
      const m = resolveMapping(entry, input!, itemAt);
      if (!m.rule) ok = false;
      if (m.to === undefined) return;
      const previous = outputs.get(m.to.toLowerCase());
      if (previous) {
        (m.toWritten ? itemAt.child('to') : itemAt).error(
          `duplicate output column "${m.to}" (mappings[${previous.index}] also makes "${previous.name}"; Glue's catalog is case-insensitive)`,
          m.toWritten ? 'give one of them another name' : 'set "to" to give this column another name',
        );
        ok = false;
        return;
      }
      outputs.set(m.to.toLowerCase(), { index: i, name: m.to });
      if (m.rule && m.field) {
        rules.push(m.rule);
        fields.push(m.field);
      }
    });
    if (!ok) return undefined;
    return { options: Object.freeze({ mappings: Object.freeze(rules) }), schema: Object.freeze(fields) };
  },
  // Every column gets an alias, so output names never depend on how Spark names a
  // cast or a struct field.
  pyspark(node, ctx) {
    const columns = node.options.mappings.map((m) => {
      const source = m.fromPath.length === 1 ? pyCol(m.fromPath[0]!) : pyCol(m.fromPath.join('.'), false);
      const cast = typesEqual(m.fromType, m.toType) ? '' : `.cast(${py(formatGlueType(m.toType))})`;
      return `${source}${cast}.alias(${py(m.to)})`;
    });
    return [`${ctx.df(node.id)} = ${ctx.df(node.inputs[0]!)}.select(${columns.join(', ')})`];
  },
  // Studio's ApplyMapping drops unmapped fields too, so the native node is faithful.
  studio(node) {
    return {
      [node.id]: studioNode('ApplyMapping', {
        Name: node.id,
        Inputs: [...node.inputs],
        Mapping: node.options.mappings.map((m) => ({
          ToKey: m.to,
          FromPath: [...m.fromPath],
          FromType: formatGlueType(m.fromType),
          ToType: formatGlueType(m.toType),
          Dropped: false,
        })),
      }),
    };
  },
  async *local(node, [input], ctx) {
    const schema = ctx.schemaOf(node.inputs[0]!);
    // The executor may give a pruned output schema: only the mappings its consumers use.
    const outputs = new Set(node.schema.map((f) => f.name));
    const sources = node.options.mappings.filter((m) => outputs.has(m.to)).map((m) => {
      const index = schema.findIndex((f) => f.name === m.fromPath[0]);
      return { index, type: schema[index]!.type, rest: m.fromPath.slice(1), from: m.fromType, to: m.toType };
    });
    for await (const batch of input!) {
      const columns = sources.map((s) => {
        const data = pathData(columnAt(batch, s.index), s.type, s.rest);
        return typesEqual(s.from, s.to) ? data : castColumn(data, s.from, s.to, ctx);
      });
      yield makeBatch(node.schema, columns, batch.numRows);
    }
  },
});

const ENTRY_KEYS = ['from', 'to', 'type'];

interface MappingResult {
  /** The output name, when it could be read, so that duplicates are found even beside other errors. */
  readonly to?: string;
  /** Whether `to` was written (rather than taken from `from`), to say where a clash is. */
  readonly toWritten?: boolean;
  readonly rule?: ApplyMappingRule;
  readonly field?: Field;
}

function resolveMapping(entry: unknown, input: AnalyzedInput, at: Reporter): MappingResult {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    at.error(`expected a mapping { from, to?, type? }, got ${describe(entry)}`);
    return {};
  }
  const m = entry as Record<string, unknown>;
  let ok = true;
  // Job files may be plain JavaScript, where a misspelt `too:` would otherwise be ignored.
  for (const key of Object.keys(m)) {
    if (!ENTRY_KEYS.includes(key)) {
      at.child(key).error(`unknown mapping field "${key}"`, suggest(key, ENTRY_KEYS, 'field'));
      ok = false;
    }
  }

  const fromAt = at.child('from');
  let source: Field | undefined;
  if (typeof m.from !== 'string' || m.from === '') fromAt.error(`expected a column name or struct path, got ${describe(m.from)}`);
  else source = lookupColumn(input.schema, m.from, fromAt, input.label);

  const toWritten = m.to !== undefined;
  const toAt = toWritten ? at.child('to') : at;
  let to = toWritten ? newColumnName(m.to, toAt) : source?.name;
  if (to !== undefined && to.includes('.')) {
    toAt.error(
      `output column name "${to}" contains a dot, which Glue's ApplyMapping reads as a struct path`,
      toWritten ? `choose a name without dots, e.g. "${to.replace(/\./g, '_')}"` : 'set "to" to a name without dots',
    );
    to = undefined;
  }

  let toType = source?.type;
  if (m.type !== undefined) {
    const typeAt = at.child('type');
    toType = resolveType(m.type, typeAt);
    if (source && toType && !canCast(source.type, toType)) {
      typeAt.error(`Spark cannot cast ${formatGlueType(source.type)} to ${formatGlueType(toType)}`);
      toType = undefined;
    }
  }

  if (!ok || !source || to === undefined || !toType) return { to, toWritten };
  const fromPath = topLevelColumn(input.schema, m.from as string) ? [source.name] : (m.from as string).split('.');
  const rule: ApplyMappingRule = Object.freeze({ fromPath: Object.freeze(fromPath), to, fromType: source.type, toType });
  const nullable = source.nullable || castCanNull(source.type, toType);
  return { to, toWritten, rule, field: field(to, toType, nullable, source.comment) };
}

/** Digits before the point that each type needs as a decimal (Spark's DecimalType.forType). */
const WHOLE_DIGITS: Partial<Record<GlueType['kind'], number>> = { boolean: 1, tinyint: 3, smallint: 5, int: 10, bigint: 20 };

/**
 * Whether Spark's CAST (ANSI off) can turn a non-null value into NULL: strings that do
 * not parse, dates as numbers, NaN as an integer, values too wide for a decimal. This
 * follows Spark's Cast.forceNullable, so a NOT NULL column keeps that promise only
 * through casts that cannot break it.
 */
function castCanNull(from: GlueType, to: GlueType): boolean {
  if (typesEqual(from, to) || isStringLike(to)) return false;
  if (isStringLike(from)) return to.kind !== 'binary';
  if (from.kind === 'date') return to.kind !== 'timestamp';
  if (to.kind === 'date') return from.kind !== 'timestamp';
  if (to.kind === 'timestamp') return isFractional(from);
  if (to.kind === 'decimal') return !decimalHolds(from, to);
  return isFractional(from) && isIntegral(to);
}

function decimalHolds(from: GlueType, to: { readonly precision: number; readonly scale: number }): boolean {
  const room = to.precision - to.scale;
  if (from.kind === 'decimal') {
    const needed = from.precision - from.scale;
    // Rounding off scale can carry into a new whole digit: 9.95 as decimal(2,1) is 10.0.
    return to.scale >= from.scale ? room >= needed : room > needed;
  }
  const digits = WHOLE_DIGITS[from.kind];
  return digits !== undefined && room >= digits;
}
