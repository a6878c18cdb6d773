/**
 * The jobs a deploy is asked for, checked before any AWS call: each validated (an
 * invalid job never reaches AWS), and no two jobs sharing a name or a script location in
 * one region, which would make them overwrite each other.
 */
import { ValidationError, type Problem } from '../core/problems.js';
import { isJobIR, type JobIR } from '../jobs/ir.js';
import { validateJob } from '../jobs/validate.js';
import { desiredJob, type DesiredJob } from './desired.js';
import { DeployInputError } from './errors.js';

export function resolveJobs(jobs: readonly unknown[]): DesiredJob[] {
  if (jobs.length === 0) throw new DeployInputError('no jobs to deploy');
  const irs: JobIR[] = [];
  const problems: Problem[] = [];
  for (const job of jobs) {
    if (isJobIR(job)) {
      irs.push(job);
      continue;
    }
    const result = validateJob(job);
    if (result.ir) irs.push(result.ir);
    problems.push(...result.problems.filter((p) => p.severity === 'error'));
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const desired = irs.map(desiredJob);
  const byName = new Map<string, DesiredJob>();
  const byScript = new Map<string, DesiredJob>();
  for (const d of desired) {
    const where = (x: DesiredJob) => (x.file ? ` (${x.file})` : '');
    const other = byName.get(`${d.region}/${d.name}`);
    if (other) throw new DeployInputError(`job "${d.name}"${where(d)}: another job of that name in ${d.region}${where(other)}`);
    byName.set(`${d.region}/${d.name}`, d);
    const sharing = byScript.get(d.script.url);
    if (sharing) throw new DeployInputError(`job "${d.name}"${where(d)}: script location ${d.script.url} is also job "${sharing.name}"'s`);
    byScript.set(d.script.url, d);
  }
  return desired;
}
