/**
 * Deploying jobs to AWS Glue: plan() says what would change, apply() makes it so,
 * idempotently. See README.md, "Deploy".
 *
 * The implementations (and with them the AWS SDK clients) are imported on first call:
 * job files import 'gluekit', and must not pay for loading three SDK clients.
 */
import type { ApplyResult, PlanResult } from './types.js';
import type { DeployOptions } from './plan.js';

/** What deploying `jobs` (definitions or IRs; each is validated first) would change. Reads only. */
export async function plan(jobs: readonly unknown[], options: DeployOptions = {}): Promise<PlanResult> {
  return (await import('./plan.js')).plan(jobs, options);
}

/** Deploys `jobs` (definitions or IRs; every one is validated before any AWS call). */
export async function apply(jobs: readonly unknown[], options: DeployOptions = {}): Promise<ApplyResult> {
  return (await import('./apply.js')).apply(jobs, options);
}

export { DeployInputError } from './errors.js';
export type { DeployOptions } from './plan.js';
export type { DeployClients } from './clients.js';
export type { Action, AppliedResource, ApplyResult, FieldChange, Outcome, PlannedResource, PlanResult, ResourceKind } from './types.js';
