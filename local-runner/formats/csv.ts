/**
 * CSV: the reader (into the text layout, see text-layout.ts), Spark-style schema
 * inference, and the writer.
 *
 * What AWS Glue documents of its CSV format (format options separator, quoteChar,
 * withHeader, escaper, multiLine; "Using the CSV format in AWS Glue") is followed; where
 * it is silent, Spark's CSV data source defaults are, and each such rule says so.
 *
 * Reading rules:
 * - RFC 4180 with the source's quote character: a field starting with the quote runs to
 *   the next lone quote, may hold separators and line breaks, and `""` inside it is one
 *   quote. A quote inside an unquoted field is an ordinary character. Anything but a
 *   separator or a line end after a closing quote is an error (RFC 4180 allows nothing
 *   there; failing beats guessing what was meant). No escape character: the generated
 *   script sets none, and Glue's default escaper is none.
 * - Records end at \n or \r\n; the last may lack one. A UTF-8 byte order mark at the
 *   start is skipped. Empty lines are skipped (Spark skips them too).
 * - Quoted fields may span lines although the script does not set multiLine: a local
 *   run that split such records would read different rows from the ones Glue reads once
 *   multiLine is set, and a record that spans lines is unambiguous either way.
 * - Empty values. Glue documents nothing. An empty unquoted field is null: that is
 *   Spark's nullValue default (""), and it keeps "no value" from reaching the cast as a
 *   string (which fails under ANSI mode). A quoted empty field (`""`) is the empty
 *   string, the RFC 4180 reading and how Spark's own writer writes an empty string, so
 *   what the writer below writes reads back unchanged. (Spark's reader, with nullValue
 *   left at "", reads `""` as null too; this is the one place we depart from its
 *   defaults, deliberately.) `nullTokens` lists further unquoted texts that mean null,
 *   like Spark's nullValue option; a quoted field is never null.
 * - Columns: with a header, declared columns are found by exact name among the header's
 *   names (made unique as Spark makes them: an empty name becomes `_c<i>`, a name that
 *   repeats, ignoring case, gets its position appended); a declared column the header
 *   lacks is an error with a suggestion; other file columns are ignored. Without a
 *   header, declared column i is field i.
 * - A record with fewer fields than needed gets nulls for the rest, one with more has
 *   the extra ignored (Spark's PERMISSIVE mode, its default, does both).
 * - Nested declared types cannot come from CSV, whose fields are flat text.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { field, isValidColumnName, type Field, type Schema } from '../../catalog/schema.js';
import { formatGlueType, isComplex, type GlueType } from '../../catalog/types.js';
import { suggest } from '../../core/did-you-mean.js';
import type { CsvOptions } from '../../jobs/nodes/sources.js';
import { column } from '../../kernels/batches.js';
import { boolAt, decimalAt, isValid, stringAt } from '../../kernels/columns.js';
import { FormatError, type FormatReader, type FormatWriter, type ObjectSource, type ReadOptions, type WriteOptions } from './format.js';
import {
  Utf8ColumnBuilder,
  concatBytes,
  countLineFeeds,
  encodeText,
  javaBigDecimalText,
  javaDoubleText,
  javaFloatText,
  objectBytes,
  sparkDateText,
  sparkTimestampText,
  startsWithBom,
  textExtension,
  textLayoutBatch,
  textLayoutSchema,
} from './text-layout.js';

export interface CsvReadOptions extends Required<CsvOptions> {
  /** Unquoted field texts read as null, besides the empty field (Spark's nullValue). */
  readonly nullTokens?: readonly string[];
}

const LF = 0x0a;
const CR = 0x0d;
/** ignoreBOM: a field's leading U+FEFF is text; the object's BOM is skipped on the bytes. */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

// ---- tokenizer -------------------------------------------------------------

/** A field's flags: quoted (so never null), and holding doubled quotes to unescape. */
const QUOTED = 1;
const ESCAPED = 2;

class CsvSyntaxError extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

