/**
 * The area under the ROC curve of scores against binary labels, and a bootstrap interval for
 * it: the figures the realism test reports.
 */
import type { Rng } from '../core/rng.ts';

/** Sample indices in ascending order of score (ties by index, which does not affect the AUC). */
export function scoreOrder(scores: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
}

/**
 * Weighted rank AUC: sample i counts `weights[i]` times (a bootstrap multiplicity). The
 * probability that a random positive scores above a random negative, ties counting one half —
 * the Mann–Whitney U statistic over n₊·n₋, with tied scores sharing their mid-rank.
 *
 * @param order the samples in ascending order of score ({@link scoreOrder})
 * @param weights per sample, ≥ 0; all ones when absent
 * @returns the AUC in [0, 1], or NaN when either class has no weight
 */
export function weightedAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, order: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let negBelow = 0;
  let numerator = 0;
  let totalPos = 0;
  const n = order.length;
  for (let i = 0; i < n; ) {
    let j = i;
    let pos = 0;
    let neg = 0;
    const v = scores[order[i]];
    for (; j < n && scores[order[j]] === v; j++) {
      const s = order[j];
      const w = weights === undefined ? 1 : weights[s];
      if (labels[s] === 1) pos += w;
      else neg += w;
    }
    numerator += pos * (negBelow + 0.5 * neg);
    negBelow += neg;
    totalPos += pos;
    i = j;
  }
  if (totalPos === 0 || negBelow === 0) return NaN;
  return numerator / (totalPos * negBelow);
}

/**
 * Rank-based AUC of scores against labels (1 positive, 0 negative), ties counting one half.
 *
 * @returns the AUC in [0, 1], or NaN when either class is empty
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (labels.length !== scores.length) throw new RangeError(`auc: ${scores.length} scores but ${labels.length} labels`);
  return weightedAuc(scores, labels, scoreOrder(scores));
}

/** Quantile `q` ∈ [0, 1] of sorted values, linearly interpolated (Hyndman & Fan type 7, NumPy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Scores of the same n samples from one run of a test (one cross-validation), with that run's labels. */
export interface ScoredRun {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
}

export interface BootstrapOptions {
  resamples?: number;
  /** Default 0.95. */
  level?: number;
  /**
   * Resample within each class of `strata` (n labels, 1 or 0), so every resample keeps the
   * class sizes; else resample the n samples as one.
   */
  strata?: ArrayLike<number>;
}

/**
 * Percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) of the mean AUC over runs
 * that scored the same samples: each resample draws n samples with replacement, once, and
 * every run's AUC is taken on that same draw, so the interval measures how much the figure
 * would move with another sample of nuclei. Scores are not refitted, so the spread of the fit
 * itself is left out (averaging runs shrinks it).
 *
 * @returns [lo, hi], the (1−level)/2 and (1+level)/2 quantiles of the resampled mean AUCs
 */
export function bootstrapAucInterval(runs: readonly ScoredRun[], rng: Rng, options: BootstrapOptions = {}): [number, number] {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const n = runs[0].scores.length;
  const groups: number[][] = [];
  if (options.strata === undefined) groups.push(Array.from({ length: n }, (_, i) => i));
  else for (const c of [1, 0]) groups.push(Array.from({ length: n }, (_, i) => i).filter((i) => options.strata![i] === c));
  const orders = runs.map((r) => scoreOrder(r.scores));
  const weights = new Float64Array(n);
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    weights.fill(0);
    for (const g of groups) for (let i = 0; i < g.length; i++) weights[g[rng.int(g.length)]]++;
    let sum = 0;
    for (let r = 0; r < runs.length; r++) sum += weightedAuc(runs[r].scores, runs[r].labels, orders[r], weights);
    const mean = sum / runs.length;
    if (!Number.isNaN(mean)) values.push(mean); // a draw that left a class out (tiny unstratified samples)
  }
  if (values.length === 0) return [NaN, NaN];
  values.sort((a, b) => a - b);
  return [quantileSorted(values, (1 - level) / 2), quantileSorted(values, (1 + level) / 2)];
}
