/**
 * The language's functions (expr/typecheck.ts FUNCTIONS) and LIKE / RLIKE, with Spark's
 * semantics on Glue. Every function returns NULL for a NULL argument unless it says
 * otherwise. Strings are UTF-8 and counted in characters (Unicode code points), as
 * Spark's UTF8String.numChars; dates are days and timestamps microseconds since the
 * epoch, in UTC (Glue's session time zone, which the generated script pins), on the
 * proleptic Gregorian calendar (Spark 3+).
 *
 * Regular expressions: Spark uses java.util.regex; here they run as JavaScript RegExp
 * with the 'u' flag. Common syntax (classes, groups, quantifiers, anchors, \d \w \s \b,
 * lookaround, named groups) means the same; Java-only syntax (possessive quantifiers,
 * \p{Alpha}-style POSIX classes, \A \Z) is not translated. Replacement strings use
 * Java's syntax and are translated: `$1` and `${name}` are groups, `\` escapes.
 */
import { Bool, DateDay, Int32, Int64, Utf8 } from 'apache-arrow';
import { toArrowType } from '../catalog/arrow.js';
import { isStringLike, t, type GlueType } from '../catalog/types.js';
import type { ExprNode, FunctionName } from '../expr/expr.js';
import { absolute, overflowError } from './arithmetic.js';
import {
  andValidity,
  boolData,
  bytesAt,
  decimalWordsAt,
  fixedData,
  operandValidity,
  setDecimal,
  stringAt,
  stringData,
  type Value,
} from './columns.js';
import { SparkRuntimeError, type KernelContext } from './context.js';
import { civilFromDays, daysFromCivil, daysInMonth, MICROS_PER_DAY } from './datetime.js';
import { decimalOfDouble, fitsPrecision, pow10Big, rescaleHalfUp } from './decimal.js';

/** What a function kernel may ask of the evaluator. */
export interface FunctionContext {
  readonly rows: number;
  readonly ctx: KernelContext;
  value(node: ExprNode): Value;
  /** Spark's cast (kernels/cast.ts), for implicit casts Spark inserts. */
  coerce(value: Value, to: GlueType): Value;
}

const MICROS_PER_DAY_BIG = BigInt(MICROS_PER_DAY);

// ---------------------------------------------------------------------------
// Row access helpers
// ---------------------------------------------------------------------------

const validAt = (bits: Uint8Array | undefined, i: number) => !bits || ((bits[i >> 3]! >> (i & 7)) & 1) === 1;

/** Rows where every operand is valid (undefined = all), over n rows. */
function allValidRows(values: readonly Value[], n: number): Uint8Array | undefined {
  let bits: Uint8Array | undefined;
  for (const v of values) bits = andValidity(bits, operandValidity(v, n), n);
  return bits;
}

/** Reads row i of a string operand as a JS string (a scalar is decoded once). */
function stringReader(value: Value): (i: number) => string {
  if (value.scalar) {
    const text = value.data.length > 0 && value.data.valueOffsets ? stringAt(value.data, 0) : '';
    return () => text;
  }
  return (i) => stringAt(value.data, i);
}

/**
 * Reads row i of an integral operand for a parameter Spark declares INT (positions,
 * lengths, day counts). A BIGINT argument is implicitly cast to INT, which with ANSI off
 * keeps the low 32 bits (Java's long-to-int); see the report on ANSI mode.
 */
function intReader(value: Value): (i: number) => number {
  const values = value.data.values as unknown as ArrayLike<number | bigint>;
  if (!values) return () => 0;
  const s = value.scalar ? 0 : 1;
  if (value.type.kind === 'bigint') return (i) => Number(BigInt.asIntN(32, values[i * s] as bigint));
  return (i) => values[i * s] as number;
}

/** A result computed row by row; `null` from `fn` makes the row NULL. */
function stringResult(n: number, scalar: boolean, valid: Uint8Array | undefined, fn: (i: number) => string | null): Value {
  const out: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = validAt(valid, i) ? fn(i) : null;
  return { data: stringData(new Utf8(), out), type: t.string(), scalar };
}

/**
 * `out[i] = fn(i)` for every row valid in `valid`; a null from `fn` makes the row NULL.
 * Returns the result's validity (undefined when every row is valid).
 */
function fillValues<T>(out: { [i: number]: T }, n: number, valid: Uint8Array | undefined, fn: (i: number) => T | null): Uint8Array | undefined {
  let bits = valid ? Uint8Array.from(valid) : undefined;
  for (let i = 0; i < n; i++) {
    if (!validAt(valid, i)) continue;
    const v = fn(i);
    if (v === null) {
      bits ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      bits[i >> 3]! &= ~(1 << (i & 7));
    } else out[i] = v;
  }
  return bits;
}

