/** `gluekit kms create-key --keystore FILE [--alias alias/x] [--arn ARN] [--test-keys]`. */
import { createKey } from '../local-runner/cse/keystore.js';
import { UsageError, type ParsedArgs } from './main.js';

export async function kmsCommand(sub: string | undefined, args: ParsedArgs): Promise<number> {
  if (sub !== 'create-key') throw new UsageError(`unknown kms command "${sub ?? ''}" (expected create-key)`);
  const keystore = args.values.keystore;
  if (typeof keystore !== 'string') throw new UsageError('kms create-key needs --keystore <file>');
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