/** Receives each complete record: fields are tokenizer.starts/ends/flags[0, count) into buf. */
interface RecordSink {
  record(buf: Uint8Array, tokenizer: CsvTokenizer, count: number): void;
  /** True makes the tokenizer stop before the next record, until the driver has yielded. */
  full(): boolean;
}

/**
 * Splits bytes into records and fields without copying: each field is a span of the
 * buffer (the inside of the quotes for a quoted field). Works on bytes because every
 * character it looks for is ASCII, which never occurs inside a UTF-8 multi-byte sequence.
 */
class CsvTokenizer {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);

  constructor(
    private readonly separator: number,
    /** The quote byte, or -1 for no quoting. */
    readonly quote: number,
  ) {}

  /**
   * Hands every complete record of buf[from, buf.length) to the sink and returns where
   * the first incomplete one starts (buf.length if none), or where it stopped because
   * the sink was full. With `final`, the end of buf is the end of the object, so the last
   * record is complete however it ends.
   */
  parse(buf: Uint8Array, from: number, final: boolean, sink: RecordSink): number {
    const end = buf.length;
    const sep = this.separator;
    const quote = this.quote;
    let p = from;
    records: while (p < end) {
      if (sink.full()) return p;
      const recordStart = p;
      // Empty lines hold no record.
      if (buf[p] === LF) {
        p++;
        continue;
      }
      if (buf[p] === CR) {
        if (p + 1 === end) {
          if (!final) return recordStart;
          p++;
          continue;
        }
        if (buf[p + 1] === LF) {
          p += 2;
          continue;
        }
      }
      let count = 0;
      for (;;) {
        if (count === this.starts.length) this.grow();
        if (p < end && buf[p] === quote) {
          const open = p;
          let flags = QUOTED;
          const start = ++p;
          let close: number;
          for (;;) {
            const q = buf.indexOf(quote, p);
            if (q < 0) {
              if (!final) return recordStart;
              throw new CsvSyntaxError(open, 'a quoted field is never closed (no matching quote before the end of the object)');
            }
            if (q + 1 < end && buf[q + 1] === quote) {
              flags |= ESCAPED;
              p = q + 2;
              continue;
            }
            if (q + 1 === end && !final) return recordStart; // the next chunk may start with the second quote of a pair
            close = q;
            p = q + 1;
            break;
          }
          this.starts[count] = start;
          this.ends[count] = close;
          this.flags[count++] = flags;
          if (p === end) {
            if (!final) return recordStart;
            sink.record(buf, this, count);
            break records;
          }
          const next = buf[p]!;
          if (next === sep) {
            p++;
            continue;
          }
          if (next === LF) {
            p++;
            sink.record(buf, this, count);
            continue records;
          }
          if (next === CR && (p + 1 === end || buf[p + 1] === LF)) {
            if (p + 1 === end && !final) return recordStart;
            p += 2;
            sink.record(buf, this, count);
            continue records;
          }
          throw new CsvSyntaxError(p, `unexpected ${describeByte(next)} after the closing quote of a field (expected a separator or the end of the line)`);
        }
        const start = p;
        while (p < end) {
          const c = buf[p]!;
          if (c === sep || c === LF) break;
          p++;
        }
        if (p === end && !final) return recordStart;
        // A \r ends the value only as part of \r\n (or at the very end of the object).
        const valueEnd = p > start && buf[p - 1] === CR && (p === end || buf[p] === LF) ? p - 1 : p;
        this.starts[count] = start;
        this.ends[count] = valueEnd;
        this.flags[count++] = 0;
        if (p === end) {
          sink.record(buf, this, count);
          break records;
        }
        if (buf[p++] === LF) {
          sink.record(buf, this, count);
          continue records;
        }
        // A separator: another field follows, possibly empty at the end of the object.
        if (p === end) {
          if (!final) return recordStart;
          if (count === this.starts.length) this.grow();
          this.starts[count] = p;
          this.ends[count] = p;
          this.flags[count++] = 0;
          sink.record(buf, this, count);
          break records;
        }
      }
    }
    return end;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    const flags = new Uint8Array(n);
    starts.set(this.starts);
    ends.set(this.ends);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }

  /** Field i as a string (headers and inference; data goes to builders as bytes). */
  text(buf: Uint8Array, i: number): string {
    const start = this.starts[i]!;
    const end = this.ends[i]!;
    const raw = decoder.decode(buf.subarray(start, end));
    if (!(this.flags[i]! & ESCAPED)) return raw;
    const q = String.fromCharCode(this.quote);
    return raw.split(q + q).join(q);
  }
}

