import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { glcmCounts, glcmStats } from '../../src/features/glcm.ts';

// The example of scikit-image's `graycomatrix` docstring.
const DOC_IMAGE = Uint8Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 2, 2, 2, 3, 3]);

test('co-occurrence counts equal scikit-image docstring example at 4 angles', () => {
  const expected: Record<string, number[]> = {
    '0': [2, 2, 1, 0, 0, 2, 0, 0, 0, 0, 3, 1, 0, 0, 0, 1],
    '1': [1, 1, 3, 0, 0, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0],
    '2': [3, 0, 2, 0, 0, 2, 2, 0, 0, 0, 1, 2, 0, 0, 0, 0],
    '3': [2, 0, 0, 0, 1, 1, 2, 0, 0, 0, 2, 1, 0, 0, 0, 0],
  };
  for (let a = 0; a < 4; a++) {
    const counts = glcmCounts(DOC_IMAGE, 4, 4, 1, (a * Math.PI) / 4, 4);
    assert.deepEqual(Array.from(counts), expected[a], `angle ${a}π/4`);
  }
});

test('statistics equal hand-computed graycoprops values (distance 2, angle 0)', () => {
  // Pairs (c, c+2): row 0: 0→1, 0→1; row 1: 0→1, 0→1; row 2: 0→2, 2→2; row 3: 2→3, 2→3.
  // P[0,1] = 4/8, P[0,2] = 1/8, P[2,2] = 1/8, P[2,3] = 2/8.
  const s = glcmStats(DOC_IMAGE, 4, 4, 2, 0, 4);
  assert.ok(Math.abs(s.dissimilarity - (4 * 1 + 1 * 2 + 1 * 0 + 2 * 1) / 8) < 1e-15);
  assert.ok(Math.abs(s.homogeneity - (4 / 2 + 1 / 5 + 1 + 2 / 2) / 8) < 1e-15);
  assert.ok(Math.abs(s.asm - (16 + 1 + 1 + 4) / 64) < 1e-15);
  assert.ok(Math.abs(s.energy - Math.sqrt(22) / 8) < 1e-15);
  // The defaults are the official parameters: 256 levels give the same statistics.
  assert.deepEqual(glcmStats(DOC_IMAGE, 4, 4), s);
});

test('statistics equal graycoprops formulas applied to the counts, any angle', () => {
  const rng = createRng(7);
  const w = 19;
  const h = 13;
  const grey = Uint8Array.from({ length: w * h }, () => rng.int(256));
  for (const [distance, angle] of [
    [2, 0],
    [1, Math.PI / 2],
    [3, (3 * Math.PI) / 4],
    [1, Math.PI / 4],
  ]) {
    const counts = glcmCounts(grey, w, h, distance, angle);
    let n = 0;
    for (const c of counts) n += c;
    let diss = 0;
    let homog = 0;
    let asm = 0;
    for (let i = 0; i < 256; i++) {
      for (let j = 0; j < 256; j++) {
        const p = counts[i * 256 + j] / n;
        diss += p * Math.abs(i - j);
        homog += p / (1 + (i - j) ** 2);
        asm += p * p;
      }
    }
    const s = glcmStats(grey, w, h, distance, angle);
    assert.ok(Math.abs(s.dissimilarity - diss) < 1e-9, `dissimilarity d=${distance} a=${angle}`);
    assert.ok(Math.abs(s.homogeneity - homog) < 1e-12);
    assert.ok(Math.abs(s.asm - asm) < 1e-15);
    assert.ok(Math.abs(s.energy - Math.sqrt(asm)) < 1e-15);
  }
});

test('flat image: one cell, ASM 1; too narrow image: zeros; bad input: NucleiMixError', () => {
  const flat = new Uint8Array(30).fill(77);
  assert.deepEqual(glcmStats(flat, 6, 5), { dissimilarity: 0, homogeneity: 1, energy: 1, asm: 1 });
  assert.deepEqual(glcmStats(new Uint8Array(2), 2, 1), { dissimilarity: 0, homogeneity: 0, energy: 0, asm: 0 });
  assert.throws(() => glcmStats(new Uint8Array(5), 2, 3), NucleiMixError);
  assert.throws(() => glcmStats(Uint8Array.from([0, 9, 0, 1]), 4, 1, 1, 0, 4), NucleiMixError);
  assert.throws(() => glcmCounts(Uint8Array.from([0, 9, 0, 1]), 4, 1, 1, 0, 4), NucleiMixError);
});
