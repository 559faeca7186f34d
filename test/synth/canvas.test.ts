import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instanceStats } from '../../src/core/labels.ts';
import { createRng } from '../../src/core/rng.ts';
import { createCanvas, MIN_AREA, paintNucleus } from '../../src/synth/canvas.ts';
import { drawNucleus, signedDistance, TYPE, type NucleusSpec } from '../../src/synth/nuclei.ts';

const W = 64;

function disc(cx: number, cy: number, r: number): NucleusSpec {
  return {
    type: TYPE.inflammatory, cx, cy, angle: 0, lobes: [{ u: 0, v: 0, a: r, b: r }], outline: [], bend: 0,
    h: 1.2, e: 0.3, r: 0.1, rim: 0, rimWidth: 1, chromatin: 0, clumped: false, dots: [], halo: 0,
  };
}

function blank() {
  return createCanvas(W, W, new Float32Array(W * W));
}

/** Number of pixels of the 4-connected piece of instance `id` that holds `start`. */
function piece(inst: Int32Array, id: number, start: number): number {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    const q = stack.pop()!;
    const x = q % W;
    for (const r of [x > 0 ? q - 1 : -1, x < W - 1 ? q + 1 : -1, q - W, q + W]) {
      if (r >= 0 && r < inst.length && !seen.has(r) && inst[r] === id) {
        seen.add(r);
        stack.push(r);
      }
    }
  }
  return seen.size;
}

test('signedDistance is exact for a circle', () => {
  const s = disc(0, 0, 6);
  assert.ok(Math.abs(signedDistance(s, 0, 0) + 6) < 1e-12);
  assert.ok(Math.abs(signedDistance(s, 3, 4) + 1) < 1e-12);
  assert.ok(Math.abs(signedDistance(s, -6, 8) - 4) < 1e-12);
});

test('a painted disc has the disc area and is labelled exactly where coverage passes one half', () => {
  const c = blank();
  assert.equal(paintNucleus(c, disc(32.3, 31.6, 7), 0), 1);
  const stats = instanceStats({ width: W, height: W, channels: 1, data: c.inst });
  assert.ok(Math.abs(stats.areas[0] - Math.PI * 49) < 0.06 * Math.PI * 49, `area ${stats.areas[0]}`);
  assert.ok(Math.abs(stats.centroids[0] - 32.3) < 0.3 && Math.abs(stats.centroids[1] - 31.6) < 0.3);
  for (let p = 0; p < W * W; p++) {
    if (c.inst[p]) assert.ok(c.alpha[p] > 0.5);
    else assert.ok(c.alpha[p] <= 0.5);
  }
  // Soft edge: some unlabelled pixels carry a fringe of nuclear stain.
  assert.ok(c.alpha.some((a, p) => !c.inst[p] && a > 0.1));
  assert.deepEqual(c.types, [TYPE.inflammatory]);
});

test('overlap beyond the allowance is refused; touching nuclei keep their own pixels', () => {
  const c = blank();
  assert.equal(paintNucleus(c, disc(30, 32, 7), 0), 1);
  const before = c.inst.slice();
  assert.equal(paintNucleus(c, disc(34, 32, 7), 0.1), 0, 'heavily overlapping nucleus refused');
  assert.deepEqual(c.inst, before, 'a refused nucleus changes nothing');
  assert.equal(paintNucleus(c, disc(43, 32, 7), 0.15), 2, 'a touching nucleus is accepted');
  for (let p = 0; p < W * W; p++) if (before[p]) assert.equal(c.inst[p], 1, 'no pixel is taken from instance 1');
  const first2 = c.inst.indexOf(2);
  assert.equal(piece(c.inst, 2, first2), c.inst.filter((v) => v === 2).length, 'the clipped nucleus is still one piece');
  assert.equal(paintNucleus(c, disc(2, 2, 1.5), 0), 0, 'too small to keep');
  assert.deepEqual(c.types, [TYPE.inflammatory, TYPE.inflammatory]);
});

test('every type paints as one connected piece of at least MIN_AREA pixels', () => {
  const rng = createRng(8);
  for (const type of [TYPE.other, TYPE.inflammatory, TYPE.epithelial, TYPE.spindle]) {
    for (let i = 0; i < 40; i++) {
      const c = blank();
      const spec = drawNucleus(rng, type, 32, 32, rng.uniform(0, Math.PI));
      assert.equal(spec.type, type);
      assert.equal(paintNucleus(c, spec, 0), 1, `type ${type} #${i} painted`);
      const area = c.inst.filter((v) => v === 1).length;
      assert.ok(area >= MIN_AREA);
      assert.equal(piece(c.inst, 1, c.inst.indexOf(1)), area, `type ${type} #${i} connected`);
      if (type === TYPE.other) assert.ok(c.clear.some((v) => v > 0.5), 'the rare type has a clear halo');
    }
  }
});
