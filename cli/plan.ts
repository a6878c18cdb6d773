/**
 * `gluekit plan <job.ts...> [--prune] [--json] [--concurrency N]`: what `gluekit deploy`
 * would change. Exit 0 when nothing would, 2 when changes are pending, 1 on an invalid
 * job or an error (the resource and job are named), so a CI step can gate on it.
 */
import { plan } from '../deploy/index.js';
import { formatPlan, wantsColor } from '../deploy/format.js';
import type { ParsedArgs } from './main.js';
import { concurrencyOf, loadValidJobs } from './deploy-args.js';

export async function planCommand(args: ParsedArgs): Promise<number> {
  const jobs = await loadValidJobs(args);
  if (!jobs) return 1;
  const result = await plan(jobs, { prune: args.values.prune === true, concurrency: concurrencyOf(args) });
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else console.log(formatPlan(result, { color: wantsColor(process.stdout) }));
  return !result.ok ? 1 : result.hasChanges ? 2 : 0;
}
