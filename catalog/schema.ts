/**
 * Schemas: ordered lists of typed, nullable fields. Definitions write them as a record
 * (`{ order_id: 'bigint', amount: 'decimal(12,2)' }`) or as a list of columns; both
 * normalise to the same frozen Schema.
 */
import { suggest } from '../core/did-you-mean.js';
import type { Reporter } from '../core/problems.js';
import { GlueTypeSyntaxError, formatGlueType, parseGlueType, structField, type GlueType } from './types.js';

export interface Field {
  readonly name: string;
  readonly type: GlueType;
  readonly nullable: boolean;
  readonly comment?: string;
}

export type Schema = readonly Field[];

/** A column type in a definition: a Hive type string or a `t.*` value. */
export type TypeInput = string | GlueType;

/** One column in a definition's list form. */
export interface ColumnInput {
  /** Column name, exactly as stored in the files and the catalog. */
  readonly name: string;
  /** Hive type string (`'decimal(12,2)'`) or a `t.*` value. */
  readonly type: TypeInput;
  /** Whether the column may hold nulls. Default true, as for every Glue catalog column. */
  readonly nullable?: boolean;
  readonly comment?: string;
}

/**
 * A schema in a definition: `{ name: type }` in column order, or a list of columns
 * (needed when a column name looks like a number, because JavaScript reorders such keys).
 */
export type SchemaInput =
  | Readonly<Record<string, TypeInput | Omit<ColumnInput, 'name'>>>
  | readonly ColumnInput[];

const COLUMN_NAME = /^[^\x00-\x1f`]{1,255}$/;

/** Column names Glue, Spark and Parquet all accept: 1-255 characters, no control characters or backticks. */
export function isValidColumnName(name: string): boolean {
  return COLUMN_NAME.test(name);
}

/** Normalises a type input, reporting a syntax error at `at`. */
export function resolveType(input: unknown, at: Reporter): GlueType | undefined {
  if (typeof input === 'string') {
    try {
      return parseGlueType(input);
    } catch (e) {
      if (e instanceof GlueTypeSyntaxError) {
        at.error(`invalid type "${input}": ${e.message}`, 'types are Hive type strings such as "bigint", "decimal(12,2)" or "array<string>"');
        return undefined;
      }
      throw e;
    }
  }
  if (input && typeof input === 'object' && typeof (input as { kind?: unknown }).kind === 'string') {
    // Round-trip through the printer and parser so hand-written objects get the same checks.
    try {
      return parseGlueType(formatGlueType(input as GlueType));
    } catch (e) {
      at.error(`invalid type: ${(e as Error).message}`);
      return undefined;
    }
  }
  at.error(`expected a type (a string such as "bigint" or a t.* value), got ${describe(input)}`);
  return undefined;
}

/** Normalises a schema input; reports every problem and returns what could be read. */
export function resolveSchema(input: unknown, at: Reporter): Schema | undefined {
  const columns: { name: unknown; spec: unknown; at: Reporter }[] = [];
  if (Array.isArray(input)) {
    input.forEach((c, i) => {
      const item = at.child(i);
      if (!c || typeof c !== 'object') item.error(`expected a column { name, type }, got ${describe(c)}`);
      else columns.push({ name: (c as ColumnInput).name, spec: c, at: item });
    });
  } else if (input && typeof input === 'object') {
    const keys = Object.keys(input);
    const numeric = keys.filter((k) => /^(0|[1-9]\d*)$/.test(k));
    if (numeric.length > 0) {
      at.error(
        `column name${numeric.length > 1 ? 's' : ''} ${numeric.map((k) => `"${k}"`).join(', ')} look numeric, and JavaScript moves such keys first, so the column order would be wrong`,
        'write this schema as a list: [{ name: "2024", type: "int" }, ...]',
      );
      return undefined;
    }
    for (const [name, spec] of Object.entries(input)) columns.push({ name, spec, at: at.child(name) });
  } else {
    at.error(`expected a schema ({ column: type } or a list of columns), got ${describe(input)}`);
    return undefined;
  }
  if (columns.length === 0) {
    at.error('a schema needs at least one column');
    return undefined;
  }

  const fields: Field[] = [];
  const seen = new Map<string, string>();
  let ok = true;
  for (const { name, spec, at: colAt } of columns) {
    if (typeof name !== 'string' || !isValidColumnName(name)) {
      colAt.error(`invalid column name ${describe(name)}: 1-255 characters, no control characters or backticks`);
      ok = false;
      continue;
    }
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      colAt.error(`duplicate column "${name}" (same as "${seen.get(lower)}"; Glue's catalog is case-insensitive)`);
      ok = false;
      continue;
    }
    seen.set(lower, name);
    const isColumnObject = spec !== null && typeof spec === 'object' && 'type' in (spec as object) && !('kind' in (spec as object));
    const typeInput = isColumnObject ? (spec as ColumnInput).type : spec;
    const type = resolveType(typeInput, isColumnObject ? colAt.child('type') : colAt);
    if (!type) {
      ok = false;
      continue;
    }
    const nullable = isColumnObject ? (spec as ColumnInput).nullable ?? true : true;
    if (typeof nullable !== 'boolean') {
      colAt.child('nullable').error(`expected true or false, got ${describe(nullable)}`);
      ok = false;
      continue;
    }
    const comment = isColumnObject ? (spec as ColumnInput).comment : undefined;
    fields.push(field(name, type, nullable, typeof comment === 'string' ? comment : undefined));
  }
  return ok ? Object.freeze(fields) : undefined;
}

/** The canonical Hive text of an already checked type input: `'long'` prints as `bigint`. */
export function typeText(type: TypeInput): string {
  return formatGlueType(typeof type === 'string' ? parseGlueType(type) : type);
}

export function field(name: string, type: GlueType, nullable = true, comment?: string): Field {
  return Object.freeze({ name, type, nullable, ...(comment !== undefined && { comment }) });
}

export function columnNames(schema: Schema): string[] {
  return schema.map((f) => f.name);
}

/**
 * Looks a column up by name, or a nested field by dotted path (`customer.address.city`),
 * reporting an unknown name with a suggestion. `inputLabel` names the input in messages.
 */
export function lookupColumn(schema: Schema, path: string, at: Reporter, inputLabel: string): Field | undefined {
  const direct = schema.find((f) => f.name === path);
  if (direct) return direct;
  const parts = path.split('.');
  const top = schema.find((f) => f.name === parts[0]);
  if (!top || parts.length === 1) {
    at.error(`unknown column "${path}" in ${inputLabel}`, suggest(path, columnNames(schema)));
    return undefined;
  }
  let type: GlueType = top.type;
  let nullable = top.nullable;
  for (let i = 1; i < parts.length; i++) {
    const name = parts[i]!;
    const inner = structField(type, name);
    if (!inner) {
      const where = parts.slice(0, i).join('.');
      if (type.kind !== 'struct') at.error(`"${where}" is ${formatGlueType(type)}, not a struct, so it has no field "${name}"`);
      else at.error(`struct "${where}" has no field "${name}"`, suggest(name, type.fields.map((f) => f.name), 'field'));
      return undefined;
    }
    type = inner.type;
    nullable = true; // a null struct makes every field inside it null
  }
  return field(parts[parts.length - 1]!, type, nullable);
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
