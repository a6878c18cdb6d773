/**
 * The accumulators of the hash aggregate (transforms/aggregate.ts): one per aggregation,
 * holding every group's running state in typed arrays indexed by the group's slot, updated
 * one batch at a time and turned into one result column at the end.
 *
 * Each Spark rule is written down where it is implemented. The sources are Spark's
 * declarative aggregates (org.apache.spark.sql.catalyst.expressions.aggregate: Count,
 * Sum, Average, CentralMomentAgg, Max, Min, First, Last) as of Spark 3.3-4.x (Glue 4.0-6.0); where an
 * aggregate's result depends on the order Spark's tasks meet the rows (first, last, the
 * last bits of a floating-point sum), gluekit uses input order, which is what a single
 * Spark task reading the same rows would produce.
 */
import type { Data, DataType } from 'apache-arrow';
import { toArrowType } from '../catalog/arrow.js';
import { t, type GlueType } from '../catalog/types.js';
import type { AggFn } from '../transforms/aggregate.js';
import { allValid, boolAt, compareDecimalWords, decimalNumberAt, decimalWordsAt, fixedData, isValid, setDecimal, setNull, validityBits } from './columns.js';
import { castColumn } from './cast.js';
import { SparkRuntimeError, type KernelContext } from './context.js';
import { rowKeys, type RowKey } from './keys.js';
import { PairCounter, PairSet } from './pair-sets.js';
import { interleaveData, nullData, takeData } from './selection.js';

/** How the rows of one batch map to group slots. */
export interface BatchGroups {
  /** Rows in the batch. */
  readonly rows: number;
  /** The slot of each row's group. */
  readonly slotOf: Int32Array;
  /** The number of slots (groups) so far, this batch's included. */
  readonly slots: number;
  /**
   * The slots whose first row is in this batch, in slot order, and that row for each: the
   * row that gives a group its group values and its `first` value.
   */
  readonly openedSlots: Int32Array;
  readonly openedRows: Int32Array;
}

export interface Accumulator {
  /** Adds one batch's rows; `values` is the aggregated column (undefined for count of `'*'`). */
  update(groups: BatchGroups, values: Data | undefined): void;
  /** The results of slots [from, to) as one column of the output type. */
  result(from: number, to: number): Data;
}

/** The accumulator of one aggregation: `fn` over a column of type `input` (none for count of `'*'`). */
export function accumulatorFor(fn: AggFn, input: GlueType | undefined, output: GlueType, ctx: KernelContext): Accumulator {
  if (!input) return new RowCount();
  switch (fn) {
    case 'count':
      return new ValueCount();
    case 'countDistinct':
      return new DistinctCount(input);
    case 'sum':
      return sumOf(input, output, ctx);
    case 'sumDistinct':
      return new DistinctSum(input, sumOf(input, output, ctx));
    case 'avg':
      return input.kind === 'decimal' ? new DecimalAverage(input, output, ctx) : new DoubleAverage(input, ctx);
    case 'min':
    case 'max':
      return extremeOf(fn, input);
    case 'first':
      return new FirstValue(input);
    case 'last':
      return new LastValue(input);
    case 'stddev_samp':
    case 'stddev_pop':
    case 'var_samp':
    case 'var_pop':
    case 'skewness':
    case 'kurtosis':
      return new CentralMoments(fn, input, ctx);
  }
}

// ---------------------------------------------------------------------------
// Buffers
// ---------------------------------------------------------------------------

type SlotArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint32Array | BigInt64Array;

/** `array` with room for at least `needed` values: the same array, or a copy twice as long (or more). */
function grown<T extends SlotArray>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  let capacity = Math.max(64, array.length * 2);
  while (capacity < needed) capacity *= 2;
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array as never);
  return next;
}

/** Whether bit `i` of an aligned validity bitmap is set (undefined = every row valid). */
const validAt = (bits: Uint8Array | undefined, i: number): boolean => !bits || ((bits[i >> 3]! >> (i & 7)) & 1) === 1;

const TWO_32 = 4294967296;
/** 2^53: integers below it in magnitude are exact doubles, and so are their sums while below it. */
const EXACT_LIMIT = 9007199254740992;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const NONE = new Int32Array(0);
const POW10 = Array.from({ length: 78 }, (_, k) => 10n ** BigInt(k));

/** Reads row `i` of a BIGINT column as a number when it is exact (|v| < 2^52), else NaN. */
function smallLongAt(halves: Int32Array, i: number): number {
  const hi = halves[2 * i + 1]!;
  return hi >= -0x100000 && hi < 0x100000 ? hi * TWO_32 + (halves[2 * i]! >>> 0) : NaN;
}

