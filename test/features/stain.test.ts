import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EOSIN, HAEMATOXYLIN, HED_FROM_OD, RESIDUAL, STAIN_LUT, opticalDensity, stainConcentrations } from '../../src/features/stain.ts';

/** The 8-bit colour of concentrations (h, e, r) by Beer–Lambert with I0 = 255. */
function colourOf(h: number, e: number, r: number): [number, number, number] {
  return [0, 1, 2].map((c) => Math.round(255 * Math.exp(-(h * HAEMATOXYLIN[c] + e * EOSIN[c] + r * RESIDUAL[c])))) as [number, number, number];
}

test('HED_FROM_OD inverts the stain matrix', () => {
  const m = [HAEMATOXYLIN, EOSIN, RESIDUAL];
  for (let s = 0; s < 3; s++) {
    for (let t = 0; t < 3; t++) {
      // (M · HED_FROM_OD)[s][t] = Σ_c M[s][c] · HED_FROM_OD[c][t] = δ_st
      let acc = 0;
      for (let c = 0; c < 3; c++) acc += m[s][c] * HED_FROM_OD[c][t];
      assert.ok(Math.abs(acc - (s === t ? 1 : 0)) < 1e-12, `(${s}, ${t}) = ${acc}`);
    }
  }
  for (const v of [HAEMATOXYLIN, EOSIN, RESIDUAL]) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-15);
});

test('optical density: white is 0, black is finite, Beer–Lambert in natural log', () => {
  assert.equal(opticalDensity(255), 0);
  assert.equal(opticalDensity(0), Math.log(255));
  assert.ok(Math.abs(opticalDensity(Math.round(255 / Math.E)) - 1) < 0.01);
  assert.deepEqual(stainConcentrations(255, 255, 255), [0, 0, 0]);
});

test('pure stains unmix to themselves (up to 8-bit rounding)', () => {
  for (const [h, e, r] of [
    [1, 0, 0],
    [0, 1, 0],
    [0.6, 0.3, 0],
    [1.2, 0.25, 0.1],
  ]) {
    const [R, G, B] = colourOf(h, e, r);
    const got = stainConcentrations(R, G, B);
    assert.ok(Math.abs(got[0] - h) < 0.03 && Math.abs(got[1] - e) < 0.03 && Math.abs(got[2] - r) < 0.03, `(${h}, ${e}, ${r}) → ${got}`);
  }
});

test('lookup tables agree with the direct computation', () => {
  for (const [r, g, b] of [
    [0, 0, 0],
    [115, 82, 165],
    [218, 174, 217],
    [255, 1, 128],
  ]) {
    const [h, e] = stainConcentrations(r, g, b);
    const { h: lh, e: le } = STAIN_LUT;
    assert.ok(Math.abs(lh[r] + lh[256 + g] + lh[512 + b] - h) < 1e-12);
    assert.ok(Math.abs(le[r] + le[256 + g] + le[512 + b] - e) < 1e-12);
    assert.equal(STAIN_LUT.od[g], opticalDensity(g));
  }
});
