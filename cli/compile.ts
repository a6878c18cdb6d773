/**
 * `gluekit compile <job.ts...> --out <dir> [--fixtures <dir>] [--json]`. Every job is
 * validated before anything is written: one invalid job means no output at all. With
 * `--fixtures`, the partitions of each partitioned catalog table found in that fixture
 * tree are compiled too (BatchCreatePartition inputs in catalog/).
 */
import type { JobIR } from '../jobs/ir.js';
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
    const fixtures = typeof args.values.fixtures === 'string' ? args.values.fixtures : undefined;
    const compiled = [];
    for (const j of jobs) {
      const partitions = fixtures === undefined ? undefined : await fixturePartitions(j.ir!, fixtures);
      compiled.push({ file: j.file, job: compileJob(j.ir!, partitions ? { partitions } : {}) });
    }
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

/** The partitions of the job's partitioned catalog tables in a fixture tree; a table without fixtures has none. */
async function fixturePartitions(ir: JobIR, dir: string): Promise<Map<string, (string | null)[][]>> {
  const { FixtureStore } = await import('../local-runner/stores/fixtures.js');
  const { findPartitions } = await import('../local-runner/partitions.js');
  const store = new FixtureStore(dir);
  const found = new Map<string, (string | null)[][]>();
  for (const node of ir.nodes) {
    if (node.role !== 'source' || node.kind !== 'CatalogSource' || node.table.partitionKeys.length === 0) continue;
    found.set(`${node.table.database}.${node.table.name}`, await findPartitions(node.table, store));
  }
  return found;
}