/** A BIGINT column's values as 32-bit halves (little-endian: low word first), so reads allocate no BigInt. */
function longHalves(data: Data): Int32Array {
  const values = data.values as BigInt64Array;
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/**
 * A numeric column's values as doubles, as Spark casts them for avg and the central
 * moments (their input type is DOUBLE): TINYINT..INT and FLOAT values are exact doubles
 * already; BIGINT and DECIMAL go through the cast kernel (rounded to nearest).
 */
function doublesOf(data: Data, type: GlueType, ctx: KernelContext): ArrayLike<number> {
  if (type.kind === 'bigint' || type.kind === 'decimal') return castColumn(data, type, t.double(), ctx).values as Float64Array;
  return data.values as unknown as ArrayLike<number>;
}

/** A BIGINT column from exact integer counts (< 2^53), written as 32-bit halves. */
function countsColumn(counts: Float64Array, from: number, to: number): Data {
  const n = to - from;
  const out = new BigInt64Array(n);
  const halves = new Int32Array(out.buffer);
  for (let r = 0; r < n; r++) {
    const c = counts[from + r]!;
    halves[2 * r] = c % TWO_32;
    halves[2 * r + 1] = Math.floor(c / TWO_32);
  }
  return fixedData(toArrowType({ kind: 'bigint' }), out, n);
}

/** A column of `type` whose row r is `value(from + r)`, NULL where that is null. */
function doublesColumn(type: GlueType, from: number, to: number, value: (slot: number) => number | null): Data {
  const n = to - from;
  const out = new Float64Array(n);
  const bitmap = allValid(n);
  for (let r = 0; r < n; r++) {
    const v = value(from + r);
    if (v === null) setNull(bitmap, r);
    else out[r] = v;
  }
  return fixedData(toArrowType(type), out, n, bitmap);
}

function decimalsColumn(type: GlueType, from: number, to: number, value: (slot: number) => bigint | null): Data {
  const n = to - from;
  const words = new Uint32Array(n * 4);
  const bitmap = allValid(n);
  for (let r = 0; r < n; r++) {
    const v = value(from + r);
    if (v === null) setNull(bitmap, r);
    else setDecimal(words, r, v);
  }
  return fixedData(toArrowType(type), words, n, bitmap);
}

// ---------------------------------------------------------------------------
// count
// ---------------------------------------------------------------------------

/**
 * count('*'): the rows of the group (Spark's count(1)). Counts are BIGINT and never
 * NULL: a global aggregate over no rows gives 0. Counts stay exact in doubles up to 2^53.
 */
class RowCount implements Accumulator {
  private counts = new Float64Array(0);

  update(groups: BatchGroups): void {
    this.counts = grown(this.counts, groups.slots);
    const { counts } = this;
    const { slotOf, rows } = groups;
    for (let i = 0; i < rows; i++) counts[slotOf[i]!]!++;
  }

  result(from: number, to: number): Data {
    this.counts = grown(this.counts, to);
    return countsColumn(this.counts, from, to);
  }
}

/** count(column): the group's non-NULL values (Spark's Count skips rows where its child is NULL). */
class ValueCount implements Accumulator {
  private counts = new Float64Array(0);

  update(groups: BatchGroups, values: Data): void {
    this.counts = grown(this.counts, groups.slots);
    const { counts } = this;
    const { slotOf, rows } = groups;
    const valid = validityBits(values, rows);
    if (!valid) for (let i = 0; i < rows; i++) counts[slotOf[i]!]!++;
    else for (let i = 0; i < rows; i++) if ((valid[i >> 3]! >> (i & 7)) & 1) counts[slotOf[i]!]!++;
  }

  result(from: number, to: number): Data {
    this.counts = grown(this.counts, to);
    return countsColumn(this.counts, from, to);
  }
}

/**
 * countDistinct(column): the group's distinct non-NULL values, equal as Spark groups them
 * (kernels/keys.ts: NaN equals NaN, -0.0 equals 0.0, strings by bytes; Spark plans
 * count(DISTINCT x) as a grouping on x, whose keys it normalizes the same way). A NULL is
 * not counted; a struct or array that is not itself NULL is, whatever it holds.
 */
class DistinctCount implements Accumulator {
  // Only how many distinct values each group has matters, so the pairs are counted at
  // the end (PairCounter) instead of being checked one by one as they come.
  private readonly distinct: DistinctValues<PairCounter>;
  private counts: Float64Array | undefined;
  private slots = 0;

  constructor(type: GlueType) {
    this.distinct = new DistinctValues(type, () => new PairCounter());
  }

  update(groups: BatchGroups, values: Data): void {
    this.slots = groups.slots;
    this.distinct.addPairs(groups, values, (pairs, slot, value) => pairs.add(slot, value));
  }

  /** Called for slot ranges up to the group count, which the last update (or `to`, with no rows at all) gives. */
  result(from: number, to: number): Data {
    if (!this.counts) {
      this.counts = new Float64Array(Math.max(this.slots, to));
      this.distinct.integers.countInto(this.counts);
      this.distinct.keyed.countInto(this.counts);
    }
    return countsColumn(this.counts, from, to);
  }
}

/**
 * The (group, value) pairs of a distinct aggregate, in sets of 32-bit integer pairs
 * (kernels/pair-sets.ts), so that no JavaScript object is made per group or per pair
 * (per-group Sets were five times slower on 2M rows). Integers that fit 32 bits
 * (TINYINT..INT, DATE, and BIGINT or TIMESTAMP values in that range) are their own key,
 * since Spark compares them by value; every other value gets a dense id from one Map over
 * all groups, keyed by rowKeys' Spark-equal key. The two kinds of pairs live in separate
 * sets.
 */
class DistinctValues<Pairs> {
  private readonly ids = new Map<RowKey, number>();
  /** (slot, value) for 32-bit integer values. */
  readonly integers: Pairs;
  /** (slot, id) for values keyed by rowKeys. */
  readonly keyed: Pairs;

  constructor(
    private readonly type: GlueType,
    makePairs: () => Pairs,
  ) {
    this.integers = makePairs();
    this.keyed = makePairs();
  }

  /**
   * Calls `add` with the pair of each non-NULL row, in row order: into `integers` or
   * `keyed`, the row's slot, its value or id, and the row.
   */
  addPairs(groups: BatchGroups, values: Data, add: (pairs: Pairs, slot: number, value: number, row: number) => void): void {
    const { slotOf, rows } = groups;
    const valid = validityBits(values, rows);
    const { ids, keyed, integers } = this;
    switch (this.type.kind) {
      case 'tinyint':
      case 'smallint':
      case 'int':
      case 'date': {
        const ints = values.values as Int32Array | Int16Array | Int8Array;
        for (let i = 0; i < rows; i++) if (validAt(valid, i)) add(integers, slotOf[i]!, ints[i]!, i);
        return;
      }
      case 'bigint':
      case 'timestamp': {
        const halves = longHalves(values);
        const longs = values.values as BigInt64Array;
        for (let i = 0; i < rows; i++) {
          if (!validAt(valid, i)) continue;
          const low = halves[2 * i]!;
          // The high word is the low word's sign extension exactly when the value fits 32 bits.
          if (halves[2 * i + 1] === low >> 31) add(integers, slotOf[i]!, low, i);
          else {
            const key = longs[i]!;
            let id = ids.get(key);
            if (id === undefined) ids.set(key, (id = ids.size));
            add(keyed, slotOf[i]!, id, i);
          }
        }
        return;
      }
      default: {
        const { keys } = rowKeys([values], [this.type], rows);
        for (let i = 0; i < rows; i++) {
          if (!validAt(valid, i)) continue;
          const key = keys[i]!;
          let id = ids.get(key);
          if (id === undefined) ids.set(key, (id = ids.size));
          add(keyed, slotOf[i]!, id, i);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// sum and sumDistinct
// ---------------------------------------------------------------------------

/**
 * Spark's Sum result types: integral input sums as BIGINT, FLOAT and DOUBLE as DOUBLE,
 * DECIMAL(p,s) as DECIMAL(min(38, p+10), s) (aggregate.ts's resultType gives `output`).
 */
function sumOf(input: GlueType, output: GlueType, ctx: KernelContext): Accumulator {
  if (input.kind === 'decimal') return new DecimalSum(output, ctx);
  if (input.kind === 'float' || input.kind === 'double') return new DoubleSum();
  return new IntegralSum(input, ctx);
}

/**
 * sum of TINYINT, SMALLINT, INT or BIGINT, as BIGINT. NULLs are skipped; a group with no
 * value sums to NULL (Spark's Sum starts from NULL and adds coalesce(sum, 0) + value).
 *
 * Overflow: Spark adds with its Add expression in the session's eval mode, so with ANSI
 * off a sum beyond the BIGINT range wraps around (two's complement, Java's long +), and
 * with ANSI on it raises ARITHMETIC_OVERFLOW at the addition that overflows
 * (MathUtils.addExact, hint try_add). The check is made at each addition in input order,
 * as a single Spark task does.
 *
 * Sums are kept as doubles while they are exact (|sum| < 2^53: no BIGINT overflow is
 * possible there), and as BigInts once a group's sum leaves that range.
 */
class IntegralSum implements Accumulator {
  private exact = new Float64Array(0);
  private wide: (bigint | undefined)[] = [];
  private seen = new Uint8Array(0);

  constructor(
    private readonly input: GlueType,
    private readonly ctx: KernelContext,
  ) {}

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.exact = grown(this.exact, slots);
    this.seen = grown(this.seen, slots);
    const { exact, seen, wide } = this;
    const valid = validityBits(values, rows);
    if (this.input.kind === 'bigint') {
      const halves = longHalves(values);
      const longs = values.values as BigInt64Array;
      for (let i = 0; i < rows; i++) {
        if (!validAt(valid, i)) continue;
        const slot = slotOf[i]!;
        seen[slot] = 1;
        const x = smallLongAt(halves, i);
        const sum = exact[slot]! + x;
        // NaN (a large input) and sums outside the exact range take the BigInt path.
        if (wide[slot] === undefined && sum < EXACT_LIMIT && sum > -EXACT_LIMIT) exact[slot] = sum;
        else this.addWide(slot, longs[i]!);
      }
      return;
    }
    const ints = values.values as Int32Array | Int16Array | Int8Array;
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const slot = slotOf[i]!;
      seen[slot] = 1;
      const sum = exact[slot]! + ints[i]!;
      if (wide[slot] === undefined && sum < EXACT_LIMIT && sum > -EXACT_LIMIT) exact[slot] = sum;
      else this.addWide(slot, BigInt(ints[i]!));
    }
  }

  private addWide(slot: number, x: bigint): void {
    let sum = (this.wide[slot] ?? BigInt(this.exact[slot]!)) + x;
    if (sum > LONG_MAX || sum < LONG_MIN) {
      if (this.ctx.ansi) {
        throw new SparkRuntimeError(
          'ARITHMETIC_OVERFLOW',
          `long overflow. Use 'try_add' to tolerate overflow and return NULL instead. If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.`,
        );
      }
      sum = BigInt.asIntN(64, sum);
    }
    this.wide[slot] = sum;
  }

  result(from: number, to: number): Data {
    this.exact = grown(this.exact, to);
    this.seen = grown(this.seen, to);
    const n = to - from;
    const out = new BigInt64Array(n);
    const bitmap = allValid(n);
    for (let r = 0; r < n; r++) {
      const slot = from + r;
      if (!this.seen[slot]) setNull(bitmap, r);
      else out[r] = this.wide[slot] ?? BigInt(this.exact[slot]!);
    }
    return fixedData(toArrowType({ kind: 'bigint' }), out, n, bitmap);
  }
}

/**
 * sum of FLOAT or DOUBLE, as DOUBLE: each value cast to double (exact for floats) and
 * added in input order; IEEE 754 throughout (NaN and infinities propagate, no error in
 * any mode). The first addition is 0.0 + value, as Spark's coalesce(sum, 0) + value, so a
 * lone -0.0 sums to 0.0. Spark adds within each task and then adds the tasks' partial
 * sums, so on a cluster the last bits of a double sum can differ from this single pass.
 */
class DoubleSum implements Accumulator {
  private sums = new Float64Array(0);
  private seen = new Uint8Array(0);

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.sums = grown(this.sums, slots);
    this.seen = grown(this.seen, slots);
    const { sums, seen } = this;
    const valid = validityBits(values, rows);
    const x = values.values as Float64Array | Float32Array;
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const slot = slotOf[i]!;
      sums[slot] = sums[slot]! + x[i]!;
      seen[slot] = 1;
    }
  }

  result(from: number, to: number): Data {
    this.sums = grown(this.sums, to);
    this.seen = grown(this.seen, to);
    return doublesColumn({ kind: 'double' }, from, to, (s) => (this.seen[s] ? this.sums[s]! : null));
  }
}

/**
 * Exact sums of unscaled decimals, per slot, as Spark keeps the sum of DECIMAL(p,s) in
 * a buffer of DECIMAL(min(38, p+10), s), for sum and for avg.
 *
 * Overflow: Spark adds without checking (DecimalAddNoOverflowCheck) and stores the sum in
 * its aggregation buffer, which sets it to NULL when it needs more digits than the
 * buffer's precision (UnsafeRow.setDecimal); from then on the sum stays NULL while the
 * group has seen values, which Spark reports at the end as overflow: NULL with ANSI off,
 * ARITHMETIC_OVERFLOW "Overflow in sum of decimals" with ANSI on (CheckOverflowInSum for
 * sum, DecimalDivideWithOverflowCheck for avg). So an overflow anywhere along the running
 * sum is final even if later values would bring the sum back in range; gluekit checks
 * each addition in input order (with ANSI on, it raises at the first one).
 *
 * Sums are kept as doubles while they are exact and within the precision, and as BigInts
 * beyond: decimal(12,2) sums up to 90 trillion never allocate a BigInt.
 */
class DecimalSums {
  exact = new Float64Array(0);
  wide: (bigint | undefined)[] = [];
  /** Non-NULL values added, per slot (avg's count). */
  counts = new Float64Array(0);
  overflowed = new Uint8Array(0);
  private readonly exactLimit: number;
  private readonly limit: bigint;

  constructor(
    precision: number,
    private readonly ctx: KernelContext,
  ) {
    this.limit = POW10[precision]!;
    this.exactLimit = Math.min(EXACT_LIMIT, 10 ** precision);
  }

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.exact = grown(this.exact, slots);
    this.counts = grown(this.counts, slots);
    this.overflowed = grown(this.overflowed, slots);
    const { exact, counts, wide, exactLimit } = this;
    const valid = validityBits(values, rows);
    const words = values.values as Uint32Array;
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const slot = slotOf[i]!;
      counts[slot]!++;
      const sum = exact[slot]! + decimalNumberAt(words, i);
      if (wide[slot] === undefined && sum < exactLimit && sum > -exactLimit) exact[slot] = sum;
      else if (!this.overflowed[slot]) this.addWide(slot, decimalWordsAt(words, i));
    }
  }

  private addWide(slot: number, x: bigint): void {
    const sum = (this.wide[slot] ?? BigInt(this.exact[slot]!)) + x;
    if (sum >= this.limit || sum <= -this.limit) {
      if (this.ctx.ansi) {
        throw new SparkRuntimeError('ARITHMETIC_OVERFLOW', 'Overflow in sum of decimals. If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.');
      }
      this.overflowed[slot] = 1;
    }
    this.wide[slot] = sum;
  }

  /** The exact sum of a slot, or null when it has no value or overflowed. */
  sum(slot: number): bigint | null {
    if (slot >= this.counts.length || this.counts[slot] === 0 || this.overflowed[slot]) return null;
    return this.wide[slot] ?? BigInt(this.exact[slot]!);
  }
}

