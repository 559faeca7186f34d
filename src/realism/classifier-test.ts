/**
 * The classifier two-sample test (Lopez-Paz & Oquab 2017, "Revisiting classifier two-sample
 * tests", ICLR 2017): if a classifier cannot tell two samples apart better than chance on
 * held-out data, they are indistinguishable by what it sees. Scored by the out-of-fold AUC of
 * a random forest under repeated stratified k-fold cross-validation, with a bootstrap interval.
 */
import type { Rng } from '../core/rng.ts';
import { auc, bootstrapAucInterval, type ScoredRun } from './auc.ts';
import { fitForest, predictForest, type ForestOptions } from './forest.ts';

/** Rows of features: n rows of p values each, row-major. */
export interface FeatureRows {
  /** n×p row-major, NaN where a value is missing. */
  data: Float64Array;
  n: number;
  p: number;
  /**
   * n group ids, when rows are not independent: rows of one group are kept in one fold. A
   * copy's rings can repeat its donor's (CutMix pastes the donor's surroundings too); in
   * different folds with opposite labels, the forest would learn each from the other and score
   * both wrong, pulling the AUC below 0.5.
   */
  groups?: Int32Array;
}

export interface ClassifierTestOptions {
  /** Cross-validation folds (default 5). */
  folds?: number;
  /** Cross-validations averaged, each with its own folds and forests (default 5). */
  repeats?: number;
  /** Bootstrap resamples of the out-of-fold scores (default 1000). */
  resamples?: number;
  forest?: ForestOptions;
}

/** An AUC and its bootstrap 95 % interval. */
export interface AucEstimate {
  auc: number;
  ci: [number, number];
}

/**
 * Stratified fold of each sample: each class is shuffled and dealt round-robin into `k`
 * folds, so every fold holds ⌊n_c / k⌋ or ⌈n_c / k⌉ of class c. With `groups`, whole groups
 * are dealt instead (largest first, ties in seeded random order), each to the fold it leaves
 * least unbalanced: the greedy of scikit-learn's StratifiedGroupKFold.
 *
 * @returns n fold numbers in 0..k−1
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, rng: Rng, groups?: ArrayLike<number>): Int32Array {
  const folds = new Int32Array(labels.length);
  if (groups === undefined) {
    for (const c of [0, 1]) {
      const members: number[] = [];
      for (let i = 0; i < labels.length; i++) if (labels[i] === c) members.push(i);
      shuffle(members, rng);
      members.forEach((i, r) => (folds[i] = r % k));
    }
    return folds;
  }
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) byGroup.set(groups[i], [...(byGroup.get(groups[i]) ?? []), i]);
  const list = shuffle([...byGroup.values()], rng).map((members) => ({ members, pos: members.filter((i) => labels[i] === 1).length }));
  list.sort((a, b) => b.members.length - a.members.length); // stable: shuffled order among equals
  let totalPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) totalPos++;
  const totalNeg = Math.max(1, labels.length - totalPos);
  totalPos = Math.max(1, totalPos);
  const pos = new Float64Array(k);
  const neg = new Float64Array(k);
  for (const g of list) {
    const gNeg = g.members.length - g.pos;
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < k; f++) {
      const cost = (pos[f] + g.pos) / totalPos + (neg[f] + gNeg) / totalNeg;
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    pos[best] += g.pos;
    neg[best] += gNeg;
    for (const i of g.members) folds[i] = best;
  }
  return folds;
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** The chosen columns of rows (all when `columns` is absent). */
export function selectColumns(rows: FeatureRows, columns?: readonly number[]): FeatureRows {
  if (columns === undefined) return rows;
  const p = columns.length;
  const data = new Float64Array(rows.n * p);
  for (let i = 0; i < rows.n; i++) for (let j = 0; j < p; j++) data[i * p + j] = rows.data[i * rows.p + columns[j]];
  return { data, n: rows.n, p, groups: rows.groups };
}

/**
 * Out-of-fold forest scores: each fold is scored by a forest fitted on the other folds.
 *
 * @param labels n labels, 1 for the first sample (positives), 0 for the second
 * @returns n scores, each from a forest that never saw its sample
 */
