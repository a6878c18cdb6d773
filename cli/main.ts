/**
 * The gluekit command line. Each command returns its exit code: 0 success, 1 invalid
 * input or failure, 2 usage errors. Errors are one readable line each, never a stack
 * trace (set GLUEKIT_DEBUG=1 to see one).
 */
import { parseArgs } from 'node:util';

const USAGE = `gluekit: AWS Glue jobs as TypeScript, compiled and tested locally

Usage:
  gluekit validate <job.ts...> [--json]          check job definitions, write nothing
  gluekit compile <job.ts...> --out <dir> [--fixtures <dir>] [--json]
                                                 write <dir>/<job-name>/: job.json,
                                                 security-configuration.json, script.py,
                                                 iam-policy.json, graph.mmd, catalog/
                                                 (CreateDatabase and CreateTable inputs;
                                                 with --fixtures, BatchCreatePartition
                                                 inputs for the partitions found there)
  gluekit run <job.ts> [--fixtures <dir> | --s3] [--out <dir>] [--keystore <file> | --kms] [--json]
                                                 run the job locally: sources from the
                                                 fixtures dir (default: fixtures/ beside
                                                 the job), sinks and run-report.json into
                                                 --out (default: out/<job-name>/run/);
                                                 --s3: sources and sinks on the S3
                                                 endpoint the AWS SDK is configured for
                                                 (AWS_ENDPOINT_URL_S3, profile, region),
                                                 run-report.json still into --out;
                                                 CSE-KMS sources decrypt with the local
                                                 keystore, or with --kms through AWS KMS
                                                 (the SDK's configuration: profile, region,
                                                 AWS_ENDPOINT_URL_KMS); --allow-legacy-cse
                                                 for V1
  gluekit plan <job.ts...> [--prune] [--json] [--concurrency N]
                                                 what deploy would change in AWS, field
                                                 by field; exit 0 nothing, 2 changes
                                                 pending, 1 error
  gluekit deploy <job.ts...> [--dry-run] [--prune] [--json] [--concurrency N]
                                                 create or update the jobs' security
                                                 configurations, catalog databases and
                                                 tables, jobs, tags and scripts
                                                 (AWS SDK configuration: profile, region,
                                                 AWS_ENDPOINT_URL_GLUE/_S3/_KMS); --prune
                                                 deletes gluekit-managed jobs and security
                                                 configurations no longer defined
  gluekit preview <file> [--limit N] [--json]    schema and first rows of a Parquet,
                                                 Arrow, CSV or JSON Lines file
  gluekit kms create-key --keystore <file> [--alias alias/<name>] [--arn <key ARN>] [--test-keys]
                                                 add a key to a local keystore (mode 0600)
  gluekit kms serve --keystore <file> [--port P] the keystore as a KMS endpoint on
                                                 127.0.0.1 (default port 4599, 0: any free
                                                 one) until Ctrl-C; unauthenticated
  gluekit fixtures encrypt <in> <out> (--keystore <file> | --kms) --key-id <id|ARN|alias>
                  [--context k=v ...] [--instruction-file] [--committing]
                                                 write a CSE-KMS encrypted fixture (S3
                                                 Encryption Client V2, or V3 committing)
  gluekit fixtures decrypt <in> --out <file> --keystore <file> [--key-id K] [--context k=v ...]
                                                 verify and decrypt a CSE-KMS fixture
  gluekit fixtures inspect <in> [--json]         show its envelope (never a secret)
  gluekit fixtures rewrap <in> --key-id <new key> --keystore <file>
                                                 re-wrap its data key under another key
                                                 (key rotation; the body is untouched)
  gluekit catalog infer <folder|file|s3://...> [--name db.table] [--location s3://...]
                                                 infer a table from Parquet, CSV or JSON
                                                 files and their partition folders, as a
                                                 Glue crawler would; print defineTable
  gluekit help                                   this text

Exit codes: 0 ok, 1 invalid job or failure, 2 wrong usage; plan (and deploy
--dry-run): 0 nothing to change, 2 changes pending, 1 invalid job, error or wrong usage.`;

export class UsageError extends Error {}

// Each command's module is imported when the command runs: `gluekit validate` never loads
// Arrow, Parquet or DuckDB, and start-up stays small.

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate':
        return await (await import('./validate.js')).validateCommand(parse(rest, {}));
      case 'compile':
        return await (await import('./compile.js')).compileCommand(parse(rest, { out: { type: 'string' }, fixtures: { type: 'string' } }));
      case 'kms':
        return await (await import('./kms.js')).kmsCommand(
          rest[0],
          parse(rest.slice(1), { keystore: { type: 'string' }, alias: { type: 'string' }, arn: { type: 'string' }, 'test-keys': { type: 'boolean' }, port: { type: 'string' } }, 0),
        );
      case 'fixtures':
        return await (await import('./fixtures.js')).fixturesCommand(
          rest[0],
          parse(rest.slice(1), {
            keystore: { type: 'string' },
            kms: { type: 'boolean' },
            'key-id': { type: 'string' },
            context: { type: 'string', multiple: true },
            'instruction-file': { type: 'boolean' },
            committing: { type: 'boolean' },
            out: { type: 'string' },
            'allow-legacy-cse': { type: 'boolean' },
          }),
        );
      case 'plan':
        return await (await import('./plan.js')).planCommand(parse(rest, { prune: { type: 'boolean' }, concurrency: { type: 'string' } }));
      case 'deploy':
        return await (await import('./deploy.js')).deployCommand(
          parse(rest, { 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' }, concurrency: { type: 'string' } }),
        );
      case 'catalog':
        return await (await import('./catalog.js')).catalogCommand(rest[0], parse(rest.slice(1), { name: { type: 'string' }, location: { type: 'string' } }, 0));
      case 'preview':
        return await (await import('./preview.js')).previewCommand(parse(rest, { limit: { type: 'string' } }));
      case 'run':
        return await (await import('./run.js')).runCommand(
          parse(rest, { fixtures: { type: 'string' }, out: { type: 'string' }, keystore: { type: 'string' }, kms: { type: 'boolean' }, 'allow-legacy-cse': { type: 'boolean' }, s3: { type: 'boolean' } }),
        );
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`gluekit: ${e.message}\n\n${USAGE}`);
      // For plan and deploy, 2 means "changes pending": a CI gate must not read a typo as that.
      return command === 'plan' || command === 'deploy' ? 1 : 2;
    }
    if (process.env.GLUEKIT_DEBUG) console.error(e);
    else console.error(`gluekit: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}

export interface ParsedArgs {
  readonly files: string[];
  readonly json: boolean;
  readonly values: Record<string, string | boolean | undefined>;
}

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>, minFiles = 1): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, ...options },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length < minFiles) throw new UsageError('name at least one file');
    return { files: positionals, json: values.json === true, values: values as ParsedArgs['values'] };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}
