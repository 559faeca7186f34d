import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dilate4, dilationRings, indexOfId, instanceMask, instanceStats, labelsFromMap, nucleiTable, paintTypeMap, renumber } from '../../src/core/labels.ts';
import { createInstanceMap } from '../../src/core/raster.ts';

// 6×4 map:       x: 0 1 2 3 4 5
//            y=0:    0 7 7 0 0 0
//            y=1:    0 7 7 0 3 0
//            y=2:    0 0 0 0 3 3
//            y=3:    9 0 0 0 0 0
const MAP = createInstanceMap(6, 4, Int32Array.from([0, 7, 7, 0, 0, 0, 0, 7, 7, 0, 3, 0, 0, 0, 0, 0, 3, 3, 9, 0, 0, 0, 0, 0]));

test('instanceStats gives areas, exclusive boxes and mean-coordinate centroids', () => {
  const s = instanceStats(MAP);
  assert.deepEqual(Array.from(s.ids), [3, 7, 9]);
  assert.deepEqual(Array.from(s.areas), [3, 4, 1]);
  assert.deepEqual(Array.from(s.bboxes), [4, 1, 6, 3, 1, 0, 3, 2, 0, 3, 1, 4]);
  assert.deepEqual(Array.from(s.centroids), [13 / 3, 5 / 3, 1.5, 0.5, 0, 3]);
});

test('nucleiTable and paintTypeMap follow the types by id', () => {
  const labels = labelsFromMap(MAP, (id) => (id === 7 ? 2 : 1));
  const table = nucleiTable(labels);
  assert.deepEqual(table.map((n) => [n.id, n.type, n.area]), [[3, 1, 3], [7, 2, 4], [9, 1, 1]]);
  assert.deepEqual(table[1].bbox, [1, 0, 3, 2]);
  const tm = paintTypeMap(labels);
  assert.equal(tm[1], 2);
  assert.equal(tm[10], 1);
  assert.equal(tm[0], 0);
  assert.equal(indexOfId(labels, 9), 2);
  assert.equal(indexOfId(labels, 4), -1);
});

test('renumber makes ids 1..N in order and keeps types, centroids and pixels', () => {
  const labels = labelsFromMap(MAP, (id) => id);
  const r = renumber(labels);
  assert.deepEqual(Array.from(r.ids), [1, 2, 3]);
  assert.deepEqual(Array.from(r.types), [3, 7, 9]);
  for (let p = 0; p < MAP.data.length; p++) {
    const old = MAP.data[p];
    assert.equal(r.inst.data[p], old === 0 ? 0 : [3, 7, 9].indexOf(old) + 1);
  }
  assert.equal(renumber(r), r, 'already consecutive: returned as is');
});

test('dilate4 grows by the 4-neighbourhood only and stops at the border', () => {
  const m = instanceMask(MAP, 9); // the corner pixel (0,3)
  const d = dilate4(m, 6, 4);
  assert.deepEqual([...d.keys()].filter((p) => d[p]), [12, 18, 19]);
});

test('dilationRings: r_k grows by one 4-connected layer per step (diamond of radius k)', () => {
  const w = 15;
  const h = 15;
  const m = new Uint8Array(w * h);
  m[7 * w + 7] = 1;
  const rings = dilationRings(m, w, h, 3);
  assert.equal(rings.length, 4);
  for (let k = 0; k <= 3; k++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) assert.equal(rings[k][y * w + x], Math.abs(x - 7) + Math.abs(y - 7) <= k ? 1 : 0);
    }
  }
  // layer sizes of a diamond: 1, 4, 8, 12
  const sizes = rings.map((r) => r.reduce((a, b) => a + b, 0));
  assert.deepEqual(sizes, [1, 5, 13, 25]);
});
