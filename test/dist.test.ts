/**
 * The compiled build (dist/, scripts/build.mjs) as the `gluekit` command and job files use
 * it: a job file's `import 'gluekit'` and the CLI share one copy of every gluekit module,
 * job files outside the repository resolve the package, and the CLI rebuilds a stale dist/.
 * vitest's globalSetup has built dist/ before this file runs.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'cli', 'bin.js');
const dist = join(root, 'dist');

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}
const meta = (): Metafile => JSON.parse(readFileSync(join(dist, 'metafile.json'), 'utf8'));

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function gluekit(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, GLUEKIT_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A job that prints where 'gluekit' and 'gluekit/testing' resolve from inside the CLI process.
const PROBE_JOB = `
import { col, defineJob, filter, s3Sink, s3Source } from 'gluekit';
import { runLocally } from 'gluekit/testing';
console.log('RESOLVED ' + JSON.stringify([import.meta.resolve('gluekit'), import.meta.resolve('gluekit/testing'), typeof runLocally]));
export default defineJob({
  name: 'probe', role: 'arn:aws:iam::123456789012:role/Probe', region: 'eu-west-1',
  security: { allowUnencryptedSinks: true },
  sources: { a: s3Source({ path: 's3://probe-in/a/', format: 'json', schema: { x: 'bigint' } }) },
  transforms: { f: filter({ input: 'a', where: col('x').gt(0) }) },
  sinks: { out: s3Sink({ input: 'f', path: 's3://probe-out/out/' }) },
});
`;

describe('dist/', () => {
  it('holds each gluekit source in exactly one output, so every module has one instance', () => {
    const { outputs } = meta();
    const homes = new Map<string, string[]>();
    for (const [out, o] of Object.entries(outputs)) {
      if (out.endsWith('.map')) continue;
      for (const input of Object.keys(o.inputs)) homes.set(input, [...(homes.get(input) ?? []), out]);
    }
    const twice = [...homes].filter(([, outs]) => outs.length > 1);
    expect(twice).toEqual([]);
    expect(homes.get('expr/expr.ts')).toHaveLength(1);
  });

  it('gives the public API, gluekit/testing and the CLI commands the same chunk of expr/expr.ts and core/problems.ts', () => {
    const { outputs } = meta();
    const closure = (entry: string): Set<string> => {
      const seen = new Set<string>();
      const walk = (f: string) => {
        if (seen.has(f)) return;
        seen.add(f);
        for (const i of outputs[f]!.imports) if (!i.external && i.kind === 'import-statement') walk(i.path);
      };
      walk(entry);
      return seen;
    };
    for (const source of ['expr/expr.ts', 'core/problems.ts', 'jobs/validate.ts']) {
      const [home] = Object.entries(outputs).find(([out, o]) => !out.endsWith('.map') && source in o.inputs)!;
      for (const entry of ['dist/index.js', 'dist/testing.js', 'dist/cli/validate.js', 'dist/cli/compile.js', 'dist/cli/run.js']) {
        expect(closure(entry), `${entry} loads ${source} from ${home}`).toContain(home);
      }
    }
  });

  it("resolves a job file's 'gluekit' and 'gluekit/testing' to dist/, the files the CLI runs", () => {
    const dir = mkdtempSync(join(root, '.tmp-jobs-'));
    made.push(dir);
    writeFileSync(join(dir, 'job.ts'), PROBE_JOB);
    const r = gluekit(['validate', join(dir, 'job.ts')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [api, testing, runLocally] = JSON.parse(/^RESOLVED (.*)$/m.exec(r.stdout)![1]!);
    expect(api).toBe(pathToFileURL(join(dist, 'index.js')).href);
    expect(testing).toBe(pathToFileURL(join(dist, 'testing.js')).href);
    expect(runLocally).toBe('function');
  });

  it('loads a job file outside the repository that imports gluekit from its node_modules', () => {
    const project = mkdtempSync(join(tmpdir(), 'gluekit-user-'));
    made.push(project);
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'gluekit'), 'dir'); // as npm link or a file: dependency installs it
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(project, 'job.ts'), PROBE_JOB);
    const r = gluekit(['validate', 'job.ts'], project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('job "probe" is valid');
    const [api] = JSON.parse(/^RESOLVED (.*)$/m.exec(r.stdout)![1]!);
    expect(api).toBe(pathToFileURL(join(dist, 'index.js')).href);
  });

  it('is built by the CLI when missing, and rebuilt when a source is newer than the build', () => {
    // In a copy of the package, so that the dist/ the other tests use is left alone.
    const copy = mkdtempSync(join(tmpdir(), 'gluekit-copy-'));
    made.push(copy);
    for (const entry of ['package.json', 'index.ts', 'catalog', 'cli', 'core', 'deploy', 'examples', 'expr', 'jobs', 'kernels', 'local-runner', 'scripts', 'transforms']) {
      cpSync(join(root, entry), join(copy, entry), { recursive: true, preserveTimestamps: true });
    }
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const validate = () => spawnSync(process.execPath, [join(copy, 'cli', 'bin.js'), 'validate', 'examples/orders/job.ts'], { cwd: copy, encoding: 'utf8' });
    const builtAt = () => JSON.parse(readFileSync(join(copy, 'dist', 'inputs.json'), 'utf8')).startedAt as number;

    let r = validate();
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('job "orders-daily-revenue" is valid');
    const first = builtAt();
    r = validate();
    expect(builtAt()).toBe(first); // up to date: not rebuilt

    // A source edited after the build (touched: its content is the same).
    const later = new Date(first + 5_000);
    utimesSync(join(copy, 'core', 'problems.ts'), later, later);
    r = validate();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(builtAt()).toBeGreaterThan(first);
  });
});
