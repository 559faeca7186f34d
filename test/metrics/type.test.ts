import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTypeImage, createTypeTally, pairPoints, referencePoints, typeScores } from '../../src/metrics/type.ts';

const pts = (xyt: [number, number, number][]) =>
  referencePoints(
    xyt.flatMap(([x, y]) => [x, y]),
    xyt.map(([, , t]) => t),
  );

test('one minimum-total assignment over all points, and only then the 12 px cut', () => {
  // T1 and P1 coincide; T2 is 13 px from P2. The alternative pairing (T1–P2, T2–P1) has both
  // pairs within 11 px, but a larger total (22 > 13), so the reference keeps one pair only.
  const x = 73 / 22;
  const t = pts([
    [0, 0, 1],
    [11, 0, 1],
  ]);
  const p = pts([
    [0, 0, 1],
    [x, Math.sqrt(121 - x * x), 1],
  ]);
  const r = pairPoints(t, p);
  assert.deepEqual([...r.pairs], [0, 0]);
  assert.deepEqual([...r.unpairedTrue], [1]);
  assert.deepEqual([...r.unpairedPred], [1]);
});

test('centroids are cast to float32 before the distance (the radius test is in float32)', () => {
  // 12.0000001 px apart in float64; 13.0000001 rounds to 13 in float32, so exactly 12.
  const near = pairPoints(pts([[1, 1, 1]]), pts([[13.0000001, 1, 1]]));
  assert.deepEqual([...near.pairs], [0, 0]);
  // 13.000002 stays above 13 in float32.
  const far = pairPoints(pts([[1, 1, 1]]), pts([[13.000002, 1, 1]]));
  assert.equal(far.pairs.length, 0);
  assert.equal(Math.fround(13.000002) > 13, true);
});

test('the cast and the float32 arithmetic each decide some pairings (checked against numpy)', () => {
  // The cast: 1 - 5e-8 → 0.99999994 and 13 + 4.7e-7 → 13 give 12.00000006 → 12 in float32;
  // uncast, 12.00000052 would round up to 12.00000095.
  assert.equal(pairPoints(pts([[1 - 5e-8, 1, 1]]), pts([[13 + 4.7e-7, 1, 1]])).pairs.length, 2);
  // The arithmetic: √(144 + 1e-8) is 12 in float32 (144 + 1e-8 rounds to 144), not in float64.
  assert.equal(pairPoints(pts([[1, 1, 1]]), pts([[13, 1.0001, 1]])).pairs.length, 2);
  // Against the stand-in (an int64 array) numpy promotes to float64: the same offset from
  // (0, 0) is then more than 12 px.
  assert.equal(pairPoints(referencePoints([], []), pts([[12, 0.0001, 1]])).pairs.length, 0);
  assert.equal(pairPoints(pts([[0, 0, 1]]), pts([[12, 0.0001, 1]])).pairs.length, 2);
});

test('an image without instances contributes the stand-in point (0, 0) of type 0', () => {
  const none = referencePoints([], []);
  assert.equal(none.standIn, true);
  assert.deepEqual([...none.xy], [0, 0]);
  assert.deepEqual([...none.types], [0]);
  // A prediction 7.07 px from the stand-in pairs with it.
  assert.deepEqual([...pairPoints(none, pts([[5, 5, 2]])).pairs], [0, 0]);
  // Two stand-ins pair with each other.
  assert.deepEqual([...pairPoints(none, referencePoints([], [])).pairs], [0, 0]);
});

test('hand-computed pooled F_d, Acc and F_t', () => {
  const tally = createTypeTally();
  addTypeImage(
    tally,
    pts([
      [10, 10, 1],
      [50, 50, 2],
      [90, 90, 2],
    ]),
    pts([
      [11, 10, 1],
      [52, 50, 1],
      [200, 200, 2],
    ]),
  );
  addTypeImage(tally, referencePoints([], []), pts([[5, 5, 2]]));
  // Pairs (true, pred): (1,1), (2,1), (0,2); unpaired: true type 2, predicted type 2.
  const s = typeScores(tally);
  assert.deepEqual([s.tp, s.fp, s.fn], [3, 1, 1]);
  assert.equal(s.fD, 6 / 8);
  assert.equal(s.acc, 1 / 3);
  assert.deepEqual(s.fType, [
    { type: 0, f: 0 / 2 }, // (0,2) is an FN of type 0
    { type: 1, f: 2 / 4 }, // TP (1,1), FP (2,1)
    { type: 2, f: 0 / 6 }, // FN (2,1), FP (0,2), one unpaired on each side
  ]);
  const listed = typeScores(tally, [2, 3]);
  assert.deepEqual(listed.fType.map((f) => f.type), [2, 3]);
  assert.ok(Number.isNaN(listed.fType[1].f), 'a type that occurs nowhere: 0/0');
});

test('nothing paired anywhere: Acc is NaN, F_d is 0', () => {
  const tally = createTypeTally();
  addTypeImage(tally, pts([[0, 0, 1]]), pts([[100, 100, 1]]));
  const s = typeScores(tally);
  assert.equal(s.fD, 0);
  assert.ok(Number.isNaN(s.acc));
});
