/**
 * The Glue (Hive) type system as plain, frozen data.
 *
 * Every schema in gluekit, whether declared on a source, derived by a transform or
 * written to the catalog, is made of these values. They print to and parse from the
 * Hive type strings that Glue's Data Catalog and Spark's `cast` understand
 * (`decimal(12,2)`, `array<struct<a:int>>`), so the same value serves the compiler,
 * the local runner and the catalog.
 */

export type PrimitiveKind =
  | 'boolean'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'date'
  | 'timestamp';

export type GlueType =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'char'; readonly length: number }
  | { readonly kind: 'varchar'; readonly length: number }
  | { readonly kind: 'array'; readonly element: GlueType }
  | { readonly kind: 'map'; readonly key: GlueType; readonly value: GlueType }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] }
  /** The type of an untyped NULL literal; never a column type. */
  | { readonly kind: 'null' };

export interface StructField {
  readonly name: string;
  readonly type: GlueType;
}

const primitive = <K extends PrimitiveKind>(kind: K): { readonly kind: K } => Object.freeze({ kind });

/**
 * Constructors, so that job files can write `t.decimal(12, 2)` instead of a string. Each
 * returns its precise kind (and an array's element type), so that a table's row type
 * (catalog/row-type.ts) can be derived from columns written with them.
 */
export const t = Object.freeze({
  boolean: () => primitive('boolean'),
  tinyint: () => primitive('tinyint'),
  smallint: () => primitive('smallint'),
  int: () => primitive('int'),
  bigint: () => primitive('bigint'),
  float: () => primitive('float'),
  double: () => primitive('double'),
  string: () => primitive('string'),
  binary: () => primitive('binary'),
  date: () => primitive('date'),
  timestamp: () => primitive('timestamp'),
  decimal: (precision = 10, scale = 0): { readonly kind: 'decimal'; readonly precision: number; readonly scale: number } => Object.freeze({ kind: 'decimal', precision, scale }),
  char: (length: number): { readonly kind: 'char'; readonly length: number } => Object.freeze({ kind: 'char', length }),
  varchar: (length: number): { readonly kind: 'varchar'; readonly length: number } => Object.freeze({ kind: 'varchar', length }),
  array: <E extends GlueType>(element: E): { readonly kind: 'array'; readonly element: E } => Object.freeze({ kind: 'array', element }),
  map: <K extends GlueType, V extends GlueType>(key: K, value: V): { readonly kind: 'map'; readonly key: K; readonly value: V } => Object.freeze({ kind: 'map', key, value }),
  /** A struct from `{ name: type }`. Use structOf for field names that look like numbers (JavaScript moves those keys first). */
  struct: (fields: Record<string, GlueType>): GlueType => structOf(Object.entries(fields).map(([name, type]) => ({ name, type }))),
  null: (): GlueType => Object.freeze({ kind: 'null' }),
});

/** A struct from an ordered list of fields. */
export function structOf(fields: readonly StructField[]): GlueType {
  return Object.freeze({ kind: 'struct', fields: Object.freeze(fields.map((f) => Object.freeze({ name: f.name, type: f.type }))) });
}

export const MAX_DECIMAL_PRECISION = 38;

const PRIMITIVES = new Set<string>([
  'boolean', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'string', 'binary', 'date', 'timestamp',
]);

/** Spellings Spark and Glue also accept, mapped to the catalog's canonical name. */
const ALIASES: Record<string, PrimitiveKind> = {
  integer: 'int',
  long: 'bigint',
  short: 'smallint',
  byte: 'tinyint',
  real: 'float',
};

