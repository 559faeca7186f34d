import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { figureRegions, type MethodPoint } from '../../src/report/figure-regions.ts';

describe('figureRegions', () => {
  const p = (method: string, image: string, x: number, y: number): MethodPoint => ({ method, image, x, y });
  const points = [
    // Image a: three methods near (100, 100); one method alone at (400, 400).
    p('nucleimix', 'a', 100, 100), p('cutmix', 'a', 110, 95), p('gradmix', 'a', 90, 120),
    p('copypaste', 'a', 400, 400),
    // Image b: two methods together.
    p('nucleimix', 'b', 50, 60), p('insmix', 'b', 70, 40),
    // Image c: one method, twice.
    p('cutmix', 'c', 200, 200), p('cutmix', 'c', 205, 200),
  ];

  it('takes the windows most methods inserted into, one per image first, in a fixed order', () => {
    const r = figureRegions(points, 3, 96, 'nucleimix');
    assert.deepEqual(r.map((x) => [x.image, x.methods]), [
      ['a', ['cutmix', 'gradmix', 'nucleimix']],
      ['b', ['insmix', 'nucleimix']],
      ['c', ['cutmix']],
    ]);
    assert.deepEqual(figureRegions([...points].reverse(), 3, 96, 'nucleimix'), r, 'the order of the points does not matter');
  });

  it('adds non-overlapping windows of the same images once every image has one', () => {
    const r = figureRegions(points, 10, 96, 'nucleimix');
    assert.equal(r.length, 4);
    assert.deepEqual(r[3], { image: 'a', cx: 400, cy: 400, methods: ['copypaste'] });
    for (const x of r) for (const y of r) if (x !== y && x.image === y.image) assert.ok(Math.abs(x.cx - y.cx) >= 96 || Math.abs(x.cy - y.cy) >= 96);
  });

  it('counts a point only when it lies well inside the window', () => {
    const r = figureRegions([p('a', 'i', 100, 100), p('b', 'i', 100 + 48 - 7, 100)], 1, 96);
    assert.deepEqual(r[0].methods, ['a']);
    assert.deepEqual(figureRegions([], 3, 96), []);
  });
});
