/**
 * A Parquet file's schema in the terms of catalog/parquet.ts: physical types, logical
 * annotations (or the legacy converted types they stand for) and repetitions, read from
 * the footer gluekit parses itself. This is the file's own description, before any Arrow
 * conversion, so the catalog's Parquet mapping can be checked against real files and a
 * crawler-like inference (`gluekit catalog infer`) types columns as Spark would.
 */
import type { ParquetLogical, SimpleLogical, ParquetNode, ParquetPhysical, ParquetRepetition, TimeUnit } from '../../catalog/parquet.js';
import { readFooter, type SchemaNode } from './parquet-footer.js';
import type { ThriftStruct, ThriftValue } from './thrift-compact.js';
import { withRanges, type ObjectSource } from './format.js';

const PHYSICAL: ParquetPhysical[] = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const REPETITION: ParquetRepetition[] = ['REQUIRED', 'OPTIONAL', 'REPEATED'];
const UNITS: Record<number, TimeUnit> = { 1: 'MILLIS', 2: 'MICROS', 3: 'NANOS' };
const SIMPLE_LOGICAL: Record<number, SimpleLogical> = {
  1: 'STRING', 2: 'MAP', 3: 'LIST', 4: 'ENUM', 6: 'DATE', 11: 'UNKNOWN', 12: 'JSON', 13: 'BSON', 14: 'UUID', 15: 'FLOAT16', 16: 'VARIANT',
};

const value = (s: ThriftStruct | undefined, id: number): ThriftValue | undefined => s?.get(id)?.value;
const num = (s: ThriftStruct | undefined, id: number): number | undefined => {
  const v = value(s, id);
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : undefined;
};
const struct = (v: ThriftValue | undefined): ThriftStruct | undefined => (v instanceof Map ? (v as ThriftStruct) : undefined);

/** The logical annotation of a SchemaElement: its LogicalType (field 10), else its ConvertedType (field 6). */
function logicalOf(element: ThriftStruct): ParquetLogical | undefined {
  const logical = struct(value(element, 10));
  if (logical && logical.size > 0) {
    const [id, field] = [...logical][0]!;
    const inner = struct(field.value);
    if (id === 5) return { type: 'DECIMAL', precision: num(inner, 2) ?? 0, scale: num(inner, 1) ?? 0 };
    if (id === 7 || id === 8) {
      const unit = struct(value(inner, 2));
      return { type: id === 8 ? 'TIMESTAMP' : 'TIME', unit: UNITS[unit ? [...unit.keys()][0]! : 2] ?? 'MICROS', isAdjustedToUTC: value(inner, 1) === true };
    }
    if (id === 10) return { type: 'INTEGER', bitWidth: (num(inner, 1) ?? 32) as 8 | 16 | 32 | 64, isSigned: value(inner, 2) === true };
    const simple = SIMPLE_LOGICAL[id];
    if (simple) return { type: simple };
  }
  switch (num(element, 6)) {
    case 0:
      return { type: 'STRING' };
    case 1:
    case 2: // MAP_KEY_VALUE, the legacy annotation of a map's repeated group
      return { type: 'MAP' };
    case 3:
      return { type: 'LIST' };
    case 4:
      return { type: 'ENUM' };
    case 5:
      return { type: 'DECIMAL', precision: num(element, 8) ?? 0, scale: num(element, 7) ?? 0 };
    case 6:
      return { type: 'DATE' };
    case 7:
    case 8:
      return { type: 'TIME', unit: num(element, 6) === 7 ? 'MILLIS' : 'MICROS', isAdjustedToUTC: true };
    case 9:
    case 10:
      return { type: 'TIMESTAMP', unit: num(element, 6) === 9 ? 'MILLIS' : 'MICROS', isAdjustedToUTC: true };
    case 11: case 12: case 13: case 14:
      return { type: 'INTEGER', bitWidth: ([8, 16, 32, 64] as const)[num(element, 6)! - 11]!, isSigned: false };
    case 15: case 16: case 17: case 18:
      return { type: 'INTEGER', bitWidth: ([8, 16, 32, 64] as const)[num(element, 6)! - 15]!, isSigned: true };
    case 19:
      return { type: 'JSON' };
    case 20:
      return { type: 'BSON' };
    case 21:
      return { type: 'INTERVAL' };
    default:
      return undefined;
  }
}

export function parquetNodeOf(node: SchemaNode): ParquetNode {
  const logical = logicalOf(node.element);
  const typeLength = num(node.element, 2);
  const isLeaf = node.physical !== undefined;
  return Object.freeze({
    name: node.name,
    repetition: REPETITION[node.repetition] ?? 'OPTIONAL',
    ...(isLeaf && { physical: PHYSICAL[node.physical!] }),
    ...(isLeaf && node.physical === 7 && typeLength !== undefined && { typeLength }),
    ...(logical && { logical }),
    ...(!isLeaf && { children: node.children.map(parquetNodeOf) }),
  });
}

/** The top-level columns of a Parquet object, as Parquet describes them. */
export async function parquetColumns(object: ObjectSource): Promise<ParquetNode[]> {
  const footer = await withRanges(object, (read) => readFooter(read, object.size));
  return footer.columns.map(parquetNodeOf);
}
