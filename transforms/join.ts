/**
 * Join: combines each row of one input with the rows of another whose key columns are
 * equal. Keys compare with plain SQL equality, so a NULL key matches nothing, not even
 * another NULL (as in Spark's `DataFrame.join`).
 */
import { describe, field, lookupColumn, type Field, type Schema } from '../catalog/schema.js';
import { commonType, containsMap, formatGlueType, isNumeric, isStringLike } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { quoteIdentifier } from '../expr/spark-sql.js';
import { py, pyList, studioNode, studioSql } from './shared.js';
import { defineTransform, type AnalyzedInput, type InputRef } from './transform.js';

/** Which rows a join keeps, with Glue Studio's names. */
export type JoinType = 'inner' | 'left' | 'right' | 'outer' | 'leftsemi' | 'leftanti';

/** A column both inputs have under one name, or a `[leftColumn, rightColumn]` pair. */
export type JoinKey = string | readonly [left: string, right: string];

export interface JoinDefinition {
  readonly kind: 'Join';
  /** The id of the left input. Its columns come first; semi and anti joins output only them. */
  readonly left: string;
  /**
   * The id of the right input. It must be a different node from `left`: to join a node
   * with itself, rename the columns of one side first and join with that.
   */
  readonly right: string;
  /**
   * The key columns, compared for equality: `'customer_id'` for a column both sides have,
   * `['customer_id', 'id']` for [left column, right column]. When every key has one name
   * on both sides the output holds each key once (Spark's `join(other, on=[names])`), so
   * the other column names must differ between the sides; when any key pair differs in
   * name the output holds every column of both sides, so all names must differ.
   */
  readonly on: readonly JoinKey[];
  /**
   * `inner` (default) keeps matching pairs; `left` / `right` also keep the unmatched rows
   * of that side, with NULL for the other side's columns; `outer` keeps unmatched rows of
   * both sides; `leftsemi` keeps the left rows that have a match and `leftanti` those that
   * have none (both output the left columns only, each row at most once).
   */
  readonly how?: JoinType;
}

export interface JoinOptions {
  readonly how: JoinType;
  /**
   * `using`: every key has one name and the join is not semi/anti, so keys appear once
   * (Spark's USING join). `condition`: the keys are compared as `left.a = right.b`.
   */
  readonly mode: 'using' | 'condition';
  /** Key column names, left and right (equal in `using` mode). */
  readonly keys: readonly { readonly left: string; readonly right: string }[];
}

/** Joins `left` and `right` on equal key columns. */
export function join(props: Omit<JoinDefinition, 'kind'>): JoinDefinition {
  return Object.freeze({
    kind: 'Join',
    left: props.left,
    right: props.right,
    on: props.on,
    ...(props.how !== undefined && { how: props.how }),
  });
}

const JOIN_TYPES: readonly JoinType[] = ['inner', 'left', 'right', 'outer', 'leftsemi', 'leftanti'];

/** Spark's and SQL's spellings, so that a near miss gets a precise suggestion. */
const OTHER_SPELLINGS = new Map<string, JoinType>([
  ['full', 'outer'], ['fullouter', 'outer'], ['full_outer', 'outer'], ['full outer', 'outer'],
  ['leftouter', 'left'], ['left_outer', 'left'], ['left outer', 'left'],
  ['rightouter', 'right'], ['right_outer', 'right'], ['right outer', 'right'],
  ['semi', 'leftsemi'], ['left_semi', 'leftsemi'], ['left semi', 'leftsemi'],
  ['anti', 'leftanti'], ['left_anti', 'leftanti'], ['left anti', 'leftanti'],
]);

/** The `how` argument of PySpark's `DataFrame.join`. */
const SPARK_HOW: Readonly<Record<JoinType, string>> = {
  inner: 'inner', left: 'left', right: 'right', outer: 'full', leftsemi: 'left_semi', leftanti: 'left_anti',
};

const SQL_JOIN: Readonly<Record<JoinType, string>> = {
  inner: 'INNER JOIN', left: 'LEFT OUTER JOIN', right: 'RIGHT OUTER JOIN', outer: 'FULL OUTER JOIN',
  leftsemi: 'LEFT SEMI JOIN', leftanti: 'LEFT ANTI JOIN',
};

