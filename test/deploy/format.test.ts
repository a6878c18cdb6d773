/** The human-readable plan: signs, field-level changes, summary, and colour only on a terminal without NO_COLOR. */
import { describe, expect, it } from 'vitest';
import { formatPlan, wantsColor } from '../../deploy/format.js';
import type { PlanResult } from '../../deploy/types.js';

const result: PlanResult = {
  ok: true,
  hasChanges: true,
  resources: [
    { kind: 'security-configuration', name: 'gluekit-0123456789abcdef', region: 'us-east-1', jobs: ['a', 'b'], action: 'create', changes: [] },
    { kind: 'job', name: 'a', region: 'us-east-1', jobs: ['a'], action: 'update', changes: [{ field: 'Timeout', before: 2880, after: 60 }, { field: 'DefaultArguments["--x"]', after: '1' }] },
    { kind: 'tags', name: 'a', region: 'us-east-1', jobs: ['a'], action: 'unchanged', changes: [] },
  ],
};

describe('formatPlan', () => {
  it('prints one line per resource with its changes beneath, and a summary', () => {
    expect(formatPlan(result, { color: false })).toBe(
      [
        '+ security-configuration gluekit-0123456789abcdef (jobs "a", "b"): create',
        '~ job a: update',
        '    Timeout: 2880 -> 60',
        '    DefaultArguments["--x"]: + "1"',
        '= tags a: unchanged',
        '',
        'Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged.',
      ].join('\n'),
    );
  });

  it('colours only when asked', () => {
    expect(formatPlan(result, { color: true })).toContain('\x1b[33m~\x1b[0m job \x1b[1ma\x1b[0m: update');
    expect(formatPlan(result, { color: false })).not.toContain('\x1b[');
  });
});

describe('wantsColor', () => {
  it('is true on a terminal unless NO_COLOR is set', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({}, {})).toBe(false);
  });
});
