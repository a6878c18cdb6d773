/**
 * Dictionary-encoded strings: a column of Int32 indices into a small column of distinct
 * values (Arrow's Dictionary<Int32, Utf8>), as Parquet stores low-cardinality strings.
 *
 * This is not a canonical layout (catalog/arrow.ts): kernels see plain Utf8 columns. The
 * one place a dictionary column may appear is a Filter's condition, for a string column
 * that the filter reads only to decide which rows pass (the executor asks the reader for
 * such columns as dictionaries, local-runner/executor.ts). There, `col = 'x'`, `col <> 'x'`
 * and `col [NOT] IN ('x', ...)` compare each distinct value once and then look every row
 * up by its index (`matchDictionary`), and every other use decodes the column first
 * (`decodeDictionary`), so any expression gives the same answer as on plain strings.
 *
 * A row is NULL where its index is NULL or where the entry it points to is NULL. The index
 * of a NULL row may hold anything, so it is never used.
 */
import { Type, type Data } from 'apache-arrow';
import { isValid } from './columns.js';
import { nullData, takeData } from './selection.js';

/** Whether `data` is a dictionary of strings with Int32 indices at offset 0 (the layout produced by the Parquet reader). */
export function isStringDictionary(data: Data): boolean {
  if (data.type.typeId !== Type.Dictionary || data.offset !== 0 || !(data.values instanceof Int32Array)) return false;
  const values = dictionaryValues(data);
  return values !== undefined && values.type.typeId === Type.Utf8 && values.offset === 0;
}

/** The dictionary's values as one Data, or undefined when it is not a single chunk. */
function dictionaryValues(data: Data): Data | undefined {
  const chunks = (data as unknown as { dictionary?: { data: Data[] } }).dictionary?.data;
  return chunks?.length === 1 ? chunks[0] : undefined;
}

/** The plain Utf8 column a string dictionary stands for. */
export function decodeDictionary(data: Data): Data {
  const values = dictionaryValues(data)!;
  const n = data.length;
  // Only NULL rows can point into an empty dictionary.
  if (values.length === 0) return nullData(values.type, n);
  if (data.nullCount === 0) return takeData(values, data.values as Int32Array);
  // NULL rows point at entry 0 (any entry would do: their validity comes from the index).
  const indices = (data.values as Int32Array).map((entry, i) => (isValid(data, i) ? entry : 0));
  const taken = takeData(values, indices);
  // Validity: the index's, and the entry's.
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(data, i) && isValid(taken, i)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return taken.clone(taken.type, 0, n, nullCount, [taken.valueOffsets, taken.values, bitmap, undefined] as never);
}

/**
 * A bool per row from a bool per distinct value: `matchEntries` gives, for the dictionary's
 * values, a bit per entry (e.g. whether it equals one of some strings); each row gets its
 * entry's bit. The validity of the result is the column's (a NULL row compares to NULL).
 */
export function matchDictionary(
  data: Data,
  matchEntries: (values: Data) => Uint8Array,
): { bits: Uint8Array; validity: Uint8Array | undefined; nullCount: number } {
  const values = dictionaryValues(data)!;
  const entryBits = matchEntries(values);
  const indices = data.values as Int32Array;
  const n = data.length;
  const bits = new Uint8Array((n + 7) >> 3);
  const rowBitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const entryBitmap = values.nullCount > 0 ? values.nullBitmap : undefined;
  if (!rowBitmap && !entryBitmap) {
    // No NULL anywhere: each entry's answer as a byte, then a whole byte of rows at a time.
    const match = new Uint8Array(values.length);
    for (let e = 0; e < values.length; e++) match[e] = (entryBits[e >> 3]! >> (e & 7)) & 1;
    const whole = n >> 3;
    for (let k = 0, i = 0; k < whole; k++, i += 8) {
      bits[k] =
        match[indices[i]!]! | (match[indices[i + 1]!]! << 1) | (match[indices[i + 2]!]! << 2) | (match[indices[i + 3]!]! << 3) |
        (match[indices[i + 4]!]! << 4) | (match[indices[i + 5]!]! << 5) | (match[indices[i + 6]!]! << 6) | (match[indices[i + 7]!]! << 7);
    }
    for (let i = whole << 3; i < n; i++) if (match[indices[i]!] === 1) bits[i >> 3]! |= 1 << (i & 7);
    return { bits, validity: undefined, nullCount: 0 };
  }
  let validity: Uint8Array | undefined;
  let nullCount = 0;
  if (rowBitmap || entryBitmap) validity = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (rowBitmap && ((rowBitmap[i >> 3]! >> (i & 7)) & 1) === 0) {
      nullCount++;
      continue;
    }
    const entry = indices[i]!;
    if (entryBitmap && ((entryBitmap[entry >> 3]! >> (entry & 7)) & 1) === 0) {
      nullCount++;
      continue;
    }
    if (validity) validity[i >> 3]! |= 1 << (i & 7);
    if ((entryBits[entry >> 3]! >> (entry & 7)) & 1) bits[i >> 3]! |= 1 << (i & 7);
  }
  return { bits, validity: nullCount > 0 ? validity : undefined, nullCount };
}
