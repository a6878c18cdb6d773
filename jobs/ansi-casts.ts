/**
 * Casts Spark refuses before running when ANSI mode is on (Glue 6.0): boolean to
 * timestamp, date or timestamp to boolean, integers to binary, and nested types holding
 * such a cast. On Glue 4.0 and 5.0 they run (and give what Spark's legacy rules give), so
 * this check applies to 6.0 jobs only, and reports each at the field that asks for it.
 */
import { resolveType, type Schema } from '../catalog/schema.js';
import { formatGlueType, typesEqual } from '../catalog/types.js';
import { ProblemList, type Reporter } from '../core/problems.js';
import { joinPath } from '../core/problems.js';
import type { ExprNode } from '../expr/expr.js';
import { checkExpr } from '../expr/typecheck.js';
import { ansiCastRefusal } from '../kernels/cast.js';
import type { ApplyMappingOptions } from '../transforms/apply-mapping.js';
import type { FilterOptions } from '../transforms/filter.js';
import type { JobIR } from './ir.js';

export function checkAnsiCasts(ir: JobIR, problems: ProblemList): void {
  if (ir.settings.glueVersion !== '6.0') return;
  const schemaOf = (id: string) => ir.nodes.find((n) => n.id === id)!.schema;
  for (const node of ir.nodes) {
    if (node.role !== 'transform') continue;
    const at = problems.at(joinPath('transforms', node.id), node.id);
    if (node.kind === 'ApplyMapping') {
      (node.options as ApplyMappingOptions).mappings.forEach((m, i) => {
        if (typesEqual(m.fromType, m.toType)) return;
        const refused = ansiCastRefusal(m.fromType, m.toType);
        if (refused) report(at.child('mappings').child(i).child('type'), refused, m.fromType, m.toType);
      });
    } else if (node.kind === 'Filter') {
      walk((node.options as FilterOptions).where, at.child('where'), schemaOf(node.inputs[0]!));
    }
  }
}

function walk(e: ExprNode, at: Reporter, schema: Schema): void {
  if (e.kind === 'cast') {
    const from = checkExpr(e.arg, { schema, inputLabel: 'input' }, new ProblemList().at(''));
    const to = resolveType(e.to, new ProblemList().at(''));
    const refused = from && to && ansiCastRefusal(from, to);
    if (refused) report(at, refused, from!, to!);
  }
  for (const [key, value] of Object.entries(e)) {
    if (Array.isArray(value)) value.forEach((v, i) => isNode(v) && walk(v, at.child(key).child(i), schema));
    else if (isNode(value)) walk(value, at.child(key), schema);
  }
}

function isNode(value: unknown): value is ExprNode {
  return !!value && typeof value === 'object' && typeof (value as { kind?: unknown }).kind === 'string';
}

function report(at: Reporter, errorClass: string, from: Parameters<typeof formatGlueType>[0], to: Parameters<typeof formatGlueType>[0]): void {
  at.error(
    `Glue 6.0 runs Spark with ANSI mode on, which refuses CAST(${formatGlueType(from)} AS ${formatGlueType(to)}) before running [${errorClass}]`,
    'cast through another type (e.g. a date to string, then compare), or use Glue 5.0',
  );
}
