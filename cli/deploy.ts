/**
 * `gluekit deploy <job.ts...> [--dry-run] [--prune] [--json] [--concurrency N]`: validates
 * and compiles every job, then creates or updates what differs in AWS. Exit 0 when every
 * resource is deployed, 1 when a job is invalid or any resource failed. `--dry-run` is
 * `gluekit plan`, exit codes included.
 */
import { apply } from '../deploy/index.js';
import { formatApply, wantsColor } from '../deploy/format.js';
import type { ParsedArgs } from './main.js';
import { concurrencyOf, loadValidJobs } from './deploy-args.js';
import { planCommand } from './plan.js';

export async function deployCommand(args: ParsedArgs): Promise<number> {
  if (args.values['dry-run'] === true) return planCommand(args);
  const jobs = await loadValidJobs(args);
  if (!jobs) return 1;
  const result = await apply(jobs, { prune: args.values.prune === true, concurrency: concurrencyOf(args) });
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else console.log(formatApply(result, { color: wantsColor(process.stdout) }));
  return result.ok ? 0 : 1;
}
