/**
 * Exact decimal numbers as Spark and the JVM handle them: parsing decimal text (Java's
 * BigDecimal and Double grammars), rescaling with HALF_UP, precision checks, printing
 * (BigDecimal.toString / toPlainString, Double.toString, Float.toString), correctly
 * rounded conversion to double and float, and the Decimal128 word layout.
 *
 * A decimal value is an unscaled integer and a scale: value = unscaled × 10^-scale, the
 * way Spark's Decimal and Java's BigDecimal hold it. Hot paths work on doubles while the
 * unscaled value stays below 2^53 (exact there) and fall back to bigint beyond.
 */

/** Spark's DecimalType.MAX_PRECISION. */
export const MAX_DECIMAL_PRECISION = 38;

const POW10_BIG: readonly bigint[] = Array.from({ length: 80 }, (_, k) => 10n ** BigInt(k));

/** 10^k as a bigint. */
export function pow10Big(k: number): bigint {
  return k < POW10_BIG.length ? POW10_BIG[k]! : 10n ** BigInt(k);
}

/** 10^k as a double; exact (and so usable for correctly rounded scaling) for k <= 22. */
export const POW10_EXACT: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Integers up to this magnitude are exact as doubles. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** Number of decimal digits of |value| (0 has one digit, like BigDecimal.precision). */
export function digitCount(value: bigint): number {
  const magnitude = value < 0n ? -value : value;
  return magnitude === 0n ? 1 : magnitude.toString().length;
}

/**
 * Whether an unscaled value fits DECIMAL(precision, _): |unscaled| < 10^precision. This is
 * the check at the end of Spark's Decimal.changePrecision (BigDecimal.precision <= p).
 */
export function fitsPrecision(unscaled: bigint, precision: number): boolean {
  const limit = pow10Big(precision);
  return unscaled < limit && unscaled > -limit;
}

/**
 * Moves an unscaled value from one scale to another. Lowering the scale rounds HALF_UP,
 * i.e. ties away from zero (Spark's Decimal.changePrecision with ROUND_HALF_UP, the mode
 * of every cast: 0.5 → 1, -0.5 → -1, 2.5 → 3).
 */
export function rescaleHalfUp(unscaled: bigint, fromScale: number, toScale: number): bigint {
  if (toScale >= fromScale) return unscaled * pow10Big(toScale - fromScale);
  const dropped = fromScale - toScale;
  const negative = unscaled < 0n;
  const magnitude = negative ? -unscaled : unscaled;
  // Fewer digits than dropped places: the value is below 0.1 units, so it rounds to 0
  // without computing a huge power of ten (exponents like 1E-2000000000 are legal text).
  if (magnitude === 0n || magnitude.toString().length < dropped) return 0n;
  const divisor = pow10Big(dropped);
  let quotient = magnitude / divisor;
  const remainder = magnitude - quotient * divisor;
  if (remainder * 2n >= divisor) quotient += 1n;
  return negative ? -quotient : quotient;
}

/**
 * HALF_UP rescaling on doubles, for unscaled values and results below 2^53. Returns NaN
 * when the result would not be exact as a double (callers then use rescaleHalfUp).
 */
export function rescaleHalfUpSmall(unscaled: number, fromScale: number, toScale: number): number {
  if (toScale >= fromScale) {
    const up = toScale - fromScale;
    if (up > 15) return unscaled === 0 ? 0 : NaN;
    const result = unscaled * POW10_EXACT[up]!;
    return Math.abs(result) <= MAX_EXACT ? result : NaN;
  }
  const dropped = fromScale - toScale;
  const magnitude = Math.abs(unscaled);
  if (dropped > 15) return magnitude < 1e15 ? 0 : NaN;
  const divisor = POW10_EXACT[dropped]!;
  // The double quotient may round across an integer: correct it with the exact remainder.
  let quotient = Math.floor(magnitude / divisor);
  let remainder = magnitude - quotient * divisor;
  if (remainder < 0) {
    quotient -= 1;
    remainder += divisor;
  } else if (remainder >= divisor) {
    quotient += 1;
    remainder -= divisor;
  }
  if (remainder * 2 >= divisor) quotient += 1;
  return unscaled < 0 ? -quotient : quotient;
}

