/** Every transform, by kind. Adding a transform means adding its file and one line here. */
import { Aggregate, type AggregateDefinition } from './aggregate.js';
import { ApplyMapping, type ApplyMappingDefinition } from './apply-mapping.js';
import { DropDuplicates, type DropDuplicatesDefinition } from './drop-duplicates.js';
import { DropFields, type DropFieldsDefinition } from './drop-fields.js';
import { DropNullFields, type DropNullFieldsDefinition } from './drop-null-fields.js';
import { FillMissingValues, type FillMissingValuesDefinition } from './fill-missing-values.js';
import { Filter, type FilterDefinition } from './filter.js';
import { Join, type JoinDefinition } from './join.js';
import { RenameField, type RenameFieldDefinition } from './rename-field.js';
import { SelectFields, type SelectFieldsDefinition } from './select-fields.js';
import { SparkSql, type SparkSqlDefinition } from './spark-sql.js';
import type { TransformSpec } from './transform.js';
import { Union, type UnionDefinition } from './union.js';

export type TransformDefinition =
  | ApplyMappingDefinition
  | SelectFieldsDefinition
  | DropFieldsDefinition
  | RenameFieldDefinition
  | FilterDefinition
  | JoinDefinition
  | UnionDefinition
  | DropNullFieldsDefinition
  | DropDuplicatesDefinition
  | FillMissingValuesDefinition
  | AggregateDefinition
  | SparkSqlDefinition;

export const TRANSFORMS: Readonly<Record<TransformDefinition['kind'], TransformSpec<never, never>>> = Object.freeze({
  ApplyMapping,
  SelectFields,
  DropFields,
  RenameField,
  Filter,
  Join,
  Union,
  DropNullFields,
  DropDuplicates,
  FillMissingValues,
  Aggregate,
  SparkSQL: SparkSql,
} as unknown as Record<TransformDefinition['kind'], TransformSpec<never, never>>);

export function transformSpec(kind: string): TransformSpec<never, never> | undefined {
  return Object.hasOwn(TRANSFORMS, kind) ? TRANSFORMS[kind as TransformDefinition['kind']] : undefined;
}

export { aggregate } from './aggregate.js';
export { applyMapping } from './apply-mapping.js';
export { dropDuplicates } from './drop-duplicates.js';
export { dropFields } from './drop-fields.js';
export { dropNullFields } from './drop-null-fields.js';
export { fillMissingValues } from './fill-missing-values.js';
export { filter } from './filter.js';
export { join } from './join.js';
export { renameField } from './rename-field.js';
export { selectFields } from './select-fields.js';
export { sparkSql } from './spark-sql.js';
export { union } from './union.js';
