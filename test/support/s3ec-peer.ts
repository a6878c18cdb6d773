/**
 * AWS's own S3 Encryption Client as a peer for interop tests: the Go program in
 * s3ec-peer/ (aws-sdk-go v1, service/s3/s3crypto), built once per test process into a
 * temporary folder and run as a child process.
 *
 * It builds offline from the Debian packages golang-go and
 * golang-github-aws-aws-sdk-go-dev: in GOPATH mode with GOPATH at the Debian Go source
 * tree, where the SDK and its one dependency (go-jmespath) are installed. Module mode
 * would try the module proxy, and the tests run without network. Where go or the package
 * is missing the tests skip with a visible message, except under CI=true, where that is
 * a failure (as for the other peers, peers.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from './peers.js';

/** Where Debian installs Go source packages (dh-golang's GOPATH). */
export const DEBIAN_GOPATH = '/usr/share/gocode';
const S3CRYPTO_SOURCE = join(DEBIAN_GOPATH, 'src', 'github.com', 'aws', 'aws-sdk-go', 'service', 's3', 's3crypto');
const PEER_SOURCE = join(import.meta.dirname, 's3ec-peer');

/**
 * Whether the peer can be built here; prints why not, or throws under CI. The package
 * check is a path check: dpkg may not be the package manager of a machine that has the
 * same tree installed some other way.
 */
export function s3ecPeerAvailable(): boolean {
  const missing: string[] = [];
  if (!hasCommand('go')) missing.push('go (Debian package golang-go)');
  if (!existsSync(S3CRYPTO_SOURCE)) missing.push(`the AWS SDK for Go's s3crypto source in ${S3CRYPTO_SOURCE} (Debian package golang-github-aws-aws-sdk-go-dev)`);
  if (missing.length === 0) return true;
  const message = `the S3 Encryption Client interop tests need ${missing.join(' and ')}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing peer is a failure)`);
  console.warn(`SKIPPED: ${message}; install them to run these tests (.ci/run does, as root)`);
  return false;
}

export interface S3ecPeerResult {
  readonly status: number;
  /** Raw bytes: `get` writes the plaintext here. */
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface S3ecPeer {
  /** The built executable. */
  readonly path: string;
  /** Runs it with `args`, feeding `input` on stdin; never throws for a non-zero exit. */
  run(args: readonly string[], options: { env: NodeJS.ProcessEnv; input?: Uint8Array }): Promise<S3ecPeerResult>;
  /** Removes the executable and its folder. */
  remove(): Promise<void>;
}

let built: Promise<S3ecPeer> | undefined;

/** Builds the peer (once per process; later calls share the build). */
export function buildS3ecPeer(): Promise<S3ecPeer> {
  return (built ??= build());
}

async function build(): Promise<S3ecPeer> {
  const dir = await mkdtemp(join(tmpdir(), 'gluekit-s3ec-peer-'));
  const path = join(dir, 's3ec-peer');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: DEBIAN_GOPATH,
    // Nothing the developer set may turn module mode or the network back on.
    GOFLAGS: '',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    // go needs a build cache; without HOME (some CI sandboxes) it has no default one.
    ...(!process.env.GOCACHE && !process.env.HOME && !process.env.XDG_CACHE_HOME && { GOCACHE: join(dir, 'cache') }),
  };
  const result = await runProcess('go', ['build', '-o', path, '.'], { cwd: PEER_SOURCE, env });
  if (result.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`building the S3 Encryption Client peer failed (go build in ${PEER_SOURCE}, exit ${result.status}):\n${result.stderr}`);
  }
  return {
    path,
    run: (args, options) => runProcess(path, args, options),
    remove: async () => {
      built = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runProcess(file: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv; input?: Uint8Array }): Promise<S3ecPeerResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, encoding: 'buffer', maxBuffer: 256 << 20 },
      (error, stdout, stderr) => {
        // A non-zero exit is a result for the caller to check; failing to start is not.
        const code = (error as { code?: unknown } | null)?.code;
        if (error && typeof code !== 'number') return reject(error);
        resolve({ status: typeof code === 'number' ? code : 0, stdout, stderr: stderr.toString('utf8') });
      },
    );
    child.stdin!.end(options.input ?? new Uint8Array());
  });
}
