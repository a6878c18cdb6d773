/**
 * `gluekit compile <job.ts...> --out <dir> [--json]`. Every job is validated before
 * anything is written: one invalid job means no output at all.
 */
import { compileJob, writeCompiledJob } from '../jobs/compile/index.js';
import { UsageError, type ParsedArgs } from './main.js';
import { checkJobFile, printProblems } from './report.js';

export async function compileCommand(args: ParsedArgs): Promise<number> {
  const out = args.values.out;
  if (typeof out !== 'string' || out === '') throw new UsageError('compile needs --out <dir>');
  const jobs = [];
  for (const file of args.files) jobs.push(await checkJobFile(file));

  const names = new Map<string, string>();
  for (const j of jobs) {
    if (!j.ir) continue;
    const other = names.get(j.ir.settings.name);
    if (other) throw new Error(`${j.file}: job name "${j.ir.settings.name}" is also used by ${other}; both would compile to the same folder`);
    names.set(j.ir.settings.name, j.file);
  }

  const ok = jobs.every((j) => j.ir);
  const written: { file: string; name: string; dir: string; files: string[] }[] = [];
  if (ok) {
    const compiled = jobs.map((j) => ({ file: j.file, job: compileJob(j.ir!) }));
    for (const { file, job } of compiled) {
      const dir = await writeCompiledJob(out, job);
      written.push({ file, name: job.name, dir, files: Object.keys(job.files) });
    }
  }
  if (args.json) {
    const result = {
      ok,
      jobs: jobs.map((j) => {
        const w = written.find((x) => x.file === j.file);
        return { file: j.file, name: j.name ?? null, ok: !!j.ir, problems: j.problems, ...(w && { outDir: w.dir, files: w.files }) };
      }),
    };
    console.log(JSON.stringify(result, null, 2));
  } else {
    printProblems(jobs);
    for (const w of written) console.log(`compiled ${w.name} -> ${w.dir}/ (${w.files.join(', ')})`);
    if (!ok) console.error('nothing was written');
  }
  return ok ? 0 : 1;
}