function describeByte(b: number): string {
  return b >= 0x20 && b < 0x7f ? `"${String.fromCharCode(b)}"` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * Feeds the object's bytes (gunzipped if need be) through the tokenizer in stream order,
 * yielding whenever the sink is full and after each chunk, so finished batches are
 * passed on before more are built: memory holds one chunk, the record in progress and
 * one batch, however large the chunks the object arrives in. A record longer than a chunk
 * is retried only once twice as many bytes have arrived, so its bytes are scanned a
 * bounded number of times. Stops early once `enough` says so.
 */
async function* tokenize(object: ObjectSource, tokenizer: CsvTokenizer, sink: RecordSink, enough: () => boolean = () => false): AsyncGenerator<void> {
  let parts: Uint8Array[] = [];
  let total = 0;
  let linesBefore = 0;
  let bomChecked = false;
  let retryAt = 0;
  /** Parses what has arrived; returns true when the caller has enough. */
  function* run(final: boolean): Generator<void, boolean> {
    // While a long record is still arriving, wait without joining the chunks again.
    if (!final && bomChecked && total < retryAt) return false;
    let buf = concatBytes(parts, total);
    parts = [buf];
    if (!bomChecked) {
      if (buf.length < 3 && !final) return false;
      if (startsWithBom(buf)) buf = buf.subarray(3);
      bomChecked = true;
    }
    let from = 0;
    for (;;) {
      let consumed: number;
      try {
        consumed = tokenizer.parse(buf, from, final, sink);
      } catch (e) {
        if (e instanceof CsvSyntaxError) {
          throw new FormatError(object.name, `line ${linesBefore + countLineFeeds(buf, from, e.at) + 1}: ${e.message}`);
        }
        throw e;
      }
      linesBefore += countLineFeeds(buf, from, consumed);
      if (consumed < buf.length && sink.full()) {
        from = consumed;
        yield;
        if (enough()) return true;
        continue;
      }
      retryAt = consumed === 0 ? buf.length * 2 : 0;
      // Copy the unfinished record out, so the chunk it came from can be freed.
      parts = consumed < buf.length ? [buf.slice(consumed)] : [];
      total = buf.length - consumed;
      return false;
    }
  }
  for await (const chunk of objectBytes(object)) {
    if (chunk.length === 0) continue;
    parts.push(chunk);
    total += chunk.length;
    if (yield* run(false)) return;
    yield;
    if (enough()) return;
  }
  if (total > 0 || !bomChecked) {
    yield* run(true);
    yield;
  }
}

/** Header names made unique and non-empty the way Spark's CSV reader does (makeSafeHeader). */
function safeHeader(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const n of names) seen.set(n.toLowerCase(), (seen.get(n.toLowerCase()) ?? 0) + 1);
  return names.map((n, i) => (n === '' ? `_c${i}` : seen.get(n.toLowerCase())! > 1 ? `${n}${i}` : n));
}

// ---- reader ----------------------------------------------------------------

/** A reader for CSV objects with these options (an S3 source's `csv` settings). */
export function csvReader(options: CsvReadOptions): FormatReader {
  return {
    read: (object, readOptions) => readCsv(object, options, readOptions),
  };
}

