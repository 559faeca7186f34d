import type { Rng } from '../core/rng.ts';

/** log Σ exp(v_i) over the entries where `active` is true (all when absent), computed stably. */
export function logSumExp(values: ArrayLike<number>, active?: ArrayLike<boolean | number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if ((active === undefined || active[i]) && values[i] > max) max = values[i];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < values.length; i++) if (active === undefined || active[i]) s += Math.exp(values[i] - max);
  return max + Math.log(s);
}

/**
 * Draws index i with probability exp(logits_i) / Σ_active exp(logits_j) (a softmax through
 * log-sum-exp, so raw log-likelihoods of −10⁴ are fine). Returns the index and its
 * probability, or undefined when nothing is active.
 */
export function drawSoftmax(logits: ArrayLike<number>, rng: Rng, active?: ArrayLike<boolean | number>): { index: number; probability: number } | undefined {
  const lse = logSumExp(logits, active);
  if (lse === -Infinity) return undefined;
  const u = rng.next();
  let acc = 0;
  let last = -1;
  for (let i = 0; i < logits.length; i++) {
    if (active !== undefined && !active[i]) continue;
    const p = Math.exp(logits[i] - lse);
    acc += p;
    last = i;
    if (u < acc) return { index: i, probability: p };
  }
  // Rounding can leave acc a hair below u: the last active entry takes the remainder.
  return { index: last, probability: Math.exp(logits[last] - lse) };
}
