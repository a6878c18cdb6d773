/**
 * The gluekit command as a user runs it: exit codes, output files, JSON mode, and clear
 * one-line errors (never a stack trace) for files that fail to load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'cli', 'bin.js');
const example = join(root, 'examples', 'orders', 'job.ts');

function gluekit(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, GLUEKIT_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Job files import 'gluekit', which resolves only inside the package, so they are
// written below the repository and removed afterwards.
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function jobFile(source: string): string {
  const dir = mkdtempSync(join(root, '.tmp-jobs-'));
  made.push(dir);
  const file = join(dir, 'job.ts');
  writeFileSync(file, source);
  return file;
}

const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe('gluekit compile', () => {
  it('writes the job folder and exits 0', () => {
    const out = mkdtempSync(join(tmpdir(), 'gluekit-out-'));
    const r = gluekit('compile', example, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('compiled orders-daily-revenue ->');
    expect(readdirSync(join(out, 'orders-daily-revenue')).sort()).toEqual(['catalog', 'graph.mmd', 'iam-policy.json', 'job.json', 'script.py', 'security-configuration.json']);
    expect(readdirSync(join(out, 'orders-daily-revenue', 'catalog')).sort()).toEqual([
      'analytics.daily_revenue.table.json', 'analytics.database.json', 'crm.customers.table.json', 'crm.database.json',
    ]);
    expect(readdirSync(out)).toEqual(['orders-daily-revenue']); // no temporary folders left
  });

  it('is byte-identical across runs', () => {
    const [a, b] = [mkdtempSync(join(tmpdir(), 'gluekit-a-')), mkdtempSync(join(tmpdir(), 'gluekit-b-'))];
    expect(gluekit('compile', example, '--out', a).code).toBe(0);
    expect(gluekit('compile', example, '--out', b).code).toBe(0);
    for (const f of readdirSync(join(a, 'orders-daily-revenue'), { recursive: true }) as string[]) {
      if (f === 'catalog') continue;
      expect(readFileSync(join(a, 'orders-daily-revenue', f))).toEqual(readFileSync(join(b, 'orders-daily-revenue', f)));
    }
  });

  it('writes nothing when a job is invalid, and exits 1', () => {
    const out = mkdtempSync(join(tmpdir(), 'gluekit-out-'));
    const bad = jobFile(readFileSync(example, 'utf8').replace("col('amount').gt(0)", "col('ammount').gt(0)").replace(/'\.\/(keys|tables)\.js'/g, `'${join(root, 'examples/orders')}/$1.js'`));
    const r = gluekit('compile', example, bad, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('node "paid_orders", at transforms.paid_orders.where.args[1].left: unknown column "ammount" in input "orders"');
    expect(r.stderr).toContain('hint: did you mean "amount"?');
    expect(r.stderr).toContain('nothing was written');
    expect(readdirSync(out)).toEqual([]);
  });

  it('asks for --out', () => {
    const r = gluekit('compile', example);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('compile needs --out <dir>');
  });
});

describe('gluekit validate', () => {
  it('accepts the example', () => {
    const r = gluekit('validate', example);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('job "orders-daily-revenue" is valid');
  });

  it('prints machine-readable results with --json', () => {
    const r = gluekit('validate', example, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, jobs: [{ name: 'orders-daily-revenue', ok: true, problems: [] }] });
  });

  it.each([
    ['a syntax error', 'export default defineJob({ name: ', 'syntax error'],
    ['a throwing job file', 'throw new Error("no config for this env");\nexport default 1;', 'failed while loading: no config for this env'],
    ['no default export', 'export const job = 1;', 'has no default export'],
    ['a default export that is not a job', 'export default { name: "x" };', 'made with defineJob'],
    ['a missing import', 'import x from "./nope.js";\nexport default x;', 'cannot load an import'],
  ])('reports %s in one line, without a stack trace', (_name, source, message) => {
    const r = gluekit('validate', jobFile(source), '--json');
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(message);
    expect(r.stdout + r.stderr).not.toMatch(STACK_LINE);
  });

  it('reports a file that does not exist', () => {
    const r = gluekit('validate', 'nope.ts');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.ts: error: no such file');
  });

  it('rejects unknown commands and options with usage', () => {
    expect(gluekit('deploy-all').code).toBe(2);
    const r = gluekit('validate', example, '--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
  });
});