/** sum of DECIMAL(p,s), as DECIMAL(min(38, p+10), s), exact (see DecimalSums for overflow). */
class DecimalSum implements Accumulator {
  private readonly sums: DecimalSums;

  constructor(
    private readonly output: GlueType,
    ctx: KernelContext,
  ) {
    this.sums = new DecimalSums((output as { precision: number }).precision, ctx);
  }

  update(groups: BatchGroups, values: Data): void {
    this.sums.update(groups, values);
  }

  result(from: number, to: number): Data {
    return decimalsColumn(this.output, from, to, (s) => this.sums.sum(s));
  }
}

/**
 * sumDistinct(column): the sum of the group's distinct non-NULL values (Spark plans
 * sum(DISTINCT x) as a sum over the distinct values), with sum's result type and
 * overflow rules. Values are distinct as Spark groups them (NaN equals NaN, -0.0 equals
 * 0.0); each distinct value is added once, in order of first appearance.
 */
class DistinctSum implements Accumulator {
  private readonly distinct: DistinctValues<PairSet>;

  constructor(
    type: GlueType,
    private readonly sum: Accumulator,
  ) {
    this.distinct = new DistinctValues(type, () => new PairSet());
  }

  update(groups: BatchGroups, values: Data): void {
    const newRows = new Int32Array(groups.rows);
    const newSlots = new Int32Array(groups.rows);
    let added = 0;
    this.distinct.addPairs(groups, values, (pairs, slot, value, row) => {
      if (!pairs.add(slot, value)) return;
      newRows[added] = row;
      newSlots[added++] = slot;
    });
    if (added === 0) return;
    // The sum sees only the rows that bring a new value to their group.
    const selected: BatchGroups = { rows: added, slotOf: newSlots.subarray(0, added), slots: groups.slots, openedSlots: NONE, openedRows: NONE };
    this.sum.update(selected, takeData(values, newRows.subarray(0, added)));
  }

