/**
 * Spark SQL to DuckDB SQL, so that a SparkSQL node runs locally on a real SQL engine
 * (local-runner/sql/duckdb-session.ts runs the result over the node's inputs).
 *
 * Not a text rewrite: the query is parsed, every name is resolved against the inputs'
 * schemas, every expression is typed with Spark's rules (as Glue runs them), and DuckDB
 * SQL is printed from that. Knowing the types is what makes the result trustworthy:
 * DuckDB and Spark agree on most SQL but not all of it, and where they differ it depends
 * on the types (DuckDB rounds CAST(2.7 AS INT) to 3, Spark truncates to 2; DuckDB divides
 * decimals as doubles; `substring('abc', 0, 2)` is 'a' in DuckDB and 'ab' in Spark). So:
 * - where DuckDB computes exactly what Spark computes, the SQL is DuckDB's own, with
 *   every implicit conversion Spark makes written out as a CAST, so DuckDB never applies
 *   its own coercion rules;
 * - where it does not, the SQL calls gluekit's kernels (kernels/*.ts, the same code the
 *   other local transforms use) as DuckDB scalar functions (`KernelCall`): Spark's casts,
 *   decimal division, avg of decimals, round of doubles, upper/lower outside ASCII;
 * - anything else is refused with `unsupported in local SparkSQL: <construct> (node "<id>")`.
 *   Refusing is always preferred to a different answer.
 *
 * Divergences that remain (each errs on the safe side, or is as arbitrary in Spark):
 * - integer overflow: Spark with ANSI off (Glue 4.0/5.0) wraps around, DuckDB stops with
 *   an error; a decimal sum that overflows is NULL in both (ANSI off), but Spark also
 *   gives NULL when only an intermediate running sum overflowed;
 * - floating-point sums and averages add in a different order than Spark's partitions,
 *   so the last bits may differ (as between two Spark runs with other partitioning);
 * - ties (ORDER BY with equal keys, row_number() over equal keys) break arbitrarily in
 *   both engines, so the order among equal rows may differ;
 * - with ANSI on, a division by zero in a branch DuckDB evaluates and Spark skips (or the
 *   other way round) fails in one engine only;
 * - floor/ceil of NaN or of a double beyond BIGINT stop the run (Spark gives 0 or saturates);
 * - upper/lower follow the Unicode version of Node.js, Spark's that of its Java (8 or 17):
 *   characters added to Unicode since then may map differently;
 * - DuckDB runs some correlated subqueries Spark refuses to analyse (Spark's limits on
 *   correlation are not checked here): such a job works locally and fails on Glue.
 * Stricter than Spark on purpose: a string is never converted implicitly to a number,
 * boolean or (unless it is a literal) a date: Spark's rules for that differ between Glue
 * versions and turn bad strings into NULLs; an explicit CAST states the intent.
 */
import { boundedDecimal, canCast, commonType, formatGlueType, isComplex, isIntegral, isNumeric, isStringLike, t, typesEqual, type GlueType } from '../../catalog/types.js';
import type { Schema } from '../../catalog/schema.js';
import { closest } from '../../core/did-you-mean.js';
import { arithmeticType, decimalLiteralType } from '../../expr/typecheck.js';
import { divideByZeroError } from '../../kernels/arithmetic.js';
import { ansiCastRefusal } from '../../kernels/cast.js';

// ---------------------------------------------------------------------------
// Public interface
// ---------------------------------------------------------------------------

/** A table the query reads: an input node's rows under its alias. */
export interface SqlTable {
  readonly alias: string;
  readonly schema: Schema;
}

export interface TranslateOptions {
  /** The SparkSQL node's id, for messages. */
  readonly node: string;
  /** Spark's ANSI mode (Glue 6.0): invalid casts, overflow and division by zero are errors. */
  readonly ansi: boolean;
  /** The query's tables; DuckDB must know each as a view named by its alias. */
  readonly tables: readonly SqlTable[];
}

/** A DuckDB scalar function the translated SQL calls, computed by gluekit's kernels. */
export interface KernelCall {
  /** The function's name in the SQL (unique per operation and types). */
  readonly name: string;
  readonly args: readonly GlueType[];
  readonly returns: GlueType;
  readonly op: KernelOp;
}

export type KernelOp =
  /** Spark's CAST from args[0] to `returns` (kernels/cast.ts). */
  | { readonly kind: 'cast' }
  /** Spark's decimal arithmetic on two decimals, rounded to `returns` (kernels/arithmetic.ts). */
  | { readonly kind: 'decimal'; readonly op: '+' | '-' | '*' | '/' }
  /** avg of decimals from its exact sum (args[0], DECIMAL(p+10,s)) and count (args[1], BIGINT). */
  | { readonly kind: 'avg' }
  /** Java's String.toUpperCase / toLowerCase. */
  | { readonly kind: 'upper' }
  | { readonly kind: 'lower' }
  /** Spark's round of a double: BigDecimal(d).setScale(places, HALF_UP). */
  | { readonly kind: 'round'; readonly places: number };

export interface Translation {
  /** A DuckDB query returning the result, columns in Spark's order and names. */
  readonly sql: string;
  /** The result's columns with the types Spark gives them ('null' for an untyped NULL). */
  readonly schema: readonly { readonly name: string; readonly type: GlueType }[];
  /** The kernel functions `sql` calls. */
  readonly kernels: readonly KernelCall[];
}

/** A construct the local runner does not run. */
export class UnsupportedSparkSqlError extends Error {
  constructor(
    readonly construct: string,
    readonly node: string,
  ) {
    super(`unsupported in local SparkSQL: ${construct} (node "${node}")`);
    this.name = 'UnsupportedSparkSqlError';
  }
}

/** A query Spark would reject too (unknown column, type mismatch, bad syntax it has no meaning for). */
export class SparkSqlQueryError extends Error {
  constructor(
    readonly problem: string,
    readonly node: string,
  ) {
    super(`SparkSQL query: ${problem} (node "${node}")`);
    this.name = 'SparkSqlQueryError';
  }
}

/**
 * DuckDB macros the translated SQL may call; the session creates them before running it.
 * `gluekit_substring` is Spark's substring (UTF8String.substringSQL) in characters: a
 * position > 0 counts from 1, < 0 from the end, 0 means the start; the slice is
 * [start, start + len) cut to the string, so a len < 1 gives ''. DuckDB's own substring
 * treats position 0 and negative lengths differently.
 */
export const DUCKDB_MACROS: readonly string[] = [
  `CREATE MACRO gluekit_substring_first(s, pos) AS
    CASE WHEN pos > 0 THEN CAST(pos AS BIGINT) - 1 WHEN pos < 0 THEN length(s) + pos ELSE 0 END`,
  `CREATE MACRO gluekit_substring(s, pos, len) AS
    CASE WHEN s IS NULL OR pos IS NULL OR len IS NULL THEN NULL
         WHEN greatest(gluekit_substring_first(s, pos), 0) >= gluekit_substring_first(s, pos) + len THEN ''
         ELSE substring(s, greatest(gluekit_substring_first(s, pos), 0) + 1,
                        gluekit_substring_first(s, pos) + len - greatest(gluekit_substring_first(s, pos), 0)) END`,
];

/** Translates a Spark SQL query over `options.tables` into DuckDB SQL. */
export function translateSparkSql(query: string, options: TranslateOptions): Translation {
  const ast = new Parser(query, options.node).statement();
  return new Translator(options).translate(ast);
}

/** The DuckDB type holding a Glue type's values exactly (timestamps as UTC wall-clock TIMESTAMP, see duckdb-session.ts). */
export function duckdbType(type: GlueType): string {
  switch (type.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'tinyint':
      return 'TINYINT';
    case 'smallint':
      return 'SMALLINT';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'float':
      return 'REAL';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'string':
    case 'char':
    case 'varchar':
      return 'VARCHAR';
    case 'binary':
      return 'BLOB';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'array':
      return `${duckdbType(type.element)}[]`;
    case 'map':
      return `MAP(${duckdbType(type.key)}, ${duckdbType(type.value)})`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${duckdbType(f.type)}`).join(', ')})`;
    case 'null':
      return 'INTEGER';
  }
}

/** A DuckDB identifier, always quoted (so keywords and case are never an issue). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A DuckDB string literal (standard SQL: quotes doubled, backslashes literal). */
export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'eof';

interface Token {
  readonly kind: TokenKind;
  /** Words, numbers and operators as written; strings and quoted identifiers decoded. */
  readonly text: string;
  /** Offset in the query, for messages. */
  readonly pos: number;
}

const OPERATORS = ['<=>', '<>', '!=', '<=', '>=', '==', '||', '::', '->', '=>', '(', ')', ',', '.', ';', '+', '-', '*', '/', '%', '=', '<', '>', '!', '~', '&', '|', '^', '[', ']', '{', '}', ':', '?'];

/**
 * Splits a query into tokens as Spark's lexer does: identifiers (ASCII letters, digits,
 * `_`), backquoted identifiers (`` `` `` for a backquote), string literals in single or
 * double quotes with Spark's backslash escapes, numbers with their type suffixes, and
 * operators. Comments (`--`, nested `/* *\/`) are skipped; hints (`/*+ ... *\/`) refused.
 */
function tokenize(text: string, node: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const unsupported = (construct: string): never => {
    throw new UnsupportedSparkSqlError(construct, node);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      if (text[i + 2] === '+') unsupported('hints /*+ ... */');
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (text.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else if (i >= text.length) {
          throw new SparkSqlQueryError(`unclosed comment at ${where(text, i)}`, node);
        } else {
          i++;
        }
      } while (depth > 0);
    } else if (c === '`') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new SparkSqlQueryError(`unclosed backquote at ${where(text, i)}`, node);
        if (text[j] === '`') {
          if (text[j + 1] === '`') {
            value += '`';
            j += 2;
            continue;
          }
          break;
        }
        value += text[j++];
      }
      tokens.push({ kind: 'quoted', text: value, pos: i });
      i = j + 1;
    } else if (c === "'" || c === '"') {
      const { value, end } = readString(text, i, node);
      tokens.push({ kind: 'string', text: value, pos: i });
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?:BD|[LSYDF])?/i.exec(text.slice(i))!;
      const after = text[i + m[0].length] ?? '';
      // Spark reads `1a` as an identifier; gluekit does not guess.
      if (/[A-Za-z0-9_]/.test(after)) unsupported(`the token "${text.slice(i).match(/^[A-Za-z0-9_.]+/)![0]}" at ${where(text, i)}`);
      tokens.push({ kind: 'number', text: m[0], pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'word', text: m[0], pos: i });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (!op) unsupported(`the character "${c}" at ${where(text, i)}`);
      tokens.push({ kind: 'op', text: op!, pos: i });
      i += op!.length;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

/**
 * A string literal at `start`, decoded as Spark does (ParserUtils.unescapeSQLString):
 * `\uXXXX`, three octal digits, `\0 \b \n \r \t \Z`, `\%` and `\_` keep their backslash
 * (they are LIKE escapes), any other escaped character stands for itself. A doubled quote
 * is not an escape in Spark: 'it''s' is two literals, which Spark concatenates ('its').
 */
function readString(text: string, start: number, node: string): { value: string; end: number } {
  const quote = text[start]!;
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new SparkSqlQueryError(`unclosed string literal at ${where(text, start)}`, node);
    const c = text[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) throw new SparkSqlQueryError(`unclosed string literal at ${where(text, start)}`, node);
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (/^[0-3][0-7][0-7]$/.test(text.slice(i + 1, i + 4))) {
      value += String.fromCharCode(parseInt(text.slice(i + 1, i + 4), 8));
      i += 4;
    } else {
      const simple: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a', '%': '\\%', _: '\\_' };
      value += simple[next] ?? next;
      i += 2;
    }
  }
}

