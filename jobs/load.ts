/**
 * Loads a job file (TypeScript or JavaScript) and returns its default export. TypeScript
 * is compiled on the fly by tsx (esbuild), registered by the CLI; see docs/loader.md for
 * why tsx and what it costs at start-up.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export class JobLoadError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'JobLoadError';
  }
}

export async function loadJobFile(file: string): Promise<unknown> {
  const absolute = resolve(file);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) throw new JobLoadError(file, 'no such file');
  if (!info.isFile()) throw new JobLoadError(file, 'not a file');
  if (!/\.(ts|mts|js|mjs)$/.test(absolute)) throw new JobLoadError(file, 'job files are .ts, .mts, .js or .mjs');
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(absolute).href);
  } catch (e) {
    throw new JobLoadError(file, describeLoadFailure(e));
  }
  if (!('default' in module)) {
    throw new JobLoadError(file, 'the file has no default export; end it with `export default defineJob({...})`');
  }
  return module.default;
}

/** One readable line from whatever a failed import threw (esbuild syntax errors included). */
function describeLoadFailure(e: unknown): string {
  if (!(e instanceof Error)) return `failed to load: ${String(e)}`;
  const first = e.message.split('\n').find((l) => l.trim() !== '') ?? e.message;
  if (e.name === 'TransformError' || /Transform failed|ERROR:/.test(e.message)) {
    return `syntax error: ${e.message.split('\n').filter((l) => /ERROR|error/.test(l)).join('; ') || first}`;
  }
  if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return `cannot load an import: ${first}`;
  return `failed while loading: ${e.name === 'Error' ? '' : `${e.name}: `}${first}`;
}
