/**
 * Join: combines each row of one input with the rows of another whose key columns are
 * equal. Keys compare with plain SQL equality, so a NULL key matches nothing, not even
 * another NULL (as in Spark's `DataFrame.join`).
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { toArrowType } from '../catalog/arrow.js';
import { describe, field, lookupColumn, type Field, type Schema } from '../catalog/schema.js';
import { commonType, containsMap, formatGlueType, isNumeric, isStringLike, typesEqual, type GlueType } from '../catalog/types.js';
import type { Reporter } from '../core/problems.js';
import { quoteIdentifier } from '../expr/spark-sql.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import { DenseIntegerKeys } from '../kernels/dense-keys.js';
import { GroupTable, groupTableSupports, rowKeys, type RowKey, type RowKeys } from '../kernels/keys.js';
import { interleaveData, nullData, takeData } from '../kernels/selection.js';
import { py, pyList, studioNode, studioSql } from './shared.js';
import { defineTransform, type AnalyzedInput, type BatchStream, type InputRef, type LocalContext, type TransformNode } from './transform.js';

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
  local(node, inputs, ctx) {
    const [left, right] = inputs as [BatchStream, BatchStream];
    const how = node.options.how;
    return how === 'leftsemi' || how === 'leftanti' ? semiJoin(node, left, right, ctx) : hashJoin(node, left, right, ctx);
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

// ---- local implementation ------------------------------------------------
//
// A hash join: the right input is read whole into a table indexed by its key values,
// then the left input streams through it batch by batch, so only the right side is held
// in memory (put the smaller input on the right).
//
// Spark does not specify the order of a join's output rows (it depends on the join
// strategy and on partitioning). gluekit's order is deterministic: the rows of each left
// batch in order, each followed by its matches in right input order, then (right and
// outer joins) the right rows that matched nothing, in right input order. Do not rely on
// it in Glue.

type JoinNode = TransformNode<'Join', JoinOptions>;

/** The most rows an output batch holds, so that a key with many matches cannot make one huge batch. */
const OUTPUT_BATCH_ROWS = 65_536;

/** One key pair as the local join reads it. */
interface KeyColumns {
  /** The key's column position in the left and in the right input. */
  readonly left: number;
  readonly right: number;
  readonly leftType: GlueType;
  readonly rightType: GlueType;
  /**
   * The type both sides are compared as. Spark evaluates `left = right` after casting both
   * sides to their common type, so int 1 equals bigint 1 and decimal(10,2) 1.50 equals
   * decimal(12,3) 1.500; keys hashed from the cast values are equal exactly then.
   */
  readonly common: GlueType;
}

/** A column of one input. */
interface InputColumn {
  readonly index: number;
  readonly type: GlueType;
}

/**
 * Where one output column's values come from: its left column in rows that have a left
 * row, else its right column in rows that have a right row, else NULL.
 */
interface OutputColumn {
  readonly field: Field;
  readonly left?: InputColumn;
  readonly right?: InputColumn;
}

/** The right input, held whole and indexed by key. */
interface RightTable {
  readonly batches: readonly RecordBatch[];
  /** Right rows are numbered across batches in input order: row `id` is row `rowOf[id]` of batch `batchOf[id]`. */
  readonly batchOf: Int32Array;
  readonly rowOf: Int32Array;
  /**
   * For each row of a left batch, the first right row with its key (-1 for none);
   * `next[id]` is the next row with row `id`'s key (-1 after the last), so each key's rows
   * form a chain in input order. Rows with a NULL key are in no chain and a NULL left key
   * finds none: SQL equality with NULL is never true, so they match nothing.
   */
  firstMatches(batch: RecordBatch): Int32Array;
  readonly next: Int32Array;
  /**
   * Each right column used so far as one chunk: every right row in id order, then one NULL
   * row (row id `batchOf.length`, the right value of an unmatched left row). Gathering
   * output rows from it is a plain take, instead of finding each row's batch per output row.
   */
  readonly whole: (Data | undefined)[];
}

function keyColumns(node: JoinNode, leftSchema: Schema, rightSchema: Schema): KeyColumns[] {
  return node.options.keys.map((k) => {
    const left = leftSchema.findIndex((f) => f.name === k.left);
    const right = rightSchema.findIndex((f) => f.name === k.right);
    const leftType = leftSchema[left]!.type;
    const rightType = rightSchema[right]!.type;
    // analyze refused keys without a common type.
    return { left, right, leftType, rightType, common: commonType(leftType, rightType)! };
  });
}

