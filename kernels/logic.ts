/**
 * Boolean logic with SQL's three values (true, false, NULL), as Spark evaluates it:
 *
 * - AND is false if either side is false (false AND NULL = false), else NULL if either
 *   side is NULL, else true;
 * - OR is true if either side is true (true OR NULL = true), else NULL if either side is
 *   NULL, else false;
 * - NOT NULL is NULL;
 * - IS NULL / IS NOT NULL are never NULL.
 *
 * Each works on whole bytes: a value is "definitely true" where its value bit and its
 * validity bit are set, "definitely false" where only its validity bit is.
 */
import { Bool, Type } from 'apache-arrow';
import { t } from '../catalog/types.js';
import { boolBits, boolData, countSetBits, operandValidity, type Value } from './columns.js';

interface Definite {
  /** Bit set where the value is known true. */
  readonly yes: Uint8Array;
  /** Bit set where the value is known false. */
  readonly no: Uint8Array;
}

/** Splits a bool operand into its known-true and known-false rows (NULL rows in neither). */
function definite(value: Value, n: number): Definite {
  const bytes = (n + 7) >> 3;
  const yes = new Uint8Array(bytes);
  const no = new Uint8Array(bytes);
  if (value.data.type.typeId === Type.Null) return { yes, no };
  if (value.scalar) {
    const valid = !operandValidity(value, 1);
    const bit = (boolBits(value.data, 1)[0]! & 1) === 1;
    if (valid) (bit ? yes : no).fill(0xff);
    return { yes, no };
  }
  const bits = boolBits(value.data, n);
  const valid = operandValidity(value, n);
  for (let k = 0; k < bytes; k++) {
    const m = valid ? valid[k]! : 0xff;
    yes[k] = bits[k]! & m;
    no[k] = ~bits[k]! & m;
  }
  return { yes, no };
}

/** A bool Value from known-true and known-false bits; rows in neither are NULL. */
function fromDefinite(yes: Uint8Array, no: Uint8Array, n: number, scalar: boolean): Value {
  const bytes = (n + 7) >> 3;
  const validity = new Uint8Array(bytes);
  for (let k = 0; k < bytes; k++) validity[k] = yes[k]! | no[k]!;
  const allValid = countSetBits(validity, n) === n;
  return { data: boolData(new Bool(), yes, n, allValid ? undefined : validity), type: t.boolean(), scalar };
}

function rowsOf(a: Value, b: Value, rows: number): { n: number; scalar: boolean } {
  const scalar = a.scalar && b.scalar;
  return { n: scalar ? 1 : rows, scalar };
}

/** `a AND b`, three-valued. */
export function andValues(a: Value, b: Value, rows: number): Value {
  const { n, scalar } = rowsOf(a, b, rows);
  const x = definite(a, n);
  const y = definite(b, n);
  const bytes = (n + 7) >> 3;
  const yes = new Uint8Array(bytes);
  const no = new Uint8Array(bytes);
  for (let k = 0; k < bytes; k++) {
    yes[k] = x.yes[k]! & y.yes[k]!;
    no[k] = x.no[k]! | y.no[k]!;
  }
  return fromDefinite(yes, no, n, scalar);
}

/** `a OR b`, three-valued. */
export function orValues(a: Value, b: Value, rows: number): Value {
  const { n, scalar } = rowsOf(a, b, rows);
  const x = definite(a, n);
  const y = definite(b, n);
  const bytes = (n + 7) >> 3;
  const yes = new Uint8Array(bytes);
  const no = new Uint8Array(bytes);
  for (let k = 0; k < bytes; k++) {
    yes[k] = x.yes[k]! | y.yes[k]!;
    no[k] = x.no[k]! & y.no[k]!;
  }
  return fromDefinite(yes, no, n, scalar);
}

/** `NOT a`: true and false swap, NULL stays NULL. */
export function notValue(a: Value, rows: number): Value {
  const n = a.scalar ? 1 : rows;
  const x = definite(a, n);
  return fromDefinite(x.no, x.yes, n, a.scalar);
}

/** `a IS NULL` (or IS NOT NULL when negated); never NULL itself. */
export function isNullValue(a: Value, negated: boolean, rows: number): Value {
  const n = a.scalar ? 1 : rows;
  const bytes = (n + 7) >> 3;
  const valid = operandValidity(a, n);
  const bits = new Uint8Array(bytes);
  for (let k = 0; k < bytes; k++) {
    const v = valid ? valid[k]! : 0xff;
    bits[k] = negated ? v : ~v & 0xff;
  }
  return { data: boolData(new Bool(), bits, n), type: t.boolean(), scalar: a.scalar };
}
