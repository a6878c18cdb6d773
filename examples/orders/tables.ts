/** Catalog tables the orders job reads and writes. */
import { defineTable } from 'gluekit';

/** The CRM's customer dimension, curated daily as Parquet. */
export const customers = defineTable({
  database: 'crm',
  name: 'customers',
  location: 's3://acme-curated/crm/customers/',
  format: 'parquet',
  columns: {
    customer_id: { type: 'bigint', nullable: false },
    name: 'string',
    country: 'string',
    segment: 'string',
    signup_date: 'date',
  },
});
