/**
 * `gluekit kms create-key --keystore FILE [--alias alias/x] [--arn ARN] [--test-keys]`
 * `gluekit kms serve --keystore FILE [--port P]`: the keystore as a KMS endpoint on
 * 127.0.0.1 (local-runner/cse/kms-server.ts) until SIGINT or SIGTERM.
 */
import type { AwsKmsKeyProvider } from '../local-runner/cse/aws-kms.js';
import { createKey } from '../local-runner/cse/keystore.js';
import { startKmsServer } from '../local-runner/cse/kms-server.js';
import { UsageError, type ParsedArgs } from './main.js';

/** The port `kms serve` listens on unless told otherwise. */
const DEFAULT_PORT = 4599;

export async function kmsCommand(sub: string | undefined, args: ParsedArgs): Promise<number> {
  if (sub === 'serve') return serve(args);
  if (sub !== 'create-key') throw new UsageError(`unknown kms command "${sub ?? ''}" (expected create-key or serve)`);
  const keystore = args.values.keystore;
  if (typeof keystore !== 'string') throw new UsageError('kms create-key needs --keystore <file>');
  if (args.values.port !== undefined) throw new UsageError('--port belongs to kms serve, not kms create-key');
  const key = await createKey(keystore, {
    ...(typeof args.values.alias === 'string' && { alias: args.values.alias }),
    ...(typeof args.values.arn === 'string' && { arn: args.values.arn }),
    ...(args.values['test-keys'] === true && { testKeys: true }),
  });
  // The key id, ARN and aliases only: key material never leaves the keystore file.
  if (args.json) console.log(JSON.stringify(key, null, 2));
  else console.log(`created key ${key.keyId}${key.arn ? ` (${key.arn})` : ''}${key.aliases.length ? ` alias ${key.aliases.join(', ')}` : ''} in ${keystore}`);
  return 0;
}

async function serve(args: ParsedArgs): Promise<number> {
  const keystore = args.values.keystore;
  if (typeof keystore !== 'string') throw new UsageError('kms serve needs --keystore <file>');
  for (const option of ['alias', 'arn', 'test-keys']) {
    if (args.values[option] !== undefined) throw new UsageError(`--${option} belongs to kms create-key, not kms serve`);
  }
  let port = DEFAULT_PORT;
  if (args.values.port !== undefined) {
    const text = String(args.values.port);
    port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port takes 0..65535 (0 picks a free port), got "${text}"`);
  }

  const server = await startKmsServer({
    keystore,
    port,
    // Operation, status and exception only: requests and responses hold plaintexts and data keys.
    onRequest: (r) => console.error(`${new Date().toISOString()} ${r.operation} ${r.status}${r.error ? ` ${r.error}` : ''}`),
  });
  if (args.json) {
    console.log(JSON.stringify({ endpoint: server.url, port: server.port, keystore, keys: server.keyCount }));
  } else {
    console.log(`KMS endpoint: ${server.url}`);
    console.log(`keystore ${keystore}: ${server.keyCount} key${server.keyCount === 1 ? '' : 's'}; requests are not authenticated (local test endpoint, 127.0.0.1 only)`);
    console.log(`use it with: AWS_ENDPOINT_URL_KMS=${server.url}, or aws --endpoint-url ${server.url} kms ...`);
    console.log('Ctrl-C stops it');
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(s);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  console.error(`KMS endpoint stopped (${signal})`);
  return 0;
}

/**
 * AWS KMS through the SDK's standard configuration, for `--kms`: the keys option of
 * `run` and `fixtures encrypt`. The SDK is loaded only then, so other commands start as
 * fast as before. Close the provider when done.
 */
export async function awsKmsKeys(): Promise<AwsKmsKeyProvider> {
  const { AwsKmsKeyProvider } = await import('../local-runner/cse/aws-kms.js');
  return new AwsKmsKeyProvider();
}

/** The usage error for a command given both --keystore and --kms. */
export function checkKeySource(args: ParsedArgs): void {
  if (args.values.kms === true && args.values.keystore !== undefined) {
    throw new UsageError('--keystore and --kms both say where keys come from: give one');
  }
}
