/**
 * One meaning per catalog name within a job: every node that names a table
 * `<db>.<table>` (catalog sources, and sinks registering their output) must mean the same
 * table, and every table naming a database with defineDatabase the same database.
 * Checked after the nodes resolve, so the compiled catalog (jobs/compile/catalog.ts) has
 * exactly one CreateTable input per table and one CreateDatabase input per database.
 */
import type { ResolvedDatabase, ResolvedTable } from '../catalog/table.js';
import { joinPath, type ProblemList } from '../core/problems.js';
import type { JobIR } from './ir.js';
import { matchesTable } from './nodes/sinks.js';

const same = (a: ResolvedTable | ResolvedDatabase, b: ResolvedTable | ResolvedDatabase) => JSON.stringify(a) === JSON.stringify(b);

export function checkCatalogConsistency(ir: JobIR, problems: ProblemList): void {
  const tables = new Map<string, { table: ResolvedTable; id: string }>();
  const databases = new Map<string, { database: ResolvedDatabase; id: string }>();
  const define = (table: ResolvedTable, id: string, path: string) => {
    const key = `${table.database}.${table.name}`;
    const seen = tables.get(key);
    if (seen && !same(seen.table, table)) {
      problems.error(path, `table ${key} is defined differently by node "${seen.id}"`, 'define the table once (defineTable) and use it in both places', id);
    } else if (!seen) tables.set(key, { table, id });
    const database = table.databaseDefinition;
    if (!database) return;
    const known = databases.get(database.name);
    if (known && !same(known.database, database)) {
      problems.error(joinPath(path, 'database'), `database ${database.name} is defined differently by node "${known.id}"`, 'define the database once (defineDatabase) and use it in both places', id);
    } else if (!known) databases.set(database.name, { database, id });
  };
  for (const node of ir.nodes) {
    if (node.role === 'source' && node.kind === 'CatalogSource') define(node.table, node.id, joinPath(joinPath('sources', node.id), 'table'));
  }
  for (const node of ir.nodes) {
    if (node.role !== 'sink' || !node.catalog) continue;
    const path = joinPath(joinPath('sinks', node.id), 'catalog');
    if (node.catalog.definition) {
      define(node.catalog.definition, node.id, joinPath(path, 'table'));
      continue;
    }
    // A sink naming a table the job defines elsewhere must write what that definition describes.
    const defined = tables.get(`${node.catalog.database}.${node.catalog.table}`);
    if (defined) matchesTable(defined.table, node, problems.at(path, node.id));
  }
}
