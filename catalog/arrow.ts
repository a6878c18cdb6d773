/**
 * The one mapping between Glue (Hive) types and Apache Arrow types, used by every
 * reader, writer and kernel of the local runner.
 *
 * Glue to Arrow is canonical: each Glue type has exactly one Arrow representation, so
 * kernels handle one layout per type (timestamps are always microseconds in UTC, like
 * Spark's TimestampType; strings are always Utf8 with 32-bit offsets).
 * Arrow to Glue accepts the wider set of layouts readers produce (nanosecond or
 * millisecond timestamps, large strings, dictionaries, unsigned integers) and says which
 * canonical Glue type each becomes, or why it has none.
 */
import {
  Binary,
  Bool,
  DataType,
  DateDay,
  Decimal,
  Field as ArrowField,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  Schema as ArrowSchema,
  Struct,
  TimestampMicrosecond,
  Type,
  Utf8,
} from 'apache-arrow';
import { field, type Schema } from './schema.js';
import { structOf, t, type GlueType, type StructField } from './types.js';

/** Spark's TimestampType is an instant; Arrow records that as a UTC time zone. */
export const TIMESTAMP_ZONE = 'UTC';

/** The canonical Arrow type of a Glue type. */
export function toArrowType(type: GlueType): DataType {
  switch (type.kind) {
    case 'boolean':
      return new Bool();
    case 'tinyint':
      return new Int8();
    case 'smallint':
      return new Int16();
    case 'int':
      return new Int32();
    case 'bigint':
      return new Int64();
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'decimal':
      return new Decimal(type.scale, type.precision, 128);
    case 'string':
    case 'char':
    case 'varchar':
      return new Utf8();
    case 'binary':
      return new Binary();
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new TimestampMicrosecond(TIMESTAMP_ZONE);
    case 'array':
      return new List(new ArrowField('element', toArrowType(type.element), true));
    case 'map':
    {
      // apache-arrow types Map_ by its key and value types, which are only known here at run time.
      const entries = new Struct([new ArrowField('key', toArrowType(type.key), false), new ArrowField('value', toArrowType(type.value), true)] as ArrowField[]);
      return new Map_(new ArrowField('entries', entries, false) as never);
    }
    case 'struct':
      return new Struct(type.fields.map((f) => new ArrowField(f.name, toArrowType(f.type), true)));
    case 'null':
      throw new Error('the NULL type has no column representation');
  }
}

/** The canonical Arrow schema of a Glue schema, nullability included. */
export function toArrowSchema(schema: Schema): ArrowSchema {
  return new ArrowSchema(schema.map((f) => new ArrowField(f.name, toArrowType(f.type), f.nullable)));
}

export type FromArrow = { readonly type: GlueType } | { readonly unsupported: string };

/**
 * The Glue type of any Arrow type a reader may produce. Unsigned integers widen to the
 * next signed type (UINT64 to decimal(20,0)), as Spark reads them from Parquet.
 */
export function fromArrowType(type: DataType): FromArrow {
  switch (type.typeId) {
    case Type.Bool:
      return { type: t.boolean() };
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (isSigned) return { type: bitWidth === 8 ? t.tinyint() : bitWidth === 16 ? t.smallint() : bitWidth === 32 ? t.int() : t.bigint() };
      return { type: bitWidth === 8 ? t.smallint() : bitWidth === 16 ? t.int() : bitWidth === 32 ? t.bigint() : t.decimal(20, 0) };
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      if (precision === 0) return { unsupported: 'FLOAT16 (half-precision floats; Spark has no such type)' };
      return { type: precision === 1 ? t.float() : t.double() };
    }
    case Type.Decimal: {
      const { precision, scale } = type as unknown as { precision: number; scale: number };
      if (precision > 38) return { unsupported: `DECIMAL(${precision},${scale}) (Spark allows at most 38 digits)` };
      return { type: t.decimal(precision, scale) };
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return { type: t.string() };
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return { type: t.binary() };
    case Type.Date:
      return { type: t.date() };
    case Type.Timestamp:
      return { type: t.timestamp() };
    case Type.Dictionary:
      return fromArrowType((type as unknown as { dictionary: DataType }).dictionary);
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const child = fromArrowType((type as unknown as { children: ArrowField[] }).children[0]!.type);
      return 'type' in child ? { type: t.array(child.type) } : child;
    }
    case Type.Struct: {
      const children = (type as unknown as { children: ArrowField[] }).children;
      const fields: StructField[] = [];
      for (const c of children) {
        const inner = fromArrowType(c.type);
        if (!('type' in inner)) return inner;
        fields.push({ name: c.name, type: inner.type });
      }
      if (children.length === 0) return { unsupported: 'an empty STRUCT' };
      return { type: structOf(fields) };
    }
    case Type.Map: {
      const entries = (type as unknown as { children: ArrowField[] }).children[0]!.type as unknown as { children: ArrowField[] };
      const key = fromArrowType(entries.children[0]!.type);
      const value = fromArrowType(entries.children[1]!.type);
      if (!('type' in key)) return key;
      if (!('type' in value)) return value;
      return { type: t.map(key.type, value.type) };
    }
    case Type.Null:
      return { unsupported: 'a column of type NULL (every value missing and no type recorded)' };
    default:
      return { unsupported: `Arrow type ${String(type)}` };
  }
}

/**
 * The Glue schema of an Arrow schema. Columns whose type has no Glue equivalent are
 * returned separately with the reason, so readers can say "unsupported: <feature> in
 * <file>, column <c>".
 */
export function fromArrowSchema(schema: ArrowSchema): { schema: Schema; unsupported: { column: string; reason: string }[] } {
  const fields = [];
  const unsupported = [];
  for (const f of schema.fields) {
    const mapped = fromArrowType(f.type);
    if ('type' in mapped) fields.push(field(f.name, mapped.type, f.nullable));
    else unsupported.push({ column: f.name, reason: mapped.unsupported });
  }
  return { schema: Object.freeze(fields), unsupported };
}

/** Whether an Arrow type is already the canonical layout of `type` (no conversion needed). */
export function isCanonical(arrow: DataType, type: GlueType): boolean {
  return String(arrow) === String(toArrowType(type));
}
