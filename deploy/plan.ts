/**
 * plan(): what a deploy of these jobs would change, from the live state. Reads only
 * (GetJob, GetTags, GetSecurityConfiguration, GetDatabase, GetTable, HeadObject,
 * DescribeKey, and with `prune` ListJobs, GetJobs, GetSecurityConfigurations). apply()
 * executes the same plan.
 */
import type { GlueClient } from '@aws-sdk/client-glue';
import type { SecurityConfigurationInput } from '../jobs/compile/glue-job.js';
import { mapBounded } from '../core/bounded.js';
import { messageOf } from './errors.js';
import { desiredCatalog, planCatalogEntry, type DesiredCatalogEntry } from './catalog.js';
import { clientsFromEnvironment, type DeployClients } from './clients.js';
import { diffJob, diffTags, diffValues, normalise } from './diff.js';
import { SCRIPT_HASH_METADATA, type DesiredJob } from './desired.js';
import { resolveJobs } from './inputs.js';
import { describeKey, getJob, getSecurityConfiguration, getTags, headObject } from './live.js';
import { planPrune } from './prune.js';
import { isWrite, type FieldChange, type PlannedResource, type PlanResult } from './types.js';

export interface DeployOptions {
  /** Also delete gluekit-managed jobs and security configurations that are not among `jobs`. */
  readonly prune?: boolean;
  /** Jobs read and deployed at once; default 4. */
  readonly concurrency?: number;
  /** AWS clients; by default from the SDK's standard configuration (see clients.ts). */
  readonly clients?: DeployClients;
}

export const DEFAULT_CONCURRENCY = 4;

export interface JobSteps {
  readonly desired: DesiredJob;
  readonly job: PlannedResource;
  readonly tags: PlannedResource;
  readonly script: PlannedResource;
  /** Live tags, for reconciling them with TagResource/UntagResource. */
  readonly liveTags: Readonly<Record<string, string>>;
}

export interface ConfigurationStep {
  readonly resource: PlannedResource;
  readonly input: SecurityConfigurationInput;
}

export interface CatalogStep {
  readonly resource: PlannedResource;
  readonly entry: DesiredCatalogEntry;
}

/** The plan with what apply() needs to carry it out. */
export interface DetailedPlan {
  readonly keys: readonly PlannedResource[];
  readonly configurations: readonly ConfigurationStep[];
  /** Databases first, then tables. */
  readonly catalog: readonly CatalogStep[];
  readonly jobs: readonly JobSteps[];
  readonly prune: readonly PlannedResource[];
}

export function planResources(p: DetailedPlan): PlannedResource[] {
  return [
    ...p.keys,
    ...p.configurations.map((c) => c.resource),
    ...p.catalog.map((c) => c.resource),
    ...p.jobs.flatMap((j) => [j.job, j.tags, j.script]),
    ...p.prune,
  ];
}

export function summarise(resources: readonly PlannedResource[]): PlanResult {
  return {
    resources,
    hasChanges: resources.some((r) => isWrite(r.action)),
    ok: resources.every((r) => r.error === undefined),
  };
}

/** What deploying `jobs` (definitions or IRs; each is validated first) would change. */
export async function plan(jobs: readonly unknown[], options: DeployOptions = {}): Promise<PlanResult> {
  const desired = resolveJobs(jobs);
  const clients = options.clients ?? clientsFromEnvironment();
  try {
    return summarise(planResources(await detailedPlan(desired, clients, options)));
  } finally {
    if (!options.clients) clients.destroy();
  }
}


