/**
 * `gluekit run <job.ts> [--fixtures DIR] [--out DIR] [--keystore FILE] [--json]`: runs a job locally.
 * Sources read from the fixtures directory (default: `fixtures/` beside the job file),
 * sinks write below the output directory (default: `out/<job-name>/run/`), which also
 * gets `run-report.json`. Nothing is written unless the whole run succeeds.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LocalKeystore } from '../local-runner/cse/keystore.js';
import { runJob, type ProgressEvent } from '../local-runner/executor.js';
import { runReport, summaryTable } from '../local-runner/report.js';
import { DirectoryStaging, FixtureStore } from '../local-runner/stores/fixtures.js';
import { UsageError, type ParsedArgs } from './main.js';
import { checkJobFile, printProblems } from './report.js';

export async function runCommand(args: ParsedArgs): Promise<number> {
  if (args.files.length !== 1) throw new UsageError('run takes one job file');
  const file = args.files[0]!;
  const job = await checkJobFile(file);
  if (!job.ir) {
    printProblems([job]);
    return 1;
  }
  const ir = job.ir;
  const fixtures = typeof args.values.fixtures === 'string' ? args.values.fixtures : join(dirname(file), 'fixtures');
  const out = typeof args.values.out === 'string' ? args.values.out : join('out', ir.settings.name, 'run');
  const progress = args.json ? undefined : progressPrinter(ir.nodes.map((n) => n.id));

  const keystore = typeof args.values.keystore === 'string' ? await LocalKeystore.open(args.values.keystore) : undefined;
  const result = await runJob(ir, {
    store: new FixtureStore(fixtures),
    ...(keystore && { keys: keystore }),
    ...(args.values['allow-legacy-cse'] === true && { allowLegacyCse: true }),
    staging: new DirectoryStaging(out, randomBytes(6).toString('hex')),
    ...(progress && { onProgress: progress.update }),
  }).finally(() => progress?.finish());

  const report = runReport(result, file);
  await mkdir(out, { recursive: true });
  const reportPath = join(out, 'run-report.json');
  await writeFile(`${reportPath}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  await rename(`${reportPath}.tmp`, reportPath);

  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`\n${summaryTable(report)}\n`);
    for (const sink of report.sinks) {
      const files = `${sink.files.length} file${sink.files.length === 1 ? '' : 's'}`;
      const parts = sink.partitions.length > 0 ? ` in ${sink.partitions.length} partition${sink.partitions.length === 1 ? '' : 's'}` : '';
      console.log(`${sink.id}: ${sink.rows.toLocaleString('en-US')} rows, ${files}${parts} -> ${sink.location}`);
    }
    console.log(`run report: ${reportPath} (${report.ms.toFixed(0)} ms)`);
  }
  return 0;
}

/**
 * On a terminal, one live line per node, redrawn as rows flow; elsewhere (CI, pipes),
 * one plain line per node when it finishes.
 */
function progressPrinter(ids: readonly string[]): { update: (e: ProgressEvent) => void; finish: () => void } {
  const tty = process.stderr.isTTY === true;
  const state = new Map(ids.map((id) => [id, { rows: 0, done: false }]));
  const width = Math.max(...ids.map((id) => id.length));
  const line = (id: string) => {
    const s = state.get(id)!;
    return `${s.done ? '✓' : '…'} ${id.padEnd(width)}  ${s.rows.toLocaleString('en-US')} rows`;
  };
  let drawn = false;
  let last = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 50) return;
    last = now;
    if (drawn) process.stderr.write(`\x1b[${ids.length}A`);
    process.stderr.write(ids.map((id) => `\x1b[2K${line(id)}\n`).join(''));
    drawn = true;
  };
  return {
    update(e) {
      const s = state.get(e.id);
      if (!s) return;
      const finished = e.done && !s.done;
      s.rows = e.rows;
      s.done ||= e.done;
      if (tty) draw(finished);
      else if (finished) process.stderr.write(`${line(e.id)}\n`);
    },
    finish() {
      if (tty) draw(true);
    },
  };
}