const RENAME_HINT = 'rename it on one side with renameField or applyMapping';

interface Key {
  readonly left: Field;
  readonly right: Field;
  readonly at: Reporter;
}

export const Join = defineTransform<JoinDefinition, JoinOptions>({
  kind: 'Join',
  title: 'Join two inputs on equal keys',
  inputs(def, at) {
    const refs: InputRef[] = [];
    for (const side of ['left', 'right'] as const) {
      const value: unknown = def[side];
      if (typeof value !== 'string' || value === '') at.child(side).error(`expected the id of the ${side} input node, got ${describe(value)}`);
      else refs.push({ id: value, path: at.child(side).path });
    }
    if (refs.length === 2 && refs[0]!.id === refs[1]!.id) {
      // Both sides would have every column under the same name, and the script could not
      // tell `df["id"]` of one side from the other's.
      at.child('right').error(
        `the right input is the same node as the left ("${refs[0]!.id}")`,
        'to join a node with itself, add a node that selects and renames the columns of one side (applyMapping) and join with that',
      );
      return refs.slice(0, 1);
    }
    return refs;
  },
  analyze(def, inputs, at) {
    const [left, right] = inputs;
    if (!left || !right || left.id === right.id) return undefined; // reported by inputs()
    const how = readJoinType(def.how, at.child('how'));
    const keys = readKeys(def.on, left, right, at.child('on'));
    if (!how || !keys) return undefined;

    const semi = how === 'leftsemi' || how === 'leftanti';
    const mode = !semi && keys.every((k) => k.left.name === k.right.name) ? 'using' : 'condition';
    const schema = semi
      ? left.schema
      : mode === 'using'
        ? usingSchema(how, keys, left, right, at.child('right'))
        : conditionSchema(how, keys, left, right, at.child('right'));
    if (!schema) return undefined;
    const options: JoinOptions = Object.freeze({
      how,
      mode,
      keys: Object.freeze(keys.map((k) => Object.freeze({ left: k.left.name, right: k.right.name }))),
    });
    return { options, schema };
  },
  pyspark(node, ctx) {
    const [leftId, rightId] = node.inputs as [string, string];
    const [l, r] = [ctx.df(leftId), ctx.df(rightId)];
    const { how, mode, keys } = node.options;
    const on =
      mode === 'using'
        ? pyList(keys.map((k) => k.left))
        : keys.map((k) => `(${l}[${py(columnRef(k.left))}] == ${r}[${py(columnRef(k.right))}])`).join(' & ');
    return [`${ctx.df(node.id)} = ${l}.join(${r}, on=${on}, how=${py(SPARK_HOW[how])})`];
  },
  studio(node) {
    const [leftId, rightId] = node.inputs as [string, string];
    const { how, mode, keys } = node.options;
    const [l, r] = [quoteIdentifier(leftId), quoteIdentifier(rightId)];
    if (mode === 'using') {
      // Studio's Join keeps both key columns; USING keeps one, as the script's join does.
      const using = keys.map((k) => quoteIdentifier(k.left)).join(', ');
      const query = `SELECT * FROM ${l} ${SQL_JOIN[how]} ${r} USING (${using})`;
      return { [node.id]: studioSql(node.id, node.inputs, query, node.schema) };
    }
    if (keys.some((k) => k.left === k.right)) {
      // Only semi and anti joins get here with a shared key name; qualified names keep the
      // two sides apart, and ON (unlike USING) keeps the left columns in their order.
      const on = keys.map((k) => `(${l}.${quoteIdentifier(k.left)} = ${r}.${quoteIdentifier(k.right)})`).join(' AND ');
      const query = `SELECT * FROM ${l} ${SQL_JOIN[how]} ${r} ON ${on}`;
      return { [node.id]: studioSql(node.id, node.inputs, query, node.schema) };
    }
    return {
      [node.id]: studioNode('Join', {
        Name: node.id,
        Inputs: [leftId, rightId],
        JoinType: how === 'inner' ? 'equijoin' : how,
        // Keys are paths; a join key is always a whole top-level column, dots and all.
        Columns: [
          { From: leftId, Keys: keys.map((k) => [k.left]) },
          { From: rightId, Keys: keys.map((k) => [k.right]) },
        ],
      }),
    };
  },
});

