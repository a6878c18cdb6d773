/** Catalog databases and tables the orders job reads and writes. */
import { defineDatabase, defineTable, type RowOf } from 'gluekit';

/** The CRM team's curated tables. */
export const crm = defineDatabase({ name: 'crm', description: "The CRM's curated dimensions, refreshed daily" });

/** The CRM's customer dimension, curated daily as Parquet. */
export const customers = defineTable({
  database: crm,
  name: 'customers',
  location: 's3://acme-curated/crm/customers/',
  format: 'parquet',
  columns: {
    customer_id: { type: 'bigint', nullable: false, comment: 'CRM customer key' },
    name: 'string',
    country: { type: 'string', comment: 'ISO 3166-1 alpha-2 code' },
    segment: { type: 'string', comment: 'smb, mid-market or enterprise' },
    signup_date: 'date',
  },
});

/** A customer row, as fixtures and tests write it. */
export type Customer = RowOf<typeof customers>;
