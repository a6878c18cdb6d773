import { Utf8, Float64 } from 'apache-arrow';
import { castColumn } from '../kernels/cast.js';
import { stringData, fixedData } from '../kernels/columns.js';
import { ANSI, NON_ANSI } from '../kernels/context.js';
import { t, type GlueType } from '../catalog/types.js';
const rows = 1_000_000;
let seed = 1; const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const ints = stringData(new Utf8(), Array.from({ length: rows }, () => String(Math.floor((rnd() - 0.5) * 2e9))));
const amounts = stringData(new Utf8(), Array.from({ length: rows }, () => `${Math.floor(rnd() * 1e7)}.${String(Math.floor(rnd() * 100)).padStart(2, '0')}`));
const doubles = fixedData(new Float64(), Float64Array.from({ length: rows }, () => (rnd() - 0.5) * 1e6), rows);
const cases: [string, any, GlueType, GlueType][] = [
  ['string → int', ints, t.string(), t.int()],
  ['string → decimal(12,2)', amounts, t.string(), t.decimal(12, 2)],
  ['string → double', amounts, t.string(), t.double()],
  ['double → string', doubles, t.double(), t.string()],
  ['double → decimal(12,2)', doubles, t.double(), t.decimal(12, 2)],
];
for (const [name, data, from, to] of cases) {
  for (const ctx of (process.env.ORDER === "ansi-first" ? [ANSI, NON_ANSI] : [NON_ANSI, ANSI])) {
    const times: number[] = [];
    for (let k = 0; k < 6; k++) { const s = performance.now(); castColumn(data, from, to, ctx); times.push(performance.now() - s); }
    times.shift(); times.sort((a, b) => a - b);
    console.log(`${name} (${ctx.ansi ? 'ANSI' : 'non-ANSI'}): median ${times[2]!.toFixed(0)} ms / 1M rows`);
  }
}
