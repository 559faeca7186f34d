import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createInstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { intersections } from '../../src/metrics/intersections.ts';
import { mapOf, randomMap, shiftedCopy } from './helpers.ts';

test('the table of a hand-drawn pair', () => {
  const t = mapOf([
    [4, 4, 0, 9],
    [4, 4, 0, 9],
    [0, 0, 0, 9],
  ]);
  const p = mapOf([
    [0, 2, 2, 0],
    [7, 7, 0, 2],
    [0, 0, 0, 0],
  ]);
  const x = intersections(t, p);
  assert.deepEqual([...x.trueIds], [4, 9]);
  assert.deepEqual([...x.predIds], [2, 7]);
  assert.deepEqual([...x.trueAreas], [4, 3]);
  assert.deepEqual([...x.predAreas], [3, 2]);
  // true 4 meets pred 2 (1 px) and pred 7 (2 px); true 9 meets pred 2 (1 px).
  assert.deepEqual([...x.rowStart], [0, 2, 3]);
  assert.deepEqual([...x.predIndex], [0, 1, 0]);
  assert.deepEqual([...x.inter], [1, 2, 1]);
  assert.equal(x.trueHasBackground, true);
  assert.equal(x.predHasBackground, true);
});

test('counts every pixel pair exactly (checked pixel by pixel on random maps)', () => {
  const rng = createRng(7);
  for (let trial = 0; trial < 20; trial++) {
    const t = randomMap(rng, 30, 20, 15);
    const p = trial % 2 ? shiftedCopy(rng, t) : randomMap(rng, 30, 20, 12);
    const x = intersections(t, p);
    const expected = new Map<string, number>();
    for (let i = 0; i < t.data.length; i++) {
      if (t.data[i] && p.data[i]) expected.set(`${t.data[i]},${p.data[i]}`, (expected.get(`${t.data[i]},${p.data[i]}`) ?? 0) + 1);
    }
    const got = new Map<string, number>();
    for (let g = 0; g < x.trueIds.length; g++) {
      for (let k = x.rowStart[g]; k < x.rowStart[g + 1]; k++) {
        if (k > x.rowStart[g]) assert.ok(x.predIndex[k] > x.predIndex[k - 1], 'predicted indices ascend within a row');
        got.set(`${x.trueIds[g]},${x.predIds[x.predIndex[k]]}`, x.inter[k]);
      }
    }
    assert.deepEqual(got, expected);
    const area = (m: Int32Array, id: number) => m.reduce((s, v) => s + (v === id ? 1 : 0), 0);
    x.trueIds.forEach((id, k) => assert.equal(x.trueAreas[k], area(t.data, id)));
    x.predIds.forEach((id, k) => assert.equal(x.predAreas[k], area(p.data, id)));
  }
});

test('sparse huge ids give the same table as small ids in the same order', () => {
  const rng = createRng(3);
  const t = randomMap(rng, 25, 25, 10);
  const p = shiftedCopy(rng, t);
  const big = (m: typeof t) => createInstanceMap(m.width, m.height, m.data.map((v) => (v === 0 ? 0 : 1_000_000_000 + 7919 * v)));
  const a = intersections(t, p);
  const b = intersections(big(t), big(p));
  assert.deepEqual([...b.trueIds], [...a.trueIds].map((v) => 1_000_000_000 + 7919 * v));
  for (const key of ['trueAreas', 'predAreas', 'rowStart', 'predIndex', 'inter'] as const) assert.deepEqual(b[key], a[key], key);
});

test('maps without background, empty maps, bad input', () => {
  const x = intersections(mapOf([[1, 2]]), mapOf([[0, 0]]));
  assert.equal(x.trueHasBackground, false);
  assert.equal(x.predHasBackground, true);
  assert.equal(x.predIds.length, 0);
  assert.equal(x.inter.length, 0);
  const e = intersections(createInstanceMap(0, 0), createInstanceMap(0, 0));
  assert.equal(e.trueIds.length + e.predIds.length, 0);
  assert.throws(() => intersections(mapOf([[1, 0]]), mapOf([[1], [0]])), NucleiMixError);
  assert.throws(() => intersections(mapOf([[-3, 0]]), mapOf([[1, 0]])), /negative id/);
});