function numberResult(type: GlueType, n: number, scalar: boolean, valid: Uint8Array | undefined, fn: (i: number) => number | null): Value {
  const out = type.kind === 'date' || type.kind === 'int' ? new Int32Array(n) : new Float64Array(n);
  const bits = fillValues(out, n, valid, fn);
  const arrow = type.kind === 'date' ? new DateDay() : type.kind === 'int' ? new Int32() : toArrowType(type);
  return { data: fixedData(arrow, out, n, bits), type, scalar };
}

function bigintResult(type: GlueType, n: number, scalar: boolean, valid: Uint8Array | undefined, fn: (i: number) => bigint | null): Value {
  const out = new BigInt64Array(n);
  const bits = fillValues(out, n, valid, fn);
  return { data: fixedData(type.kind === 'bigint' ? new Int64() : toArrowType(type), out, n, bits), type, scalar };
}

function boolResult(n: number, scalar: boolean, valid: Uint8Array | undefined, fn: (i: number) => boolean): Value {
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (validAt(valid, i) && fn(i)) bits[i >> 3]! |= 1 << (i & 7);
  return { data: boolData(new Bool(), bits, n, valid ? Uint8Array.from(valid) : undefined), type: t.boolean(), scalar };
}

/** Code points of a string (Spark counts and slices strings in code points). */
const codePoints = (s: string): string[] => Array.from(s);

// ---------------------------------------------------------------------------
// LIKE and RLIKE
// ---------------------------------------------------------------------------

/**
 * `str LIKE pattern` (whole-string match; `%` any run of characters, newlines included,
 * `_` one character, `\` escapes `%`, `_` or `\` and nothing else, as Spark's
 * StringUtils.escapeLikeRegex) or `str RLIKE regex` (a match anywhere, as Java's
 * Matcher.find()). NULL in, NULL out.
 */
export function likeMatch(value: Value, pattern: string, regex: boolean, rows: number): Value {
  const n = value.scalar ? 1 : rows;
  const valid = operandValidity(value, n);
  const read = stringReader(value);
  if (regex) {
    const re = new RegExp(pattern, 'u');
    return boolResult(n, value.scalar, valid, (i) => re.test(read(i)));
  }
  const parts = likeParts(pattern);
  // Fast paths on bytes for patterns without `_`: exact, prefix%, %suffix, %infix%.
  if (!parts.some((p) => p === '_')) {
    const literals = parts.filter((p) => p !== '%');
    const wild = parts.map((p) => (p === '%' ? '%' : 'x')).join('').replace(/x+/g, 'x').replace(/%+/g, '%');
    if (literals.length <= 1 && ['', 'x', 'x%', '%x', '%x%', '%'].includes(wild)) {
      const needle = new TextEncoder().encode(literals.join(''));
      const test = bytePredicate(wild, needle);
      return boolResult(n, value.scalar, valid, (i) => test(value.scalar ? bytesAt(value.data, 0) : bytesAt(value.data, i)));
    }
  }
  const source = parts.map((p) => (p === '%' ? '.*' : p === '_' ? '.' : escapeRegExp(p))).join('');
  const re = new RegExp(`^(?:${source})$`, 'su');
  return boolResult(n, value.scalar, valid, (i) => re.test(read(i)));
}

/** Splits a LIKE pattern into literal runs and the wildcards `%` and `_`. */
function likeParts(pattern: string): string[] {
  const parts: string[] = [];
  let literal = '';
  const chars = codePoints(pattern);
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k]!;
    if (c === '\\') {
      const next = chars[k + 1];
      if (next === undefined) throw new Error(`the LIKE pattern '${pattern}' is invalid: it is not allowed to end with the escape character`);
      if (next !== '%' && next !== '_' && next !== '\\') throw new Error(`the LIKE pattern '${pattern}' is invalid: the escape character is not allowed to precede '${next}'`);
      literal += next;
      k++;
    } else if (c === '%' || c === '_') {
      if (literal) parts.push(literal);
      literal = '';
      parts.push(c);
    } else literal += c;
  }
  if (literal) parts.push(literal);
  return parts;
}

