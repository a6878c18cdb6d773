/**
 * `gluekit run <job.ts> [--fixtures DIR | --s3] [--out DIR] [--keystore FILE | --kms] [--json]`: runs a job locally.
 * Sources read from the fixtures directory (default: `fixtures/` beside the job file),
 * sinks write below the output directory (default: `out/<job-name>/run/`), which also
 * gets `run-report.json`. Nothing is written unless the whole run succeeds.
 * With `--s3`, sources and sinks are the S3 endpoint of the AWS SDK's standard
 * configuration instead (AWS_ENDPOINT_URL_S3, profiles, region); the report still goes
 * to the output directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LocalKeystore } from '../local-runner/cse/keystore.js';
import { runJob, type ProgressEvent } from '../local-runner/executor.js';
import { runReport, summaryTable } from '../local-runner/report.js';
import { DirectoryStaging, FixtureStore } from '../local-runner/stores/fixtures.js';
import type { ObjectStore, OutputStaging } from '../local-runner/stores/store.js';
import { awsKmsKeys, checkKeySource } from './kms.js';
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
  const s3 = args.values.s3 === true;
  if (s3 && typeof args.values.fixtures === 'string') throw new UsageError('--s3 reads sources from S3; leave out --fixtures');
  const fixtures = typeof args.values.fixtures === 'string' ? args.values.fixtures : join(dirname(file), 'fixtures');
  const out = typeof args.values.out === 'string' ? args.values.out : join('out', ir.settings.name, 'run');
  checkKeySource(args);
  const keys = args.values.kms === true ? await awsKmsKeys() : typeof args.values.keystore === 'string' ? await LocalKeystore.open(args.values.keystore) : undefined;
  const io = s3 ? await s3Io() : { store: new FixtureStore(fixtures), staging: new DirectoryStaging(out, randomBytes(6).toString('hex')), close: async () => {} };
  const progress = args.json ? undefined : progressPrinter(ir.nodes.map((n) => n.id));

  const result = await runJob(ir, {
    store: io.store,
    ...(keys && { keys }),
    ...(args.values['allow-legacy-cse'] === true && { allowLegacyCse: true }),
    staging: io.staging,
    ...(progress && { onProgress: progress.update }),
  }).finally(async () => {
    progress?.finish();
    await io.close();
    if (keys && 'close' in keys) keys.close();
  });

  const report = runReport(result, file, ir);
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

/** The S3 endpoint as store and staging. The SDK is loaded only for --s3, so other runs start as fast as before. */
async function s3Io(): Promise<{ store: ObjectStore; staging: OutputStaging; close: () => Promise<void> }> {
  const { S3Staging, S3Store, s3ClientFromEnvironment } = await import('../local-runner/stores/s3.js');
  const client = s3ClientFromEnvironment();
  const store = new S3Store(client);
  return {
    store,
    staging: new S3Staging(client),
    close: async () => {
      await store.close();
      client.destroy();
    },
  };
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