// ---------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------

/**
 * A decimal as text. `plain` is BigDecimal.toPlainString (Spark's cast to string under
 * ANSI mode, which "always uses plain string representation"); otherwise
 * BigDecimal.toString, which Spark 3.x uses with ANSI off: scientific notation once the
 * adjusted exponent (-scale + digits - 1) is below -6, so DECIMAL(38,18) zero prints
 * "0E-18" and 0.0000001 at scale 7 prints "1E-7".
 */
export function formatDecimal(unscaled: bigint, scale: number, plain: boolean): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? '-' : '';
  const adjusted = -scale + (digits.length - 1);
  if (plain || (scale >= 0 && adjusted >= -6)) {
    if (scale <= 0) return sign + digits + '0'.repeat(-scale);
    if (digits.length > scale) return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    return `${sign}0.${'0'.repeat(scale - digits.length)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted > 0 ? '+' : ''}${adjusted}`;
}

/**
 * Java's Double.toString, which Spark's cast of a double to string uses: the shortest
 * decimal that reads back as the same double (JDK 19+ semantics; JDK 8 and 17, which
 * Glue 4.0 and 5.0 run, occasionally print one digit more), at least two significant
 * digits when the shortest has one ("1.0E10", "4.9E-324"), plain notation for
 * 10^-3 <= |d| < 10^7 ("0.001", "1234567.0"), computerized scientific otherwise ("1.0E7",
 * "1.0E-4"), and "NaN", "Infinity", "-Infinity", "-0.0".
 */
export function formatJavaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  // Where both print plainly (JavaScript up to 1e21, Java from 1e-3 to 1e7) the digits
  // are the same; Java adds ".0" to a whole number.
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  shortestDigits(magnitude);
  let digits = shortest.digits;
  let exponent = shortest.exponent;
  if (digits.length === 1) [digits, exponent] = splitExponential(magnitude.toExponential(1));
  return layoutJava(value < 0, digits, exponent);
}

/** Result of shortestDigits (reused, to spare an allocation per value). */
const shortest = { digits: '', exponent: 0 };

/**
 * The shortest decimal digits that read back as a positive finite double, without trailing
 * zeros, and the decimal exponent of the first digit. JavaScript's Number-to-String picks
 * the same digits as JDK 19+'s Double.toString (shortest, then closest); String() is much
 * faster than toExponential().
 */
function shortestDigits(magnitude: number): void {
  const text = String(magnitude);
  if (text.indexOf('e') >= 0) {
    [shortest.digits, shortest.exponent] = splitExponential(text);
    return;
  }
  const point = text.indexOf('.');
  if (point < 0) {
    // A whole number: JavaScript never adds a fraction, but may end in zeros.
    let end = text.length;
    while (end > 1 && text.charCodeAt(end - 1) === 0x30) end--;
    shortest.digits = text.slice(0, end);
    shortest.exponent = text.length - 1;
  } else if (point === 1 && text.charCodeAt(0) === 0x30) {
    // "0.000123": the exponent counts the zeros after the point.
    let first = 2;
    while (text.charCodeAt(first) === 0x30) first++;
    shortest.digits = text.slice(first);
    shortest.exponent = -(first - 1);
  } else {
    // "123.45": JavaScript prints no trailing zeros after the point.
    shortest.digits = text.slice(0, point) + text.slice(point + 1);
    shortest.exponent = point - 1;
  }
}

/** Java's Float.toString: as formatJavaDouble, with the shortest digits that read back as the same float. */
export function formatJavaFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  let found: [string, number] | undefined;
  for (let precision = 1; precision <= 9 && !found; precision++) {
    // The nearest decimal of this length; failing that its neighbours, which can read back
    // where a power of two makes the float's rounding interval lopsided.
    const nearest = magnitude.toExponential(precision - 1);
    if (Math.fround(Number(nearest)) === magnitude) {
      found = splitExponential(nearest);
      break;
    }
    const fits = neighbourDecimals(nearest).filter((c) => Math.fround(Number(c)) === magnitude);
    fits.sort((a, b) => Math.abs(Number(a) - magnitude) - Math.abs(Number(b) - magnitude));
    if (fits.length > 0) found = splitExponential(fits[0]!);
  }
  let [digits, exponent] = found ?? splitExponential(magnitude.toExponential(8));
  if (digits.length === 1) [digits, exponent] = splitExponential(magnitude.toExponential(1));
  return layoutJava(value < 0, digits, exponent);
}

