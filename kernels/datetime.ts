/**
 * Dates and timestamps as Spark parses and prints them in casts.
 *
 * Dates are days since 1970-01-01 and timestamps microseconds since 1970-01-01T00:00Z,
 * both in the proleptic Gregorian calendar (Spark 3.0+). The session time zone is UTC
 * (the generated Glue script pins spark.sql.session.timeZone), so zone-less text is UTC
 * and printing is in UTC; text may still name its own zone, which is honoured.
 */

export const SECONDS_PER_DAY = 86_400;
export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

/** Long.MIN_VALUE and Long.MAX_VALUE: a timestamp's microseconds must fit. */
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Whole seconds whose microseconds are exact as a double (|seconds × 10^6 + fraction| < 2^53). */
const SAFE_SECONDS = 9_000_000_000;

// ---------------------------------------------------------------------------
// Civil calendar
// ---------------------------------------------------------------------------

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date, for any year: counts whole
 * 400-year eras (146097 days each) from 0000-03-01, with years starting in March so the
 * leap day falls at the end.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The proleptic Gregorian date of a day count, written into `out` as [year, month, day]. */
export function civilFromDays(days: number, out: Int32Array | number[]): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  out[0] = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  out[1] = month;
  out[2] = day;
}

// ---------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------

const civil = new Int32Array(3);

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * A year as java.time prints it with the pattern Spark uses (yyyy becomes uuuu, "4 digits,
 * exceeds pad"): zero-padded to 4 digits, a leading '+' beyond 9999, a '-' before 0
 * ("-0001" is 2 BCE's astronomical year... i.e. proleptic year -1).
 */
function formatYear(year: number): string {
  if (year < 0) return `-${String(-year).padStart(4, '0')}`;
  if (year > 9999) return `+${year}`;
  return String(year).padStart(4, '0');
}

/** A date as Spark's cast to string prints it: yyyy-MM-dd (DateFormatter's default pattern). */
export function formatDate(days: number): string {
  civilFromDays(days, civil);
  return `${formatYear(civil[0]!)}-${pad2(civil[1]!)}-${pad2(civil[2]!)}`;
}

/**
 * A timestamp as Spark's cast to string prints it (TimestampFormatter's fraction
 * formatter in the session zone, UTC): "yyyy-MM-dd HH:mm:ss" then, only when the second
 * has a fraction, a point and the fraction without trailing zeros (".5", ".123456").
 * Instants before 1970 count their fraction forward from the start of the second.
 */
export function formatTimestamp(micros: number | bigint): string {
  let seconds: number;
  let fraction: number;
  if (typeof micros === 'number') {
    seconds = Math.floor(micros / MICROS_PER_SECOND);
    fraction = micros - seconds * MICROS_PER_SECOND;
  } else {
    let s = micros / 1_000_000n;
    if (s * 1_000_000n > micros) s -= 1n;
    seconds = Number(s);
    fraction = Number(micros - s * 1_000_000n);
  }
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const secondOfDay = seconds - days * SECONDS_PER_DAY;
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  let text = `${formatDate(days)} ${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
  if (fraction !== 0) text += `.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
  return text;
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/**
 * Spark trims text before parsing dates and timestamps with UTF8String.trimAll semantics:
 * bytes that are Java whitespace or ISO control characters, i.e. 0x00-0x20 and 0x7F.
 * (Bytes of multi-byte UTF-8 characters are negative in Java and never trimmed.)
 */
export function isTrimmedByte(b: number): boolean {
  return b <= 0x20 || b === 0x7f;
}

/**
 * Spark's DateTimeUtils.stringToDate: after trimming, an optional sign, a year of 4 to 7
 * digits, then optionally `-[m]m` and `-[d]d`; after a complete year-month-day, a space or
 * 'T' ends the date and anything may follow ("2024-01-31T25:99" is 2024-01-31); `yyyy` and
 * `yyyy-[m]m` must be the whole text. Missing month or day are 1. The date must exist
 * (2023-02-29 does not) and its day count fit an int. Returns NaN when it is not a date.
 */
export function parseDate(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let to = end;
  while (i < to && isTrimmedByte(bytes[i]!)) i++;
  while (to > i && isTrimmedByte(bytes[to - 1]!)) to--;
  if (i === to) return NaN;
  let sign = 1;
  if (bytes[i] === 0x2d || bytes[i] === 0x2b) {
    sign = bytes[i] === 0x2d ? -1 : 1;
    i++;
  }
  let segment = 0;
  let value = 0;
  let digits = 0;
  let year = 1;
  let month = 1;
  for (; i < to; i++) {
    const b = bytes[i]!;
    if (segment === 2 && (b === 0x20 || b === 0x54)) break; // ' ' or 'T' after the day
    if (b === 0x20 || b === 0x54) return NaN; // ... or before it: `yyyy` / `yyyy-mm` must be whole
    if (segment < 2 && b === 0x2d) {
      if (!validDateDigits(segment, digits)) return NaN;
      if (segment === 0) year = value;
      else month = value;
      segment++;
      value = 0;
      digits = 0;
    } else if (b >= 0x30 && b <= 0x39) {
      value = value * 10 + (b - 0x30);
      digits++;
    } else {
      return NaN;
    }
  }
  if (!validDateDigits(segment, digits)) return NaN;
  let day = 1;
  if (segment === 0) year = value;
  else if (segment === 1) month = value;
  else day = value;
  year *= sign;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  const days = daysFromCivil(year, month, day);
  // LocalDate.toEpochDay through Math.toIntExact: beyond an int, no date.
  return days >= -2147483648 && days <= 2147483647 ? days : NaN;
}

/** Year 4 to 7 digits ("an integer is able to represent a date within [+-]5 million years"), month and day 1 or 2. */
function validDateDigits(segment: number, digits: number): boolean {
  return segment === 0 ? digits >= 4 && digits <= 7 : digits > 0 && digits <= 2;
}

/** The instant as microseconds: a double when exact, else a bigint. */
export type Micros = number | bigint;

/**
 * Spark's DateTimeUtils.stringToTimestamp (parseTimestampString): after trimming,
 *   [+-]yyyy[-[m]m[-[d]d]]  (year 4 to 6 digits)
 *   then optionally ' ' or 'T' and [h]h[:[m]m[:[s]s[.fraction]]]
 *   or a time alone: [h]h:[m]m[:[s]s[.fraction]] or T[h]h[:...] (the date is today, in
 *   the text's zone or the session zone);
 * after the seconds (or their fraction) anything else starts a zone id, which may follow a
 * space: Z, +|-h[h][:mm], UTC+..., GMT..., UT..., a short id (PST) or a region
 * (Europe/Paris). The fraction keeps 6 digits; more are accepted and truncated. A zone
 * needs seconds: "2024-01-01 10:00Z" is not a timestamp. Date and time fields must exist
 * (no 24:00, no leap seconds), and the instant must fit in Long microseconds. Returns
 * undefined when the text is not a timestamp.
 */
export function parseTimestamp(bytes: Uint8Array, start: number, end: number, now: () => number = Date.now): Micros | undefined {
  let i = start;
  let to = end;
  while (i < to && isTrimmedByte(bytes[i]!)) i++;
  while (to > i && isTrimmedByte(bytes[to - 1]!)) to--;
  if (i === to) return undefined;
  const first = i;
  let yearSign = 0;
  if (bytes[i] === 0x2d || bytes[i] === 0x2b) {
    yearSign = bytes[i] === 0x2d ? -1 : 1;
    i++;
  }
  // year, month, day, hour, minute, second, fraction (microseconds)
  const fields = [1, 1, 1, 0, 0, 0, 0];
  let segment = 0;
  let value = 0;
  let digits = 0;
  let fractionDigits = 0;
  let timeOnly = false;
  let zoneStart = -1;
  for (; i < to; i++) {
    const b = bytes[i]!;
    if (b >= 0x30 && b <= 0x39) {
      if (segment === 6) {
        fractionDigits++;
        if (digits < 6) value = value * 10 + (b - 0x30);
      } else {
        value = value * 10 + (b - 0x30);
      }
      digits++;
      continue;
    }
    if (i === first && b === 0x54) {
      // "T10:15:00": a time without a date.
      timeOnly = true;
      segment = 3;
    } else if (segment < 2) {
      if (b === 0x2d) {
        if (!validTimestampDigits(segment, digits)) return undefined;
        fields[segment] = value;
        segment++;
      } else if (segment === 0 && b === 0x3a && yearSign === 0) {
        // "10:15:00": what looked like a year was the hour.
        if (!validTimestampDigits(3, digits)) return undefined;
        timeOnly = true;
        fields[3] = value;
        segment = 4;
      } else {
        return undefined;
      }
    } else if (segment === 2) {
      if (b !== 0x20 && b !== 0x54) return undefined;
      if (!validTimestampDigits(2, digits)) return undefined;
      fields[2] = value;
      segment = 3;
    } else if (segment === 3 || segment === 4) {
      if (b !== 0x3a) return undefined;
      if (!validTimestampDigits(segment, digits)) return undefined;
      fields[segment] = value;
      segment++;
    } else if (segment === 5 && b === 0x2e) {
      if (!validTimestampDigits(5, digits)) return undefined;
      fields[5] = value;
      segment = 6;
    } else if (segment === 5 || segment === 6) {
      if (!validTimestampDigits(segment, digits)) return undefined;
      fields[segment] = value;
      zoneStart = i;
      segment = 7;
      value = 0;
      digits = 0;
      break;
    } else {
      return undefined;
    }
    value = 0;
    digits = 0;
  }
  if (segment < 7) {
    if (!validTimestampDigits(segment, digits)) return undefined;
    fields[segment] = value;
  }
  let fraction = fields[6]!;
  for (let k = Math.min(fractionDigits, 6); k < 6; k++) fraction *= 10;
  const zone = zoneStart >= 0 ? parseZoneId(bytes, zoneStart, to) : UTC;
  if (zone === undefined) return undefined;
  const [hour, minute, second] = [fields[3]!, fields[4]!, fields[5]!];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let days: number;
  if (timeOnly) {
    // LocalDate.now(zone): today where the text says it is.
    const nowSeconds = Math.floor(now() / 1000);
    days = Math.floor((nowSeconds + zoneOffsetAt(zone, nowSeconds)) / SECONDS_PER_DAY);
  } else {
    const year = fields[0]! * (yearSign === 0 ? 1 : yearSign);
    const [month, day] = [fields[1]!, fields[2]!];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    days = daysFromCivil(year, month, day);
  }
  const localSeconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  const seconds = localToInstant(zone, localSeconds);
  if (seconds === undefined) return undefined;
  return secondsToMicros(seconds, fraction);
}

/**
 * Digits per field: year 4 to 6 ("a Long is able to represent a timestamp within [+-]200
 * thousand years"), fraction any number, the others 1 or 2.
 */
function validTimestampDigits(segment: number, digits: number): boolean {
  if (segment === 0) return digits >= 4 && digits <= 6;
  if (segment === 6) return true;
  return digits > 0 && digits <= 2;
}

/** seconds × 10^6 + fraction, as Java's Math.multiplyExact/addExact would: undefined on Long overflow. */
export function secondsToMicros(seconds: number, fraction: number): Micros | undefined {
  if (Math.abs(seconds) < SAFE_SECONDS) return seconds * MICROS_PER_SECOND + fraction;
  const micros = BigInt(seconds) * 1_000_000n + BigInt(fraction);
  return micros >= LONG_MIN && micros <= LONG_MAX ? micros : undefined;
}

// ---------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------

/** A time zone: a fixed offset, or a region whose offsets come from the tz database (through Intl). */
export type Zone = { readonly offsetSeconds: number } | { readonly region: string; readonly format: Intl.DateTimeFormat };

export const UTC: Zone = Object.freeze({ offsetSeconds: 0 });

/**
 * java.time's ZoneId.SHORT_IDS, which Spark passes to ZoneId.of: three-letter ids mapped
 * to fixed offsets or regions.
 */
const SHORT_IDS: Readonly<Record<string, string>> = {
  ACT: 'Australia/Darwin',
  AET: 'Australia/Sydney',
  AGT: 'America/Argentina/Buenos_Aires',
  ART: 'Africa/Cairo',
  AST: 'America/Anchorage',
  BET: 'America/Sao_Paulo',
  BST: 'Asia/Dhaka',
  CAT: 'Africa/Harare',
  CNT: 'America/St_Johns',
  CST: 'America/Chicago',
  CTT: 'Asia/Shanghai',
  EAT: 'Africa/Addis_Ababa',
  ECT: 'Europe/Paris',
  IET: 'America/Indiana/Indianapolis',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  MIT: 'Pacific/Apia',
  NET: 'Asia/Yerevan',
  NST: 'Pacific/Auckland',
  PLT: 'Asia/Karachi',
  PNT: 'America/Phoenix',
  PRT: 'America/Puerto_Rico',
  PST: 'America/Los_Angeles',
  SST: 'Pacific/Guadalcanal',
  VST: 'Asia/Ho_Chi_Minh',
  EST: '-05:00',
  MST: '-07:00',
  HST: '-10:00',
};

const zoneCache = new Map<string, Zone | null>();

/**
 * The zone named by bytes [start, end) of a timestamp text, or undefined when Java would
 * reject it (Spark then yields NULL, or CAST_INVALID_INPUT under ANSI). Spark's getZoneId:
 * trim (Java's String.trim), widen "+h:" to "+0h:" and a trailing "+hh:m" to "+hh:0m"
 * (forms Spark 2.x accepted), then ZoneId.of(id, SHORT_IDS).
 */
export function parseZoneId(bytes: Uint8Array, start: number, end: number): Zone | undefined {
  let from = start;
  let to = end;
  while (from < to && bytes[from]! <= 0x20) from++;
  while (to > from && bytes[to - 1]! <= 0x20) to--;
  let id = '';
  for (let k = from; k < to; k++) {
    const b = bytes[k]!;
    if (b >= 0x80) return undefined; // zone ids are ASCII
    id += String.fromCharCode(b);
  }
  const cached = zoneCache.get(id);
  if (cached !== undefined) return cached ?? undefined;
  const zone = zoneOf(id.replace(/([+-])(\d):/, '$10$2:').replace(/([+-])(\d\d):(\d)$/, '$1$2:0$3'));
  if (zoneCache.size < 10_000) zoneCache.set(id, zone ?? null);
  return zone;
}

/** java.time.ZoneId.of with the SHORT_IDS aliases. */
function zoneOf(text: string): Zone | undefined {
  const id = SHORT_IDS[text] ?? text;
  if (id.length <= 1 || id.startsWith('+') || id.startsWith('-')) return offsetZone(id);
  for (const prefix of ['UTC', 'GMT', 'UT']) {
    if (!id.startsWith(prefix)) continue;
    if (id.length === prefix.length) return UTC;
    const next = id[prefix.length];
    // "GMT0", "UTC-..." : only a sign after the prefix makes it an offset.
    if (next === '+' || next === '-') return offsetZone(id.slice(prefix.length));
    return regionZone(id);
  }
  return regionZone(id);
}

/**
 * java.time.ZoneOffset.of: Z, or a sign and one of h, hh, hh:mm, hhmm, hh:mm:ss,
 * hhmmss; at most 18 hours, minutes and seconds below 60.
 */
function offsetZone(id: string): Zone | undefined {
  if (id === 'Z') return UTC;
  const m = /^([+-])(\d)$|^([+-])(\d\d)(?::?(\d\d)(?::?(\d\d))?)?$/.exec(id);
  if (!m) return undefined;
  // The colon must be used consistently: "+hh:mmss" is not a form.
  if (/^[+-]\d\d:\d\d\d\d$/.test(id) || /^[+-]\d\d\d\d:\d\d$/.test(id)) return undefined;
  const sign = (m[1] ?? m[3]) === '-' ? -1 : 1;
  const hours = Number(m[2] ?? m[4]);
  const minutes = Number(m[5] ?? 0);
  const seconds = Number(m[6] ?? 0);
  if (hours > 18 || minutes > 59 || seconds > 59) return undefined;
  const total = hours * 3600 + minutes * 60 + seconds;
  if (total > 18 * 3600) return undefined;
  return total === 0 ? UTC : { offsetSeconds: sign * total };
}

/**
 * A region id (Europe/Paris): Java accepts [A-Za-z][A-Za-z0-9~/._+-]+ when its tz
 * database knows the id, with exact case. Intl knows the same IANA ids but ignores case,
 * so an id that only differs in case from the canonical name Intl reports is refused.
 */
function regionZone(id: string): Zone | undefined {
  if (!/^[A-Za-z][A-Za-z0-9~/._+-]+$/.test(id)) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  const canonical = format.resolvedOptions().timeZone;
  if (canonical !== id && canonical.toLowerCase() === id.toLowerCase()) return undefined;
  return { region: id, format };
}

/** The zone's offset from UTC, in seconds, at an instant (epoch seconds). */
export function zoneOffsetAt(zone: Zone, epochSeconds: number): number {
  if ('offsetSeconds' in zone) return zone.offsetSeconds;
  const ms = epochSeconds * 1000;
  if (!(Math.abs(ms) <= 8.64e15)) return NaN;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of zone.format.formatToParts(ms)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value.startsWith('B');
        break;
    }
  }
  const local = daysFromCivil(bc ? 1 - year : year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  return local - epochSeconds;
}

/**
 * The instant (epoch seconds) of a local date-time (seconds since 1970-01-01T00:00 local)
 * in a zone, as java.time's ZonedDateTime.of resolves it: in an overlap (clocks set back)
 * the earlier offset; in a gap (clocks set forward) the local time moves forward by the
 * gap, which is the instant the offset before the gap gives.
 */
function localToInstant(zone: Zone, localSeconds: number): number | undefined {
  if ('offsetSeconds' in zone) return localSeconds - zone.offsetSeconds;
  const before = zoneOffsetAt(zone, localSeconds - SECONDS_PER_DAY);
  const after = zoneOffsetAt(zone, localSeconds + SECONDS_PER_DAY);
  if (Number.isNaN(before) || Number.isNaN(after)) return undefined;
  const withBefore = localSeconds - before;
  if (zoneOffsetAt(zone, withBefore) === before) return withBefore;
  const withAfter = localSeconds - after;
  if (zoneOffsetAt(zone, withAfter) === after) return withAfter;
  return withBefore;
}

// ---------------------------------------------------------------------------
// Reading and writing int64 microseconds without bigint where possible
// ---------------------------------------------------------------------------

const TWO_32 = 4294967296;

/**
 * Value `i` of an int64 column (viewed as int32 pairs, little-endian) as a double when
 * exact (|value| < 2^53), else NaN. `i` indexes the values as apache-arrow holds them.
 */
export function readInt64Small(words: Int32Array, i: number): number {
  const high = words[2 * i + 1]!;
  if (high >= -0x200000 && high < 0x200000) return high * TWO_32 + (words[2 * i]! >>> 0);
  return NaN;
}

/** Writes an integer below 2^53 in magnitude into slot `i` of an int64 column viewed as int32 pairs. */
export function writeInt64Small(words: Int32Array, i: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  words[2 * i] = value - high * TWO_32;
  words[2 * i + 1] = high;
}

/** An int32 view over an int64 array's bytes. */
export function int32View(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}
