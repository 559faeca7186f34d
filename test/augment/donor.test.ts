import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutDonor, DONOR_PAD, type DonorCut, type DonorTransform } from '../../src/augment/donor.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { dilate4, labelsFromMap } from '../../src/core/labels.ts';
import { createInstanceMap } from '../../src/core/raster.ts';
import type { Sample } from '../../src/io/dataset.ts';
import { makeSample } from './fixtures.ts';

// An asymmetric nucleus (a tilted ellipse with a bump) so that every flip and turn shows.
const SAMPLE = makeSample('donors', 80, 70, [
  { id: 3, type: 1, cx: 30.3, cy: 33.6, rx: 9, ry: 4.5, angle: 25, rgb: [90, 40, 120] },
  { id: 4, type: 1, cx: 38, cy: 29, rx: 3, ry: 3, rgb: [70, 30, 100] },
  { id: 9, type: 2, cx: 60, cy: 50, rx: 5, ry: 5, rgb: [60, 30, 90] },
]);
const NONE: DonorTransform = { flipH: false, flipV: false, rotation: 0 };

/** The cut as a sample of its own (r0 = instance 1), so it can be cut again. */
function asSample(cut: DonorCut): Sample {
  const inst = createInstanceMap(cut.rgb.width, cut.rgb.height, Int32Array.from(cut.r0));
  return { name: 'cut', image: cut.rgb, labels: labelsFromMap(inst, () => 1) };
}

function sameCut(a: DonorCut, b: DonorCut): void {
  assert.equal(a.rgb.width, b.rgb.width);
  assert.equal(a.rgb.height, b.rgb.height);
  assert.deepEqual(a.r0, b.r0);
  assert.deepEqual(a.r1, b.r1);
  assert.deepEqual(a.rgb.data, b.rgb.data);
  assert.ok(Math.abs(a.cx - b.cx) < 1e-9 && Math.abs(a.cy - b.cy) < 1e-9);
}

test('untransformed cut: r0 is the nucleus, r1 its 4-connected contour, the crop its box + pad', () => {
  const cut = cutDonor(SAMPLE, 3, NONE);
  const { width: W } = SAMPLE.image;
  const inst = SAMPLE.labels.inst.data;
  const full = Uint8Array.from(inst, (v) => (v === 3 ? 1 : 0));
  const r1Full = dilate4(full, W, SAMPLE.image.height);
  // Locate the crop in the image from r0's box.
  let x0 = W;
  let y0 = Infinity;
  let sx = 0;
  let sy = 0;
  let n = 0;
  inst.forEach((v, p) => {
    if (v !== 3) return;
    const x = p % W;
    const y = (p - x) / W;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    sx += x;
    sy += y;
    n++;
  });
  const ox = x0 - 1 - DONOR_PAD;
  const oy = y0 - 1 - DONOR_PAD;
  const { width: w, height: h } = cut.rgb;
  let r1Count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (oy + y) * W + ox + x;
      const c = y * w + x;
      assert.equal(cut.r0[c], full[p], `r0 at ${x},${y}`);
      assert.equal(cut.r1[c], r1Full[p], `r1 at ${x},${y}`);
      r1Count += cut.r1[c];
      for (let k = 0; k < 3; k++) assert.equal(cut.rgb.data[3 * c + k], SAMPLE.image.data[3 * p + k]);
    }
  }
  assert.equal(r1Count, r1Full.reduce((a, v) => a + v, 0), 'the crop holds all of r1');
  assert.equal(cut.area, n);
  assert.ok(Math.abs(cut.cx - (sx / n - ox)) < 1e-12 && Math.abs(cut.cy - (sy / n - oy)) < 1e-12);
  // r1 includes the touching neighbour's pixels next to the nucleus: it is the image's contour.
  assert.ok(cut.r1.some((v, c) => v && !cut.r0[c]));
});

