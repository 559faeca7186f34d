import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { classifierTest, selectColumns, splitHalfTest, stratifiedFolds, type FeatureRows } from '../../src/realism/classifier-test.ts';

function normalRows(seed: number, n: number, p: number, shift = 0): FeatureRows {
  const rng = createRng(seed);
  return { data: Float64Array.from({ length: n * p }, (_, i) => rng.normal() + (i % p === 0 ? shift : 0)), n, p };
}

const quick = { repeats: 2, resamples: 300, forest: { trees: 60 } };

describe('stratifiedFolds', () => {
  it('deals each class evenly into the folds', () => {
    const labels = Uint8Array.from({ length: 53 }, (_, i) => (i < 17 ? 1 : 0));
    const folds = stratifiedFolds(labels, 5, createRng(1));
    for (const c of [0, 1]) {
      const sizes = [0, 0, 0, 0, 0];
      labels.forEach((y, i) => y === c && sizes[folds[i]]++);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `class ${c}: ${sizes}`);
    }
  });
});

describe('stratifiedFolds with groups', () => {
  it('keeps every group in one fold and the classes roughly even', () => {
    const rng = createRng(2);
    const n = 300;
    const labels = Uint8Array.from({ length: n }, (_, i) => (i < 120 ? 1 : 0));
    const groups = Int32Array.from({ length: n }, (_, i) => (i < 120 ? 1000 + (i % 40) : i)); // 40 donors, 3 copies each
    const folds = stratifiedFolds(labels, 5, rng, groups);
    const foldOf = new Map<number, number>();
    groups.forEach((g, i) => {
      if (foldOf.has(g)) assert.equal(folds[i], foldOf.get(g));
      foldOf.set(g, folds[i]);
    });
    for (const c of [0, 1]) {
      const sizes = [0, 0, 0, 0, 0];
      labels.forEach((y, i) => y === c && sizes[folds[i]]++);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 3, `class ${c}: ${sizes}`);
    }
  });
});

describe('selectColumns', () => {
  it('keeps the chosen columns of every row, in the order given', () => {
    const r = selectColumns({ data: Float64Array.from([1, 2, 3, 4, 5, 6]), n: 2, p: 3 }, [2, 0]);
    assert.deepEqual(Array.from(r.data), [3, 1, 6, 4]);
    assert.equal(r.p, 2);
  });
});

describe('classifierTest', { timeout: 120_000 }, () => {
  it('tells apart samples whose first feature is shifted by 3 SD', () => {
    const r = classifierTest(normalRows(1, 80, 5, 3), normalRows(2, 120, 5), createRng(3), quick);
    assert.ok(r.auc > 0.95, `AUC ${r.auc}`);
    assert.ok(r.ci[0] <= r.auc && r.auc <= r.ci[1]);
  });

  it('finds nothing between two samples of one distribution', () => {
    const r = classifierTest(normalRows(4, 150, 5), normalRows(5, 150, 5), createRng(6), quick);
    // Half-width of the interval here ≈ 0.06; allow twice that.
    assert.ok(Math.abs(r.auc - 0.5) < 0.12, `AUC ${r.auc} [${r.ci}]`);
  });

  it('is reproducible from its seed', () => {
    const a = normalRows(7, 40, 3, 1);
    const b = normalRows(8, 40, 3);
    assert.deepEqual(classifierTest(a, b, createRng(9), quick), classifierTest(a, b, createRng(9), quick));
  });

  it('refuses samples smaller than the folds', () => {
    assert.throws(() => classifierTest(normalRows(1, 4, 2), normalRows(2, 40, 2), createRng(1)), /at least one row per fold/);
  });
});

describe('classifierTest with copies', { timeout: 120_000 }, () => {
  it('stays near 0.5 for exact copies of real rows once each copy shares its donor\'s group', () => {
    // Positives are copies of negatives: without groups, a copy and its donor land in
    // different folds with opposite labels and the AUC drops far below 0.5.
    const b = normalRows(20, 100, 4);
    const a: FeatureRows = { data: b.data.slice(0, 60 * 4), n: 60, p: 4 };
    const ungrouped = classifierTest(a, b, createRng(21), quick);
    assert.ok(ungrouped.auc < 0.4, `ungrouped AUC ${ungrouped.auc}`);
    const grouped = classifierTest({ ...a, groups: Int32Array.from({ length: 60 }, (_, i) => i) }, { ...b, groups: Int32Array.from({ length: 100 }, (_, i) => i) }, createRng(21), quick);
    assert.ok(Math.abs(grouped.auc - 0.5) < 0.12, `grouped AUC ${grouped.auc} [${grouped.ci}]`);
  });
});

describe('splitHalfTest', { timeout: 120_000 }, () => {
  it('is about 0.5, and its interval covers 0.5', () => {
    const r = splitHalfTest(normalRows(10, 300, 6), createRng(11), quick);
    assert.ok(r.ci[0] <= 0.5 && 0.5 <= r.ci[1], `null ${r.auc} [${r.ci}]`);
  });
});