/** The two decimals with the same number of digits next to "d.ddde±x" (as "ddde±x"). */
function neighbourDecimals(exponential: string): string[] {
  const e = exponential.indexOf('e');
  const digits = exponential.slice(0, e).replace('.', '');
  const exponent = Number(exponential.slice(e + 1)) - (digits.length - 1);
  const unit = BigInt(digits);
  return [unit - 1n, unit + 1n].filter((n) => n > 0n).map((n) => `${n}e${exponent}`);
}

/**
 * A decimal in exponential form ("1.2345e-7", "1.0e+23", "124e-3") as its significant
 * digits without trailing zeros and the decimal exponent of the first digit:
 * ["12345", -7], ["1", 23], ["124", -1].
 */
function splitExponential(text: string): [string, number] {
  const e = text.indexOf('e');
  const mantissa = text.slice(0, e);
  const point = mantissa.indexOf('.');
  const integerDigits = point < 0 ? mantissa.length : point;
  const exponent = Number(text.slice(e + 1)) + integerDigits - 1;
  const digits = mantissa.replace('.', '').replace(/^0+(?=\d)/, '').replace(/(?<=\d)0+$/, '');
  return [digits, exponent];
}

function layoutJava(negative: boolean, digits: string, exponent: number): string {
  const sign = negative ? '-' : '';
  if (exponent >= -3 && exponent < 7) {
    if (exponent >= 0) {
      const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
      const fraction = digits.slice(exponent + 1) || '0';
      return `${sign}${integer}.${fraction}`;
    }
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  const mantissa = `${digits[0]}.${digits.slice(1) || '0'}`;
  return `${sign}${mantissa}E${exponent}`;
}

// ---------------------------------------------------------------------------
// Correctly rounded conversion to binary floating point
// ---------------------------------------------------------------------------

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** x × 2^n without intermediate overflow or premature underflow. */
function scaleByPowerOfTwo(x: number, n: number): number {
  let result = x;
  let remaining = n;
  while (remaining > 1000) {
    result *= 2 ** 1000;
    remaining -= 1000;
  }
  while (remaining < -1000) {
    result *= 2 ** -1000;
    remaining += 1000;
  }
  return result * 2 ** remaining;
}

/**
 * mantissa × 2^exponent rounded to the nearest double (or float when `single`), ties to
 * even, with subnormals and overflow to infinity: IEEE 754 round-to-nearest, which is
 * what Java's (float)/(double) conversions and its parsers implement.
 */
export function roundToBinary(mantissa: bigint, exponent: number, single: boolean): number {
  if (mantissa === 0n) return 0;
  const precision = single ? 24 : 53;
  const minExponent = single ? -126 : -1022;
  const length = bitLength(mantissa);
  const leading = exponent + length - 1;
  if (leading > (single ? 127 : 1023)) return Infinity;
  const kept = leading < minExponent ? precision - (minExponent - leading) : precision;
  const shift = length - kept;
  let result: number;
  if (shift <= 0) {
    result = scaleByPowerOfTwo(Number(mantissa), exponent);
  } else {
    let quotient = mantissa >> BigInt(shift);
    const remainder = mantissa - (quotient << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (remainder > half || (remainder === half && (quotient & 1n) === 1n)) quotient += 1n;
    result = scaleByPowerOfTwo(Number(quotient), exponent + shift);
  }
  return single ? Math.fround(result) : result;
}

/** significand × 10^exponent (significand >= 0) correctly rounded to a double or float. */
export function decimalToBinary(significand: bigint, exponent: number, single: boolean): number {
  if (significand === 0n) return 0;
  const digits = significand.toString().length;
  // Far outside the range: no need to build the power of ten.
  if (digits + exponent > (single ? 40 : 310)) return Infinity;
  if (digits + exponent < (single ? -47 : -326)) return 0;
  if (exponent >= 0) return roundToBinary(significand * pow10Big(exponent), 0, single);
  const denominator = pow10Big(-exponent);
  const precision = single ? 24 : 53;
  // Scale so the quotient has two bits beyond the precision, then keep a sticky bit for
  // the remainder: enough to round exactly.
  const scaleBits = Math.max(0, precision + 2 + bitLength(denominator) - bitLength(significand));
  const numerator = significand << BigInt(scaleBits);
  let quotient = numerator / denominator;
  let binaryExponent = -scaleBits;
  if (quotient * denominator !== numerator) {
    quotient = (quotient << 1n) | 1n;
    binaryExponent -= 1;
  }
  return roundToBinary(quotient, binaryExponent, single);
}

const floatBits = new Float32Array(1);
const floatWord = new Uint32Array(floatBits.buffer);

/** The float next to `f` (a finite float) in the direction of `towards`. */
function adjacentFloat(f: number, towards: number): number {
  if (f === 0) return towards > 0 ? 2 ** -149 : -(2 ** -149);
  floatBits[0] = f;
  const awayFromZero = (towards > f) === (f > 0);
  floatWord[0] = awayFromZero ? floatWord[0]! + 1 : floatWord[0]! - 1;
  return floatBits[0]!;
}

/** The double halfway between the largest float and 2^128: at or above it, a float is infinite. */
const FLOAT_OVERFLOW_MIDPOINT = 2 ** 128 - 2 ** 103;

/**
 * A decimal (significand × 10^exponent) rounded to a float. Rounding through the double
 * first is exact unless the double lands exactly on the midpoint between two floats (the
 * only case where double rounding can go wrong); then the exact value decides.
 */
export function decimalToFloat(nearestDouble: number, significand: () => bigint, exponent: number): number {
  const magnitude = Math.abs(nearestDouble);
  const rounded = Math.fround(magnitude);
  let ambiguous = magnitude === FLOAT_OVERFLOW_MIDPOINT;
  if (!ambiguous && rounded !== magnitude && Number.isFinite(rounded)) {
    const other = adjacentFloat(rounded, magnitude);
    ambiguous = (rounded + other) / 2 === magnitude;
  }
  const result = ambiguous ? decimalToBinary(significand(), exponent, true) : rounded;
  return nearestDouble < 0 || Object.is(nearestDouble, -0) ? -result : result;
}

// ---------------------------------------------------------------------------
// Parsing: Java's BigDecimal(String) and Double.parseDouble grammars
// ---------------------------------------------------------------------------

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/** Java's String.trim: characters up to U+0020 (every ASCII control and the space). */
export function javaTrimStart(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && bytes[i]! <= 0x20) i++;
  return i;
}

export function javaTrimEnd(bytes: Uint8Array, start: number, end: number): number {
  let i = end;
  while (i > start && bytes[i - 1]! <= 0x20) i--;
  return i;
}

const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * Text with BMP Unicode decimal digits (Java's Character.isDigit) replaced by ASCII ones,
 * or undefined when a character outside the BMP appears (Java sees two surrogate chars,
 * neither a digit).
 */
function asciiDigits(bytes: Uint8Array, start: number, end: number): Uint8Array | undefined {
  const text = decoder.decode(bytes.subarray(start, end));
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      out += text[i];
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      return undefined;
    } else if (DECIMAL_DIGIT.test(text[i]!)) {
      // Unicode lays out every decimal digit set as a run of ten, zero first.
      let zero = unit;
      while (unit - zero < 9 && DECIMAL_DIGIT.test(String.fromCharCode(zero - 1))) zero--;
      out += String((unit - zero) % 10);
    } else {
      out += text[i];
    }
  }
  return encoder.encode(out);
}

