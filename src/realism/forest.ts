/**
 * A random forest of binary classification trees (Breiman 2001) on quantile-binned features:
 * the non-linear classifier of the realism test.
 *
 * Written here rather than taken from npm: the ml.js forest (`ml-random-forest` 2.1 over
 * `ml-cart` 2.1, MIT) recomputes the Gini impurity of every candidate threshold from filtered
 * arrays and matrix row copies (ml-cart's utils.js), O(n²) per feature and node, where one
 * `nucleimix realism` run fits a hundred forests (5 folds × 5 repeats × 4 tests) on a few
 * hundred nuclei × 189 features; and it has no notion of a missing value. Binning each
 * feature into at most 32 quantile bins (as LightGBM and scikit-learn's HistGradientBoosting
 * do) makes a split search one pass over the node's samples, and gives missing values (NaN:
 * a ring that fell on other nuclei or off the image) a bin of their own.
 */
import type { Rng } from '../core/rng.ts';

export interface ForestOptions {
  /** Trees in the forest (default 200: more move the AUC of a few hundred nuclei by well under its interval). */
  trees?: number;
  /** Features tried at each split (default ⌊√p⌉). */
  maxFeatures?: number;
  /** Smallest number of (bootstrap-weighted) samples in a leaf (default 1: fully grown trees). */
  minLeaf?: number;
  /** Quantile bins per feature, at most 255 (default 32). */
  bins?: number;
}

/** How a feature's values map to bins: bin 0 holds NaN, bin b ≥ 1 holds values v with edges[b−2] < v ≤ edges[b−1]. */
export interface FeatureBins {
  /** Per feature, its ascending bin edges (upper bounds of bins 1..edges.length; the last bin is open). */
  edges: Float64Array[];
}

interface Tree {
  /** Per node: the feature split on, or −1 for a leaf. */
  feature: Int32Array;
  /** Per node: samples with bin ≤ threshold go left. */
  threshold: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Per node: the share of positives (bootstrap-weighted) among its training samples. */
  value: Float64Array;
}

export interface Forest {
  bins: FeatureBins;
  trees: Tree[];
  features: number;
}

/**
 * Bin edges from the training data: per feature, the distinct values at the 1/B … (B−1)/B
 * quantiles of its non-NaN values.
 *
 * @param x n×p row-major feature matrix
 */
export function fitBins(x: Float64Array, n: number, p: number, bins: number): FeatureBins {
  const edges: Float64Array[] = [];
  const col = new Float64Array(n);
  for (let f = 0; f < p; f++) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * p + f];
      if (!Number.isNaN(v)) col[m++] = v;
    }
    const sorted = col.subarray(0, m).slice().sort();
    const e: number[] = [];
    for (let b = 1; b < bins && m > 0; b++) {
      const v = sorted[Math.min(m - 1, Math.floor((b * m) / bins))];
      // Each edge closes a bin; an edge equal to the largest value would leave the last bin empty.
      if ((e.length === 0 || v > e[e.length - 1]) && v < sorted[m - 1]) e.push(v);
    }
    edges.push(Float64Array.from(e));
  }
  return { edges };
}