/** Prints a type the way the Glue Data Catalog stores it (`decimal(12,2)`, `map<string,int>`). */
export function formatGlueType(type: GlueType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'char':
    case 'varchar':
      return `${type.kind}(${type.length})`;
    case 'array':
      return `array<${formatGlueType(type.element)}>`;
    case 'map':
      return `map<${formatGlueType(type.key)},${formatGlueType(type.value)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${formatGlueType(f.type)}`).join(',')}>`;
    default:
      return type.kind;
  }
}

export class GlueTypeSyntaxError extends Error {}

/**
 * Parses a Hive/Glue type string. Throws GlueTypeSyntaxError with a message that
 * says what was expected where; callers attach the field path.
 */
export function parseGlueType(text: string): GlueType {
  const parser = new TypeParser(text);
  const type = parser.type();
  parser.end();
  return type;
}

class TypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  type(): GlueType {
    const word = this.word().toLowerCase();
    if (PRIMITIVES.has(word)) return primitive(word as PrimitiveKind);
    if (word in ALIASES) return primitive(ALIASES[word]!);
    switch (word) {
      case 'decimal':
      case 'numeric': {
        if (!this.peek('(')) return t.decimal(10, 0);
        this.expect('(');
        const precision = this.int();
        let scale = 0;
        if (this.peek(',')) {
          this.expect(',');
          scale = this.int();
        }
        this.expect(')');
        if (precision < 1 || precision > MAX_DECIMAL_PRECISION)
          throw new GlueTypeSyntaxError(`decimal precision must be 1..${MAX_DECIMAL_PRECISION}, got ${precision}`);
        if (scale > precision) throw new GlueTypeSyntaxError(`decimal scale ${scale} exceeds precision ${precision}`);
        return t.decimal(precision, scale);
      }
      case 'char':
      case 'varchar': {
        this.expect('(');
        const length = this.int();
        this.expect(')');
        const max = word === 'char' ? 255 : 65535;
        if (length < 1 || length > max) throw new GlueTypeSyntaxError(`${word} length must be 1..${max}, got ${length}`);
        return word === 'char' ? t.char(length) : t.varchar(length);
      }
      case 'array': {
        this.expect('<');
        const element = this.type();
        this.expect('>');
        return t.array(element);
      }
      case 'map': {
        this.expect('<');
        const key = this.type();
        this.expect(',');
        const value = this.type();
        this.expect('>');
        return t.map(key, value);
      }
      case 'struct': {
        this.expect('<');
        const fields: StructField[] = [];
        const seen = new Set<string>();
        do {
          if (fields.length > 0) this.expect(',');
          const name = this.fieldName();
          if (seen.has(name.toLowerCase())) throw new GlueTypeSyntaxError(`duplicate struct field "${name}"`);
          seen.add(name.toLowerCase());
          this.expect(':');
          fields.push(Object.freeze({ name, type: this.type() }));
        } while (this.peek(','));
        this.expect('>');
        return Object.freeze({ kind: 'struct', fields: Object.freeze(fields) });
      }
      case '':
        throw new GlueTypeSyntaxError(`expected a type at position ${this.pos + 1} of "${this.text}"`);
      default:
        throw new GlueTypeSyntaxError(`unknown type "${word}"`);
    }
  }

  end(): void {
    this.skipSpace();
    if (this.pos !== this.text.length)
      throw new GlueTypeSyntaxError(`unexpected "${this.text.slice(this.pos)}" after the type in "${this.text}"`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }

  private fieldName(): string {
    this.skipSpace();
    if (this.text[this.pos] === '`') {
      const close = this.text.indexOf('`', this.pos + 1);
      if (close < 0) throw new GlueTypeSyntaxError(`unclosed backtick in "${this.text}"`);
      const name = this.text.slice(this.pos + 1, close);
      this.pos = close + 1;
      return name;
    }
    const name = this.word();
    if (!name) throw new GlueTypeSyntaxError(`expected a struct field name at position ${this.pos + 1} of "${this.text}"`);
    return name;
  }

  private int(): number {
    this.skipSpace();
    const m = /^\d+/.exec(this.text.slice(this.pos));
    if (!m) throw new GlueTypeSyntaxError(`expected a number at position ${this.pos + 1} of "${this.text}"`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private peek(ch: string): boolean {
    this.skipSpace();
    return this.text[this.pos] === ch;
  }

  private expect(ch: string): void {
    if (!this.peek(ch))
      throw new GlueTypeSyntaxError(`expected "${ch}" at position ${this.pos + 1} of "${this.text}"`);
    this.pos++;
  }
}

// ---------------------------------------------------------------------------
// Classification and coercion, following Spark's rules as Glue runs them.
// ---------------------------------------------------------------------------

const INTEGRAL_RANK: Partial<Record<GlueType['kind'], number>> = { tinyint: 1, smallint: 2, int: 3, bigint: 4 };
/** Digits an integral type needs as a decimal (Spark's DecimalType.forType). */
const INTEGRAL_DIGITS: Partial<Record<GlueType['kind'], number>> = { tinyint: 3, smallint: 5, int: 10, bigint: 20 };

export const isIntegral = (t: GlueType): boolean => t.kind in INTEGRAL_RANK;
export const isFractional = (t: GlueType): boolean => t.kind === 'float' || t.kind === 'double';
export const isNumeric = (t: GlueType): boolean => isIntegral(t) || isFractional(t) || t.kind === 'decimal';
export const isStringLike = (t: GlueType): boolean =>
  t.kind === 'string' || t.kind === 'char' || t.kind === 'varchar';
export const isDatetime = (t: GlueType): boolean => t.kind === 'date' || t.kind === 'timestamp';
export const isComplex = (t: GlueType): boolean => t.kind === 'array' || t.kind === 'map' || t.kind === 'struct';

export function typesEqual(a: GlueType, b: GlueType): boolean {
  return formatGlueType(a) === formatGlueType(b);
}

function asDecimal(t: GlueType): { precision: number; scale: number } | undefined {
  if (t.kind === 'decimal') return { precision: t.precision, scale: t.scale };
  const digits = INTEGRAL_DIGITS[t.kind];
  return digits === undefined ? undefined : { precision: digits, scale: 0 };
}

/** Spark's DecimalType.bounded: caps precision at 38 and keeps the scale within it. */
export function boundedDecimal(precision: number, scale: number): GlueType {
  return t.decimal(Math.min(precision, MAX_DECIMAL_PRECISION), Math.min(scale, MAX_DECIMAL_PRECISION));
}

/**
 * The wider of two numeric types (Spark's findTightestCommonType + decimal widening):
 * integral ranks widen; float with float or any integer is float (Spark's numeric
 * precedence puts float above bigint); anything with double, or float with decimal, is
 * double; decimals widen to hold both integer and fractional digits.
 */
export function widerNumeric(a: GlueType, b: GlueType): GlueType | undefined {
  if (!isNumeric(a) || !isNumeric(b)) return undefined;
  if (a.kind === 'double' || b.kind === 'double') return t.double();
  if (a.kind === 'float' || b.kind === 'float') return a.kind === 'decimal' || b.kind === 'decimal' ? t.double() : t.float();
  if (a.kind === 'decimal' || b.kind === 'decimal') {
    const da = asDecimal(a)!;
    const db = asDecimal(b)!;
    const scale = Math.max(da.scale, db.scale);
    const whole = Math.max(da.precision - da.scale, db.precision - db.scale);
    return boundedDecimal(whole + scale, scale);
  }
  return INTEGRAL_RANK[a.kind]! >= INTEGRAL_RANK[b.kind]! ? a : b;
}

/**
 * A type both sides can be compared or unioned as, or undefined where Spark would need
 * an explicit cast we refuse to guess (string against number, date against boolean).
 */
export function commonType(a: GlueType, b: GlueType): GlueType | undefined {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (typesEqual(a, b)) return a;
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b);
  if (isStringLike(a) && isStringLike(b)) return t.string();
  if (isDatetime(a) && isDatetime(b)) return t.timestamp();
  if (a.kind === 'array' && b.kind === 'array') {
    const element = commonType(a.element, b.element);
    return element && t.array(element);
  }
  return undefined;
}

