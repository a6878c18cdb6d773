import { describe, expect, it } from 'vitest';
import { closest, editDistance, suggest } from '../../core/did-you-mean.js';

describe('did you mean', () => {
  it.each([
    ['amount', 'amount', 0],
    ['amout', 'amount', 1],
    ['qyt', 'qty', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('editDistance(%s, %s) = %i', (a, b, n) => expect(editDistance(a, b)).toBe(n));

  it('prefers a case slip, then the nearest name', () => {
    expect(closest('Amount', ['amount', 'amounts'])).toBe('amount');
    expect(closest('ammount', ['amount', 'account'])).toBe('amount');
  });

  it('does not suggest far-off names, and lists what exists instead', () => {
    expect(closest('zzz', ['amount', 'status'])).toBeUndefined();
    expect(suggest('zzz', ['amount', 'status'])).toBe('available columns: "amount", "status"');
    expect(suggest('zzz', [])).toBe('there are no columns here');
  });
});
