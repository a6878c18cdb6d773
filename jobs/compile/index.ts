/**
 * The Glue compiler: the job IR in, the files Glue needs out. Output is a pure function
 * of the IR (no clocks, no randomness, stable key order), so compiling twice gives
 * byte-identical files.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonText } from '../../core/stable-json.js';
import type { JobIR } from '../ir.js';
import { compileJobInput, compileSecurityConfiguration } from './glue-job.js';
import { compileIamPolicy } from './iam-policy.js';
import { compileMermaid } from './mermaid.js';
import { compileScript } from './script.js';

export interface CompiledJob {
  readonly name: string;
  /** File name (relative to the job's folder) to content. */
  readonly files: Readonly<Record<string, string>>;
}

export function compileJob(ir: JobIR): CompiledJob {
  const securityConfiguration = compileSecurityConfiguration(ir);
  const files: Record<string, string> = {
    'job.json': jsonText(compileJobInput(ir)),
    ...(securityConfiguration && { 'security-configuration.json': jsonText(securityConfiguration) }),
    'script.py': compileScript(ir),
    'iam-policy.json': jsonText(compileIamPolicy(ir)),
    'graph.mmd': compileMermaid(ir),
  };
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
    for (const [name, content] of Object.entries(compiled.files)) await writeFile(join(temp, name), content);
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
