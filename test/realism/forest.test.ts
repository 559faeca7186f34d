import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, type Rng } from '../../src/core/rng.ts';
import { auc } from '../../src/realism/auc.ts';
import { applyBins, fitBins, fitForest, predictForest } from '../../src/realism/forest.ts';

/** XOR of the signs of two features plus `noise` irrelevant ones: no single split helps, two levels do. */
function xor(rng: Rng, n: number, noise: number): { x: Float64Array; y: Uint8Array; p: number } {
  const p = 2 + noise;
  const x = new Float64Array(n * p);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) x[i * p + j] = rng.normal();
    y[i] = (x[i * p] > 0) !== (x[i * p + 1] > 0) ? 1 : 0;
  }
  return { x, y, p };
}

describe('fitBins / applyBins', () => {
  it('puts NaN in bin 0 and cuts at quantiles into non-empty bins', () => {
    const x = Float64Array.from([5, NaN, 1, 2, 3, 4, 2, 2]);
    // Non-NaN sorted: 1 2 2 2 3 4 5 (m = 7); quartile cuts at ranks ⌊7b/4⌋ = 1, 3, 5 → 2, 2, 4.
    const bins = fitBins(x, 8, 1, 4);
    assert.deepEqual(Array.from(bins.edges[0]), [2, 4]);
    assert.deepEqual(Array.from(applyBins(bins, x, 8, 1)), [3, 0, 1, 1, 2, 2, 1, 1]);
  });

  it('gives a constant feature one bin', () => {
    assert.equal(fitBins(new Float64Array(10).fill(3), 10, 1, 32).edges[0].length, 0);
  });
});

describe('random forest', () => {
  it('learns a pattern no single split shows (XOR) on held-out rows', () => {
    const train = xor(createRng(1), 600, 4);
    const test = xor(createRng(2), 400, 4);
    const forest = fitForest(train.x, train.y, 600, train.p, createRng(3), { trees: 100 });
    const a = auc(predictForest(forest, test.x, 400), test.y);
    assert.ok(a > 0.9, `held-out AUC ${a}`);
  });

  it('scores noise at chance on held-out rows', () => {
    const rng = createRng(4);
    const n = 600;
    const x = Float64Array.from({ length: n * 6 }, () => rng.normal());
    const y = Uint8Array.from({ length: n }, () => rng.int(2));
    const forest = fitForest(x.subarray(0, 400 * 6), y.subarray(0, 400), 400, 6, createRng(5), { trees: 100 });
    const a = auc(predictForest(forest, x.subarray(400 * 6), 200), y.subarray(400));
    assert.ok(Math.abs(a - 0.5) < 0.12, `held-out AUC ${a}`); // 0.12 ≈ 3 standard errors at 100 + 100 rows
  });

  it('splits on missing values as a value of their own', () => {
    // The positives' only feature is missing; the negatives' is present.
    const rng = createRng(6);
    const n = 200;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 2 === 1 ? NaN : rng.normal()));
    const y = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const s = predictForest(fitForest(x, y, n, 1, createRng(7), { trees: 20 }), x, n);
    assert.equal(auc(s, y), 1);
  });

  it('is reproducible from its seed', () => {
    const d = xor(createRng(8), 200, 2);
    const fit = (seed: number) => predictForest(fitForest(d.x, d.y, 200, d.p, createRng(seed), { trees: 30 }), d.x, 200);
    assert.deepEqual(fit(9), fit(9));
    assert.notDeepEqual(fit(9), fit(10));
  });
});
