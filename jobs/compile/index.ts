/**
 * The Glue compiler: the job IR in, the files Glue needs out. Output is a pure function
 * of the IR (no clocks, no randomness, stable key order), so compiling twice gives
 * byte-identical files.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { jsonText } from '../../core/stable-json.js';
import type { JobIR } from '../ir.js';
import type { CatalogSourceNode } from '../nodes/sources.js';
import { compileCatalog, compilePartitions } from './catalog.js';
import { compileJobInput, compileSecurityConfiguration } from './glue-job.js';
import { compileIamPolicy } from './iam-policy.js';
import { compileMermaid } from './mermaid.js';
import { compileScript } from './script.js';

export interface CompiledJob {
  readonly name: string;
  /** File name (relative to the job's folder) to content. */
  readonly files: Readonly<Record<string, string>>;
}

export interface CompileOptions {
  /**
   * Partitions found for the job's catalog tables (`<db>.<table>` to each partition's
   * values in key order), compiled to BatchCreatePartition inputs. The CLI finds them in
   * a fixture tree (`gluekit compile --fixtures DIR`).
   */
  readonly partitions?: ReadonlyMap<string, readonly (readonly (string | null)[])[]>;
}

export function compileJob(ir: JobIR, options: CompileOptions = {}): CompiledJob {
  const securityConfiguration = compileSecurityConfiguration(ir);
  const files: Record<string, string> = {
    'job.json': jsonText(compileJobInput(ir)),
    ...(securityConfiguration && { 'security-configuration.json': jsonText(securityConfiguration) }),
    'script.py': compileScript(ir),
    'iam-policy.json': jsonText(compileIamPolicy(ir)),
    'graph.mmd': compileMermaid(ir),
  };
  // catalog/: one CreateDatabase input per database, one CreateTable input per table, and
  // BatchCreatePartition inputs (at most 100 partitions each) where partitions were given.
  const catalog = compileCatalog(ir);
  for (const d of catalog.databases) files[`catalog/${d.name}.database.json`] = jsonText(d.input);
  for (const t of catalog.tables) files[`catalog/${t.database}.${t.name}.table.json`] = jsonText(t.input);
  for (const t of catalog.tables) {
    const found = options.partitions?.get(`${t.database}.${t.name}`);
    const source = ir.nodes.find((n): n is CatalogSourceNode => n.role === 'source' && n.kind === 'CatalogSource' && n.table.database === t.database && n.table.name === t.name);
    if (!found || found.length === 0 || !source) continue;
    const requests = compilePartitions(source.table, found);
    requests.forEach((request, i) => {
      files[`catalog/${t.database}.${t.name}.partitions${requests.length > 1 ? `-${i + 1}` : ''}.json`] = jsonText(request);
    });
  }
  return Object.freeze({ name: ir.settings.name, files: Object.freeze(files) });
}

/**
 * Writes `<outDir>/<job-name>/` whole or not at all: the files go into a temporary
 * sibling folder, which replaces the old folder only once every file is written.
 */
export async function writeCompiledJob(outDir: string, compiled: CompiledJob): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const target = join(outDir, compiled.name);
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const temp = join(outDir, `.${compiled.name}.tmp-${suffix}`);
  const old = join(outDir, `.${compiled.name}.old-${suffix}`);
  let movedOld = false;
  try {
    await mkdir(temp);
    for (const [name, content] of Object.entries(compiled.files)) {
      await mkdir(dirname(join(temp, name)), { recursive: true });
      await writeFile(join(temp, name), content);
    }
    movedOld = await rename(target, old).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      },
    );
    await rename(temp, target);
  } catch (e) {
    if (movedOld) await rename(old, target).catch(() => undefined); // put the previous output back
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
  if (movedOld) await rm(old, { recursive: true, force: true });
  return target;
}
