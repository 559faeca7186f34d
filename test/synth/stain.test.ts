import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { gaussianBlur } from '../../src/synth/blur.ts';
import { drawStainStyle, EOSIN, HAEMATOXYLIN, MEASURED_CONCENTRATIONS, RESIDUAL, renderStains, type StainStyle } from '../../src/synth/stain.ts';

const PLAIN: StainStyle = { h: HAEMATOXYLIN, e: EOSIN, r: RESIDUAL, hScale: 1, eScale: 1, white: [255, 255, 255], noise: 0, blur: 0 };

function renderOne(c: readonly number[], style = PLAIN): number[] {
  const f = (v: number) => new Float32Array(4).fill(v);
  const img = renderStains(createRng(1), 2, 2, f(c[0]), f(c[1]), f(c[2]), style);
  return Array.from(img.data.subarray(0, 3));
}

test('Beer–Lambert: no stain is white; one stain gives white·exp(−c·vector)', () => {
  assert.deepEqual(renderOne([0, 0, 0], { ...PLAIN, white: [250, 240, 230] }), [250, 240, 230]);
  assert.deepEqual(renderOne([1, 0, 0]), HAEMATOXYLIN.map((v) => Math.round(255 * Math.exp(-v))));
  assert.deepEqual(renderOne([0, 0.5, 0]), EOSIN.map((v) => Math.round(255 * Math.exp(-0.5 * v))));
  // Haematoxylin absorbs red most (blue-purple), eosin green most (pink).
  const [hr, hg, hb] = renderOne([1, 0, 0]);
  assert.ok(hb > hr && hb > hg);
  const [er, eg, eb] = renderOne([0, 1, 0]);
  assert.ok(eg < er && eg < eb);
});

test('the fitted concentrations reproduce CoNSeP median colours', () => {
  // Median RGB of CoNSeP train regions (see MEASURED_CONCENTRATIONS).
  const expected: Record<keyof typeof MEASURED_CONCENTRATIONS, number[]> = {
    lumen: [243, 238, 244],
    stroma: [218, 174, 217],
    cytoplasm: [202, 157, 217],
    inflammatory: [115, 82, 165],
    epithelial: [165, 123, 195],
    spindle: [177, 137, 197],
    other: [128, 87, 161],
  };
  for (const [k, rgb] of Object.entries(expected)) {
    const got = renderOne(MEASURED_CONCENTRATIONS[k as keyof typeof MEASURED_CONCENTRATIONS]);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[c] - rgb[c]) <= 2, `${k}: ${got} vs ${rgb}`);
  }
});

test('stain styles are seeded unit vectors near Ruifrok’s', () => {
  const a = drawStainStyle(createRng(4));
  assert.deepEqual(a, drawStainStyle(createRng(4)));
  for (const [v, ref] of [[a.h, HAEMATOXYLIN], [a.e, EOSIN]] as const) {
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-12);
    const cos = v[0] * ref[0] + v[1] * ref[1] + v[2] * ref[2];
    assert.ok(cos > 0.99, `angle to Ruifrok's vector: cos ${cos}`);
  }
});

test('scanner noise has the style’s standard deviation', () => {
  const n = 64 * 64;
  const img = renderStains(createRng(2), 64, 64, new Float32Array(n), new Float32Array(n).fill(0.3), new Float32Array(n), { ...PLAIN, noise: 3 });
  const g = Array.from({ length: n }, (_, p) => img.data[3 * p + 1]);
  const mean = g.reduce((a, b) => a + b) / n;
  const sd = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  assert.ok(Math.abs(mean - 255 * Math.exp(-0.3 * EOSIN[1])) < 0.3, `mean ${mean}`);
  assert.ok(sd > 2.7 && sd < 3.3, `sd ${sd}`);
});

test('gaussianBlur keeps constants and mass, and spreads an impulse by sigma', () => {
  const w = 21;
  const flat = new Float32Array(w * w).fill(0.7);
  for (const v of gaussianBlur(flat, w, w, 1.3)) assert.ok(Math.abs(v - 0.7) < 1e-6);
  const impulse = new Float32Array(w * w);
  impulse[10 * w + 10] = 1;
  const out = gaussianBlur(impulse, w, w, 1.5);
  let sum = 0;
  let varX = 0;
  for (let p = 0; p < out.length; p++) {
    sum += out[p];
    varX += out[p] * ((p % w) - 10) ** 2;
  }
  assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
  assert.ok(Math.abs(Math.sqrt(varX) - 1.5) < 0.05, `spread ${Math.sqrt(varX)}`);
  assert.equal(out[10 * w + 9], out[10 * w + 11]);
  assert.deepEqual(gaussianBlur(impulse, w, w, 0), impulse);
});