/**
 * A parsed decimal number: value = (negative ? -1 : 1) × significand × 10^exponent. The
 * significand is kept as a double while it has at most 15 digits (exact), else as the
 * digit text.
 */
export class DecimalText {
  negative = false;
  /** Significant digits after removing leading zeros (0 for zero). */
  digits = 0;
  /** The significand when digits <= 15. */
  small = 0;
  /** The significand's digits when digits > 15. */
  private text = '';
  exponent = 0;

  /** The significand as a bigint. */
  significand(): bigint {
    return this.digits <= 15 ? BigInt(this.small) : BigInt(this.text);
  }

  /** Digits left of the point once written out: BigDecimal.precision - scale. */
  integralDigits(): number {
    return (this.digits === 0 ? 1 : this.digits) + this.exponent;
  }

  /**
   * Java's `new BigDecimal(text.trim())`, as Spark's Decimal.fromString calls it: optional
   * sign, digits with an optional point (at least one digit), optional exponent
   * `e`/`E` with optional sign and at least one digit. Java also takes Unicode decimal
   * digits (Character.digit). Returns false where Java throws NumberFormatException,
   * including exponents outside int.
   */
  parseBigDecimal(bytes: Uint8Array, start: number, end: number): boolean {
    const from = javaTrimStart(bytes, start, end);
    const to = javaTrimEnd(bytes, from, end);
    for (let i = from; i < to; i++) {
      if (bytes[i]! >= 0x80) {
        const ascii = asciiDigits(bytes, from, to);
        return ascii !== undefined && this.parseAscii(ascii, 0, ascii.length, false);
      }
    }
    return this.parseAscii(bytes, from, to, false);
  }