/** The key columns of a batch of one side, cast to the compared types. */
function comparableColumns(batch: RecordBatch, keys: readonly KeyColumns[], side: 'left' | 'right', ctx: LocalContext): Data[] {
  return keys.map((k) => {
    const data = columnAt(batch, side === 'left' ? k.left : k.right);
    const type = side === 'left' ? k.leftType : k.rightType;
    return typesEqual(type, k.common) ? data : castColumn(data, type, k.common, ctx);
  });
}

/** The key values of a batch of one side, cast to the compared types. */
function comparableKeys(batch: RecordBatch, keys: readonly KeyColumns[], side: 'left' | 'right', ctx: LocalContext): RowKeys {
  return rowKeys(comparableColumns(batch, keys, side, ctx), keys.map((k) => k.common), batch.numRows);
}

/**
 * The source of each output column (see JoinOptions.mode and the schema rules above).
 * In a USING join a key is one column: Spark outputs the left key for inner and left
 * joins, the right key for right joins, and coalesce(left, right) for full joins, which
 * is the left key wherever there is a left row (a matched pair's keys are equal) and the
 * right key in the right rows that matched nothing.
 */
function outputColumns(node: JoinNode, leftSchema: Schema, rightSchema: Schema): OutputColumn[] {
  const { how, mode, keys } = node.options;
  if (mode === 'condition') {
    // Every column of both sides, and no name on both (analyze refuses that), so a name
    // finds its side; by name rather than position, as the executor may prune columns.
    return node.schema.map((field) => {
      const l = leftSchema.findIndex((f) => f.name === field.name);
      if (l >= 0) return { field, left: { index: l, type: leftSchema[l]!.type } };
      const r = rightSchema.findIndex((f) => f.name === field.name);
      return { field, right: { index: r, type: rightSchema[r]!.type } };
    });
  }
  const keyNames = new Set(keys.map((k) => k.left));
  return node.schema.map((field) => {
    const isKey = keyNames.has(field.name);
    const l = leftSchema.findIndex((f) => f.name === field.name);
    const r = rightSchema.findIndex((f) => f.name === field.name);
    const fromLeft = l >= 0 && (!isKey || how !== 'right');
    const fromRight = r >= 0 && (!isKey || how === 'right' || how === 'outer');
    return {
      field,
      ...(fromLeft && { left: { index: l, type: leftSchema[l]!.type } }),
      ...(fromRight && { right: { index: r, type: rightSchema[r]!.type } }),
    };
  });
}

async function buildRightTable(right: BatchStream, keys: readonly KeyColumns[], ctx: LocalContext): Promise<RightTable> {
  const types = keys.map((k) => k.common);
  const batches: RecordBatch[] = [];
  const batchKeyColumns: Data[][] = [];
  let rows = 0;
  for await (const batch of right) {
    if (batch.numRows === 0) continue;
    batches.push(batch);
    batchKeyColumns.push(comparableColumns(batch, keys, 'right', ctx));
    rows += batch.numRows;
  }
  const batchOf = new Int32Array(rows);
  const rowOf = new Int32Array(rows);
  const next = new Int32Array(rows).fill(-1);
  // Slots for the keys: by value for one integer key over a dense range (an array index,
  // no hashing), else in a GroupTable for flat key types (fixed-width words in typed
  // arrays, no key object per row); nested ones go through rowKeys and a Map below.
  const dense = keys.length === 1 ? DenseIntegerKeys.of(batchKeyColumns.map((columns) => columns[0]!), types[0]!, rows) : undefined;
  const table = !dense && groupTableSupports(types) ? new GroupTable(types) : undefined;
  if (dense || table) {
    const batchSlots = batchKeyColumns.map((columns, b) => {
      const batchRows = batches[b]!.numRows;
      return dense ? dense.slotsOf(columns[0]!, batchRows) : table!.assign(columns, batchRows, true).slotOf;
    });
    const firstOfSlot = new Int32Array(dense ? dense.slots : table!.count).fill(-1);
    // Walking the rows backwards and putting each in front of its key's chain leaves every
    // chain in input order.
    let id = rows;
    for (let b = batches.length - 1; b >= 0; b--) {
      const slots = batchSlots[b]!;
      for (let r = batches[b]!.numRows - 1; r >= 0; r--) {
        id--;
        batchOf[id] = b;
        rowOf[id] = r;
        const slot = slots[r]!;
        if (slot < 0) continue; // a NULL key
        next[id] = firstOfSlot[slot]!;
        firstOfSlot[slot] = id;
      }
    }
    const firstMatches = (batch: RecordBatch) => {
      const columns = comparableColumns(batch, keys, 'left', ctx);
      const slots = dense ? dense.slotsOf(columns[0]!, batch.numRows) : table!.probe(columns, batch.numRows);
      for (let i = 0; i < slots.length; i++) slots[i] = slots[i]! < 0 ? -1 : firstOfSlot[slots[i]!]!;
      return slots;
    };
    return { batches, batchOf, rowOf, firstMatches, next, whole: [] };
  }
  const batchKeys = batchKeyColumns.map((columns, b) => rowKeys(columns, types, batches[b]!.numRows));
  const first = new Map<RowKey, number>();
  let id = rows;
  for (let b = batches.length - 1; b >= 0; b--) {
    const { keys: values, hasNull } = batchKeys[b]!;
    for (let r = batches[b]!.numRows - 1; r >= 0; r--) {
      id--;
      batchOf[id] = b;
      rowOf[id] = r;
      if (hasNull[r] === 1) continue;
      const key = values[r]!;
      const following = first.get(key);
      if (following !== undefined) next[id] = following;
      first.set(key, id);
    }
  }
  const firstMatches = (batch: RecordBatch) => {
    const { keys: values, hasNull } = comparableKeys(batch, keys, 'left', ctx);
    const matches = new Int32Array(batch.numRows);
    for (let i = 0; i < matches.length; i++) matches[i] = hasNull[i] === 1 ? -1 : first.get(values[i]!) ?? -1;
    return matches;
  };
  return { batches, batchOf, rowOf, firstMatches, next, whole: [] };
}

