/**
 * apply(): carries out the plan. Order per job: its KMS keys must exist and be enabled;
 * the security configuration is created (shared ones once, before any job); its catalog
 * databases, then tables, are created or updated (shared ones once); the job is
 * created (with its tags) or updated with the complete JobUpdate; tags are reconciled;
 * then the script is uploaded. The script comes last because Glue generates a script
 * from CodeGenConfigurationNodes when a job with nodes is created or updated: after such
 * a write the script is checked again and gluekit's uploaded if it was replaced.
 *
 * Nothing is written for a resource the plan found unchanged, so a second apply makes no
 * write calls; each step reads the live state afresh, so an apply interrupted half-way
 * converges on the next run. Jobs run concurrently (bounded); a job's failure marks its
 * own later steps skipped and never stops the other jobs.
 */
import {
  CreateJobCommand,
  CreateSecurityConfigurationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateJobCommand,
  type CreateJobRequest,
  type JobUpdate,
  type SecurityConfiguration,
} from '@aws-sdk/client-glue';
import { Upload } from '@aws-sdk/lib-storage';
import { mapBounded } from '../core/bounded.js';
import { applyCatalogEntry } from './catalog.js';
import { clientsFromEnvironment, type DeployClients } from './clients.js';
import { SCRIPT_HASH_METADATA, type DesiredJob } from './desired.js';
import { awsReason, call, messageOf } from './errors.js';
import { resolveJobs } from './inputs.js';
import { DEFAULT_CONCURRENCY, detailedPlan, planScript, type CatalogStep, type ConfigurationStep, type DeployOptions, type JobSteps } from './plan.js';
import { done, failed, skipped } from './outcomes.js';
import { applyPrune } from './prune.js';
import type { AppliedResource, ApplyResult, PlannedResource } from './types.js';


/** Deploys `jobs` (definitions or IRs; every one is validated before any AWS call). */
export async function apply(jobs: readonly unknown[], options: DeployOptions = {}): Promise<ApplyResult> {
  const desired = resolveJobs(jobs);
  const clients = options.clients ?? clientsFromEnvironment();
  try {
    const p = await detailedPlan(desired, clients, options);
    const limit = options.concurrency ?? DEFAULT_CONCURRENCY;

    const keys = p.keys.map((k) => (k.error ? failed(k, k.error) : done(k)));
    const badKey = new Map(keys.filter((k) => k.outcome === 'failed').map((k) => [k.name, k.error!]));

    const configurations = await mapBounded(p.configurations, limit, (c) => applyConfiguration(clients, c, badKey));
    const badConfiguration = new Map(configurations.filter((c) => c.outcome !== 'created' && c.outcome !== 'unchanged').map((c) => [`${c.region}/${c.name}`, c]));

    // A job whose keys failed the check sends nothing to AWS, its catalog entries included
    // (unless another job that passed needs them too).
    const blocked = new Map<string, string>();
    for (const d of desired) {
      const key = d.kmsKeys.find((arn) => badKey.has(arn));
      if (key) blocked.set(d.name, `KMS key ${key}: ${badKey.get(key)}`);
    }
    // Databases before their tables.
    const databases = await mapBounded(p.catalog.filter((c) => c.entry.kind === 'database'), limit, (c) => applyCatalog(clients, c, [], blocked));
    const tables = await mapBounded(p.catalog.filter((c) => c.entry.kind === 'table'), limit, (c) => applyCatalog(clients, c, databases, blocked));
    const catalog = [...databases, ...tables];

    const jobResults = await mapBounded(p.jobs, limit, (steps) => {
      const d = steps.desired;
      const key = d.kmsKeys.find((arn) => badKey.has(arn));
      if (key) return Promise.resolve(skipAll(steps, `KMS key ${key}: ${badKey.get(key)}`));
      const configuration = d.securityConfiguration && badConfiguration.get(`${d.region}/${d.securityConfiguration.Name}`);
      if (configuration) return Promise.resolve(skipAll(steps, `security configuration ${configuration.name} ${configuration.outcome}`));
      const entry = catalog.find((c) => c.jobs.includes(d.name) && (c.outcome === 'failed' || c.outcome === 'skipped'));
      if (entry) return Promise.resolve(skipAll(steps, `${entry.kind} ${entry.name} ${entry.outcome}`));
      return applyJob(clients, steps);
    });

    const prune = await applyPrune(clients, p.prune, limit);
    const resources = [...keys, ...configurations, ...catalog, ...jobResults.flat(), ...prune];
    return {
      resources,
      changed: resources.some((r) => r.outcome === 'created' || r.outcome === 'updated' || r.outcome === 'deleted'),
      ok: resources.every((r) => r.outcome !== 'failed' && r.outcome !== 'skipped'),
    };
  } finally {
    if (!options.clients) clients.destroy();
  }
}

function skipAll(steps: JobSteps, why: string): AppliedResource[] {
  return [steps.job, steps.tags, steps.script].map((r) => (r.error && r.action === 'unknown' ? failed(r, r.error) : skipped(r, why)));
}