  result(from: number, to: number): Data {
    return this.sum.result(from, to);
  }
}

// ---------------------------------------------------------------------------
// avg
// ---------------------------------------------------------------------------

/**
 * avg of integers, FLOAT or DOUBLE, as DOUBLE: Spark's Average sums the values cast to
 * double (so BIGINTs beyond 2^53 round) and divides by the count of non-NULL values; a
 * group with no value gives NULL (the division by a zero count).
 */
class DoubleAverage implements Accumulator {
  private sums = new Float64Array(0);
  private counts = new Float64Array(0);

  constructor(
    private readonly type: GlueType,
    private readonly ctx: KernelContext,
  ) {}

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.sums = grown(this.sums, slots);
    this.counts = grown(this.counts, slots);
    const { sums, counts } = this;
    const valid = validityBits(values, rows);
    const x = doublesOf(values, this.type, this.ctx);
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const slot = slotOf[i]!;
      sums[slot] = sums[slot]! + x[i]!;
      counts[slot]!++;
    }
  }

  result(from: number, to: number): Data {
    this.sums = grown(this.sums, to);
    this.counts = grown(this.counts, to);
    return doublesColumn({ kind: 'double' }, from, to, (s) => (this.counts[s] === 0 ? null : this.sums[s]! / this.counts[s]!));
  }
}

