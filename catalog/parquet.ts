/**
 * The one mapping between Glue (Hive) types and Parquet's physical and logical types,
 * the Parquet side of catalog/arrow.ts.
 *
 * Glue to Parquet is what Spark writes with its standard (non-legacy) layout and
 * `outputTimestampType=TIMESTAMP_MICROS`, which is also what gluekit's writer produces:
 * tinyint and smallint as INT32 with an 8- or 16-bit INTEGER annotation; decimals by
 * precision (up to 9 digits INT32, up to 18 INT64, beyond that FIXED_LEN_BYTE_ARRAY of
 * the fewest bytes that hold the precision); strings, char(n) and varchar(n) as
 * BYTE_ARRAY with the STRING annotation (Parquet has no lengths: the catalog keeps them);
 * timestamps as INT64 microseconds adjusted to UTC; arrays as the three-level LIST,
 * maps as the MAP group with a required key.
 *
 * Parquet to Glue accepts every layout readers meet, as Spark reads them: INT96 and
 * millisecond or nanosecond timestamps, legacy converted types (UTF8, DECIMAL, DATE,
 * INT_8...), unsigned integers (widened to the next signed type, UINT64 to
 * decimal(20,0)), two-level and legacy lists, key-only maps as arrays of keys, ENUM and
 * JSON as strings; and says why
 * where Spark cannot read a type at all.
 */
import { MAX_DECIMAL_PRECISION, structOf, t, type GlueType, type StructField } from './types.js';

export type ParquetPhysical = 'BOOLEAN' | 'INT32' | 'INT64' | 'INT96' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';
export type ParquetRepetition = 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
export type TimeUnit = 'MILLIS' | 'MICROS' | 'NANOS';

/** Logical annotations without parameters. */
export type SimpleLogical = 'STRING' | 'ENUM' | 'JSON' | 'BSON' | 'UUID' | 'DATE' | 'LIST' | 'MAP' | 'UNKNOWN' | 'FLOAT16' | 'INTERVAL' | 'VARIANT';

