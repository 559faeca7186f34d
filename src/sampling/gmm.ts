/**
 * Gaussian mixture density model of the rare type's context features: fitted on
 * the rare features (in PCA space), it scores every candidate location by log-likelihood.
 * The official code fits one component with diagonal covariance; K components, full
 * covariance and BIC selection of K are options.
 *
 * Conventions follow sklearn's GaussianMixture so results are comparable: reg_covar (1e-6)
 * added to every variance, biased (/N_k) covariance estimates, EM stopped when the mean
 * per-sample log-likelihood changes by less than `tol` (1e-3), initial responsibilities from
 * k-means (here k-means++ seeding then Lloyd iterations, from the seeded RNG), N_k padded by
 * 10·ε so an empty component does not divide by zero. One component is fitted in closed form
 * — mean and biased variance (+ reg) — with no EM at all, so it equals that closed form
 * exactly. Written here because no installed package fits mixtures; the linear algebra
 * (Cholesky of full covariances) is ml-matrix's.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { check, NucleiMixError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/rng.ts';
import type { FeatureMatrix } from '../features/matrix.ts';

export type CovarianceType = 'diag' | 'full';

export interface Gmm {
  /** Number of components K. */
  readonly k: number;
  /** Feature dimension d. */
  readonly dims: number;
  readonly covariance: CovarianceType;
  /** Mixing weights (length K, sum 1). */
  readonly weights: Float64Array;
  /** K×d row-major. */
  readonly means: Float64Array;
  /** diag: K×d variances; full: K×d×d covariance matrices (row-major, symmetric). reg included. */
  readonly covariances: Float64Array;
  /** diag: K×d standard deviations; full: K×d×d lower Cholesky factors L (Σ = L Lᵀ). */
  readonly cholesky: Float64Array;
  /** Per component: ln w_k − ½(d ln 2π + ln |Σ_k|). */
  readonly logNorm: Float64Array;
  /** EM reached `tol` (always true for K = 1). */
  readonly converged: boolean;
  /** EM iterations run (0 for K = 1). */
  readonly iterations: number;
}

export interface GmmOptions {
  /** Components K (default 1). */
  k?: number;
  /** 'diag' (default, official) or 'full'. */
  covariance?: CovarianceType;
  /** Added to every variance (default 1e-6, sklearn's). */
  regCovar?: number;
  /** EM iteration cap (default 100). */
  maxIter?: number;
  /** Stop when the mean log-likelihood per sample changes by less than this (default 1e-3). */
  tol?: number;
  /** Seed of the k-means initialisation (default 0). */
  seed?: number;
  /** Independent initialisations; the best final likelihood wins (default 1). */
  nInit?: number;
}

const LOG_2PI = Math.log(2 * Math.PI);
const EPS10 = 10 * Number.EPSILON;

/**
 * A model from its parameters (validates them and precomputes the Cholesky factors and
 * normalising constants). `covariances` as in {@link Gmm}; a covariance that is not
 * positive definite raises a NucleiMixError.
 */
export function createGmm(
  weights: ArrayLike<number>,
  means: ArrayLike<number>,
  covariances: ArrayLike<number>,
  covariance: CovarianceType,
  fit: { converged: boolean; iterations: number } = { converged: true, iterations: 0 },
): Gmm {
  const k = weights.length;
  check(k >= 1, undefined, 'a Gaussian mixture needs at least one component');
  const d = means.length / k;
  check(Number.isInteger(d) && d >= 1, undefined, `Gaussian mixture means have ${means.length} values for ${k} components`);
  const covLen = covariance === 'diag' ? k * d : k * d * d;
  check(covariances.length === covLen, undefined, `Gaussian mixture ${covariance} covariances have ${covariances.length} values, expected ${covLen}`);
  const cholesky = new Float64Array(covLen);
  const logNorm = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    check(weights[c] > 0 && Number.isFinite(weights[c]), undefined, `Gaussian mixture weight ${c} is ${weights[c]}`);
    let logDet = 0;
    if (covariance === 'diag') {
      for (let j = 0; j < d; j++) {
        const v = covariances[c * d + j];
        if (!(v > 0 && Number.isFinite(v))) throw illConditioned(c);
        cholesky[c * d + j] = Math.sqrt(v);
        logDet += Math.log(v);
      }
    } else {
      const m = new Matrix(d, d);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j <= i; j++) {
          const a = covariances[c * d * d + i * d + j];
          const b = covariances[c * d * d + j * d + i];
          check(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)), undefined, `Gaussian mixture covariance ${c} is not symmetric at (${i}, ${j})`);
          m.set(i, j, (a + b) / 2);
          m.set(j, i, (a + b) / 2);
        }
      }
      const chol = new CholeskyDecomposition(m);
      if (!chol.isPositiveDefinite()) throw illConditioned(c);
      const l = chol.lowerTriangularMatrix;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j <= i; j++) cholesky[c * d * d + i * d + j] = l.get(i, j);
        logDet += 2 * Math.log(l.get(i, i));
      }
    }
    logNorm[c] = Math.log(weights[c]) - 0.5 * (d * LOG_2PI + logDet);
  }
  return {
    k,
    dims: d,
    covariance,
    weights: Float64Array.from(weights),
    means: Float64Array.from(means),
    covariances: Float64Array.from(covariances),
    cholesky,
    logNorm,
    converged: fit.converged,
    iterations: fit.iterations,
  };
}