  /**
   * The decimal part of Java's Double.parseDouble grammar on trimmed ASCII text: as a
   * BigDecimal, plus an optional type suffix f, F, d or D. NaN, Infinity and hexadecimal
   * forms are handled by JavaFloatingText.
   */
  parseJavaFloatingDecimal(bytes: Uint8Array, start: number, end: number): boolean {
    return this.parseAscii(bytes, start, end, true);
  }

  private parseAscii(bytes: Uint8Array, start: number, end: number, allowSuffix: boolean): boolean {
    let i = start;
    let to = end;
    if (allowSuffix && to > i) {
      const last = bytes[to - 1]!;
      if (last === 0x66 || last === 0x46 || last === 0x64 || last === 0x44) to--; // f F d D
    }
    if (i >= to) return false;
    this.negative = false;
    const first = bytes[i]!;
    if (first === 0x2d || first === 0x2b) {
      this.negative = first === 0x2d;
      i++;
    }
    let digits = 0;
    let small = 0;
    let seenDigit = false;
    let seenPoint = false;
    let fractionDigits = 0;
    let digitsStart = -1;
    let textEnd = -1;
    for (; i < to; i++) {
      const b = bytes[i]!;
      if (b >= 0x30 && b <= 0x39) {
        seenDigit = true;
        if (seenPoint) fractionDigits++;
        if (digits === 0 && b === 0x30) continue; // leading zero
        if (digits === 0) digitsStart = i;
        digits++;
        if (digits <= 15) small = small * 10 + (b - 0x30);
        textEnd = i + 1;
      } else if (b === 0x2e && !seenPoint) {
        seenPoint = true;
      } else {
        break;
      }
    }
    if (!seenDigit) return false;
    let exponent = 0;
    if (i < to) {
      const b = bytes[i]!;
      if (b !== 0x65 && b !== 0x45) return false; // e E
      i++;
      let negativeExponent = false;
      if (i < to && (bytes[i] === 0x2d || bytes[i] === 0x2b)) {
        negativeExponent = bytes[i] === 0x2d;
        i++;
      }
      if (i >= to) return false;
      let value = 0;
      for (; i < to; i++) {
        const d = bytes[i]!;
        if (d < 0x30 || d > 0x39) return false;
        // Saturate: Java rejects exponents outside int (BigDecimal) or clamps them to
        // infinity/zero (Double); either way nothing beyond 2^31 matters.
        if (value < 1e10) value = value * 10 + (d - 0x30);
      }
      exponent = negativeExponent ? -value : value;
    }
    if (!allowSuffix && (Math.abs(exponent) > 2147483647 || Math.abs(fractionDigits - exponent) > 2147483647)) return false;
    this.digits = digits;
    this.small = digits <= 15 ? small : 0;
    if (digits > 15) {
      let text = '';
      for (let k = digitsStart; k < textEnd; k++) if (bytes[k] !== 0x2e) text += String.fromCharCode(bytes[k]!);
      this.text = text;
    }
    this.exponent = exponent - fractionDigits;
    return true;
  }

