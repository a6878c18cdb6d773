/**
 * Real peers for integration tests: moto_server (S3, KMS, Glue emulator) and the AWS CLI.
 * moto is started on a free loopback port and stopped by its PID. Where a peer is
 * missing, tests skip with a visible message, except under CI=true, where a missing
 * peer is a failure (CI must test what it claims to).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether peer-dependent tests run here; prints why not, or throws under CI. */
export function peersAvailable(...commands: string[]): boolean {
  const missing = commands.filter((c) => !hasCommand(c));
  if (missing.length === 0) return true;
  const message = `integration tests need ${missing.join(' and ')} on PATH`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing peer is a failure)`);
  console.warn(`SKIPPED: ${message}; install them to run these tests`);
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  readonly pid: number;
  /** Environment for the AWS CLI/SDK: dummy credentials, no user config. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startMoto(region = 'us-east-1'): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early: ${stderr.slice(-500)}`);
    const up = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const home = mkdtempSync(join(tmpdir(), 'gluekit-aws-'));
  writeFileSync(join(home, 'config'), '');
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_DEFAULT_REGION: region,
    AWS_REGION: region,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_ENDPOINT_URL: endpoint,
  };
  return {
    endpoint,
    pid: child.pid!,
    env,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(child.pid!, 'SIGTERM');
        setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5_000).unref();
      }),
  };
}

/** Runs the AWS CLI against moto and parses its JSON output. */
export function aws(moto: Moto, args: string[]): unknown {
  const out = execFileSync('aws', [...args, '--endpoint-url', moto.endpoint, '--output', 'json'], {
    env: moto.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.trim() === '' ? {} : JSON.parse(out);
}