test('flipping twice and four quarter turns give back the untransformed cut exactly', () => {
  const base = cutDonor(SAMPLE, 3, NONE);
  const h = cutDonor(SAMPLE, 3, { flipH: true, flipV: false, rotation: 0 });
  assert.notDeepEqual(h.r0, base.r0);
  sameCut(cutDonor(asSample(h), 1, { flipH: true, flipV: false, rotation: 0 }), base);
  const v = cutDonor(SAMPLE, 3, { flipH: false, flipV: true, rotation: 0 });
  sameCut(cutDonor(asSample(v), 1, { flipH: false, flipV: true, rotation: 0 }), base);
  let c = base;
  for (let i = 0; i < 4; i++) c = cutDonor(asSample(c), 1, { flipH: false, flipV: false, rotation: 90 });
  sameCut(c, base);
  // A half turn is both flips.
  sameCut(cutDonor(SAMPLE, 3, { flipH: true, flipV: true, rotation: 0 }), cutDonor(SAMPLE, 3, { flipH: false, flipV: false, rotation: 180 }));
  sameCut(cutDonor(SAMPLE, 3, { flipH: false, flipV: false, rotation: -90 }), cutDonor(SAMPLE, 3, { flipH: false, flipV: false, rotation: 270 }));
});

test('a flip mirrors the mask and the pixels', () => {
  const base = cutDonor(SAMPLE, 3, NONE);
  const h = cutDonor(SAMPLE, 3, { flipH: true, flipV: false, rotation: 0 });
  const { width: w, height: hh } = base.rgb;
  assert.equal(h.rgb.width, w);
  for (let y = 0; y < hh; y++) {
    for (let x = 0; x < w; x++) {
      const a = y * w + x;
      const b = y * w + (w - 1 - x);
      assert.equal(h.r0[b], base.r0[a]);
      assert.equal(h.r1[b], base.r1[a]);
      for (let k = 0; k < 3; k++) assert.equal(h.rgb.data[3 * b + k], base.rgb.data[3 * a + k]);
    }
  }
  assert.ok(Math.abs(h.cx - (w - 1 - base.cx)) < 1e-9);
});

test('a 90° turn (counter-clockwise on screen) maps the mask and pixels like a hand-rotated array', () => {
  const base = cutDonor(SAMPLE, 3, NONE);
  const r = cutDonor(SAMPLE, 3, { flipH: false, flipV: false, rotation: 90 });
  const { width: w, height: h } = base.rgb;
  // Counter-clockwise: the right edge goes to the top. out(x', y') = in(w − 1 − y', x').
  assert.equal(r.rgb.width, h);
  assert.equal(r.rgb.height, w);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < h; x++) {
      const o = y * h + x;
      const i = x * w + (w - 1 - y);
      assert.equal(r.r0[o], base.r0[i], `r0 at ${x},${y}`);
      assert.equal(r.r1[o], base.r1[i], `r1 at ${x},${y}`);
      for (let k = 0; k < 3; k++) assert.equal(r.rgb.data[3 * o + k], base.rgb.data[3 * i + k]);
    }
  }
  assert.equal(r.area, base.area);
  assert.ok(Math.abs(r.cx - base.cy) < 1e-9 && Math.abs(r.cy - (w - 1 - base.cx)) < 1e-9);
});

