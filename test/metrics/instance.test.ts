import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInstanceMap, type InstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { aji, ajiPlus, dice, instanceScores, panoptic } from '../../src/metrics/instance.ts';
import { intersections } from '../../src/metrics/intersections.ts';
import { mapOf, randomMap, shiftedCopy } from './helpers.ts';

const scores = (t: InstanceMap, p: InstanceMap) => instanceScores(intersections(t, p));

test('hand-computed scores of two matched pairs', () => {
  const t = mapOf([
    [1, 1, 0, 0],
    [1, 1, 0, 0],
    [0, 0, 2, 2],
    [0, 0, 2, 0],
  ]);
  const p = mapOf([
    [5, 5, 0, 0],
    [5, 0, 0, 0],
    [0, 0, 9, 9],
    [0, 0, 9, 9],
  ]);
  const s = scores(t, p);
  // 6 shared pixels of 7 + 7.
  assert.equal(s.dice, 12 / 14);
  // Pairs (1,5) and (2,9): intersections 3 + 3, unions 4 + 4.
  assert.equal(s.aji, 6 / 8);
  assert.equal(s.ajiPlus, 6 / 8);
  assert.equal(s.dq, 1);
  // IoU 3/4 each; SQ = Σ IoU / (TP + 1e-6).
  assert.equal(s.sq, 1.5 / (2 + 1e-6));
  assert.equal(s.pq, s.dq * s.sq);
});

test('AJI ties go to the first prediction in id order; AJI+ pairs uniquely', () => {
  // GT 1 (4 px) meets predictions A and B equally (2 px each, union 5); GT 2 (1 px) meets B only.
  const t = mapOf([
    [1, 1, 1, 1],
    [0, 0, 0, 2],
  ]);
  const withIds = (a: number, b: number) =>
    mapOf([
      [a, a, b, b],
      [a, 0, 0, b],
    ]);
  // A first: GT 1 takes A, GT 2 takes B: I = 2 + 1, U = 5 + 3.
  assert.equal(aji(intersections(t, withIds(1, 2))), 3 / 8);
  // B first: both GTs take B and A is never taken: U gains A's 3 px.
  assert.equal(aji(intersections(t, withIds(2, 1))), 3 / 11);
  assert.equal(ajiPlus(intersections(t, withIds(1, 2))), 3 / 8);
  assert.equal(ajiPlus(intersections(t, withIds(2, 1))), 3 / 8);
  // IoUs 0.4, 0.4, 1/3: nothing passes 0.5.
  const pq = panoptic(intersections(t, withIds(1, 2)));
  assert.deepEqual(pq, { dq: 0, sq: 0, pq: 0, tp: 0, fp: 2, fn: 2 });
});

test("AJI's IoU has +1e-6 in its denominator, which breaks equal ratios toward larger unions", () => {
  // GT 1 (3 px) meets A (1 px inside it, IoU 1/3) and B (2 px inside, 3 outside, IoU 2/6).
  // With the epsilon B's IoU is the larger (2/6.000001 > 1/3.000001), so GT 1 takes B:
  // I = 2, U = 6 + A's 1 px. Without it the tie would go to A (1/8).
  const t = mapOf([[1, 1, 1, 0, 0, 0]]);
  const p = mapOf([[1, 2, 2, 2, 2, 2]]);
  assert.equal(aji(intersections(t, p)), 2 / 7);
});

test('an IoU of exactly 0.5 does not match (strictly greater)', () => {
  const t = mapOf([[1, 1, 0]]);
  const p = mapOf([[0, 3, 3]]);
  // inter 1, union 3 → 1/3; and a second case with inter 2, union 4 → exactly 0.5.
  assert.equal(panoptic(intersections(t, p)).tp, 0);
  const t2 = mapOf([[1, 1, 1, 0]]);
  const p2 = mapOf([[0, 4, 4, 4]]);
  const s = panoptic(intersections(t2, p2));
  assert.equal(s.tp, 0);
  assert.equal(s.dq, 0);
});

