/**
 * gluekit's public API: what job files import, and what scripts and tests call.
 */
export { defineJob, type JobDefinition, type JobProps, type GlueVersion, type WorkerType, type SecurityProps } from './jobs/define.js';
export { s3Source, catalogSource, type S3SourceDefinition, type CatalogSourceDefinition, type CsvOptions } from './jobs/nodes/sources.js';
export { s3Sink, type S3SinkDefinition } from './jobs/nodes/sinks.js';
export { sseKms, cseKms } from './jobs/nodes/encryption.js';
export { defineDatabase, defineTable, type CsvSerdeOptions, type DatabaseDefinition, type DatabaseProps, type TableDefinition, type TableProps } from './catalog/table.js';
export type { RowOf } from './catalog/row-type.js';
export { t, type GlueType } from './catalog/types.js';
export type { Field, Schema, SchemaInput } from './catalog/schema.js';
export { col, lit, and, or, not, cast, coalesce, fn, Expr, type ExprLike, type ExprNode } from './expr/expr.js';
export {
  aggregate,
  applyMapping,
  dropDuplicates,
  dropFields,
  dropNullFields,
  fillMissingValues,
  filter,
  join,
  renameField,
  selectFields,
  sparkSql,
  union,
  type TransformDefinition,
} from './transforms/index.js';
export { validateJob, buildJob, type ValidationResult } from './jobs/validate.js';
export type { JobIR, NodeIR } from './jobs/ir.js';
export { compileJob, writeCompiledJob, type CompiledJob } from './jobs/compile/index.js';
export { compileCatalog, type CompiledCatalog } from './jobs/compile/catalog.js';
export { formatProblem, ValidationError, type Problem } from './core/problems.js';
export {
  plan,
  apply,
  DeployInputError,
  type DeployOptions,
  type DeployClients,
  type PlanResult,
  type ApplyResult,
  type PlannedResource,
  type AppliedResource,
  type FieldChange,
  type ResourceKind,
  type Action,
  type Outcome,
} from './deploy/index.js';