/** "line L, column C" of an offset. */
function where(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

// ---------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------

type Expr =
  | { readonly k: 'number'; readonly text: string; readonly pos: number }
  | { readonly k: 'string'; readonly value: string; readonly pos: number }
  | { readonly k: 'boolean'; readonly value: boolean; readonly pos: number }
  | { readonly k: 'null'; readonly pos: number }
  | { readonly k: 'typed'; readonly type: 'date' | 'timestamp'; readonly value: string; readonly pos: number }
  | { readonly k: 'column'; readonly parts: readonly string[]; readonly pos: number }
  | { readonly k: 'star'; readonly pos: number }
  | { readonly k: 'unary'; readonly op: '-' | '+' | 'NOT'; readonly arg: Expr; readonly pos: number }
  | { readonly k: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly pos: number }
  | { readonly k: 'isnull'; readonly arg: Expr; readonly not: boolean; readonly pos: number }
  | { readonly k: 'between'; readonly arg: Expr; readonly low: Expr; readonly high: Expr; readonly not: boolean; readonly pos: number }
  | { readonly k: 'in'; readonly arg: Expr; readonly list?: readonly Expr[]; readonly query?: Query; readonly not: boolean; readonly pos: number }
  | { readonly k: 'exists'; readonly query: Query; readonly pos: number }
  | { readonly k: 'like'; readonly arg: Expr; readonly pattern: Expr; readonly escape?: Expr; readonly not: boolean; readonly regex: boolean; readonly pos: number }
  | { readonly k: 'case'; readonly operand?: Expr; readonly whens: readonly { readonly when: Expr; readonly then: Expr }[]; readonly otherwise?: Expr; readonly pos: number }
  | { readonly k: 'cast'; readonly arg: Expr; readonly to: GlueType; readonly pos: number }
  | { readonly k: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly distinct: boolean; readonly over?: WindowSpec; readonly pos: number }
  | { readonly k: 'subquery'; readonly query: Query; readonly pos: number };

interface OrderItem {
  readonly expr: Expr;
  readonly desc: boolean;
  readonly nulls?: 'FIRST' | 'LAST';
}

interface WindowSpec {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  readonly frame?: string;
}

interface Query {
  readonly ctes: readonly Cte[];
  readonly body: SetExpr;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Expr;
  readonly pos: number;
}

interface Cte {
  readonly name: string;
  readonly columns?: readonly string[];
  readonly query: Query;
  readonly pos: number;
}

type SetExpr =
  | Select
  | { readonly k: 'setop'; readonly op: 'UNION' | 'INTERSECT' | 'EXCEPT'; readonly all: boolean; readonly left: SetExpr; readonly right: SetExpr; readonly pos: number }
  | { readonly k: 'nested'; readonly query: Query; readonly pos: number };

interface Select {
  readonly k: 'select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: readonly FromItem[];
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
  readonly pos: number;
}

type SelectItem = { readonly k: 'star'; readonly qualifier?: string; readonly pos: number } | { readonly k: 'item'; readonly expr: Expr; readonly alias?: string; readonly pos: number };

type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | 'SEMI' | 'ANTI';

type FromItem =
  | { readonly k: 'table'; readonly name: string; readonly alias?: string; readonly pos: number }
  | { readonly k: 'derived'; readonly query: Query; readonly alias?: string; readonly pos: number }
  | { readonly k: 'join'; readonly type: JoinType; readonly left: FromItem; readonly right: FromItem; readonly on?: Expr; readonly using?: readonly string[]; readonly pos: number };

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/** Words that end an implicit alias (`FROM t x` names t x, `FROM t JOIN` does not). */
const CLAUSE_WORDS = new Set([
  'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS', 'JOIN', 'INNER',
  'LEFT', 'RIGHT', 'FULL', 'CROSS', 'SEMI', 'ANTI', 'NATURAL', 'ON', 'USING', 'LATERAL', 'WINDOW', 'QUALIFY', 'CLUSTER',
  'DISTRIBUTE', 'SORT', 'TABLESAMPLE', 'PIVOT', 'UNPIVOT', 'AS', 'SELECT', 'WITH', 'AND', 'OR', 'NOT', 'IS', 'IN', 'LIKE',
  'RLIKE', 'REGEXP', 'ILIKE', 'BETWEEN', 'THEN', 'ELSE', 'END', 'WHEN', 'OVER', 'VALUES', 'DIV',
]);

/** Clauses and statements Spark has and the local runner refuses, by their leading words. */
const REFUSED_CLAUSES: readonly [string[], string][] = [
  [['LATERAL', 'VIEW'], 'LATERAL VIEW'],
  [['LATERAL'], 'LATERAL subqueries'],
  [['TABLESAMPLE'], 'TABLESAMPLE'],
  [['DISTRIBUTE', 'BY'], 'DISTRIBUTE BY'],
  [['CLUSTER', 'BY'], 'CLUSTER BY'],
  [['SORT', 'BY'], 'SORT BY'],
  [['PIVOT'], 'PIVOT'],
  [['UNPIVOT'], 'UNPIVOT'],
  [['WINDOW'], 'named windows (WINDOW clause)'],
  [['QUALIFY'], 'QUALIFY'],
  [['OFFSET'], 'OFFSET'],
  [['NATURAL'], 'NATURAL JOIN'],
];

const NON_DETERMINISTIC = new Set([
  'current_date', 'current_timestamp', 'now', 'curdate', 'localtimestamp', 'current_timezone', 'rand', 'random', 'randn', 'uuid',
  'monotonically_increasing_id', 'spark_partition_id', 'input_file_name', 'input_file_block_start', 'input_file_block_length',
  'unix_timestamp', 'shuffle', 'current_user', 'user', 'current_database', 'current_catalog',
]);

class Parser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly node: string,
  ) {
    this.tokens = tokenize(text, node);
  }

  statement(): Query {
    const first = this.peek();
    if (first.kind === 'word' && !['SELECT', 'WITH'].includes(first.text.toUpperCase())) {
      const word = first.text.toUpperCase();
      if (['FROM', 'VALUES', 'TABLE', 'MAP', 'REDUCE'].includes(word)) this.unsupported(`queries starting with ${word}`);
      this.unsupported(`${word} statements (only queries run)`);
    }
    const query = this.query();
    while (this.isOp(';')) this.next();
    if (this.peek().kind !== 'eof') this.unexpected();
    return query;
  }

  // ---- helpers ------------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.at++;
    return token;
  }

  private isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  private isOp(op: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'op' && token.text === op;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.next();
    return true;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) this.unexpected(word);
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.unexpected(`"${op}"`);
  }

  private unsupported(construct: string): never {
    throw new UnsupportedSparkSqlError(construct, this.node);
  }

  /** A token the grammar gluekit runs has no place for: refused, naming it and where it is. */
  private unexpected(expected?: string): never {
    const token = this.peek();
    const shown = token.kind === 'eof' ? 'the end of the query' : token.kind === 'string' ? `the string '${token.text}'` : `"${token.text}"`;
    const want = expected ? ` (expected ${expected})` : '';
    throw new UnsupportedSparkSqlError(`${shown} at ${where(this.text, token.pos)}${want}`, this.node);
  }

  /** Refuses a clause Spark has and gluekit does not run, if one starts here. */
  private refuseClauses(): void {
    for (const [words, construct] of REFUSED_CLAUSES) {
      if (words.every((w, k) => this.isWord(w, k))) this.unsupported(construct);
    }
  }

  private identifier(what: string): string {
    const token = this.peek();
    if (token.kind === 'quoted' || (token.kind === 'word' && !CLAUSE_WORDS.has(token.text.toUpperCase()))) {
      this.next();
      return token.text;
    }
    return this.unexpected(what);
  }

  /** An alias after an optional AS, or undefined when none follows. */
  private alias(): string | undefined {
    if (this.acceptWord('AS')) {
      if (this.isOp('(')) this.unsupported('multiple aliases AS (a, b)');
      return this.identifier('an alias');
    }
    const token = this.peek();
    if (token.kind === 'quoted' || (token.kind === 'word' && !CLAUSE_WORDS.has(token.text.toUpperCase()))) {
      this.next();
      return token.text;
    }
    return undefined;
  }

  // ---- queries ------------------------------------------------------------

  private query(): Query {
    const pos = this.peek().pos;
    const ctes: Cte[] = [];
    if (this.acceptWord('WITH')) {
      if (this.isWord('RECURSIVE')) this.unsupported('WITH RECURSIVE');
      do {
        const ctePos = this.peek().pos;
        const name = this.identifier('a name for the WITH query');
        let columns: string[] | undefined;
        if (this.acceptOp('(')) {
          columns = [];
          do columns.push(this.identifier('a column name'));
          while (this.acceptOp(','));
          this.expectOp(')');
        }
        this.acceptWord('AS');
        this.expectOp('(');
        const query = this.query();
        this.expectOp(')');
        ctes.push({ name, ...(columns && { columns }), query, pos: ctePos });
      } while (this.acceptOp(','));
    }
    const body = this.setExpr();
    this.refuseClauses();
    const orderBy: OrderItem[] = [];
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      orderBy.push(...this.orderItems());
    }
    this.refuseClauses();
    let limit: Expr | undefined;
    if (this.acceptWord('LIMIT')) {
      if (this.isWord('ALL')) this.unsupported('LIMIT ALL');
      limit = this.expr();
    }
    this.refuseClauses();
    return { ctes, body, orderBy, ...(limit && { limit }), pos };
  }

  private orderItems(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const expr = this.expr();
      const desc = this.acceptWord('DESC') ? true : (this.acceptWord('ASC'), false);
      let nulls: 'FIRST' | 'LAST' | undefined;
      if (this.acceptWord('NULLS')) {
        if (this.acceptWord('FIRST')) nulls = 'FIRST';
        else if (this.acceptWord('LAST')) nulls = 'LAST';
        else this.unexpected('FIRST or LAST');
      }
      items.push({ expr, desc, ...(nulls && { nulls }) });
    } while (this.acceptOp(','));
    return items;
  }

  /** Set operations; INTERSECT binds tighter than UNION and EXCEPT, as in Spark. */
  private setExpr(): SetExpr {
    let left = this.intersect();
    for (;;) {
      const pos = this.peek().pos;
      let op: 'UNION' | 'EXCEPT';
      if (this.acceptWord('UNION')) op = 'UNION';
      else if (this.acceptWord('EXCEPT') || this.acceptWord('MINUS')) op = 'EXCEPT';
      else return left;
      const all = this.acceptWord('ALL') ? true : (this.acceptWord('DISTINCT'), false);
      const right = this.intersect();
      left = { k: 'setop', op, all, left, right, pos };
    }
  }

  private intersect(): SetExpr {
    let left = this.setPrimary();
    for (;;) {
      const pos = this.peek().pos;
      if (!this.acceptWord('INTERSECT')) return left;
      const all = this.acceptWord('ALL') ? true : (this.acceptWord('DISTINCT'), false);
      left = { k: 'setop', op: 'INTERSECT', all, left, right: this.setPrimary(), pos };
    }
  }

  private setPrimary(): SetExpr {
    const pos = this.peek().pos;
    if (this.isOp('(')) {
      this.next();
      const query = this.query();
      this.expectOp(')');
      return { k: 'nested', query, pos };
    }
    if (this.isWord('VALUES')) this.unsupported('VALUES lists');
    if (this.isWord('TABLE')) this.unsupported('TABLE statements');
    if (this.isWord('FROM')) this.unsupported('queries starting with FROM');
    return this.select();
  }

  private select(): Select {
    const pos = this.peek().pos;
    this.expectWord('SELECT');
    if (this.isWord('TRANSFORM')) this.unsupported('SELECT TRANSFORM');
    const distinct = this.acceptWord('DISTINCT') ? true : (this.acceptWord('ALL'), false);
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptOp(','));
    const from: FromItem[] = [];
    if (this.acceptWord('FROM')) {
      do from.push(this.joinChain());
      while (this.acceptOp(','));
    }
    this.refuseClauses();
    const where = this.acceptWord('WHERE') ? this.expr() : undefined;
    const groupBy: Expr[] = [];
    if (this.acceptWord('GROUP')) {
      this.expectWord('BY');
      if (this.isWord('ALL')) this.unsupported('GROUP BY ALL');
      do {
        for (const word of ['ROLLUP', 'CUBE', 'GROUPING']) if (this.isWord(word) && (this.isOp('(', 1) || this.isWord('SETS', 1))) this.unsupported(word === 'GROUPING' ? 'GROUPING SETS' : word);
        groupBy.push(this.expr());
      } while (this.acceptOp(','));
      if (this.isWord('WITH') && (this.isWord('ROLLUP', 1) || this.isWord('CUBE', 1))) this.unsupported(`WITH ${this.peek(1).text.toUpperCase()}`);
      if (this.isWord('GROUPING')) this.unsupported('GROUPING SETS');
    }
    const having = this.acceptWord('HAVING') ? this.expr() : undefined;
    this.refuseClauses();
    return { k: 'select', distinct, items, from, ...(where && { where }), groupBy, ...(having && { having }), pos };
  }

  private selectItem(): SelectItem {
    const pos = this.peek().pos;
    if (this.acceptOp('*')) return { k: 'star', pos };
    const token = this.peek();
    if ((token.kind === 'word' || token.kind === 'quoted') && this.isOp('.', 1) && this.isOp('*', 2)) {
      this.at += 3;
      return { k: 'star', qualifier: token.text, pos };
    }
    const expr = this.expr();
    const alias = this.alias();
    return { k: 'item', expr, ...(alias !== undefined && { alias }), pos };
  }

  private joinChain(): FromItem {
    let left = this.tablePrimary();
    for (;;) {
      this.refuseClauses();
      const pos = this.peek().pos;
      let type: JoinType | undefined;
      if (this.isWord('JOIN')) type = 'INNER';
      else if (this.acceptWord('INNER')) type = 'INNER';
      else if (this.acceptWord('CROSS')) type = 'CROSS';
      else if (this.acceptWord('LEFT')) {
        if (this.acceptWord('SEMI')) type = 'SEMI';
        else if (this.acceptWord('ANTI')) type = 'ANTI';
        else type = (this.acceptWord('OUTER'), 'LEFT');
      } else if (this.acceptWord('RIGHT')) type = (this.acceptWord('OUTER'), 'RIGHT');
      else if (this.acceptWord('FULL')) type = (this.acceptWord('OUTER'), 'FULL');
      else if (this.acceptWord('SEMI')) type = 'SEMI';
      else if (this.acceptWord('ANTI')) type = 'ANTI';
      if (!type) return left;
      this.expectWord('JOIN');
      if (this.isWord('LATERAL')) this.unsupported('LATERAL subqueries');
      const right = this.tablePrimary();
      if (this.acceptWord('ON')) {
        left = { k: 'join', type, left, right, on: this.expr(), pos };
      } else if (this.acceptWord('USING')) {
        this.expectOp('(');
        const using: string[] = [];
        do using.push(this.identifier('a column name'));
        while (this.acceptOp(','));
        this.expectOp(')');
        left = { k: 'join', type, left, right, using, pos };
      } else {
        left = { k: 'join', type, left, right, pos };
      }
    }
  }

  private tablePrimary(): FromItem {
    const pos = this.peek().pos;
    this.refuseClauses();
    if (this.isWord('VALUES')) this.unsupported('VALUES lists');
    if (this.acceptOp('(')) {
      if (this.isWord('SELECT') || this.isWord('WITH') || this.isOp('(')) {
        const query = this.query();
        this.expectOp(')');
        this.afterTable();
        const alias = this.alias();
        if (this.isOp('(')) this.unsupported('column aliases on a subquery, t(a, b)');
        this.afterTable();
        return { k: 'derived', query, ...(alias !== undefined && { alias }), pos };
      }
      const inner = this.joinChain();
      this.expectOp(')');
      if (this.alias() !== undefined) this.unsupported('an alias on a parenthesized join');
      return inner;
    }
    const name = this.identifier('a table name');
    if (this.isOp('.')) this.unsupported(`database-qualified table names (${name}.${this.peek(1).text})`);
    if (this.isOp('(')) this.unsupported(`table-valued function ${name}(...)`);
    this.afterTable();
    const alias = this.alias();
    if (this.isOp('(')) this.unsupported('column aliases on a table, t(a, b)');
    this.afterTable();
    return { k: 'table', name, ...(alias !== undefined && { alias }), pos };
  }

  private afterTable(): void {
    if (this.isWord('TABLESAMPLE')) this.unsupported('TABLESAMPLE');
    if (this.isWord('PIVOT')) this.unsupported('PIVOT');
    if (this.isWord('UNPIVOT')) this.unsupported('UNPIVOT');
    if (this.isWord('FOR') || (this.isWord('VERSION') && this.isWord('AS', 1)) || (this.isWord('TIMESTAMP') && this.isWord('AS', 1))) this.unsupported('time travel');
  }

  // ---- expressions ----------------------------------------------------------

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('OR')) {
      const pos = this.next().pos;
      left = { k: 'binary', op: 'OR', left, right: this.and(), pos };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('AND')) {
      const pos = this.next().pos;
      left = { k: 'binary', op: 'AND', left, right: this.not(), pos };
    }
    return left;
  }

  private not(): Expr {
    const pos = this.peek().pos;
    if (this.acceptWord('NOT') || this.acceptOp('!')) return { k: 'unary', op: 'NOT', arg: this.not(), pos };
    if (this.isWord('EXISTS') && this.isOp('(', 1)) {
      this.next();
      this.expectOp('(');
      const query = this.query();
      this.expectOp(')');
      return { k: 'exists', query, pos };
    }
    return this.predicate(this.comparison());
  }

  /** The predicates that may follow a value: [NOT] BETWEEN / IN / LIKE / RLIKE, IS [NOT] NULL. */
  private predicate(arg: Expr): Expr {
    const pos = this.peek().pos;
    if (this.acceptWord('IS')) {
      const not = this.acceptWord('NOT');
      if (this.acceptWord('NULL')) return { k: 'isnull', arg, not, pos };
      if (this.isWord('DISTINCT')) this.unsupported(`IS ${not ? 'NOT ' : ''}DISTINCT FROM`);
      if (this.isWord('TRUE') || this.isWord('FALSE') || this.isWord('UNKNOWN')) this.unsupported(`IS ${not ? 'NOT ' : ''}${this.peek().text.toUpperCase()}`);
      this.unexpected('NULL');
    }
    const not = this.isWord('NOT') && ['BETWEEN', 'IN', 'LIKE', 'RLIKE', 'REGEXP', 'ILIKE'].some((w) => this.isWord(w, 1));
    if (not) this.next();
    if (this.acceptWord('BETWEEN')) {
      const low = this.comparison();
      this.expectWord('AND');
      const high = this.comparison();
      return { k: 'between', arg, low, high, not, pos };
    }
    if (this.acceptWord('IN')) {
      this.expectOp('(');
      if (this.isWord('SELECT') || this.isWord('WITH')) {
        const query = this.query();
        this.expectOp(')');
        return { k: 'in', arg, query, not, pos };
      }
      const list: Expr[] = [];
      do list.push(this.expr());
      while (this.acceptOp(','));
      this.expectOp(')');
      return { k: 'in', arg, list, not, pos };
    }
    if (this.isWord('ILIKE')) this.unsupported('ILIKE');
    const regex = this.isWord('RLIKE') || this.isWord('REGEXP');
    if (regex || this.isWord('LIKE')) {
      this.next();
      if (this.isWord('ANY') || this.isWord('ALL') || this.isWord('SOME')) this.unsupported(`LIKE ${this.peek().text.toUpperCase()}`);
      const pattern = this.comparison();
      let escape: Expr | undefined;
      if (!regex && this.acceptWord('ESCAPE')) escape = this.comparison();
      return { k: 'like', arg, pattern, ...(escape && { escape }), not, regex, pos };
    }
    return arg;
  }

  private comparison(): Expr {
    let left = this.bitOr();
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'op') return left;
      if (token.text === '<=>') this.unsupported('<=> (null-safe equality)');
      if (!['=', '==', '<>', '!=', '<', '<=', '>', '>='].includes(token.text)) return left;
      this.next();
      const op = token.text === '==' ? '=' : token.text === '!=' ? '<>' : token.text;
      left = { k: 'binary', op, left, right: this.bitOr(), pos: token.pos };
    }
  }

  private bitOr(): Expr {
    const value = this.additive();
    for (const op of ['&', '|', '^']) if (this.isOp(op)) this.unsupported(`bitwise operator ${op}`);
    return value;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'op' || !['+', '-', '||'].includes(token.text)) return left;
      this.next();
      left = { k: 'binary', op: token.text, left, right: this.multiplicative(), pos: token.pos };
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      let op: string | undefined;
      if (token.kind === 'op' && ['*', '/', '%'].includes(token.text)) op = token.text;
      else if (this.isWord('DIV')) op = 'DIV';
      if (!op) return left;
      this.next();
      left = { k: 'binary', op, left, right: this.unary(), pos: token.pos };
    }
  }

  private unary(): Expr {
    const token = this.peek();
    if (token.kind === 'op' && (token.text === '-' || token.text === '+')) {
      this.next();
      const arg = this.unary();
      // Spark's grammar reads the sign as part of a number literal: -2147483648 is an INT.
      if (arg.k === 'number' && token.text === '-') return { k: 'number', text: arg.text.startsWith('-') ? arg.text.slice(1) : `-${arg.text}`, pos: token.pos };
      return { k: 'unary', op: token.text as '-' | '+', arg, pos: token.pos };
    }
    if (token.kind === 'op' && token.text === '~') this.unsupported('bitwise operator ~');
    return this.postfix(this.primary());
  }

  private postfix(value: Expr): Expr {
    if (this.isOp('[')) this.unsupported('subscripts [ ]');
    if (this.isOp('::')) this.unsupported(':: casts');
    if (this.isOp('.')) this.unsupported('field access on an expression');
    return value;
  }

  private primary(): Expr {
    const token = this.peek();
    const pos = token.pos;
    switch (token.kind) {
      case 'number':
        this.next();
        return { k: 'number', text: token.text, pos };
      case 'string': {
        let value = '';
        // Adjacent literals are one: 'a' 'b' is 'ab'.
        while (this.peek().kind === 'string') value += this.next().text;
        return { k: 'string', value, pos };
      }
      case 'quoted':
        return this.columnRef();
      case 'op':
        if (token.text === '(') {
          this.next();
          if (this.isWord('SELECT') || this.isWord('WITH')) {
            const query = this.query();
            this.expectOp(')');
            return { k: 'subquery', query, pos };
          }
          const inner = this.expr();
          if (this.isOp(',')) this.unsupported('row constructors (a, b)');
          this.expectOp(')');
          return inner;
        }
        if (token.text === '?' || token.text === ':') this.unsupported('query parameters');
        if (token.text === '{') this.unsupported('{ } literals');
        return this.unexpected('an expression');
      case 'eof':
        return this.unexpected('an expression');
      case 'word':
        break;
    }
    const word = token.text.toUpperCase();
    switch (word) {
      case 'NULL':
        this.next();
        return { k: 'null', pos };
      case 'TRUE':
      case 'FALSE':
        this.next();
        return { k: 'boolean', value: word === 'TRUE', pos };
      case 'CASE':
        return this.caseExpr();
      case 'CAST':
        if (this.isOp('(', 1)) return this.castExpr();
        break;
      case 'TRY_CAST':
        if (this.isOp('(', 1)) this.unsupported('TRY_CAST');
        break;
      case 'INTERVAL':
        this.unsupported('INTERVAL literals');
        break;
      case 'DATE':
      case 'TIMESTAMP':
        if (this.peek(1).kind === 'string') {
          this.next();
          return { k: 'typed', type: word === 'DATE' ? 'date' : 'timestamp', value: this.next().text, pos };
        }
        break;
      case 'TIMESTAMP_NTZ':
      case 'TIMESTAMP_LTZ':
        if (this.peek(1).kind === 'string') this.unsupported(`${word} literals`);
        break;
      case 'X':
        if (this.peek(1).kind === 'string' && this.peek(1).pos === token.pos + 1) this.unsupported("binary literals X'...'");
        break;
      case 'R':
        if (this.peek(1).kind === 'string' && this.peek(1).pos === token.pos + 1) this.unsupported("raw string literals r'...'");
        break;
    }
    if (this.isOp('(', 1)) return this.call();
    if (NON_DETERMINISTIC.has(token.text.toLowerCase())) this.unsupported(`${token.text.toLowerCase()} (non-deterministic)`);
    if (CLAUSE_WORDS.has(word) || word === 'SELECT') this.unexpected('an expression');
    return this.columnRef();
  }

  private columnRef(): Expr {
    const pos = this.peek().pos;
    const parts = [this.next().text];
    while (this.isOp('.')) {
      if (this.isOp('*', 1)) this.unexpected();
      this.next();
      const token = this.peek();
      if (token.kind !== 'word' && token.kind !== 'quoted') this.unexpected('a column name');
      parts.push(this.next().text);
    }
    if (this.isOp('->')) this.unsupported('lambda functions');
    return { k: 'column', parts, pos };
  }

  private caseExpr(): Expr {
    const pos = this.next().pos;
    const operand = this.isWord('WHEN') ? undefined : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expr();
      this.expectWord('THEN');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) this.unexpected('WHEN');
    const otherwise = this.acceptWord('ELSE') ? this.expr() : undefined;
    this.expectWord('END');
    return { k: 'case', ...(operand && { operand }), whens, ...(otherwise && { otherwise }), pos };
  }

  private castExpr(): Expr {
    const pos = this.next().pos;
    this.expectOp('(');
    const arg = this.expr();
    this.expectWord('AS');
    const to = this.typeName();
    this.expectOp(')');
    return { k: 'cast', arg, to, pos };
  }

  /** A type name in CAST, with Spark's spellings. */
  private typeName(): GlueType {
    const token = this.peek();
    if (token.kind !== 'word') return this.unexpected('a type');
    this.next();
    const word = token.text.toUpperCase();
    const simple: Record<string, GlueType> = {
      BOOLEAN: t.boolean(), TINYINT: t.tinyint(), BYTE: t.tinyint(), SMALLINT: t.smallint(), SHORT: t.smallint(),
      INT: t.int(), INTEGER: t.int(), BIGINT: t.bigint(), LONG: t.bigint(), FLOAT: t.float(), REAL: t.float(),
      DOUBLE: t.double(), STRING: t.string(), BINARY: t.binary(), DATE: t.date(), TIMESTAMP: t.timestamp(),
    };
    if (word === 'DOUBLE' && this.isWord('PRECISION')) this.next();
    if (word in simple) {
      if (this.isOp('(')) this.unexpected();
      return simple[word]!;
    }
    if (word === 'DECIMAL' || word === 'DEC' || word === 'NUMERIC') {
      if (!this.acceptOp('(')) return t.decimal(10, 0);
      const precision = this.typeNumber();
      const scale = this.acceptOp(',') ? this.typeNumber() : 0;
      this.expectOp(')');
      if (precision < 1 || precision > 38 || scale > precision) throw new SparkSqlQueryError(`invalid type decimal(${precision},${scale})`, this.node);
      return t.decimal(precision, scale);
    }
    if (word === 'CHAR' || word === 'VARCHAR') {
      // Spark casts to CHAR(n) and VARCHAR(n) as to STRING (CharVarcharUtils.replaceCharVarcharWithStringForCast).
      if (this.acceptOp('(')) {
        this.typeNumber();
        this.expectOp(')');
      }
      return t.string();
    }
    if (['ARRAY', 'MAP', 'STRUCT'].includes(word)) this.unsupported(`CAST to ${word}`);
    return this.unsupported(`CAST to ${word}`);
  }

  private typeNumber(): number {
    const token = this.next();
    if (token.kind !== 'number' || !/^[0-9]+$/.test(token.text)) {
      this.at--;
      this.unexpected('a number');
    }
    return Number(token.text);
  }

  private call(): Expr {
    const nameToken = this.next();
    const pos = nameToken.pos;
    const name = nameToken.text.toLowerCase();
    this.expectOp('(');
    if (['extract', 'position', 'overlay'].includes(name)) this.unsupported(`${name}(...)`);
    const distinct = this.acceptWord('DISTINCT') ? true : (this.acceptWord('ALL'), false);
    const args: Expr[] = [];
    if (this.isOp('*') && this.isOp(')', 1)) {
      args.push({ k: 'star', pos: this.next().pos });
    } else if (!this.isOp(')')) {
      if (name === 'trim' && ['BOTH', 'LEADING', 'TRAILING'].some((w) => this.isWord(w))) this.unsupported(`trim(${this.peek().text.toUpperCase()} ... FROM ...)`);
      do {
        args.push(this.expr());
        if (this.isWord('FROM') || this.isWord('FOR')) this.unsupported(`${name}(... ${this.peek().text.toUpperCase()} ...)`);
      } while (this.acceptOp(','));
    }
    this.expectOp(')');
    if (this.isWord('FILTER') && this.isOp('(', 1)) this.unsupported('aggregate FILTER (WHERE ...)');
    if (this.isWord('WITHIN')) this.unsupported('WITHIN GROUP');
    if (this.isWord('IGNORE') || this.isWord('RESPECT')) this.unsupported(`${this.peek().text.toUpperCase()} NULLS`);
    let over: WindowSpec | undefined;
    if (this.acceptWord('OVER')) over = this.windowSpec();
    return { k: 'call', name, args, distinct, ...(over && { over }), pos };
  }

  private windowSpec(): WindowSpec {
    if (!this.acceptOp('(')) this.unsupported('named windows (OVER name)');
    const partitionBy: Expr[] = [];
    const orderBy: OrderItem[] = [];
    if (this.isWord('DISTRIBUTE') || this.isWord('CLUSTER')) this.unsupported(`${this.peek().text.toUpperCase()} BY in a window`);
    if (this.acceptWord('PARTITION')) {
      this.expectWord('BY');
      do partitionBy.push(this.expr());
      while (this.acceptOp(','));
    }
    if (this.isWord('SORT')) this.unsupported('SORT BY in a window');
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      orderBy.push(...this.orderItems());
    }
    let frame: string | undefined;
    if (this.isWord('ROWS') || this.isWord('RANGE')) frame = this.frame();
    this.expectOp(')');
    return { partitionBy, orderBy, ...(frame && { frame }) };
  }

  /**
   * A window frame, as DuckDB SQL: ROWS frames with any bounds, RANGE frames only
   * between UNBOUNDED and CURRENT ROW (both engines agree on those; RANGE with offsets
   * depends on the ORDER BY type and is refused).
   */
  private frame(): string {
    const unit = this.next().text.toUpperCase();
    const bound = (): string => {
      if (this.acceptWord('UNBOUNDED')) {
        if (this.acceptWord('PRECEDING')) return 'UNBOUNDED PRECEDING';
        this.expectWord('FOLLOWING');
        return 'UNBOUNDED FOLLOWING';
      }
      if (this.acceptWord('CURRENT')) {
        this.expectWord('ROW');
        return 'CURRENT ROW';
      }
      const token = this.peek();
      if (token.kind !== 'number' || !/^[0-9]+$/.test(token.text)) this.unsupported('window frame bounds other than UNBOUNDED, CURRENT ROW or a number');
      if (unit === 'RANGE') this.unsupported('RANGE frames with offsets');
      this.next();
      if (this.acceptWord('PRECEDING')) return `${token.text} PRECEDING`;
      this.expectWord('FOLLOWING');
      return `${token.text} FOLLOWING`;
    };
    if (this.acceptWord('BETWEEN')) {
      const start = bound();
      this.expectWord('AND');
      return `${unit} BETWEEN ${start} AND ${bound()}`;
    }
    return `${unit} ${bound()}`;
  }
}