async function* readCsv(object: ObjectSource, options: CsvReadOptions, { schema, batchRows }: ReadOptions): AsyncIterable<RecordBatch> {
  for (const f of schema) {
    if (isComplex(f.type)) {
      throw new FormatError(object.name, `column "${f.name}" is declared ${formatGlueType(f.type)}, but a CSV field is flat text and cannot hold an array, map or struct; declare it string and parse it in the job`);
    }
  }
  const sink = new CsvColumnSink(object.name, schema, options, Math.max(1, batchRows));
  const tokenizer = new CsvTokenizer(options.separator.charCodeAt(0), options.quote === null ? -1 : options.quote.charCodeAt(0));
  for await (const _ of tokenize(object, tokenizer, sink)) yield* sink.takeBatches();
  yield* sink.takeBatches(true);
}

/** Writes each record's declared fields into Utf8 builders, cutting batches of batchRows. */
class CsvColumnSink implements RecordSink {
  private readonly arrowSchema;
  private readonly builders: Utf8ColumnBuilder[];
  /** For each declared column, the field index it reads (known after the header). */
  private fieldOf: Int32Array;
  private awaitingHeader: boolean;
  private readonly nullTokens: Uint8Array[];
  private readonly ready: RecordBatch[] = [];
  private rows = 0;

  constructor(
    private readonly objectName: string,
    private readonly schema: Schema,
    options: CsvReadOptions,
    private readonly batchRows: number,
  ) {
    this.arrowSchema = textLayoutSchema(schema);
    const rowsHint = Math.min(batchRows, 8192);
    this.builders = schema.map(() => new Utf8ColumnBuilder(rowsHint, rowsHint * 16));
    this.fieldOf = Int32Array.from(schema, (_, i) => i);
    this.awaitingHeader = options.header;
    this.nullTokens = (options.nullTokens ?? []).filter((t) => t !== '').map((t) => new TextEncoder().encode(t));
  }

  full(): boolean {
    return this.ready.length > 0;
  }

  record(buf: Uint8Array, tokenizer: CsvTokenizer, count: number): void {
    if (this.awaitingHeader) return this.header(buf, tokenizer, count);
    const { starts, ends, flags } = tokenizer;
    const quote = tokenizer.quote;
    const builders = this.builders;
    const fieldOf = this.fieldOf;
    for (let j = 0; j < builders.length; j++) {
      const f = fieldOf[j]!;
      const builder = builders[j]!;
      if (f >= count) {
        builder.appendNull();
        continue;
      }
      const start = starts[f]!;
      const end = ends[f]!;
      const fl = flags[f]!;
      if (fl === 0) {
        if (start === end || (this.nullTokens.length > 0 && this.isNullToken(buf, start, end))) builder.appendNull();
        else builder.appendBytes(buf, start, end);
      } else if (fl & ESCAPED) builder.appendUnescaped(buf, start, end, quote);
      else builder.appendBytes(buf, start, end);
    }
    if (++this.rows >= this.batchRows) this.cut();
  }

  /** Finished batches; with `last`, also the final partial one. */
  takeBatches(last = false): RecordBatch[] {
    if (last && this.rows > 0) this.cut();
    return this.ready.splice(0);
  }

  private cut(): void {
    const columns: Data[] = this.builders.map((b) => b.finish());
    this.ready.push(textLayoutBatch(this.arrowSchema, columns, this.rows));
    this.rows = 0;
  }

  private header(buf: Uint8Array, tokenizer: CsvTokenizer, count: number): void {
    const names = safeHeader(Array.from({ length: count }, (_, i) => tokenizer.text(buf, i)));
    const index = new Map<string, number>();
    names.forEach((n, i) => index.set(n, i));
    this.fieldOf = Int32Array.from(this.schema, (f) => {
      const i = index.get(f.name);
      if (i === undefined) {
        throw new FormatError(this.objectName, `declared column "${f.name}" is not in the CSV header; ${suggest(f.name, names)}`);
      }
      return i;
    });
    this.awaitingHeader = false;
  }

