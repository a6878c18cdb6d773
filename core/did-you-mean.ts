/** Suggestions for misspelt names: the closest candidate by edit distance, if close enough. */

/**
 * Edits between two strings: insertions, deletions, substitutions, and swaps of two
 * neighbouring characters (a swap is one typo, `qyt` for `qty`, so it counts once).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, ignoring case first (a case slip is the likeliest mistake). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(name.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `did you mean "x"?`, or a list of what exists when nothing is close. */
export function suggest(name: string, candidates: readonly string[], noun = 'column'): string {
  const near = closest(name, candidates);
  if (near !== undefined) return `did you mean "${near}"?`;
  if (candidates.length === 0) return `there are no ${noun}s here`;
  const shown = candidates.slice(0, 12).map((c) => `"${c}"`).join(', ');
  return `available ${noun}s: ${shown}${candidates.length > 12 ? `, … (${candidates.length} in all)` : ''}`;
}
