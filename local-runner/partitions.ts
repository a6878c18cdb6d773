/**
 * Hive-style partitions of a fixture tree: the `key=value` folders between a table's
 * location and its files. Used to compile a table's partitions to BatchCreatePartition
 * inputs (`gluekit compile --fixtures`) and by `gluekit catalog infer`, which finds the
 * partition keys the way a crawler does.
 */
import { Utf8 } from 'apache-arrow';
import type { ResolvedTable } from '../catalog/table.js';
import { formatGlueType, t } from '../catalog/types.js';
import { castColumn } from '../kernels/cast.js';
import { stringData } from '../kernels/columns.js';
import { ANSI } from '../kernels/context.js';
import type { ObjectStore } from './stores/store.js';

export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** The `key=value` folders of a key relative to a table's location, in order, values unescaped (%XX) as Hive writes them. */
export function partitionFolders(relativeKey: string): { key: string; value: string }[] {
  const segments = relativeKey.split('/').slice(0, -1);
  const out: { key: string; value: string }[] = [];
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    if (eq <= 0) continue;
    out.push({ key: unescapePathName(segment.slice(0, eq)), value: unescapePathName(segment.slice(eq + 1)) });
  }
  return out;
}

/** Hive's FileUtils.unescapePathName: %XX sequences become their character; anything else stays. */
export function unescapePathName(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The partitions of a table in a store: each distinct list of values, in partition-key
 * order (null for Hive's default partition), checked against the keys' types. A file
 * outside the `k1=v/k2=v/` layout, or a value that does not cast to its key's type, is
 * an error naming the file.
 */
export async function findPartitions(table: ResolvedTable, store: ObjectStore): Promise<(string | null)[][]> {
  if (table.partitionKeys.length === 0) return [];
  const location = new URL(table.location);
  const bucket = location.host;
  const prefix = location.pathname.slice(1);
  const objects = await store.list(bucket, prefix);
  const seen = new Map<string, (string | null)[]>();
  const names = table.partitionKeys.map((k) => k.name);
  for (const object of objects) {
    const folders = partitionFolders(object.key.slice(prefix.length));
    if (folders.length !== names.length || folders.some((f, i) => f.key !== names[i])) {
      throw new Error(`${store.describe(bucket, object.key)}: not in a ${names.map((n) => `${n}=<value>`).join('/')}/ folder, as table ${table.database}.${table.name} is partitioned`);
    }
    const values = folders.map((f) => (f.value === HIVE_DEFAULT_PARTITION ? null : f.value));
    values.forEach((value, i) => {
      const key = table.partitionKeys[i]!;
      if (value === null) return;
      try {
        const cast = castColumn(stringData(new Utf8(), [value]), t.string(), key.type, ANSI);
        if (cast.nullCount > 0) throw new Error('not a value of that type');
      } catch (e) {
        throw new Error(`${store.describe(bucket, object.key)}: partition folder ${key.name}=${value} does not hold a ${formatGlueType(key.type)} (${(e as Error).message.split('\n')[0]})`);
      }
    });
    seen.set(JSON.stringify(values), values);
  }
  return [...seen.values()];
}
