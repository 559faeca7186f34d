import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { createMatrix, fromRows, selectRows } from '../../src/features/matrix.ts';
import { fitPca, project, projectRow } from '../../src/sampling/pca.ts';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('3×2 data: components and variances equal the hand eigen-decomposition of the covariance', () => {
  const rows = [
    [1, 2],
    [3, 7],
    [6, 3],
  ];
  const pca = fitPca(fromRows(rows));
  // Covariance by hand (n − 1 = 2): mean (10/3, 4).
  const mx = 10 / 3;
  const my = 4;
  const a = rows.reduce((s, r) => s + (r[0] - mx) ** 2, 0) / 2;
  const c = rows.reduce((s, r) => s + (r[1] - my) ** 2, 0) / 2;
  const b = rows.reduce((s, r) => s + (r[0] - mx) * (r[1] - my), 0) / 2;
  // Eigen-decomposition of [[a, b], [b, c]] in closed form.
  const mid = (a + c) / 2;
  const rad = Math.hypot((a - c) / 2, b);
  const lambdas = [mid + rad, mid - rad];
  assert.equal(pca.dims, 2); // min(16, n − 1, d)
  assert.deepEqual(Array.from(pca.mean), [mx, my]);
  for (let k = 0; k < 2; k++) {
    close(pca.explainedVariance[k], lambdas[k], 1e-12, `λ${k}`);
    // Eigenvector (b, λ − a), normalised, signed so its largest-|·| entry is positive.
    let v = [b, lambdas[k] - a];
    const norm = Math.hypot(v[0], v[1]);
    v = v.map((t) => t / norm);
    const big = Math.abs(v[0]) >= Math.abs(v[1]) ? v[0] : v[1];
    if (big < 0) v = v.map((t) => -t);
    close(pca.components[2 * k], v[0], 1e-12, `component ${k}[0]`);
    close(pca.components[2 * k + 1], v[1], 1e-12, `component ${k}[1]`);
  }
  close(pca.explainedVarianceRatio[0] + pca.explainedVarianceRatio[1], 1, 1e-12, 'ratios');
});

test('points on a line in 5-D: the first component is the line, its variance the closed form', () => {
  const rng = createRng(11);
  const dir = [1, -2, 0.5, 3, -1];
  const norm = Math.hypot(...dir);
  const u = dir.map((t) => t / norm);
  const n = 60;
  const ts = Array.from({ length: n }, () => rng.normal() * 4);
  const x = fromRows(ts.map((t) => u.map((ui, j) => 7 + j + t * ui + rng.normal() * 1e-4)));
  const pca = fitPca(x);
  assert.equal(pca.dims, 5);
  const first = Array.from(pca.components.subarray(0, 5));
  const dot = first.reduce((s, v, j) => s + v * u[j], 0);
  close(dot, 1, 1e-7, 'cos(first component, line)'); // u's largest entry (3) is positive, so no flip
  // The variance of the data along the line itself: λ₁ exceeds it only at second order in
  // the noise (1e-8 relative), and it is the variance of the positions t up to the noise's
  // first-order share (≈ 1e-4 / 4).
  const tMean = ts.reduce((s, t) => s + t, 0) / n;
  const tVar = ts.reduce((s, t) => s + (t - tMean) ** 2, 0) / (n - 1);
  const along = Array.from({ length: n }, (_, i) => u.reduce((s, uj, j) => s + (x.data[i * 5 + j] - pca.mean[j]) * uj, 0));
  const alongVar = along.reduce((s, v) => s + v * v, 0) / (n - 1);
  close(pca.explainedVariance[0] / alongVar, 1, 1e-7, 'variance along the line');
  close(pca.explainedVariance[0] / tVar, 1, 1e-4, 'variance of the positions on the line');
  assert.ok(pca.explainedVariance[1] < 1e-7, `noise variance ${pca.explainedVariance[1]}`);
  assert.ok(pca.explainedVarianceRatio[0] > 0.999999);
});

test('projections: centred, uncorrelated, variances = explained variances; orthonormal components', () => {
  const rng = createRng(3);
  const n = 80;
  const d = 6;
  const x = createMatrix(n, d);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    for (let j = 0; j < d; j++) x.data[i * d + j] = (j + 1) * a + (j % 2 ? b : -b) * 0.5 + rng.normal() * 0.1 + j;
  }
  const pca = fitPca(x, 3);
  assert.equal(pca.dims, 3);
  const y = project(pca, x);
  assert.equal(y.rows, n);
  assert.equal(y.cols, 3);
  for (let k = 0; k < 3; k++) {
    for (let l = 0; l < 3; l++) {
      let dotC = 0;
      for (let j = 0; j < d; j++) dotC += pca.components[k * d + j] * pca.components[l * d + j];
      close(dotC, k === l ? 1 : 0, 1e-12, `components ${k}·${l}`);
      let cov = 0;
      for (let i = 0; i < n; i++) cov += y.data[i * 3 + k] * y.data[i * 3 + l];
      cov /= n - 1;
      close(cov, k === l ? pca.explainedVariance[k] : 0, 1e-9 * pca.explainedVariance[0], `cov(y${k}, y${l})`);
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y.data[i * 3 + k];
    close(mean / n, 0, 1e-12, `mean of y${k}`);
  }
  assert.deepEqual(Array.from(projectRow(pca, pca.mean)), [0, 0, 0]);
  assert.ok(pca.explainedVariance[0] >= pca.explainedVariance[1] && pca.explainedVariance[1] >= pca.explainedVariance[2]);
});

test('sign convention makes the fit independent of row order', () => {
  const rng = createRng(5);
  const x = createMatrix(30, 4);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal() * (1 + (i % 4));
  const a = fitPca(x, 4);
  const order = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
  const b = fitPca(selectRows(x, order), 4);
  for (let k = 0; k < 4; k++) {
    let maxAbs = 0;
    let at = 0;
    for (let j = 0; j < 4; j++) {
      if (Math.abs(a.components[k * 4 + j]) > maxAbs) {
        maxAbs = Math.abs(a.components[k * 4 + j]);
        at = j;
      }
      close(a.components[k * 4 + j], b.components[k * 4 + j], 1e-10, `component ${k}[${j}]`);
    }
    assert.ok(a.components[k * 4 + at] > 0, 'largest loading positive');
  }
});

test('fewer samples than dims: p = min(p, n − 1, d); bad input raises NucleiMixError', () => {
  const x = fromRows([
    [1, 0, 0, 2, 5],
    [0, 1, 0, 1, 5],
    [0, 0, 1, 3, 5],
  ]);
  assert.equal(fitPca(x).dims, 2);
  assert.equal(fitPca(x, 1).dims, 1);
  assert.throws(() => fitPca(fromRows([[1, 2]])), NucleiMixError);
  assert.throws(() => fitPca(x, 0), NucleiMixError);
  assert.throws(() => fitPca(fromRows([[1], [NaN]])), NucleiMixError);
  assert.throws(() => projectRow(fitPca(x), [1, 2]), NucleiMixError);
});
