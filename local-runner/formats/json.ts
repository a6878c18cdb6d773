/**
 * JSON Lines: the reader (into the text layout, see text-layout.ts), Spark-style schema
 * inference, and the writer.
 *
 * Reading rules:
 * - One JSON value per line (the generated script reads with multiline False). Blank
 *   lines are skipped; a UTF-8 byte order mark at the start is skipped. A line holding an
 *   array of objects gives one row per object, as Spark reads it.
 * - Strict JSON (RFC 8259), parsed here rather than with JSON.parse so that numbers keep
 *   their exact text: JSON.parse would round big integers and long decimals to doubles
 *   before the cast sees them.
 * - A line that is not valid JSON, or not an object (or array of objects), fails the read
 *   with the object, line and column. Glue would fail the job too or, in Spark's
 *   permissive mode, keep the line as a corrupt record and null every column of the row;
 *   a silent all-null row is the worse surprise, so the local run stops.
 * - Each declared column takes the top-level field of exactly its name (the last one if
 *   a name repeats); a missing field is null. In the text layout, a string is its value, a
 *   number its source text, true/false their text; an object or array where a primitive
 *   is declared is its compact JSON text (as Spark reads such a field into a string
 *   column); a primitive where an array, map or struct is declared is null (Spark cannot
 *   convert it either). Struct fields match by exact name, map entries keep their order.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { field, isValidColumnName, type Field, type Schema } from '../../catalog/schema.js';
import type { GlueType, StructField } from '../../catalog/types.js';
import { column } from '../../kernels/batches.js';
import { boolAt, bytesAt, decimalAt, isValid, stringAt } from '../../kernels/columns.js';
import { FormatError, type FormatReader, type FormatWriter, type ObjectSource, type ReadOptions } from './format.js';
import {
  concatBytes,
  encodeText,
  javaBigDecimalText,
  javaDoubleText,
  javaFloatText,
  objectBytes,
  sparkDateText,
  sparkTimestampText,
  textColumnBuilder,
  textExtension,
  textLayoutBatch,
  textLayoutSchema,
  type TextMap,
  type TextValue,
} from './text-layout.js';

const LF = 0x0a;
/** Jackson's default limit on nesting (StreamReadConstraints), which Spark inherits. */
const MAX_DEPTH = 1000;

// ---- lines -----------------------------------------------------------------

/**
 * Calls onLine for every non-blank line of the object (gunzipped if need be), in order,
 * with its 1-based line number. Yields whenever `pause` says so (a batch is ready) and
 * after each chunk, so memory holds one chunk, the line in progress and one batch,
 * however large the chunks the object arrives in; stops once `enough` says so. Splits at
 * \n bytes before decoding, which is safe because JSON text cannot hold a raw line break
 * inside a value, and a UTF-8 sequence never contains the byte 0x0a.
 */
async function* forEachLine(
  object: ObjectSource,
  onLine: (text: string, line: number) => void,
  { pause = () => false, enough = () => false }: { pause?: () => boolean; enough?: () => boolean } = {},
): AsyncGenerator<void> {
  // ignoreBOM keeps the decoder from stripping a BOM at the start of every block; only
  // the object's first is skipped, below.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let carry: Uint8Array[] = [];
  let carryLength = 0;
  let line = 0;
  let first = true;
  /** The lines of a block of whole lines; returns true when the caller has enough. */
  function* lines(block: Uint8Array): Generator<void, boolean> {
    let text = decoder.decode(block);
    let start = 0;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) start = 1;
      first = false;
    }
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      line++;
      const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (stop > start) {
        const t = text.slice(start, stop);
        if (!isBlank(t)) onLine(t, line);
        if (pause()) {
          yield;
          if (enough()) return true;
        }
      }
      start = end + 1;
    }
    text = '';
    return false;
  }
  for await (const chunk of objectBytes(object)) {
    const last = chunk.lastIndexOf(LF);
    if (last < 0) {
      carry.push(chunk);
      carryLength += chunk.length;
      continue;
    }
    carry.push(chunk.subarray(0, last));
    const block = concatBytes(carry, carryLength + last);
    // Copy the rest out so the chunk can be freed.
    carry = last + 1 < chunk.length ? [chunk.slice(last + 1)] : [];
    carryLength = chunk.length - last - 1;
    if (yield* lines(block)) return;
    yield;
    if (enough()) return;
  }
  if (carryLength > 0) yield* lines(concatBytes(carry, carryLength));
  yield;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