/** The bins of n×p row-major features: n×p uint8, 0 for NaN. */
export function applyBins(bins: FeatureBins, x: Float64Array, n: number, p: number): Uint8Array {
  const out = new Uint8Array(n * p);
  for (let f = 0; f < p; f++) {
    const e = bins.edges[f];
    for (let i = 0; i < n; i++) {
      const v = x[i * p + f];
      if (Number.isNaN(v)) continue;
      let lo = 0; // first edge ≥ v, by binary search
      let hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (e[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      out[i * p + f] = lo + 1;
    }
  }
  return out;
}

/**
 * Fits a forest: each tree on a bootstrap sample (n draws with replacement, kept as weights),
 * splitting on the best Gini decrease among `maxFeatures` features drawn afresh at each node,
 * grown until nodes are pure or cannot be split into two leaves of `minLeaf`.
 *
 * @param x n×p row-major features (NaN allowed)
 * @param y n labels, 0 or 1
 */
export function fitForest(x: Float64Array, y: Uint8Array, n: number, p: number, rng: Rng, options: ForestOptions = {}): Forest {
  const nBins = options.bins ?? 32;
  if (nBins < 2 || nBins > 255) throw new RangeError(`forest bins must be in 2..255, got ${nBins}`);
  const bins = fitBins(x, n, p, nBins);
  const xb = applyBins(bins, x, n, p);
  const trees: Tree[] = [];
  const count = options.trees ?? 200;
  const mtry = Math.max(1, Math.min(p, options.maxFeatures ?? Math.round(Math.sqrt(p))));
  const minLeaf = options.minLeaf ?? 1;
  for (let t = 0; t < count; t++) trees.push(growTree(xb, y, n, p, nBins + 1, mtry, minLeaf, rng));
  return { bins, trees, features: p };
}

function growTree(xb: Uint8Array, y: Uint8Array, n: number, p: number, nBins: number, mtry: number, minLeaf: number, rng: Rng): Tree {
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) weight[rng.int(n)]++;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (weight[i] > 0) idx.push(i);
  const samples = Int32Array.from(idx);
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const order = Int32Array.from({ length: p }, (_, f) => f);
  const histW = new Float64Array(nBins);
  const histP = new Float64Array(nBins);

  const grow = (start: number, end: number): number => {
    let w = 0;
    let wp = 0;
    for (let s = start; s < end; s++) {
      const i = samples[s];
      w += weight[i];
      if (y[i] === 1) wp += weight[i];
    }
    const node = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(wp / w);
    if (wp === 0 || wp === w || w < 2 * minLeaf) return node;
    const parentGini = w - (wp * wp + (w - wp) * (w - wp)) / w; // w · Gini impurity
    let bestGain = 1e-12;
    let bestFeature = -1;
    let bestBin = 0;
    for (let k = 0; k < mtry; k++) {
      const j = k + rng.int(p - k); // partial Fisher–Yates: mtry distinct features
      const f = order[j];
      order[j] = order[k];
      order[k] = f;
      histW.fill(0);
      histP.fill(0);
      for (let s = start; s < end; s++) {
        const i = samples[s];
        const b = xb[i * p + f];
        histW[b] += weight[i];
        if (y[i] === 1) histP[b] += weight[i];
      }
      let lw = 0;
      let lp = 0;
      for (let b = 0; b < nBins - 1; b++) {
        lw += histW[b];
        lp += histP[b];
        if (histW[b] === 0) continue; // same partition as the previous threshold
        const rw = w - lw;
        if (lw < minLeaf || rw < minLeaf) continue;
        const rp = wp - lp;
        const gini = lw - (lp * lp + (lw - lp) * (lw - lp)) / lw + rw - (rp * rp + (rw - rp) * (rw - rp)) / rw;
        const gain = parentGini - gini;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
        }
      }
    }
    if (bestFeature < 0) return node;
    // Partition samples[start, end) in place: bin ≤ bestBin first.
    let mid = start;
    for (let s = start; s < end; s++) {
      const i = samples[s];
      if (xb[i * p + bestFeature] <= bestBin) {
        samples[s] = samples[mid];
        samples[mid++] = i;
      }
    }
    feature[node] = bestFeature;
    threshold[node] = bestBin;
    left[node] = grow(start, mid);
    right[node] = grow(mid, end);
    return node;
  };
  grow(0, samples.length);
  return {
    feature: Int32Array.from(feature),
    threshold: Uint8Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
  };
}

/**
 * The forest's probability that each row is positive: the mean over trees of the positive
 * share of the leaf the row falls in.
 *
 * @param x n×p row-major features, p as fitted
 * @returns n probabilities in [0, 1]
 */
export function predictForest(forest: Forest, x: Float64Array, n: number): Float64Array {
  const p = forest.features;
  const xb = applyBins(forest.bins, x, n, p);
  const out = new Float64Array(n);
  for (const tree of forest.trees) {
    for (let i = 0; i < n; i++) {
      let node = 0;
      while (tree.feature[node] >= 0) node = xb[i * p + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
      out[i] += tree.value[node];
    }
  }
  for (let i = 0; i < n; i++) out[i] /= forest.trees.length;
  return out;
}
