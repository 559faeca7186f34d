import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { assignWide, linearSumAssignment } from '../../src/metrics/hungarian.ts';

/** Minimum total cost over all assignments of min(nr, nc) pairs, by enumeration. */
function bruteForce(cost: Float64Array, nr: number, nc: number): number {
  const tall = nr > nc;
  const [n, m] = tall ? [nc, nr] : [nr, nc];
  const at = (i: number, j: number) => (tall ? cost[j * nc + i] : cost[i * nc + j]);
  const used = new Uint8Array(m);
  let best = Infinity;
  const go = (i: number, acc: number) => {
    if (i === n) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = 1;
      go(i + 1, acc + at(i, j));
      used[j] = 0;
    }
  };
  go(0, 0);
  return best;
}

test('matches brute force on random rectangular float matrices', () => {
  const rng = createRng(1234);
  for (let trial = 0; trial < 400; trial++) {
    const nr = 1 + rng.int(6);
    const nc = 1 + rng.int(6);
    const cost = Float64Array.from({ length: nr * nc }, () => (trial % 3 === 0 ? rng.int(3) : rng.uniform(-5, 5)));
    const { rows, cols } = linearSumAssignment(cost, nr, nc);
    const k = Math.min(nr, nc);
    assert.equal(rows.length, k);
    assert.equal(new Set(rows).size, k, 'rows distinct');
    assert.equal(new Set(cols).size, k, 'columns distinct');
    for (let i = 1; i < k; i++) assert.ok(rows[i] > rows[i - 1], 'sorted by row');
    let total = 0;
    for (let i = 0; i < k; i++) total += cost[rows[i] * nc + cols[i]];
    const best = bruteForce(cost, nr, nc);
    assert.ok(Math.abs(total - best) <= 1e-9, `${nr}×${nc} trial ${trial}: ${total} vs optimum ${best}`);
  }
});

test('hand-checked: the cheap diagonal loses to the cheaper anti-diagonal', () => {
  // 1 + 1 = 2 beats 0 + 3.
  const { rows, cols } = linearSumAssignment([0, 1, 1, 3], 2, 2);
  assert.deepEqual([...rows], [0, 1]);
  assert.deepEqual([...cols], [1, 0]);
});

test('a constant matrix gives the identity, and a tall matrix lists pairs by row', () => {
  const c = linearSumAssignment(new Float64Array(9).fill(5), 3, 3);
  assert.deepEqual([...c.cols], [0, 1, 2]);
  // 3×2: rows 0 and 2 are the cheap ones for columns 1 and 0.
  const t = linearSumAssignment([9, 1, 9, 9, 1, 9], 3, 2);
  assert.deepEqual([...t.rows], [0, 2]);
  assert.deepEqual([...t.cols], [1, 0]);
});

test('empty matrices give no pairs; +inf forbids a pair', () => {
  assert.equal(linearSumAssignment([], 0, 4).rows.length, 0);
  assert.equal(linearSumAssignment([], 3, 0).cols.length, 0);
  const { cols } = linearSumAssignment([Infinity, 2, 1, Infinity], 2, 2);
  assert.deepEqual([...cols], [1, 0]);
});

test('NaN, -inf and infeasible matrices are errors', () => {
  assert.throws(() => linearSumAssignment([0, NaN], 1, 2), NucleiMixError);
  assert.throws(() => linearSumAssignment([0, -Infinity], 1, 2), NucleiMixError);
  assert.throws(() => linearSumAssignment([Infinity, Infinity, 1, 2], 2, 2), NucleiMixError);
  assert.throws(() => linearSumAssignment([1, 2, 3], 2, 2), RangeError);
  assert.throws(() => assignWide(new Float64Array(2), 2, 1), RangeError);
});