/** Spark's DecimalType.MAX_SCALE: `Decimal./` computes quotients to 38 decimal places. */
const QUOTIENT_SCALE = 38;

/**
 * avg of DECIMAL(p,s), as DECIMAL(min(38, p+4), min(38, s+4)) (aggregate.ts's resultType).
 * Spark (3.3 and later: DecimalDivideWithOverflowCheck) divides the exact sum (kept as
 * DECIMAL(p+10, s), see DecimalSums) by the count with `Decimal./`, which rounds the
 * quotient HALF_UP to 38 decimal places, then rounds that HALF_UP to the result scale
 * (toPrecision). Both roundings are reproduced, since rounding twice can differ from
 * rounding once. A result that needs more digits than the result precision (possible when
 * p+4 > 38) is NULL with ANSI off and raises NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION
 * (Spark 4's cannotChangeDecimalPrecisionError) with ANSI on; an overflowed sum is NULL,
 * or ARITHMETIC_OVERFLOW with ANSI on.
 */
class DecimalAverage implements Accumulator {
  private readonly sums: DecimalSums;
  private readonly inputScale: number;

  constructor(
    input: GlueType,
    private readonly output: GlueType,
    private readonly ctx: KernelContext,
  ) {
    const { precision, scale } = input as { precision: number; scale: number };
    this.inputScale = scale;
    this.sums = new DecimalSums(Math.min(38, precision + 10), ctx);
  }

  update(groups: BatchGroups, values: Data): void {
    this.sums.update(groups, values);
  }

  result(from: number, to: number): Data {
    const { precision, scale } = this.output as { precision: number; scale: number };
    return decimalsColumn(this.output, from, to, (slot) => {
      const sum = this.sums.sum(slot);
      if (sum === null) return null;
      const count = BigInt(this.sums.counts[slot]!);
      const quotient = divideHalfUp(sum * POW10[QUOTIENT_SCALE - this.inputScale]!, count);
      const value = rescaleHalfUp(quotient, QUOTIENT_SCALE, scale);
      if (value < POW10[precision]! && value > -POW10[precision]!) return value;
      if (this.ctx.ansi) {
        throw new SparkRuntimeError(
          'NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION',
          `${plainDecimal(quotient, QUOTIENT_SCALE)} cannot be represented as Decimal(${precision}, ${scale}). If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error, and return NULL instead.`,
        );
      }
      return null;
    });
  }
}

/** a / b rounded HALF_UP (halves away from zero), for b > 0. */
function divideHalfUp(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  const remainder = a % b;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  return twice >= b ? quotient + (a < 0n ? -1n : 1n) : quotient;
}

/** An unscaled value at scale `from` rounded HALF_UP to scale `to` (to <= from). */
function rescaleHalfUp(value: bigint, from: number, to: number): bigint {
  return from === to ? value : divideHalfUp(value, POW10[from - to]!);
}

/** An unscaled decimal as all its digits at its scale (BigDecimal.toPlainString, which Spark's message shows). */
function plainDecimal(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  return `${unscaled < 0n ? '-' : ''}${whole}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`;
}

// ---------------------------------------------------------------------------
// stddev, variance, skewness, kurtosis
// ---------------------------------------------------------------------------

/**
 * Spark's CentralMomentAgg: the count n, the mean and the central moment sums m2..m4,
 * updated one value at a time with the online formulas Spark uses (Welford's for m2,
 * Meng 2015 for m3 and m4), in the same order of operations, so a group read in one pass
 * gives the same doubles as one Spark task. Values are cast to double first. NULLs are
 * skipped; a NaN makes the result NaN.
 *
 * Results (spark.sql.legacy.statisticalAggregate is false by default since Spark 3.0,
 * which makes a division by zero NULL rather than NaN):
 * - no value: NULL for all six;
 * - var_pop = m2/n, stddev_pop = sqrt(m2/n);
 * - var_samp = m2/(n-1), stddev_samp = sqrt(m2/(n-1)); NULL when n = 1;
 * - skewness = sqrt(n)·m3 / sqrt(m2³), kurtosis = n·m4 / m2² - 3 (excess kurtosis);
 *   NULL when m2 = 0 (every value equal: the update leaves m2 exactly 0 then).
 */
class CentralMoments implements Accumulator {
  private n = new Float64Array(0);
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private m3 = new Float64Array(0);
  private m4 = new Float64Array(0);
  private readonly order: number;