/**
 * Whether Spark 3.x (ANSI off, Glue's default up to 5.0) accepts `CAST(x AS to)`.
 * Casts Spark rejects at analysis time (date to int, struct to int) are errors here.
 */
export function canCast(from: GlueType, to: GlueType): boolean {
  if (from.kind === 'null' || typesEqual(from, to)) return true;
  if (to.kind === 'string' || to.kind === 'varchar' || to.kind === 'char') return true; // everything prints
  if (isStringLike(from)) return !isComplex(to); // parsed; bad values become null (or errors under ANSI)
  if (isNumeric(to)) return isNumeric(from) || from.kind === 'boolean' || from.kind === 'timestamp';
  if (to.kind === 'boolean') return isNumeric(from) || isDatetime(from);
  if (to.kind === 'date') return from.kind === 'timestamp';
  if (to.kind === 'timestamp') return isNumeric(from) || from.kind === 'date' || from.kind === 'boolean';
  if (to.kind === 'binary') return isIntegral(from);
  if (from.kind === 'array' && to.kind === 'array') return canCast(from.element, to.element);
  if (from.kind === 'map' && to.kind === 'map') return canCast(from.key, to.key) && canCast(from.value, to.value);
  if (from.kind === 'struct' && to.kind === 'struct')
    return from.fields.length === to.fields.length && from.fields.every((f, i) => canCast(f.type, to.fields[i]!.type));
  return false;
}

/**
 * Finds a struct field by its exact name. Spark matches names case-insensitively, but
 * Arrow and Parquet do not; gluekit asks for the exact spelling so that the job means
 * the same thing in both places (a near miss gets a "did you mean").
 */
export function structField(type: GlueType, name: string): StructField | undefined {
  return type.kind === 'struct' ? type.fields.find((f) => f.name === name) : undefined;
}

/** Whether a type is or holds a map. Spark cannot compare, group, sort or hash maps. */
export function containsMap(type: GlueType): boolean {
  if (type.kind === 'map') return true;
  if (type.kind === 'array') return containsMap(type.element);
  if (type.kind === 'struct') return type.fields.some((f) => containsMap(f.type));
  return false;
}
