import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numpyMean, numpyNanMean, numpySum } from '../../src/metrics/pairwise-sum.ts';

// Expected values printed by numpy 1.24 (np.sum, np.mean, np.nanmean) for the same arrays.
test("numpy's pairwise summation order, bit for bit", () => {
  const ones = (n: number) => [1e16, ...Array<number>(n).fill(1)];
  // A naive left-to-right sum loses every 1 (1e16 + 1 rounds back to 1e16).
  assert.equal(numpySum(ones(8)), 1.0000000000000008e16);
  assert.equal(numpySum(ones(200)), 1.0000000000000188e16);
  assert.equal(numpyMean(ones(200)), 49751243781095.46);
  assert.equal(numpyMean([0.1, 0.2, 0.3]), 0.20000000000000004);
  assert.equal(numpyNanMean([...Array<number>(13).fill(0.1), NaN, 0.7]), 0.14285714285714285);
});

test('empty and all-NaN inputs', () => {
  assert.equal(numpySum([]), 0);
  assert.ok(Number.isNaN(numpyMean([])));
  assert.ok(Number.isNaN(numpyNanMean([NaN, NaN])));
});