function illConditioned(component: number): NucleiMixError {
  return new NucleiMixError(
    `Gaussian mixture component ${component} has an ill-defined covariance (collapsed onto too few samples); use fewer components, 'diag' covariance, or a larger regCovar`,
  );
}

/** Per-component ln(w_k N(x | μ_k, Σ_k)) of one row into `out` (length K). */
function weightedLogDensities(gmm: Gmm, x: Float64Array, offset: number, out: Float64Array, z: Float64Array): void {
  const { k, dims: d, means, cholesky, logNorm } = gmm;
  for (let c = 0; c < k; c++) {
    let maha = 0;
    if (gmm.covariance === 'diag') {
      for (let j = 0; j < d; j++) {
        const t = (x[offset + j] - means[c * d + j]) / cholesky[c * d + j];
        maha += t * t;
      }
    } else {
      // Forward substitution L z = x − μ; then (x − μ)ᵀ Σ⁻¹ (x − μ) = |z|².
      const base = c * d * d;
      for (let i = 0; i < d; i++) {
        let acc = x[offset + i] - means[c * d + i];
        for (let j = 0; j < i; j++) acc -= cholesky[base + i * d + j] * z[j];
        const zi = acc / cholesky[base + i * d + i];
        z[i] = zi;
        maha += zi * zi;
      }
    }
    out[c] = logNorm[c] - 0.5 * maha;
  }
}

function logSumExp(v: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - max);
  return max + Math.log(s);
}

function checkRows(gmm: Gmm, x: FeatureMatrix): void {
  check(x.cols === gmm.dims, undefined, `feature matrix has ${x.cols} columns, the Gaussian mixture was fitted on ${gmm.dims}`);
}

/** Per-row log density ln p(x_i) = ln Σ_k w_k N(x_i | μ_k, Σ_k) (length n), via log-sum-exp. */
export function logLikelihood(gmm: Gmm, x: FeatureMatrix): Float64Array {
  checkRows(gmm, x);
  const out = new Float64Array(x.rows);
  const comp = new Float64Array(gmm.k);
  const z = new Float64Array(gmm.dims);
  for (let i = 0; i < x.rows; i++) {
    weightedLogDensities(gmm, x.data, i * x.cols, comp, z);
    out[i] = logSumExp(comp);
  }
  return out;
}

/** Free parameters: K·d means, K·d (diag) or K·d(d+1)/2 (full) covariances, K − 1 weights. */
export function parameterCount(gmm: Pick<Gmm, 'k' | 'dims' | 'covariance'>): number {
  const { k, dims: d } = gmm;
  const cov = gmm.covariance === 'diag' ? k * d : (k * d * (d + 1)) / 2;
  return cov + k * d + k - 1;
}

/** Bayesian information criterion on `x`: −2 Σ ln p(x_i) + parameters · ln n (lower is better; sklearn's `bic`). */
export function bic(gmm: Gmm, x: FeatureMatrix): number {
  const ll = logLikelihood(gmm, x);
  let total = 0;
  for (let i = 0; i < ll.length; i++) total += ll[i];
  return -2 * total + parameterCount(gmm) * Math.log(x.rows);
}

/**
 * Fits a Gaussian mixture to the rows of `x` (n×d). K = 1: closed form. K > 1: EM from a
 * seeded k-means initialisation (n ≥ K required).
 */