// ---------------------------------------------------------------------------
// Translation: names, Spark's types, DuckDB SQL
// ---------------------------------------------------------------------------

/** A column as the current query block sees it. */
interface Column {
  /** Spark's name for it (the schema's spelling, or the alias). */
  readonly name: string;
  readonly type: GlueType;
  /** How the SQL refers to it. */
  readonly sql: string;
  /** An expression column Spark would name itself (`sum(x)`); unreachable by name here. */
  readonly unnamed?: boolean;
  /** A column of an input (its DuckDB type is exactly its declared type). */
  readonly input?: boolean;
}

interface Relation {
  /** The name that qualifies its columns (`o` in `o.id`). */
  readonly qualifier: string;
  readonly columns: readonly Column[];
}

interface FromClause {
  readonly sql: string;
  readonly relations: readonly Relation[];
  /** USING keys: unqualified, they name the merged column. */
  readonly merged: readonly Column[];
  /** What `*` stands for, in Spark's order. */
  readonly star: readonly Column[];
}

/** A query block's FROM clause and the blocks it is nested in (for correlated subqueries). */
interface Scope {
  readonly from: FromClause;
  /** The WITH queries visible here (subqueries in expressions see them too). */
  readonly ctes: Ctes;
  readonly parent?: Scope;
  /** References this block (or a block inside it) makes to enclosing blocks. */
  readonly outer: { count: number };
}

/** A query's result columns; `emitted` is the name its SQL gives each. */
interface QueryColumn {
  readonly name: string;
  readonly type: GlueType;
  readonly emitted: string;
  readonly unnamed: boolean;
}

interface QueryOut {
  readonly sql: string;
  readonly columns: readonly QueryColumn[];
}

interface CteDef {
  readonly sqlName: string;
  readonly columns: readonly QueryColumn[];
}

type Ctes = ReadonlyMap<string, CteDef>;

/** A select-list item, as later clauses may name it. */
interface Output {
  readonly name: string;
  readonly unnamed: boolean;
  readonly type: GlueType;
  readonly sql: string;
  readonly aggregate: boolean;
  readonly input?: boolean;
}

type LiteralValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'integer'; readonly value: bigint }
  /** A decimal or floating-point number. */
  | { readonly kind: 'number'; readonly zero: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'other' };

/** A typed expression and its DuckDB SQL. */
interface Typed {
  readonly sql: string;
  readonly type: GlueType;
  /** Set for a plain column reference: the column's name, which a select item takes. */
  readonly name?: string;
  readonly literal?: LiteralValue;
  /** Whether it contains an aggregate function (outside a window). */
  readonly aggregate: boolean;
  /** Set for a plain reference to an input's column. */
  readonly input?: boolean;
}

interface ExprContext {
  readonly scope: Scope;
  /** Where the expression is, for messages: "WHERE", "GROUP BY", ... */
  readonly clause: string;
  readonly aggregates: boolean;
  readonly windows: boolean;
  /** Inside an aggregate's arguments (aggregates do not nest). */
  readonly inAggregate?: boolean;
  /** Select-list names a clause may use: ORDER BY looks there before the columns, GROUP BY and HAVING after. */
  readonly aliases?: { readonly first: boolean; readonly outputs: readonly Output[] };
}

const EMPTY_FROM: FromClause = { sql: '', relations: [], merged: [], star: [] };

const INTEGRAL_RANK: Partial<Record<GlueType['kind'], number>> = { tinyint: 1, smallint: 2, int: 3, bigint: 4 };
const INTEGRAL_DIGITS: Partial<Record<GlueType['kind'], number>> = { tinyint: 3, smallint: 5, int: 10, bigint: 20 };
const INTEGRAL_RANGE: Partial<Record<GlueType['kind'], [bigint, bigint]>> = {
  tinyint: [-128n, 127n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);
/** Every function the translator knows (the allowlist); see `call`. */
const FUNCTIONS = new Set([
  ...AGGREGATES, 'coalesce', 'nvl', 'ifnull', 'if', 'upper', 'lower', 'trim', 'ltrim', 'rtrim', 'length', 'substring', 'substr',
  'concat', 'abs', 'round', 'floor', 'ceil', 'ceiling', 'year', 'month', 'day', 'dayofmonth', 'quarter', 'hour', 'minute',
  'second', 'date_trunc', 'datediff', 'date_add', 'date_sub', 'row_number', 'rank', 'dense_rank', 'lag', 'lead',
]);
const RANKING = new Set(['row_number', 'rank', 'dense_rank']);
const OFFSETS = new Set(['lag', 'lead']);

/** Spark's date_trunc units (case-insensitive) as DuckDB's date_trunc parts. */
const DATE_TRUNC_UNITS: Record<string, string> = {
  year: 'year', yyyy: 'year', yy: 'year', quarter: 'quarter', month: 'month', mm: 'month', mon: 'month', week: 'week',
  day: 'day', dd: 'day', hour: 'hour', minute: 'minute', second: 'second', millisecond: 'millisecond', microsecond: 'microsecond',
};

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

/** Spark's DIVIDE_BY_ZERO message, which the SQL raises itself (the session turns it back into a SparkRuntimeError). */
const DIVIDE_BY_ZERO = divideByZeroError().message;

class Translator {
  private readonly tables = new Map<string, { alias: string; schema: Schema }>();
  private readonly kernels = new Map<string, KernelCall>();
  /**
   * Names given in the SQL, so that DuckDB never resolves a name differently than the
   * translator did: relation aliases (`FROM o AS o_2` when o is already in use, say by an
   * enclosing query) and WITH query names (distinct from the views and each other).
   */
  private readonly usedQualifiers = new Set<string>();
  private readonly usedTables = new Set<string>();

  constructor(private readonly options: TranslateOptions) {
    for (const table of options.tables) {
      this.tables.set(table.alias.toLowerCase(), table);
      this.usedTables.add(table.alias.toLowerCase());
    }
  }

  translate(query: Query): Translation {
    const out = this.query(query, new Map(), undefined, true);
    const unnamed = out.columns.find((c) => c.unnamed);
    if (unnamed) this.unsupported(`a result column without a name (${unnamed.name}); name it with AS`);
    return { sql: out.sql, schema: out.columns.map((c) => ({ name: c.name, type: c.type })), kernels: [...this.kernels.values()] };
  }

  // ---- messages -------------------------------------------------------------

  private unsupported(construct: string): never {
    throw new UnsupportedSparkSqlError(construct, this.options.node);
  }

  private error(problem: string): never {
    throw new SparkSqlQueryError(problem, this.options.node);
  }

  /** A relation alias (or, with `tables`, a WITH query name) not used yet in the SQL. */
  private unique(base: string, used = this.usedQualifiers): string {
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name.toLowerCase());
    return name;
  }

  // ---- queries --------------------------------------------------------------

  /**
   * A query. `top` marks the query whose result is the node's: DuckDB folds constant
   * expressions that are NULL into NULLs without a type (`'a' || NULL`), so the top
   * query's columns are cast to the types Spark gives them.
   */
  private query(query: Query, ctes: Ctes, outer: Scope | undefined, top = false): QueryOut {
    let visible = ctes;
    const withSql: string[] = [];
    for (const cte of query.ctes) {
      if (query.ctes.filter((c) => c.name.toLowerCase() === cte.name.toLowerCase()).length > 1) this.error(`the WITH query name ${cte.name} is defined twice`);
      // A WITH query sees the ones before it, not the enclosing query's columns.
      const out = this.query(cte.query, visible, undefined);
      let columns = out.columns;
      let columnList = '';
      if (cte.columns) {
        if (cte.columns.length !== columns.length) this.error(`WITH ${cte.name}(${cte.columns.join(', ')}) names ${cte.columns.length} columns but its query returns ${columns.length}`);
        columns = columns.map((c, i) => ({ name: cte.columns![i]!, type: c.type, emitted: cte.columns![i]!, unnamed: false }));
        columnList = `(${cte.columns.map(quoteIdent).join(', ')})`;
      }
      this.checkDistinctNames(columns, `the WITH query ${cte.name}`);
      const sqlName = this.unique(cte.name, this.usedTables);
      withSql.push(`${quoteIdent(sqlName)}${columnList} AS (${out.sql})`);
      visible = new Map(visible).set(cte.name.toLowerCase(), { sqlName, columns });
    }
    const body = this.body(query, visible, outer, top);
    return { sql: (withSql.length > 0 ? `WITH ${withSql.join(', ')} ` : '') + body.sql, columns: body.columns };
  }

  /** The query's body with its ORDER BY and LIMIT. */
  private body(query: Query, ctes: Ctes, outer: Scope | undefined, top: boolean): QueryOut {
    const limit = this.limit(query);
    if (query.body.k === 'select') return this.select(query.body, ctes, outer, query.orderBy, limit, top);
    const inner = query.body.k === 'nested' ? this.query(query.body.query, ctes, outer, top) : this.setOperation(query.body, ctes, outer, top);
    if (query.orderBy.length === 0 && limit === undefined) return inner;
    // ORDER BY after a set operation names its result columns: sort the result as a table.
    const qualifier = this.unique('gk_sorted');
    const columns: Column[] = inner.columns.map((c) => ({ name: c.name, type: c.type, sql: `${quoteIdent(qualifier)}.${quoteIdent(c.emitted)}`, ...(c.unnamed && { unnamed: true }) }));
    const outputs: Output[] = columns.map((c) => ({ name: c.name, unnamed: !!c.unnamed, type: c.type, sql: c.sql, aggregate: false }));
    const from: FromClause = { sql: '', relations: [{ qualifier: '', columns }], merged: [], star: columns };
    const scope: Scope = { from, ctes, ...(outer && { parent: outer }), outer: { count: 0 } };
    const order = this.orderBy(query.orderBy, { scope, clause: 'ORDER BY', aggregates: false, windows: false, aliases: { first: true, outputs } }, outputs);
    const sql = `SELECT * FROM (${inner.sql}) AS ${quoteIdent(qualifier)}${order}${limit !== undefined ? ` LIMIT ${limit}` : ''}`;
    return { sql, columns: inner.columns };
  }

  private limit(query: Query): bigint | undefined {
    if (!query.limit) return undefined;
    const e = query.limit;
    if (e.k !== 'number' || !/^[0-9]+$/.test(e.text)) this.unsupported('LIMIT with anything but a number');
    const n = BigInt(e.text);
    // Without ORDER BY, Spark returns whichever rows its tasks give first.
    if (query.orderBy.length === 0 && n > 0n) this.unsupported('LIMIT without ORDER BY (Spark returns arbitrary rows)');
    return n;
  }

  private setOperation(op: Extract<SetExpr, { k: 'setop' }>, ctes: Ctes, outer: Scope | undefined, top: boolean): QueryOut {
    const left = this.setBranch(op.left, ctes, outer, top);
    const right = this.setBranch(op.right, ctes, outer, top);
    if (left.columns.length !== right.columns.length) {
      this.error(`${op.op} of queries with ${left.columns.length} and ${right.columns.length} columns`);
    }
    const types = left.columns.map((l, i) => {
      const r = right.columns[i]!;
      const type = this.commonType([l.type, r.type]);
      if (!type) this.unsupported(`${op.op} of ${article(l.type)} column with ${article(r.type)} column (${l.name}); CAST one side`);
      return type;
    });
    const branch = (out: QueryOut): string => {
      if (out.columns.every((c, i) => typesEqual(c.type, types[i]!))) return `(${out.sql})`;
      // Spark widens each column to the common type; so does the SQL, explicitly.
      const q = this.unique('gk_branch');
      const items = out.columns.map((c, i) => {
        const value = this.convert({ sql: `${quoteIdent(q)}.${quoteIdent(c.emitted)}`, type: c.type, aggregate: false }, types[i]!);
        return `${value.sql} AS ${quoteIdent(left.columns[i]!.emitted)}`;
      });
      return `(SELECT ${items.join(', ')} FROM (${out.sql}) AS ${quoteIdent(q)})`;
    };
    const sql = `${branch(left)} ${op.op}${op.all ? ' ALL' : ''} ${branch(right)}`;
    return { sql, columns: left.columns.map((c, i) => ({ ...c, type: types[i]! })) };
  }

  private setBranch(branch: SetExpr, ctes: Ctes, outer: Scope | undefined, top: boolean): QueryOut {
    if (branch.k === 'select') return this.select(branch, ctes, outer, [], undefined, top);
    if (branch.k === 'nested') return this.query(branch.query, ctes, outer, top);
    return this.setOperation(branch, ctes, outer, top);
  }

  private select(select: Select, ctes: Ctes, outer: Scope | undefined, orderBy: readonly OrderItem[], limit: bigint | undefined, top = false): QueryOut {
    const from = select.from.length > 0 ? this.fromList(select.from, ctes, outer) : EMPTY_FROM;
    const scope: Scope = { from, ctes, ...(outer && { parent: outer }), outer: { count: 0 } };

    const outputs: Output[] = [];
    for (const item of select.items) {
      if (item.k === 'star') {
        for (const c of this.star(from, item.qualifier)) outputs.push({ name: c.name, unnamed: !!c.unnamed, type: c.type, sql: c.sql, aggregate: false, ...(c.input && { input: true }) });
        continue;
      }
      const value = this.expr(item.expr, { scope, clause: 'SELECT', aggregates: true, windows: true });
      const name = item.alias ?? value.name;
      outputs.push({ name: name ?? label(item.expr), unnamed: name === undefined, type: value.type, sql: value.sql, aggregate: value.aggregate, ...(value.input && { input: true }) });
    }

    const where = select.where ? this.condition(select.where, { scope, clause: 'WHERE', aggregates: false, windows: false }) : undefined;
    const groupBy = select.groupBy.map((g) => this.groupItem(g, scope, outputs));
    const having = select.having
      ? this.condition(select.having, { scope, clause: 'HAVING', aggregates: true, windows: false, aliases: { first: false, outputs } })
      : undefined;
    const aggregated = groupBy.length > 0 || having !== undefined || outputs.some((o) => o.aggregate);
    const order = this.orderBy(orderBy, { scope, clause: 'ORDER BY', aggregates: aggregated, windows: true, aliases: { first: true, outputs } }, outputs);

    const columns: QueryColumn[] = outputs.map((o, i) => ({ name: o.name, type: o.type, emitted: o.unnamed ? `gk_column_${i + 1}` : o.name, unnamed: o.unnamed }));
    // An untyped NULL becomes an INTEGER NULL, so that every result column has a type;
    // the top query's columns get their types (an input's columns have them already).
    const typed = (o: Output) => (o.type.kind === 'null' ? `CAST(${o.sql} AS INTEGER)` : top && !o.input && !isCastTo(o.sql, duckdbType(o.type)) ? `CAST(${o.sql} AS ${duckdbType(o.type)})` : o.sql);
    const items = outputs.map((o, i) => `${typed(o)} AS ${quoteIdent(columns[i]!.emitted)}`);
    let sql = `SELECT ${select.distinct ? 'DISTINCT ' : ''}${items.join(', ')}`;
    if (from.sql) sql += ` FROM ${from.sql}`;
    if (where) sql += ` WHERE ${where}`;
    if (groupBy.length > 0) sql += ` GROUP BY ${groupBy.join(', ')}`;
    if (having) sql += ` HAVING ${having}`;
    sql += order;
    if (limit !== undefined) sql += ` LIMIT ${limit}`;
    return { sql, columns };
  }

  /** A GROUP BY item: a position in the select list, a column, or a select-list alias (Spark's order). */
  private groupItem(g: Expr, scope: Scope, outputs: readonly Output[]): string {
    const byOutput = (o: Output, what: string): string => {
      if (o.aggregate) this.error(`GROUP BY ${what} refers to an aggregate (${o.name})`);
      return o.sql;
    };
    if (g.k === 'number' && /^[0-9]+$/.test(g.text)) {
      const o = outputs[Number(g.text) - 1];
      if (!o) this.error(`GROUP BY position ${g.text} is not in the select list (1 to ${outputs.length})`);
      return byOutput(o!, `position ${g.text}`);
    }
    if (g.k === 'column' && g.parts.length === 1 && !this.findColumn(g.parts, scope, false)) {
      const o = this.outputNamed(g.parts[0]!, outputs);
      if (o) return byOutput(o, g.parts[0]!);
    }
    return this.expr(g, { scope, clause: 'GROUP BY', aggregates: false, windows: false }).sql;
  }

  private orderBy(items: readonly OrderItem[], ctx: ExprContext, outputs: readonly Output[]): string {
    if (items.length === 0) return '';
    const sql = items.map((item) => {
      let key: string;
      const e = item.expr;
      if (e.k === 'number' && /^[0-9]+$/.test(e.text)) {
        const k = Number(e.text);
        if (k < 1 || k > outputs.length) this.error(`ORDER BY position ${k} is not in the select list (1 to ${outputs.length})`);
        key = String(k);
      } else if (e.k === 'column' && e.parts.length === 1 && this.outputNamed(e.parts[0]!, outputs)) {
        // A select-list name: sort by that result column (by position, which DuckDB cannot misread).
        key = String(outputs.indexOf(this.outputNamed(e.parts[0]!, outputs)!) + 1);
      } else {
        const value = this.expr(e, ctx);
        if (isComplex(value.type)) this.unsupported(`ORDER BY ${article(value.type)} value`);
        key = value.sql;
      }
      return `${key} ${sortSuffix(item)}`;
    });
    return ` ORDER BY ${sql.join(', ')}`;
  }

  private outputNamed(name: string, outputs: readonly Output[]): Output | undefined {
    const found = outputs.filter((o) => !o.unnamed && o.name.toLowerCase() === name.toLowerCase());
    if (found.length > 1 && !found.every((o) => o.sql === found[0]!.sql)) this.error(`the name ${name} is ambiguous: the select list has ${found.length} columns of that name`);
    return found[0];
  }

  private checkDistinctNames(columns: readonly QueryColumn[], what: string): void {
    const seen = new Set<string>();
    for (const c of columns) {
      if (c.unnamed) continue;
      if (seen.has(c.name.toLowerCase())) this.unsupported(`${what} returns two columns named ${c.name}`);
      seen.add(c.name.toLowerCase());
    }
  }

  // ---- FROM -----------------------------------------------------------------

  private fromList(items: readonly FromItem[], ctes: Ctes, outer: Scope | undefined): FromClause {
    let result = this.fromItem(items[0]!, ctes, outer);
    for (const item of items.slice(1)) {
      const right = this.fromItem(item, ctes, outer);
      result = {
        sql: `${result.sql} CROSS JOIN ${item.k === 'join' ? `(${right.sql})` : right.sql}`,
        relations: [...result.relations, ...right.relations],
        merged: [...result.merged, ...right.merged],
        star: [...result.star, ...right.star],
      };
    }
    return result;
  }

  private fromItem(item: FromItem, ctes: Ctes, outer: Scope | undefined): FromClause {
    switch (item.k) {
      case 'table': {
        const key = item.name.toLowerCase();
        const cte = ctes.get(key);
        const table = this.tables.get(key);
        let source: string;
        let columns: readonly QueryColumn[];
        let input = false;
        if (cte) {
          source = cte.sqlName;
          columns = cte.columns;
        } else if (table) {
          source = table.alias;
          columns = table.schema.map((f) => ({ name: f.name, type: f.type, emitted: f.name, unnamed: false }));
          input = true;
        } else {
          const known = [...ctes.values()].map((c) => c.sqlName).concat(this.options.tables.map((t) => t.alias));
          const near = closest(item.name, known);
          return this.error(`unknown table ${item.name}${near ? ` (did you mean ${near}?)` : ` (the query's tables: ${known.join(', ')})`}`);
        }
        const qualifier = item.alias ?? item.name;
        return this.relation(quoteIdent(source), qualifier, columns, input);
      }
      case 'derived': {
        // A subquery in FROM does not see the enclosing query's columns (that would be LATERAL).
        const out = this.query(item.query, ctes, undefined);
        this.checkDistinctNames(out.columns, 'a subquery in FROM');
        return this.relation(`(${out.sql})`, item.alias ?? '', out.columns);
      }
      case 'join':
        return this.join(item, ctes, outer);
    }
  }

  private relation(source: string, qualifier: string, columns: readonly QueryColumn[], input = false): FromClause {
    const sqlName = this.unique(qualifier || 'gk_subquery');
    const cols: Column[] = columns.map((c) => ({
      name: c.name,
      type: c.type,
      sql: `${quoteIdent(sqlName)}.${quoteIdent(c.emitted)}`,
      ...(c.unnamed && { unnamed: true }),
      ...(input && { input: true }),
    }));
    return { sql: `${source} AS ${quoteIdent(sqlName)}`, relations: [{ qualifier, columns: cols }], merged: [], star: cols };
  }

  private join(join: Extract<FromItem, { k: 'join' }>, ctes: Ctes, outer: Scope | undefined): FromClause {
    const left = this.fromItem(join.left, ctes, outer);
    const right = this.fromItem(join.right, ctes, outer);
    const rightSql = join.right.k === 'join' ? `(${right.sql})` : right.sql;
    const keepsRight = join.type !== 'SEMI' && join.type !== 'ANTI';
    const keyword = { INNER: 'INNER JOIN', LEFT: 'LEFT JOIN', RIGHT: 'RIGHT JOIN', FULL: 'FULL JOIN', CROSS: 'CROSS JOIN', SEMI: 'SEMI JOIN', ANTI: 'ANTI JOIN' }[join.type];
    const relations = keepsRight ? [...left.relations, ...right.relations] : left.relations;

    if (join.using) {
      const conditions: string[] = [];
      const merged: Column[] = [];
      const leftKeys: Column[] = [];
      const rightKeys: Column[] = [];
      for (const key of join.using) {
        const l = this.usingColumn(left, key, 'left');
        const r = this.usingColumn(right, key, 'right');
        if (!typesEqual(l.type, r.type)) this.unsupported(`USING (${key}) with ${article(l.type)} and ${article(r.type)} column; use ON with an explicit CAST`);
        if (isComplex(l.type)) this.unsupported(`joining on ${formatGlueType(l.type)} columns`);
        conditions.push(`${l.sql} = ${r.sql}`);
        leftKeys.push(l);
        rightKeys.push(r);
        // The merged key is the left one, the right one for RIGHT JOIN, whichever is set for FULL JOIN.
        const sql = join.type === 'RIGHT' ? r.sql : join.type === 'FULL' ? `COALESCE(${l.sql}, ${r.sql})` : l.sql;
        const side = join.type === 'RIGHT' ? r : l;
        merged.push({ name: l.name, type: l.type, sql, ...(join.type !== 'FULL' && side.input && { input: true }) });
      }
      const star = keepsRight
        ? [...merged, ...left.star.filter((c) => !leftKeys.includes(c)), ...right.star.filter((c) => !rightKeys.includes(c))]
        : left.star;
      return {
        sql: `${left.sql} ${keyword} ${rightSql} ON ${conditions.join(' AND ')}`,
        relations,
        merged: keepsRight ? [...merged, ...left.merged.filter((c) => !leftKeys.includes(c)), ...right.merged.filter((c) => !rightKeys.includes(c))] : left.merged,
        star,
      };
    }

    const star = keepsRight ? [...left.star, ...right.star] : left.star;
    const mergedAll = keepsRight ? [...left.merged, ...right.merged] : left.merged;
    if (!join.on) {
      if (join.type !== 'INNER' && join.type !== 'CROSS') this.unsupported(`${join.type} JOIN without ON or USING`);
      return { sql: `${left.sql} CROSS JOIN ${rightSql}`, relations, merged: mergedAll, star };
    }
    if (join.type === 'CROSS') this.unsupported('CROSS JOIN with ON');
    // The condition sees both sides, also for semi and anti joins.
    const both: FromClause = { sql: '', relations: [...left.relations, ...right.relations], merged: [...left.merged, ...right.merged], star: [] };
    const scope: Scope = { from: both, ctes, ...(outer && { parent: outer }), outer: { count: 0 } };
    const on = this.condition(join.on, { scope, clause: 'ON', aggregates: false, windows: false });
    return { sql: `${left.sql} ${keyword} ${rightSql} ON ${on}`, relations, merged: mergedAll, star };
  }

  private usingColumn(side: FromClause, key: string, which: string): Column {
    const found = this.findColumn([key], { from: side, ctes: new Map(), outer: { count: 0 } }, false);
    if (!found) this.error(`USING column ${key} is not in the ${which} side of the join`);
    return found!;
  }

  private star(from: FromClause, qualifier: string | undefined): readonly Column[] {
    if (qualifier === undefined) {
      if (from.relations.length === 0) this.error('SELECT * without FROM');
      return from.star;
    }
    const relations = from.relations.filter((r) => r.qualifier.toLowerCase() === qualifier.toLowerCase());
    if (relations.length === 0) this.error(`${qualifier}.* names no table in FROM`);
    if (relations.length > 1) this.error(`${qualifier}.* is ambiguous: two tables in FROM are named ${qualifier}`);
    return relations[0]!.columns;
  }

  // ---- names ----------------------------------------------------------------

  /**
   * Finds a column by a one- or two-part name in a scope and the scopes around it,
   * counting references to enclosing query blocks; undefined when not found (and
   * `required` is false).
   */
  private findColumn(parts: readonly string[], scope: Scope, required: boolean): Column | undefined {
    const passed: Scope[] = [];
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const found = this.columnIn(parts, s.from);
      if (found) {
        for (const p of passed) p.outer.count++;
        return found;
      }
      passed.push(s);
    }
    if (!required) return undefined;
    const name = parts.join('.');
    if (parts.length === 1) {
      const candidates = [...new Set(scopeColumns(scope).map((c) => c.name))];
      const near = closest(parts[0]!, candidates);
      return this.error(`unknown column ${name}${near ? ` (did you mean ${near}?)` : candidates.length > 0 ? ` (columns: ${candidates.slice(0, 12).join(', ')})` : ''}`);
    }
    if (parts.length === 2) {
      // `a.b` where a is a column: a struct field.
      if (this.columnIn([parts[0]!], scope.from)) this.unsupported(`struct field access (${name})`);
      const qualifiers = scope.from.relations.map((r) => r.qualifier).filter(Boolean);
      if (!qualifiers.some((q) => q.toLowerCase() === parts[0]!.toLowerCase())) {
        const near = closest(parts[0]!, qualifiers);
        return this.error(`unknown table ${parts[0]} in ${name}${near ? ` (did you mean ${near}?)` : ''}`);
      }
      const relation = scope.from.relations.find((r) => r.qualifier.toLowerCase() === parts[0]!.toLowerCase())!;
      const near = closest(parts[1]!, relation.columns.map((c) => c.name));
      return this.error(`unknown column ${name}${near ? ` (did you mean ${parts[0]}.${near}?)` : ''}`);
    }
    if (this.columnIn(parts.slice(0, 2), scope.from) || this.columnIn(parts.slice(0, 1), scope.from)) this.unsupported(`struct field access (${name})`);
    return this.unsupported(`names with more than two parts (${name})`);
  }

  private columnIn(parts: readonly string[], from: FromClause): Column | undefined {
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    if (parts.length === 1) {
      const name = parts[0]!;
      const merged = from.merged.filter((c) => same(c.name, name));
      if (merged.length === 1) return merged[0];
      const found = from.relations.flatMap((r) => r.columns.filter((c) => !c.unnamed && same(c.name, name)).map((c) => ({ c, r })));
      if (found.length > 1) {
        this.error(`column ${name} is ambiguous (it is in ${found.map((f) => f.r.qualifier || 'a subquery').join(' and ')}); qualify it`);
      }
      return found[0]?.c;
    }
    if (parts.length === 2) {
      const relations = from.relations.filter((r) => r.qualifier !== '' && same(r.qualifier, parts[0]!));
      if (relations.length > 1) this.error(`${parts[0]} is ambiguous: two tables in FROM are named ${parts[0]}; give them different aliases`);
      return relations[0]?.columns.find((c) => !c.unnamed && same(c.name, parts[1]!));
    }
    return undefined;
  }

  // ---- expressions ----------------------------------------------------------

  private condition(e: Expr, ctx: ExprContext): string {
    const value = this.expr(e, ctx);
    if (value.type.kind !== 'boolean' && value.type.kind !== 'null') this.error(`${ctx.clause} needs a boolean condition, got ${formatGlueType(value.type)} (${label(e)})`);
    return value.sql;
  }

  private expr(e: Expr, ctx: ExprContext): Typed {
    switch (e.k) {
      case 'number':
        return this.numberLiteral(e.text);
      case 'string':
        if (e.value.includes('\0')) this.unsupported('string literals with a NUL character');
        return { sql: quoteString(e.value), type: t.string(), literal: { kind: 'string', value: e.value }, aggregate: false };
      case 'boolean':
        return { sql: e.value ? 'TRUE' : 'FALSE', type: t.boolean(), literal: { kind: 'other' }, aggregate: false };
      case 'null':
        return { sql: 'NULL', type: t.null(), literal: { kind: 'null' }, aggregate: false };
      case 'typed':
        return this.datetimeLiteral(e.value, e.type, `${e.type.toUpperCase()} literal`);
      case 'column':
        return this.columnRef(e, ctx);
      case 'star':
        return this.error('* is only allowed in count(*) and the select list');
      case 'unary':
        return this.unary(e, ctx);
      case 'binary':
        return this.binary(e, ctx);
      case 'isnull': {
        const arg = this.expr(e.arg, ctx);
        return { sql: `(${arg.sql} IS ${e.not ? 'NOT ' : ''}NULL)`, type: t.boolean(), aggregate: arg.aggregate };
      }
      case 'between': {
        const arg = this.expr(e.arg, ctx);
        const low = this.compare('>=', arg, this.expr(e.low, ctx));
        const high = this.compare('<=', arg, this.expr(e.high, ctx));
        const sql = `(${low.sql} AND ${high.sql})`;
        return { sql: e.not ? `(NOT ${sql})` : sql, type: t.boolean(), aggregate: low.aggregate || high.aggregate };
      }
      case 'in':
        return this.inPredicate(e, ctx);
      case 'exists': {
        const sub = this.subquery(e.query, ctx, true);
        return { sql: `(EXISTS (${sub.sql}))`, type: t.boolean(), aggregate: false };
      }
      case 'like':
        return this.like(e, ctx);
      case 'case':
        return this.caseExpr(e, ctx);
      case 'cast': {
        const arg = this.expr(e.arg, ctx);
        const cast = this.convert(arg, e.to);
        // A CAST is an expression: Spark names it itself, so it no longer names a column.
        return { sql: cast.sql, type: cast.type, aggregate: arg.aggregate };
      }
      case 'call':
        return this.call(e, ctx);
      case 'subquery': {
        const sub = this.subquery(e.query, ctx, false);
        if (sub.columns.length !== 1) this.error(`a scalar subquery must return one column, this one returns ${sub.columns.length}`);
        return { sql: `(${sub.sql})`, type: sub.columns[0]!.type, aggregate: false };
      }
    }
  }

  /** A subquery in an expression; only EXISTS and IN subqueries may refer to the enclosing query. */
  private subquery(query: Query, ctx: ExprContext, correlatable: boolean): QueryOut {
    const scope: Scope = { from: EMPTY_FROM, ctes: ctx.scope.ctes, parent: ctx.scope, outer: { count: 0 } };
    const out = this.query(query, ctx.scope.ctes, scope);
    if (scope.outer.count > 0 && !correlatable) this.unsupported('correlated scalar subqueries');
    return out;
  }

  private columnRef(e: Extract<Expr, { k: 'column' }>, ctx: ExprContext): Typed {
    const alias = (): Typed | undefined => {
      if (e.parts.length !== 1 || !ctx.aliases) return undefined;
      const o = this.outputNamed(e.parts[0]!, ctx.aliases.outputs);
      return o && { sql: o.sql, type: o.type, aggregate: o.aggregate, name: o.name };
    };
    if (ctx.aliases?.first) {
      const found = alias();
      if (found) return found;
    }
    const aliasesAfter = ctx.aliases !== undefined && !ctx.aliases.first;
    const column = this.findColumn(e.parts, ctx.scope, !aliasesAfter);
    if (column) return { sql: column.sql, type: column.type, name: column.name, aggregate: false, ...(column.input && { input: true }) };
    const found = alias();
    if (found) return found;
    this.findColumn(e.parts, ctx.scope, true);
    return this.error(`unknown column ${e.parts.join('.')}`);
  }

  private numberLiteral(text: string): Typed {
    const m = /^(-?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?(BD|[LSYDF])?$/i.exec(text);
    if (!m) return this.unsupported(`the number ${text}`);
    const [, sign, whole, fraction, exponent, suffixRaw] = m;
    const suffix = suffixRaw?.toUpperCase();
    const integer = fraction === undefined && exponent === undefined;
    const typed = (sql: string, type: GlueType, literal: LiteralValue = { kind: 'other' }): Typed => ({ sql, type, literal, aggregate: false });
    const integral = (type: GlueType): Typed => {
      if (!integer) this.error(`${text} is not an integer`);
      const value = BigInt(`${sign}${whole}`);
      const [min, max] = INTEGRAL_RANGE[type.kind]!;
      if (value < min || value > max) this.error(`${text} is out of range for ${formatGlueType(type)}`);
      return typed(type.kind === 'int' ? String(value) : `CAST(${value} AS ${duckdbType(type)})`, type, { kind: 'integer', value });
    };
    switch (suffix) {
      case 'L':
        return integral(t.bigint());
      case 'S':
        return integral(t.smallint());
      case 'Y':
        return integral(t.tinyint());
      case 'D':
        return typed(`CAST(${text.slice(0, -1)} AS DOUBLE)`, t.double(), { kind: 'number', zero: !/[1-9]/.test(`${whole}${fraction ?? ''}`) });
      case 'F':
        return typed(`CAST(${text.slice(0, -1)} AS REAL)`, t.float(), { kind: 'number', zero: !/[1-9]/.test(`${whole}${fraction ?? ''}`) });
      case 'BD': {
        if (exponent !== undefined) this.unsupported(`the decimal literal ${text} with an exponent`);
        return this.decimalLiteral(`${sign}${whole}${fraction !== undefined ? `.${fraction}` : ''}`);
      }
    }
    if (exponent !== undefined) return typed(`CAST(${text} AS DOUBLE)`, t.double(), { kind: 'number', zero: !/[1-9]/.test(`${whole}${fraction ?? ''}`) });
    if (!integer) return this.decimalLiteral(text);
    // An integer literal is the narrowest of INT, BIGINT, DECIMAL(p,0) that holds it.
    const value = BigInt(text);
    // DuckDB reads -2147483648 as the negation of a BIGINT.
    if (value === -2147483648n) return typed(`CAST(${value} AS INTEGER)`, t.int(), { kind: 'integer', value });
    if (value >= -2147483648n && value <= 2147483647n) return typed(String(value), t.int(), { kind: 'integer', value });
    if (value >= -9223372036854775808n && value <= 9223372036854775807n) return typed(`CAST(${value} AS BIGINT)`, t.bigint(), { kind: 'integer', value });
    return this.decimalLiteral(text);
  }

  private decimalLiteral(text: string): Typed {
    const unsigned = text.replace(/^-/, '');
    const type = decimalLiteralType(unsigned.startsWith('.') ? `0${unsigned}` : unsigned.endsWith('.') ? unsigned.slice(0, -1) : unsigned);
    if (!type) return this.unsupported(`the decimal literal ${text} (more than 38 digits)`);
    return { sql: `CAST(${text} AS ${duckdbType(type)})`, type, literal: { kind: 'number', zero: !/[1-9]/.test(text) }, aggregate: false };
  }

  /** A DATE or TIMESTAMP from text, in the forms both engines read the same way (yyyy-mm-dd[ hh:mm[:ss[.ffffff]]]). */
  private datetimeLiteral(text: string, type: 'date' | 'timestamp', what: string): Typed {
    const m = (type === 'date' ? DATE_TEXT : TIMESTAMP_TEXT).exec(text);
    if (!m || !validCivil(m)) this.unsupported(`the ${what} '${text}' (write ${type === 'date' ? 'yyyy-mm-dd' : 'yyyy-mm-dd hh:mm:ss[.ffffff]'})`);
    // A timestamp without a zone is in the session time zone, UTC on Glue; DuckDB's TIMESTAMP is UTC wall-clock time here.
    const sql = type === 'date' ? `DATE ${quoteString(text)}` : `TIMESTAMP ${quoteString(text.replace('T', ' '))}`;
    return { sql, type: type === 'date' ? t.date() : t.timestamp(), literal: { kind: 'other' }, aggregate: false };
  }

  /**
   * A string literal met by a date or timestamp, as Spark reads it there: converted to
   * that type with Spark's cast (so '2024-1-5' is a date, and 'soon' is NULL with ANSI
   * off, an error with it on). Other values are returned as they are.
   */
  private datetimeText(value: Typed, other: GlueType): Typed {
    if (value.literal?.kind !== 'string' || (other.kind !== 'date' && other.kind !== 'timestamp')) return value;
    return this.convert(value, other);
  }

  private unary(e: Extract<Expr, { k: 'unary' }>, ctx: ExprContext): Typed {
    const arg = this.expr(e.arg, ctx);
    if (e.op === 'NOT') {
      this.requireBoolean(arg, 'NOT');
      return { sql: `(NOT ${arg.sql})`, type: t.boolean(), aggregate: arg.aggregate };
    }
    if (arg.type.kind === 'null') return arg;
    if (!isNumeric(arg.type)) this.unsupported(`unary ${e.op} on ${article(arg.type)} value`);
    return { sql: e.op === '+' ? arg.sql : `(- ${arg.sql})`, type: arg.type, aggregate: arg.aggregate };
  }

  private requireBoolean(value: Typed, what: string): void {
    if (value.type.kind !== 'boolean' && value.type.kind !== 'null') this.error(`${what} needs a boolean, got ${formatGlueType(value.type)}`);
  }

  private binary(e: Extract<Expr, { k: 'binary' }>, ctx: ExprContext): Typed {
    const left = this.expr(e.left, ctx);
    const right = this.expr(e.right, ctx);
    const aggregate = left.aggregate || right.aggregate;
    switch (e.op) {
      case 'AND':
      case 'OR':
        this.requireBoolean(left, e.op);
        this.requireBoolean(right, e.op);
        return { sql: `(${left.sql} ${e.op} ${right.sql})`, type: t.boolean(), aggregate };
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.compare(e.op, left, right);
      case '||':
        return this.concat([left, right]);
      default:
        return this.arithmetic(e.op, left, right);
    }
  }

  /** A comparison, both sides converted to the type Spark compares them as. */
  private compare(op: string, leftIn: Typed, rightIn: Typed): Typed {
    const left = this.datetimeText(leftIn, rightIn.type);
    const right = this.datetimeText(rightIn, leftIn.type);
    const type = this.comparisonType(left.type, right.type);
    const sql = `(${this.convert(left, type).sql} ${op} ${this.convert(right, type).sql})`;
    return { sql, type: t.boolean(), aggregate: left.aggregate || right.aggregate };
  }

  /**
   * The type Spark compares two values as. Strings against other types are refused:
   * Spark converts them implicitly, with rules that differ between Glue versions (and
   * a bad string silently becomes NULL with ANSI off); an explicit CAST says what is meant.
   */
  private comparisonType(a: GlueType, b: GlueType): GlueType {
    if (isComplex(a) || isComplex(b)) this.unsupported(`comparing ${formatGlueType(isComplex(a) ? a : b)} values`);
    const type = this.commonType([a, b]);
    if (!type) this.unsupported(`comparing ${article(a)} with ${article(b)} without an explicit CAST`);
    return type!;
  }

  /**
   * The common type of values (CASE branches, COALESCE arguments, IN lists, UNION
   * columns, comparisons): Spark's widening of numbers, strings with strings, dates with
   * timestamps (catalog/types.ts). Undefined when Spark would need to convert strings or
   * otherwise guess.
   */
  private commonType(types: readonly GlueType[]): GlueType | undefined {
    let result: GlueType = t.null();
    for (const type of types) {
      const next = commonType(result, type);
      if (!next) return undefined;
      result = next;
    }
    return result;
  }

  private arithmetic(op: string, left: Typed, right: Typed): Typed {
    const aggregate = left.aggregate || right.aggregate;
    for (const side of [left, right]) {
      if (side.type.kind !== 'null' && !isNumeric(side.type)) {
        const what = side.type.kind === 'date' || side.type.kind === 'timestamp' ? 'date arithmetic with operators (use date_add, date_sub, datediff)' : `arithmetic on ${article(side.type)} value without an explicit CAST`;
        this.unsupported(what);
      }
    }
    if (op === 'DIV') {
      if (![left.type, right.type].every((x) => x.kind === 'null' || isIntegral(x))) this.unsupported('DIV on non-integer values');
      const l = this.convert(left, t.bigint()).sql;
      const r = this.convert(right, t.bigint());
      return { sql: this.divisionGuard(r, `(${l} // ${r.sql})`), type: t.bigint(), aggregate };
    }
    const type = arithmeticType(op, left.type, right.type);
    if (!type) return this.unsupported(`${op} on NULL values without a type (CAST the NULL)`);
    if (type.kind !== 'decimal') {
      // Integral / integral is a double division in Spark.
      const l = this.convert(left, type).sql;
      const r = this.convert(right, type);
      const sql = `(${l} ${op} ${r.sql})`;
      return { sql: op === '/' || op === '%' ? this.divisionGuard(r, sql) : sql, type, aggregate };
    }
    const l = this.convert(left, asDecimal(left.type));
    const r = this.convert(right, asDecimal(right.type));
    const [p1, s1] = decimalParts(l.type);
    const [p2, s2] = decimalParts(r.type);
    const exactFits = op === '+' || op === '-' ? Math.max(p1 - s1, p2 - s2) + Math.max(s1, s2) + 1 <= 38 : op === '*' ? p1 + p2 + 1 <= 38 : op === '%';
    if (exactFits) {
      // The exact result always fits Spark's type: DuckDB computes it exactly.
      const sql = `CAST((${l.sql} ${op} ${r.sql}) AS ${duckdbType(type)})`;
      return { sql: op === '%' ? this.divisionGuard(r, sql) : sql, type, aggregate };
    }
    // Division, and results Spark rounds to fit 38 digits: gluekit's decimal kernel.
    const name = `gluekit_decimal_${{ '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide' }[op as '+']}_${typeTag(l.type)}_${typeTag(r.type)}`;
    this.kernel({ name, args: [l.type, r.type], returns: type, op: { kind: 'decimal', op: op as '+' } });
    return { sql: `${name}(${l.sql}, ${r.sql})`, type, aggregate };
  }

  /**
   * Division and remainder by zero: NULL in Spark with ANSI off, DIVIDE_BY_ZERO with it
   * on, whatever the type. DuckDB gives NULL for integers and decimals but IEEE's
   * Infinity or NaN for doubles, so the SQL decides.
   */
  private divisionGuard(divisor: Typed, sql: string): string {
    const literal = divisor.literal;
    if ((literal?.kind === 'integer' && literal.value !== 0n) || (literal?.kind === 'number' && !literal.zero)) return sql;
    return `CASE WHEN ${divisor.sql} = 0 THEN ${this.options.ansi ? `error(${quoteString(DIVIDE_BY_ZERO)})` : 'NULL'} ELSE ${sql} END`;
  }

  private concat(args: readonly Typed[]): Typed {
    if (args.length === 0) return { sql: "''", type: t.string(), aggregate: false };
    const parts = args.map((a) => {
      if (a.type.kind === 'binary' || isComplex(a.type)) this.unsupported(`concat of ${formatGlueType(a.type)} values`);
      return this.convert(a, t.string()).sql;
    });
    // `||` is NULL when any part is; DuckDB's concat() would skip NULLs, Spark's does not.
    return { sql: parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})`, type: t.string(), aggregate: args.some((a) => a.aggregate) };
  }

  private inPredicate(e: Extract<Expr, { k: 'in' }>, ctx: ExprContext): Typed {
    const arg = this.expr(e.arg, ctx);
    if (e.query) {
      const sub = this.subquery(e.query, ctx, true);
      if (sub.columns.length !== 1) this.error(`an IN subquery must return one column, this one returns ${sub.columns.length}`);
      const column = sub.columns[0]!;
      const type = this.comparisonType(arg.type, column.type);
      let subSql = sub.sql;
      if (!typesEqual(type, column.type)) {
        const q = this.unique('gk_in');
        subSql = `SELECT ${this.convert({ sql: `${quoteIdent(q)}.${quoteIdent(column.emitted)}`, type: column.type, aggregate: false }, type).sql} FROM (${sub.sql}) AS ${quoteIdent(q)}`;
      }
      return { sql: `(${this.convert(arg, type).sql} ${e.not ? 'NOT IN' : 'IN'} (${subSql}))`, type: t.boolean(), aggregate: arg.aggregate };
    }
    const values = e.list!.map((v) => this.datetimeText(this.expr(v, ctx), arg.type));
    const type = this.commonType([arg.type, ...values.map((v) => v.type)]);
    if (!type) this.unsupported(`IN with values of types ${[arg.type, ...values.map((v) => v.type)].map(formatGlueType).join(', ')} without an explicit CAST`);
    if (isComplex(type!)) this.unsupported(`IN on ${formatGlueType(type!)} values`);
    const list = values.map((v) => this.convert(v, type!).sql).join(', ');
    return { sql: `(${this.convert(arg, type!).sql} ${e.not ? 'NOT IN' : 'IN'} (${list}))`, type: t.boolean(), aggregate: arg.aggregate || values.some((v) => v.aggregate) };
  }

  private like(e: Extract<Expr, { k: 'like' }>, ctx: ExprContext): Typed {
    const what = e.regex ? 'RLIKE' : 'LIKE';
    const arg = this.expr(e.arg, ctx);
    const pattern = this.expr(e.pattern, ctx);
    if (pattern.type.kind === 'null') return { sql: 'CAST(NULL AS BOOLEAN)', type: t.boolean(), aggregate: arg.aggregate };
    if (pattern.literal?.kind !== 'string') this.unsupported(`${what} with a pattern that is not a string literal`);
    if (arg.type.kind === 'binary' || isComplex(arg.type)) this.unsupported(`${what} on ${formatGlueType(arg.type)} values`);
    const text = this.convert(arg, t.string()).sql;
    const p = (pattern.literal as { value: string }).value;
    let sql: string;
    if (e.regex) {
      sql = this.rlike(text, p);
    } else {
      let escape = '\\';
      if (e.escape) {
        const esc = this.expr(e.escape, ctx);
        if (esc.literal?.kind !== 'string' || [...esc.literal.value].length !== 1) this.error('ESCAPE needs a one-character string literal');
        escape = (esc.literal as { value: string }).value;
      }
      checkLikePattern(p, escape, (problem) => this.error(problem));
      // DuckDB's LIKE has no escape character unless told; Spark's is a backslash.
      sql = `(${text} LIKE ${quoteString(p)} ESCAPE ${quoteString(escape)})`;
    }
    return { sql: e.not ? `(NOT ${sql})` : sql, type: t.boolean(), aggregate: arg.aggregate };
  }

  /**
   * RLIKE: Java's regular expressions (Spark) run as RE2 (DuckDB), which agree on the
   * common syntax. Java-only syntax is refused; where both accept a pattern but read it
   * differently on some inputs (`.` and `$` around line terminators other than \n, `\s`
   * and the vertical tab, `\b` and (?i) outside ASCII on Java 8/17), the SQL stops with an
   * error on such inputs instead of answering differently.
   */
  private rlike(text: string, pattern: string): string {
    const { refused, guard } = regexHazards(pattern);
    if (refused) this.unsupported(`${refused} in the RLIKE pattern '${pattern}'`);
    const match = `regexp_matches(${text}, ${quoteString(pattern)})`;
    if (!guard) return match;
    const message = `unsupported in local SparkSQL: RLIKE '${pattern}' on a value with ${guard.what} (Java's and DuckDB's regular expressions differ there) (node "${this.options.node}")`;
    return `(CASE WHEN regexp_matches(${text}, ${quoteString(guard.characters)}) THEN error(${quoteString(message)}) ELSE ${match} END)`;
  }

  private caseExpr(e: Extract<Expr, { k: 'case' }>, ctx: ExprContext): Typed {
    const operand = e.operand ? this.expr(e.operand, ctx) : undefined;
    const conditions = e.whens.map((w) => {
      const when = this.expr(w.when, ctx);
      if (operand) return this.compare('=', operand, when);
      this.requireBoolean(when, 'CASE WHEN');
      return when;
    });
    const results = e.whens.map((w) => this.expr(w.then, ctx));
    const otherwise = e.otherwise ? this.expr(e.otherwise, ctx) : undefined;
    const all = otherwise ? [...results, otherwise] : results;
    const type = this.commonType(all.map((r) => r.type));
    if (!type) this.unsupported(`CASE results of types ${all.map((r) => formatGlueType(r.type)).join(', ')} without an explicit CAST`);
    const branches = conditions.map((c, i) => `WHEN ${c.sql} THEN ${this.convert(results[i]!, type!).sql}`);
    const sql = `CASE ${branches.join(' ')}${otherwise ? ` ELSE ${this.convert(otherwise, type!).sql}` : ''} END`;
    return { sql, type: type!, aggregate: [...conditions, ...all].some((x) => x.aggregate) };
  }

  // ---- conversions ----------------------------------------------------------

  /**
   * A value converted to `to` as Spark's CAST converts it. DuckDB's own CAST is used
   * where it gives the same value (or fails where Spark fails); everything else goes
   * through gluekit's cast kernel. DuckDB differs on, for example, double and decimal to
   * integer (it rounds, Spark truncates), string parsing, and number formatting.
   */
  private convert(value: Typed, to: GlueType): Typed {
    const from = value.type;
    if (typesEqual(from, to) || (isStringLike(from) && isStringLike(to))) return { ...value, type: to };
    if (from.kind === 'null') return { sql: `CAST(${value.sql} AS ${duckdbType(to)})`, type: to, aggregate: value.aggregate };
    if (isComplex(from) || isComplex(to)) this.unsupported(`CAST from ${formatGlueType(from)} to ${formatGlueType(to)}`);
    if (!canCast(from, to)) this.error(`cannot cast ${formatGlueType(from)} to ${formatGlueType(to)}`);
    const refusal = this.options.ansi ? ansiCastRefusal(from, to) : undefined;
    if (refusal) this.error(`[${refusal}] cannot cast ${formatGlueType(from)} to ${formatGlueType(to)} with ANSI mode on`);
    if (value.literal?.kind === 'string' && (to.kind === 'date' || to.kind === 'timestamp') && (to.kind === 'date' ? DATE_TEXT : TIMESTAMP_TEXT).test(value.literal.value)) {
      const m = (to.kind === 'date' ? DATE_TEXT : TIMESTAMP_TEXT).exec(value.literal.value)!;
      if (validCivil(m)) return this.datetimeLiteral(value.literal.value, to.kind, 'literal');
    }
    const native = nativeCast(from, to, this.options.ansi);
    if (native) {
      // A number stays the number it was (what division needs to know about its divisor).
      const literal = value.literal && (value.literal.kind === 'integer' || value.literal.kind === 'number') && isNumeric(to) ? value.literal : undefined;
      return { sql: `${native}(${value.sql} AS ${duckdbType(to)})`, type: to, aggregate: value.aggregate, ...(literal && { literal }) };
    }
    const name = `gluekit_cast_${typeTag(from)}_to_${typeTag(to)}`;
    this.kernel({ name, args: [from], returns: to, op: { kind: 'cast' } });
    return { sql: `${name}(${value.sql})`, type: to, aggregate: value.aggregate };
  }

  private kernel(call: KernelCall): void {
    this.kernels.set(call.name, call);
  }

  // ---- functions ------------------------------------------------------------

  private call(e: Extract<Expr, { k: 'call' }>, ctx: ExprContext): Typed {
    const name = e.name;
    if (NON_DETERMINISTIC.has(name)) this.unsupported(`${name}() (non-deterministic)`);
    if (!FUNCTIONS.has(name)) this.unsupported(`function ${name}()`);
    if (e.over) return this.windowCall(e, e.over, ctx);
    if (AGGREGATES.has(name)) {
      if (!ctx.aggregates || ctx.inAggregate) this.error(ctx.inAggregate ? `aggregate ${name}() inside another aggregate` : `aggregate ${name}() in ${ctx.clause}`);
      return this.aggregate(e, ctx, '');
    }
    if (RANKING.has(name) || OFFSETS.has(name)) this.error(`${name}() needs OVER (...)`);
    if (e.distinct) this.error(`DISTINCT in ${name}(), which is not an aggregate`);
    const args = e.args.map((a) => this.expr(a, ctx));
    const aggregate = args.some((a) => a.aggregate);
    const arity = (min: number, max = min) => {
      if (args.length < min || args.length > max) this.error(`${name}() takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`);
    };
    const result = (sql: string, type: GlueType): Typed => ({ sql, type, aggregate });
    switch (name) {
      case 'coalesce':
      case 'nvl':
      case 'ifnull': {
        if (name === 'coalesce') arity(1, Infinity);
        else arity(2);
        const type = this.commonType(args.map((a) => a.type));
        if (!type) this.unsupported(`${name}() of types ${args.map((a) => formatGlueType(a.type)).join(', ')} without an explicit CAST`);
        return result(`coalesce(${args.map((a) => this.convert(a, type!).sql).join(', ')})`, type!);
      }
      case 'if': {
        arity(3);
        this.requireBoolean(args[0]!, 'if()');
        const type = this.commonType([args[1]!.type, args[2]!.type]);
        if (!type) this.unsupported(`if() with results of types ${formatGlueType(args[1]!.type)} and ${formatGlueType(args[2]!.type)} without an explicit CAST`);
        return result(`CASE WHEN ${args[0]!.sql} THEN ${this.convert(args[1]!, type!).sql} ELSE ${this.convert(args[2]!, type!).sql} END`, type!);
      }
      case 'upper':
      case 'lower': {
        arity(1);
        const s = this.stringArg(args[0]!, name);
        // DuckDB's case mapping agrees with Java's on ASCII only (it upper-cases ß to ẞ, Java to SS).
        const kernel = `gluekit_${name}`;
        this.kernel({ name: kernel, args: [t.string()], returns: t.string(), op: { kind: name } });
        return result(`CASE WHEN regexp_matches(${s}, '[^\\x00-\\x7F]') THEN ${kernel}(${s}) ELSE ${name}(${s}) END`, t.string());
      }
      case 'trim':
      case 'ltrim':
      case 'rtrim':
        // Spark's and DuckDB's trim remove spaces (U+0020) only.
        arity(1);
        return result(`${name}(${this.stringArg(args[0]!, name)})`, t.string());
      case 'length': {
        arity(1);
        if (args[0]!.type.kind === 'binary') return result(`CAST(octet_length(${args[0]!.sql}) AS INTEGER)`, t.int());
        // Both count characters (code points).
        return result(`CAST(length(${this.stringArg(args[0]!, name)}) AS INTEGER)`, t.int());
      }
      case 'substring':
      case 'substr': {
        arity(2, 3);
        if (args[0]!.type.kind === 'binary') this.unsupported(`${name}() of binary values`);
        const s = this.stringArg(args[0]!, name);
        const pos = this.intArg(args[1]!, name);
        const len = args[2] ? this.intArg(args[2], name) : '2147483647';
        return result(`gluekit_substring(${s}, ${pos}, ${len})`, t.string());
      }
      case 'concat':
        return this.concat(args);
      case 'abs': {
        arity(1);
        const x = this.numericArg(args[0]!, name);
        return result(`abs(${x.sql})`, x.type);
      }
      case 'round':
        return this.round(args, aggregate);
      case 'floor':
      case 'ceil':
      case 'ceiling': {
        arity(1);
        const x = this.numericArg(args[0]!, name);
        const fn = name === 'floor' ? 'floor' : 'ceil';
        if (x.type.kind === 'decimal') {
          const type = boundedDecimal(x.type.precision - x.type.scale + 1, 0);
          return result(`CAST(${fn}(${x.sql}) AS ${duckdbType(type)})`, type);
        }
        if (isIntegral(x.type)) return result(`CAST(${x.sql} AS BIGINT)`, t.bigint());
        // Spark gives BIGINT; NaN and doubles beyond its range (0 and saturation in Spark) stop the run here.
        return result(`CAST(${fn}(${this.convert(x, t.double()).sql}) AS BIGINT)`, t.bigint());
      }
      case 'year':
      case 'month':
      case 'day':
      case 'dayofmonth':
      case 'quarter': {
        arity(1);
        const d = this.datetimeArg(args[0]!, t.date(), name);
        return result(`CAST(${name === 'dayofmonth' ? 'day' : name}(${d}) AS INTEGER)`, t.int());
      }
      case 'hour':
      case 'minute':
      case 'second': {
        arity(1);
        const ts = this.datetimeArg(args[0]!, t.timestamp(), name);
        return result(`CAST(${name}(${ts}) AS INTEGER)`, t.int());
      }
      case 'date_trunc': {
        arity(2);
        const unitArg = args[0]!;
        if (unitArg.literal?.kind !== 'string') this.unsupported('date_trunc() with a unit that is not a string literal');
        const unit = DATE_TRUNC_UNITS[(unitArg.literal as { value: string }).value.toLowerCase()];
        if (!unit) this.unsupported(`date_trunc() unit '${(unitArg.literal as { value: string }).value}'`);
        return result(`date_trunc('${unit}', ${this.datetimeArg(args[1]!, t.timestamp(), name)})`, t.timestamp());
      }
      case 'datediff': {
        arity(2);
        const end = this.datetimeArg(args[0]!, t.date(), name);
        const start = this.datetimeArg(args[1]!, t.date(), name);
        return result(`CAST(date_diff('day', ${start}, ${end}) AS INTEGER)`, t.int());
      }
      case 'date_add':
      case 'date_sub': {
        arity(2);
        const d = this.datetimeArg(args[0]!, t.date(), name);
        const n = this.intArg(args[1]!, name);
        return result(`(${d} ${name === 'date_add' ? '+' : '-'} ${n})`, t.date());
      }
      default:
        return this.unsupported(`function ${name}()`);
    }
  }

  /** A string argument; Spark casts other simple types to string for string functions. */
  private stringArg(value: Typed, fn: string): string {
    if (value.type.kind === 'binary' || isComplex(value.type)) this.unsupported(`${fn}() of ${formatGlueType(value.type)} values`);
    return this.convert(value, t.string()).sql;
  }

  /** An INT argument (positions, lengths, day counts): TINYINT, SMALLINT or INT. */
  private intArg(value: Typed, fn: string): string {
    if (value.type.kind !== 'null' && !(isIntegral(value.type) && value.type.kind !== 'bigint')) {
      this.unsupported(`${fn}() with ${article(value.type)} where Spark expects an int`);
    }
    return this.convert(value, t.int()).sql;
  }

  private numericArg(value: Typed, fn: string): Typed {
    if (value.type.kind === 'null') return this.convert(value, t.double());
    if (!isNumeric(value.type)) this.unsupported(`${fn}() of ${article(value.type)} value without an explicit CAST`);
    return value;
  }

  /** A date or timestamp argument, converted as Spark converts it (strings through its cast). */
  private datetimeArg(value: Typed, to: GlueType, fn: string): string {
    const kind = value.type.kind;
    if (kind !== 'date' && kind !== 'timestamp' && kind !== 'null' && !isStringLike(value.type)) {
      this.unsupported(`${fn}() of ${article(value.type)} value`);
    }
    return this.convert(value, to).sql;
  }

  private round(args: readonly Typed[], aggregate: boolean): Typed {
    if (args.length < 1 || args.length > 2) this.error(`round() takes 1 or 2 arguments, got ${args.length}`);
    let places = 0;
    if (args[1]) {
      const lit = args[1].literal;
      if (lit?.kind !== 'integer') this.unsupported('round() with a scale that is not an integer literal');
      places = Number((lit as { value: bigint }).value);
    }
    const x = this.numericArg(args[0]!, 'round');
    const type = x.type;
    if (isIntegral(type)) {
      // Rounding an integer to places >= 0 changes nothing; to tens, hundreds, ... both round half up.
      return { sql: places >= 0 ? x.sql : `round(${x.sql}, ${places})`, type, aggregate };
    }
    if (type.kind === 'decimal') {
      // Both round decimals half away from zero; the type is Spark's.
      const scale = Math.max(0, Math.min(places, type.scale));
      const result = boundedDecimal(type.precision - type.scale + 1 + scale, scale);
      return { sql: `CAST(round(${x.sql}, ${places}) AS ${duckdbType(result)})`, type: result, aggregate };
    }
    if (type.kind === 'float') this.unsupported('round() of a float (CAST to double)');
    const name = `gluekit_round_double_${places < 0 ? `minus_${-places}` : places}`;
    this.kernel({ name, args: [t.double()], returns: t.double(), op: { kind: 'round', places } });
    return { sql: `${name}(${x.sql})`, type: t.double(), aggregate };
  }

  /** An aggregate call with Spark's result type; `over` is a window's OVER clause, or ''. */
  private aggregate(e: Extract<Expr, { k: 'call' }>, ctx: ExprContext, over: string): Typed {
    const name = e.name;
    const argCtx: ExprContext = { ...ctx, aggregates: false, windows: false, inAggregate: true };
    const distinct = e.distinct ? 'DISTINCT ' : '';
    if (name === 'count') {
      if (e.args.length === 1 && e.args[0]!.k === 'star') {
        if (e.distinct) this.error('count(DISTINCT *)');
        return { sql: `count(*)${over}`, type: t.bigint(), aggregate: over === '' };
      }
      if (e.args.length !== 1) this.unsupported(e.args.length === 0 ? 'count() without an argument' : 'count() of several values');
      const x = this.expr(e.args[0]!, argCtx);
      if (isComplex(x.type)) this.unsupported(`count() of ${formatGlueType(x.type)} values`);
      return { sql: `count(${distinct}${x.sql})${over}`, type: t.bigint(), aggregate: over === '' };
    }
    if (e.args.length !== 1 || e.args[0]!.k === 'star') this.error(`${name}() takes one argument`);
    const x = this.expr(e.args[0]!, argCtx);
    const isAggregate = over === '';
    if (name === 'min' || name === 'max') {
      if (isComplex(x.type)) this.unsupported(`${name}() of ${formatGlueType(x.type)} values`);
      return { sql: `${name}(${distinct}${x.sql})${over}`, type: x.type, aggregate: isAggregate };
    }
    if (x.type.kind !== 'null' && !isNumeric(x.type)) this.unsupported(`${name}() of ${formatGlueType(x.type)} values without an explicit CAST`);
    if (x.type.kind === 'null') this.unsupported(`${name}(NULL)`);
    const type = x.type;
    if (name === 'sum') {
      if (isIntegral(type)) {
        // Spark sums integers as BIGINT; DuckDB as HUGEINT, so a sum beyond BIGINT stops the run (Spark wraps it with ANSI off).
        return { sql: `CAST(sum(${distinct}${this.convert(x, t.bigint()).sql})${over} AS BIGINT)`, type: t.bigint(), aggregate: isAggregate };
      }
      if (type.kind === 'decimal') {
        // Exact in both; a sum needing more than p+10 digits is NULL with ANSI off, an error with it on.
        const result = boundedDecimal(type.precision + 10, type.scale);
        return { sql: `${this.options.ansi ? 'CAST' : 'TRY_CAST'}(sum(${distinct}${x.sql})${over} AS ${duckdbType(result)})`, type: result, aggregate: isAggregate };
      }
      return { sql: `sum(${distinct}${this.convert(x, t.double()).sql})${over}`, type: t.double(), aggregate: isAggregate };
    }
    // avg
    if (type.kind !== 'decimal') {
      // Spark averages every number type but decimals as doubles (BIGINTs beyond 2^53 rounded first).
      return { sql: `avg(${distinct}${this.convert(x, t.double()).sql})${over}`, type: t.double(), aggregate: isAggregate };
    }
    const sumType = boundedDecimal(type.precision + 10, type.scale);
    const result = boundedDecimal(type.precision + 4, type.scale + 4);
    const kernel = `gluekit_avg_${typeTag(type)}`;
    this.kernel({ name: kernel, args: [sumType, t.bigint()], returns: result, op: { kind: 'avg' } });
    const sum = `${this.options.ansi ? 'CAST' : 'TRY_CAST'}(sum(${distinct}${x.sql})${over} AS ${duckdbType(sumType)})`;
    return { sql: `${kernel}(${sum}, count(${distinct}${x.sql})${over})`, type: result, aggregate: isAggregate };
  }

  private windowCall(e: Extract<Expr, { k: 'call' }>, spec: WindowSpec, ctx: ExprContext): Typed {
    const name = e.name;
    if (!ctx.windows) this.error(`window function ${name}() in ${ctx.clause}`);
    const inner: ExprContext = { ...ctx, windows: false, clause: 'OVER' };
    const partition = spec.partitionBy.map((p) => {
      const v = this.expr(p, inner);
      if (isComplex(v.type)) this.unsupported(`PARTITION BY ${article(v.type)} value`);
      return v;
    });
    const order = spec.orderBy.map((o) => {
      const v = this.expr(o.expr, inner);
      if (isComplex(v.type)) this.unsupported(`ORDER BY ${article(v.type)} value`);
      return { v, item: o };
    });
    const parts: string[] = [];
    if (partition.length > 0) parts.push(`PARTITION BY ${partition.map((p) => p.sql).join(', ')}`);
    if (order.length > 0) parts.push(`ORDER BY ${order.map(({ v, item }) => `${v.sql} ${sortSuffix(item)}`).join(', ')}`);
    if (spec.frame) parts.push(spec.frame);
    const over = ` OVER (${parts.join(' ')})`;
    const aggregate = [...partition, ...order.map((o) => o.v)].some((v) => v.aggregate);
    if (AGGREGATES.has(name)) {
      if (e.distinct) this.error(`DISTINCT in the window function ${name}()`);
      const value = this.aggregate(e, { ...ctx, aggregates: true, inAggregate: false }, over);
      return { ...value, aggregate: value.aggregate || aggregate };
    }
    if (spec.frame && (RANKING.has(name) || OFFSETS.has(name))) this.error(`${name}() does not take a window frame`);
    if (order.length === 0 && (RANKING.has(name) || OFFSETS.has(name))) this.error(`${name}() needs ORDER BY in its window`);
    if (e.distinct) this.error(`DISTINCT in ${name}()`);
    if (RANKING.has(name)) {
      if (e.args.length > 0) this.error(`${name}() takes no arguments`);
      return { sql: `CAST(${name}()${over} AS INTEGER)`, type: t.int(), aggregate };
    }
    if (OFFSETS.has(name)) {
      if (e.args.length < 1 || e.args.length > 3) this.error(`${name}() takes 1 to 3 arguments, got ${e.args.length}`);
      const args = e.args.map((a) => this.expr(a, inner));
      const x = args[0]!;
      let offset = 1n;
      if (args[1]) {
        if (args[1].literal?.kind !== 'integer') this.unsupported(`${name}() with an offset that is not an integer literal`);
        offset = (args[1].literal as { value: bigint }).value;
        if (offset < 0n) this.unsupported(`${name}() with a negative offset`);
      }
      let sql = `${name}(${x.sql}, ${offset}`;
      if (args[2]) {
        // Spark casts the default to the value's type.
        const d = args[2].type;
        const castable = d.kind === 'null' || typesEqual(d, x.type) || (isNumeric(d) && isNumeric(x.type)) || (isStringLike(d) && isStringLike(x.type));
        if (!castable) this.unsupported(`${name}() with a default of type ${formatGlueType(d)} for ${article(x.type)} value`);
        sql += `, ${this.convert(args[2], x.type).sql}`;
      }
      return { sql: `${sql})${over}`, type: x.type, aggregate: aggregate || args.some((a) => a.aggregate) };
    }
    return this.unsupported(`window function ${name}()`);
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Whether `sql` is one CAST (or TRY_CAST) to `type` as a whole, so that it has that type already. */
function isCastTo(sql: string, type: string): boolean {
  const m = /^(?:TRY_)?CAST\(/.exec(sql);
  if (!m || !sql.endsWith(` AS ${type})`)) return false;
  // The CAST's parenthesis must close at the very end (not `CAST(a AS T) + CAST(b AS T)`), outside string literals.
  let depth = 0;
  let quoted: string | undefined;
  for (let i = m[0].length - 1; i < sql.length; i++) {
    const c = sql[i]!;
    if (quoted) {
      if (c === quoted) quoted = undefined;
    } else if (c === "'" || c === '"') {
      quoted = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      return i === sql.length - 1;
    }
  }
  return false;
}

/** A type with its indefinite article, for messages: "an int", "a string". */
function article(type: GlueType): string {
  const name = formatGlueType(type);
  return `${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** ASC / DESC with the NULL placement Spark uses when none is written: first ascending, last descending (DuckDB puts them last). */
function sortSuffix(item: OrderItem): string {
  const nulls = item.nulls ?? (item.desc ? 'LAST' : 'FIRST');
  return `${item.desc ? 'DESC' : 'ASC'} NULLS ${nulls}`;
}

/** The decimal type Spark treats an operand as in decimal arithmetic (integers exactly). */
function asDecimal(type: GlueType): GlueType {
  if (type.kind === 'decimal') return type;
  const digits = INTEGRAL_DIGITS[type.kind];
  return digits !== undefined ? t.decimal(digits, 0) : type;
}

function decimalParts(type: GlueType): [number, number] {
  return type.kind === 'decimal' ? [type.precision, type.scale] : [38, 0];
}

/** A type as part of a function name: decimal(10,2) is decimal_10_2. */
function typeTag(type: GlueType): string {
  return formatGlueType(type).replace(/[^a-z0-9]+/g, '_').replace(/_$/, '');
}

/**
 * DuckDB's CAST where it gives exactly Spark's value, or fails exactly where Spark
 * fails: 'CAST', or 'TRY_CAST' where Spark gives NULL with ANSI off (decimal overflow).
 * Undefined where gluekit's cast kernel must do it.
 */
function nativeCast(from: GlueType, to: GlueType, ansi: boolean): 'CAST' | 'TRY_CAST' | undefined {
  const overflow = ansi ? 'CAST' : 'TRY_CAST';
  const fromRank = INTEGRAL_RANK[from.kind];
  const toRank = INTEGRAL_RANK[to.kind];
  if (fromRank !== undefined) {
    // Narrowing wraps around with ANSI off; with it on, both fail.
    if (toRank !== undefined) return toRank >= fromRank || ansi ? 'CAST' : undefined;
    if (to.kind === 'double' || to.kind === 'float' || to.kind === 'boolean' || isStringLike(to)) return 'CAST';
    if (to.kind === 'decimal') return INTEGRAL_DIGITS[from.kind]! <= to.precision - to.scale ? 'CAST' : overflow;
    return undefined;
  }
  if (from.kind === 'boolean') {
    if (toRank !== undefined || to.kind === 'double' || to.kind === 'float' || isStringLike(to)) return 'CAST';
    if (to.kind === 'decimal') return to.precision - to.scale >= 1 ? 'CAST' : overflow;
    return undefined;
  }
  if (from.kind === 'decimal') {
    if (to.kind === 'decimal') {
      // Both round HALF_UP when the scale shrinks; rounding up may need one more integer digit.
      const fromWhole = from.precision - from.scale;
      const toWhole = to.precision - to.scale;
      const fits = to.scale >= from.scale ? toWhole >= fromWhole : toWhole > fromWhole;
      return fits ? 'CAST' : overflow;
    }
    // Up to 15 digits, the unscaled value and the power of ten are exact doubles: one correctly rounded division in both.
    if (to.kind === 'double' && from.precision <= 15) return 'CAST';
    return undefined;
  }
  if (from.kind === 'float' && to.kind === 'double') return 'CAST';
  if (from.kind === 'date' && to.kind === 'timestamp') return 'CAST';
  if (from.kind === 'timestamp' && to.kind === 'date') return 'CAST';
  return undefined;
}

/** Whether the date parts of a DATE_TEXT / TIMESTAMP_TEXT match are a real date and time. */
function validCivil(m: RegExpExecArray): boolean {
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1) return false;
  const date = new Date(Date.UTC(2000, mo - 1, d));
  date.setUTCFullYear(y);
  const timeOk = (m[4] === undefined || Number(m[4]) < 24) && (m[5] === undefined || Number(m[5]) < 60) && (m[6] === undefined || Number(m[6]) < 60);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && timeOk;
}

/**
 * Spark's LIKE patterns: the escape character must precede `_`, `%` or itself (Spark
 * fails on anything else, DuckDB would read it as a literal).
 */
function checkLikePattern(pattern: string, escape: string, fail: (problem: string) => never): void {
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== escape) continue;
    const next = chars[i + 1];
    if (next === undefined) fail(`the LIKE pattern '${pattern}' ends with the escape character`);
    if (next !== '_' && next !== '%' && next !== escape) fail(`the LIKE pattern '${pattern}': the escape character may only precede _, % or itself`);
    i++;
  }
}