  private isNullToken(buf: Uint8Array, start: number, end: number): boolean {
    outer: for (const token of this.nullTokens) {
      if (token.length !== end - start) continue;
      for (let i = 0; i < token.length; i++) if (token[i] !== buf[start + i]) continue outer;
      return true;
    }
    return false;
  }
}

// ---- schema inference ------------------------------------------------------

/**
 * The type lattice of Spark's CSV inference (CSVInferSchema), in the order a value is
 * tried: a column's type only ever moves right, or to string.
 */
type Inferred = 'null' | 'int' | 'bigint' | { decimal: number } | 'double' | 'date' | 'timestamp' | 'boolean' | 'string';

/**
 * Infers a schema from the first `sampleRows` records the way Spark's CSV reader does
 * with inferSchema (Spark 3.4 and later, so Glue 5.0 and 6.0): each column gets the
 * narrowest of int, bigint, decimal, double, date, timestamp, boolean that every
 * non-empty value parses as, else string. Decimals come only from integers too large for
 * bigint (decimal(digits,0), up to 38 digits); a value with a fraction is a double.
 * Dates are yyyy-MM-dd exactly; a column mixing dates and timestamps is string, as in
 * Spark. Names come from the header (made unique as Spark does) or are _c0, _c1, ...;
 * every column is nullable.
 */
export async function inferCsvSchema(object: ObjectSource, csv: Required<CsvOptions>, { sampleRows = 1000 }: { sampleRows?: number } = {}): Promise<Schema> {
  const tokenizer = new CsvTokenizer(csv.separator.charCodeAt(0), csv.quote === null ? -1 : csv.quote.charCodeAt(0));
  let header: string[] | undefined;
  let types: Inferred[] = [];
  let rows = 0;
  const sink: RecordSink = {
    full: () => rows >= sampleRows,
    record(buf, tok, count) {
      if (!header && (csv.header || rows === 0)) {
        const names = csv.header ? Array.from({ length: count }, (_, i) => tok.text(buf, i)) : Array.from({ length: count }, (_, i) => `_c${i}`);
        header = safeHeader(names);
        types = header.map(() => 'null');
        if (csv.header) return;
      }
      if (rows >= sampleRows) return;
      rows++;
      const n = Math.min(count, types.length);
      for (let i = 0; i < n; i++) {
        if (tok.flags[i] === 0 && tok.starts[i] === tok.ends[i]) continue; // null
        const text = tok.text(buf, i);
        if (text === '') continue;
        types[i] = inferField(types[i]!, text);
      }
    },
  };
  for await (const _ of tokenize(object, tokenizer, sink, () => rows >= sampleRows)) {
    // the sink does the work
  }
  if (!header) throw new FormatError(object.name, 'the object is empty, so no schema can be inferred from it');
  return Object.freeze(
    header.map((name, i): Field => {
      if (!isValidColumnName(name)) throw new FormatError(object.name, `header name ${JSON.stringify(name)} is not a valid column name (1-255 characters, no control characters or backticks)`);
      return field(name, glueTypeOf(types[i]!));
    }),
  );
}

function glueTypeOf(type: Inferred): GlueType {
  if (typeof type === 'object') return { kind: 'decimal', precision: type.decimal, scale: 0 };
  if (type === 'null') return { kind: 'string' };
  return { kind: type };
}

/** Spark's inferField: try the value from the column's current type onwards, then widen. */
function inferField(soFar: Inferred, text: string): Inferred {
  const stage = typeof soFar === 'object' ? 'decimal' : soFar;
  let found: Inferred;
  switch (stage) {
    case 'null':
    case 'int':
      found = tryInteger(text);
      break;
    case 'bigint':
      found = tryBigint(text);
      break;
    case 'decimal':
      found = tryDecimal(text);
      break;
    case 'double':
      found = tryDouble(text);
      break;
    case 'date':
      found = tryDate(text);
      break;
    case 'timestamp':
      found = tryTimestamp(text);
      break;
    case 'boolean':
      found = tryBoolean(text);
      break;
    case 'string':
      return 'string';
  }
  return widen(soFar, found);
}

