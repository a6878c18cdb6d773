/** `gluekit validate <job.ts...> [--json]`: checks job files and writes nothing. */
import type { ParsedArgs } from './main.js';
import { checkJobFile, printProblems } from './report.js';

export async function validateCommand(args: ParsedArgs): Promise<number> {
  const jobs = [];
  for (const file of args.files) jobs.push(await checkJobFile(file));
  const ok = jobs.every((j) => j.ir);
  if (args.json) {
    const result = { ok, jobs: jobs.map((j) => ({ file: j.file, name: j.name ?? null, ok: !!j.ir, problems: j.problems })) };
    console.log(JSON.stringify(result, null, 2));
  } else {
    printProblems(jobs);
    for (const j of jobs) if (j.ir) console.log(`${j.file}: job "${j.name}" is valid (${j.ir.nodes.length} nodes)`);
  }
  return ok ? 0 : 1;
}