  /** The nearest double (Java's Double.parseDouble of the same decimal). */
  toDouble(): number {
    let magnitude: number;
    if (this.digits === 0) magnitude = 0;
    else if (this.digits <= 15 && this.exponent >= 0 && this.exponent <= 22) magnitude = this.small * POW10_EXACT[this.exponent]!;
    else if (this.digits <= 15 && this.exponent < 0 && this.exponent >= -22) magnitude = this.small / POW10_EXACT[-this.exponent]!;
    // Both operands exact, one IEEE operation: correctly rounded. Otherwise JavaScript's
    // own string-to-number conversion, which is correctly rounded too.
    else magnitude = Number(`${this.digits <= 15 ? this.small : this.text}e${this.exponent}`);
    return this.negative ? -magnitude : magnitude;
  }

  /** The nearest float (Java's Float.parseFloat, which rounds once, straight from the decimal). */
  toFloat(): number {
    const nearest = this.toDouble();
    return decimalToFloat(nearest, () => this.significand(), this.exponent);
  }
}

/** Result kinds of JavaFloatingText.parse. */
export const FloatingKind = Object.freeze({ Invalid: 0, Finite: 1, NaN: 2, PositiveInfinity: 3, NegativeInfinity: 4 } as const);
export type FloatingKind = (typeof FloatingKind)[keyof typeof FloatingKind];

/**
 * Spark's string to float/double: `Double.parseDouble(s.toString)` (or parseFloat), and
 * when that throws, its case-insensitive special literals.
 */
export class JavaFloatingText {
  readonly decimal = new DecimalText();
  private hexMantissa = 0n;
  private hexExponent = 0;
  private hexNegative = false;
  private isHex = false;
  kind: FloatingKind = FloatingKind.Invalid;

  /**
   * Java's grammar (Double.valueOf): leading and trailing characters up to U+0020 are
   * trimmed; then an optional sign and `NaN` or `Infinity` (exact case), a decimal
   * number with optional exponent and an optional f/F/d/D suffix, or a hexadecimal
   * `0x1.8p3`. Failing that, Spark's Cast.processFloatingPointSpecialLiterals accepts,
   * case-insensitively after trimming, inf, +inf, infinity, +infinity, -inf, -infinity
   * and nan (but not +nan or -nan). Only ASCII can match.
   */
  parse(bytes: Uint8Array, start: number, end: number): FloatingKind {
    this.isHex = false;
    const from = javaTrimStart(bytes, start, end);
    const to = javaTrimEnd(bytes, from, end);
    this.kind = this.parseJava(bytes, from, to);
    if (this.kind === FloatingKind.Invalid) this.kind = specialLiteral(bytes, from, to);
    return this.kind;
  }

  private parseJava(bytes: Uint8Array, from: number, to: number): FloatingKind {
    if (from >= to) return FloatingKind.Invalid;
    let i = from;
    let negative = false;
    if (bytes[i] === 0x2b || bytes[i] === 0x2d) {
      negative = bytes[i] === 0x2d;
      i++;
    }
    if (matchesAscii(bytes, i, to, 'NaN')) return FloatingKind.NaN;
    if (matchesAscii(bytes, i, to, 'Infinity')) return negative ? FloatingKind.NegativeInfinity : FloatingKind.PositiveInfinity;
    if (to - i > 2 && bytes[i] === 0x30 && (bytes[i + 1] === 0x78 || bytes[i + 1] === 0x58)) {
      return this.parseHex(bytes, i + 2, to, negative) ? FloatingKind.Finite : FloatingKind.Invalid;
    }
    return this.decimal.parseJavaFloatingDecimal(bytes, from, to) ? FloatingKind.Finite : FloatingKind.Invalid;
  }

