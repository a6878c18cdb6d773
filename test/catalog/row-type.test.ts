/**
 * A table's row type, derived from its definition: every Glue type's value, nullability
 * (required or optional-and-null), list and record forms, t.* values, nested types and
 * partition keys. Checked by the compiler (vitest typecheck semantics via expectTypeOf).
 */
import { describe, expectTypeOf, it } from 'vitest';
import { defineDatabase, defineTable, t, type RowOf } from '../../index.js';

const sales = defineDatabase({ name: 'sales' });

const orders = defineTable({
  database: sales,
  name: 'orders',
  location: 's3://acme/orders/',
  format: 'parquet',
  columns: {
    id: { type: 'bigint', nullable: false },
    flag: 'boolean',
    small: 'tinyint',
    mid: 'SMALLINT',
    qty: 'int',
    ratio: 'float',
    score: 'double',
    amount: 'decimal(12,2)',
    name: 'string',
    code: 'char(3)',
    note: { type: 'varchar(200)', comment: 'free text' },
    blob: 'binary',
    day: 'date',
    at: 'timestamp',
    tags: 'array<string>',
    attrs: 'map<string,decimal(10,2)>',
    address: 'struct<city:string,zip:char(5),geo:struct<lat:double,lon:double>>',
    lines: 'array<struct<sku:string,qty:int>>',
    typed: t.array(t.int()),
  },
  partitionKeys: { dt: { type: 'date', nullable: false } },
});

type Row = RowOf<typeof orders>;

describe('RowOf', () => {
  it('maps every primitive Glue type to the value a JSON fixture holds', () => {
    expectTypeOf<Row['id']>().toEqualTypeOf<number | bigint>();
    expectTypeOf<Row['flag']>().toEqualTypeOf<boolean | null | undefined>();
    expectTypeOf<Row['small']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<Row['mid']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<Row['qty']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<Row['ratio']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<Row['score']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<Row['amount']>().toEqualTypeOf<string | number | null | undefined>();
    expectTypeOf<Row['name']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Row['code']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Row['note']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Row['blob']>().toEqualTypeOf<string | Uint8Array | null | undefined>();
    expectTypeOf<Row['day']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Row['at']>().toEqualTypeOf<string | null | undefined>();
  });

  it('maps nested types, from strings and from t.* values', () => {
    expectTypeOf<NonNullable<Row['tags']>>().toEqualTypeOf<(string | null)[]>();
    expectTypeOf<NonNullable<Row['attrs']>>().toEqualTypeOf<Record<string, string | number | null>>();
    type Address = NonNullable<Row['address']>;
    expectTypeOf<Address['city']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<NonNullable<Address['geo']>['lat']>().toEqualTypeOf<number | null | undefined>();
    type Line = NonNullable<NonNullable<Row['lines']>[number]>;
    expectTypeOf<Line['qty']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<NonNullable<Row['typed']>>().toEqualTypeOf<(number | null)[]>();
  });

  it('requires non-null columns and partition keys, and refuses unknown columns', () => {
    expectTypeOf<Row['dt']>().toEqualTypeOf<string>();
    expectTypeOf<{ id: 1; dt: '2024-01-31' }>().toMatchTypeOf<Row>();
    expectTypeOf<{ dt: '2024-01-31' }>().not.toMatchTypeOf<Row>();
    expectTypeOf<{ id: 1; dt: '2024-01-31'; qty: 'three' }>().not.toMatchTypeOf<Row>();
    const row: Row = { id: 1, dt: '2024-01-31', amount: '12.50', tags: ['a', null], address: { city: 'Lyon', geo: { lat: 45.76 } } };
    // @ts-expect-error a column the table does not have
    const extra: Row = { id: 1, dt: '2024-01-31', amuont: '1.00' };
    expectTypeOf(row).toEqualTypeOf<Row>();
    expectTypeOf(extra).toEqualTypeOf<Row>();
  });

  it('reads the list form of columns, and tables without partition keys', () => {
    const events = defineTable({
      database: 'raw',
      name: 'events',
      location: 's3://acme/events/',
      format: 'json',
      columns: [
        { name: '2024', type: 'int', nullable: false },
        { name: 'payload', type: 'string' },
      ],
    });
    type Event = RowOf<typeof events>;
    expectTypeOf<Event['2024']>().toEqualTypeOf<number>();
    expectTypeOf<Event['payload']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<keyof Event>().toEqualTypeOf<'2024' | 'payload'>();
  });
});
