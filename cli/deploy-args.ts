/** What `gluekit plan` and `gluekit deploy` share: loading the job files, and --concurrency. */
import type { JobIR } from '../jobs/ir.js';
import { UsageError, type ParsedArgs } from './main.js';
import { checkJobFile, printProblems } from './report.js';

/** The jobs' IRs, or undefined (after printing every problem) when any job is invalid: then nothing reaches AWS. */
export async function loadValidJobs(args: ParsedArgs): Promise<JobIR[] | undefined> {
  const jobs = [];
  for (const file of args.files) jobs.push(await checkJobFile(file));
  if (jobs.every((j) => j.ir)) {
    printProblems(jobs); // warnings
    return jobs.map((j) => j.ir!);
  }
  if (args.json) {
    console.log(JSON.stringify({ ok: false, jobs: jobs.map((j) => ({ file: j.file, name: j.name ?? null, ok: !!j.ir, problems: j.problems })) }, null, 2));
  } else {
    printProblems(jobs);
    console.error('nothing was sent to AWS');
  }
  return undefined;
}

export function concurrencyOf(args: ParsedArgs): number | undefined {
  const text = args.values.concurrency;
  if (text === undefined) return undefined;
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < 1 || n > 64) throw new UsageError(`--concurrency takes a whole number from 1 to 64, got "${String(text)}"`);
  return n;
}
