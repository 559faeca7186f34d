import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { drawFibres } from '../../src/synth/fibres.ts';

test('fibres stay in allowed pixels and run along the direction field', () => {
  const w = 120;
  const h = 80;
  // Left half allowed; the field points along x.
  const allowed = Uint8Array.from({ length: w * h }, (_, p) => (p % w < 60 ? 0 : 1));
  const dirX = new Float32Array(w * h).fill(1);
  const dirY = new Float32Array(w * h);
  const field = { width: w, height: h, allowed, allowValue: 0, dirX, dirY };
  const out = drawFibres(createRng(5), field, 40);
  assert.deepEqual(out, drawFibres(createRng(5), field, 40));
  let inside = 0;
  for (let p = 0; p < w * h; p++) {
    if (allowed[p] !== 0) assert.equal(out[p], 0, 'nothing drawn outside the allowed region');
    else inside += out[p];
  }
  assert.ok(inside > 100, `coverage ${inside}`);
  // Horizontal fibres: coverage varies much more down a column than along a row.
  let alongRow = 0;
  let downColumn = 0;
  for (let y = 1; y < h; y++) {
    for (let x = 1; x < 60; x++) {
      alongRow += Math.abs(out[y * w + x] - out[y * w + x - 1]);
      downColumn += Math.abs(out[y * w + x] - out[(y - 1) * w + x]);
    }
  }
  assert.ok(downColumn > 2 * alongRow, `down ${downColumn} vs along ${alongRow}`);
});
