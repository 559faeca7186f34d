import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix, inverse, determinant } from 'ml-matrix';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { createMatrix, fromRows, type FeatureMatrix } from '../../src/features/matrix.ts';
import { bic, createGmm, fitGmm, kmeans, logLikelihood, parameterCount, selectByBic } from '../../src/sampling/gmm.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/** n points per centre, isotropic normal noise of `sd`, seeded. */
function blobs(centres: number[][], n: number, sd: number, seed: number): FeatureMatrix {
  const rng = createRng(seed);
  const d = centres[0].length;
  const x = createMatrix(centres.length * n, d);
  centres.forEach((c, b) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x.data[(b * n + i) * d + j] = c[j] + rng.normal() * sd;
  });
  return x;
}

/** Correlated 3-D data (a fixed mixing of normals plus an offset). */
function correlated(n: number, seed: number): FeatureMatrix {
  const rng = createRng(seed);
  const x = createMatrix(n, 3);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const c = rng.normal();
    x.data.set([2 + a, -1 + 0.8 * a + 0.3 * b, 5 + 0.5 * b - 0.2 * a + 0.1 * c], i * 3);
  }
  return x;
}

/** Closed-form mean, biased covariance (+ reg on the diagonal), in the fit's summation order. */
function closedForm(x: FeatureMatrix, reg: number): { mean: number[]; cov: number[][] } {
  const { rows: n, cols: d, data } = x;
  const mean = new Array(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = Array.from({ length: d }, () => new Array(d).fill(0));
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a][b] += (data[i * d + a] - mean[a]) * (data[i * d + b] - mean[b]);
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a][b] = cov[a][b] / n + (a === b ? reg : 0);
  return { mean, cov };
}

/** ln N(x | μ, Σ) through the inverse and determinant (LU): independent of the fit's Cholesky path. */
function gaussianLogPdf(x: number[], mean: number[], cov: number[][]): number {
  const d = x.length;
  const inv = inverse(new Matrix(cov));
  let maha = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) maha += (x[a] - mean[a]) * inv.get(a, b) * (x[b] - mean[b]);
  return -0.5 * (d * LOG_2PI + Math.log(determinant(new Matrix(cov))) + maha);
}

const row = (x: FeatureMatrix, i: number) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols));

test('K = 1 diagonal: exactly the closed-form mean and biased variance + 1e-6; log density to 1e-10', () => {
  const x = correlated(50, 1);
  const gmm = fitGmm(x);
  const { mean, cov } = closedForm(x, 1e-6);
  assert.equal(gmm.k, 1);
  assert.equal(gmm.covariance, 'diag');
  assert.deepEqual(Array.from(gmm.weights), [1]);
  assert.deepEqual(Array.from(gmm.means), mean);
  assert.deepEqual(Array.from(gmm.covariances), [cov[0][0], cov[1][1], cov[2][2]]);
  const diagCov = cov.map((r, a) => r.map((v, b) => (a === b ? v : 0)));
  const probe = fromRows([row(x, 0), row(x, 17), [0, 0, 0], [10, -10, 3]]);
  const ll = logLikelihood(gmm, probe);
  for (let i = 0; i < probe.rows; i++) {
    const want = gaussianLogPdf(row(probe, i), mean, diagCov);
    assert.ok(Math.abs(ll[i] - want) < 1e-10, `row ${i}: ${ll[i]} vs ${want}`);
  }
});

test('K = 1 full: exactly the closed-form covariance; log density to 1e-10', () => {
  const x = correlated(40, 2);
  const gmm = fitGmm(x, { covariance: 'full' });
  const { mean, cov } = closedForm(x, 1e-6);
  assert.deepEqual(Array.from(gmm.means), mean);
  assert.deepEqual(Array.from(gmm.covariances), cov.flat());
  const probe = fromRows([row(x, 3), [2, -1, 5], [4, 4, 4]]);
  const ll = logLikelihood(gmm, probe);
  for (let i = 0; i < probe.rows; i++) {
    const want = gaussianLogPdf(row(probe, i), mean, cov);
    assert.ok(Math.abs(ll[i] - want) < 1e-10, `row ${i}: ${ll[i]} vs ${want}`);
  }
  // The correlated model explains correlated data better than the diagonal one.
  const sum = (v: Float64Array) => v.reduce((s, t) => s + t, 0);
  assert.ok(sum(logLikelihood(gmm, x)) > sum(logLikelihood(fitGmm(x), x)));
});