function bytePredicate(shape: string, needle: Uint8Array): (bytes: Uint8Array) => boolean {
  const starts = (b: Uint8Array) => b.length >= needle.length && needle.every((x, k) => b[k] === x);
  const ends = (b: Uint8Array) => b.length >= needle.length && needle.every((x, k) => b[b.length - needle.length + k] === x);
  switch (shape) {
    case '':
      return (b) => b.length === 0;
    case 'x':
      return (b) => b.length === needle.length && starts(b);
    case 'x%':
      return starts;
    case '%x':
      return ends;
    case '%':
      return () => true;
    default:
      return (b) => indexOfBytes(b, needle) >= 0;
  }
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let k = 1; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Escapes regex syntax characters (only those: the 'u' flag rejects escaping anything else, such as '-'). */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

// ---------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, UTC)
// ---------------------------------------------------------------------------

const civil = new Int32Array(3);

/** [year, month 1-12, day] of a day count since 1970-01-01 (a shared array: read it at once). */
function ymd(days: number): Int32Array {
  civilFromDays(days, civil);
  return civil;
}

function isValidCivil(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Days and microseconds within the day of a timestamp (floor division, so times before 1970 work). */
function splitMicros(micros: bigint): { days: number; micros: number } {
  const m = Number(micros);
  if (Number.isSafeInteger(m)) {
    const days = Math.floor(m / MICROS_PER_DAY);
    return { days, micros: m - days * MICROS_PER_DAY };
  }
  let days = micros / MICROS_PER_DAY_BIG;
  if (micros % MICROS_PER_DAY_BIG < 0n) days -= 1n;
  return { days: Number(days), micros: Number(micros - days * MICROS_PER_DAY_BIG) };
}

// ---------------------------------------------------------------------------
// Datetime patterns (Spark's, a subset)
// ---------------------------------------------------------------------------

/**
 * One piece of a Spark datetime pattern: a field (letter and how many times it repeats)
 * or literal text. Supported letters: y (year), M (month, numeric), d (day of month),
 * H (hour 0-23), m (minute), s (second), S (fraction of second). Text in single quotes
 * and any non-letter is literal; '' is a quote. Other letters (E, a, h, z, X, MMM...)
 * are refused: their meaning depends on locale or zone, and guessing would be wrong.
 */
type PatternPart = { readonly field: 'y' | 'M' | 'd' | 'H' | 'm' | 's' | 'S'; readonly width: number } | { readonly text: string };

const patternCache = new Map<string, PatternPart[]>();

export function parsePattern(pattern: string): PatternPart[] {
  const cached = patternCache.get(pattern);
  if (cached) return cached;
  const parts: PatternPart[] = [];
  let k = 0;
  while (k < pattern.length) {
    const c = pattern[k]!;
    if (c === "'") {
      const close = pattern.indexOf("'", k + 1);
      if (close === k + 1) {
        parts.push({ text: "'" });
        k += 2;
        continue;
      }
      if (close < 0) throw new Error(`unsupported datetime pattern "${pattern}": unclosed quote`);
      parts.push({ text: pattern.slice(k + 1, close).replace(/''/g, "'") });
      k = close + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let width = 1;
      while (pattern[k + width] === c) width++;
      const supported = 'yMdHmsS'.includes(c) && !(c === 'M' && width > 2) && !(c !== 'y' && c !== 'S' && width > 2) && !(c === 'S' && width > 9);
      if (!supported) {
        throw new Error(
          `unsupported datetime pattern letter${width > 1 ? 's' : ''} "${c.repeat(width)}" in "${pattern}": gluekit supports y, M, MM, d, dd, H, HH, m, mm, s, ss, S..SSSSSSSSS and quoted text`,
        );
      }
      parts.push({ field: c as 'y', width });
      k += width;
      continue;
    }
    parts.push({ text: c });
    k++;
  }
  patternCache.set(pattern, parts);
  return parts;
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
}

/**
 * Parses `text` with a pattern. Strict (Spark 3+'s java.time parser): `MM`, `dd`, `HH`,
 * `mm`, `ss` take exactly two digits, `M`, `d`, `H`, `m`, `s` one or two, `yyyy` four
 * (`yy` two, meaning 2000-2099), `S`×n one to n fraction digits, and the whole text must
 * be used. Lenient (what Spark 2's SimpleDateFormat accepted): any number of digits per
 * field and trailing text ignored. Missing fields default to 1970-01-01 00:00:00.
 * Returns microseconds since the epoch, or undefined when the text does not fit or is
 * not a real date or time.
 */
function parseWithPattern(text: string, parts: readonly PatternPart[], lenient: boolean): bigint | undefined {
  const f: Fields = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, micros: 0 };
  let at = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    if ('text' in part) {
      if (!text.startsWith(part.text, at)) return undefined;
      at += part.text.length;
      continue;
    }
    // A field directly followed by another field (yyyyMMdd) takes exactly its width.
    const adjacent = p + 1 < parts.length && 'field' in parts[p + 1]!;
    const [min, max] = lenient
      ? [1, adjacent ? part.width : part.field === 'S' ? 9 : 10]
      : part.field === 'S'
        ? [adjacent ? part.width : 1, part.width]
        : part.field === 'y'
          ? part.width === 2 ? [2, 2] : [part.width, adjacent ? part.width : 10]
          : part.width === 2 ? [2, 2] : [1, adjacent ? 1 : 2];
    let end = at;
    while (end < text.length && end - at < max && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    if (end - at < min) return undefined;
    const digits = text.slice(at, end);
    const value = Number(digits);
    at = end;
    switch (part.field) {
      case 'y':
        f.year = part.width === 2 && digits.length === 2 ? 2000 + value : value;
        break;
      case 'M':
        f.month = value;
        break;
      case 'd':
        f.day = value;
        break;
      case 'H':
        f.hour = value;
        break;
      case 'm':
        f.minute = value;
        break;
      case 's':
        f.second = value;
        break;
      case 'S':
        f.micros = Number(digits.padEnd(9, '0').slice(0, 6));
        break;
    }
  }
  if (!lenient && at !== text.length) return undefined;
  if (!isValidCivil(f.year, f.month, f.day) || f.hour > 23 || f.minute > 59 || f.second > 59) return undefined;
  return BigInt(daysFromCivil(f.year, f.month, f.day)) * MICROS_PER_DAY_BIG + BigInt(((f.hour * 60 + f.minute) * 60 + f.second) * 1_000_000 + f.micros);
}

/**
 * to_date / to_timestamp with a pattern. A text that does not parse is NULL (ANSI off)
 * or raises CANNOT_PARSE_TIMESTAMP (ANSI on, Spark 4). Glue 4.0/5.0 run Spark 3, whose
 * spark.sql.legacy.timeParserPolicy defaults to EXCEPTION: a text the strict parser
 * rejects but Spark 2's lenient parser would have read (`2024-1-5` for `yyyy-MM-dd`,
 * trailing text) fails the job with INCONSISTENT_BEHAVIOR_CROSS_VERSION. Spark 4 made
 * CORRECTED the default (its migration guide), so there such text is simply unparsable.
 * KernelContext has only `ansi`, which on Glue goes with the Spark version (see
 * context.ts): ANSI off is taken to mean Spark 3.
 */
function parseTimestampText(text: string, pattern: string, ctx: KernelContext): bigint | null {
  const parts = parsePattern(pattern);
  const strict = parseWithPattern(text, parts, false);
  if (strict !== undefined) return strict;
  if (!ctx.ansi) {
    if (parseWithPattern(text, parts, true) !== undefined) {
      throw new SparkRuntimeError(
        'INCONSISTENT_BEHAVIOR_CROSS_VERSION.PARSE_DATETIME_BY_NEW_PARSER',
        `You may get a different result due to the upgrading to Spark >= 3.0: Fail to parse '${text}' in the new parser. You can set "spark.sql.legacy.timeParserPolicy" to "LEGACY" to restore the behavior before Spark 3.0, or set to "CORRECTED" and treat it as an invalid datetime string.`,
      );
    }
    return null;
  }
  throw new SparkRuntimeError(
    'CANNOT_PARSE_TIMESTAMP',
    `Text '${text}' could not be parsed with pattern '${pattern}'. If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.`,
  );
}

/** Formats microseconds since the epoch (UTC) with a pattern (date_format). */
function formatWithPattern(micros: bigint, parts: readonly PatternPart[]): string {
  const { days, micros: inDay } = splitMicros(micros);
  const [year, month, day] = ymd(days) as unknown as [number, number, number];
  const seconds = Math.floor(inDay / 1_000_000);
  const fraction = inDay - seconds * 1_000_000;
  const pad = (v: number, w: number) => String(v).padStart(w, '0');
  let out = '';
  for (const part of parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    switch (part.field) {
      case 'y':
        // Years before 1 AD print as year-of-era in Spark; gluekit's data does not go there.
        out += part.width === 2 ? pad(((year % 100) + 100) % 100, 2) : pad(year, part.width);
        break;
      case 'M':
        out += pad(month, part.width);
        break;
      case 'd':
        out += pad(day, part.width);
        break;
      case 'H':
        out += pad(Math.floor(seconds / 3600), part.width);
        break;
      case 'm':
        out += pad(Math.floor(seconds / 60) % 60, part.width);
        break;
      case 's':
        out += pad(seconds % 60, part.width);
        break;
      case 'S':
        out += pad(fraction, 6).padEnd(9, '0').slice(0, part.width);
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Java regex replacement strings
// ---------------------------------------------------------------------------

type ReplacementPart = string | { readonly group: number | string };

/**
 * Parses a java.util.regex replacement (Matcher.appendReplacement): `\x` is x, `$n` a
 * numbered group (more digits are taken while the number stays a valid group), `${name}`
 * a named group; a bad reference is an error, as in Java.
 */
function parseReplacement(replacement: string, groupCount: number): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  for (let k = 0; k < replacement.length; k++) {
    const c = replacement[k]!;
    if (c === '\\') {
      k++;
      if (k >= replacement.length) throw new Error(`regexp_replace: character to be escaped is missing in replacement "${replacement}"`);
      literal += replacement[k];
    } else if (c === '$') {
      k++;
      if (k >= replacement.length) throw new Error(`regexp_replace: illegal group reference: group index is missing in "${replacement}"`);
      if (replacement[k] === '{') {
        const close = replacement.indexOf('}', k);
        if (close < 0) throw new Error(`regexp_replace: named capturing group is missing trailing '}' in "${replacement}"`);
        if (literal) parts.push(literal);
        literal = '';
        parts.push({ group: replacement.slice(k + 1, close) });
        k = close;
      } else {
        let group = replacement.charCodeAt(k) - 48;
        if (group < 0 || group > 9) throw new Error(`regexp_replace: illegal group reference in "${replacement}"`);
        if (group > groupCount) throw new Error(`regexp_replace: no group ${group} in the pattern`);
        while (k + 1 < replacement.length) {
          const next = replacement.charCodeAt(k + 1) - 48;
          if (next < 0 || next > 9 || group * 10 + next > groupCount) break;
          group = group * 10 + next;
          k++;
        }
        if (literal) parts.push(literal);
        literal = '';
        parts.push({ group });
      }
    } else literal += c;
  }
  if (literal) parts.push(literal);
  return parts;
}

function groupCount(pattern: string): number {
  return new RegExp(`${pattern}|`, 'u').exec('')!.length - 1;
}

// ---------------------------------------------------------------------------
// Rounding of doubles (Spark's round: BigDecimal(d).setScale(places, HALF_UP))
// ---------------------------------------------------------------------------

/**
 * Rounds a double HALF_UP at `places` decimal places the way Spark does: through
 * Scala's BigDecimal(d), which takes the double's shortest decimal text (Java's
 * Double.toString; JavaScript's shortest round-trip text has the same digits), so
 * round(2.675, 2) is 2.68 although the double 2.675 is slightly below 2.675.
 */
export function roundDoubleHalfUp(value: number, places: number): number {
  if (!Number.isFinite(value)) return value;
  const [unscaled, scale] = decimalOfDouble(value);
  // A BigDecimal zero has no sign, so -0.4 and -0.0 round to 0.0, not -0.0.
  return Number(`${rescaleHalfUp(unscaled, scale, places)}e${-places}`);
}

// ---------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------

export function callFunction(name: FunctionName, argNodes: readonly ExprNode[], type: GlueType, fc: FunctionContext): Value {
  const args = argNodes.map((a) => fc.value(a));
  const scalar = args.every((a) => a.scalar);
  const n = scalar ? 1 : fc.rows;
  const text = (k: number) => String((argNodes[k] as { value: unknown }).value);

  // An untyped NULL argument makes every function here NULL (Spark's null propagation).
  if (args.some((a) => a.type.kind === 'null') && name !== 'concat') return nullOf(type);

  switch (name) {
    case 'upper':
    case 'lower': {
      // Unicode case mapping without locale (Spark uses Java's String.toUpperCase /
      // toLowerCase outside ASCII; ß upper-cases to SS in both).
      const read = stringReader(args[0]!);
      const up = name === 'upper';
      return stringResult(n, scalar, allValidRows(args, n), (i) => (up ? read(i).toUpperCase() : read(i).toLowerCase()));
    }
    case 'trim':
    case 'ltrim':
    case 'rtrim': {
      // Spark's one-argument trims remove the space character (U+0020) only, not tabs or newlines.
      const read = stringReader(args[0]!);
      const re = name === 'trim' ? /^ +| +$/g : name === 'ltrim' ? /^ +/ : / +$/;
      return stringResult(n, scalar, allValidRows(args, n), (i) => read(i).replace(re, ''));
    }
    case 'length': {
      // Characters (code points): count the bytes that start a UTF-8 sequence.
      const data = args[0]!.data;
      return numberResult(t.int(), n, scalar, allValidRows(args, n), (i) => {
        const bytes = bytesAt(data, i);
        let count = 0;
        for (let k = 0; k < bytes.length; k++) if ((bytes[k]! & 0xc0) !== 0x80) count++;
        return count;
      });
    }
    case 'substring': {
      const read = stringReader(args[0]!);
      const pos = intReader(args[1]!);
      const len = args[2] ? intReader(args[2]) : () => 2147483647;
      return stringResult(n, scalar, allValidRows(args, n), (i) => substringSql(read(i), pos(i), len(i)));
    }
    case 'concat': {
      // NULL if any argument is NULL (Spark's concat; concat_ws would skip NULLs).
      if (args.some((a) => a.type.kind === 'null')) return nullOf(type);
      const readers = args.map(stringReader);
      return stringResult(n, scalar, allValidRows(args, n), (i) => readers.map((r) => r(i)).join(''));
    }
    case 'replace': {
      // Every non-overlapping occurrence, left to right; an empty search string changes nothing.
      const read = stringReader(args[0]!);
      const search = stringReader(args[1]!);
      const replacement = args[2] ? stringReader(args[2]) : () => '';
      return stringResult(n, scalar, allValidRows(args, n), (i) => {
        const what = search(i);
        return what === '' ? read(i) : read(i).split(what).join(replacement(i));
      });
    }
    case 'regexp_replace': {
      const pattern = text(1);
      const re = new RegExp(pattern, 'gu');
      const groups = groupCount(pattern);
      const read = stringReader(args[0]!);
      const replacement = stringReader(args[2]!);
      const cache = new Map<string, ReplacementPart[]>();
      return stringResult(n, scalar, allValidRows(args, n), (i) => {
        const rep = replacement(i);
        let parts = cache.get(rep);
        if (!parts) cache.set(rep, (parts = parseReplacement(rep, groups)));
        const template = parts;
        return read(i).replace(re, (...m: unknown[]) => {
          const named = (typeof m[m.length - 1] === 'object' ? m[m.length - 1] : undefined) as Record<string, string | undefined> | undefined;
          return template
            .map((p) => (typeof p === 'string' ? p : typeof p.group === 'number' ? ((m[p.group] as string | undefined) ?? '') : (named?.[p.group] ?? missingGroup(p.group))))
            .join('');
        });
      });
    }
    case 'regexp_extract': {
      // The idx-th group of the first match anywhere; '' when nothing matches or the
      // group took no part in the match; an index beyond the pattern's groups is an error.
      const pattern = text(1);
      const re = new RegExp(pattern, 'u');
      const groups = groupCount(pattern);
      const read = stringReader(args[0]!);
      const index = args[2] ? intReader(args[2]) : () => 1;
      return stringResult(n, scalar, allValidRows(args, n), (i) => {
        const idx = index(i);
        if (idx < 0 || idx > groups) {
          throw new SparkRuntimeError(
            'INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX',
            `The value of parameter \`idx\` in \`regexp_extract\` is invalid: Expects group index between 0 and ${groups}, but got ${idx}.`,
          );
        }
        const m = re.exec(read(i));
        return m ? (m[idx] ?? '') : '';
      });
    }
    case 'startswith':
    case 'endswith':
    case 'contains': {
      const read = stringReader(args[0]!);
      const other = stringReader(args[1]!);
      const test = name === 'startswith' ? (a: string, b: string) => a.startsWith(b) : name === 'endswith' ? (a: string, b: string) => a.endsWith(b) : (a: string, b: string) => a.includes(b);
      return boolResult(n, scalar, allValidRows(args, n), (i) => test(read(i), other(i)));
    }
    case 'lpad':
    case 'rpad': {
      const read = stringReader(args[0]!);
      const len = intReader(args[1]!);
      const pad = args[2] ? stringReader(args[2]) : () => ' ';
      return stringResult(n, scalar, allValidRows(args, n), (i) => padSql(read(i), len(i), pad(i), name === 'lpad'));
    }
    case 'year':
    case 'month':
    case 'dayofmonth': {
      const days = asDays(args[0]!, fc);
      return numberResult(t.int(), n, scalar, allValidRows(args, n), (i) => ymd(days(i))[name === 'year' ? 0 : name === 'month' ? 1 : 2]!);
    }
    case 'hour':
    case 'minute': {
      const micros = asMicros(args[0]!, fc);
      return numberResult(t.int(), n, scalar, allValidRows(args, n), (i) => {
        const seconds = Math.floor(splitMicros(micros(i)).micros / 1_000_000);
        return name === 'hour' ? Math.floor(seconds / 3600) : Math.floor(seconds / 60) % 60;
      });
    }
    case 'to_date':
    case 'to_timestamp': {
      const target = name === 'to_date' ? t.date() : t.timestamp();
      const input = args[0]!;
      // Without a pattern, or for a date/timestamp input, this is Spark's cast.
      if (args.length === 1 || !isStringLike(input.type)) return fc.coerce(input, target);
      const pattern = text(1);
      parsePattern(pattern); // refuse unsupported letters even when every row is NULL
      const read = stringReader(input);
      const valid = allValidRows([input], n);
      if (name === 'to_timestamp') return bigintResult(target, n, scalar, valid, (i) => parseTimestampText(read(i), pattern, fc.ctx));
      return numberResult(target, n, scalar, valid, (i) => {
        const micros = parseTimestampText(read(i), pattern, fc.ctx);
        return micros === null ? null : splitMicros(micros).days;
      });
    }
    case 'date_format': {
      const parts = parsePattern(text(1));
      const micros = asMicros(args[0]!, fc);
      return stringResult(n, scalar, allValidRows([args[0]!], n), (i) => formatWithPattern(micros(i), parts));
    }
    case 'date_add':
    case 'date_sub': {
      const days = asDays(args[0]!, fc);
      const delta = intReader(args[1]!);
      const sign = name === 'date_add' ? 1 : -1;
      return numberResult(t.date(), n, scalar, allValidRows(args, n), (i) => {
        const result = days(i) + sign * delta(i);
        if (result !== (result | 0) && fc.ctx.ansi) throw overflowError('int', `${name}`);
        return result | 0;
      });
    }
    case 'datediff': {
      const end = asDays(args[0]!, fc);
      const start = asDays(args[1]!, fc);
      return numberResult(t.int(), n, scalar, allValidRows(args, n), (i) => end(i) - start(i));
    }
    case 'date_trunc': {
      const unit = text(0).toLowerCase();
      const micros = asMicros(args[1]!, fc);
      return bigintResult(t.timestamp(), n, scalar, allValidRows([args[1]!], n), (i) => truncateMicros(micros(i), unit));
    }
    case 'abs':
      return absolute(args[0]!, fc.rows, fc.ctx);
    case 'round':
      return roundValue(args[0]!, args[1] ? Number(text(1)) : 0, type, fc);
    case 'floor':
    case 'ceil':
      return floorCeil(args[0]!, name, type, n, scalar);
  }
}

function missingGroup(name: string): never {
  throw new Error(`regexp_replace: no group with name {${name}}`);
}

function nullOf(type: GlueType): Value {
  const n = 1;
  if (type.kind === 'string') return stringResult(n, true, new Uint8Array(1), () => null);
  if (type.kind === 'boolean') return boolResult(n, true, new Uint8Array(1), () => false);
  if (type.kind === 'timestamp' || type.kind === 'bigint') return bigintResult(type, n, true, new Uint8Array(1), () => null);
  if (type.kind === 'decimal') return { data: fixedData(toArrowType(type), new Uint32Array(4), 1, new Uint8Array(1)), type, scalar: true };
  if (type.kind === 'float') return { data: fixedData(toArrowType(type), new Float32Array(1), 1, new Uint8Array(1)), type, scalar: true };
  return numberResult(type, n, true, new Uint8Array(1), () => null);
}

/**
 * Spark's substring (UTF8String.substringSQL), in characters: pos > 0 counts from 1,
 * pos < 0 from the end, pos 0 means the start; the slice is [start, start + len) clamped
 * to the string, so substring('abc', -5, 3) is 'a' and a len < 1 gives ''.
 */
export function substringSql(text: string, pos: number, len: number): string {
  const chars = codePoints(text);
  const count = chars.length;
  let start = pos > 0 ? pos - 1 : pos < 0 ? count + pos : 0;
  const end = Math.min(start + len, 2147483647);
  start = Math.max(start, 0);
  if (start >= end) return '';
  return chars.slice(start, Math.min(end, count)).join('');
}

/**
 * Spark's lpad/rpad (UTF8String.lpad/rpad): a string already at least `len` characters
 * long, or an empty pad, is cut to its first `len` characters (none when len <= 0);
 * otherwise the pad repeats (its last repetition cut short) on the left or right.
 */
export function padSql(text: string, len: number, pad: string, left: boolean): string {
  const chars = codePoints(text);
  const padChars = codePoints(pad);
  const missing = len - chars.length;
  if (missing <= 0 || padChars.length === 0) return chars.slice(0, Math.max(len, 0)).join('');
  const filler: string[] = [];
  for (let k = 0; k < missing; k++) filler.push(padChars[k % padChars.length]!);
  return left ? filler.join('') + text : text + filler.join('');
}

/** Row reader of a date argument as days: dates as they are, timestamps (and date strings) cast to date. */
function asDays(value: Value, fc: FunctionContext): (i: number) => number {
  const v = value.type.kind === 'date' ? value : fc.coerce(value, t.date());
  const values = v.data.values as Int32Array;
  const s = v.scalar ? 0 : 1;
  return (i) => values[i * s]!;
}

/** Row reader of a timestamp argument as microseconds: dates at midnight UTC, strings cast. */
function asMicros(value: Value, fc: FunctionContext): (i: number) => bigint {
  const s = value.scalar ? 0 : 1;
  if (value.type.kind === 'date') {
    const values = value.data.values as Int32Array;
    return (i) => BigInt(values[i * s]!) * MICROS_PER_DAY_BIG;
  }
  const v = value.type.kind === 'timestamp' ? value : fc.coerce(value, t.timestamp());
  const values = v.data.values as BigInt64Array;
  const sv = v.scalar ? 0 : 1;
  return (i) => values[i * sv]!;
}

/** date_trunc: the start of the unit containing the instant, in UTC; weeks start on Monday. */
function truncateMicros(micros: bigint, unit: string): bigint {
  const { days, micros: inDay } = splitMicros(micros);
  const at = (d: number, m: number) => BigInt(d) * MICROS_PER_DAY_BIG + BigInt(m);
  switch (unit) {
    case 'second':
      return at(days, inDay - (inDay % 1_000_000));
    case 'minute':
      return at(days, inDay - (inDay % 60_000_000));
    case 'hour':
      return at(days, inDay - (inDay % 3_600_000_000));
    case 'day':
    case 'dd':
      return at(days, 0);
    case 'week':
      // 1970-01-01 was a Thursday, so Mondays are the days where (days + 3) % 7 == 0.
      return at(days - (((days + 3) % 7) + 7) % 7, 0);
    default: {
      const [year, month] = ymd(days) as unknown as [number, number];
      if (unit === 'month' || unit === 'mm' || unit === 'mon') return at(daysFromCivil(year, month, 1), 0);
      if (unit === 'quarter') return at(daysFromCivil(year, month - ((month - 1) % 3), 1), 0);
      return at(daysFromCivil(year, 1, 1), 0); // year, yyyy, yy
    }
  }
}

/**
 * round(x, d), HALF_UP. Decimals: rounded to min(d, scale) places into the type the type
 * checker gives (d < 0 rounds to tens, hundreds...); doubles and floats: see
 * roundDoubleHalfUp (a float goes through its double value, as Spark's f.toDouble);
 * integers: unchanged for d >= 0, else rounded to 10^-d, wrapping on overflow (ANSI off)
 * or raising ARITHMETIC_OVERFLOW (ANSI on).
 */
function roundValue(value: Value, places: number, type: GlueType, fc: FunctionContext): Value {
  const n = value.scalar ? 1 : fc.rows;
  const valid = operandValidity(value, n);
  const bits = valid ? Uint8Array.from(valid) : undefined;
  switch (value.type.kind) {
    case 'decimal': {
      const words = value.data.values as Uint32Array;
      const from = value.type.scale;
      const to = (type as { scale: number }).scale;
      const out = new Uint32Array(n * 4);
      for (let i = 0; i < n; i++) {
        if (!validAt(valid, i)) continue;
        const v = decimalWordsAt(words, i);
        const rounded = places >= from ? v : rescaleHalfUp(v, from, places);
        setDecimal(out, i, places >= from ? rescaleHalfUp(v, from, to) : rescaleHalfUp(rounded, places, to));
      }
      return { data: fixedData(toArrowType(type), out, n, bits), type, scalar: value.scalar };
    }
    case 'float':
    case 'double': {
      const x = value.data.values as Float32Array | Float64Array;
      const out = value.type.kind === 'float' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = validAt(valid, i) ? roundDoubleHalfUp(x[i]!, places) : 0;
      return { data: fixedData(toArrowType(type), out, n, bits), type, scalar: value.scalar };
    }
    default: {
      if (places >= 0) return value;
      const x = value.data.values as unknown as ArrayLike<number | bigint>;
      const bitsWide = type.kind === 'bigint' ? 64 : type.kind === 'int' ? 32 : type.kind === 'smallint' ? 16 : 8;
      const out = type.kind === 'bigint' ? new BigInt64Array(n) : type.kind === 'int' ? new Int32Array(n) : type.kind === 'smallint' ? new Int16Array(n) : new Int8Array(n);
      for (let i = 0; i < n; i++) {
        if (!validAt(valid, i)) continue;
        const exact = rescaleHalfUp(rescaleHalfUp(BigInt(x[i]!), 0, places), places, 0);
        const wrapped = BigInt.asIntN(bitsWide, exact);
        if (wrapped !== exact && fc.ctx.ansi) throw overflowError(type.kind, `round(${x[i]}, ${places})`);
        (out as unknown as { [k: number]: number | bigint })[i] = type.kind === 'bigint' ? wrapped : Number(wrapped);
      }
      return { data: fixedData(toArrowType(type), out, n, bits), type, scalar: value.scalar };
    }
  }
}

/**
 * floor / ceil: doubles and floats become BIGINT through Java's double-to-long
 * conversion (NaN is 0, out-of-range values saturate); integers widen to BIGINT;
 * decimal(p,s) becomes decimal(p-s+1, 0).
 */
function floorCeil(value: Value, name: 'floor' | 'ceil', type: GlueType, n: number, scalar: boolean): Value {
  const valid = operandValidity(value, n);
  const step = value.scalar ? 0 : 1;
  if (value.type.kind === 'decimal') {
    const words = value.data.values as Uint32Array;
    const scale = value.type.scale;
    const out = new Uint32Array(n * 4);
    const divisor = pow10Big(scale);
    for (let i = 0; i < n; i++) {
      const v = decimalWordsAt(words, i * step);
      let q = v / divisor;
      const r = v % divisor;
      if (name === 'floor' && r < 0n) q -= 1n;
      if (name === 'ceil' && r > 0n) q += 1n;
      if (!fitsPrecision(q, (type as { precision: number }).precision)) throw new Error('floor/ceil result exceeds its precision');
      setDecimal(out, i, q);
    }
    return { data: fixedData(toArrowType(type), out, n, valid ? Uint8Array.from(valid) : undefined), type, scalar };
  }
  const x = value.data.values as unknown as ArrayLike<number | bigint>;
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i * step]!;
    if (typeof v === 'bigint') out[i] = v;
    else out[i] = doubleToLong(name === 'floor' ? Math.floor(v) : Math.ceil(v));
  }
  return { data: fixedData(new Int64(), out, n, valid ? Uint8Array.from(valid) : undefined), type: t.bigint(), scalar };
}

/** Java's (long) cast of a double: NaN is 0, beyond the range saturates. */
function doubleToLong(value: number): bigint {
  if (value !== value) return 0n;
  if (value >= 9223372036854775807) return 9223372036854775807n;
  if (value <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(value);
}

