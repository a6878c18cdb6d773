#!/usr/bin/env node
// gluekit benchmarks. Every figure is a ratio to a reference measured in the same run,
// on the same machine, so the numbers travel between machines; absolute times are
// printed for context only. Usage: npm run bench [-- --runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const root = new URL('..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'gluekit-bench-'));

/** Median wall time of `runs` runs of a command; `fresh` gives each run an empty TMPDIR (cold compile caches). */
function time(args, { fresh = false } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const tmp = fresh ? mkdtempSync(join(out, 'tmp-')) : undefined;
    const env = { ...process.env, ...(tmp && { TMPDIR: tmp }), JITI_FS_CACHE: fresh ? 'false' : 'true' };
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    samples.push(ms);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const reference = time(['-e', '0']);
const rows = [
  ['node -e 0 (reference)', reference],
  ['load example job: tsx, cold cache', time(['bench/loaders/tsx.mjs'], { fresh: true })],
  ['load example job: tsx, warm cache', time(['bench/loaders/tsx.mjs'])],
  ['load example job: jiti, no cache', time(['bench/loaders/jiti.mjs'], { fresh: true })],
  ['load example job: jiti, warm cache', time(['bench/loaders/jiti.mjs'])],
  ['gluekit validate example, cold', time(['cli/bin.js', 'validate', 'examples/orders/job.ts'], { fresh: true })],
  ['gluekit compile example, cold', time(['cli/bin.js', 'compile', 'examples/orders/job.ts', '--out', join(out, 'c')], { fresh: true })],
  ['gluekit compile example, warm', time(['cli/bin.js', 'compile', 'examples/orders/job.ts', '--out', join(out, 'c')])],
];
rmSync(out, { recursive: true, force: true });

console.log(`gluekit bench: median of ${runs} runs, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| what | median ms | ratio to node -e 0 |');
console.log('| --- | ---: | ---: |');
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / reference).toFixed(2)} |`);

// The local runner against DuckDB (bench/runner.mjs, about a minute), with references of its own.
console.log('');
const runner = spawnSync(process.execPath, ['--import', 'tsx', 'bench/runner.mjs'], { cwd: root, stdio: 'inherit' });
if (runner.status !== 0) process.exitCode = runner.status ?? 1;
