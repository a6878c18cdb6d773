/**
 * Job-level settings: checked against Glue's rules for the chosen Glue version, and
 * normalised with every default filled in, so the compiler never guesses.
 */
import { describe } from '../catalog/schema.js';
import { checkRoleArn, parseS3Url } from '../core/aws-names.js';
import { suggest } from '../core/did-you-mean.js';
import type { ProblemList, Reporter } from '../core/problems.js';
import type { GlueVersion, JobDefinition, WorkerType } from './define.js';

export interface JobSettings {
  readonly name: string;
  readonly description?: string;
  readonly role: string;
  readonly account: string;
  readonly partition: string;
  readonly region: string;
  readonly glueVersion: GlueVersion;
  readonly workerType: WorkerType;
  readonly numberOfWorkers: number;
  readonly timeoutMinutes: number;
  readonly maxRetries: number;
  readonly maxConcurrentRuns: number;
  readonly executionClass: 'STANDARD' | 'FLEX';
  readonly bookmarks: 'enable' | 'disable' | 'pause';
  readonly tempDir: string;
  readonly scriptLocation: string;
  readonly arguments: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly studioDag: boolean;
}

export const GLUE_VERSIONS: readonly GlueVersion[] = ['4.0', '5.0', '6.0'];
export const DEFAULT_GLUE_VERSION: GlueVersion = '6.0';
const WORKER_TYPES: readonly WorkerType[] = ['G.1X', 'G.2X', 'G.4X', 'G.8X', 'G.12X', 'G.16X', 'R.1X', 'R.2X', 'R.4X', 'R.8X'];
/** Worker types that exist but not for Spark ETL jobs, with the reason. */
const FOREIGN_WORKER_TYPES: Record<string, string> = {
  'G.025X': 'G.025X is for Glue streaming jobs only',
  'Z.2X': 'Z.2X is for Ray jobs only',
  Standard: 'Standard workers belong to Glue 1.0 and earlier',
};
const FLEX_WORKER_TYPES: readonly WorkerType[] = ['G.1X', 'G.2X'];

/** Arguments Glue reserves ("internal to AWS Glue, do not set"). */
const RESERVED_ARGUMENTS = ['--JOB_NAME', '--debug', '--mode', '--endpoint'];
/** Arguments gluekit sets from typed fields; setting them by hand would fight the definition. */
const MANAGED_ARGUMENTS: Record<string, string> = {
  '--job-language': 'gluekit always generates a Python script',
  '--TempDir': 'set the tempDir field',
  '--job-bookmark-option': 'set the bookmarks field',
  '--enable-metrics': 'gluekit always enables metrics',
  '--enable-continuous-cloudwatch-log': 'gluekit enables continuous logging where the Glue version has the switch',
  '--scriptLocation': 'set the scriptLocation field',
  '--encryption-type': 'set security.s3 (SSE-KMS through the security configuration)',
};
const JOB_NAME = /^[A-Za-z0-9_.-]{1,255}$/;
export const MANAGEMENT_TAG = 'gluekit:managed';

function integer(value: unknown, min: number, max: number, fallback: number, at: Reporter, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    at.error(`${what} must be a whole number from ${min} to ${max}, got ${describe(value)}`);
    return fallback;
  }
  return value;
}

