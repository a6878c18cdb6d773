/**
 * The Glue Data Catalog databases and tables jobs read or register their output in
 * (compileCatalog), planned and applied like the other resources.
 *
 * Catalog entries are often shared with other tools (crawlers, Athena, Lake Formation,
 * Spark's enableUpdateCatalog), so gluekit compares and owns only what it defines:
 * - a database: the members its DatabaseInput sets, Parameters key by key. UpdateDatabase
 *   replaces the whole input, so the update is the live database with gluekit's members
 *   laid over it: a description someone else wrote survives.
 * - a table: every member of its TableInput, except that in the table's and storage
 *   descriptor's Parameters only gluekit's keys count (the crawler keys gluekit writes,
 *   and the table's own `parameters`); keys others add (statistics, crawler bookkeeping,
 *   `transient_lastDdlTime`) are neither changes nor lost by UpdateTable. A Description,
 *   Owner or Retention set elsewhere is kept when gluekit sets none.
 */
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  UpdateDatabaseCommand,
  UpdateTableCommand,
  type DatabaseInput,
  type GlueClient,
  type TableInput,
} from '@aws-sdk/client-glue';
import { compileCatalog } from '../jobs/compile/catalog.js';
import type { DesiredJob } from './desired.js';
import { DeployInputError, call, messageOf, read } from './errors.js';
import { deepEqual, diffValues, normalise } from './diff.js';
import type { FieldChange, PlannedResource } from './types.js';

export interface DesiredCatalogEntry {
  readonly kind: 'database' | 'table';
  readonly region: string;
  /** `db` or `db.table`. */
  readonly name: string;
  readonly database: string;
  readonly jobs: string[];
  readonly input: DatabaseInput | TableInput;
}

/** Table parameter keys gluekit writes (compileCatalog's crawler parameters): owned even when absent from a definition. */
const OWNED_PARAMETERS = new Set(['EXTERNAL', 'classification', 'compressionType', 'typeOfData', 'delimiter', 'areColumnsQuoted', 'skip.header.line.count', 'serialization.null.format']);

/** The jobs' databases and tables, one entry per region and name; two jobs defining one differently is refused. */
export function desiredCatalog(desired: readonly DesiredJob[]): DesiredCatalogEntry[] {
  const entries = new Map<string, DesiredCatalogEntry>();
  const add = (entry: Omit<DesiredCatalogEntry, 'jobs'>, job: string) => {
    const id = `${entry.kind}/${entry.region}/${entry.name}`;
    const seen = entries.get(id);
    if (!seen) return void entries.set(id, { ...entry, jobs: [job] });
    if (!deepEqual(normalise(seen.input), normalise(entry.input)))
      throw new DeployInputError(`${entry.kind} ${entry.name}: jobs "${seen.jobs[0]}" and "${job}" define it differently; use one definition for both`);
    seen.jobs.push(job);
  };
  for (const d of desired) {
    const catalog = compileCatalog(d.ir);
    for (const db of catalog.databases) add({ kind: 'database', region: d.region, name: db.name, database: db.name, input: db.input.DatabaseInput! }, d.name);
    for (const t of catalog.tables) add({ kind: 'table', region: d.region, name: `${t.database}.${t.name}`, database: t.database, input: t.input.TableInput! }, d.name);
  }
  return [...entries.values()];
}

type Json = Record<string, unknown>;

/** `live` cut down to the members `desired` has; maps (Parameters) to the keys `owned` says gluekit owns. */
function project(live: unknown, desired: unknown, owned: (key: string) => boolean = () => false): unknown {
  if (!live || typeof live !== 'object' || Array.isArray(live) || !desired || typeof desired !== 'object' || Array.isArray(desired)) return live;
  const out: Json = {};
  for (const [k, v] of Object.entries(live as Json)) {
    if (!(k in (desired as Json)) && !owned(k)) continue;
    out[k] = k === 'Parameters' ? project(v, (desired as Json)[k] ?? {}, (p) => OWNED_PARAMETERS.has(p)) : project(v, (desired as Json)[k], owned);
  }
  return out;
}

