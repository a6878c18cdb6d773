/**
 * The Spark SQL to DuckDB SQL translator (local-runner/sql/spark-to-duckdb.ts): what it
 * prints for the Spark SQL it runs, what it refuses and how it says so, and that every
 * translation is SQL DuckDB runs.
 */
import { describe, expect, it } from 'vitest';
import { resolveSchema, type Schema, type SchemaInput } from '../../catalog/schema.js';
import { t } from '../../catalog/types.js';
import { ProblemList } from '../../core/problems.js';
import { runSparkSql } from '../../local-runner/sql/duckdb-session.js';
import { SparkSqlQueryError, translateSparkSql, UnsupportedSparkSqlError } from '../../local-runner/sql/spark-to-duckdb.js';

function schema(input: SchemaInput): Schema {
  const resolved = resolveSchema(input, new ProblemList('test.ts', 'test').at('schema', 'schema'));
  if (!resolved) throw new Error('bad test schema');
  return resolved;
}

const tables = [
  {
    alias: 'o',
    schema: schema({
      id: 'int', cid: 'int', amount: 'decimal(10,2)', status: 'string', ts: 'timestamp', d: 'date', price: 'double', qty: 'bigint', small: 'tinyint', tags: 'array<string>',
    }),
  },
  { alias: 'c', schema: schema({ id: 'int', name: 'string' }) },
];

