// The local runner against DuckDB (issue 3): the example pipeline (filter, mapping, join
// with a 100k-row dimension, aggregate, partitioned Parquet write) over 2M generated
// orders rows, run by gluekit (bench/jobs/orders-pipeline.ts) and by DuckDB as one SQL
// statement over the same files, in the same run, so that the ratio travels between
// machines. Both outputs are compared before any figure is printed: a benchmark of a
// wrong answer is worthless. Also: the cold time of `gluekit run` on the example job
// and on the shop test job, as a ratio to `node -e 0`.
//
// Run: node --import tsx bench/runner.mjs [--rows 2000000] [--customers 100000] [--runs 3]
//        [--cold-runs 11] [--profile] [--keep]
// (npm run bench:runner). Results and how to read them: bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const root = new URL('..', import.meta.url).pathname;
const JOB = 'bench/jobs/orders-pipeline.ts';
// The job file's locations, as folders of a fixtures tree (s3://bucket/prefix -> <dir>/bucket/prefix).
const ORDERS = 'bench-orders/orders';
const CUSTOMERS = 'bench-crm/customers';
const SINK = 'bench-analytics/daily_revenue';

/**
 * The pipeline as DuckDB runs it: one statement, the job's steps in SQL. `order_ts >=
 * '2024-01-01'` and the cast to date are in UTC, the session time zone the Glue script
 * pins; Spark widens sum(decimal(12,2)) to decimal(22,2), DuckDB to decimal(38,2), so the
 * comparison reads both as decimal(38,2).
 */
const pipelineSql = (fixtures, out) => `
COPY (
  SELECT CAST(o.order_ts AS DATE) AS order_date, c.country, c.segment,
         sum(o.amount) AS revenue, count(o.order_id) AS orders, count(DISTINCT o.customer_id) AS customers
  FROM read_parquet('${fixtures}/${ORDERS}/*.parquet') o
  JOIN read_parquet('${fixtures}/${CUSTOMERS}/*.parquet') c USING (customer_id)
  WHERE o.status IN ('PAID', 'SHIPPED') AND o.amount > 0 AND o.currency = 'EUR'
    AND o.order_ts >= TIMESTAMPTZ '2024-01-01 00:00:00+00'
  GROUP BY ALL
) TO '${out}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (order_date))`;

async function duckdb(threads) {
  const instance = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  return connection;
}

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    customers: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    'cold-runs': { type: 'string', default: '11' },
    profile: { type: 'boolean', default: false },
    // Keep the generated fixtures and outputs (their folder is printed), to look at or profile by hand.
    keep: { type: 'boolean', default: false },
    // Internal: run DuckDB's statement once in this process (timed from outside for its peak RSS).
    'duckdb-child': { type: 'string' },
  },
  allowPositionals: true,
});

if (opts['duckdb-child'] !== undefined) {
  const [fixtures, out, threads] = opts['duckdb-child'].split(',');
  const connection = await duckdb(Number(threads) || undefined);
  await connection.run(pipelineSql(fixtures, out));
  process.exit(0);
}

