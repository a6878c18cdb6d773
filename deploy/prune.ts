/**
 * `prune`: what gluekit manages and the definitions no longer name, in the jobs'
 * regions. Jobs carry the `gluekit:managed` tag; Glue cannot tag security
 * configurations, so gluekit's are known by their content-addressed name, and one is
 * deleted only when no job that stays (gluekit's or anyone's) names it. Catalog entries
 * are never pruned: other jobs and tools share them.
 */
import { DeleteJobCommand, DeleteSecurityConfigurationCommand } from '@aws-sdk/client-glue';
import { MANAGEMENT_TAG } from '../jobs/settings.js';
import { mapBounded } from '../core/bounded.js';
import type { DeployClients } from './clients.js';
import type { DesiredJob } from './desired.js';
import { call, messageOf } from './errors.js';
import { getAllJobs, getAllSecurityConfigurations, listTaggedJobs } from './live.js';
import { done, failed, skipped } from './outcomes.js';
import type { AppliedResource, PlannedResource } from './types.js';

/** Names gluekit gives security configurations (content-addressed): how prune recognises its own. */
const GLUEKIT_CONFIGURATION = /^gluekit-[0-9a-f]{16}$/;

export async function planPrune(clients: DeployClients, desired: readonly DesiredJob[]): Promise<PlannedResource[]> {
  const regions = [...new Set(desired.map((d) => d.region))].sort();
  const out: PlannedResource[] = [];
  for (const region of regions) {
    const glue = clients.glue(region);
    const defined = new Set(desired.filter((d) => d.region === region).map((d) => d.name));
    const wantedConfigurations = new Set(desired.filter((d) => d.region === region && d.securityConfiguration).map((d) => d.securityConfiguration!.Name));
    try {
      const managed = (await listTaggedJobs(glue, MANAGEMENT_TAG, 'true')).filter((name) => !defined.has(name)).sort();
      for (const name of managed) out.push({ kind: 'job', name, region, jobs: [], action: 'delete', changes: [] });
      const pruned = new Set(managed);
      // A configuration stays while any job that stays (gluekit's or not) still names it.
      const used = new Set((await getAllJobs(glue)).filter((j) => !pruned.has(j.Name ?? '')).map((j) => j.SecurityConfiguration));
      for (const c of await getAllSecurityConfigurations(glue)) {
        const name = c.Name ?? '';
        if (GLUEKIT_CONFIGURATION.test(name) && !wantedConfigurations.has(name) && !used.has(name))
          out.push({ kind: 'security-configuration', name, region, jobs: [], action: 'delete', changes: [] });
      }
    } catch (e) {
      out.push({ kind: 'job', name: `gluekit-managed jobs in ${region}`, region, jobs: [], action: 'unknown', changes: [], error: `cannot list what to prune: ${messageOf(e)}` });
    }
  }
  return out;
}

/** Jobs first, then the configurations they named. */
export async function applyPrune(clients: DeployClients, prune: readonly PlannedResource[], limit: number): Promise<AppliedResource[]> {
  const jobs = prune.filter((r) => r.kind === 'job');
  const deletedJobs = await mapBounded(jobs, limit, async (r) => {
    if (r.error) return failed(r, r.error);
    try {
      await call('DeleteJob', () => clients.glue(r.region).send(new DeleteJobCommand({ JobName: r.name })));
      return done(r);
    } catch (e) {
      return failed(r, messageOf(e));
    }
  });
  // Configurations after jobs: the plan kept every configuration a remaining job names.
  const configurations = await mapBounded(
    prune.filter((r) => r.kind === 'security-configuration'),
    limit,
    async (r) => {
      if (deletedJobs.some((j) => j.outcome === 'failed' && j.region === r.region)) return skipped(r, `a job to prune in ${r.region} could not be deleted, and may still use it`);
      try {
        await call('DeleteSecurityConfiguration', () => clients.glue(r.region).send(new DeleteSecurityConfigurationCommand({ Name: r.name })));
        return done(r);
      } catch (e) {
        return failed(r, messageOf(e));
      }
    },
  );
  return [...deletedJobs, ...configurations];
}