const translate = (query: string, ansi = false) => translateSparkSql(query, { node: 'q', ansi, tables });

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** Spark SQL, and the DuckDB SQL it becomes (ANSI mode off). */
const translations: [string, string][] = [
  [
    "SELECT id, status FROM o",
    "SELECT \"o\".\"id\" AS \"id\", \"o\".\"status\" AS \"status\" FROM \"o\" AS \"o\"",
  ],
  [
    "select `id`, o.`status` as `the status` from o -- comment",
    "SELECT \"o\".\"id\" AS \"id\", \"o\".\"status\" AS \"the status\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT o.id, c.name FROM o JOIN c ON o.cid = c.id",
    "SELECT \"o\".\"id\" AS \"id\", \"c\".\"name\" AS \"name\" FROM \"o\" AS \"o\" INNER JOIN \"c\" AS \"c\" ON (\"o\".\"cid\" = \"c\".\"id\")",
  ],
  [
    "SELECT * FROM o LEFT SEMI JOIN c ON o.cid = c.id",
    "SELECT \"o\".\"id\" AS \"id\", \"o\".\"cid\" AS \"cid\", \"o\".\"amount\" AS \"amount\", \"o\".\"status\" AS \"status\", \"o\".\"ts\" AS \"ts\", \"o\".\"d\" AS \"d\", \"o\".\"price\" AS \"price\", \"o\".\"qty\" AS \"qty\", \"o\".\"small\" AS \"small\", \"o\".\"tags\" AS \"tags\" FROM \"o\" AS \"o\" SEMI JOIN \"c\" AS \"c\" ON (\"o\".\"cid\" = \"c\".\"id\")",
  ],
  [
    "SELECT c.* FROM o RIGHT OUTER JOIN c ON o.cid = c.id",
    "SELECT \"c\".\"id\" AS \"id\", \"c\".\"name\" AS \"name\" FROM \"o\" AS \"o\" RIGHT JOIN \"c\" AS \"c\" ON (\"o\".\"cid\" = \"c\".\"id\")",
  ],
  [
    "SELECT id, name FROM o JOIN c USING (id)",
    "SELECT \"o\".\"id\" AS \"id\", \"c\".\"name\" AS \"name\" FROM \"o\" AS \"o\" INNER JOIN \"c\" AS \"c\" ON \"o\".\"id\" = \"c\".\"id\"",
  ],
  [
    "SELECT id FROM o FULL JOIN c USING (id)",
    "SELECT CAST(COALESCE(\"o\".\"id\", \"c\".\"id\") AS INTEGER) AS \"id\" FROM \"o\" AS \"o\" FULL JOIN \"c\" AS \"c\" ON \"o\".\"id\" = \"c\".\"id\"",
  ],
  [
    "SELECT o.id FROM o, c WHERE o.cid = c.id",
    "SELECT \"o\".\"id\" AS \"id\" FROM \"o\" AS \"o\" CROSS JOIN \"c\" AS \"c\" WHERE (\"o\".\"cid\" = \"c\".\"id\")",
  ],
  [
    "SELECT CAST(qty AS STRING) AS a, CAST(id AS LONG) AS b, CAST(amount AS DECIMAL(12,4)) AS c, CAST(price AS INT) AS d, CAST(small AS SHORT) AS e, CAST(ts AS DATE) AS f FROM o",
    "SELECT CAST(\"o\".\"qty\" AS VARCHAR) AS \"a\", CAST(\"o\".\"id\" AS BIGINT) AS \"b\", CAST(\"o\".\"amount\" AS DECIMAL(12,4)) AS \"c\", CAST(gluekit_cast_double_to_int(\"o\".\"price\") AS INTEGER) AS \"d\", CAST(\"o\".\"small\" AS SMALLINT) AS \"e\", CAST(\"o\".\"ts\" AS DATE) AS \"f\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT CAST(amount AS DECIMAL(5,1)) AS x, CAST(status AS INT) AS y, CAST(qty AS INT) AS z FROM o",
    "SELECT TRY_CAST(\"o\".\"amount\" AS DECIMAL(5,1)) AS \"x\", CAST(gluekit_cast_string_to_int(\"o\".\"status\") AS INTEGER) AS \"y\", CAST(gluekit_cast_bigint_to_int(\"o\".\"qty\") AS INTEGER) AS \"z\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT 'it''s' AS a, 'a\\tb\\u0041\\\\' AS b, \"dq\" AS c, 'x' 'y' AS d",
    "SELECT CAST('its' AS VARCHAR) AS \"a\", CAST('a\tbA\\' AS VARCHAR) AS \"b\", CAST('dq' AS VARCHAR) AS \"c\", CAST('xy' AS VARCHAR) AS \"d\"",
  ],
  [
    "SELECT 1 AS i, 2147483648 AS l, 10L AS b, 5S AS s, 7Y AS t, 1.50 AS dec, 1.5D AS dbl, 1e3 AS e, 2.5F AS f, 9.99BD AS bd, -2147483648 AS m",
    "SELECT CAST(1 AS INTEGER) AS \"i\", CAST(2147483648 AS BIGINT) AS \"l\", CAST(10 AS BIGINT) AS \"b\", CAST(5 AS SMALLINT) AS \"s\", CAST(7 AS TINYINT) AS \"t\", CAST(1.50 AS DECIMAL(3,2)) AS \"dec\", CAST(1.5 AS DOUBLE) AS \"dbl\", CAST(1e3 AS DOUBLE) AS \"e\", CAST(2.5 AS REAL) AS \"f\", CAST(9.99 AS DECIMAL(3,2)) AS \"bd\", CAST(-2147483648 AS INTEGER) AS \"m\"",
  ],
  [
    "SELECT id / 2 AS a, id % 2 AS b, id DIV 2 AS c, amount + 1 AS d, amount * price AS e, amount / 3 AS f, price - qty AS g FROM o",
    "SELECT CAST((CAST(\"o\".\"id\" AS DOUBLE) / CAST(2 AS DOUBLE)) AS DOUBLE) AS \"a\", CAST((\"o\".\"id\" % 2) AS INTEGER) AS \"b\", CAST((CAST(\"o\".\"id\" AS BIGINT) // CAST(2 AS BIGINT)) AS BIGINT) AS \"c\", CAST((\"o\".\"amount\" + CAST(1 AS DECIMAL(10,0))) AS DECIMAL(13,2)) AS \"d\", CAST((CAST(\"o\".\"amount\" AS DOUBLE) * \"o\".\"price\") AS DOUBLE) AS \"e\", CAST(gluekit_decimal_divide_decimal_10_2_decimal_10_0(\"o\".\"amount\", CAST(3 AS DECIMAL(10,0))) AS DECIMAL(21,13)) AS \"f\", CAST((\"o\".\"price\" - CAST(\"o\".\"qty\" AS DOUBLE)) AS DOUBLE) AS \"g\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT status, sum(amount) AS total, avg(amount) AS av, count(*) AS n, count(DISTINCT cid) AS k, min(ts) AS first, sum(qty) AS q, avg(qty) AS aq FROM o GROUP BY status HAVING count(*) > 1",
    "SELECT \"o\".\"status\" AS \"status\", TRY_CAST(sum(\"o\".\"amount\") AS DECIMAL(20,2)) AS \"total\", CAST(gluekit_avg_decimal_10_2(TRY_CAST(sum(\"o\".\"amount\") AS DECIMAL(20,2)), count(\"o\".\"amount\")) AS DECIMAL(14,6)) AS \"av\", CAST(count(*) AS BIGINT) AS \"n\", CAST(count(DISTINCT \"o\".\"cid\") AS BIGINT) AS \"k\", CAST(min(\"o\".\"ts\") AS TIMESTAMP) AS \"first\", CAST(sum(\"o\".\"qty\") AS BIGINT) AS \"q\", CAST(avg(CAST(\"o\".\"qty\" AS DOUBLE)) AS DOUBLE) AS \"aq\" FROM \"o\" AS \"o\" GROUP BY \"o\".\"status\" HAVING (count(*) > CAST(1 AS BIGINT))",
  ],
  [
    "SELECT status AS s, sum(price) AS p FROM o GROUP BY 1 ORDER BY p DESC, s",
    "SELECT \"o\".\"status\" AS \"s\", CAST(sum(\"o\".\"price\") AS DOUBLE) AS \"p\" FROM \"o\" AS \"o\" GROUP BY \"o\".\"status\" ORDER BY 2 DESC NULLS LAST, 1 ASC NULLS FIRST",
  ],
  [
    "SELECT id FROM o ORDER BY ts, d DESC, status ASC NULLS LAST LIMIT 10",
    "SELECT \"o\".\"id\" AS \"id\" FROM \"o\" AS \"o\" ORDER BY \"o\".\"ts\" ASC NULLS FIRST, \"o\".\"d\" DESC NULLS LAST, \"o\".\"status\" ASC NULLS LAST LIMIT 10",
  ],
  [
    "SELECT coalesce(amount, 0) AS a, nvl(status, 'none') AS b, ifnull(id, qty) AS c, if(id > 1, 'big', 'small') AS d FROM o",
    "SELECT CAST(coalesce(CAST(\"o\".\"amount\" AS DECIMAL(12,2)), CAST(0 AS DECIMAL(12,2))) AS DECIMAL(12,2)) AS \"a\", CAST(coalesce(\"o\".\"status\", 'none') AS VARCHAR) AS \"b\", CAST(coalesce(CAST(\"o\".\"id\" AS BIGINT), \"o\".\"qty\") AS BIGINT) AS \"c\", CAST(CASE WHEN (\"o\".\"id\" > 1) THEN 'big' ELSE 'small' END AS VARCHAR) AS \"d\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT upper(status) AS u, lower(status) AS l, trim(status) AS t, length(status) AS n, substr(status, 2) AS s, substring(status, -3, 2) AS s2, concat(status, '-', o.id) AS cc, status || name AS p FROM o JOIN c ON o.cid = c.id",
    "SELECT CAST(CASE WHEN regexp_matches(\"o\".\"status\", '[^\\x00-\\x7F]') THEN gluekit_upper(\"o\".\"status\") ELSE upper(\"o\".\"status\") END AS VARCHAR) AS \"u\", CAST(CASE WHEN regexp_matches(\"o\".\"status\", '[^\\x00-\\x7F]') THEN gluekit_lower(\"o\".\"status\") ELSE lower(\"o\".\"status\") END AS VARCHAR) AS \"l\", CAST(trim(\"o\".\"status\") AS VARCHAR) AS \"t\", CAST(length(\"o\".\"status\") AS INTEGER) AS \"n\", CAST(gluekit_substring(\"o\".\"status\", 2, 2147483647) AS VARCHAR) AS \"s\", CAST(gluekit_substring(\"o\".\"status\", -3, 2) AS VARCHAR) AS \"s2\", CAST((\"o\".\"status\" || '-' || CAST(\"o\".\"id\" AS VARCHAR)) AS VARCHAR) AS \"cc\", CAST((\"o\".\"status\" || \"c\".\"name\") AS VARCHAR) AS \"p\" FROM \"o\" AS \"o\" INNER JOIN \"c\" AS \"c\" ON (\"o\".\"cid\" = \"c\".\"id\")",
  ],
  [
    "SELECT abs(amount) AS a, round(amount, 1) AS b, round(price, 2) AS c, round(id, -1) AS d, floor(price) AS e, ceil(amount) AS f FROM o",
    "SELECT CAST(abs(\"o\".\"amount\") AS DECIMAL(10,2)) AS \"a\", CAST(round(\"o\".\"amount\", 1) AS DECIMAL(10,1)) AS \"b\", CAST(gluekit_round_double_2(\"o\".\"price\") AS DOUBLE) AS \"c\", CAST(round(\"o\".\"id\", -1) AS INTEGER) AS \"d\", CAST(floor(\"o\".\"price\") AS BIGINT) AS \"e\", CAST(ceil(\"o\".\"amount\") AS DECIMAL(9,0)) AS \"f\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT year(ts) AS y, month(d) AS m, day(d) AS dd, dayofmonth(ts) AS dm, hour(ts) AS h, date_trunc('MM', ts) AS t, datediff(d, '2024-01-01') AS diff, date_add(d, 7) AS a, date_sub(d, small) AS s FROM o",
    "SELECT CAST(year(CAST(\"o\".\"ts\" AS DATE)) AS INTEGER) AS \"y\", CAST(month(\"o\".\"d\") AS INTEGER) AS \"m\", CAST(day(\"o\".\"d\") AS INTEGER) AS \"dd\", CAST(day(CAST(\"o\".\"ts\" AS DATE)) AS INTEGER) AS \"dm\", CAST(hour(\"o\".\"ts\") AS INTEGER) AS \"h\", CAST(date_trunc('month', \"o\".\"ts\") AS TIMESTAMP) AS \"t\", CAST(date_diff('day', DATE '2024-01-01', \"o\".\"d\") AS INTEGER) AS \"diff\", CAST((\"o\".\"d\" + 7) AS DATE) AS \"a\", CAST((\"o\".\"d\" - CAST(\"o\".\"small\" AS INTEGER)) AS DATE) AS \"s\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT id FROM o WHERE d BETWEEN '2024-01-01' AND '2024-12-31' AND status IN ('PAID', 'NEW') AND ts IS NOT NULL AND status NOT LIKE 'x\\_%' AND status RLIKE '^[A-Z]+'",
    "SELECT \"o\".\"id\" AS \"id\" FROM \"o\" AS \"o\" WHERE ((((((\"o\".\"d\" >= DATE '2024-01-01') AND (\"o\".\"d\" <= DATE '2024-12-31')) AND (\"o\".\"status\" IN ('PAID', 'NEW'))) AND (\"o\".\"ts\" IS NOT NULL)) AND (NOT (\"o\".\"status\" LIKE 'x\\_%' ESCAPE '\\'))) AND regexp_matches(\"o\".\"status\", '^[A-Z]+'))",
  ],
  [
    "SELECT CASE WHEN amount > 100 THEN 'big' WHEN amount > 10 THEN 'mid' ELSE 'small' END AS size, CASE status WHEN 'PAID' THEN 1 ELSE 0 END AS paid FROM o",
    "SELECT CAST(CASE WHEN (CAST(\"o\".\"amount\" AS DECIMAL(12,2)) > CAST(100 AS DECIMAL(12,2))) THEN 'big' WHEN (CAST(\"o\".\"amount\" AS DECIMAL(12,2)) > CAST(10 AS DECIMAL(12,2))) THEN 'mid' ELSE 'small' END AS VARCHAR) AS \"size\", CAST(CASE WHEN (\"o\".\"status\" = 'PAID') THEN 1 ELSE 0 END AS INTEGER) AS \"paid\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT id, row_number() OVER (PARTITION BY cid ORDER BY ts DESC) AS rn, rank() OVER (ORDER BY amount) AS r, lag(amount) OVER (ORDER BY ts) AS prev, sum(amount) OVER (PARTITION BY cid ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM o",
    "SELECT \"o\".\"id\" AS \"id\", CAST(row_number() OVER (PARTITION BY \"o\".\"cid\" ORDER BY \"o\".\"ts\" DESC NULLS LAST) AS INTEGER) AS \"rn\", CAST(rank() OVER (ORDER BY \"o\".\"amount\" ASC NULLS FIRST) AS INTEGER) AS \"r\", CAST(lag(\"o\".\"amount\", 1) OVER (ORDER BY \"o\".\"ts\" ASC NULLS FIRST) AS DECIMAL(10,2)) AS \"prev\", TRY_CAST(sum(\"o\".\"amount\") OVER (PARTITION BY \"o\".\"cid\" ORDER BY \"o\".\"ts\" ASC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DECIMAL(20,2)) AS \"running\" FROM \"o\" AS \"o\"",
  ],
  [
    "WITH big AS (SELECT * FROM o WHERE amount > 100), names (k, v) AS (SELECT id, name FROM c) SELECT big.id, names.v FROM big JOIN names ON big.cid = names.k",
    "WITH \"big\" AS (SELECT \"o\".\"id\" AS \"id\", \"o\".\"cid\" AS \"cid\", \"o\".\"amount\" AS \"amount\", \"o\".\"status\" AS \"status\", \"o\".\"ts\" AS \"ts\", \"o\".\"d\" AS \"d\", \"o\".\"price\" AS \"price\", \"o\".\"qty\" AS \"qty\", \"o\".\"small\" AS \"small\", \"o\".\"tags\" AS \"tags\" FROM \"o\" AS \"o\" WHERE (CAST(\"o\".\"amount\" AS DECIMAL(12,2)) > CAST(100 AS DECIMAL(12,2)))), \"names\"(\"k\", \"v\") AS (SELECT \"c\".\"id\" AS \"id\", \"c\".\"name\" AS \"name\" FROM \"c\" AS \"c\") SELECT CAST(\"big\".\"id\" AS INTEGER) AS \"id\", CAST(\"names\".\"v\" AS VARCHAR) AS \"v\" FROM \"big\" AS \"big\" INNER JOIN \"names\" AS \"names\" ON (\"big\".\"cid\" = \"names\".\"k\")",
  ],
  [
    "SELECT id FROM o UNION ALL SELECT id FROM c",
    "(SELECT \"o\".\"id\" AS \"id\" FROM \"o\" AS \"o\") UNION ALL (SELECT \"c\".\"id\" AS \"id\" FROM \"c\" AS \"c\")",
  ],
  [
    "SELECT id, amount FROM o UNION SELECT id, 1 FROM c ORDER BY amount DESC",
    "SELECT * FROM ((SELECT \"gk_branch\".\"id\" AS \"id\", CAST(\"gk_branch\".\"amount\" AS DECIMAL(12,2)) AS \"amount\" FROM (SELECT \"o\".\"id\" AS \"id\", \"o\".\"amount\" AS \"amount\" FROM \"o\" AS \"o\") AS \"gk_branch\") UNION (SELECT \"gk_branch_2\".\"id\" AS \"id\", CAST(\"gk_branch_2\".\"gk_column_2\" AS DECIMAL(12,2)) AS \"amount\" FROM (SELECT \"c\".\"id\" AS \"id\", CAST(1 AS INTEGER) AS \"gk_column_2\" FROM \"c\" AS \"c\") AS \"gk_branch_2\")) AS \"gk_sorted\" ORDER BY 2 DESC NULLS LAST",
  ],
  [
    "SELECT id FROM o WHERE EXISTS (SELECT 1 FROM c WHERE c.id = o.cid) AND cid IN (SELECT id FROM c) AND amount > (SELECT avg(amount) FROM o)",
    "SELECT \"o\".\"id\" AS \"id\" FROM \"o\" AS \"o\" WHERE (((EXISTS (SELECT 1 AS \"gk_column_1\" FROM \"c\" AS \"c\" WHERE (\"c\".\"id\" = \"o\".\"cid\"))) AND (\"o\".\"cid\" IN (SELECT \"c_2\".\"id\" AS \"id\" FROM \"c\" AS \"c_2\"))) AND (CAST(\"o\".\"amount\" AS DECIMAL(14,6)) > (SELECT gluekit_avg_decimal_10_2(TRY_CAST(sum(\"o_2\".\"amount\") AS DECIMAL(20,2)), count(\"o_2\".\"amount\")) AS \"gk_column_1\" FROM \"o\" AS \"o_2\")))",
  ],
  [
    "SELECT d FROM (SELECT DISTINCT d FROM o) AS x",
    "SELECT CAST(\"x\".\"d\" AS DATE) AS \"d\" FROM (SELECT DISTINCT \"o\".\"d\" AS \"d\" FROM \"o\" AS \"o\") AS \"x\"",
  ],
  [
    "SELECT tags FROM o",
    "SELECT \"o\".\"tags\" AS \"tags\" FROM \"o\" AS \"o\"",
  ],
  [
    "SELECT id FROM o WHERE status RLIKE 'a.c$' AND d >= '2024-1-5'",
    "SELECT \"o\".\"id\" AS \"id\" FROM \"o\" AS \"o\" WHERE ((CASE WHEN regexp_matches(\"o\".\"status\", '[\\r\\x{85}\\x{2028}\\x{2029}\\n]') THEN error('unsupported in local SparkSQL: RLIKE ''a.c$'' on a value with line terminators (Java''s and DuckDB''s regular expressions differ there) (node \"q\")') ELSE regexp_matches(\"o\".\"status\", 'a.c$') END) AND (\"o\".\"d\" >= gluekit_cast_string_to_date('2024-1-5')))",
  ],
  [
    "SELECT c.id, o.id AS oid FROM c LEFT JOIN o ON o.cid = c.id AND o.status = 'PAID' ORDER BY 1 LIMIT 3",
    "SELECT \"c\".\"id\" AS \"id\", \"o\".\"id\" AS \"oid\" FROM \"c\" AS \"c\" LEFT JOIN \"o\" AS \"o\" ON ((\"o\".\"cid\" = \"c\".\"id\") AND (\"o\".\"status\" = 'PAID')) ORDER BY 1 ASC NULLS FIRST LIMIT 3",
  ],
  [
    "SELECT DISTINCT status AS s FROM o ORDER BY s DESC NULLS FIRST",
    "SELECT DISTINCT \"o\".\"status\" AS \"s\" FROM \"o\" AS \"o\" ORDER BY 1 DESC NULLS FIRST",
  ],
  [
    "SELECT a.id FROM o AS a JOIN o AS b ON a.cid = b.id",
    "SELECT \"a\".\"id\" AS \"id\" FROM \"o\" AS \"a\" INNER JOIN \"o\" AS \"b\" ON (\"a\".\"cid\" = \"b\".\"id\")",
  ],
];