const INTEGER = /^[+-]?\d+$/;

function tryInteger(text: string): Inferred {
  if (INTEGER.test(text) && fitsBits(text, 32)) return 'int';
  return tryBigint(text);
}

function tryBigint(text: string): Inferred {
  if (INTEGER.test(text) && fitsBits(text, 64)) return 'bigint';
  return tryDecimal(text);
}

/** Java's BigDecimal of an integer has scale 0, which Spark takes as decimal(precision, 0). */
function tryDecimal(text: string): Inferred {
  if (INTEGER.test(text)) {
    const digits = text.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '').length;
    if (digits <= 38) return { decimal: digits };
  }
  return tryDouble(text);
}

function fitsBits(text: string, bits: 32 | 64): boolean {
  const v = BigInt(text);
  const limit = 1n << BigInt(bits - 1);
  return v >= -limit && v < limit;
}

/** Java's Double.parseDouble: surrounding blanks allowed, an f/d suffix too; or Spark's NaN/Inf/-Inf. */
const JAVA_DOUBLE = /^[\x00-\x20]*[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)[\x00-\x20]*$/;

function tryDouble(text: string): Inferred {
  if (JAVA_DOUBLE.test(text) || text === 'Inf' || text === '-Inf') return 'double';
  return tryDate(text);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Spark 3.4+ infers dates (preferDate) with the strict pattern yyyy-MM-dd. */
function tryDate(text: string): Inferred {
  const m = ISO_DATE.exec(text);
  if (m && validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return 'date';
  return tryTimestamp(text);
}

/**
 * What Spark's default timestamp parsing (DateTimeUtils.stringToTimestamp) accepts: a
 * date of yyyy, yyyy-[m]m or yyyy-[m]m-[d]d, optionally followed by ' ' or 'T' and a
 * time [h]h:[m]m[:[s]s[.fraction]] with an optional zone (Z, ±hh[:mm], UTC/GMT/UT with
 * an offset, or a region such as Europe/Paris); or such a time alone. Blanks around the
 * text are ignored.
 */
const TIMESTAMP =
  /^\s*(?:([+-]?\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T](?:(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d*)?)?(\s*(?:Z|(?:UTC|GMT|UT)?[+-]\d{1,2}(?::?\d{2})?(?::?\d{2})?|UTC|GMT|UT|[A-Za-z]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?))?)?)?)?)?|T?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d*)?)?(\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?))?)\s*$/;