export async function detailedPlan(desired: readonly DesiredJob[], clients: DeployClients, options: DeployOptions): Promise<DetailedPlan> {
  const limit = options.concurrency ?? DEFAULT_CONCURRENCY;
  // Before any AWS call: two jobs defining one table differently is refused.
  const entries = desiredCatalog(desired).sort((a, b) => (a.kind !== b.kind ? (a.kind === 'database' ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const keyOwners = new Map<string, string[]>();
  for (const d of desired) for (const arn of d.kmsKeys) keyOwners.set(arn, [...(keyOwners.get(arn) ?? []), d.name]);
  const keys = await mapBounded([...keyOwners], limit, ([arn, owners]) => planKey(clients, arn, owners));

  const configurationOwners = new Map<string, { region: string; input: SecurityConfigurationInput; jobs: string[] }>();
  for (const d of desired) {
    if (!d.securityConfiguration) continue;
    const id = `${d.region}/${d.securityConfiguration.Name}`;
    const entry = configurationOwners.get(id) ?? { region: d.region, input: d.securityConfiguration, jobs: [] };
    entry.jobs.push(d.name);
    configurationOwners.set(id, entry);
  }
  const configurations = await mapBounded([...configurationOwners.values()], limit, async ({ region, input, jobs }) => ({
    input,
    resource: await planConfiguration(clients.glue(region), region, input, jobs),
  }));

  const catalog = await mapBounded(entries, limit, async (entry) => ({ entry, resource: await planCatalogEntry(clients.glue(entry.region), entry) }));

  const jobs = await mapBounded(desired, limit, (d) => planJob(clients, d));
  const prune = options.prune ? await planPrune(clients, desired) : [];
  return { keys, configurations, catalog, jobs, prune };
}

async function planKey(clients: DeployClients, arn: string, jobs: string[]): Promise<PlannedResource> {
  const region = arn.split(':')[3]!;
  const base = { kind: 'kms-key', name: arn, region, jobs, action: 'check', changes: [] } as const;
  try {
    const key = await describeKey(clients.kms(region), arn);
    if (!key) return { ...base, error: 'the KMS key does not exist (DescribeKey: NotFoundException)' };
    if (key.Enabled !== true || (key.KeyState && key.KeyState !== 'Enabled'))
      return { ...base, error: `the KMS key is not enabled (state ${key.KeyState ?? 'Disabled'})` };
    if (key.KeyUsage && key.KeyUsage !== 'ENCRYPT_DECRYPT') return { ...base, error: `the KMS key is for ${key.KeyUsage}, not ENCRYPT_DECRYPT` };
    return base;
  } catch (e) {
    return { ...base, action: 'unknown', error: messageOf(e) };
  }
}

async function planConfiguration(glue: GlueClient, region: string, input: SecurityConfigurationInput, jobs: string[]): Promise<PlannedResource> {
  const base = { kind: 'security-configuration', name: input.Name, region, jobs } as const;
  try {
    const live = await getSecurityConfiguration(glue, input.Name);
    if (!live) return { ...base, action: 'create', changes: diffValues('EncryptionConfiguration', undefined, normalise(input.EncryptionConfiguration)) };
    const changes = diffValues('EncryptionConfiguration', normalise(live.EncryptionConfiguration), normalise(input.EncryptionConfiguration));
    if (changes.length === 0) return { ...base, action: 'unchanged', changes };
    // The name is a hash of the content, so only a hand-made configuration can differ; Glue cannot update it.
    return { ...base, action: 'unknown', changes, error: 'a security configuration of this name exists with other settings, and Glue cannot update one: delete it' };
  } catch (e) {
    return { ...base, action: 'unknown', changes: [], error: messageOf(e) };
  }
}

async function planJob(clients: DeployClients, d: DesiredJob): Promise<JobSteps> {
  const glue = clients.glue(d.region);
  const jobs = [d.name];
  const jobBase = { kind: 'job', name: d.name, region: d.region, jobs } as const;
  const tagsBase = { kind: 'tags', name: d.name, region: d.region, jobs } as const;
  const scriptBase = { kind: 'script', name: d.script.url, region: d.region, jobs } as const;

  const [live, script] = await Promise.allSettled([getJob(glue, d.name), planScript(clients, d)]);
  const scriptResource: PlannedResource =
    script.status === 'fulfilled' ? { ...scriptBase, ...script.value } : { ...scriptBase, action: 'unknown', changes: [], error: messageOf(script.reason) };

  if (live.status === 'rejected') {
    const error = messageOf(live.reason);
    return {
      desired: d,
      job: { ...jobBase, action: 'unknown', changes: [], error },
      tags: { ...tagsBase, action: 'unknown', changes: [], error: 'not read: the job could not be read' },
      script: scriptResource,
      liveTags: {},
    };
  }
  if (!live.value) {
    return {
      desired: d,
      job: { ...jobBase, action: 'create', changes: diffValues('', {}, normalise(d.update)) },
      tags: { ...tagsBase, action: 'create', changes: diffTags({}, d.tags) },
      script: scriptResource,
      liveTags: {},
    };
  }
  const jobChanges = diffJob(live.value as Record<string, unknown>, d.update);
  let tagsResource: PlannedResource;
  let liveTags: Record<string, string> = {};
  try {
    liveTags = await getTags(glue, d.arn);
    const changes = diffTags(liveTags, d.tags);
    tagsResource = { ...tagsBase, action: changes.length ? 'update' : 'unchanged', changes };
  } catch (e) {
    tagsResource = { ...tagsBase, action: 'unknown', changes: [], error: messageOf(e) };
  }
  return {
    desired: d,
    job: { ...jobBase, action: jobChanges.length ? 'update' : 'unchanged', changes: jobChanges },
    tags: tagsResource,
    script: scriptResource,
    liveTags,
  };
}

/** The script's changes: content (by the sha256 gluekit stores in the object's metadata) and encryption. */
export async function planScript(clients: DeployClients, d: DesiredJob): Promise<Pick<PlannedResource, 'action' | 'changes'>> {
  const { bucket, key, sha256, kmsKeyArn } = d.script;
  const live = await headObject(clients.s3(d.region), bucket, key);
  const wanted = { sha256, ServerSideEncryption: 'aws:kms', ...(kmsKeyArn && { SSEKMSKeyId: kmsKeyArn }) };
  if (!live) return { action: 'create', changes: diffValues('', {}, wanted) };
  // Without gluekit's hash the content is unknown (uploaded by hand, or generated by Glue): upload ours.
  // (The ETag cannot stand in: under SSE-KMS it is not the content's MD5.)
  const have: Record<string, string> = {
    ...(live.metadata[SCRIPT_HASH_METADATA] && { sha256: live.metadata[SCRIPT_HASH_METADATA] }),
    ...(live.serverSideEncryption && { ServerSideEncryption: live.serverSideEncryption }),
    ...(kmsKeyArn && live.kmsKeyId && { SSEKMSKeyId: sameKey(live.kmsKeyId, kmsKeyArn) ? kmsKeyArn : live.kmsKeyId }),
  };
  const changes: FieldChange[] = diffValues('', have, wanted);
  return { action: changes.length ? 'update' : 'unchanged', changes };
}

/** S3 reports the key as an ARN or a bare key id. */
function sameKey(reported: string, arn: string): boolean {
  return reported === arn || arn.endsWith(`:key/${reported}`);
}
