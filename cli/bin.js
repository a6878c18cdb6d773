#!/usr/bin/env node
// The gluekit command. gluekit's own code runs compiled (dist/, built by scripts/build.mjs
// on `npm install`); tsx is registered only to load job files, which stay TypeScript
// without a build step on the user's side. See docs/loader.md.
import { readFileSync, statSync } from 'node:fs';

// The AWS SDK warns on Node 20 about its releases after January 2027; gluekit pins its SDK
// versions, so the warning only tells users something they cannot act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = new URL('../', import.meta.url);

// In a checkout, sources edited since the last build would otherwise run stale: rebuild
// first (about 0.3 s). The check stats the ~100 source files the build read (~1 ms).
const reason = buildNeeded();
if (reason) {
  try {
    await (await import('../scripts/build.mjs')).buildDist({ quiet: true });
  } catch (e) {
    console.error(`gluekit: dist/ ${reason} and could not be built (${e.message}); run \`npm run build\``);
    process.exit(1);
  }
}

// Commands that load job files (TypeScript) need tsx. Their module, and with it Arrow, is
// loaded before tsx registers its hooks: every module imported after that is resolved and
// loaded through tsx's loader thread, one round trip each. preview, kms and fixtures never
// load TypeScript, so they skip tsx.
const JOB_COMMANDS = new Set(['validate', 'compile', 'run', 'plan', 'deploy']);
const command = process.argv[2];
const { main } = await import('../dist/cli/main.js');
if (JOB_COMMANDS.has(command)) {
  await import(`../dist/cli/${command}.js`);
  const { register } = await import('tsx/esm/api');
  register();
}
process.exitCode = await main(process.argv.slice(2));

/** Why dist/ must be (re)built, or undefined when it is up to date. */
function buildNeeded() {
  let built;
  try {
    built = JSON.parse(readFileSync(new URL('dist/inputs.json', root), 'utf8'));
  } catch {
    return 'is missing';
  }
  for (const file of built.inputs) {
    let mtime;
    try {
      mtime = statSync(new URL(file, root)).mtimeMs;
    } catch {
      continue; // a deleted source: whatever imported it has changed too
    }
    if (mtime > built.startedAt) return `is older than ${file}`;
  }
  return undefined;
}