/** Spark SQL the local runner refuses, and the construct its message names. */
const refusals: [string, string][] = [
  ["SELECT explode(tags) AS t FROM o", "function explode()"],
  ["SELECT id, t FROM o LATERAL VIEW explode(tags) x AS t", "LATERAL VIEW"],
  ["SELECT id FROM o TABLESAMPLE (10 PERCENT)", "TABLESAMPLE"],
  ["SELECT id FROM o DISTRIBUTE BY cid", "DISTRIBUTE BY"],
  ["SELECT id FROM o CLUSTER BY cid", "CLUSTER BY"],
  ["SELECT id FROM o SORT BY id", "SORT BY"],
  ["SELECT /*+ BROADCAST(c) */ o.id FROM o JOIN c ON o.cid = c.id", "hints /*+ ... */"],
  ["SELECT id FROM o WHERE cid <=> 1", "<=> (null-safe equality)"],
  ["SELECT ts + INTERVAL 1 DAY AS t FROM o", "INTERVAL literals"],
  ["SELECT date_format(ts, 'yyyy-MM') AS m FROM o", "function date_format()"],
  ["SELECT struct(id, status) AS s FROM o", "function struct()"],
  ["SELECT array(id) AS a FROM o", "function array()"],
  ["SELECT map('k', id) AS m FROM o", "function map()"],
  ["SELECT named_struct('a', id) AS s FROM o", "function named_struct()"],
  ["SELECT current_date() AS today FROM o", "current_date() (non-deterministic)"],
  ["SELECT id, current_timestamp AS now FROM o", "current_timestamp (non-deterministic)"],
  ["SELECT rand() AS r FROM o", "rand() (non-deterministic)"],
  ["SELECT tags[0] AS t FROM o", "subscripts [ ]"],
  ["SELECT id FROM o LIMIT 5", "LIMIT without ORDER BY (Spark returns arbitrary rows)"],
  ["SELECT sum(amount) FROM o", "a result column without a name (sum(amount)); name it with AS"],
  ["SELECT id FROM o WHERE status = 1", "comparing a string with an int without an explicit CAST"],
  ["SELECT status + 1 AS x FROM o", "arithmetic on a string value without an explicit CAST"],
  ["SELECT d + 1 AS x FROM o", "date arithmetic with operators (use date_add, date_sub, datediff)"],
  ["SELECT id FROM o GROUP BY ROLLUP (id)", "ROLLUP"],
  ["SELECT id FROM o NATURAL JOIN c", "NATURAL JOIN"],
  ["SELECT id FROM o WHERE status ILIKE 'a%'", "ILIKE"],
  ["SELECT id FROM o WHERE status RLIKE '(?<=a)b'", "lookaround and atomic groups in the RLIKE pattern '(?<=a)b'"],
  ["SELECT id FROM o WHERE status RLIKE '[a-z&&[^e]]'", "character class intersections && in the RLIKE pattern '[a-z&&[^e]]'"],
  ["SELECT id FROM o WHERE status LIKE concat(status, '%')", "LIKE with a pattern that is not a string literal"],
  ["SELECT TRY_CAST(status AS INT) AS x FROM o", "TRY_CAST"],
  ["SELECT id, (SELECT max(c.name) FROM c WHERE c.id = o.cid) AS n FROM o", "correlated scalar subqueries"],
  ["SELECT CAST(tags AS STRING) AS s FROM o", "CAST from array<string> to string"],
  ["SELECT id FROM o PIVOT (sum(amount) FOR status IN ('a'))", "PIVOT"],
  ["SELECT DATE '2024-1-5' AS d", "the DATE literal '2024-1-5' (write yyyy-mm-dd)"],
  ["INSERT INTO o SELECT * FROM o", "INSERT statements (only queries run)"],
  ["SELECT count(DISTINCT id, cid) AS n FROM o", "count() of several values"],
  ["SELECT id FROM o WHERE id = ?", "query parameters"],
  ["SELECT id FROM o QUALIFY row_number() OVER (ORDER BY id) = 1", "QUALIFY"],
  ["SELECT first(id) AS f FROM o", "function first()"],
  ["SELECT lag(id, -1) OVER (ORDER BY id) AS x FROM o", "lag() with a negative offset"],
  ["SELECT id, sum(amount) OVER (ORDER BY id RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM o", "RANGE frames with offsets"],
  ["WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", "WITH RECURSIVE"],
  ["SELECT id FROM db.o", "database-qualified table names (db.o)"],
  ["SELECT o.tags.x AS y FROM o", "struct field access (o.tags.x)"],
  ["SELECT id FROM o WHERE status IS DISTINCT FROM 'a'", "IS DISTINCT FROM"],
  ["SELECT 'a\\0b' AS x", "string literals with a NUL character"],
  ["SELECT round(CAST(price AS FLOAT), 1) AS x FROM o", "round() of a float (CAST to double)"],
  ["SELECT upper(tags) AS x FROM o", "upper() of array<string> values"],
  ["SELECT 1a AS x", "the token \"1a\" at line 1, column 8"],
];

