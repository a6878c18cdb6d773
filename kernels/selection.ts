/**
 * Row selection: keeping the rows of a batch that a condition accepts (Filter), and the
 * general tool beneath it, gathering rows by index (joins, sorts and coalesce use it).
 *
 * Gathering works on every canonical layout (catalog/arrow.ts), nested ones included,
 * and on slices. apache-arrow's slices keep `data.offset` for the bit-packed buffers
 * (validity, bool values) but re-slice values and value offsets, so those are read at
 * the row's own index; a list's or map's child is never sliced (its offsets point into
 * the whole child), while a struct's children are sliced along with it.
 */
import { makeData, RecordBatch, Struct, Type, type Data, type DataType } from 'apache-arrow';
import { allValid, boolBits, setNull, validityBits } from './columns.js';

/**
 * The rows of `batch` where `mask` (a bool column as long as the batch) is true. NULL
 * counts as false, as in Spark's Filter (a row passes only when the condition is true).
 */
export function filterBatch(batch: RecordBatch, mask: Data): RecordBatch {
  if (mask.length !== batch.numRows) throw new Error(`the mask has ${mask.length} values for ${batch.numRows} rows`);
  const indices = selectedRows(mask);
  if (indices.length === batch.numRows) return batch;
  return takeRows(batch, indices);
}

/** The indices of the rows where a bool column is true (and not NULL), in order. */
export function selectedRows(mask: Data): Int32Array {
  const rows = mask.length;
  if (mask.type.typeId === Type.Null) return new Int32Array(0);
  const values = boolBits(mask, rows);
  // A row passes when its value bit and its validity bit are both set.
  const validity = validityBits(mask, rows);
  const out = new Int32Array(rows);
  let count = 0;
  const bytes = (rows + 7) >> 3;
  for (let k = 0; k < bytes; k++) {
    let byte = values[k]! & (validity ? validity[k]! : 0xff);
    if (byte === 0) continue;
    const base = k << 3;
    while (byte !== 0) {
      const bit = 31 - Math.clz32(byte & -byte);
      const row = base + bit;
      if (row < rows) out[count++] = row;
      byte &= byte - 1;
    }
  }
  return out.subarray(0, count);
}

/** The rows of `batch` at `indices` (in that order, repeats allowed), as a new batch. */
export function takeRows(batch: RecordBatch, indices: Int32Array): RecordBatch {
  const children = batch.data.children.map((column) => takeData(column, indices));
  const data = makeData({ type: new Struct(batch.schema.fields), length: indices.length, nullCount: 0, children });
  return new RecordBatch(batch.schema, data);
}

/** The values of one column at `indices`. */
export function takeData(data: Data, indices: Int32Array): Data {
  return interleaveData([data], undefined, indices);
}

/**
 * A column whose row `r` is row `index[r]` of `sources[which[r]]` (of `sources[0]` when
 * `which` is undefined). All sources have the same Arrow type. This is `take` over
 * several columns at once, which coalesce and guarded evaluation use to merge results.
 */
