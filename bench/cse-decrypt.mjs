#!/usr/bin/env node
// Decrypting a large CSE-KMS object (V2: AES-256-GCM) with decryptObject, as a ratio to
// Node's raw AES-256-GCM over the same bytes, measured in the same run. Ratio = raw time
// / decryptObject time, so 1.0 means no overhead; the target is >= 0.8. Peak RSS is
// measured in child processes that do nothing else, with and without the decryption.
//
// Two references, both Node's createDecipheriv('aes-256-gcm') over the same ciphertext in
// the same 1 MiB chunks with the output discarded: a synchronous loop, and a streamed one
// that awaits between chunks as decryptObject does (which lets V8 free the output buffers
// as it goes; on this project's VM that makes it the faster, so stricter, reference).
//
// A third reference, for the file path only, does what that path cannot avoid with nothing
// else: the fixture store's 1 MiB reads, Node's AES-256-GCM, and positional writes into a
// private temporary file. It is not the target's reference; it shows how much of the file
// path's time is that I/O rather than gluekit's code.
//
// CPU columns: the process's CPU time per run (user + system, every thread: the cipher on
// the main thread, reads and writes on libuv's threads) and the main thread's alone (Linux,
// /proc/self/task/<pid>/schedstat). On a machine with 2 cores, a run needing C ms of CPU
// cannot take less than C / 2 ms, however well its threads overlap.
//
// Usage: node bench/cse-decrypt.mjs [--mib 256] [--runs 7] [--temp-dir DIR]
import { spawnSync } from 'node:child_process';
import { createDecipheriv, randomFillSync } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { decryptObject } = await import('../local-runner/cse/decrypting-source.ts');
const { encryptObject } = await import('../local-runner/cse/encrypt.ts');
const { createKey, LocalKeystore } = await import('../local-runner/cse/keystore.ts');
const { fileSource } = await import('../local-runner/stores/fixtures.ts');

const ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT = { feed: 'bench' };
const CHUNK = 1 << 20; // what the fixture store streams

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '256' },
    runs: { type: 'string', default: '7' },
    'temp-dir': { type: 'string' },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});

if (values.child) {
  // A child measuring peak RSS: 'idle' loads everything and stops, 'file' also decrypts the object from disk.
  const dir = values.dir;
  const keys = await LocalKeystore.open(join(dir, 'keystore.json'));
  if (values.child === 'file') {
    const metadata = JSON.parse(await readFile(join(dir, 'object.metadata.json'), 'utf8'));
    const size = statSync(join(dir, 'object')).size;
    const source = await decryptObject(fileSource(join(dir, 'object'), 'object', size), metadata, { keys, keyId: ARN, expectedContext: CONTEXT, tempDir: dir });
    await source.dispose();
  }
  process.stdout.write(JSON.stringify({ peakRssMiB: await peakRssMiB() }));
  process.exit(0);
}

/**
 * This process's peak RSS. On Linux, VmHWM: getrusage's maxRSS would include the parent's
 * high-water mark, which fork hands to the child and exec keeps.
 */
async function peakRssMiB() {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => undefined);
  const kib = status && /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return Number(kib ?? process.resourceUsage().maxRSS) / 1024;
}