export function fitGmm(x: FeatureMatrix, options: GmmOptions = {}): Gmm {
  const { k = 1, covariance = 'diag', regCovar = 1e-6, maxIter = 100, tol = 1e-3, seed = 0, nInit = 1 } = options;
  const { rows: n, cols: d, data } = x;
  check(Number.isInteger(k) && k >= 1, undefined, `Gaussian mixture components must be a positive integer, got ${k}`);
  check(covariance === 'diag' || covariance === 'full', undefined, `covariance must be 'diag' or 'full', got '${covariance}'`);
  check(regCovar >= 0 && Number.isFinite(regCovar), undefined, `regCovar must be ≥ 0, got ${regCovar}`);
  check(Number.isInteger(maxIter) && maxIter >= 1, undefined, `maxIter must be a positive integer, got ${maxIter}`);
  check(Number.isInteger(nInit) && nInit >= 1, undefined, `nInit must be a positive integer, got ${nInit}`);
  check(d >= 1, undefined, 'Gaussian mixture needs at least 1 feature');
  check(n >= k, undefined, `cannot fit ${k} Gaussian components to ${n} samples`);
  for (let i = 0; i < data.length; i++) check(Number.isFinite(data[i]), undefined, `Gaussian mixture input has a non-finite value at row ${Math.floor(i / d)}, column ${i % d}`);

  if (k === 1) {
    const resp = new Float64Array(n).fill(1);
    const p = mStep(x, resp, 1, covariance, regCovar, true);
    return createGmm([1], p.means, p.covariances, covariance);
  }

  let best: Gmm | undefined;
  let bestScore = -Infinity;
  const root = createRng(seed >>> 0);
  for (let init = 0; init < nInit; init++) {
    const labels = kmeans(x, k, root.fork(`gmm init ${init}`));
    const resp = new Float64Array(n * k);
    for (let i = 0; i < n; i++) resp[i * k + labels[i]] = 1;
    let params = mStep(x, resp, k, covariance, regCovar, false);
    let gmm = createGmm(params.weights, params.means, params.covariances, covariance, { converged: false, iterations: 0 });
    let lowerBound = -Infinity;
    let converged = false;
    let iterations = 0;
    for (let iter = 1; iter <= maxIter; iter++) {
      iterations = iter;
      const previous = lowerBound;
      lowerBound = eStep(gmm, x, resp);
      params = mStep(x, resp, k, covariance, regCovar, false);
      gmm = createGmm(params.weights, params.means, params.covariances, covariance, { converged: false, iterations: iter });
      if (Math.abs(lowerBound - previous) < tol) {
        converged = true;
        break;
      }
    }
    gmm = { ...gmm, converged, iterations };
    const score = meanOf(logLikelihood(gmm, x));
    if (best === undefined || score > bestScore) {
      best = gmm;
      bestScore = score;
    }
  }
  return best!;
}

function meanOf(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/** Fills `resp` (n×K) with responsibilities; returns the mean log-likelihood per sample. */
function eStep(gmm: Gmm, x: FeatureMatrix, resp: Float64Array): number {
  const { k } = gmm;
  const comp = new Float64Array(k);
  const z = new Float64Array(gmm.dims);
  let total = 0;
  for (let i = 0; i < x.rows; i++) {
    weightedLogDensities(gmm, x.data, i * x.cols, comp, z);
    const norm = logSumExp(comp);
    total += norm;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(comp[c] - norm);
  }
  return total / x.rows;
}

/**
 * Weighted means and biased covariances from responsibilities `resp` (n×K). `exact` (K = 1)
 * divides by n itself instead of sklearn's N_k + 10ε, giving the plain closed form.
 */
function mStep(x: FeatureMatrix, resp: Float64Array, k: number, covariance: CovarianceType, reg: number, exact: boolean): { weights: Float64Array; means: Float64Array; covariances: Float64Array } {
  const { rows: n, cols: d, data } = x;
  const nk = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) nk[c] += resp[i * k + c];
  if (!exact) for (let c = 0; c < k; c++) nk[c] += EPS10;
  let sum = 0;
  for (let c = 0; c < k; c++) sum += nk[c];
  const weights = nk.map((v) => v / sum);
  const means = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c];
      if (r === 0) continue;
      for (let j = 0; j < d; j++) means[c * d + j] += r * data[i * d + j];
    }
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] /= nk[c];

  const covariances = new Float64Array(covariance === 'diag' ? k * d : k * d * d);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c];
      if (r === 0) continue;
      for (let j = 0; j < d; j++) diff[j] = data[i * d + j] - means[c * d + j];
      if (covariance === 'diag') {
        for (let j = 0; j < d; j++) covariances[c * d + j] += r * diff[j] * diff[j];
      } else {
        const base = c * d * d;
        for (let a = 0; a < d; a++) {
          const ra = r * diff[a];
          for (let b = 0; b <= a; b++) covariances[base + a * d + b] += ra * diff[b];
        }
      }
    }
  }
  for (let c = 0; c < k; c++) {
    if (covariance === 'diag') {
      for (let j = 0; j < d; j++) covariances[c * d + j] = covariances[c * d + j] / nk[c] + reg;
    } else {
      const base = c * d * d;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          const v = covariances[base + a * d + b] / nk[c] + (a === b ? reg : 0);
          covariances[base + a * d + b] = v;
          covariances[base + b * d + a] = v;
        }
      }
    }
  }
  return { weights, means, covariances };
}

