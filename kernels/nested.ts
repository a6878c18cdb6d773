/**
 * Reading a field out of a struct column. A struct's children keep values for rows
 * where the struct itself is NULL; Spark reads `s.f` as NULL there, so the field's
 * validity is the struct's AND the child's.
 */
import type { Data } from 'apache-arrow';
import type { GlueType } from '../catalog/types.js';
import { isValid } from './columns.js';

/** Field `index` of struct column `data`, NULL wherever the struct is NULL. */
export function structFieldData(data: Data, index: number): Data {
  const child = data.children[index]!;
  if (data.nullCount === 0) return child;
  // Bits are addressed at child.offset + i (apache-arrow keeps bit offsets when slicing).
  const bits = new Uint8Array((child.offset + child.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < child.length; i++) {
    if (isValid(data, i) && isValid(child, i)) {
      const bit = child.offset + i;
      bits[bit >> 3]! |= 1 << (bit & 7);
    } else nulls++;
  }
  return child.clone(child.type, child.offset, child.length, nulls, [child.valueOffsets, child.values, bits, child.typeIds] as never, child.children);
}

/** The column at a path of struct field names below a top-level column of type `type`. */
export function pathData(data: Data, type: GlueType, path: readonly string[]): Data {
  let current = data;
  let currentType = type;
  for (const name of path) {
    if (currentType.kind !== 'struct') throw new Error(`"${name}" is not a field of a ${currentType.kind}`);
    const index = currentType.fields.findIndex((f) => f.name === name);
    if (index < 0) throw new Error(`no struct field "${name}"`);
    current = structFieldData(current, index);
    currentType = currentType.fields[index]!.type;
  }
  return current;
}
