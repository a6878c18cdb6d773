import { loadJobFile } from '../jobs/load.ts';
import { buildJob } from '../jobs/validate.ts';
import { runJob } from '../local-runner/executor.ts';
import { DirectoryStaging, FixtureStore } from '../local-runner/stores/fixtures.ts';
const dir = process.argv[2];
const jobs = { full: buildJob(await loadJobFile('bench/jobs/orders-pipeline.ts')), pruned: buildJob(await loadJobFile('bench/jobs/zz-pruned.ts')) };
const best = { full: [], pruned: [] };
let n = 0;
for (let r = 0; r < 4; r++) for (const [k, ir] of Object.entries(jobs)) {
  const res = await runJob(ir, { store: new FixtureStore(`${dir}/fixtures`), staging: new DirectoryStaging(`${dir}/scratch-${n++}`, 'x') });
  best[k].push(res);
}
for (const [k, list] of Object.entries(best)) {
  const b = list.slice(1).sort((a, b) => a.ms - b.ms)[0];
  console.log(k, b.ms.toFixed(0), b.nodes.map((x) => `${x.id}=${x.ms.toFixed(0)}`).join(' '));
}