function readJoinType(value: unknown, at: Reporter): JoinType | undefined {
  if (value === undefined) return 'inner';
  if (JOIN_TYPES.includes(value as JoinType)) return value as JoinType;
  const near = typeof value === 'string' ? OTHER_SPELLINGS.get(value.toLowerCase()) ?? JOIN_TYPES.find((j) => j === value.toLowerCase()) : undefined;
  at.error(
    `expected a join type (one of ${JOIN_TYPES.map((j) => `"${j}"`).join(', ')}), got ${describe(value)}`,
    near ? `did you mean "${near}"?` : undefined,
  );
  return undefined;
}

/** Reads `on`, checking every key against both sides; undefined if any key is unusable. */
function readKeys(value: unknown, left: AnalyzedInput, right: AnalyzedInput, at: Reporter): Key[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    at.error(
      `expected a non-empty list of join keys (column names or [leftColumn, rightColumn] pairs), got ${describe(value)}`,
      'e.g. on: ["customer_id"] or on: [["customer_id", "id"]]',
    );
    return undefined;
  }
  const keys: Key[] = [];
  const seen = new Set<string>();
  let ok = true;
  value.forEach((item: unknown, i) => {
    const itemAt = at.child(i);
    const names = readKeyNames(item, itemAt);
    if (!names) {
      ok = false;
      return;
    }
    const [leftName, rightName, leftAt, rightAt] = names;
    const id = JSON.stringify([leftName, rightName]);
    if (seen.has(id)) {
      itemAt.error(`the key ${leftName === rightName ? `"${leftName}"` : `["${leftName}", "${rightName}"]`} is listed twice`);
      ok = false;
      return;
    }
    seen.add(id);
    const l = keyColumn(left, leftName, leftAt);
    const r = keyColumn(right, rightName, rightAt);
    if (!l || !r || !comparable(l, r, itemAt)) {
      ok = false;
      return;
    }
    keys.push({ left: l, right: r, at: itemAt });
  });
  return ok ? keys : undefined;
}

function readKeyNames(item: unknown, at: Reporter): [string, string, Reporter, Reporter] | undefined {
  if (typeof item === 'string' && item !== '') return [item, item, at, at];
  if (!Array.isArray(item)) {
    at.error(`expected a column name or a [leftColumn, rightColumn] pair, got ${describe(item)}`);
    return undefined;
  }
  if (item.length !== 2) {
    at.error(`expected a [leftColumn, rightColumn] pair, got a list of ${item.length}`);
    return undefined;
  }
  let ok = true;
  item.forEach((name: unknown, j) => {
    if (typeof name !== 'string' || name === '') {
      at.child(j).error(`expected a column name, got ${describe(name)}`);
      ok = false;
    }
  });
  return ok ? [item[0] as string, item[1] as string, at.child(0), at.child(1)] : undefined;
}

/**
 * A key must be a whole column: Spark's USING join only matches top-level names, and a
 * struct field could not appear once in the output.
 */
function keyColumn(input: AnalyzedInput, name: string, at: Reporter): Field | undefined {
  const column = input.schema.find((f) => f.name === name);
  if (column) return column;
  if (lookupColumn(input.schema, name, at, input.label)) {
    at.error(`join keys must be top-level columns, and "${name}" is a field inside a struct of ${input.label}`, 'copy it into a column of its own first (applyMapping)');
  }
  return undefined;
}

function comparable(l: Field, r: Field, at: Reporter): boolean {
  const common = commonType(l.type, r.type);
  if (!common) {
    at.error(
      `cannot join ${formatGlueType(l.type)} with ${formatGlueType(r.type)} (left "${l.name}", right "${r.name}")`,
      (isStringLike(l.type) && isNumeric(r.type)) || (isNumeric(l.type) && isStringLike(r.type))
        ? 'Spark would cast the string silently, and values that are not numbers would become NULL keys that match nothing; cast one side explicitly (applyMapping)'
        : 'cast one side (applyMapping) so that both keys have the same type',
    );
    return false;
  }
  if (containsMap(common)) {
    at.error(`cannot join on ${formatGlueType(common)} ("${l.name}"): Spark cannot compare maps for equality`);
    return false;
  }
  return true;
}