  constructor(
    private readonly fn: AggFn,
    private readonly type: GlueType,
    private readonly ctx: KernelContext,
  ) {
    this.order = fn === 'kurtosis' ? 4 : fn === 'skewness' ? 3 : 2;
  }

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.n = grown(this.n, slots);
    this.mean = grown(this.mean, slots);
    this.m2 = grown(this.m2, slots);
    if (this.order >= 3) this.m3 = grown(this.m3, slots);
    if (this.order >= 4) this.m4 = grown(this.m4, slots);
    const { n, mean, m2, m3, m4, order } = this;
    const valid = validityBits(values, rows);
    const x = doublesOf(values, this.type, this.ctx);
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const s = slotOf[i]!;
      const newN = n[s]! + 1.0;
      const delta = x[i]! - mean[s]!;
      const deltaN = delta / newN;
      const newM2 = m2[s]! + delta * (delta - deltaN);
      if (order >= 3) {
        const delta2 = delta * delta;
        const deltaN2 = deltaN * deltaN;
        const newM3 = m3[s]! - 3.0 * deltaN * newM2 + delta * (delta2 - deltaN2);
        if (order >= 4) m4[s] = m4[s]! - 4.0 * deltaN * newM3 - 6.0 * deltaN2 * newM2 + delta * (delta * delta2 - deltaN * deltaN2);
        m3[s] = newM3;
      }
      n[s] = newN;
      mean[s] = mean[s]! + deltaN;
      m2[s] = newM2;
    }
  }

  result(from: number, to: number): Data {
    this.n = grown(this.n, to);
    this.m2 = grown(this.m2, to);
    this.m3 = grown(this.m3, to);
    this.m4 = grown(this.m4, to);
    const { n, m2, m3, m4 } = this;
    const value = (s: number): number | null => {
      const count = n[s]!;
      if (count === 0) return null;
      switch (this.fn) {
        case 'var_pop':
          return m2[s]! / count;
        case 'stddev_pop':
          return Math.sqrt(m2[s]! / count);
        case 'var_samp':
          return count === 1 ? null : m2[s]! / (count - 1.0);
        case 'stddev_samp':
          return count === 1 ? null : Math.sqrt(m2[s]! / (count - 1.0));
        case 'skewness':
          return m2[s] === 0 ? null : (Math.sqrt(count) * m3[s]!) / Math.sqrt(m2[s]! * m2[s]! * m2[s]!);
        default:
          return m2[s] === 0 ? null : (count * m4[s]!) / (m2[s]! * m2[s]!) - 3.0;
      }
    };
    return doublesColumn({ kind: 'double' }, from, to, value);
  }
}

// ---------------------------------------------------------------------------
// min and max
// ---------------------------------------------------------------------------

/**
 * min and max skip NULLs (NULL for a group with no value) and order values as Spark's
 * Least and Greatest do: numbers by value; doubles and floats with NaN above every other
 * value and -0.0 equal to 0.0 (SQLOrderingUtil.compareDoubles); dates and timestamps in
 * time order; booleans false < true; strings and binary by unsigned bytes (code point
 * order for UTF-8); structs field by field and arrays element by element, a NULL field or
 * element first, a shorter array before a longer one with the same start.
 * Spark's Greatest(max, value) replaces the running value only when the new one is
 * strictly greater, so among equal values (0.0 and -0.0) the first one in input order stays.
 */
function extremeOf(fn: 'min' | 'max', type: GlueType): Accumulator {
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'date':
    case 'bigint':
    case 'timestamp':
    case 'float':
    case 'double':
      return new NumberExtreme(fn, type);
    case 'decimal':
      return new DecimalExtreme(fn, type);
    default:
      return new ValueExtreme(fn, type);
  }
}

/** min/max of types held in one typed array value per row (integers, floats, dates, timestamps). */
class NumberExtreme implements Accumulator {
  private best: SlotArray;
  private seen = new Uint8Array(0);
  private readonly floating: boolean;

  constructor(
    private readonly fn: 'min' | 'max',
    private readonly type: GlueType,
  ) {
    this.floating = type.kind === 'float' || type.kind === 'double';
    this.best = new (arrayTypeOf(type))(0);
  }

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.best = grown(this.best, slots);
    this.seen = grown(this.seen, slots);
    const best = this.best as unknown as { [i: number]: number | bigint };
    const { seen } = this;
    const valid = validityBits(values, rows);
    const x = values.values as unknown as ArrayLike<number | bigint>;
    const max = this.fn === 'max';
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const slot = slotOf[i]!;
      const v = x[i]!;
      if (!seen[slot]) {
        best[slot] = v;
        seen[slot] = 1;
        continue;
      }
      const current = best[slot]!;
      if (this.floating) {
        const order = compareDoubles(v as number, current as number);
        if (max ? order > 0 : order < 0) best[slot] = v;
      } else if (max ? v > current : v < current) {
        best[slot] = v;
      }
    }
  }

  result(from: number, to: number): Data {
    this.best = grown(this.best, to);
    this.seen = grown(this.seen, to);
    const n = to - from;
    const out = this.best.slice(from, to);
    const bitmap = allValid(n);
    for (let r = 0; r < n; r++) if (!this.seen[from + r]) setNull(bitmap, r);
    return fixedData(toArrowType(this.type), out, n, bitmap);
  }
}

function arrayTypeOf(type: GlueType): new (length: number) => SlotArray {
  switch (type.kind) {
    case 'tinyint':
      return Int8Array;
    case 'smallint':
      return Int16Array;
    case 'int':
    case 'date':
      return Int32Array;
    case 'float':
      return Float32Array;
    case 'double':
      return Float64Array;
    default:
      return BigInt64Array;
  }
}

/** min/max of decimals: the unscaled 128-bit words compared as signed integers (one scale per column). */
class DecimalExtreme implements Accumulator {
  private best = new Uint32Array(0);
  private seen = new Uint8Array(0);

  constructor(
    private readonly fn: 'min' | 'max',
    private readonly type: GlueType,
  ) {}

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.best = grown(this.best, slots * 4);
    this.seen = grown(this.seen, slots);
    const { best, seen } = this;
    const valid = validityBits(values, rows);
    const words = values.values as Uint32Array;
    const sign = this.fn === 'max' ? 1 : -1;
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const slot = slotOf[i]!;
      if (seen[slot] && compareDecimalWords(words, i, best, slot) * sign <= 0) continue;
      seen[slot] = 1;
      best.set(words.subarray(i * 4, i * 4 + 4), slot * 4);
    }
  }

  result(from: number, to: number): Data {
    this.best = grown(this.best, to * 4);
    this.seen = grown(this.seen, to);
    const n = to - from;
    const bitmap = allValid(n);
    for (let r = 0; r < n; r++) if (!this.seen[from + r]) setNull(bitmap, r);
    return fixedData(toArrowType(this.type), this.best.slice(from * 4, to * 4), n, bitmap);
  }
}