const bytes = Number(values.mib) << 20;
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'gluekit-bench-cse-'));
try {
  await createKey(join(dir, 'keystore.json'), { arn: ARN });
  const keys = await LocalKeystore.open(join(dir, 'keystore.json'));
  const encrypted = await encryptObject(randomFillSync(Buffer.allocUnsafe(bytes)), { keys, keyId: ARN, context: CONTEXT });
  const body = Buffer.from(encrypted.body.buffer, encrypted.body.byteOffset, encrypted.body.length);
  await writeFile(join(dir, 'object'), body);
  await writeFile(join(dir, 'object.metadata.json'), JSON.stringify(encrypted.metadata));

  // The reference: Node's AES-256-GCM over the same ciphertext, in the same 1 MiB chunks, output discarded.
  const context = JSON.parse(encrypted.metadata['x-amz-matdesc']);
  const dataKey = await keys.decrypt(Buffer.from(encrypted.metadata['x-amz-key-v2'], 'base64'), context);
  const iv = Buffer.from(encrypted.metadata['x-amz-iv'], 'base64');
  const end = body.length - 16;
  const rawSync = async () => {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
    for (let at = 0; at < end; at += CHUNK) decipher.update(body.subarray(at, Math.min(end, at + CHUNK)));
    decipher.setAuthTag(body.subarray(end));
    decipher.final();
  };
  const rawStreamed = async () => {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
    for (let at = 0; at < end; at += CHUNK) {
      decipher.update(body.subarray(at, Math.min(end, at + CHUNK)));
      await new Promise(setImmediate);
    }
    decipher.setAuthTag(body.subarray(end));
    decipher.final();
  };

  const tempDir = values['temp-dir'] ?? dir;
  /** The file path's unavoidable work alone: 1 MiB reads, the cipher, positional writes (2 in flight) into a 0600 file. */
  const rawFileToFile = async () => {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
    const path = join(tempDir, `raw-plaintext-${process.pid}`);
    const file = await open(path, 'wx', 0o600);
    try {
      const writes = [];
      let written = 0;
      let pending;
      const write = async (plaintext) => {
        writes.push(file.write(plaintext, 0, plaintext.length, written));
        written += plaintext.length;
        if (writes.length >= 2) await writes.shift();
      };
      for await (const chunk of createReadStream(join(dir, 'object'), { highWaterMark: CHUNK })) {
        if (pending) await write(decipher.update(pending));
        pending = chunk;
      }
      await write(decipher.update(pending.subarray(0, pending.length - 16)));
      decipher.setAuthTag(pending.subarray(pending.length - 16));
      decipher.final();
      await Promise.all(writes);
    } finally {
      await file.close();
      await rm(path);
    }
  };

  const memorySource = {
    name: 'object',
    size: body.length,
    bytes: async () => body,
    blob: async () => new Blob([body]),
    async *stream() {
      for (let at = 0; at < body.length; at += CHUNK) yield body.subarray(at, Math.min(body.length, at + CHUNK));
    },
  };
  const options = { keys, keyId: ARN, expectedContext: CONTEXT, tempDir };
  /** The main thread's CPU time in ms (Linux), or undefined elsewhere. */
  const mainThreadMs = () => {
    try {
      return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    } catch {
      return undefined;
    }
  };
  /** Wall time, process CPU time and main-thread CPU time of one run, in ms. */
  const measure = async (run) => {
    const main = mainThreadMs();
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const dispose = await run();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    const mainMs = main === undefined ? undefined : mainThreadMs() - main;
    await dispose?.();
    return { ms, cpuMs: (used.user + used.system) / 1000, mainMs };
  };
  /** The same object as an S3 body arrives: chunks of a few KiB (16 KiB here). */
  const smallChunkSource = {
    ...memorySource,
    async *stream() {
      for (let at = 0; at < body.length; at += 16384) yield body.subarray(at, Math.min(body.length, at + 16384));
    },
  };
  /** decryptObject until the plaintext is ready; disposing of it (deleting a temp file) is not decryption, so it is left out of the time. */
  const decrypt = (source, extra = {}) => async () => {
    const result = await decryptObject(source, encrypted.metadata, { ...options, ...extra });
    return () => result.dispose();
  };
  const time = async (run) => (await measure(run)).ms;
  const variants = [
    ['decryptObject: file -> temp file (the fixture path for large objects)', decrypt(fileSource(join(dir, 'object'), 'object', body.length))],
    ['decryptObject: memory -> temp file', decrypt(memorySource)],
    ['decryptObject: memory in 16 KiB chunks (as an S3 body) -> temp file', decrypt(smallChunkSource)],
    ['decryptObject: memory -> memory (the path for objects <= 64 MiB)', decrypt(memorySource, { spillAbove: Number.POSITIVE_INFINITY })],
  ];

  // Warm-up: OpenSSL, the page cache, and memory the VM has not handed this process yet
  // (first-touch page faults make a first run several times slower here).
  await time(rawSync);
  await time(rawStreamed);
  await time(rawFileToFile);
  for (const [, run] of variants) await measure(run);
  // Each sample is paired with runs of both references just before it, and the ratios
  // taken per pair, so drift in the machine's speed (a shared VM) cancels out.
  const sample = () => ({ ms: [], cpuMs: [], mainMs: [], sync: [], streamed: [] });
  const references = { sync: sample(), streamed: sample() };
  const samples = variants.map(sample);
  const fileFloor = sample();
  const record = (into, m, sync, streamed) => {
    into.ms.push(m.ms);
    into.cpuMs.push(m.cpuMs);
    if (m.mainMs !== undefined) into.mainMs.push(m.mainMs);
    into.sync.push(sync / m.ms);
    into.streamed.push(streamed / m.ms);
  };
  for (let r = 0; r < runs; r++) {
    for (const [i, [, run]] of variants.entries()) {
      const sync = await measure(rawSync);
      const streamed = await measure(rawStreamed);
      const m = await measure(run);
      record(references.sync, sync, sync.ms, sync.ms);
      record(references.streamed, streamed, streamed.ms, streamed.ms);
      record(samples[i], m, sync.ms, streamed.ms);
      // The I/O reference runs beside the file path's sample, against the same pair of raw runs.
      if (i === 0) record(fileFloor, await measure(rawFileToFile), sync.ms, streamed.ms);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mib = bytes / (1 << 20);

  const rss = (mode) => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, '--dir', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
    return JSON.parse(r.stdout).peakRssMiB;
  };
  const idle = rss('idle');
  const file = rss('file');

  const tempNote = values['temp-dir'] ? `, temp files in ${values['temp-dir']}` : '';
  console.log(`CSE decrypt (V2, AES-256-GCM), ${mib} MiB object, ${runs} paired runs${tempNote} (Node ${process.version})\n`);
  console.log('| what | median ms | min..max ms | MiB/s | ratio to raw, sync | ratio to raw, streamed | CPU ms | main thread CPU ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const row = (what, s, sync, streamed) =>
    console.log(
      `| ${what} | ${median(s.ms).toFixed(0)} | ${Math.min(...s.ms).toFixed(0)}..${Math.max(...s.ms).toFixed(0)} | ${(mib / (median(s.ms) / 1000)).toFixed(0)} | ${sync} | ${streamed} | ` +
        `${median(s.cpuMs).toFixed(0)} | ${s.mainMs.length ? median(s.mainMs).toFixed(0) : 'n/a'} |`,
    );
  row('raw AES-256-GCM, sync loop (reference)', references.sync, '1.00', '');
  row('raw AES-256-GCM, streamed (reference)', references.streamed, '', '1.00');
  const ratios = (s) => [median(s.sync).toFixed(2), median(s.streamed).toFixed(2)];
  row('raw AES-256-GCM, file -> temp file (not a target reference: the file path\'s I/O alone)', fileFloor, ...ratios(fileFloor));
  for (const [i, [what]] of variants.entries()) row(what, samples[i], ...ratios(samples[i]));
  console.log(`\npeak RSS: ${file.toFixed(0)} MiB decrypting the ${values.mib} MiB object from disk (file -> temp file), ${idle.toFixed(0)} MiB for the same process without decrypting`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