test('one-pixel instances and non-consecutive ids', () => {
  const t = mapOf([
    [0, 3, 0],
    [0, 0, 0],
    [8, 0, 0],
  ]);
  const p = mapOf([
    [0, 40, 0],
    [0, 0, 0],
    [0, 0, 1000],
  ]);
  const s = scores(t, p);
  // One exact match (IoU 1), one miss on each side.
  assert.equal(s.dice, 2 / 4);
  assert.equal(s.aji, 1 / 3);
  assert.equal(s.ajiPlus, 1 / 3);
  assert.equal(s.dq, 1 / (1 + 0.5 + 0.5));
  assert.equal(s.sq, 1 / (1 + 1e-6));
});

test('relabelling ids in the same order changes nothing', () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 10; trial++) {
    const t = randomMap(rng, 24, 24, 14);
    const p = shiftedCopy(rng, t);
    const sparse = (m: InstanceMap, k: number) => createInstanceMap(m.width, m.height, m.data.map((v) => (v ? 100 + k * v : 0)));
    assert.deepEqual(scores(sparse(t, 7), sparse(p, 13)), scores(t, p));
  }
});

test('empty maps: defined values where the reference divides by zero or crashes', () => {
  const zero = createInstanceMap(3, 2);
  const some = mapOf([
    [1, 1, 0],
    [0, 2, 0],
  ]);
  // Nothing predicted: the reference's AJI crashes; ours is 0 like the rest.
  assert.deepEqual(scores(some, zero), { dice: 0, aji: 0, dq: 0, sq: 0, pq: 0, ajiPlus: 0 });
  // Nothing true: the reference gives 0 everywhere.
  assert.deepEqual(scores(zero, some), { dice: 0, aji: 0, dq: 0, sq: 0, pq: 0, ajiPlus: 0 });
  // Nothing at all: 0/0 everywhere (evaluate() skips such images).
  const s = scores(zero, zero);
  for (const v of Object.values(s)) assert.ok(Number.isNaN(v));
});

test('restricting PQ to subsets of instances (per-type PQ)', () => {
  const t = mapOf([[1, 1, 0, 2, 2]]);
  const p = mapOf([[5, 5, 0, 6, 0]]);
  const x = intersections(t, p);
  // Keep only the second true and second predicted instance: IoU 1/2, not a match.
  const second = panoptic(x, Uint8Array.of(0, 1), Uint8Array.of(0, 1));
  assert.deepEqual([second.tp, second.fp, second.fn], [0, 1, 1]);
  const first = panoptic(x, Uint8Array.of(1, 0), Uint8Array.of(1, 0));
  assert.deepEqual([first.tp, first.fp, first.fn, first.dq], [1, 0, 0, 1]);
  // A subset with truths but no predictions.
  assert.equal(panoptic(x, Uint8Array.of(1, 1), Uint8Array.of(0, 0)).pq, 0);
});

test('properties: a perfect prediction scores 1; swapping truth and prediction keeps Dice and PQ', () => {
  const rng = createRng(99);
  for (let trial = 0; trial < 25; trial++) {
    const t = randomMap(rng, 32, 28, 4 + rng.int(20));
    const s = scores(t, t);
    assert.equal(s.dice, 1);
    assert.equal(s.dq, 1);
    assert.ok(Math.abs(s.aji - 1) < 1e-12 && Math.abs(s.ajiPlus - 1) < 1e-12, `AJI ${s.aji}, AJI+ ${s.ajiPlus}`);
    // SQ = n / (n + 1e-6): 1 up to the reference's epsilon.
    assert.ok(Math.abs(s.sq - 1) < 1e-6 && Math.abs(s.pq - 1) < 1e-6);

    const p = trial % 2 ? shiftedCopy(rng, t) : randomMap(rng, 32, 28, 10);
    const a = scores(t, p);
    const b = scores(p, t);
    assert.equal(a.dice, b.dice);
    assert.equal(a.dq, b.dq);
    assert.ok(Math.abs(a.sq - b.sq) < 1e-12 && Math.abs(a.pq - b.pq) < 1e-12, `SQ ${a.sq} vs ${b.sq}`);
    for (const v of Object.values(a)) assert.ok(v >= 0 && v <= 1);
  }
});

test('dice alone', () => {
  assert.equal(dice(intersections(mapOf([[1, 0, 2]]), mapOf([[3, 3, 0]]))), 2 / 4);
});
