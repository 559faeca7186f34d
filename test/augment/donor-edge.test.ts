import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutDonor } from '../../src/augment/donor.ts';
import { donorEdge, MIN_CONTRAST } from '../../src/augment/donor-edge.ts';
import type { Insertion } from '../../src/augment/manifest.ts';
import { renderProgressive } from '../../src/augment/progressive.ts';
import { labelsFromMap } from '../../src/core/labels.ts';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import type { Sample } from '../../src/io/dataset.ts';
import { createEngine } from '../../src/inpaint/engines.ts';
import { direct, meanEngine } from './fixtures.ts';

const NONE = { flipH: false, flipV: false, rotation: 0 };

/**
 * A 60×60 flat grey sample with one round nucleus (id 1, radius 6, grey `nucleus`) at
 * (30, 30); `around(d)` gives the grey at distance d > 6 from its centre.
 */
function roundNucleus(name: string, nucleus: number, around: (d: number) => number): Sample {
  const w = 60;
  const image = createImage(w, w);
  const inst = createInstanceMap(w, w);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - 30, y - 30);
      const p = y * w + x;
      if (d <= 6) inst.data[p] = 1;
      image.data.fill(d <= 6 ? nucleus : around(d), 3 * p, 3 * p + 3);
    }
  }
  return { name, image, labels: labelsFromMap(inst, () => 1) };
}

/** Layer of each pixel of a cut: 0 in r0, 1 in r1 \ r0, else its 4-connected distance from r1 plus 1 (up to 3), 9 beyond. */
function layers(cut: ReturnType<typeof cutDonor>): Uint8Array {
  const w = cut.rgb.width;
  const h = cut.rgb.height;
  const out = new Uint8Array(w * h).fill(9);
  for (let p = 0; p < w * h; p++) if (cut.r0[p]) out[p] = 0;
  for (let p = 0; p < w * h; p++) if (cut.r1[p] && !cut.r0[p]) out[p] = 1;
  for (let k = 2; k <= 3; k++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (out[p] !== 9) continue;
        const n = [x > 0 ? out[p - 1] : 9, x < w - 1 ? out[p + 1] : 9, y > 0 ? out[p - w] : 9, y < h - 1 ? out[p + w] : 9];
        if (n.some((v) => v === k - 1)) out[p] = k + 10; // mark, then settle below
      }
    }
    for (let p = 0; p < w * h; p++) if (out[p] === k + 10) out[p] = k;
  }
  return out;
}

describe('donorEdge', () => {
  it('reads the nuclear share of the contour and the ring from the donor against its own background', () => {
    // Nucleus 60, background 200; the contour 1 px outside mixes them half and half (130);
    // a pixel brighter than the background (a halo) is no nucleus at all.
    const donor = roundNucleus('d', 60, (d) => (d <= 7 ? 130 : d <= 8 ? 230 : 200));
    const cut = cutDonor(donor, 1, NONE);
    const { share, nucleus } = donorEdge(cut);
    const layer = layers(cut);
    let contour = 0;
    for (let p = 0; p < share.length; p++) {
      if (layer[p] === 0) assert.equal(share[p], 1);
      else if (layer[p] === 9) assert.equal(share[p], 0);
      else {
        const g = cut.rgb.data[3 * p];
        const expected = g >= 200 ? 0 : (200 - g) / 140;
        assert.ok(Math.abs(share[p] - expected) < 1e-6, `layer ${layer[p]}: grey ${g}, share ${share[p]}`);
        if (share[p] > 0) for (let c = 0; c < 3; c++) assert.equal(nucleus[3 * p + c], 60);
        if (layer[p] === 1 && g === 130) contour++;
      }
    }
    assert.ok(contour > 20, 'the contour is half nucleus');
  });

  it('leaves the share unknown where the nucleus cannot be told from its background', () => {
    const cut = cutDonor(roundNucleus('d', 200 - MIN_CONTRAST + 1, () => 200), 1, NONE);
    const { share } = donorEdge(cut);
    const layer = layers(cut);
    for (let p = 0; p < share.length; p++) if (layer[p] >= 1 && layer[p] <= 3) assert.ok(Number.isNaN(share[p]));
  });
});

describe('the donor edge in a render', () => {
  const insertion = (x: number, y: number): Insertion => ({
    index: 0,
    rareType: 1,
    target: { image: 't', kind: 'background', x, y, logLikelihood: 0, probability: 1 },
    donor: { image: 'd', id: 1, type: 1, distance: 0, probability: 1, ...NONE },
  });

  it('brings the donor nucleus and its edge, not the white halo around it', async () => {
    // The donor sits in a white halo 3 px wide; the target is flat tissue of grey 170.
    const donor = roundNucleus('d', 60, (d) => (d <= 7 ? 160 : d <= 9.5 ? 245 : 200));
    const target: Sample = { name: 't', image: createImage(60, 60), labels: labelsFromMap(createInstanceMap(60, 60), () => 1) };
    target.image.data.fill(170);
    const cut = cutDonor(donor, 1, NONE);
    const { sample, applied } = await renderProgressive(target, [{ insertion: insertion(30, 30), donor: cut }], direct(await createEngine('telea')));
    const out = sample.image.data;
    const [x0, y0, x1, y1] = applied[0].bbox;
    const bw = x1 - x0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const bits = applied[0].layers[(y - y0) * bw + x - x0];
        const g = out[3 * (y * 60 + x)];
        if (bits & 1) assert.equal(g, 60, 'r0 is the donor as it is');
        // Contour: the donor's 160 is (200 − 160)/140 nucleus over its background 200; laid on 170: 170 − 110·(40/140).
        else if (bits & 2) assert.ok(Math.abs(g - (170 - 110 * (40 / 140))) <= 1, `contour ${x},${y}: ${g}`);
        // The ring: the target's tissue (the halo is brighter than the donor's background: no nucleus).
        else if (bits & 4) assert.ok(Math.abs(g - 170) <= 1, `ring ${x},${y}: ${g}`);
      }
    }
  });

  it('is the paper\'s paste where the donor and the target share their background', async () => {
    const donor = roundNucleus('d', 60, (d) => (d <= 7 ? 130 : 200));
    const target: Sample = { name: 't', image: createImage(60, 60), labels: labelsFromMap(createInstanceMap(60, 60), () => 1) };
    target.image.data.fill(200);
    const cut = cutDonor(donor, 1, NONE);
    const { sample } = await renderProgressive(target, [{ insertion: insertion(30, 30), donor: cut }], direct(meanEngine()));
    assert.deepEqual(sample.image.data, donor.image.data);
  });
});