  /** Java's HexFloatingPointLiteral: hex digits with an optional point, then a mandatory binary exponent p±n, then an optional suffix. */
  private parseHex(bytes: Uint8Array, start: number, end: number, negative: boolean): boolean {
    let i = start;
    let to = end;
    const last = bytes[to - 1]!;
    if (last === 0x66 || last === 0x46 || last === 0x64 || last === 0x44) to--;
    let mantissa = 0n;
    let seenDigit = false;
    let seenPoint = false;
    let fractionDigits = 0;
    for (; i < to; i++) {
      const b = bytes[i]!;
      const value = hexValue(b);
      if (value >= 0) {
        seenDigit = true;
        mantissa = (mantissa << 4n) | BigInt(value);
        if (seenPoint) fractionDigits++;
      } else if (b === 0x2e && !seenPoint) {
        seenPoint = true;
      } else {
        break;
      }
    }
    if (!seenDigit || i >= to || (bytes[i] !== 0x70 && bytes[i] !== 0x50)) return false; // p P
    i++;
    let negativeExponent = false;
    if (i < to && (bytes[i] === 0x2b || bytes[i] === 0x2d)) {
      negativeExponent = bytes[i] === 0x2d;
      i++;
    }
    if (i >= to) return false;
    let exponent = 0;
    for (; i < to; i++) {
      const d = bytes[i]!;
      if (d < 0x30 || d > 0x39) return false;
      if (exponent < 1e9) exponent = exponent * 10 + (d - 0x30);
    }
    this.isHex = true;
    this.hexMantissa = mantissa;
    this.hexExponent = (negativeExponent ? -exponent : exponent) - 4 * fractionDigits;
    this.hexNegative = negative;
    return true;
  }

  toDouble(): number {
    switch (this.kind) {
      case FloatingKind.NaN:
        return NaN;
      case FloatingKind.PositiveInfinity:
        return Infinity;
      case FloatingKind.NegativeInfinity:
        return -Infinity;
      default:
        if (this.isHex) {
          const magnitude = roundToBinary(this.hexMantissa, this.hexExponent, false);
          return this.hexNegative ? -magnitude : magnitude;
        }
        return this.decimal.toDouble();
    }
  }

