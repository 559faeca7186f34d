import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intersections } from '../../src/metrics/intersections.ts';
import { datasetMpq, imageMpq, pqPerType } from '../../src/metrics/mpq.ts';
import { mapOf } from './helpers.ts';

test('per-type PQ on type-restricted maps, averaged over the types the GT has', () => {
  // GT: instance 1 (type 1), instance 2 (type 2). Prediction: 5 matches 1 exactly and is
  // type 1; 6 matches 2 exactly but is called type 1.
  const t = mapOf([[1, 1, 0, 2, 2]]);
  const p = mapOf([[5, 5, 0, 6, 6]]);
  const x = intersections(t, p);
  const per = pqPerType(x, Int32Array.of(1, 2), Int32Array.of(1, 1), [1, 2, 3]);
  // Type 1: one match (IoU 1) and one false positive: DQ 2/3, SQ 1/(1 + 1e-6).
  assert.equal(per[0], (1 / (1 + 0.5)) * (1 / (1 + 1e-6)));
  // Type 2: a truth with no prediction of its type.
  assert.equal(per[1], 0);
  // Type 3: not in this GT.
  assert.ok(Number.isNaN(per[2]));
  assert.equal(imageMpq(per), (per[0] + per[1]) / 2);
  assert.ok(Number.isNaN(imageMpq([NaN, NaN])));
  assert.equal(datasetMpq([0.5, NaN, 0.25]), 0.375);
});
