/**
 * Runs a small test job on rows written in the test and checks what its sinks receive,
 * two ways:
 * - through runLocally, the public testing API;
 * - through the executor with every source's rows cut into batches of `batchRows` rows,
 *   each a slice of one batch. Stateful transforms must carry their state across batches,
 *   and apache-arrow slices keep bit offsets into shared buffers (columns.ts), so kernels
 *   that forget `data.offset` give wrong answers only here.
 */
import type { RecordBatch, Table } from 'apache-arrow';
import { defineJob, type JobDefinition, type JobProps } from '../../index.js';
import { buildJob } from '../../jobs/validate.js';
import { kernelContext, runJob } from '../../local-runner/executor.js';
import { FixtureStore } from '../../local-runner/stores/fixtures.js';
import { MemoryStaging } from '../../local-runner/stores/memory.js';
import { expectRows, rowsToBatches, runLocally, tableRows, type Row } from '../../local-runner/testing.js';

export type Inputs = Readonly<Record<string, readonly Row[]>>;

/** Checks that each sink in `expected` gets exactly those rows (in any order), both ways. */
export async function expectJobRows(job: JobDefinition, inputs: Inputs, expected: Readonly<Record<string, readonly Row[]>>, batchRows = 2): Promise<void> {
  const { outputs } = await runLocally(job, { inputs, batchRows });
  for (const [sink, rows] of Object.entries(expected)) await expectRows(outputs[sink], rows);
  const sliced = await runSliced(job, inputs, batchRows);
  for (const [sink, rows] of Object.entries(expected)) {
    await expectRows(sliced.get(sink), rows).catch((e: Error) => {
      throw new Error(`with inputs in batches of ${batchRows} rows: ${e.message}`);
    });
  }
}

/** A sink's rows in the order the job produced them, from inputs in batches of `batchRows` rows. */
export async function orderedRows(job: JobDefinition, inputs: Inputs, sink: string, batchRows = 2): Promise<unknown[]> {
  return tableRows((await runSliced(job, inputs, batchRows)).get(sink)!);
}

async function runSliced(job: JobDefinition, inputs: Inputs, batchRows: number): Promise<ReadonlyMap<string, Table>> {
  const ir = buildJob(job);
  const ctx = kernelContext(ir);
  const batches: Record<string, RecordBatch[]> = {};
  for (const [id, rows] of Object.entries(inputs)) {
    const node = ir.nodes.find((n) => n.id === id && n.role === 'source');
    if (!node) throw new Error(`inputs.${id}: the job has no source "${id}"`);
    const whole = await rowsToBatches(rows, node.schema, ctx, `inputs.${id}`);
    batches[id] = whole.flatMap((batch) => slices(batch, batchRows));
  }
  const result = await runJob(ir, { store: new FixtureStore('.'), staging: new MemoryStaging(), inputs: batches, collect: true });
  return result.outputs;
}

function slices(batch: RecordBatch, rows: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let start = 0; start < batch.numRows; start += rows) out.push(batch.slice(start, Math.min(start + rows, batch.numRows)));
  return out;
}

/** A job around the given nodes, with the settings every test job shares. */
export function testJob(nodes: Pick<JobProps, 'sources' | 'transforms' | 'sinks' | 'glueVersion'>): JobDefinition {
  return defineJob({
    name: 'local-test',
    role: 'arn:aws:iam::123456789012:role/GlueLocalTest',
    region: 'us-east-1',
    security: { allowUnencryptedSinks: true },
    ...nodes,
  });
}
