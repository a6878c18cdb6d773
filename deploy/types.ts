/**
 * What plan() and apply() return: one entry per AWS resource a deploy touches, with the
 * action the plan decided, the field-level changes behind it, and (after apply) what
 * happened. Shapes are plain data, so `--json` prints them as they are.
 */

export type ResourceKind = 'kms-key' | 'security-configuration' | 'database' | 'table' | 'job' | 'tags' | 'script';

/** `check`: a resource deploy only reads (a KMS key must exist and be enabled); `unknown`: its live state could not be read (see `error`). */
export type Action = 'create' | 'update' | 'unchanged' | 'delete' | 'check' | 'unknown';

/** One field that differs. `before` absent: the field is added; `after` absent: it is removed. */
export interface FieldChange {
  /** A path such as `Timeout`, `DefaultArguments["--foo"]`, `CodeGenConfigurationNodes.orders.S3JsonSource.Paths`. */
  readonly field: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface PlannedResource {
  readonly kind: ResourceKind;
  /** The resource's own name: job name, configuration name, s3:// URL, key ARN, `database.table`. */
  readonly name: string;
  readonly region: string;
  /** The jobs this resource belongs to (several may share a security configuration or key); empty for pruned ones. */
  readonly jobs: readonly string[];
  readonly action: Action;
  readonly changes: readonly FieldChange[];
  /** Why the live state could not be read or is unacceptable (a disabled key); the plan is then not applicable for these jobs. */
  readonly error?: string;
}

export interface PlanResult {
  readonly resources: readonly PlannedResource[];
  /** Whether applying would write anything. */
  readonly hasChanges: boolean;
  /** False when any resource has an error. */
  readonly ok: boolean;
}

export type Outcome = 'created' | 'updated' | 'deleted' | 'unchanged' | 'checked' | 'failed' | 'skipped';

export interface AppliedResource extends PlannedResource {
  readonly outcome: Outcome;
}

export interface ApplyResult {
  readonly resources: readonly AppliedResource[];
  /** Whether anything was written. */
  readonly changed: boolean;
  /** False when any resource failed or was skipped because something it depends on failed. */
  readonly ok: boolean;
}

export function isWrite(action: Action): boolean {
  return action === 'create' || action === 'update' || action === 'delete';
}
