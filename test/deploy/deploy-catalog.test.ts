/**
 * Catalog databases and tables through plan() and apply(), against moto, checked with
 * the AWS CLI: created once for all jobs that share them, compared only on what gluekit
 * defines (parameters a crawler or a person added are neither changes nor lost), and
 * updated member by member. Calls go through the recording endpoint
 * (test/support/aws-recorder.ts) to count writes; it also implements UpdateJob, which moto lacks.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, plan } from '../../index.js';
import type { AwsRecorder } from '../support/aws-recorder.js';
import { aws, peersAvailable, type Moto } from '../support/peers.js';
import { ACCOUNT, REGION, catalogJob } from './jobs.js';
import { useDeployPeers } from './peers.js';

const available = peersAvailable('moto_server', 'aws');

type Table = { Parameters: Record<string, string>; StorageDescriptor: { Columns: { Name: string; Type: string; Comment?: string }[]; Location: string } };

describe.skipIf(!available)('catalog deploy against moto', () => {
  let moto: Moto;
  let recorder: AwsRecorder;
  let key: string;

  const getTable = (database: string, name: string) => (aws(moto, ['glue', 'get-table', '--database-name', database, '--name', name]) as { Table: Table }).Table;
  const jobs = (o: { crmDescription?: string; segmentComment?: string } = {}) => [catalogJob({ name: 'copy-a', key, ...o }), catalogJob({ name: 'copy-b', key, ...o })];

  const peers = useDeployPeers();
  beforeAll(() => {
    ({ moto, recorder } = peers);
    key = peers.createKey();
  });

  it('creates each database and table once, for every job that uses it', async () => {
    const result = await apply(jobs());
    expect(result.ok, JSON.stringify(result.resources.filter((r) => r.error))).toBe(true);
    expect(result.resources.filter((r) => r.kind === 'database' || r.kind === 'table').map((r) => [r.kind, r.name, r.outcome, r.jobs])).toEqual([
      ['database', 'analytics', 'created', ['copy-a', 'copy-b']],
      ['database', 'crm', 'created', ['copy-a', 'copy-b']],
      ['table', 'analytics.copy_a_out', 'created', ['copy-a']],
      ['table', 'analytics.copy_b_out', 'created', ['copy-b']],
      ['table', 'crm.customers', 'created', ['copy-a', 'copy-b']],
    ]);
    expect(recorder.writes().filter((c) => c.operation === 'CreateTable')).toHaveLength(3);
    const { Database } = aws(moto, ['glue', 'get-database', '--name', 'crm']) as { Database: { Description: string } };
    expect(Database.Description).toBe('CRM dimensions');
    const customers = getTable('crm', 'customers');
    expect(customers.StorageDescriptor.Location).toBe('s3://deploy-test-curated/crm/customers/');
    expect(customers.Parameters.classification).toBe('parquet');
    expect(getTable('analytics', 'copy_a_out').StorageDescriptor.Columns.map((c) => c.Name)).toEqual(['customer_id', 'segment']);
  });

  it('ignores what others added to shared entries, and makes no write calls', async () => {
    aws(moto, ['glue', 'update-database', '--name', 'analytics', '--database-input', '{"Name":"analytics","Description":"owned by the data platform team"}']);
    const table = getTable('crm', 'customers') as Table & Record<string, unknown>;
    const { DatabaseName: _d, CreateTime: _c, UpdateTime: _u, CatalogId: _i, VersionId: _v, IsRegisteredWithLakeFormation: _l, CreatedBy: _b, ...input } = table;
    aws(moto, ['glue', 'update-table', '--database-name', 'crm', '--table-input', JSON.stringify({ ...input, Parameters: { ...table.Parameters, recordCount: '42' } })]);

    const planned = await plan(jobs());
    expect(planned.resources.filter((r) => r.action !== 'unchanged' && r.action !== 'check')).toEqual([]);
    expect((await apply(jobs())).changed).toBe(false);
    expect(recorder.writes()).toEqual([]);
  });

  it('plans exactly the changed members, and updates without losing what others added', async () => {
    const changed = jobs({ crmDescription: 'CRM dimensions, daily', segmentComment: 'smb or enterprise' });
    const planned = await plan(changed);
    const crm = planned.resources.find((r) => r.kind === 'database' && r.name === 'crm')!;
    expect(crm.changes).toEqual([{ field: 'Description', before: 'CRM dimensions', after: 'CRM dimensions, daily' }]);
    const customers = planned.resources.find((r) => r.kind === 'table' && r.name === 'crm.customers')!;
    expect(customers.action).toBe('update');
    expect(customers.changes.map((c) => c.field)).toEqual(['StorageDescriptor.Columns']);
    // The output tables take their columns from the sink's schema, which carries the source column's comment.
    expect(planned.resources.filter((r) => r.kind === 'table' && r.action !== 'unchanged').map((r) => [r.name, r.changes.map((c) => c.field)])).toEqual([
      ['analytics.copy_a_out', ['StorageDescriptor.Columns']],
      ['analytics.copy_b_out', ['StorageDescriptor.Columns']],
      ['crm.customers', ['StorageDescriptor.Columns']],
    ]);

    const result = await apply(changed);
    expect(result.ok).toBe(true);
    expect(recorder.writes().map((c) => c.operation).filter((o) => o.startsWith('Update') && o !== 'UpdateJob')).toEqual(['UpdateDatabase', 'UpdateTable', 'UpdateTable', 'UpdateTable']);
    const table = getTable('crm', 'customers');
    expect(table.StorageDescriptor.Columns).toEqual([{ Name: 'customer_id', Type: 'bigint' }, { Name: 'segment', Type: 'string', Comment: 'smb or enterprise' }]);
    expect(table.Parameters.recordCount).toBe('42');
    const { Database } = aws(moto, ['glue', 'get-database', '--name', 'analytics']) as { Database: { Description: string } };
    expect(Database.Description).toBe('owned by the data platform team');
    expect((await plan(changed)).hasChanges).toBe(false);
  });

  it('creates no catalog entry for a job whose KMS key fails the check', async () => {
    const missing = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${randomUUID()}`;
    const result = await apply([catalogJob({ name: 'blocked', key: missing, crmDescription: 'CRM dimensions, daily', segmentComment: 'smb or enterprise' })]);
    expect(result.ok).toBe(false);
    expect(result.resources.find((r) => r.name === 'analytics.blocked_out')).toMatchObject({
      outcome: 'skipped',
      error: `not applied: KMS key ${missing}: the KMS key does not exist (DescribeKey: NotFoundException)`,
    });
    expect(recorder.writes()).toEqual([]);
  });
});