test('K = 2 on two separated blobs recovers means and weights (diag and full)', () => {
  const truth = [
    [0, 0, 0],
    [10, -5, 3],
  ];
  const x = blobs(truth, 150, 1, 3);
  for (const covariance of ['diag', 'full'] as const) {
    const gmm = fitGmm(x, { k: 2, covariance, seed: 1 });
    assert.ok(gmm.converged);
    const order = gmm.means[0] < gmm.means[3] ? [0, 1] : [1, 0];
    order.forEach((c, b) => {
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(gmm.means[c * 3 + j] - truth[b][j]) < 0.3, `${covariance} mean ${b}[${j}] = ${gmm.means[c * 3 + j]}`);
      assert.ok(Math.abs(gmm.weights[c] - 0.5) < 0.01);
      const variance = covariance === 'diag' ? gmm.covariances[c * 3] : gmm.covariances[c * 9];
      assert.ok(Math.abs(variance - 1) < 0.3, `${covariance} variance ${variance}`);
    });
    // Mixture log density = ln Σ w_k N_k, by hand.
    const probe = [5, -2.5, 1.5];
    const comps = [0, 1].map((c) => {
      const mean = Array.from(gmm.means.subarray(c * 3, c * 3 + 3));
      const cov =
        covariance === 'diag'
          ? [0, 1, 2].map((a) => [0, 1, 2].map((b) => (a === b ? gmm.covariances[c * 3 + a] : 0)))
          : [0, 1, 2].map((a) => Array.from(gmm.covariances.subarray(c * 9 + a * 3, c * 9 + a * 3 + 3)));
      return Math.log(gmm.weights[c]) + gaussianLogPdf(probe, mean, cov);
    });
    const want = Math.log(Math.exp(comps[0]) + Math.exp(comps[1]));
    assert.ok(Math.abs(logLikelihood(gmm, fromRows([probe]))[0] - want) < 1e-10);
  }
});

test('fits are deterministic for a seed', () => {
  const x = blobs([[0, 0], [4, 4], [0, 6]], 60, 1, 9);
  const a = fitGmm(x, { k: 3, seed: 5 });
  const b = fitGmm(x, { k: 3, seed: 5 });
  assert.deepEqual(Array.from(a.means), Array.from(b.means));
  assert.deepEqual(Array.from(kmeans(x, 3, createRng(2))), Array.from(kmeans(x, 3, createRng(2))));
});

test('BIC picks K = 2 on two blobs and K = 1 on one', () => {
  const two = blobs([[0, 0, 0], [8, 8, -8]], 100, 1, 4);
  const pick2 = selectByBic(two, { maxK: 4, seed: 1 });
  assert.equal(pick2.model.k, 2, `BICs ${Array.from(pick2.bics)}`);
  assert.equal(pick2.bics.length, 4);
  const one = blobs([[1, 2, 3]], 200, 1, 5);
  const pick1 = selectByBic(one, { maxK: 4, seed: 1 });
  assert.equal(pick1.model.k, 1, `BICs ${Array.from(pick1.bics)}`);
  for (const covariance of ['diag', 'full'] as const) assert.equal(selectByBic(two, { maxK: 3, covariance, seed: 2 }).model.k, 2);
  // BIC by hand for K = 1.
  const g = fitGmm(one);
  const total = logLikelihood(g, one).reduce((s, v) => s + v, 0);
  assert.equal(parameterCount(g), 6);
  assert.equal(bic(g, one), -2 * total + 6 * Math.log(200));
  assert.equal(parameterCount({ k: 3, dims: 4, covariance: 'full' }), 3 * 10 + 3 * 4 + 2);
});

test('bad input and degenerate fits raise NucleiMixError', () => {
  const x = fromRows([
    [0, 0],
    [1, 1],
  ]);
  assert.throws(() => fitGmm(x, { k: 3 }), NucleiMixError);
  assert.throws(() => fitGmm(fromRows([[0, NaN]])), NucleiMixError);
  assert.throws(() => fitGmm(x, { k: 0 }), NucleiMixError);
  // Perfectly correlated columns, no regularisation: singular full covariance.
  assert.throws(() => fitGmm(fromRows([[0, 0], [1, 1], [2, 2]]), { covariance: 'full', regCovar: 0 }), NucleiMixError);
  assert.throws(() => logLikelihood(fitGmm(x), fromRows([[1, 2, 3]])), NucleiMixError);
  assert.throws(() => createGmm([1], [0, 0], [1, 0.5, 0.4, 1], 'full'), NucleiMixError);
  // With the default reg a single sample still gives a proper (tight) model.
  const single = fitGmm(fromRows([[3, 4]]));
  assert.deepEqual(Array.from(single.covariances), [1e-6, 1e-6]);
});