const ROWS = Number(opts.rows);
const CUSTOMER_ROWS = Number(opts.customers);
const RUNS = Math.max(1, Number(opts.runs));
const COLD_RUNS = Math.max(1, Number(opts['cold-runs']));
const tmp = mkdtempSync(join(tmpdir(), 'gluekit-bench-runner-'));
const fixtures = join(tmp, 'fixtures');
let outCount = 0;
const freshOut = (name) => join(tmp, `${name}-${outCount++}`);
const log = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const started = performance.now();
  const duck = await duckdb();

  // 1. Data: a counter-based PRNG (an integer hash of row number and stream, seeded) in
  // plain integer arithmetic, so the same rows come out on every machine and DuckDB
  // version, whatever the thread count. Some orders match no customer, some have no
  // customer or no timestamp, some amounts are <= 0: the steps have work to do.
  log(`generating ${ROWS.toLocaleString('en-US')} orders and ${CUSTOMER_ROWS.toLocaleString('en-US')} customers…`);
  mkdirSync(join(fixtures, ORDERS), { recursive: true });
  mkdirSync(join(fixtures, CUSTOMERS), { recursive: true });
  await duck.run(`CREATE MACRO gk_step(x) AS (xor(x, x >> 16) * 73244475) & 4294967295`);
  await duck.run(`CREATE MACRO gk_mix(x) AS xor(gk_step(gk_step(x)), gk_step(gk_step(x)) >> 16)`);
  await duck.run(`CREATE MACRO gk_rnd(i, stream) AS gk_mix(xor(gk_mix(i & 4294967295), (stream * 2654435761 + 20261125) & 4294967295))`);
  await duck.run(`COPY (
    SELECT i + 1 AS order_id,
      CASE WHEN gk_rnd(i, 1) % 200 = 0 THEN NULL ELSE 1 + gk_rnd(i, 2) % ${Math.round(CUSTOMER_ROWS * 1.05)} END AS customer_id,
      -- 2023-10-01 to 2024-12-31 UTC, to the microsecond
      CASE WHEN gk_rnd(i, 3) % 500 = 0 THEN NULL
           ELSE make_timestamp(1696118400000000 + (gk_rnd(i, 4) % 39571200) * 1000000 + gk_rnd(i, 5) % 1000000)::TIMESTAMPTZ END AS order_ts,
      ['PAID', 'PAID', 'SHIPPED', 'PENDING', 'CANCELLED'][1 + gk_rnd(i, 6) % 5] AS status,
      (CAST(gk_rnd(i, 7) % 50000 - 1000 AS DECIMAL(18, 0)) * 0.01)::DECIMAL(12, 2) AS amount,
      ['EUR', 'EUR', 'EUR', 'USD', 'GBP'][1 + gk_rnd(i, 8) % 5] AS currency
    FROM range(0, ${ROWS}) t(i)
  ) TO '${fixtures}/${ORDERS}/orders.parquet' (FORMAT parquet, COMPRESSION snappy)`);
  await duck.run(`COPY (
    SELECT i + 1 AS customer_id, 'Customer ' || (i + 1) AS name,
      ['DE', 'FR', 'IT', 'ES', 'NL', 'BE', 'AT', 'PT', 'IE', 'FI', 'SE', 'DK', 'PL', 'CZ', 'GR', 'HU', 'RO', 'SK', 'SI', 'LU'][1 + gk_rnd(i, 11) % 20] AS country,
      ['CONSUMER', 'SMB', 'ENTERPRISE', 'PUBLIC'][1 + gk_rnd(i, 12) % 4] AS segment,
      DATE '2015-01-01' + CAST(gk_rnd(i, 13) % 3300 AS INTEGER) AS signup_date
    FROM range(0, ${CUSTOMER_ROWS}) t(i)
  ) TO '${fixtures}/${CUSTOMERS}/customers.parquet' (FORMAT parquet, COMPRESSION snappy)`);
  log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // 2. In-process: a first run of each (cold: lazy module loading, JIT, parquet-wasm
  // start-up), then RUNS rounds, each running all three once, and the best of each. The
  // rounds interleave the engines so that a burst of load on a shared machine hits all of
  // them, not one. gluekit runs on one thread, so the reference is DuckDB on one thread;
  // DuckDB on all cores is shown too, but on a small shared machine it depends on what
  // else runs (on this project's 2 cores it was no faster than one thread).
  const { loadJobFile } = await import('../jobs/load.ts');
  const { buildJob } = await import('../jobs/validate.ts');
  const { runJob } = await import('../local-runner/executor.ts');
  const { DirectoryStaging, FixtureStore } = await import('../local-runner/stores/fixtures.ts');
  const ir = buildJob(await loadJobFile(join(root, JOB)), { file: JOB });
  const duck1 = await duckdb(1);
  const duckOut = { default: [], one: [] };
  const timeDuck = async (connection, outs) => {
    const out = freshOut('duckdb');
    const clock = startClock();
    await connection.run(pipelineSql(fixtures, out));
    outs.push(out);
    return clock();
  };
  const glueOuts = [];
  let bestResult;
  const timeGluekit = async () => {
    const out = freshOut('gluekit');
    const clock = startClock();
    const result = await runJob(ir, { store: new FixtureStore(fixtures), staging: new DirectoryStaging(out, `bench${outCount}`) });
    const time = clock();
    glueOuts.push(out);
    if (!bestResult || result.ms < bestResult.ms) bestResult = result;
    return time;
  };
  const contenders = { duckOne: () => timeDuck(duck1, duckOut.one), duckAll: () => timeDuck(duck, duckOut.default), gluekit: timeGluekit };
  const times = {};
  for (let round = 0; round <= RUNS; round++) {
    log(round === 0 ? 'first runs (DuckDB one thread, DuckDB all cores, gluekit)…' : `round ${round} of ${RUNS}…`);
    for (const [name, run] of Object.entries(contenders)) {
      const { ms, cpu } = await run();
      times[name] ??= { first: ms, best: Infinity, cpu: Infinity };
      if (round === 0) continue;
      times[name].best = Math.min(times[name].best, ms);
      times[name].cpu = Math.min(times[name].cpu, cpu);
    }
  }
  const { duckOne, duckAll, gluekit } = times;

  // 3. Separate processes, for peak RSS: the CLI as a user runs it, and DuckDB's statement
  // on one thread in a Node process of its own (same runtime overhead on both sides).
  log('separate processes (peak RSS)…');
  const cliOut = freshOut('cli');
  const cli = measured(['cli/bin.js', 'run', JOB, '--fixtures', fixtures, '--out', cliOut]);
  const duckChildOut = freshOut('duckdb-child');
  const duckChild = measured(['bench/runner.mjs', '--duckdb-child', `${fixtures},${duckChildOut},1`]);

  // 4. Correctness: every output against DuckDB's first, row for row.
  log('comparing outputs…');
  const reference = duckOut.one[0];
  const checks = [];
  for (const [name, out] of [
    ['DuckDB, all cores', duckOut.default[0]],
    ['DuckDB, child process', duckChildOut],
    ...glueOuts.map((o, i) => [`gluekit in-process run ${i + 1}`, join(o, SINK)]),
    ['gluekit run (CLI)', join(cliOut, SINK)],
  ]) {
    checks.push({ name, ...(await compare(duck, reference, out)) });
  }
  const summary = await outputSummary(duck, reference);
  const failed = checks.filter((c) => !c.same);

  // 5. Cold start of `gluekit run` on the example (its fixtures are in the repository)
  // and on the shop test job, interleaved with the reference so that all three see the
  // same load on a shared machine.
  log(`cold start: ${COLD_RUNS} x (node -e 0, gluekit run example, gluekit run shop)…`);
  const cold = { node: [], example: [], shop: [] };
  for (let i = 0; i < COLD_RUNS; i++) {
    cold.node.push(coldRun(['-e', '0']));
    cold.example.push(coldRun(['cli/bin.js', 'run', 'examples/orders/job.ts', '--keystore', 'examples/orders/keystore.json', '--out', freshOut('example')]));
    cold.shop.push(coldRun(['cli/bin.js', 'run', 'test/jobs/shop.ts', '--fixtures', 'test/jobs/shop-fixtures', '--out', freshOut('shop')]));
  }
  const nodeMedian = median(cold.node);

  // 6. Report.
  const mb = (kb) => (kb === undefined ? 'n/a' : (kb / 1024).toFixed(0));
  const ref = duckOne.best;
  console.log(`gluekit bench:runner: ${ROWS.toLocaleString('en-US')} orders x ${CUSTOMER_ROWS.toLocaleString('en-US')} customers, best of ${RUNS} interleaved rounds after a first run, Node ${process.version}, DuckDB ${await duckVersion(duck)}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg()[0].toFixed(1)} at the end`);
  console.log('');
  console.log('| in-process | first ms | best ms | ratio to DuckDB, 1 thread (best) | best CPU ms | CPU ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const row = (name, t) => `| ${name} | ${t.first.toFixed(0)} | ${t.best.toFixed(0)} | ${(t.best / ref).toFixed(2)} | ${t.cpu.toFixed(0)} | ${(t.cpu / duckOne.cpu).toFixed(2)} |`;
  console.log(row('DuckDB, one SQL statement, 1 thread (reference)', duckOne));
  console.log(row('DuckDB, one SQL statement, all cores', duckAll));
  console.log(row('**gluekit runJob** (target: 2.00)', gluekit));
  console.log('CPU: user + system time of this process over the run, all threads (DuckDB\'s and V8\'s helper threads included)');
  console.log('');
  console.log('| separate process | wall ms | ratio | peak RSS MB |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| DuckDB statement, 1 thread, in a Node process (reference) | ${duckChild.ms.toFixed(0)} | 1.00 | ${mb(duckChild.rssKb)} |`);
  console.log(`| gluekit run (CLI) | ${cli.ms.toFixed(0)} | ${(cli.ms / duckChild.ms).toFixed(2)} | ${mb(cli.rssKb)} |`);
  console.log(`peak RSS measured by ${cli.rssBy}`);
  console.log('');
  console.log('| cold start (fresh process, empty TMPDIR) | median ms | ratio to node -e 0 |');
  console.log('| --- | ---: | ---: |');
  console.log(`| node -e 0 (reference) | ${nodeMedian.toFixed(0)} | 1.00 |`);
  for (const [name, samples] of [['gluekit run examples/orders/job.ts (target: under 500 ms)', cold.example], ['gluekit run test/jobs/shop.ts', cold.shop]]) {
    console.log(`| ${name} | ${median(samples).toFixed(0)} | ${(median(samples) / nodeMedian).toFixed(2)} |`);
  }
  console.log('');
  console.log(`gluekit stages (self ms of the best in-process run; a source's time is reading and decoding, a sink's is partitioning and writing):`);
  for (const n of bestResult.nodes) {
    console.log(`  ${n.id.padEnd(16)} ${n.kind.padEnd(16)} ${n.rowsIn.toLocaleString('en-US').padStart(10)} in ${n.rowsOut.toLocaleString('en-US').padStart(10)} out ${n.ms.toFixed(0).padStart(6)} ms`);
  }
  console.log('');
  console.log(`output: ${summary.rows} rows in ${summary.partitions} partitions (order_date), revenue ${summary.revenue}, orders ${summary.orders}`);
  for (const c of checks) console.log(`  ${c.same ? 'same as' : 'DIFFERS from'} DuckDB: ${c.name}${c.same ? '' : ` (${c.detail})`}`);

  if (opts.profile) {
    await profile(() => runJob(ir, { store: new FixtureStore(fixtures), staging: new DirectoryStaging(freshOut('prof'), 'profile') }));
  }
  log(`bench:runner took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (failed.length > 0) {
    console.error(`\nbench:runner: ${failed.length} output(s) differ from DuckDB's; the timings above measure a wrong answer`);
    process.exitCode = 1;
  }
}

/** Starts timing; the returned function gives wall and CPU (user + system, all threads) milliseconds since. */
function startClock() {
  const start = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - start, cpu: (used.user + used.system) / 1000 };
  };
}

