import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createMatrix, fromRows, rowOf, selectRows } from '../../src/features/matrix.ts';
import { fitStandardiser, standardise, standardiseRow } from '../../src/features/standardise.ts';

test('z-scores with population std; constant columns map to 0', () => {
  const x = fromRows([
    [1, 10, 5],
    [3, 10, 5],
    [5, 10, 5],
    [7, 10, 5],
  ]);
  const s = fitStandardiser(x);
  assert.deepEqual(Array.from(s.mean), [4, 10, 5]);
  assert.deepEqual(Array.from(s.std), [Math.sqrt(5), 1, 1]); // var of 1,3,5,7 (/n) = 5
  const z = standardise(s, x);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < 4; i++) {
    sum += z.data[i * 3];
    sumSq += z.data[i * 3] ** 2;
    assert.equal(z.data[i * 3 + 1], 0);
    assert.equal(z.data[i * 3 + 2], 0);
  }
  assert.ok(Math.abs(sum) < 1e-12);
  assert.ok(Math.abs(sumSq / 4 - 1) < 1e-12);
  assert.deepEqual(Array.from(standardiseRow(s, [4 + Math.sqrt(5), 11, 5])), [1, 1, 0]);
});

test('a constant column with a large offset is still recognised as constant', () => {
  const x = fromRows([[0.1 + 1e6], [0.1 + 1e6], [0.1 + 1e6]]);
  assert.equal(fitStandardiser(x).std[0], 1);
});

test('matrix helpers and bad shapes', () => {
  const m = createMatrix(3, 2, Float64Array.from([1, 2, 3, 4, 5, 6]));
  assert.deepEqual(Array.from(rowOf(m, 1)), [3, 4]);
  assert.deepEqual(Array.from(selectRows(m, [2, 0]).data), [5, 6, 1, 2]);
  assert.throws(() => createMatrix(2, 2, new Float64Array(3)), NucleiMixError);
  assert.throws(() => fromRows([[1, 2], [3]]), NucleiMixError);
  assert.throws(() => selectRows(m, [3]), NucleiMixError);
  const s = fitStandardiser(m);
  assert.throws(() => standardiseRow(s, [1, 2, 3]), NucleiMixError);
  assert.throws(() => standardise(s, createMatrix(1, 3)), NucleiMixError);
  assert.throws(() => fitStandardiser(createMatrix(0, 2)), NucleiMixError);
  assert.throws(() => fitStandardiser(fromRows([[1], [NaN]])), NucleiMixError);
});