/**
 * k-means labels (length n, values 0..K−1): k-means++ seeding (first centre uniform, then
 * each next one drawn with probability ∝ squared distance to the nearest chosen centre),
 * then Lloyd iterations until no label changes (at most 300). An emptied cluster keeps its
 * centre. Deterministic for a given `rng` state.
 */
export function kmeans(x: FeatureMatrix, k: number, rng: Rng): Int32Array {
  const { rows: n, cols: d, data } = x;
  check(n >= k && k >= 1, undefined, `cannot make ${k} clusters of ${n} samples`);
  const centres = new Float64Array(k * d);
  const dist2 = (i: number, c: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j] - centres[c * d + j];
      s += t * t;
    }
    return s;
  };
  const first = rng.int(n);
  centres.set(data.subarray(first * d, (first + 1) * d), 0);
  const nearest = new Float64Array(n);
  for (let i = 0; i < n; i++) nearest[i] = dist2(i, 0);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += nearest[i];
    let pick = n - 1;
    if (total > 0) {
      let u = rng.next() * total;
      for (let i = 0; i < n; i++) {
        u -= nearest[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = rng.int(n); // fewer distinct points than clusters
    }
    centres.set(data.subarray(pick * d, (pick + 1) * d), c * d);
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i], dist2(i, c));
  }

  const labels = new Int32Array(n).fill(-1);
  const counts = new Float64Array(k);
  for (let iter = 0; iter < 300; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let bestC = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const dd = dist2(i, c);
        if (dd < bestD) {
          bestD = dd;
          bestC = c;
        }
      }
      if (labels[i] !== bestC) {
        labels[i] = bestC;
        changed = true;
      }
    }
    if (!changed) break;
    counts.fill(0);
    const sums = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < d; j++) sums[c * d + j] += data[i * d + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < d; j++) centres[c * d + j] = sums[c * d + j] / counts[c];
    }
  }
  return labels;
}

export interface BicSelection {
  /** The model with the lowest BIC. */
  model: Gmm;
  /** BIC of K = 1..maxK at index K − 1; NaN where K could not be fitted (K > n, or a collapsed covariance). */
  bics: Float64Array;
}

/**
 * Fits K = 1..maxK components and keeps the one with the lowest BIC (ties: fewer
 * components). Other options as {@link fitGmm}.
 */
export function selectByBic(x: FeatureMatrix, options: Omit<GmmOptions, 'k'> & { maxK: number }): BicSelection {
  const { maxK, ...rest } = options;
  check(Number.isInteger(maxK) && maxK >= 1, undefined, `maxK must be a positive integer, got ${maxK}`);
  const bics = new Float64Array(maxK).fill(NaN);
  let model: Gmm | undefined;
  let best = Infinity;
  for (let k = 1; k <= Math.min(maxK, x.rows); k++) {
    let fitted: Gmm;
    try {
      fitted = fitGmm(x, { ...rest, k });
    } catch (err) {
      // A collapsed component at large K just rules that K out; K = 1 failing is the user's problem.
      if (k > 1 && err instanceof NucleiMixError) continue;
      throw err;
    }
    const b = bic(fitted, x);
    bics[k - 1] = b;
    if (b < best) {
      best = b;
      model = fitted;
    }
  }
  check(model !== undefined, undefined, 'no Gaussian mixture could be fitted');
  return { model, bics };
}
