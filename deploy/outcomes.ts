/** A planned resource's outcome after apply: done as planned, failed with AWS's error, or skipped for a reason. */
import type { AppliedResource, Outcome, PlannedResource } from './types.js';

const DONE: Record<string, Outcome> = { create: 'created', update: 'updated', delete: 'deleted', unchanged: 'unchanged', check: 'checked' };

export function done(r: PlannedResource): AppliedResource {
  return { ...r, outcome: DONE[r.action] ?? 'unchanged' };
}

export function failed(r: PlannedResource, error: string): AppliedResource {
  return { ...r, outcome: 'failed', error };
}

export function skipped(r: PlannedResource, why: string): AppliedResource {
  return { ...r, outcome: 'skipped', error: `not applied: ${why}` };
}