/** Parquet's logical type annotation (parquet.thrift LogicalType), or the legacy ConvertedType it stands for. */
export type ParquetLogical =
  | { readonly type: SimpleLogical }
  | { readonly type: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | { readonly type: 'INTEGER'; readonly bitWidth: 8 | 16 | 32 | 64; readonly isSigned: boolean }
  | { readonly type: 'TIMESTAMP' | 'TIME'; readonly unit: TimeUnit; readonly isAdjustedToUTC: boolean };

/** One node of a Parquet schema: a leaf (physical type) or a group (children). */
export interface ParquetNode {
  readonly name: string;
  readonly repetition: ParquetRepetition;
  readonly physical?: ParquetPhysical;
  /** FIXED_LEN_BYTE_ARRAY only. */
  readonly typeLength?: number;
  readonly logical?: ParquetLogical;
  readonly children?: readonly ParquetNode[];
}

/** Bytes of the smallest two's-complement integer that holds every `precision`-digit number (Spark's minBytesForPrecision). */
export function minBytesForPrecision(precision: number): number {
  let bytes = 1;
  while (2 ** (8 * bytes - 1) < 10 ** precision) bytes++;
  return bytes;
}

/** The physical type Spark stores a decimal of this precision in. */
export function decimalPhysical(precision: number): { physical: ParquetPhysical; typeLength?: number } {
  if (precision <= 9) return { physical: 'INT32' };
  if (precision <= 18) return { physical: 'INT64' };
  return { physical: 'FIXED_LEN_BYTE_ARRAY', typeLength: minBytesForPrecision(precision) };
}

/** The Parquet node Spark writes for a column of type `type`. */
export function toParquetNode(name: string, type: GlueType, nullable = true): ParquetNode {
  const repetition: ParquetRepetition = nullable ? 'OPTIONAL' : 'REQUIRED';
  const leaf = (physical: ParquetPhysical, logical?: ParquetLogical): ParquetNode =>
    Object.freeze({ name, repetition, physical, ...(logical && { logical }) });
  switch (type.kind) {
    case 'boolean':
      return leaf('BOOLEAN');
    case 'tinyint':
      return leaf('INT32', { type: 'INTEGER', bitWidth: 8, isSigned: true });
    case 'smallint':
      return leaf('INT32', { type: 'INTEGER', bitWidth: 16, isSigned: true });
    case 'int':
      return leaf('INT32');
    case 'bigint':
      return leaf('INT64');
    case 'float':
      return leaf('FLOAT');
    case 'double':
      return leaf('DOUBLE');
    case 'decimal': {
      const { physical, typeLength } = decimalPhysical(type.precision);
      return Object.freeze({ ...leaf(physical, { type: 'DECIMAL', precision: type.precision, scale: type.scale }), ...(typeLength !== undefined && { typeLength }) });
    }
    case 'string':
    case 'char':
    case 'varchar':
      return leaf('BYTE_ARRAY', { type: 'STRING' });
    case 'binary':
      return leaf('BYTE_ARRAY');
    case 'date':
      return leaf('INT32', { type: 'DATE' });
    case 'timestamp':
      return leaf('INT64', { type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: true });
    case 'array':
      return Object.freeze<ParquetNode>({
        name, repetition, logical: { type: 'LIST' },
        children: [{ name: 'list', repetition: 'REPEATED', children: [toParquetNode('element', type.element, true)] }],
      });
    case 'map':
      return Object.freeze<ParquetNode>({
        name, repetition, logical: { type: 'MAP' },
        children: [{ name: 'key_value', repetition: 'REPEATED', children: [toParquetNode('key', type.key, false), toParquetNode('value', type.value, true)] }],
      });
    case 'struct':
      return Object.freeze({ name, repetition, children: type.fields.map((f) => toParquetNode(f.name, f.type, true)) });
    case 'null':
      throw new Error('the NULL type has no column representation');
  }
}

export type FromParquet = { readonly type: GlueType } | { readonly unsupported: string };

const fail = (unsupported: string): FromParquet => ({ unsupported });

/** The Glue type Spark reads a Parquet node as (its repetition aside), or why it cannot. */
export function fromParquetNode(node: ParquetNode): FromParquet {
  if (node.children !== undefined) return fromGroup(node);
  const logical = node.logical;
  switch (node.physical) {
    case 'BOOLEAN':
      return { type: t.boolean() };
    case 'INT32':
    case 'INT64': {
      const bits = node.physical === 'INT32' ? 32 : 64;
      if (!logical) return { type: bits === 32 ? t.int() : t.bigint() };
      if (logical.type === 'INTEGER') {
        const { bitWidth, isSigned } = logical;
        if (isSigned) return { type: bitWidth === 8 ? t.tinyint() : bitWidth === 16 ? t.smallint() : bitWidth === 32 ? t.int() : t.bigint() };
        return { type: bitWidth === 8 ? t.smallint() : bitWidth === 16 ? t.int() : bitWidth === 32 ? t.bigint() : t.decimal(20, 0) };
      }
      if (logical.type === 'DECIMAL') return decimal(logical.precision, logical.scale);
      if (logical.type === 'DATE' && bits === 32) return { type: t.date() };
      if (logical.type === 'TIMESTAMP' && bits === 64) return { type: t.timestamp() };
      if (logical.type === 'TIME') return fail(`TIME(${logical.unit}) (Spark 3 has no time-of-day type)`);
      if (logical.type === 'UNKNOWN') return fail('a column of type NULL (every value missing and no type recorded)');
      return fail(`${node.physical} annotated ${logical.type}`);
    }
    case 'INT96':
      return { type: t.timestamp() };
    case 'FLOAT':
      return { type: t.float() };
    case 'DOUBLE':
      return { type: t.double() };
    case 'BYTE_ARRAY':
      if (!logical) return { type: t.binary() };
      if (logical.type === 'STRING' || logical.type === 'ENUM' || logical.type === 'JSON') return { type: t.string() };
      if (logical.type === 'BSON') return { type: t.binary() };
      if (logical.type === 'DECIMAL') return decimal(logical.precision, logical.scale);
      return fail(`BYTE_ARRAY annotated ${logical.type}`);
    case 'FIXED_LEN_BYTE_ARRAY':
      if (!logical) return { type: t.binary() };
      if (logical.type === 'DECIMAL') return decimal(logical.precision, logical.scale);
      if (logical.type === 'UUID') return fail('UUID (Spark 3 cannot read it)');
      if (logical.type === 'FLOAT16') return fail('FLOAT16 (half-precision floats; Spark has no such type)');
      if (logical.type === 'INTERVAL') return fail('INTERVAL (Spark cannot read Parquet intervals)');
      return fail(`FIXED_LEN_BYTE_ARRAY annotated ${logical.type}`);
    default:
      return fail(`a leaf without a physical type`);
  }
}

function decimal(precision: number, scale: number): FromParquet {
  if (precision > MAX_DECIMAL_PRECISION) return fail(`DECIMAL(${precision},${scale}) (Spark allows at most ${MAX_DECIMAL_PRECISION} digits)`);
  return { type: t.decimal(precision, scale) };
}

/**
 * Groups, following Parquet's backward-compatibility rules for LIST and MAP (as
 * parquet-mr and Spark apply them): a LIST's repeated child is the element itself when it
 * is a leaf, a group of several fields, or named `array` or `<list>_tuple`; otherwise it
 * wraps the element. A repeated field outside a LIST is a required array.
 */
function fromGroup(node: ParquetNode): FromParquet {
  const children = node.children!;
  const logical = node.logical?.type;
  if (logical === 'LIST') {
    const repeated = children[0];
    if (children.length !== 1 || repeated?.repetition !== 'REPEATED') return fail(`a LIST group "${node.name}" without one repeated field`);
    const isElement = repeated.children === undefined || repeated.children.length !== 1 || repeated.name === 'array' || repeated.name === `${node.name}_tuple`;
    const element = isElement ? fromParquetNode({ ...repeated, repetition: 'REQUIRED' }) : fromParquetNode(repeated.children![0]!);
    return 'type' in element ? { type: t.array(element.type) } : element;
  }
  if (logical === 'MAP' || (node.logical === undefined && children.length === 1 && children[0]!.name === 'key_value' && children[0]!.repetition === 'REPEATED')) {
    const entries = children[0];
    // A key without a value is a set (Parquet's rule), read as an array of keys.
    if (children.length === 1 && entries?.repetition === 'REPEATED' && entries.children?.length === 1) {
      const key = fromParquetNode(entries.children[0]!);
      return 'type' in key ? { type: t.array(key.type) } : key;
    }
    if (children.length !== 1 || entries?.children?.length !== 2) return fail(`a MAP group "${node.name}" without a repeated key and value`);
    const key = fromParquetNode(entries.children[0]!);
    const value = fromParquetNode(entries.children[1]!);
    if (!('type' in key)) return key;
    if (!('type' in value)) return value;
    return { type: t.map(key.type, value.type) };
  }
  if (children.length === 0) return fail('an empty group (a struct with no fields; Spark cannot read it)');
  const fields: StructField[] = [];
  for (const c of children) {
    const inner = fromParquetNode(c);
    if (!('type' in inner)) return inner;
    fields.push({ name: c.name, type: c.repetition === 'REPEATED' ? t.array(inner.type) : inner.type });
  }
  return { type: structOf(fields) };
}

/** The Glue type of a top-level column, with Spark's rule that a repeated column is an array. */
export function fromParquetColumn(node: ParquetNode): FromParquet {
  const inner = fromParquetNode(node);
  return 'type' in inner && node.repetition === 'REPEATED' ? { type: t.array(inner.type) } : inner;
}

/** `INT64 TIMESTAMP(MICROS, UTC)`: a node's type as Parquet tools print it, for messages. */
export function describeParquetNode(node: ParquetNode): string {
  if (node.children) return `group${node.logical ? ` (${node.logical.type})` : ''}`;
  const physical = node.physical === 'FIXED_LEN_BYTE_ARRAY' ? `FIXED_LEN_BYTE_ARRAY(${node.typeLength})` : node.physical ?? '?';
  const l = node.logical;
  if (!l) return physical;
  if (l.type === 'DECIMAL') return `${physical} DECIMAL(${l.precision},${l.scale})`;
  if (l.type === 'INTEGER') return `${physical} INTEGER(${l.bitWidth},${l.isSigned ? 'signed' : 'unsigned'})`;
  if (l.type === 'TIMESTAMP' || l.type === 'TIME') return `${physical} ${l.type}(${l.unit}, ${l.isAdjustedToUTC ? 'UTC' : 'local'})`;
  return `${physical} ${l.type}`;
}
