/**
 * The known name closest to an unknown one, for "did you mean" messages: edit distance on lower
 * case first (so `Email` finds `email`), then exact edit distance, then alphabetical order, so
 * the answer does not depend on the catalog's iteration order.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const target = name.toLowerCase();
  let best: string | undefined;
  let bestScore: [number, number] = [Infinity, Infinity];
  for (const candidate of known) {
    const score: [number, number] = [editDistance(target, candidate.toLowerCase()), editDistance(name, candidate)];
    if (
      best === undefined ||
      score[0] < bestScore[0] ||
      (score[0] === bestScore[0] && (score[1] < bestScore[1] || (score[1] === bestScore[1] && candidate < best)))
    ) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}
