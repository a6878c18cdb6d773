#!/usr/bin/env node
// Compiles gluekit's own TypeScript into dist/ with esbuild, so that the `gluekit` command
// and `import ... from 'gluekit'` load plain JavaScript, and tsx only compiles users' job
// files (docs/loader.md). Runs on `npm install` / `npm ci` (the `prepare` script), before
// the tests (vitest's globalSetup), and from cli/bin.js when dist/ is missing or older than
// the sources.
//
// One bundle with code splitting: the entry points (the public API, gluekit/testing, the
// CLI and each of its commands) share chunks, so a job file's `import 'gluekit'` and the
// CLI get the same module instances (one Expr class, one ValidationError, ...), and a
// command loads only the chunks it needs. Dependencies stay in node_modules (not bundled).
//
// Usage: node scripts/build.mjs [--quiet]
import { build } from 'esbuild';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** dist/<name>.js from each source; the CLI's commands are entries of their own so that bin.js can name them. */
export const ENTRIES = {
  index: 'index.ts',
  testing: 'local-runner/testing.ts',
  'cli/main': 'cli/main.ts',
  'cli/validate': 'cli/validate.ts',
  'cli/compile': 'cli/compile.ts',
  'cli/run': 'cli/run.ts',
  'cli/preview': 'cli/preview.ts',
  'cli/kms': 'cli/kms.ts',
  'cli/fixtures': 'cli/fixtures.ts',
  'cli/plan': 'cli/plan.ts',
  'cli/deploy': 'cli/deploy.ts',
};

/** Builds into a fresh folder, then swaps it in for dist/, so a reader never sees half a build. */
export async function buildDist({ quiet = false } = {}) {
  const started = performance.now();
  const startedAt = Date.now(); // a source changed after this may not be in the build
  const dist = join(root, 'dist');
  const staging = join(root, `.dist-${process.pid}-${Date.now()}`);
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([out, src]) => [out, join(root, src)])),
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      keepNames: true, // errors and classes keep their names (class.name, error.name) as in the sources
      sourcemap: 'linked', // node --enable-source-maps maps stack traces to the .ts sources
      chunkNames: 'chunks/[name]-[hash]',
      metafile: true,
      logLevel: 'warning',
    });
    // The sources this build was made from, for cli/bin.js's staleness check.
    const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/')).sort();
    writeFileSync(join(staging, 'inputs.json'), `${JSON.stringify({ startedAt, inputs })}\n`);
    // Which source went into which output, for the tests (each source in exactly one output: one module instance).
    writeFileSync(join(staging, 'metafile.json'), JSON.stringify(result.metafile).replaceAll(`${basename(staging)}/`, 'dist/'));
    const old = `${staging}.old`;
    if (existsSync(dist)) renameSync(dist, old);
    try {
      renameSync(staging, dist);
    } catch (e) {
      // Another build (a concurrent `gluekit` run) put its dist/ in place first: keep that one.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    }
    rmSync(old, { recursive: true, force: true });
    if (!quiet) console.log(`gluekit: built ${relative(process.cwd(), dist) || '.'}/ from ${inputs.length} sources in ${(performance.now() - started).toFixed(0)} ms`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // Leftovers of interrupted builds (another build may be running now: only old ones).
  for (const name of readdirSync(root)) {
    const at = /^\.dist-\d+-(\d+)(\.old)?$/.exec(name);
    if (at && Date.now() - Number(at[1]) > 10 * 60_000) rmSync(join(root, name), { recursive: true, force: true });
  }
}

/** vitest's globalSetup: the CLI tests spawn cli/bin.js, which runs dist/; build it once, up front. */
export async function setup() {
  await buildDist({ quiet: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildDist({ quiet: process.argv.includes('--quiet') });
}