/**
 * What keeps a Java regular expression from meaning the same in RE2: syntax to refuse,
 * or the characters on which the two may disagree (the SQL then errors on inputs that
 * contain them).
 */
function regexHazards(pattern: string): { refused?: string; guard?: { characters: string; what: string } } {
  // Java's `.` also stops at \r, U+0085, U+2028 and U+2029, its `$` (and ^ $ with (?m)) also before them and \n.
  const dotTerminators = ['\\r', '\\x{85}', '\\x{2028}', '\\x{2029}'];
  const characters = new Set<string>();
  const what = new Set<string>();
  let nonAscii = false;
  const terminators = (withNewline: boolean) => {
    for (const c of dotTerminators) characters.add(c);
    if (withNewline) characters.add('\\n');
    what.add('line terminators');
  };
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      i++;
      if (n === 'Q') {
        const end = pattern.indexOf('\\E', i);
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if (/[1-9]/.test(n) || n === 'k') return { refused: 'back-references' };
      if (n === '0') return { refused: 'octal escapes \\0' };
      if (n === 'p' || n === 'P') return { refused: `\\${n}{...} classes` };
      if (n !== '' && 'hHvVRXGZcueN'.includes(n)) return { refused: `\\${n}` };
      if (n === 's' || n === 'S') {
        // Java's \s includes the vertical tab, RE2's does not.
        characters.add('\\x0B');
        what.add('a vertical tab');
      }
      // Java 8 and 17 judge \b by Unicode letters, RE2 by ASCII word characters.
      if ((n === 'b' || n === 'B') && !inClass) nonAscii = true;
      continue;
    }
    if (inClass) {
      if (c === '[') return { refused: 'nested character classes' };
      if (c === '&' && pattern[i + 1] === '&') return { refused: 'character class intersections &&' };
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '.') terminators(false);
    if (c === '$') terminators(true);
    if ('*+?}'.includes(c) && pattern[i + 1] === '+') return { refused: 'possessive quantifiers' };
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (/^(=|!|<=|<!|>)/.test(rest)) return { refused: 'lookaround and atomic groups' };
      if (rest.startsWith(':')) continue;
      const flags = /^[a-zA-Z-]+/.exec(rest)?.[0] ?? '';
      if (!flags) return { refused: 'named groups' };
      for (const f of flags.replace('-', '')) {
        // Java's (?i) folds ASCII only, RE2's all of Unicode.
        if (f === 'i') nonAscii = true;
        else if (f === 'm') terminators(true);
        else if (f === 's') terminators(false);
        else return { refused: `the flag (?${f})` };
      }
    }
  }
  if (nonAscii) what.add('non-ASCII characters');
  if (what.size === 0) return {};
  const parts = [...(nonAscii ? ['[^\\x00-\\x7F]'] : []), ...(characters.size > 0 ? [`[${[...characters].join('')}]`] : [])];
  return { guard: { characters: parts.join('|'), what: [...what].join(' or ') } };
}