const median = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

/** A command in a fresh Node process: wall time and peak RSS. */
function measured(args) {
  // GNU time reads the kernel's figure for the whole process; without it, the process
  // reports its own maxRSS as it exits.
  const gnuTime = existsSync('/usr/bin/time');
  const reporter = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))`;
  const [command, argv] = gnuTime ? ['/usr/bin/time', ['-v', process.execPath, ...args]] : [process.execPath, ['--import', reporter, ...args]];
  const start = performance.now();
  const r = spawnSync(command, argv, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  const match = gnuTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr) : /maxrss_kb=(\d+)/.exec(r.stderr);
  return { ms, rssKb: match ? Number(match[1]) : undefined, rssBy: gnuTime ? '/usr/bin/time -v (whole process)' : "the process's own process.resourceUsage().maxRSS" };
}

/** Wall time of a fresh process with an empty TMPDIR (tsx's transform cache starts empty). */
function coldRun(args) {
  const cache = mkdtempSync(join(tmp, 'cold-'));
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, TMPDIR: cache }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  rmSync(cache, { recursive: true, force: true });
  return ms;
}

/**
 * An output folder (Hive partitions of Parquet files) as rows DuckDB can compare: the
 * partition value as folder text, the decimal sum at one precision.
 */
const outputRows = (dir) => `(SELECT order_date, country, segment, CAST(revenue AS DECIMAL(38, 2)) AS revenue,
  CAST(orders AS BIGINT) AS orders, CAST(customers AS BIGINT) AS customers
  FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false))`;

/** Whether two outputs hold the same rows (as multisets) in the same partition folders. */
async function compare(duck, expected, actual) {
  const folders = (dir) => readdirSync(dir).filter((f) => f.startsWith('order_date=')).sort().join('\n');
  if (folders(expected) !== folders(actual)) return { same: false, detail: 'different partition folders' };
  const diff = async (a, b) => Number((await duck.runAndReadAll(`SELECT count(*) FROM (${outputRows(a)} EXCEPT ALL ${outputRows(b)})`)).getRows()[0][0]);
  const missing = await diff(expected, actual);
  const extra = await diff(actual, expected);
  return missing === 0 && extra === 0 ? { same: true } : { same: false, detail: `${missing} rows missing, ${extra} unexpected` };
}

async function outputSummary(duck, dir) {
  const rows = (await duck.runAndReadAll(`SELECT count(*), count(DISTINCT order_date), sum(revenue)::VARCHAR, sum(orders) FROM ${outputRows(dir)}`)).getRows()[0];
  return { rows: Number(rows[0]), partitions: Number(rows[1]), revenue: rows[2], orders: Number(rows[3]) };
}

async function duckVersion(duck) {
  return (await duck.runAndReadAll('SELECT version()')).getRows()[0][0];
}

/**
 * `--profile`: one more in-process run under V8's sampling profiler (after the timed runs,
 * so start-up and JIT warm-up are not in it). Each sample is charged to the stage (job
 * node) whose code is nearest the top of its stack, so a kernel called by the join counts
 * as join time; then the functions with the most self time, per stage.
 */
async function profile(run) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  await run();
  const { profile: p } = await session.post('Profiler.stop');
  session.disconnect();

  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  // A sample's time is the delta to the next sample.
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000));

  const file = (url) => url.replace(/^file:\/\//, '').replace(root, '').replace(/.*node_modules\//, 'node_modules/');
  const stageOf = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at).callFrame;
      const f = file(url);
      const transform = /^transforms\/(.+)\.ts$/.exec(f);
      if (transform) return transform[1];
      if (f === 'local-runner/sink-writer.ts') return 'sink (partition, write)';
      if (f === 'local-runner/source-reader.ts' || f === 'local-runner/formats/conform.ts' || f === 'local-runner/formats/parquet-footer.ts') return 'source (read)';
      // parquet.ts and the fixtures store hold both directions: their writing functions are named write.
      if (f === 'local-runner/formats/parquet.ts' || f === 'local-runner/stores/fixtures.ts') return functionName === 'write' ? 'sink (partition, write)' : 'source (read)';
    }
    return 'elsewhere (GC, I/O, executor)';
  };
  const stages = new Map();
  let total = 0;
  for (const [id, ms] of self) {
    const { functionName, url, columnNumber } = byId.get(id).callFrame;
    // tsx compiles each module onto one line, so a column tells anonymous functions apart.
    const name = `${functionName || `(anonymous:${columnNumber})`}${url ? `  ${file(url)}` : ''}`;
    const stage = stageOf(id);
    if (!stages.has(stage)) stages.set(stage, { ms: 0, functions: new Map() });
    const s = stages.get(stage);
    s.ms += ms;
    s.functions.set(name, (s.functions.get(name) ?? 0) + ms);
    total += ms;
  }
  const pct = (ms) => `${((100 * ms) / total).toFixed(1).padStart(5)}%`;
  console.log(`\nprofile of one in-process run (${total.toFixed(0)} ms sampled): self time per stage, and its top functions`);
  for (const [stage, { ms, functions }] of [...stages].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${ms.toFixed(0).padStart(6)} ms ${pct(ms)}  ${stage}`);
    for (const [name, fms] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`           ${fms.toFixed(0).padStart(5)} ms ${pct(fms)}  ${name}`);
  }
}

// Last, so that every helper above is initialised before it runs.
try {
  await main();
} finally {
  if (opts.keep) log(`kept: ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
