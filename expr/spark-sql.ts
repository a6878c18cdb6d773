/**
 * Prints a checked expression as Spark SQL text, for `F.expr(...)` in the generated
 * script and for Glue Studio's SparkSQL nodes. Every operator is parenthesised, so the
 * text never depends on Spark's precedence rules; identifiers are backquoted and string
 * literals escaped, so no column name or value can change the statement's shape.
 */
import { typeText } from '../catalog/schema.js';
import type { ExprNode } from './expr.js';

export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** A dotted path (`customer.address.city`) as quoted parts, unless a column has that exact name. */
export function quoteColumn(name: string, isWholeName = false): string {
  return isWholeName ? quoteIdentifier(name) : name.split('.').map(quoteIdentifier).join('.');
}

/** Spark SQL string literal: backslash and quote are escaped (spark.sql.parser.escapedStringLiterals=false). */
export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + "'";
}

export interface SqlOptions {
  /** Column names that contain dots but are whole top-level names, not struct paths. */
  readonly dottedColumns?: ReadonlySet<string>;
}

export function toSparkSql(e: ExprNode, options: SqlOptions = {}): string {
  const sql = (x: ExprNode) => toSparkSql(x, options);
  switch (e.kind) {
    case 'col':
      return quoteColumn(e.name, options.dottedColumns?.has(e.name));
    case 'lit':
      switch (e.type) {
        case 'null':
          return 'NULL';
        case 'string':
          return quoteString(String(e.value));
        case 'boolean':
          return e.value ? 'TRUE' : 'FALSE';
        case 'int':
          return String(e.value);
        case 'bigint':
          return `${e.value}L`;
        case 'double':
          return `${formatDouble(e.value as number)}D`;
        case 'decimal':
          return `${e.value}BD`;
        case 'date':
          return `DATE ${quoteString(String(e.value))}`;
        case 'timestamp':
          return `TIMESTAMP ${quoteString(String(e.value))}`;
      }
      break;
    case 'compare':
      return `(${sql(e.left)} ${e.op} ${sql(e.right)})`;
    case 'and':
    case 'or':
      return e.args.length === 1 ? sql(e.args[0]!) : `(${e.args.map(sql).join(` ${e.kind.toUpperCase()} `)})`;
    case 'not':
      return `(NOT ${sql(e.arg)})`;
    case 'isNull':
      return `(${sql(e.arg)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'in':
      return `(${sql(e.arg)} ${e.negated ? 'NOT ' : ''}IN (${e.values.map(sql).join(', ')}))`;
    case 'between':
      return `(${sql(e.arg)} BETWEEN ${sql(e.low)} AND ${sql(e.high)})`;
    case 'like':
      return `(${sql(e.arg)} ${e.regex ? 'RLIKE' : 'LIKE'} ${quoteString(e.pattern)})`;
    case 'arith':
      return `(${sql(e.left)} ${e.op} ${sql(e.right)})`;
    case 'negate':
      return `(- ${sql(e.arg)})`;
    case 'cast':
      return `CAST(${sql(e.arg)} AS ${typeText(e.to)})`;
    case 'coalesce':
      return `coalesce(${e.args.map(sql).join(', ')})`;
    case 'call':
      return `${e.fn}(${e.args.map(sql).join(', ')})`;
  }
  throw new Error(`unprintable expression kind ${(e as { kind: string }).kind}`);
}

/** A double that Spark reads back as the same value (`1.0`, not `1`). */
function formatDouble(value: number): string {
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}