function asNullable(f: Field): Field {
  return f.nullable ? f : field(f.name, f.type, true, f.comment);
}

/**
 * Spark's USING join output: the keys once, then the left's other columns, then the
 * right's. A key is the left column for inner and left joins and the right column for
 * right joins (with that side's type, as Spark does); a full outer join outputs
 * coalesce(left, right), whose type is the common one and which is NULL only when the
 * unmatched side's key can be.
 */
function usingSchema(how: JoinType, keys: readonly Key[], left: AnalyzedInput, right: AnalyzedInput, at: Reporter): Schema | undefined {
  const keyNames = new Set(keys.map((k) => k.left.name));
  const leftRest = left.schema.filter((f) => !keyNames.has(f.name));
  const rightRest = right.schema.filter((f) => !keyNames.has(f.name));
  if (!disjoint(leftRest, rightRest, left, right, at)) return undefined;
  const keyFields = keys.map((k) => {
    if (how === 'outer') return field(k.left.name, commonType(k.left.type, k.right.type)!, k.left.nullable || k.right.nullable, k.left.comment);
    return how === 'right' ? k.right : k.left;
  });
  return Object.freeze([
    ...keyFields,
    ...(how === 'right' || how === 'outer' ? leftRest.map(asNullable) : leftRest),
    ...(how === 'left' || how === 'outer' ? rightRest.map(asNullable) : rightRest),
  ]);
}

/** Every column of both sides, left first; unmatched rows make the other side's columns NULL. */
function conditionSchema(how: JoinType, keys: readonly Key[], left: AnalyzedInput, right: AnalyzedInput, at: Reporter): Schema | undefined {
  let ok = true;
  // A same-name key is still two columns here, so it collides like any other; saying so
  // at the key is clearer than at the input.
  const sharedKeys = new Set<string>();
  for (const k of keys) {
    if (k.left.name.toLowerCase() !== k.right.name.toLowerCase() || sharedKeys.has(k.left.name.toLowerCase())) continue;
    sharedKeys.add(k.left.name.toLowerCase());
    k.at.error(
      `both inputs have a column "${k.left.name}", and a join on differently named keys keeps every column of both sides`,
      `join on [leftColumn, rightColumn] pairs only when the names differ, or ${RENAME_HINT}`,
    );
    ok = false;
  }
  const leftRest = left.schema.filter((f) => !sharedKeys.has(f.name.toLowerCase()));
  const rightRest = right.schema.filter((f) => !sharedKeys.has(f.name.toLowerCase()));
  if (!disjoint(leftRest, rightRest, left, right, at) || !ok) return undefined;
  return Object.freeze([
    ...(how === 'right' || how === 'outer' ? left.schema.map(asNullable) : left.schema),
    ...(how === 'left' || how === 'outer' ? right.schema.map(asNullable) : right.schema),
  ]);
}

/** Reports every right column whose name a left column already has (Glue names are case-insensitive). */
function disjoint(leftFields: Schema, rightFields: Schema, left: AnalyzedInput, right: AnalyzedInput, at: Reporter): boolean {
  const leftNames = new Map(leftFields.map((f) => [f.name.toLowerCase(), f.name]));
  let ok = true;
  for (const f of rightFields) {
    const other = leftNames.get(f.name.toLowerCase());
    if (other === undefined) continue;
    at.error(
      other === f.name
        ? `both inputs have a column "${f.name}", and the output cannot hold it twice`
        : `column "${f.name}" of ${right.label} clashes with "${other}" of ${left.label} (Glue's catalog is case-insensitive)`,
      RENAME_HINT,
    );
    ok = false;
  }
  return ok;
}

/** `df["a.b"]` would read field b of struct a; a backquoted name means the whole column. */
function columnRef(name: string): string {
  return name.includes('.') ? quoteIdentifier(name) : name;
}