  toFloat(): number {
    if (this.kind === FloatingKind.Finite) {
      if (this.isHex) {
        const magnitude = roundToBinary(this.hexMantissa, this.hexExponent, true);
        return this.hexNegative ? -magnitude : magnitude;
      }
      return this.decimal.toFloat();
    }
    return this.toDouble();
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

function matchesAscii(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (bytes[start + k] !== word.charCodeAt(k)) return false;
  return true;
}

function matchesAsciiIgnoreCase(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    let b = bytes[start + k]!;
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (b !== word.charCodeAt(k)) return false;
  }
  return true;
}

function specialLiteral(bytes: Uint8Array, from: number, to: number): FloatingKind {
  for (const word of ['inf', '+inf', 'infinity', '+infinity']) if (matchesAsciiIgnoreCase(bytes, from, to, word)) return FloatingKind.PositiveInfinity;
  for (const word of ['-inf', '-infinity']) if (matchesAsciiIgnoreCase(bytes, from, to, word)) return FloatingKind.NegativeInfinity;
  if (matchesAsciiIgnoreCase(bytes, from, to, 'nan')) return FloatingKind.NaN;
  return FloatingKind.Invalid;
}

// ---------------------------------------------------------------------------
// Decimal128 words (four little-endian uint32 per value, two's complement)
// ---------------------------------------------------------------------------

const TWO_32 = 4294967296;

/**
 * Value `i` of a Decimal128 word array as a double when it is below 2^53 in magnitude
 * (exact), NaN otherwise. `i` indexes the array as apache-arrow holds it: a sliced
 * column's values buffer already starts at its first value.
 */
export function readDecimalSmall(words: Uint32Array, i: number): number {
  const base = i * 4;
  const w1 = words[base + 1]!;
  const w2 = words[base + 2]!;
  const w3 = words[base + 3]!;
  if (w2 === 0 && w3 === 0 && w1 < 0x200000) return w1 * TWO_32 + words[base]!;
  if (w2 === 0xffffffff && w3 === 0xffffffff && w1 >= 0xffe00000) return (w1 | 0) * TWO_32 + words[base]!;
  return NaN;
}

/** Value `i` of a Decimal128 word array as a bigint. */
export function readDecimalBig(words: Uint32Array, i: number): bigint {
  const base = i * 4;
  const low = BigInt(words[base]!) | (BigInt(words[base + 1]!) << 32n);
  const high = BigInt(words[base + 2]!) | (BigInt(words[base + 3]!) << 32n);
  return BigInt.asIntN(128, (high << 64n) | low);
}

/** Writes an integer below 2^53 in magnitude into slot `i`, without bigint arithmetic. */
export function writeDecimalSmall(words: Uint32Array, i: number, value: number): void {
  const base = i * 4;
  const high = Math.floor(value / TWO_32);
  words[base] = value - high * TWO_32;
  words[base + 1] = high >>> 0;
  const extension = value < 0 ? 0xffffffff : 0;
  words[base + 2] = extension;
  words[base + 3] = extension;
}

/**
 * The exact decimal Spark makes of a double: `Decimal(d)` goes through Scala's
 * BigDecimal.decimal, i.e. the digits of Java's Double.toString (the shortest decimal
 * that reads back as d), not the double's exact binary value. So 0.1 becomes exactly 0.1
 * and 2.675 becomes 2.675 (then rounds HALF_UP to 2.68). Returns [unscaled, scale], scale
 * possibly negative. `d` must be finite.
 */
export function decimalOfDouble(d: number): [bigint, number] {
  if (d === 0) return [0n, 1];
  shortestDigits(Math.abs(d));
  const magnitude = BigInt(shortest.digits);
  return [d < 0 ? -magnitude : magnitude, shortest.digits.length - 1 - shortest.exponent];
}

/**
 * decimalOfDouble(d) rounded HALF_UP to `scale`, as an unscaled double when it has at
 * most 15 digits (exact); NaN when it needs more (then use decimalOfDouble and bigint).
 * Works on the digit text: rounding half up only looks at the first dropped digit.
 */
export function doubleAtScale(d: number, scale: number): number {
  if (d === 0) return 0;
  if (scale <= 22) {
    // d × 10^scale in doubles is off from the Double.toString decimal by about an ulp
    // (~y × 2^-52); unless that puts it next to a .5 tie, it rounds the same way.
    const y = Math.abs(d) * POW10_EXACT[scale]!;
    if (y < 4503599627370496) {
      const whole = Math.floor(y);
      const fraction = y - whole;
      if (Math.abs(fraction - 0.5) > 1e-15 * (y + 1)) {
        const magnitude = fraction > 0.5 ? whole + 1 : whole;
        return d < 0 ? -magnitude : magnitude;
      }
    }
  }
  shortestDigits(Math.abs(d));
  const digits = shortest.digits;
  const ownScale = digits.length - 1 - shortest.exponent;
  let magnitude: number;
  if (scale >= ownScale) {
    if (digits.length + scale - ownScale > 15) return NaN;
    magnitude = Number(digits) * POW10_EXACT[scale - ownScale]!;
  } else {
    const kept = digits.length - (ownScale - scale);
    if (kept > 15) return NaN;
    const roundUp = kept >= 0 && digits.charCodeAt(kept) >= 0x35; // '5'
    magnitude = (kept > 0 ? Number(digits.slice(0, kept)) : 0) + (roundUp ? 1 : 0);
  }
  return d < 0 ? -magnitude : magnitude;
}

/** A decimal (unscaled, scale) as the nearest double: Java's BigDecimal.doubleValue, correctly rounded. */
export function decimalToDouble(unscaled: bigint, scale: number): number {
  const magnitude = unscaled < 0n ? -unscaled : unscaled;
  let result: number;
  if (magnitude <= BigInt(MAX_EXACT) && scale >= 0 && scale <= 22) result = Number(magnitude) / POW10_EXACT[scale]!;
  else result = Number(`${magnitude}e${-scale}`);
  return unscaled < 0n ? -result : result;
}

/** A decimal (unscaled, scale) as the nearest float: Java's BigDecimal.floatValue, correctly rounded. */
export function decimalToFloatValue(unscaled: bigint, scale: number): number {
  const magnitude = unscaled < 0n ? -unscaled : unscaled;
  const nearest = decimalToDouble(magnitude, scale);
  const result = decimalToFloat(nearest, () => magnitude, -scale);
  return unscaled < 0n ? -result : result;
}
