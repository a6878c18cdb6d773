/**
 * The TypeScript row type of a table, derived from its definition at compile time, so
 * that test rows (`runLocally(job, { inputs })`) and fixtures written as rows are checked
 * against the table: `const row: RowOf<typeof customers> = { ... }`.
 *
 * Values are what a JSON Lines fixture holds for each Glue type, since that is how rows
 * given to the runner are read: numbers for integers and floats (bigint also as a
 * JavaScript bigint), decimals as strings of their digits or numbers, dates and
 * timestamps as strings, binary as base64 strings or bytes. Nullable columns (the
 * default) may be null or left out; `nullable: false` columns are required.
 *
 * Type strings are parsed here at the type level (`'array<struct<a:int,b:string>>'`);
 * `t.*` values map by their kind. A type this cannot read (a `GlueType` built at run
 * time) gives `unknown`, never a wrong type.
 */
import type { ColumnInput, SchemaInput, TypeInput } from './schema.js';
import type { GlueType } from './types.js';

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;

/** Splits at commas outside `<...>` and `(...)`: `a:int,b:map<string,int>` is two fields. */
type SplitTop<S extends string, Cur extends string = '', Depth extends unknown[] = [], Out extends string[] = []> =
  S extends `${infer C}${infer R}`
    ? C extends '<' | '('
      ? SplitTop<R, `${Cur}${C}`, [...Depth, 0], Out>
      : C extends '>' | ')'
        ? SplitTop<R, `${Cur}${C}`, Depth extends [unknown, ...infer D] ? D : [], Out>
        : C extends ','
          ? Depth extends [] ? SplitTop<R, '', [], [...Out, Cur]> : SplitTop<R, `${Cur}${C}`, Depth, Out>
          : SplitTop<R, `${Cur}${C}`, Depth, Out>
    : [...Out, Cur];

type StructFromFields<F extends string[]> = {
  [E in F[number] as Trim<E> extends `${infer N}:${string}` ? Trim<N> extends `\`${infer Q}\`` ? Q : Trim<N> : never]?:
    | (Trim<E> extends `${string}:${infer T}` ? ValueOfText<T> : never)
    | null;
};

/** The value of a Hive type string; keywords are case-insensitive, struct field names kept as written. */
export type ValueOfText<S extends string> =
  Trim<S> extends `${infer Head}<${infer Body}`
    ? Body extends `${infer Inner}>`
      ? Lowercase<Trim<Head>> extends 'array'
        ? (ValueOfText<Inner> | null)[]
        : Lowercase<Trim<Head>> extends 'map'
          ? SplitTop<Inner> extends [string, infer V extends string] ? Record<string, ValueOfText<V> | null> : unknown
          : Lowercase<Trim<Head>> extends 'struct'
            ? StructFromFields<SplitTop<Inner>>
            : unknown
      : unknown
    : PrimitiveValue<Lowercase<Trim<S>>>;

type PrimitiveValue<L extends string> =
  L extends 'boolean' ? boolean
  : L extends 'tinyint' | 'smallint' | 'int' | 'integer' | 'short' | 'byte' ? number
  : L extends 'bigint' | 'long' ? number | bigint
  : L extends 'float' | 'double' | 'real' ? number
  : L extends 'decimal' | `decimal(${string}` | 'numeric' | `numeric(${string}` ? string | number
  : L extends 'string' | `char(${string}` | `varchar(${string}` ? string
  : L extends 'binary' ? string | Uint8Array
  : L extends 'date' | 'timestamp' ? string
  : unknown;

/** The value of a `t.*` type. */
export type ValueOfGlueType<T> =
  T extends { readonly kind: 'array'; readonly element: infer E } ? (ValueOfGlueType<E> | null)[]
  : T extends { readonly kind: 'map'; readonly value: infer V } ? Record<string, ValueOfGlueType<V> | null>
  : T extends { readonly kind: infer K extends string } ? (K extends 'struct' | 'null' ? unknown : PrimitiveValue<K>)
  : unknown;

export type ValueOf<T> = T extends string ? (string extends T ? unknown : ValueOfText<T>) : T extends GlueType ? ValueOfGlueType<T> : unknown;

type SpecType<S> = S extends { readonly type: infer T } ? (T extends TypeInput ? T : never) : S;
type IsRequired<S> = S extends { readonly nullable: false } ? true : false;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The row type of a schema input, record or list form. */
export type RowOfSchema<C> = Simplify<
  C extends readonly ColumnInput[]
    ? { [E in C[number] as IsRequired<E> extends true ? E['name'] : never]: ValueOf<E['type']> } & {
        [E in C[number] as IsRequired<E> extends true ? never : E['name']]?: ValueOf<E['type']> | null;
      }
    : { [K in keyof C as IsRequired<C[K]> extends true ? K : never]: ValueOf<SpecType<C[K]>> } & {
        [K in keyof C as IsRequired<C[K]> extends true ? never : K]?: ValueOf<SpecType<C[K]>> | null;
      }
>;

type PartitionRow<T> = T extends { readonly partitionKeys: infer P } ? RowOfSchema<P> : unknown;

/** A table's row: its columns, then its partition keys (as Glue reads the table). */
export type RowOf<T extends { readonly columns: SchemaInput; readonly partitionKeys?: SchemaInput }> = RowOfSchema<T['columns']> & PartitionRow<T>;