describe('translating Spark SQL to DuckDB SQL', () => {
  it.each(translations)('%s', (spark, duckdb) => {
    expect(translate(spark).sql).toBe(duckdb);
  });

  it('types the result columns as Spark does', () => {
    const { schema: result } = translate(
      'SELECT id / 2 AS half, amount * 2 AS twice, amount / 3 AS third, sum(qty) OVER () AS total, avg(amount) OVER () AS mean, count(*) OVER () AS n, ' +
        'floor(price) AS f, round(amount, 1) AS r, length(status) AS len, 1.50 AS lit, NULL AS nothing, CASE WHEN id > 0 THEN 1 ELSE 2.5 END AS c FROM o',
    );
    expect(result).toEqual([
      { name: 'half', type: t.double() },
      { name: 'twice', type: t.decimal(21, 2) },
      { name: 'third', type: t.decimal(21, 13) },
      { name: 'total', type: t.bigint() },
      { name: 'mean', type: t.decimal(14, 6) },
      { name: 'n', type: t.bigint() },
      { name: 'f', type: t.bigint() },
      { name: 'r', type: t.decimal(10, 1) },
      { name: 'len', type: t.int() },
      { name: 'lit', type: t.decimal(3, 2) },
      { name: 'nothing', type: t.null() },
      { name: 'c', type: t.decimal(11, 1) },
    ]);
  });

  it('calls gluekit kernels where DuckDB computes something else, and lists them', () => {
    const { sql, kernels } = translate('SELECT CAST(price AS INT) AS i, upper(status) AS u, round(price, 1) AS r, amount / 4 AS q, avg(amount) OVER () AS a FROM o');
    expect(kernels.map((k) => k.name)).toEqual([
      'gluekit_cast_double_to_int',
      'gluekit_upper',
      'gluekit_round_double_1',
      'gluekit_decimal_divide_decimal_10_2_decimal_10_0',
      'gluekit_avg_decimal_10_2',
    ]);
    // DuckDB's upper agrees with Java's on ASCII, so only other strings reach the kernel.
    expect(sql).toContain(`CASE WHEN regexp_matches("o"."status", '[^\\x00-\\x7F]') THEN gluekit_upper("o"."status") ELSE upper("o"."status") END`);
  });

  it('with ANSI mode on, keeps failing casts failing and raises DIVIDE_BY_ZERO itself', () => {
    expect(translate('SELECT CAST(amount AS DECIMAL(5,1)) AS x FROM o', true).sql).toBe('SELECT CAST("o"."amount" AS DECIMAL(5,1)) AS "x" FROM "o" AS "o"');
    expect(translate('SELECT CAST(amount AS DECIMAL(5,1)) AS x FROM o', false).sql).toBe('SELECT TRY_CAST("o"."amount" AS DECIMAL(5,1)) AS "x" FROM "o" AS "o"');
    // Narrowing fails in both with ANSI on; with it off Spark wraps, which the cast kernel does.
    expect(translate('SELECT CAST(qty AS INT) AS x FROM o', true).sql).toBe('SELECT CAST("o"."qty" AS INTEGER) AS "x" FROM "o" AS "o"');
    expect(translate('SELECT CAST(qty AS INT) AS x FROM o', false).sql).toBe('SELECT CAST(gluekit_cast_bigint_to_int("o"."qty") AS INTEGER) AS "x" FROM "o" AS "o"');
    expect(translate('SELECT price / qty AS x FROM o', true).sql).toBe(
      `SELECT CAST(CASE WHEN CAST("o"."qty" AS DOUBLE) = 0 THEN error('[DIVIDE_BY_ZERO] Division by zero. Use \`try_divide\` to tolerate divisor being 0 and return NULL instead. If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.') ELSE ("o"."price" / CAST("o"."qty" AS DOUBLE)) END AS DOUBLE) AS "x" FROM "o" AS "o"`,
    );
    expect(translate('SELECT price / qty AS x FROM o', false).sql).toBe(
      'SELECT CAST(CASE WHEN CAST("o"."qty" AS DOUBLE) = 0 THEN NULL ELSE ("o"."price" / CAST("o"."qty" AS DOUBLE)) END AS DOUBLE) AS "x" FROM "o" AS "o"',
    );
    expect(failure(() => translate('SELECT CAST(ts AS BOOLEAN) AS x FROM o', true)).message).toBe(
      'SparkSQL query: [DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION] cannot cast timestamp to boolean with ANSI mode on (node "q")',
    );
  });

  it('keeps names unambiguous to DuckDB: a relation alias in use gets a suffix, a WITH query never shadows a view', () => {
    expect(translate('WITH o AS (SELECT id FROM o) SELECT id FROM o WHERE EXISTS (SELECT 1 FROM o WHERE o.id > 1)').sql).toBe(
      'WITH "o_2" AS (SELECT "o"."id" AS "id" FROM "o" AS "o") SELECT CAST("o_2"."id" AS INTEGER) AS "id" FROM "o_2" AS "o_2" WHERE (EXISTS (SELECT 1 AS "gk_column_1" FROM "o_2" AS "o_3" WHERE ("o_3"."id" > 1)))',
    );
  });
});