export function resolveSettings(def: JobDefinition, problems: ProblemList): JobSettings | undefined {
  const at = (field: string) => problems.at(field);
  const before = problems.errorCount;

  const name = def.name;
  if (typeof name !== 'string' || !JOB_NAME.test(name))
    at('name').error(`invalid job name ${describe(name)}`, 'use 1-255 letters, digits, "-", "_" or "."');
  if (def.description !== undefined && (typeof def.description !== 'string' || def.description.length > 2048))
    at('description').error('description must be a string of at most 2048 characters');

  const role = checkRoleArn(def.role);
  if (role.reason) at('role').error(role.reason, role.hint);

  const region = def.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(region))
    at('region').error(`invalid AWS region ${describe(region)}`, 'for example "us-east-1" or "eu-west-1"');

  const glueVersion = def.glueVersion ?? DEFAULT_GLUE_VERSION;
  if (!GLUE_VERSIONS.includes(glueVersion))
    at('glueVersion').error(`unsupported Glue version ${describe(glueVersion)}`, `one of ${GLUE_VERSIONS.map((v) => `"${v}"`).join(', ')}`);

  const workers = def.workers ?? { type: 'G.1X', count: 2 };
  let workerType: WorkerType = 'G.1X';
  if (!workers || typeof workers !== 'object') {
    at('workers').error(`expected { type, count }, got ${describe(workers)}`);
  } else if (typeof workers.type === 'string' && FOREIGN_WORKER_TYPES[workers.type]) {
    at('workers.type').error(`${FOREIGN_WORKER_TYPES[workers.type]}, not Spark ETL jobs`, `one of ${WORKER_TYPES.join(', ')}`);
  } else if (!WORKER_TYPES.includes(workers.type)) {
    at('workers.type').error(`unknown worker type ${describe(workers.type)}`, suggest(String(workers.type), WORKER_TYPES, 'worker type'));
  } else {
    workerType = workers.type;
  }
  const numberOfWorkers = integer(workers?.count, 2, 1000, 2, at('workers.count'), 'workers.count');

  const timeoutMinutes = integer(def.timeoutMinutes, 1, 10080, 2880, at('timeoutMinutes'), 'timeoutMinutes');
  const maxRetries = integer(def.maxRetries, 0, 10, 0, at('maxRetries'), 'maxRetries');
  const maxConcurrentRuns = integer(def.maxConcurrentRuns, 1, 1000, 1, at('maxConcurrentRuns'), 'maxConcurrentRuns');

  const executionClass = def.executionClass ?? 'STANDARD';
  if (executionClass !== 'STANDARD' && executionClass !== 'FLEX') {
    at('executionClass').error(`unknown execution class ${describe(executionClass)}`, 'one of "STANDARD", "FLEX"');
  } else if (executionClass === 'FLEX' && !FLEX_WORKER_TYPES.includes(workerType)) {
    at('executionClass').error(`FLEX runs only on G.1X or G.2X workers, not ${workerType}`, 'choose a smaller worker type or STANDARD');
  }

  const bookmarks = def.bookmarks ?? 'disable';
  if (!['enable', 'disable', 'pause'].includes(bookmarks))
    at('bookmarks').error(`unknown bookmarks option ${describe(bookmarks)}`, 'one of "enable", "disable", "pause"');

  const account = role.arn?.account ?? '000000000000';
  const partition = role.arn?.partition ?? 'aws';
  const assets = `s3://aws-glue-assets-${account}-${region}`;
  const tempDir = def.tempDir ?? `${assets}/temporary/`;
  checkFolder(tempDir, at('tempDir'));
  const scriptLocation = def.scriptLocation ?? `${assets}/scripts/${name}.py`;
  const script = parseS3Url(scriptLocation);
  if (script.reason) at('scriptLocation').error(script.reason);
  else if (!scriptLocation.endsWith('.py')) at('scriptLocation').error(`"${scriptLocation}" must name a .py object`);

  const studioDag = def.studioDag ?? true;
  if (typeof studioDag !== 'boolean') at('studioDag').error(`expected true or false, got ${describe(studioDag)}`);

  const args = resolveArguments(def.arguments, at('arguments'));
  const tags = resolveTags(def.tags, at('tags'));

  if (problems.errorCount > before) return undefined;
  return Object.freeze({
    name,
    ...(def.description !== undefined && { description: def.description }),
    role: def.role,
    account,
    partition,
    region,
    glueVersion,
    workerType,
    numberOfWorkers,
    timeoutMinutes,
    maxRetries,
    maxConcurrentRuns,
    executionClass,
    bookmarks,
    tempDir,
    scriptLocation,
    arguments: args,
    tags,
    studioDag,
  });
}

function checkFolder(path: unknown, at: Reporter): void {
  const url = parseS3Url(path);
  if (url.reason) at.error(url.reason);
  else if (!(path as string).endsWith('/')) at.error(`"${path}" must be a folder (end with "/")`);
}

function resolveArguments(value: unknown, at: Reporter): Readonly<Record<string, string>> {
  if (value === undefined) return Object.freeze({});
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    at.error(`expected an object of "--key": "value" pairs, got ${describe(value)}`);
    return Object.freeze({});
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    const keyAt = at.child(key);
    if (!/^--[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(key)) {
      keyAt.error(`argument names start with "--" followed by letters, digits, "-", "_" or ".", got "${key}"`);
    } else if (RESERVED_ARGUMENTS.some((r) => r.toLowerCase() === key.toLowerCase())) {
      keyAt.error(`"${key}" is reserved by AWS Glue ("internal to AWS Glue, do not set")`);
    } else if (MANAGED_ARGUMENTS[key]) {
      keyAt.error(`"${key}" is set by gluekit`, MANAGED_ARGUMENTS[key]);
    } else if (key.startsWith('--gluekit_')) {
      keyAt.error(`"${key}": the --gluekit_ prefix is reserved for gluekit's own arguments`);
    } else if (typeof v !== 'string') {
      keyAt.error(`argument values are strings, got ${describe(v)}`, 'Glue passes every argument as a string');
    } else {
      out[key] = v;
    }
  }
  return Object.freeze(out);
}

function resolveTags(value: unknown, at: Reporter): Readonly<Record<string, string>> {
  if (value === undefined) return Object.freeze({});
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    at.error(`expected an object of tag key: value pairs, got ${describe(value)}`);
    return Object.freeze({});
  }
  const entries = Object.entries(value);
  if (entries.length > 49)
    at.error(`${entries.length} tags; Glue allows 50 per resource and gluekit adds "${MANAGEMENT_TAG}", so at most 49`);
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    const keyAt = at.child(key);
    if (key.length < 1 || key.length > 128) keyAt.error(`tag keys are 1-128 characters, "${key}" has ${key.length}`);
    else if (/^aws:/i.test(key)) keyAt.error(`tag key "${key}": the aws: prefix is reserved by AWS`);
    else if (key === MANAGEMENT_TAG) keyAt.error(`tag "${MANAGEMENT_TAG}" is set by gluekit`);
    else if (typeof v !== 'string' || v.length > 256) keyAt.error(`tag values are strings of at most 256 characters, got ${describe(v)}`);
    else out[key] = v;
  }
  return Object.freeze(out);
}