test('any rotation keeps the whole of r1 inside the crop, with the pad all round', () => {
  const base = cutDonor(SAMPLE, 3, NONE);
  for (const rotation of [10, 33, 45, 77.5, 135, 200, 312]) {
    for (const flipH of [false, true]) {
      const c = cutDonor(SAMPLE, 3, { flipH, flipV: false, rotation });
      const { width: w, height: h } = c.rgb;
      let x0 = w;
      let y0 = h;
      let x1 = -1;
      let y1 = -1;
      let a1 = 0;
      c.r1.forEach((v, p) => {
        if (!v) return;
        a1++;
        const x = p % w;
        const y = (p - x) / w;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      });
      assert.deepEqual([x0, y0, w - 1 - x1, h - 1 - y1], [DONOR_PAD, DONOR_PAD, DONOR_PAD, DONOR_PAD], `rotation ${rotation}`);
      c.r0.forEach((v, p) => assert.ok(!v || c.r1[p], 'r0 ⊆ r1'));
      // Nearest-neighbour resampling keeps the area within a few per cent.
      assert.ok(Math.abs(c.area - base.area) / base.area < 0.08, `area ${c.area} vs ${base.area} at ${rotation}°`);
      assert.ok(Math.abs(a1 - base.r1.reduce((s, v) => s + v, 0)) / a1 < 0.1);
      // The centroid is the mean of r0 within the crop.
      let sx = 0;
      let sy = 0;
      c.r0.forEach((v, p) => {
        if (v) {
          sx += p % w;
          sy += Math.floor(p / w);
        }
      });
      assert.ok(Math.abs(c.cx - sx / c.area) < 1e-9 && Math.abs(c.cy - sy / c.area) < 1e-9);
    }
  }
});

test('a 45° turn turns the long axis by 45°', () => {
  const axis = (c: DonorCut): number => {
    const w = c.rgb.width;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    c.r0.forEach((v, p) => {
      if (!v) return;
      const dx = (p % w) - c.cx;
      const dy = Math.floor(p / w) - c.cy;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    });
    // Angle of the major axis, counter-clockwise on screen (y down), in degrees.
    return (-0.5 * Math.atan2(2 * sxy, sxx - syy) * 180) / Math.PI;
  };
  const a0 = axis(cutDonor(SAMPLE, 3, NONE));
  const a45 = axis(cutDonor(SAMPLE, 3, { flipH: false, flipV: false, rotation: 45 }));
  assert.ok(Math.abs(a45 - a0 - 45) < 4, `${a0} → ${a45}`);
});

test('cutDonor is deterministic and refuses a missing instance or a bad angle', () => {
  const t: DonorTransform = { flipH: true, flipV: false, rotation: 61 };
  sameCut(cutDonor(SAMPLE, 3, t), cutDonor(SAMPLE, 3, t));
  assert.throws(() => cutDonor(SAMPLE, 5, NONE), (e: unknown) => e instanceof NucleiMixError && /no instance 5/.test(e.message));
  assert.throws(() => cutDonor(SAMPLE, 3, { ...NONE, rotation: NaN }), NucleiMixError);
});

test('a donor at the image border is cut whole (its r1 clipped only by the border)', () => {
  const s = makeSample('edge', 30, 30, [{ id: 1, type: 1, cx: 1, cy: 14, rx: 4, ry: 6, rgb: [80, 40, 110] }]);
  const c = cutDonor(s, 1, { flipH: false, flipV: false, rotation: 90 });
  const area = s.labels.inst.data.reduce((a, v) => a + (v === 1 ? 1 : 0), 0);
  assert.equal(c.area, area);
});

test('a map edited in place after a cut is cut as it is now, not where its nucleus was (the remembered boxes are checked)', () => {
  const copy = (): Sample => makeSample('moved', 80, 70, [{ id: 3, type: 1, cx: 30.3, cy: 33.6, rx: 9, ry: 4.5, angle: 25, rgb: [90, 40, 120] }]);
  const edited = copy();
  cutDonor(edited, 3, NONE); // remembers where instance 3 lies
  // Move the nucleus 20 px right, in place: its old box now holds none of it.
  const { width: W, height: H } = edited.image;
  const inst = edited.labels.inst.data;
  const moved = new Int32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x + 20 < W; x++) moved[y * W + x + 20] = inst[y * W + x];
  inst.set(moved);
  const fresh = copy();
  fresh.labels.inst.data.set(moved);
  const a = cutDonor(edited, 3, NONE);
  const b = cutDonor(fresh, 3, NONE);
  assert.deepEqual([a.r0, a.r1, a.area], [b.r0, b.r1, b.area]);
  assert.ok(Math.abs(a.cx - b.cx) < 1e-12 && Math.abs(a.cy - b.cy) < 1e-12);
});
