import { makeData, Int64 } from 'apache-arrow';
import { rowKeys } from '../kernels/keys.ts';
import { t } from '../catalog/types.ts';
const col = (vals: BigInt64Array) => makeData({ type: new Int64(), length: vals.length, nullCount: 0, data: vals } as never);
const right = new BigInt64Array(100_000); for (let i = 0; i < right.length; i++) right[i] = BigInt(i + 1);
const rk = rowKeys([col(right)], [t.bigint()], right.length).keys;
const first = new Map<unknown, number>(); for (let i = rk.length - 1; i >= 0; i--) first.set(rk[i], i);
const M = 560_000; const left = new BigInt64Array(M); let x = 12345; for (let i = 0; i < M; i++) { x = (x * 1103515245 + 12345) >>> 0; left[i] = BigInt(1 + (x % 105000)); }
for (let r = 0; r < 5; r++) {
  const s0 = performance.now();
  let hits = 0, keyMs = 0, probeMs = 0;
  for (let b = 0; b < M; b += 65536) {
    const n = Math.min(65536, M - b);
    const k0 = performance.now();
    const { keys, hasNull } = rowKeys([col(left.subarray(b, b + n))], [t.bigint()], n);
    const k1 = performance.now();
    for (let i = 0; i < n; i++) { const m = hasNull[i] === 1 ? -1 : first.get(keys[i]) ?? -1; if (m >= 0) hits++; }
    keyMs += k1 - k0; probeMs += performance.now() - k1;
  }
  console.log(`rowKeys ${keyMs.toFixed(1)} ms, probe ${probeMs.toFixed(1)} ms, total ${(performance.now() - s0).toFixed(1)} ms, hits ${hits}`);
}
// Same probes keyed by Number.
const firstN = new Map<number, number>(); for (let i = right.length - 1; i >= 0; i--) firstN.set(Number(right[i]), i);
for (let r = 0; r < 3; r++) { const s = performance.now(); let h = 0; const w = new Int32Array(left.buffer); for (let i = 0; i < M; i++) { const lo = w[2 * i]!; if (w[2 * i + 1] === lo >> 31 && (firstN.get(lo) ?? -1) >= 0) h++; } console.log(`number keys from int32 words: ${(performance.now() - s).toFixed(1)} ms, hits ${h}`); }
