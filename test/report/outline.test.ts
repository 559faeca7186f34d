import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInstanceMap } from '../../src/core/raster.ts';
import { fillPolygon } from '../../src/core/polygon.ts';
import { outlinePath } from '../../src/report/outline.ts';

/** The path's vertices, in window coordinates. */
function vertices(d: string): [number, number][] {
  return [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('outlinePath', () => {
  // A 12×10 map: instance 3 is a 4×3 block at x 5..8, y 2..4 with its corner pixel (8, 4) missing.
  const inst = createInstanceMap(12, 10);
  for (let y = 2; y <= 4; y++) for (let x = 5; x <= 8; x++) if (!(x === 8 && y === 4)) inst.data[y * 12 + x] = 3;
  inst.data[0] = 7;

  it('traces the boundary pixels of the instance, half a pixel in (pixel centres), in window coordinates', () => {
    const d = outlinePath(inst, 3, 4, 1, 8, 8);
    const vs = vertices(d);
    assert.ok(vs.length >= 4 && d.endsWith('Z'), d);
    for (const [x, y] of vs) {
      assert.equal(x % 1, 0.5);
      assert.equal(inst.data[(y - 0.5 + 1) * 12 + (x - 0.5 + 4)], 3, `vertex (${x}, ${y}) lies on a pixel of the instance`);
    }
    // Refilled, the outline gives back exactly the instance's pixels in the window.
    const filled = new Uint8Array(8 * 8);
    fillPolygon(filled, 8, 8, Float64Array.from(vs.flat().map((v) => v - 0.5)), 1);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) assert.equal(filled[y * 8 + x], inst.data[(y + 1) * 12 + x + 4] === 3 ? 1 : 0, `(${x}, ${y})`);
  });

  it('clips to the window and gives nothing for an instance outside it', () => {
    assert.equal(outlinePath(inst, 3, 0, 6, 4, 4), '');
    assert.equal(outlinePath(inst, 99, 0, 0, 12, 10), '');
    const part = vertices(outlinePath(inst, 3, 7, 0, 5, 10));
    assert.ok(part.every(([x]) => x >= 0.5 && x <= 1.5), JSON.stringify(part));
  });
});