/** min/max of booleans, strings, binary, structs and arrays: the winning rows kept in a RowStore. */
class ValueExtreme implements Accumulator {
  private readonly store: RowStore;
  private readonly candidates = new Candidates();

  constructor(
    private readonly fn: 'min' | 'max',
    private readonly type: GlueType,
  ) {
    this.store = new RowStore(type);
  }

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    const { candidates, store, type } = this;
    const sign = this.fn === 'max' ? 1 : -1;
    candidates.reset(slots);
    const valid = validityBits(values, rows);
    // The best row of each group within the batch...
    for (let i = 0; i < rows; i++) {
      if (!validAt(valid, i)) continue;
      const slot = slotOf[i]!;
      const current = candidates.rowOf(slot);
      if (current < 0 || compareValues(values, i, values, current, type) * sign > 0) candidates.set(slot, i);
    }
    // ...replaces the group's value when it is strictly better.
    candidates.keep((slot, row) => !store.has(slot) || compareValues(values, row, store.dataOf(slot), store.rowOf(slot), type) * sign > 0);
    store.put(values, candidates.slots(), candidates.rows(), slots);
  }

  result(from: number, to: number): Data {
    return this.store.result(from, to);
  }
}

/** Spark's SQLOrderingUtil.compareDoubles: -0.0 equals 0.0, NaN equals NaN and is above everything. */
function compareDoubles(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  const xNaN = x !== x;
  const yNaN = y !== y;
  return xNaN === yNaN ? 0 : xNaN ? 1 : -1;
}

