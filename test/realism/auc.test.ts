import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { auc, bootstrapAucInterval, quantileSorted, scoreOrder, weightedAuc } from '../../src/realism/auc.ts';

/** The AUC by its definition: the share of (positive, negative) pairs ordered right, ties one half. */
function pairwise(scores: number[], labels: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      den++;
      num += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

describe('auc', () => {
  it('gives the hand-computed values', () => {
    // positives 0.8, 0.4 against negatives 0.5, 0.1: pairs 1, 1, 0, 1
    assert.equal(auc([0.8, 0.5, 0.4, 0.1], [1, 0, 1, 0]), 3 / 4);
    assert.equal(auc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    assert.equal(auc([1, 2, 3, 4], [1, 1, 0, 0]), 0);
  });

  it('counts a tie one half', () => {
    // positives 0.5, 0.7 against negatives 0.5, 0.2: pairs ½, 1, 1, 1
    assert.equal(auc([0.5, 0.7, 0.5, 0.2], [1, 1, 0, 0]), 3.5 / 4);
    assert.equal(auc([3, 3, 3, 3, 3], [1, 0, 1, 0, 0]), 0.5);
  });

  it('is NaN when a class is empty', () => {
    assert.ok(Number.isNaN(auc([1, 2], [1, 1])));
    assert.ok(Number.isNaN(auc([1, 2], [0, 0])));
  });

  it('equals the pairwise definition on tied random scores, whatever their order', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + rng.int(40);
      const scores = Array.from({ length: n }, () => rng.int(6)); // many ties
      const labels = Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.int(2)));
      const expected = pairwise(scores, labels);
      assert.ok(Math.abs(auc(scores, labels) - expected) < 1e-12);
      const perm = scoreOrder(Array.from({ length: n }, () => rng.next()));
      assert.ok(Math.abs(auc(Array.from(perm, (i) => scores[i]), Array.from(perm, (i) => labels[i])) - expected) < 1e-12);
    }
  });

  it('weights like repeated samples', () => {
    const scores = [0.1, 0.4, 0.4, 0.9, 0.3];
    const labels = [0, 1, 0, 1, 0];
    const weights = [2, 0, 3, 1, 1];
    const expanded: number[] = [];
    const expandedLabels: number[] = [];
    weights.forEach((w, i) => {
      for (let k = 0; k < w; k++) {
        expanded.push(scores[i]);
        expandedLabels.push(labels[i]);
      }
    });
    assert.ok(Math.abs(weightedAuc(scores, labels, scoreOrder(scores), weights) - pairwise(expanded, expandedLabels)) < 1e-12);
  });
});

describe('quantileSorted', () => {
  it('interpolates linearly between order statistics', () => {
    assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantileSorted([0, 10], 0.25), 2.5);
    assert.equal(quantileSorted([4, 8], 0), 4);
    assert.equal(quantileSorted([4, 8], 1), 8);
  });
});

describe('bootstrapAucInterval', () => {
  it('is [1, 1] for perfectly separated scores under stratified resampling', () => {
    const scores = [1, 2, 3, 4, 5, 6];
    const labels = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    assert.deepEqual(bootstrapAucInterval([{ scores, labels }], createRng(1), { strata: labels, resamples: 200 }), [1, 1]);
  });

  it('brackets the AUC, is reproducible, and narrows with more samples', () => {
    const make = (n: number, seed: number) => {
      const rng = createRng(seed);
      const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
      const scores = Float64Array.from(labels, (y) => rng.normal() + 0.8 * y);
      return { scores, labels };
    };
    const small = make(60, 3);
    const large = make(1200, 3);
    const a = auc(small.scores, small.labels);
    const ci = bootstrapAucInterval([small], createRng(5), { strata: small.labels });
    assert.ok(ci[0] < a && a < ci[1], `${a} outside [${ci}]`);
    assert.deepEqual(bootstrapAucInterval([small], createRng(5), { strata: small.labels }), ci);
    const ciLarge = bootstrapAucInterval([large], createRng(5), { strata: large.labels });
    assert.ok(ciLarge[1] - ciLarge[0] < (ci[1] - ci[0]) / 2);
  });

  it('covers the true AUC of a known model about 95 % of the time', () => {
    // Normal scores, unit variance, means 0 and d: AUC = Φ(d / √2); d = 1 → 0.7602.
    const truth = 0.760249;
    let covered = 0;
    const trials = 60;
    for (let t = 0; t < trials; t++) {
      const rng = createRng(100 + t);
      const labels = Uint8Array.from({ length: 200 }, (_, i) => i % 2);
      const scores = Float64Array.from(labels, (y) => rng.normal() + y);
      const [lo, hi] = bootstrapAucInterval([{ scores, labels }], rng.fork('b'), { strata: labels, resamples: 400 });
      if (lo <= truth && truth <= hi) covered++;
    }
    // Binomial(60, 0.95): 51 or more covered with probability > 0.99.
    assert.ok(covered >= 51, `covered ${covered} of ${trials}`);
  });
});
