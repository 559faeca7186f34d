import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LBP_BIN_OF_CODE, LBP_BINS, TEXTURE_FEATURES, histogramQuantile, textureFeatures } from '../../src/features/texture.ts';

test('uniform LBP table: 58 uniform patterns binned by set bits, the rest in bin 9', () => {
  assert.equal(LBP_BIN_OF_CODE[0], 0);
  assert.equal(LBP_BIN_OF_CODE[255], 8);
  assert.equal(LBP_BIN_OF_CODE[0b00000111], 3);
  assert.equal(LBP_BIN_OF_CODE[0b10000011], 3); // wraps around the circle
  assert.equal(LBP_BIN_OF_CODE[0b01010101], 9);
  assert.equal(LBP_BIN_OF_CODE[0b00000101], 9);
  const perBin = new Array(LBP_BINS).fill(0);
  for (const b of LBP_BIN_OF_CODE) perBin[b]++;
  // 1 pattern with 0 and 8 set bits, 8 rotations of each run length 1..7: 2 + 7·8 = 58.
  assert.deepEqual(perBin, [1, 8, 8, 8, 8, 8, 8, 8, 1, 198]);
});

test('flat image: every pattern is "all ≥ centre", no gradient', () => {
  const out = textureFeatures(new Uint8Array(9 * 7).fill(120), 9, 7);
  assert.equal(out.length, TEXTURE_FEATURES);
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
});

test('vertical step edge: hand-computed LBP shares and Sobel statistics', () => {
  // 11×5, x ≤ 4 → 0, x ≥ 5 → 100. Sampled pixels: x ∈ {1,3,5,7,9}, y ∈ {1,3}.
  // x = 5 sits on the edge: gx = 4·100 = 400, and its left column is darker (bits w, nw, sw
  // clear): the contiguous pattern e, ne, n, s, se has 5 set bits → bin 5. Others are flat.
  const w = 11;
  const h = 5;
  const grey = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 5; x < w; x++) grey[y * w + x] = 100;
  const out = textureFeatures(grey, w, h);
  const lbp = Array.from(out.subarray(0, LBP_BINS));
  assert.deepEqual(lbp, [0, 0, 0, 0, 0, 0.2, 0, 0, 0.8, 0]);
  assert.equal(out[LBP_BINS], 80); // mean of [400, 0, 0, 0, 0] per row
  assert.ok(Math.abs(out[LBP_BINS + 1] - 160) < 1e-12); // sqrt(400²/5 − 80²)
  assert.equal(out[LBP_BINS + 2], 400); // 8 of 10 samples are 0: the 90th percentile is 400
});

test('histogramQuantile is the inverted empirical CDF', () => {
  const hist = [2, 0, 3, 5];
  assert.equal(histogramQuantile(hist, 10, 0.1), 0);
  assert.equal(histogramQuantile(hist, 10, 0.2), 0);
  assert.equal(histogramQuantile(hist, 10, 0.21), 2);
  assert.equal(histogramQuantile(hist, 10, 0.5), 2);
  assert.equal(histogramQuantile(hist, 10, 0.51), 3);
  assert.equal(histogramQuantile(hist, 10, 1), 3);
});