export function outOfFoldScores(x: FeatureRows, labels: Uint8Array, rng: Rng, options: ClassifierTestOptions = {}): Float64Array {
  const k = options.folds ?? 5;
  const folds = stratifiedFolds(labels, k, rng.fork('folds'), x.groups);
  const scores = new Float64Array(x.n);
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < x.n; i++) (folds[i] === f ? test : train).push(i);
    if (test.length === 0) continue;
    const forest = fitForest(rowsOf(x, train), Uint8Array.from(train, (i) => labels[i]), train.length, x.p, rng.fork(`fold ${f}`), options.forest);
    const s = predictForest(forest, rowsOf(x, test), test.length);
    test.forEach((i, j) => (scores[i] = s[j]));
  }
  return scores;
}

function rowsOf(x: FeatureRows, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length * x.p);
  rows.forEach((i, r) => out.set(x.data.subarray(i * x.p, (i + 1) * x.p), r * x.p));
  return out;
}

function concat(a: FeatureRows, b: FeatureRows): FeatureRows {
  if (a.p !== b.p) throw new RangeError(`classifier test: ${a.p} features against ${b.p}`);
  const data = new Float64Array((a.n + b.n) * a.p);
  data.set(a.data.subarray(0, a.n * a.p));
  data.set(b.data.subarray(0, b.n * b.p), a.n * a.p);
  if (a.groups === undefined && b.groups === undefined) return { data, n: a.n + b.n, p: a.p };
  // Rows without a group each get one of their own, after every id given.
  let next = 0;
  for (const g of [a.groups, b.groups]) if (g !== undefined) for (const v of g) next = Math.max(next, v + 1);
  const groups = new Int32Array(a.n + b.n);
  for (let i = 0; i < a.n; i++) groups[i] = a.groups?.[i] ?? next++;
  for (let i = 0; i < b.n; i++) groups[a.n + i] = b.groups?.[i] ?? next++;
  return { data, n: a.n + b.n, p: a.p, groups };
}

function checkSizes(nA: number, nB: number, folds: number): void {
  if (nA < folds || nB < folds) throw new RangeError(`classifier test: each sample needs at least one row per fold (${nA} and ${nB} rows, ${folds} folds)`);
}

/**
 * How well a forest tells `a` (labelled positive) from `b` on held-out data: the mean over
 * `repeats` stratified k-fold cross-validations (each with its own folds and forests) of the
 * out-of-fold AUC, and a stratified bootstrap 95 % interval of that mean. 0.5: the samples are
 * indistinguishable by these features; 1: every row of `a` is told apart. Repeating the
 * cross-validation averages out the luck of one partition and one forest, which alone moves
 * the AUC of a few hundred rows by ±0.04.
 */
export function classifierTest(a: FeatureRows, b: FeatureRows, rng: Rng, options: ClassifierTestOptions = {}): AucEstimate {
  checkSizes(a.n, b.n, options.folds ?? 5);
  const x = concat(a, b);
  const labels = new Uint8Array(x.n).fill(1, 0, a.n);
  const runs: ScoredRun[] = [];
  for (let r = 0; r < (options.repeats ?? 5); r++) runs.push({ scores: outOfFoldScores(x, labels, rng.fork(`cv ${r}`), options), labels });
  return summarise(runs, labels, rng, options);
}

/**
 * The null of {@link classifierTest}: each repeat splits `x` into two random halves and tests
 * one against the other. With every row drawn from one population the AUC is about 0.5
 * (slightly below: cross-validation on labels that carry no signal is biased low), so a null
 * well away from 0.5 means the test sees something that is not there. The interval resamples
 * rows without strata, since each repeat labels them afresh.
 */
export function splitHalfTest(x: FeatureRows, rng: Rng, options: ClassifierTestOptions = {}): AucEstimate {
  const half = Math.floor(x.n / 2);
  checkSizes(half, x.n - half, options.folds ?? 5);
  const runs: ScoredRun[] = [];
  for (let r = 0; r < (options.repeats ?? 5); r++) {
    const order = shuffle(Array.from({ length: x.n }, (_, i) => i), rng.fork(`halves ${r}`));
    const labels = new Uint8Array(x.n);
    for (let i = 0; i < half; i++) labels[order[i]] = 1;
    runs.push({ scores: outOfFoldScores(x, labels, rng.fork(`cv ${r}`), options), labels });
  }
  return summarise(runs, undefined, rng, options);
}

function summarise(runs: ScoredRun[], strata: Uint8Array | undefined, rng: Rng, options: ClassifierTestOptions): AucEstimate {
  const mean = runs.reduce((s, r) => s + auc(r.scores, r.labels), 0) / runs.length;
  return { auc: mean, ci: bootstrapAucInterval(runs, rng.fork('bootstrap'), { resamples: options.resamples ?? 1000, strata }) };
}