function tryTimestamp(text: string): Inferred {
  const m = TIMESTAMP.exec(text);
  if (m) {
    const ok =
      m[1] !== undefined
        ? validDate(Number(m[1]), m[2] === undefined ? 1 : Number(m[2]), m[3] === undefined ? 1 : Number(m[3])) && validTime(m[4], m[5], m[6])
        : validTime(m[8], m[9], m[10]);
    if (ok) return 'timestamp';
  }
  return tryBoolean(text);
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function validTime(hour: string | undefined, minute: string | undefined, second: string | undefined): boolean {
  if (hour === undefined) return true;
  return Number(hour) < 24 && Number(minute) < 60 && (second === undefined || Number(second) < 60);
}

/** Scala's String.toBoolean: true or false in any case. */
function tryBoolean(text: string): Inferred {
  const lower = text.toLowerCase();
  return lower === 'true' || lower === 'false' ? 'boolean' : 'string';
}

const NUMERIC_RANK: Record<string, number> = { int: 1, bigint: 2, double: 4 };

/** Spark's compatibleType for CSV: numeric widening, date with timestamp is string, else string. */
function widen(a: Inferred, b: Inferred): Inferred {
  if (a === 'null') return b;
  if (b === 'null') return a;
  if (typeof a === 'object' || typeof b === 'object') {
    const other = typeof a === 'object' ? b : a;
    const decimal = (typeof a === 'object' ? a : b) as { decimal: number };
    if (typeof other === 'object') return { decimal: Math.max(decimal.decimal, other.decimal) };
    if (other === 'double') return 'double';
    // int and bigint as decimals: decimal(10,0) and decimal(20,0).
    if (other === 'int' || other === 'bigint') return { decimal: Math.max(decimal.decimal, other === 'int' ? 10 : 20) };
    return 'string';
  }
  if (a === b) return a;
  if (a in NUMERIC_RANK && b in NUMERIC_RANK) return NUMERIC_RANK[a]! > NUMERIC_RANK[b]! ? a : b;
  return 'string';
}

// ---- writer ----------------------------------------------------------------

/**
 * Writes a header line and one line per row, `,`-separated, `\n`-terminated, as the
 * generated script asks Glue to (writeHeader, separator ","). Fields holding the
 * separator, a quote or a line break are quoted with `"`, inner quotes doubled (RFC
 * 4180, which Glue's and this reader read back; Spark's own DataFrame writer would
 * escape them with a backslash instead). An empty string is written as `""` and a null
 * as nothing, as Spark's writer does, so the two stay apart. Values print as Spark's
 * CSV writer prints them: integers plain, doubles and floats as Java's
 * Double/Float.toString (`1.0`, `1.0E10`), decimals as Java's BigDecimal.toString
 * (with their scale: `12.50`), dates yyyy-MM-dd, timestamps yyyy-MM-dd'T'HH:mm:ss.SSSXXX
 * in UTC, booleans true/false. Nested and binary columns have no CSV form (Spark's CSV
 * writer refuses them too). Gzipped when compression is 'gzip'.
 */
export const csvWriter: FormatWriter = {
  extension: (options: WriteOptions) => textExtension('.csv', options.compression),
  write: (batches, options) => encodeText(csvText(batches, options.schema), options.compression),
};

async function* csvText(batches: AsyncIterable<RecordBatch>, schema: Schema): AsyncIterable<string> {
  for (const f of schema) {
    if (isComplex(f.type) || f.type.kind === 'binary') {
      throw new Error(`column "${f.name}" is ${formatGlueType(f.type)}, which CSV cannot hold (Spark's CSV writer refuses it too); write Parquet or JSON, or convert the column to a string first`);
    }
  }
  yield schema.map((f) => csvField(f.name)).join(',') + '\n';
  for await (const batch of batches) {
    const printers = schema.map((f) => csvPrinter(f.type, column(batch, f.name)));
    const lines: string[] = new Array(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) {
      let line = '';
      for (let j = 0; j < printers.length; j++) {
        if (j > 0) line += ',';
        const text = printers[j]!(i);
        if (text !== null) line += text;
      }
      lines[i] = line;
    }
    if (lines.length > 0) yield lines.join('\n') + '\n';
  }
}


const NEEDS_QUOTES = /[",\n\r]/;

function csvField(text: string): string {
  if (text === '') return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Value i of a canonical column as CSV field text, or null for a null. */
function csvPrinter(type: GlueType, data: Data): (i: number) => string | null {
  const print = valuePrinter(type, data);
  const quoted = type.kind === 'string' || type.kind === 'char' || type.kind === 'varchar';
  return (i) => (isValid(data, i) ? (quoted ? csvField(print(i)) : print(i)) : null);
}

/** Prints value i of a canonical primitive column as Spark prints it (the column must be valid at i). */
function valuePrinter(type: GlueType, data: Data): (i: number) => string {
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
      return (i) => javaFloatText(values[i] as number);
    case 'double':
      return (i) => javaDoubleText(values[i] as number);
    case 'decimal':
      return (i) => javaBigDecimalText(decimalAt(data, i), type.scale);
    case 'date':
      return (i) => sparkDateText(values[i] as number);
    case 'timestamp':
      return (i) => sparkTimestampText(values[i] as bigint);
    case 'string':
    case 'char':
    case 'varchar':
      return (i) => stringAt(data, i);
    default:
      throw new Error(`no CSV text for ${formatGlueType(type)}`);
  }
}