describe('refusing what the local runner does not run', () => {
  it.each(refusals)('%s', (spark, construct) => {
    const error = failure(() => translate(spark));
    expect(error).toBeInstanceOf(UnsupportedSparkSqlError);
    expect(error.message).toBe(`unsupported in local SparkSQL: ${construct} (node "q")`);
  });

  it.each([
    ['SELECT nope FROM o', 'unknown column nope (columns: id, cid, amount, status, ts, d, price, qty, small, tags)'],
    ['SELECT stauts FROM o', 'unknown column stauts (did you mean status?)'],
    ['SELECT id FROM orders', "unknown table orders (the query's tables: o, c)"],
    ['SELECT id FROM o JOIN c ON o.cid = c.id', 'column id is ambiguous (it is in o and c); qualify it'],
    ['SELECT id FROM o WHERE amount', 'WHERE needs a boolean condition, got decimal(10,2) (amount)'],
    ['SELECT sum(id) AS s FROM o WHERE sum(id) > 1', 'aggregate sum() in WHERE'],
    ['SELECT id FROM o UNION SELECT id, name FROM c', 'UNION of queries with 1 and 2 columns'],
    ['SELECT CAST(d AS INT) AS x FROM o', 'cannot cast date to int'],
    ['SELECT row_number() AS r FROM o', 'row_number() needs OVER (...)'],
    ['SELECT id FROM o ORDER BY 3', 'ORDER BY position 3 is not in the select list (1 to 1)'],
    ["SELECT id FROM o WHERE status LIKE 'a\\\\b'", "the LIKE pattern 'a\\b': the escape character may only precede _, % or itself"],
  ])('%s fails as in Spark', (spark, problem) => {
    const error = failure(() => translate(spark));
    expect(error).toBeInstanceOf(SparkSqlQueryError);
    expect(error.message).toBe(`SparkSQL query: ${problem} (node "q")`);
  });
});

describe('every translation runs on DuckDB', () => {
  async function* none(): AsyncIterable<never> {}

  it.each(translations.map(([spark]) => [spark]))('%s', async (spark) => {
    const declared = schema(Object.fromEntries(translate(spark).schema.map((c) => [c.name, c.type.kind === 'null' ? t.string() : c.type])));
    let rows = 0;
    for await (const batch of runSparkSql({
      node: 'q',
      query: spark,
      aliases: tables.map((table) => ({ alias: table.alias, id: table.alias })),
      inputs: tables.map((table) => ({ id: table.alias, schema: table.schema, batches: none() })),
      declared,
      ctx: { ansi: false },
    })) {
      rows += batch.numRows;
    }
    // Over empty inputs, only a query without FROM returns a row.
    expect(rows).toBe(/\bFROM\b/i.test(spark) ? 0 : 1);
  });
});