// ---- parser ----------------------------------------------------------------

class JsonSyntaxError extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

/** Field index by name for each declared struct type, built once per type. */
const fieldIndexes = new WeakMap<readonly StructField[], Map<string, number>>();
function fieldIndex(fields: readonly StructField[]): Map<string, number> {
  let index = fieldIndexes.get(fields);
  if (!index) {
    index = new Map(fields.map((f, i) => [f.name, i]));
    fieldIndexes.set(fields, index);
  }
  return index;
}

/**
 * A strict JSON parser over one line, driven by what the caller wants: the text layout
 * of a declared type (`typed`), the value skipped after checking it (`skip`), or the
 * value's inferred type (`infer`). Nothing is built that is not needed.
 */
class JsonCursor {
  pos = 0;
  private depth = 0;

  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    throw new JsonSyntaxError(at, message);
  }

  /** Skips whitespace; the next character code, or -1 at the end. */
  peek(): number {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 9 || c === 10 || c === 13) p++;
      else break;
    }
    this.pos = p;
    return p < t.length ? t.charCodeAt(p) : -1;
  }

  /** Checks nothing but whitespace remains. */
  end(): void {
    if (this.peek() !== -1) this.fail(`unexpected ${this.describe()} after the JSON value`);
  }

  /** The text layout of the next value for a declared type. */
  typed(type: GlueType): TextValue | null {
    const c = this.peek();
    switch (type.kind) {
      case 'array': {
        if (c !== 0x5b) return this.skipAsNull();
        const items: (TextValue | null)[] = [];
        this.elements(() => items.push(this.typed(type.element)));
        return items;
      }
      case 'struct': {
        if (c !== 0x7b) return this.skipAsNull();
        const index = fieldIndex(type.fields);
        const values: (TextValue | null | undefined)[] = new Array(type.fields.length);
        this.members((key) => {
          const i = index.get(key);
          if (i === undefined) this.skip();
          else values[i] = this.typed(type.fields[i]!.type);
        });
        return values;
      }
      case 'map': {
        if (c !== 0x7b) return this.skipAsNull();
        const keys: string[] = [];
        const values: (TextValue | null)[] = [];
        this.members((key) => {
          keys.push(key);
          values.push(this.typed(type.value));
        });
        return { keys, values } satisfies TextMap;
      }
      default:
        return this.scalarText();
    }
  }

  /** The next value as the text of a primitive column. */
  scalarText(): string | null {
    const c = this.peek();
    if (c === 0x22) return this.string();
    if (c === 0x7b || c === 0x5b) {
      const start = this.pos;
      this.skip();
      return this.compact(start, this.pos);
    }
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) {
      this.literal('null');
      return null;
    }
    return this.number();
  }

  /** Checks and passes over the next value. */
  skip(): void {
    const c = this.peek();
    if (c === 0x7b) this.members(() => this.skip());
    else if (c === 0x5b) this.elements(() => this.skip());
    else if (c === 0x22) this.string();
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.number();
  }

  /** Calls onMember(key) with the cursor at each member's value; the callback must consume it. */
  members(onMember: (key: string) => void): void {
    this.enter();
    this.pos++; // {
    let c = this.peek();
    if (c === 0x7d) {
      this.pos++;
      return this.leave();
    }
    for (;;) {
      if (c !== 0x22) this.fail(`expected a field name in double quotes, found ${this.describe()}`);
      const key = this.string();
      if (this.peek() !== 0x3a) this.fail(`expected ":" after the field name, found ${this.describe()}`);
      this.pos++;
      onMember(key);
      c = this.peek();
      if (c === 0x2c) {
        this.pos++;
        c = this.peek();
      } else if (c === 0x7d) {
        this.pos++;
        return this.leave();
      } else this.fail(`expected "," or "}" after an object member, found ${this.describe()}`);
    }
  }

  /** Calls onElement with the cursor at each element; the callback must consume it. */
  elements(onElement: () => void): void {
    this.enter();
    this.pos++; // [
    if (this.peek() === 0x5d) {
      this.pos++;
      return this.leave();
    }
    for (;;) {
      onElement();
      const c = this.peek();
      if (c === 0x2c) this.pos++;
      else if (c === 0x5d) {
        this.pos++;
        return this.leave();
      } else this.fail(`expected "," or "]" after an array element, found ${this.describe()}`);
    }
  }

  string(): string {
    const t = this.text;
    const open = this.pos;
    let p = open + 1;
    for (;;) {
      if (p >= t.length) this.fail('a string is never closed', open);
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return t.slice(open + 1, p);
      }
      if (c === 0x5c) return this.escapedString(open, p);
      if (c < 0x20) this.fail('a control character inside a string must be escaped', p);
      p++;
    }
  }

  private escapedString(open: number, from: number): string {
    const t = this.text;
    let out = t.slice(open + 1, from);
    let p = from;
    for (;;) {
      if (p >= t.length) this.fail('a string is never closed', open);
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) this.fail('a control character inside a string must be escaped', p);
      if (c !== 0x5c) {
        let q = p + 1;
        while (q < t.length) {
          const d = t.charCodeAt(q);
          if (d === 0x22 || d === 0x5c || d < 0x20) break;
          q++;
        }
        out += t.slice(p, q);
        p = q;
        continue;
      }
      const e = t[p + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = t.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('expected four hex digits after \\u', p);
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.fail(`invalid escape \\${e ?? ''} in a string`, p);
      }
      p += 2;
    }
  }

  /** A number's exact text, checked against JSON's grammar. */
  number(): string {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === 0x2d) p++;
    const first = t.charCodeAt(p);
    if (first === 0x30) {
      p++;
      if (isDigit(t.charCodeAt(p))) this.fail('a number cannot have leading zeros', start);
    } else if (first >= 0x31 && first <= 0x39) p = this.digits(p);
    else this.fail(start === p ? `unexpected ${this.describe()}` : 'expected a digit after "-"', p);
    if (t.charCodeAt(p) === 0x2e) {
      if (!isDigit(t.charCodeAt(p + 1))) this.fail('expected a digit after the decimal point', p + 1);
      p = this.digits(p + 1);
    }
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      p++;
      const sign = t.charCodeAt(p);
      if (sign === 0x2b || sign === 0x2d) p++;
      if (!isDigit(t.charCodeAt(p))) this.fail('expected a digit in the exponent', p);
      p = this.digits(p);
    }
    this.pos = p;
    return t.slice(start, p);
  }

  private digits(p: number): number {
    const t = this.text;
    while (isDigit(t.charCodeAt(p))) p++;
    return p;
  }

  literal(word: 'true' | 'false' | 'null'): string {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected ${this.describe()}`);
    this.pos += word.length;
    return word;
  }

  /** The value's text without the whitespace between tokens. */
  compact(start: number, end: number): string {
    const t = this.text;
    let out = '';
    let piece = start;
    let inString = false;
    for (let p = start; p < end; p++) {
      const c = t.charCodeAt(p);
      if (inString) {
        if (c === 0x5c) p++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 32 || c === 9 || c === 10 || c === 13) {
        out += t.slice(piece, p);
        piece = p + 1;
      }
    }
    return out + t.slice(piece, end);
  }

  /** What is at the cursor, for messages. */
  describe(): string {
    if (this.pos >= this.text.length) return 'the end of the line';
    return JSON.stringify(String.fromCodePoint(this.text.codePointAt(this.pos)!));
  }

  private skipAsNull(): null {
    this.skip();
    return null;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
  }

  private leave(): void {
    this.depth--;
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Runs onRow for each row the line holds: its object, or each object of its array. */
function forEachRow(cursor: JsonCursor, onRow: () => void): void {
  const c = cursor.peek();
  if (c === 0x7b) onRow();
  else if (c === 0x5b) {
    cursor.elements(() => {
      if (cursor.peek() !== 0x7b) cursor.fail(`expected an object in the array of rows, found ${cursor.describe()}`);
      onRow();
    });
  } else if (c === -1) return;
  else {
    cursor.skip();
    cursor.fail('a line must hold a JSON object (one row) or an array of objects', 0);
  }
  cursor.end();
}

function lineError(object: ObjectSource, line: number, e: unknown): unknown {
  if (e instanceof JsonSyntaxError) return new FormatError(object.name, `line ${line}, column ${e.at + 1}: invalid JSON: ${e.message}`);
  return e;
}

// ---- reader ----------------------------------------------------------------

export const jsonReader: FormatReader = {
  read: (object, options) => readJson(object, options),
};

async function* readJson(object: ObjectSource, { schema, batchRows }: ReadOptions): AsyncIterable<RecordBatch> {
  const arrowSchema = textLayoutSchema(schema);
  const builders = schema.map((f) => textColumnBuilder(f.type));
  const columnOf = new Map(schema.map((f, i) => [f.name, i]));
  const slots: (TextValue | null | undefined)[] = new Array(schema.length);
  const limit = Math.max(1, batchRows);
  const ready: RecordBatch[] = [];
  let rows = 0;
  const cut = (): void => {
    ready.push(textLayoutBatch(arrowSchema, builders.map((b): Data => b.finish()), rows));
    rows = 0;
  };
  const onLine = (text: string, line: number): void => {
    const cursor = new JsonCursor(text);
    try {
      forEachRow(cursor, () => {
        slots.fill(undefined);
        cursor.members((key) => {
          const i = columnOf.get(key);
          if (i === undefined) cursor.skip();
          else slots[i] = cursor.typed(schema[i]!.type);
        });
        for (let i = 0; i < builders.length; i++) builders[i]!.append(slots[i]);
        if (++rows >= limit) cut();
      });
    } catch (e) {
      throw lineError(object, line, e);
    }
  };
  for await (const _ of forEachLine(object, onLine, { pause: () => ready.length > 0 })) yield* ready.splice(0);
  if (rows > 0) cut();
  yield* ready.splice(0);
}

// ---- schema inference ------------------------------------------------------

/** Spark's JSON type lattice (JsonInferSchema), before it becomes Glue types. */
type Inferred =
  | 'null'
  | 'string'
  | 'boolean'
  | 'bigint'
  | 'double'
  | { readonly decimal: { readonly precision: number; readonly scale: number } }
  | { readonly array: Inferred }
  | { readonly struct: ReadonlyMap<string, Inferred> };

const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

function inferValue(cursor: JsonCursor): Inferred {
  const c = cursor.peek();
  if (c === 0x22) {
    cursor.string();
    return 'string';
  }
  if (c === 0x74 || c === 0x66) {
    cursor.literal(c === 0x74 ? 'true' : 'false');
    return 'boolean';
  }
  if (c === 0x6e) {
    cursor.literal('null');
    return 'null';
  }
  if (c === 0x5b) {
    let element: Inferred = 'null';
    cursor.elements(() => (element = mergeInferred(element, inferValue(cursor))));
    return { array: element };
  }
  if (c === 0x7b) return { struct: inferObject(cursor) };
  const text = cursor.number();
  if (/[.eE]/.test(text)) return 'double';
  // Jackson reads an integer as int or long when it fits, else as a BigInteger, which
  // Spark types as decimal(digits, 0) up to 38 digits and as double beyond.
  const value = BigInt(text);
  if (value >= LONG_MIN && value <= LONG_MAX) return 'bigint';
  const digits = text.replace('-', '').length;
  return digits <= 38 ? { decimal: { precision: digits, scale: 0 } } : 'double';
}

function inferObject(cursor: JsonCursor): Map<string, Inferred> {
  const fields = new Map<string, Inferred>();
  cursor.members((key) => {
    const type = inferValue(cursor);
    const before = fields.get(key);
    fields.set(key, before === undefined ? type : mergeInferred(before, type));
  });
  return fields;
}

/** Spark's JsonInferSchema.compatibleType. */
function mergeInferred(a: Inferred, b: Inferred): Inferred {
  if (a === 'null') return b;
  if (b === 'null') return a;
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return a;
    if ((a === 'bigint' || a === 'double') && (b === 'bigint' || b === 'double')) return 'double';
    return 'string';
  }
  const decimalOf = (t: Inferred) => (t === 'bigint' ? { precision: 20, scale: 0 } : typeof t === 'object' && 'decimal' in t ? t.decimal : undefined);
  const da = decimalOf(a);
  const db = decimalOf(b);
  if (da && db) {
    const scale = Math.max(da.scale, db.scale);
    const whole = Math.max(da.precision - da.scale, db.precision - db.scale);
    return whole + scale > 38 ? 'double' : { decimal: { precision: whole + scale, scale } };
  }
  if ((da && b === 'double') || (db && a === 'double')) return 'double';
  if (typeof a === 'object' && typeof b === 'object') {
    if ('array' in a && 'array' in b) return { array: mergeInferred(a.array, b.array) };
    if ('struct' in a && 'struct' in b) {
      const merged = new Map(a.struct);
      for (const [name, type] of b.struct) {
        const before = merged.get(name);
        merged.set(name, before === undefined ? type : mergeInferred(before, type));
      }
      return { struct: merged };
    }
  }
  return 'string';
}

/**
 * Spark's canonicalizeType, into Glue types: a type seen only as null becomes string;
 * struct fields are sorted by name; a struct with no fields (from `{}`) has no type,
 * and its field, or the array holding it, is dropped.
 */
function toGlueType(type: Inferred): GlueType | undefined {
  if (type === 'null' || type === 'string') return { kind: 'string' };
  if (type === 'boolean' || type === 'bigint' || type === 'double') return { kind: type };
  if ('decimal' in type) return { kind: 'decimal', ...type.decimal };
  if ('array' in type) {
    const element = toGlueType(type.array);
    return element && { kind: 'array', element };
  }
  const fields = sortedFields(type.struct);
  return fields.length > 0 ? Object.freeze({ kind: 'struct', fields: Object.freeze(fields) }) : undefined;
}

/** By name in code-unit order, as Spark sorts them (String.compareTo). */
function sortedFields(fields: ReadonlyMap<string, Inferred>): StructField[] {
  const out: StructField[] = [];
  for (const name of [...fields.keys()].sort()) {
    const type = toGlueType(fields.get(name)!);
    if (type) out.push(Object.freeze({ name, type }));
  }
  return out;
}

/**
 * Infers a schema from the first `sampleRows` rows the way Spark's JSON reader does:
 * integers are bigint (decimal(digits,0) beyond bigint's range), other numbers double,
 * strings string (no date or timestamp guessing, Spark's default), booleans boolean,
 * objects structs with fields sorted by name, arrays arrays of their elements' common
 * type; types that conflict become string. Columns are sorted by name, all nullable; a
 * field only ever null is string.
 */
export async function inferJsonSchema(object: ObjectSource, { sampleRows = 1000 }: { sampleRows?: number } = {}): Promise<Schema> {
  let row: Inferred = 'null';
  let rows = 0;
  const onLine = (text: string, line: number): void => {
    const cursor = new JsonCursor(text);
    try {
      forEachRow(cursor, () => {
        if (rows >= sampleRows) return cursor.skip();
        rows++;
        row = mergeInferred(row, { struct: inferObject(cursor) });
      });
    } catch (e) {
      throw lineError(object, line, e);
    }
  };
  const enough = () => rows >= sampleRows;
  for await (const _ of forEachLine(object, onLine, { pause: enough, enough })) {
    // onLine does the work
  }
  const sampled = row as Inferred; // assigned in onLine, which TypeScript cannot see
  const columns = typeof sampled === 'object' && 'struct' in sampled ? sortedFields(sampled.struct) : [];
  if (columns.length === 0) throw new FormatError(object.name, rows === 0 ? 'the object holds no rows, so no schema can be inferred from it' : 'no field of the sampled rows has a type (every value is {} or missing)');
  const seen = new Map<string, string>();
  return Object.freeze(
    columns.map((c): Field => {
      if (!isValidColumnName(c.name)) throw new FormatError(object.name, `field name ${JSON.stringify(c.name)} is not a valid column name (1-255 characters, no control characters or backticks)`);
      const other = seen.get(c.name.toLowerCase());
      if (other !== undefined) throw new FormatError(object.name, `fields "${other}" and "${c.name}" differ only in case, which a Glue schema cannot hold`);
      seen.set(c.name.toLowerCase(), c.name);
      return field(c.name, c.type);
    }),
  );
}

// ---- writer ----------------------------------------------------------------

/**
 * Writes one compact JSON object per line, as Spark's JSON writer (Jackson) does: fields
 * in schema order, null fields left out (Spark's ignoreNullFields default; nulls inside
 * arrays and map values stay as null), integers exact (64-bit too), doubles and floats
 * as Java prints them (`1.0`, `1.0E10`; NaN and infinities as strings, Jackson's
 * default), decimals with their exact digits and scale as JSON numbers, dates and
 * timestamps as strings in Spark's default formats (yyyy-MM-dd,
 * yyyy-MM-dd'T'HH:mm:ss.SSSXXX in UTC), binary as base64 strings, arrays, maps and
 * structs as nested JSON (map keys as strings). Gzipped when compression is 'gzip'.
 */
export const jsonWriter: FormatWriter = {
  extension: (options) => textExtension('.json', options.compression),
  write: (batches, options) => encodeText(jsonText(batches, options.schema), options.compression),
};

async function* jsonText(batches: AsyncIterable<RecordBatch>, schema: Schema): AsyncIterable<string> {
  const names = schema.map((f) => `${jsonString(f.name)}:`);
  for await (const batch of batches) {
    const columns = schema.map((f) => column(batch, f.name));
    const writers = schema.map((f, j) => jsonValue(f.type, columns[j]!));
    const lines: string[] = new Array(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) {
      let line = '{';
      for (let j = 0; j < writers.length; j++) {
        if (!isValid(columns[j]!, i)) continue;
        if (line.length > 1) line += ',';
        line += names[j]! + writers[j]!(i);
      }
      lines[i] = line + '}';
    }
    if (lines.length > 0) yield lines.join('\n') + '\n';
  }
}


/** Writes value i (valid) of a canonical column as JSON text. */
function jsonValue(type: GlueType, data: Data): (i: number) => string {
  // apache-arrow re-slices value and offset buffers with the Data (value i is at i);
  // only bit-packed buffers need data.offset, which the column helpers add.
  const values = data.values as ArrayLike<number | bigint>;
  switch (type.kind) {
    case 'boolean':
      return (i) => (boolAt(data, i) ? 'true' : 'false');
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return (i) => String(values[i]);
    case 'float':
      return (i) => jsonNumber(values[i] as number, javaFloatText);
    case 'double':
      return (i) => jsonNumber(values[i] as number, javaDoubleText);
    case 'decimal':
      return (i) => javaBigDecimalText(decimalAt(data, i), type.scale);
    case 'string':
    case 'char':
    case 'varchar':
      return (i) => jsonString(stringAt(data, i));
    case 'binary':
      return (i) => `"${Buffer.from(bytesAt(data, i)).toString('base64')}"`;
    case 'date':
      return (i) => `"${sparkDateText(values[i] as number)}"`;
    case 'timestamp':
      return (i) => `"${sparkTimestampText(values[i] as bigint)}"`;
    case 'array': {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0]!;
      const element = jsonValue(type.element, child);
      return (i) => {
        const parts: string[] = [];
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) parts.push(isValid(child, k) ? element(k) : 'null');
        return `[${parts.join(',')}]`;
      };
    }
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      const entries = data.children[0]!;
      const keys = entries.children[0]!;
      const vals = entries.children[1]!;
      const key = jsonValue(type.key, keys);
      const keyIsString = type.key.kind === 'string' || type.key.kind === 'char' || type.key.kind === 'varchar';
      const value = jsonValue(type.value, vals);
      return (i) => {
        const parts: string[] = [];
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
          // JSON names are strings; other keys print as their value's text.
          const name = keyIsString ? key(k) : jsonString(unquote(key(k)));
          parts.push(`${name}:${isValid(vals, k) ? value(k) : 'null'}`);
        }
        return `{${parts.join(',')}}`;
      };
    }
    case 'struct': {
      const names = type.fields.map((f) => `${jsonString(f.name)}:`);
      const children = data.children;
      const fields = type.fields.map((f, j) => jsonValue(f.type, children[j]!));
      return (i) => {
        let out = '{';
        for (let j = 0; j < fields.length; j++) {
          if (!isValid(children[j]!, i)) continue;
          if (out.length > 1) out += ',';
          out += names[j]! + fields[j]!(i);
        }
        return out + '}';
      };
    }
    case 'null':
      throw new Error('the NULL type has no column representation');
  }
}

/** Jackson writes NaN and the infinities as strings (WRITE_NAN_AS_STRINGS, on by default). */
function jsonNumber(x: number, print: (x: number) => string): string {
  const text = print(x);
  return Number.isFinite(x) ? text : `"${text}"`;
}

function unquote(text: string): string {
  return text.startsWith('"') ? (JSON.parse(text) as string) : text;
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A JSON string as Jackson writes it: quotes, backslashes and control characters escaped, the rest as is. */
function jsonString(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch in SHORT_ESCAPES) out += SHORT_ESCAPES[ch];
    else if (code < 0x20) out += `\\u00${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}
