import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceStats } from '../../src/core/labels.ts';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import { rimOf, rimRates, RIM_THRESHOLD } from '../../src/realism/rims.ts';

/** A 41×41 grey image with a disc nucleus of radius 6 at (20, 20); `grey(d)` gives the grey at distance d from its centre. */
function disc(grey: (d: number) => number) {
  const w = 41;
  const image = createImage(w, w);
  const inst = createInstanceMap(w, w);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - 20, y - 20);
      image.data.fill(grey(d), 3 * (y * w + x), 3 * (y * w + x) + 3);
      if (d <= 6) inst.data[y * w + x] = 1;
    }
  }
  const stats = instanceStats(inst);
  return rimOf(image, inst, 1, stats.bboxes.subarray(0, 4));
}

describe('rimOf', () => {
  it('counts the ring +1 pixels brighter than the rings +4..+8 by more than the threshold', () => {
    // Ring +1 is exactly the pixels 4-adjacent to the disc: those within 1 px of its edge pixels.
    const plain = disc((d) => (d <= 6 ? 80 : 180));
    assert.ok(plain.ring1 > 20);
    assert.equal(plain.bright, 0);
    assert.equal(plain.halo, 0);
    const bright = disc((d) => (d <= 6 ? 80 : d <= 7.5 ? 180 + RIM_THRESHOLD + 1 : 180));
    assert.equal(bright.bright, bright.ring1, 'a bright line right outside the nucleus is all bright');
    const justBelow = disc((d) => (d <= 6 ? 80 : d <= 7.5 ? 180 + RIM_THRESHOLD : 180));
    assert.equal(justBelow.bright, 0, 'exactly the threshold is not brighter than it');
  });

  it('measures a dark 2–3 px halo as rings +2..+3 against rings +5..+8', () => {
    const dark = disc((d) => (d <= 6 ? 80 : d <= 7 ? 150 : d <= 9.2 ? 150 : 180));
    assert.ok(dark.halo < -RIM_THRESHOLD, `halo ${dark.halo}`);
    const rates = rimRates([dark, disc((d) => (d <= 6 ? 80 : 180))]);
    assert.equal(rates.dark, 0.5);
    assert.equal(rates.haloNuclei, 2);
  });
});