async function applyConfiguration(
  clients: DeployClients,
  { resource, input }: ConfigurationStep,
  badKey: ReadonlyMap<string, string>,
): Promise<AppliedResource> {
  if (resource.error) return failed(resource, resource.error);
  if (resource.action !== 'create') return done(resource);
  const config = input.EncryptionConfiguration as { S3Encryption?: { KmsKeyArn?: string }[]; CloudWatchEncryption?: { KmsKeyArn?: string }; JobBookmarksEncryption?: { KmsKeyArn?: string } };
  const keys = [...(config.S3Encryption ?? []).map((e) => e.KmsKeyArn), config.CloudWatchEncryption?.KmsKeyArn, config.JobBookmarksEncryption?.KmsKeyArn];
  const key = keys.find((k) => k && badKey.has(k));
  if (key) return skipped(resource, `KMS key ${key}: ${badKey.get(key)}`);
  try {
    await call('CreateSecurityConfiguration', () =>
      clients.glue(resource.region).send(new CreateSecurityConfigurationCommand(input as SecurityConfiguration & { Name: string; EncryptionConfiguration: object })),
    );
    return done(resource);
  } catch (e) {
    // Another deploy created it since the plan read it: same name, same content.
    if ((e as { cause?: { name?: string } }).cause?.name === 'AlreadyExistsException') return { ...resource, outcome: 'unchanged' };
    return failed(resource, messageOf(e));
  }
}

async function applyCatalog(
  clients: DeployClients,
  { resource, entry }: CatalogStep,
  databases: readonly AppliedResource[],
  blocked: ReadonlyMap<string, string>,
): Promise<AppliedResource> {
  if (resource.error) return failed(resource, resource.error);
  if (resource.jobs.every((j) => blocked.has(j))) return skipped(resource, blocked.get(resource.jobs[0]!)!);
  const database = databases.find((db) => db.region === entry.region && db.name === entry.database && (db.outcome === 'failed' || db.outcome === 'skipped'));
  if (database) return skipped(resource, `database ${database.name} ${database.outcome}`);
  if (resource.action !== 'create' && resource.action !== 'update') return done(resource);
  try {
    await applyCatalogEntry(clients.glue(entry.region), entry, resource.action);
    return done(resource);
  } catch (e) {
    return failed(resource, messageOf(e));
  }
}

async function applyJob(clients: DeployClients, steps: JobSteps): Promise<AppliedResource[]> {
  const { desired: d } = steps;
  const glue = clients.glue(d.region);
  const results: AppliedResource[] = [];
  const rest = (from: PlannedResource[], why: string) => results.push(...from.map((r) => skipped(r, why)));

  // A resource whose live state could not be read gets no write: the plan cannot say what the write would do.
  const unread = [steps.job, steps.tags, steps.script].find((r) => r.error);
  if (unread) return skipAll(steps, `${unread.kind} ${unread.name} could not be read (${unread.error})`);

  let jobWritten = false;
  try {
    if (steps.job.action === 'create') {
      await call('CreateJob', () => glue.send(new CreateJobCommand(d.input as unknown as CreateJobRequest)));
      jobWritten = true;
    } else if (steps.job.action === 'update') {
      await call('UpdateJob', () => glue.send(new UpdateJobCommand({ JobName: d.name, JobUpdate: d.update as JobUpdate })));
      jobWritten = true;
    }
    results.push(done(steps.job));
  } catch (e) {
    results.push(failed(steps.job, messageOf(e)));
    rest([steps.tags, steps.script], `job ${d.name} failed`);
    return results;
  }

  try {
    // CreateJob took the tags with it.
    if (steps.tags.action === 'update') await reconcileTags(clients, d, steps.liveTags);
    results.push(done(steps.tags));
  } catch (e) {
    results.push(failed(steps.tags, messageOf(e)));
    rest([steps.script], `tags of job ${d.name} failed`);
    return results;
  }

  try {
    let script = steps.script;
    if (!['create', 'update'].includes(script.action) && jobWritten && d.input.CodeGenConfigurationNodes) {
      // Glue may have generated a script from the nodes just now: read it again.
      script = { ...script, ...(await planScript(clients, d)) };
    }
    if (script.action === 'create' || script.action === 'update') await uploadScript(clients, d);
    results.push(done(script));
  } catch (e) {
    results.push(failed(steps.script, messageOf(e)));
  }
  return results;
}

async function reconcileTags(clients: DeployClients, d: DesiredJob, live: Readonly<Record<string, string>>): Promise<void> {
  const glue = clients.glue(d.region);
  const add = Object.fromEntries(Object.entries(d.tags).filter(([k, v]) => live[k] !== v));
  const remove = Object.keys(live).filter((k) => !(k in d.tags) && !/^aws:/i.test(k));
  if (Object.keys(add).length > 0) await call('TagResource', () => glue.send(new TagResourceCommand({ ResourceArn: d.arn, TagsToAdd: add })));
  if (remove.length > 0) await call('UntagResource', () => glue.send(new UntagResourceCommand({ ResourceArn: d.arn, TagsToRemove: remove })));
}

/** One PutObject for a script of usual size; lib-storage switches to a multipart upload above 5 MiB. */
async function uploadScript(clients: DeployClients, d: DesiredJob): Promise<void> {
  const { bucket, key, body, sha256, kmsKeyArn } = d.script;
  const upload = new Upload({
    client: clients.s3(d.region),
    params: {
      Bucket: bucket,
      Key: key,
      Body: Buffer.from(body),
      ContentType: 'text/x-python',
      Metadata: { [SCRIPT_HASH_METADATA]: sha256 },
      ServerSideEncryption: 'aws:kms',
      ...(kmsKeyArn && { SSEKMSKeyId: kmsKeyArn }),
    },
  });
  try {
    await upload.done();
  } catch (e) {
    throw new Error(`upload (PutObject) failed: ${awsReason(e)}`, { cause: e });
  }
}