export function interleaveData(sources: readonly Data[], which: Uint8Array | Int32Array | undefined, index: Int32Array): Data {
  const type = sources[0]!.type;
  const length = index.length;
  if (type.typeId === Type.Null) return makeData({ type, length, nullCount: length } as never);
  const first = sources[0]!;
  const source = which ? (r: number) => sources[which[r]!]! : () => first;

  // Validity: a row is null where its source row is.
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (sources.some((s) => s.nullCount !== 0 && s.nullBitmap && s.nullBitmap.length > 0)) {
    bitmap = allValid(length);
    if (!which) {
      // One source (take): no per-row source lookup.
      const bits = first.nullBitmap!;
      const offset = first.offset;
      for (let r = 0; r < length; r++) {
        const bit = offset + index[r]!;
        if (((bits[bit >> 3]! >> (bit & 7)) & 1) === 0) {
          bitmap[r >> 3]! &= ~(1 << (r & 7));
          nullCount++;
        }
      }
    } else for (let r = 0; r < length; r++) {
      const s = source(r);
      const bits = s.nullBitmap;
      if (!bits || bits.length === 0 || s.nullCount === 0) continue;
      const bit = s.offset + index[r]!;
      if (((bits[bit >> 3]! >> (bit & 7)) & 1) === 0) {
        setNull(bitmap, r);
        nullCount++;
      }
    }
  }
  const validity = nullCount > 0 ? bitmap : undefined;

  switch (type.typeId) {
    case Type.Bool: {
      const bits = new Uint8Array((length + 7) >> 3);
      for (let r = 0; r < length; r++) {
        const s = source(r);
        const bit = s.offset + index[r]!;
        if (((s.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) bits[r >> 3]! |= 1 << (r & 7);
      }
      return makeData({ type, length, nullCount, nullBitmap: validity, data: bits } as never);
    }
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Timestamp:
    case Type.Decimal:
    case Type.Time:
    case Type.Duration:
    case Type.FixedSizeBinary: {
      const like = first.values as unknown as { constructor: new (n: number) => ArrayBufferView };
      const result = new like.constructor(length * first.stride);
      gatherFixedWidth(sources, which, index, result);
      return makeData({ type, length, nullCount, nullBitmap: validity, data: result } as never);
    }
    case Type.Utf8:
    case Type.Binary: {
      const offsets = new Int32Array(length + 1);
      if (!which) return takeBytes(first, index, validity, nullCount);
      let total = 0;
      for (let r = 0; r < length; r++) {
        const s = source(r);
        const o = s.valueOffsets as Int32Array;
        total += o[index[r]! + 1]! - o[index[r]!]!;
        offsets[r + 1] = total;
      }
      const bytes = new Uint8Array(total);
      for (let r = 0; r < length; r++) {
        const s = source(r);
        const o = s.valueOffsets as Int32Array;
        const from = s.values as Uint8Array;
        const start = o[index[r]!]!;
        const end = o[index[r]! + 1]!;
        // Short values copy faster byte by byte than through a subarray view.
        if (end - start > 32) bytes.set(from.subarray(start, end), offsets[r]!);
        else for (let k = start, at = offsets[r]!; k < end; k++, at++) bytes[at] = from[k]!;
      }
      return makeData({ type, length, nullCount, nullBitmap: validity, valueOffsets: offsets, data: bytes } as never);
    }
    case Type.List:
    case Type.Map: {
      // The child rows of each taken row, gathered from the child of its source.
      const offsets = new Int32Array(length + 1);
      let total = 0;
      for (let r = 0; r < length; r++) {
        const o = source(r).valueOffsets as Int32Array;
        total += o[index[r]! + 1]! - o[index[r]!]!;
        offsets[r + 1] = total;
      }
      const childIndex = new Int32Array(total);
      const childWhich = which ? new Int32Array(total) : undefined;
      for (let r = 0, at = 0; r < length; r++) {
        const o = source(r).valueOffsets as Int32Array;
        for (let c = o[index[r]!]!; c < o[index[r]! + 1]!; c++, at++) {
          childIndex[at] = c;
          if (childWhich) childWhich[at] = which![r]!;
        }
      }
      const child = interleaveData(sources.map((s) => s.children[0]!), childWhich, childIndex);
      return makeData({ type, length, nullCount, nullBitmap: validity, valueOffsets: offsets, child } as never);
    }
    case Type.Struct: {
      const children = (type as Struct).children.map((_, k) => interleaveData(sources.map((s) => s.children[k]!), which, index));
      return makeData({ type, length, nullCount, nullBitmap: validity, children } as never);
    }
    default:
      throw new Error(`cannot gather rows of Arrow type ${String(type)}: not a canonical gluekit layout`);
  }
}

/**
 * Fixed-width values (integers, floats, dates, timestamps, decimals, fixed-size binary)
 * gathered into `result`. Every such type is copied as raw 32-bit words when its width is
 * a multiple of 4 bytes (64-bit values as 2 words, decimals as 4), else as bytes: one
 * element kind in the hot loops whatever the column's type. A loop reading Int32Array,
 * Float64Array and BigInt64Array elements in turn makes V8's element access polymorphic
 * (and a BigInt64Array read allocates a BigInt per value); bit-exact copies also keep NaN
 * payloads and -0.0 as they are.
 */
function gatherFixedWidth(sources: readonly Data[], which: Uint8Array | Int32Array | undefined, index: Int32Array, result: ArrayBufferView): void {
  const width = sources[0]!.stride * (sources[0]!.values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const aligned = width % 4 === 0 && result.byteOffset % 4 === 0 && sources.every((s) => (s.values as ArrayBufferView).byteOffset % 4 === 0);
  const unit = aligned ? 4 : 1;
  const view = (v: ArrayBufferView): Int32Array | Uint8Array =>
    aligned ? new Int32Array(v.buffer, v.byteOffset, v.byteLength >> 2) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const out = view(result);
  const stride = width / unit;
  const length = index.length;
  if (which) {
    const views = sources.map((s) => view(s.values as ArrayBufferView));
    for (let r = 0; r < length; r++) {
      const values = views[which[r]!]!;
      const from = index[r]! * stride;
      const to = r * stride;
      for (let k = 0; k < stride; k++) out[to + k] = values[from + k]!;
    }
    return;
  }
  const values = view(sources[0]!.values as ArrayBufferView);
  if (aligned) gatherWords(values as Int32Array, out as Int32Array, index, stride);
  else for (let r = 0; r < length; r++) for (let k = 0, from = index[r]! * stride, to = r * stride; k < stride; k++) out[to + k] = values[from + k]!;
}

/** `take` over 32-bit words, `stride` words a value; the common strides get their own loops. */
function gatherWords(values: Int32Array, out: Int32Array, index: Int32Array, stride: number): void {
  const length = index.length;
  if (stride === 1) {
    for (let r = 0; r < length; r++) out[r] = values[index[r]!]!;
  } else if (stride === 2) {
    for (let r = 0; r < length; r++) {
      const from = index[r]! << 1;
      out[r << 1] = values[from]!;
      out[(r << 1) + 1] = values[from + 1]!;
    }
  } else if (stride === 4) {
    for (let r = 0; r < length; r++) {
      const from = index[r]! << 2;
      const to = r << 2;
      out[to] = values[from]!;
      out[to + 1] = values[from + 1]!;
      out[to + 2] = values[from + 2]!;
      out[to + 3] = values[from + 3]!;
    }
  } else {
    for (let r = 0; r < length; r++) for (let k = 0, from = index[r]! * stride, to = r * stride; k < stride; k++) out[to + k] = values[from + k]!;
  }
}

/** `take` of a Utf8 or Binary column: the values of `data` at `index`, in two passes without per-row lookups. */
function takeBytes(data: Data, index: Int32Array, validity: Uint8Array | undefined, nullCount: number): Data {
  const length = index.length;
  const o = data.valueOffsets as Int32Array;
  const from = data.values as Uint8Array;
  const offsets = new Int32Array(length + 1);
  let total = 0;
  for (let r = 0; r < length; r++) {
    const i = index[r]!;
    total += o[i + 1]! - o[i]!;
    offsets[r + 1] = total;
  }
  // Short values are copied a 32-bit word at a time (a third of the time byte by byte
  // takes), whole words even past a value's end: the next value, written after it,
  // overwrites the excess, and the last one's lands in 3 spare bytes. A word is read only
  // where it lies inside the source; values near its end are copied byte by byte.
  const spare = new Uint8Array(total + 3);
  const bytes = spare.subarray(0, total);
  const into = new DataView(spare.buffer);
  const source = new DataView(from.buffer, from.byteOffset, from.byteLength);
  const wordsEnd = from.byteLength - 3;
  for (let r = 0; r < length; r++) {
    const i = index[r]!;
    const start = o[i]!;
    const end = o[i + 1]!;
    let at = offsets[r]!;
    // Long values copy faster through a subarray view.
    if (end - start > 32) bytes.set(from.subarray(start, end), at);
    else if (end <= wordsEnd) for (let k = start; k < end; k += 4, at += 4) into.setInt32(at, source.getInt32(k, true), true);
    else for (let k = start; k < end; k++, at++) bytes[at] = from[k]!;
  }
  return makeData({ type: data.type, length, nullCount, nullBitmap: validity, valueOffsets: offsets, data: bytes } as never);
}

/** A column of `length` NULLs of an Arrow type, with buffers of the right size. */
export function nullData(type: DataType, length: number): Data {
  if (type.typeId === Type.Null) return makeData({ type, length, nullCount: length } as never);
  // One zero-filled value (children included) repeated, then every row marked null.
  const one = zeroData(type);
  const taken = takeData(one, new Int32Array(length));
  return taken.clone(taken.type, 0, length, length, [taken.valueOffsets, taken.values, new Uint8Array((length + 7) >> 3), undefined] as never);
}

/** A one-row column holding the type's zero value (0, false, '', [], a struct of zeros). */
function zeroData(type: DataType): Data {
  switch (type.typeId) {
    case Type.Bool:
      return makeData({ type, length: 1, nullCount: 0, data: new Uint8Array(1) } as never);
    case Type.Utf8:
    case Type.Binary:
      return makeData({ type, length: 1, nullCount: 0, valueOffsets: new Int32Array(2), data: new Uint8Array(0) } as never);
    case Type.List:
    case Type.Map: {
      const childType = (type as unknown as { children: { type: DataType }[] }).children[0]!.type;
      const child = takeData(zeroData(childType), new Int32Array(0));
      return makeData({ type, length: 1, nullCount: 0, valueOffsets: new Int32Array(2), child } as never);
    }
    case Type.Struct: {
      const children = (type as Struct).children.map((f) => zeroData(f.type));
      return makeData({ type, length: 1, nullCount: 0, children } as never);
    }
    default: {
      // Fixed width: makeData sizes nothing, so give it one zeroed value of the right stride.
      const probe = makeData({ type, length: 0 } as never);
      const ctor = (probe.values as unknown as { constructor: new (n: number) => ArrayBufferView }).constructor;
      return makeData({ type, length: 1, nullCount: 0, data: new ctor(probe.stride) } as never);
    }
  }
}