/** Every column a scope can see, for "did you mean". */
function scopeColumns(scope: Scope): Column[] {
  const columns: Column[] = [];
  for (let s: Scope | undefined = scope; s; s = s.parent) columns.push(...s.from.merged, ...s.from.relations.flatMap((r) => r.columns.filter((c) => !c.unnamed)));
  return columns;
}

/** An expression as text for messages, close to how Spark names result columns. */
function label(e: Expr): string {
  switch (e.k) {
    case 'number':
      return e.text;
    case 'string':
      return e.value;
    case 'boolean':
      return String(e.value);
    case 'null':
      return 'NULL';
    case 'typed':
      return `${e.type.toUpperCase()} '${e.value}'`;
    case 'column':
      return e.parts.join('.');
    case 'star':
      return '*';
    case 'unary':
      return e.op === 'NOT' ? `(NOT ${label(e.arg)})` : `(${e.op} ${label(e.arg)})`;
    case 'binary':
      return `(${label(e.left)} ${e.op} ${label(e.right)})`;
    case 'cast':
      return `CAST(${label(e.arg)} AS ${formatGlueType(e.to).toUpperCase()})`;
    case 'call':
      return `${e.name}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map(label).join(', ')})${e.over ? ' OVER (...)' : ''}`;
    case 'case':
      return 'CASE ... END';
    default:
      return `${e.k} expression`;
  }
}
