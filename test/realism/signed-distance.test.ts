import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { instanceSignedDistance, signedDistance } from '../../src/realism/signed-distance.ts';

/** The signed distance by brute force: nearest pixel of the other side over the whole raster. */
function bruteForce(mask: Uint8Array, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  for (let p = 0; p < w * h; p++) {
    let best = Infinity;
    for (let q = 0; q < w * h; q++) {
      if ((mask[q] !== 0) === (mask[p] !== 0)) continue;
      const dx = (p % w) - (q % w);
      const dy = Math.floor(p / w) - Math.floor(q / w);
      best = Math.min(best, Math.sqrt(dx * dx + dy * dy));
    }
    out[p] = mask[p] ? -best : best;
  }
  return out;
}

describe('signedDistance', () => {
  it('measures from pixel centres: 1 beside, √2 diagonal, −1 on a one-pixel nucleus', () => {
    const w = 7;
    const mask = new Uint8Array(w * w);
    mask[3 * w + 3] = 1;
    const d = signedDistance(mask, w, w);
    assert.equal(d[3 * w + 3], -1);
    assert.equal(d[3 * w + 4], 1);
    assert.equal(d[2 * w + 3], 1);
    assert.ok(Math.abs(d[2 * w + 2] - Math.SQRT2) < 1e-12);
    assert.ok(Math.abs(d[1 * w + 4] - Math.sqrt(5)) < 1e-12);
    assert.equal(d[3 * w + 0], 3);
  });

  it('equals the brute-force distance on random blobs', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 10; trial++) {
      const w = 9 + rng.int(8);
      const h = 7 + rng.int(8);
      const mask = Uint8Array.from({ length: w * h }, () => (rng.next() < 0.35 ? 1 : 0));
      mask[0] = 1;
      mask[1] = 0;
      const got = signedDistance(mask, w, h);
      const want = bruteForce(mask, w, h);
      for (let p = 0; p < w * h; p++) assert.ok(Math.abs(got[p] - want[p]) < 1e-9, `pixel ${p}: ${got[p]} vs ${want[p]}`);
    }
  });

  it('is ±Infinity where the other side does not exist', () => {
    assert.deepEqual(Array.from(signedDistance(new Uint8Array(4).fill(1), 2, 2)), [-Infinity, -Infinity, -Infinity, -Infinity]);
    assert.deepEqual(Array.from(signedDistance(new Uint8Array(4), 2, 2)), [Infinity, Infinity, Infinity, Infinity]);
  });
});

describe('instanceSignedDistance', () => {
  it("is the instance's signed distance over its box grown by the margin, clipped to the map", () => {
    // 12×10 map: instance 5 is the 2×2 block at x 1..2, y 6..7; instance 9 elsewhere is outside.
    const w = 12;
    const h = 10;
    const inst = createInstanceMap(w, h);
    for (const [x, y] of [[1, 6], [2, 6], [1, 7], [2, 7]]) inst.data[y * w + x] = 5;
    inst.data[6 * w + 4] = 9;
    const got = instanceSignedDistance(inst, 5, [1, 6, 3, 8], 3);
    assert.deepEqual([got.x0, got.y0, got.width, got.height], [0, 3, 6, 7]); // x 0..5, y 3..9
    const mask = new Uint8Array(got.width * got.height);
    for (let y = 0; y < got.height; y++) for (let x = 0; x < got.width; x++) mask[y * got.width + x] = inst.data[(got.y0 + y) * w + got.x0 + x] === 5 ? 1 : 0;
    assert.deepEqual(Array.from(got.sd), Array.from(signedDistance(mask, got.width, got.height)));
    assert.equal(got.sd[(6 - got.y0) * got.width + 4 - got.x0], 2); // the other instance's pixel counts as outside
  });
});
