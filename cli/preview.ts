/** `gluekit preview <file> [--limit N] [--json]`: a data file's schema and first rows. */
import { formatGlueType } from '../catalog/types.js';
import { previewFile } from '../local-runner/preview.js';
import { UsageError, type ParsedArgs } from './main.js';

export async function previewCommand(args: ParsedArgs): Promise<number> {
  if (args.files.length !== 1) throw new UsageError('preview takes one file');
  const limitText = args.values.limit ?? '20';
  const limit = Number(limitText);
  if (typeof limitText !== 'string' || !Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit takes a whole number, got "${String(limitText)}"`);
  const preview = await previewFile(args.files[0]!, limit);
  if (args.json) {
    const schema = preview.schema.map((f) => ({ name: f.name, type: formatGlueType(f.type), nullable: f.nullable }));
    console.log(JSON.stringify({ file: preview.file, format: preview.format, schema, unsupported: preview.unsupported, rows: preview.rows }, null, 2));
    return refuseUnsupported(preview);
  }
  console.log(`${preview.file} (${preview.format})`);
  for (const f of preview.schema) console.log(`  ${f.name}: ${formatGlueType(f.type)}${f.nullable ? '' : ' not null'}`);
  for (const u of preview.unsupported) console.log(`  ${u.column}: (unsupported)`);
  console.log('');
  console.log(table(preview.schema.map((f) => f.name), preview.rows.map((r) => preview.schema.map((f) => cell(r[f.name])))));
  console.log(`(${preview.rows.length} row${preview.rows.length === 1 ? '' : 's'} shown)`);
  return refuseUnsupported(preview);
}

/**
 * A file with a column gluekit cannot read is refused (exit 1), with one line per column,
 * even though the readable columns were shown: a job reading that file would fail too.
 */
function refuseUnsupported(preview: Awaited<ReturnType<typeof previewFile>>): number {
  for (const u of preview.unsupported) console.error(`unsupported: ${u.reason} in ${preview.file}, column ${u.column}`);
  return preview.unsupported.length > 0 ? 1 : 0;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