/** The (left row, right row) pairs of the output batch being built; -1 means "no row on that side". */
class PairBuffer {
  private readonly leftRows = new Int32Array(OUTPUT_BATCH_ROWS);
  private readonly rightRows = new Int32Array(OUTPUT_BATCH_ROWS);
  length = 0;

  /** Adds a pair; returns whether the buffer is now full. */
  push(left: number, right: number): boolean {
    this.leftRows[this.length] = left;
    this.rightRows[this.length] = right;
    return ++this.length === OUTPUT_BATCH_ROWS;
  }

  /** The pairs so far, emptying the buffer. */
  drain(): { left: Int32Array; right: Int32Array } {
    const pairs = { left: this.leftRows.slice(0, this.length), right: this.rightRows.slice(0, this.length) };
    this.length = 0;
    return pairs;
  }
}

/** Inner, left, right and full outer joins. */
async function* hashJoin(node: JoinNode, left: BatchStream, right: BatchStream, ctx: LocalContext): BatchStream {
  const [leftId, rightId] = node.inputs as [string, string];
  const leftSchema = ctx.schemaOf(leftId);
  const rightSchema = ctx.schemaOf(rightId);
  const keys = keyColumns(node, leftSchema, rightSchema);
  const columns = outputColumns(node, leftSchema, rightSchema);
  const { how } = node.options;
  const table = await buildRightTable(right, keys, ctx);
  const rightRows = table.batchOf.length;
  const keepUnmatchedLeft = how === 'left' || how === 'outer';
  // One bit per right row, set once it has matched, for the unmatched right rows at the end.
  const matched = how === 'right' || how === 'outer' ? new Uint8Array((rightRows + 7) >> 3) : undefined;
  const pairs = new PairBuffer();
  const emit = (leftBatch: RecordBatch | undefined) => joinedBatch(node.schema, columns, table, leftBatch, pairs.drain(), ctx);

  // When no key repeats on the right (a dimension table), each left row has at most one
  // match and the chains need not be walked: `next` would be -1 everywhere.
  const unique = table.next.every((id) => id < 0);
  for await (const batch of left) {
    if (batch.numRows === 0) continue;
    const firsts = table.firstMatches(batch);
    for (let i = 0; i < batch.numRows; i++) {
      let match = firsts[i]!;
      if (match < 0) {
        if (keepUnmatchedLeft && pairs.push(i, -1)) yield emit(batch);
        continue;
      }
      for (; match >= 0; match = unique ? -1 : table.next[match]!) {
        if (matched) matched[match >> 3]! |= 1 << (match & 7);
        if (pairs.push(i, match)) yield emit(batch);
      }
    }
    if (pairs.length > 0) yield emit(batch);
  }

  if (!matched) return;
  for (let id = 0; id < rightRows; id++) {
    if ((matched[id >> 3]! >> (id & 7)) & 1) continue;
    if (pairs.push(-1, id)) yield emit(undefined);
  }
  if (pairs.length > 0) yield emit(undefined);
}

