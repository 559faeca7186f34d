import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepLargestPieces } from '../../src/core/components.ts';
import { labelsFromMap } from '../../src/core/labels.ts';
import { createInstanceMap } from '../../src/core/raster.ts';

const labelsOf = (rows: number[][]) => labelsFromMap(createInstanceMap(rows[0].length, rows.length, Int32Array.from(rows.flat())), (id) => id * 10);

test('the doc example: one row [1, 0, 1, 1] keeps the larger piece', () => {
  const { labels, cleared } = keepLargestPieces(labelsOf([[1, 0, 1, 1]]));
  assert.deepEqual(Array.from(labels.inst.data), [0, 0, 1, 1]);
  assert.deepEqual([...cleared], [[1, 1]]);
  assert.deepEqual(Array.from(labels.centroids), [2.5, 0]);
});

test('4-connectivity: diagonal neighbours are separate pieces; ties keep the first in row-major order; untouched ids keep their centroids', () => {
  const input = labelsOf([
    [1, 0, 2, 2],
    [0, 1, 0, 0],
    [3, 3, 0, 2],
  ]);
  const { labels, cleared } = keepLargestPieces(input);
  assert.deepEqual(Array.from(labels.inst.data), [1, 0, 2, 2, 0, 0, 0, 0, 3, 3, 0, 0]);
  assert.deepEqual(Object.fromEntries(cleared), { 1: 1, 2: 1 });
  assert.deepEqual(Array.from(labels.types), [10, 20, 30]);
  // Instance 3 was whole: its centroid is the input's, bit for bit.
  assert.deepEqual([labels.centroids[4], labels.centroids[5]], [input.centroids[4], input.centroids[5]]);
  assert.deepEqual([labels.centroids[0], labels.centroids[1]], [0, 0]);
});

test('only the ids asked for are fixed, and whole labels come back as they are', () => {
  const input = labelsOf([
    [1, 0, 1],
    [2, 0, 2],
  ]);
  const { labels, cleared } = keepLargestPieces(input, [2]);
  assert.deepEqual(Array.from(labels.inst.data), [1, 0, 1, 2, 0, 0]);
  assert.deepEqual([...cleared.keys()], [2]);
  const whole = labelsOf([[1, 1, 0, 2]]);
  assert.equal(keepLargestPieces(whole).labels, whole);
});