function databaseChanges(live: Json, desired: DatabaseInput): FieldChange[] {
  return diffValues('', normalise(project(live, desired)), normalise(desired));
}

function tableChanges(live: Json, desired: TableInput): FieldChange[] {
  return diffValues('', normalise(project(live, desired)), normalise(desired));
}

export async function planCatalogEntry(glue: GlueClient, entry: DesiredCatalogEntry): Promise<PlannedResource> {
  const base = { kind: entry.kind, name: entry.name, region: entry.region, jobs: entry.jobs } as const;
  try {
    const live = await readEntry(glue, entry);
    if (!live) return { ...base, action: 'create', changes: diffValues('', {}, normalise(entry.input)) };
    const changes = entry.kind === 'database' ? databaseChanges(live, entry.input as DatabaseInput) : tableChanges(live, entry.input as TableInput);
    return { ...base, action: changes.length ? 'update' : 'unchanged', changes };
  } catch (e) {
    return { ...base, action: 'unknown', changes: [], error: messageOf(e) };
  }
}

async function readEntry(glue: GlueClient, entry: DesiredCatalogEntry): Promise<Json | undefined> {
  if (entry.kind === 'database') return read('GetDatabase', async () => (await glue.send(new GetDatabaseCommand({ Name: entry.name }))).Database as Json | undefined);
  const name = (entry.input as TableInput).Name!;
  return read('GetTable', async () => (await glue.send(new GetTableCommand({ DatabaseName: entry.database, Name: name }))).Table as Json | undefined);
}

/** Creates or updates one database or table as planned. Updates re-read the entry, so what others changed since the plan is kept. */
export async function applyCatalogEntry(glue: GlueClient, entry: DesiredCatalogEntry, action: 'create' | 'update'): Promise<void> {
  if (entry.kind === 'database') {
    const input = entry.input as DatabaseInput;
    if (action === 'create') return void (await call('CreateDatabase', () => glue.send(new CreateDatabaseCommand({ DatabaseInput: input }))));
    const live = ((await readEntry(glue, entry)) ?? {}) as unknown as Partial<DatabaseInput>;
    const merged: DatabaseInput = {
      ...pick(live, ['Description', 'LocationUri', 'CreateTableDefaultPermissions', 'TargetDatabase', 'FederatedDatabase']),
      ...input,
      Parameters: { ...live.Parameters, ...input.Parameters },
    };
    return void (await call('UpdateDatabase', () => glue.send(new UpdateDatabaseCommand({ Name: entry.name, DatabaseInput: merged }))));
  }
  const input = entry.input as TableInput;
  if (action === 'create') return void (await call('CreateTable', () => glue.send(new CreateTableCommand({ DatabaseName: entry.database, TableInput: input }))));
  const live = ((await readEntry(glue, entry)) ?? {}) as unknown as Partial<TableInput>;
  const merged: TableInput = {
    ...pick(live, ['Description', 'Owner', 'Retention']),
    ...input,
    Parameters: { ...unowned(live.Parameters), ...input.Parameters },
    StorageDescriptor: { ...input.StorageDescriptor, Parameters: { ...unowned(live.StorageDescriptor?.Parameters), ...input.StorageDescriptor?.Parameters } },
  };
  await call('UpdateTable', () => glue.send(new UpdateTableCommand({ DatabaseName: entry.database, TableInput: merged })));
}

function pick<T extends object>(value: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.filter((k) => value[k] !== undefined && value[k] !== null).map((k) => [k, value[k]])) as Partial<T>;
}

/** Parameters others wrote: kept through an update. */
function unowned(parameters: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters ?? {}).filter(([k]) => !OWNED_PARAMETERS.has(k)));
}