/**
 * An output batch from pairs of rows. With a left batch, every pair has a left row (and
 * a right row, or -1 in an unmatched left row); without one, the pairs are unmatched
 * right rows and the left columns are NULL.
 */
function joinedBatch(
  schema: Schema,
  columns: readonly OutputColumn[],
  table: RightTable,
  leftBatch: RecordBatch | undefined,
  pairs: { left: Int32Array; right: Int32Array },
  ctx: LocalContext,
): RecordBatch {
  const length = pairs.right.length;
  let rightIndex: Int32Array | undefined;
  const data = columns.map(({ field, left, right }) => {
    let values: Data;
    let type: GlueType;
    if (leftBatch && left) {
      values = takeData(columnAt(leftBatch, left.index), pairs.left);
      type = left.type;
    } else if (right) {
      rightIndex ??= rightRowIndex(table, pairs.right);
      values = takeData(wholeRightColumn(table, right), rightIndex);
      type = right.type;
    } else {
      return nullData(toArrowType(field.type), length);
    }
    // Only USING keys change type: a full join's coalesced key has the common type.
    return typesEqual(type, field.type) ? values : castColumn(values, type, field.type, ctx);
  });
  return makeBatch(schema, data, length);
}

/** Each output row's row in the whole right columns: its right row id, or the NULL row after them for -1 (no right row). */
function rightRowIndex(table: RightTable, rows: Int32Array): Int32Array {
  const nullRow = table.batchOf.length;
  const index = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const id = rows[r]!;
    index[r] = id < 0 ? nullRow : id;
  }
  return index;
}

/** A right column as one chunk (see RightTable.whole), concatenated on first use. */
function wholeRightColumn(table: RightTable, column: InputColumn): Data {
  const cached = table.whole[column.index];
  if (cached) return cached;
  const sources = table.batches.map((batch) => columnAt(batch, column.index));
  sources.push(nullData(toArrowType(column.type), 1));
  const rows = table.batchOf.length;
  const which = new Int32Array(rows + 1);
  const index = new Int32Array(rows + 1);
  which.set(table.batchOf);
  index.set(table.rowOf);
  which[rows] = table.batches.length;
  const whole = interleaveData(sources, which, index);
  table.whole[column.index] = whole;
  return whole;
}

/**
 * Left semi and left anti joins: each left row once, kept when it has a match (semi) or
 * when it has none (anti). Only whether a key occurs on the right matters, so the right
 * input is reduced to its set of keys. A left row with a NULL key matches nothing, so
 * an anti join keeps it (NOT EXISTS, unlike NOT IN).
 */
async function* semiJoin(node: JoinNode, left: BatchStream, right: BatchStream, ctx: LocalContext): BatchStream {
  const leftSchema = ctx.schemaOf(node.inputs[0]!);
  const keys = keyColumns(node, leftSchema, ctx.schemaOf(node.inputs[1]!));
  // The output is the left columns, by name: the executor may have pruned some of them.
  const outputIndex = node.schema.map((f) => leftSchema.findIndex((g) => g.name === f.name));
  const rightKeys = new Set<RowKey>();
  for await (const batch of right) {
    const { keys: values, hasNull } = comparableKeys(batch, keys, 'right', ctx);
    for (let r = 0; r < batch.numRows; r++) if (hasNull[r] === 0) rightKeys.add(values[r]!);
  }
  const keepMatched = node.options.how === 'leftsemi';
  for await (const batch of left) {
    const rows = batch.numRows;
    if (rows === 0) continue;
    const { keys: values, hasNull } = comparableKeys(batch, keys, 'left', ctx);
    const kept = new Int32Array(rows);
    let count = 0;
    for (let i = 0; i < rows; i++) {
      const isMatched = hasNull[i] === 0 && rightKeys.has(values[i]!);
      if (isMatched === keepMatched) kept[count++] = i;
    }
    if (count === 0) continue;
    const columns = outputIndex.map((c) => (count === rows ? columnAt(batch, c) : takeData(columnAt(batch, c), kept.subarray(0, count))));
    yield makeBatch(node.schema, columns, count);
  }
}