/** The order of value `i` of `a` against value `j` of `b` (both not NULL), both of `type`. */
function compareValues(a: Data, i: number, b: Data, j: number, type: GlueType): number {
  switch (type.kind) {
    case 'boolean':
      return (boolAt(a, i) ? 1 : 0) - (boolAt(b, j) ? 1 : 0);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'date':
    case 'bigint':
    case 'timestamp': {
      const x = (a.values as unknown as ArrayLike<number | bigint>)[i]!;
      const y = (b.values as unknown as ArrayLike<number | bigint>)[j]!;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'float':
    case 'double':
      return compareDoubles((a.values as Float64Array)[i]!, (b.values as Float64Array)[j]!);
    case 'decimal':
      return compareDecimalWords(a.values as Uint32Array, i, b.values as Uint32Array, j);
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary':
      return compareBytesAt(a, i, b, j);
    case 'struct':
      for (let k = 0; k < type.fields.length; k++) {
        const order = compareNullable(a.children[k]!, i, b.children[k]!, j, type.fields[k]!.type);
        if (order !== 0) return order;
      }
      return 0;
    case 'array': {
      const ao = a.valueOffsets as Int32Array;
      const bo = b.valueOffsets as Int32Array;
      const la = ao[i + 1]! - ao[i]!;
      const lb = bo[j + 1]! - bo[j]!;
      for (let k = 0; k < la && k < lb; k++) {
        const order = compareNullable(a.children[0]!, ao[i]! + k, b.children[0]!, bo[j]! + k, type.element);
        if (order !== 0) return order;
      }
      return la < lb ? -1 : la > lb ? 1 : 0;
    }
    default:
      // Validation refuses min and max of maps, which Spark cannot order.
      throw new Error(`cannot order values of type ${type.kind}`);
  }
}

/** As compareValues, with NULL before every value (Spark's ordering of struct fields and array elements). */
function compareNullable(a: Data, i: number, b: Data, j: number, type: GlueType): number {
  const av = isValid(a, i);
  const bv = isValid(b, j);
  if (!av || !bv) return av === bv ? 0 : av ? 1 : -1;
  return compareValues(a, i, b, j, type);
}

/** Unsigned byte order of string/binary value `i` of `a` and `j` of `b`. */
function compareBytesAt(a: Data, i: number, b: Data, j: number): number {
  const ao = a.valueOffsets as Int32Array;
  const bo = b.valueOffsets as Int32Array;
  const ab = a.values as Uint8Array;
  const bb = b.values as Uint8Array;
  let p = ao[i]!;
  let q = bo[j]!;
  const la = ao[i + 1]! - p;
  const lb = bo[j + 1]! - q;
  const common = la < lb ? la : lb;
  for (let k = 0; k < common; k++, p++, q++) {
    const d = ab[p]! - bb[q]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return la < lb ? -1 : la > lb ? 1 : 0;
}

// ---------------------------------------------------------------------------
// first and last
// ---------------------------------------------------------------------------

/**
 * first(column): the value of the group's first row, even when it is NULL (Spark's First
 * with ignoreNulls = false, as the generated script calls it). Spark calls the function
 * non-deterministic: the first row depends on how rows reach its tasks. gluekit takes the
 * first row in input order, which is the row that opened the group.
 */
class FirstValue implements Accumulator {
  private readonly store: RowStore;

  constructor(type: GlueType) {
    this.store = new RowStore(type);
  }

  update(groups: BatchGroups, values: Data): void {
    this.store.put(values, groups.openedSlots, groups.openedRows, groups.slots);
  }

  result(from: number, to: number): Data {
    return this.store.result(from, to);
  }
}

/** last(column): the value of the group's last row in input order, even when NULL (see FirstValue). */
class LastValue implements Accumulator {
  private readonly store: RowStore;
  private readonly candidates = new Candidates();

  constructor(type: GlueType) {
    this.store = new RowStore(type);
  }

  update(groups: BatchGroups, values: Data): void {
    const { slotOf, rows, slots } = groups;
    this.candidates.reset(slots);
    for (let i = 0; i < rows; i++) this.candidates.set(slotOf[i]!, i);
    this.store.put(values, this.candidates.slots(), this.candidates.rows(), slots);
  }

  result(from: number, to: number): Data {
    return this.store.result(from, to);
  }
}

// ---------------------------------------------------------------------------
// Group values
// ---------------------------------------------------------------------------

/**
 * Spark outputs a group's FLOAT and DOUBLE values normalized: -0.0 as 0.0 and every NaN
 * as the one canonical NaN, also inside structs and arrays (PhysicalAggregation replaces
 * the grouping expressions with NormalizeFloatingNumbers.normalize of them; the Spark 3.0
 * migration guide: `Seq(-0.0, 0.0).toDF("d").groupBy("d").count()` returns `[(0.0, 2)]`).
 * Rewrites `data` in place: it must be a column no one else holds (RowStore.result's are).
 */
export function normalizeFloatingPoint(data: Data, type: GlueType): void {
  switch (type.kind) {
    case 'float':
    case 'double': {
      const values = data.values as Float64Array | Float32Array;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (v === 0) values[i] = 0;
        else if (v !== v) values[i] = NaN;
      }
      return;
    }
    case 'struct':
      type.fields.forEach((f, k) => normalizeFloatingPoint(data.children[k]!, f.type));
      return;
    case 'array':
      normalizeFloatingPoint(data.children[0]!, type.element);
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------
// Values of any type, kept by reference
// ---------------------------------------------------------------------------

/** Chunks a RowStore keeps before gathering them into one. */
const MAX_CHUNKS = 4096;

/**
 * One value per slot, of any type (group values, first, last, min/max of strings and
 * nested values): each slot refers to a row of a chunk gathered from an input batch with
 * takeData, so values are copied once per batch in their own layout and never decoded.
 * Chunk 0 holds a single NULL, the value of a slot that has none. Replaced values leave
 * garbage in older chunks; when chunks hold more than twice the slots, every slot's value
 * is gathered into one chunk, so memory stays proportional to the number of groups. The
 * same happens past MAX_CHUNKS chunks, which only tiny input batches reach.
 */
export class RowStore {
  private chunks: Data[];
  private chunkOf = new Int32Array(0);
  private rowAt = new Int32Array(0);
  private chunkRows = 0;

  constructor(type: GlueType) {
    const arrow: DataType = toArrowType(type);
    this.chunks = [nullData(arrow, 1)];
  }

  has(slot: number): boolean {
    return slot < this.chunkOf.length && this.chunkOf[slot] !== 0;
  }

  dataOf(slot: number): Data {
    return this.chunks[this.chunkOf[slot]!]!;
  }

  rowOf(slot: number): number {
    return this.rowAt[slot]!;
  }

  /** Makes row `rows[k]` of `column` the value of slot `slots[k]`, for every k. */
  put(column: Data, slots: Int32Array, rows: Int32Array, slotCount: number): void {
    this.chunkOf = grown(this.chunkOf, slotCount);
    this.rowAt = grown(this.rowAt, slotCount);
    if (rows.length === 0) return;
    const id = this.chunks.length;
    this.chunks.push(takeData(column, rows));
    for (let k = 0; k < slots.length; k++) {
      this.chunkOf[slots[k]!] = id;
      this.rowAt[slots[k]!] = k;
    }
    this.chunkRows += rows.length;
    if (this.chunkRows > 2 * slotCount + 1024 || this.chunks.length > MAX_CHUNKS) this.compact(slotCount);
  }

  private compact(slotCount: number): void {
    const all = interleaveData(this.chunks, this.chunkOf.subarray(0, slotCount), this.rowAt.subarray(0, slotCount));
    this.chunks = [this.chunks[0]!, all];
    for (let s = 0; s < slotCount; s++) {
      if (this.chunkOf[s] === 0) continue;
      this.chunkOf[s] = 1;
      this.rowAt[s] = s;
    }
    this.chunkRows = slotCount;
  }

  /** The values of slots [from, to) as one new column (sharing no buffer with the input or the store). */
  result(from: number, to: number): Data {
    this.chunkOf = grown(this.chunkOf, to);
    this.rowAt = grown(this.rowAt, to);
    return interleaveData(this.chunks, this.chunkOf.subarray(from, to), this.rowAt.subarray(from, to));
  }
}

/**
 * One candidate row per slot within a batch (the batch's last row of each group, or its
 * best value), with the list of slots that have one. The per-slot array lives across
 * batches and only touched entries are reset, so a small batch costs nothing per group.
 */
class Candidates {
  private row = new Int32Array(0);
  private touched = new Int32Array(0);
  private count = 0;

  reset(slots: number): void {
    for (let k = 0; k < this.count; k++) this.row[this.touched[k]!] = -1;
    this.count = 0;
    if (slots > this.row.length) {
      const before = this.row.length;
      this.row = grown(this.row, slots);
      this.row.fill(-1, before);
    }
  }

  rowOf(slot: number): number {
    return this.row[slot]!;
  }

  set(slot: number, row: number): void {
    if (this.row[slot]! < 0) {
      this.touched = grown(this.touched, this.count + 1);
      this.touched[this.count++] = slot;
    }
    this.row[slot] = row;
  }

  /** Drops the candidates for which `accept` is false. */
  keep(accept: (slot: number, row: number) => boolean): void {
    let kept = 0;
    for (let k = 0; k < this.count; k++) {
      const slot = this.touched[k]!;
      if (accept(slot, this.row[slot]!)) this.touched[kept++] = slot;
      else this.row[slot] = -1;
    }
    this.count = kept;
  }

  slots(): Int32Array {
    return this.touched.subarray(0, this.count);
  }

  rows(): Int32Array {
    const out = new Int32Array(this.count);
    for (let k = 0; k < this.count; k++) out[k] = this.row[this.touched[k]!]!;
    return out;
  }
}
