import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { fractalNoise, lineIntegral, standardize, valueNoise } from '../../src/synth/noise.ts';

function meanStd(f: Float32Array): [number, number] {
  let s = 0;
  for (const v of f) s += v;
  const m = s / f.length;
  let q = 0;
  for (const v of f) q += (v - m) ** 2;
  return [m, Math.sqrt(q / f.length)];
}

test('valueNoise is seeded, in [0, 1) and smooth at its cell size', () => {
  const a = valueNoise(createRng(1), 96, 64, 8);
  assert.deepEqual(a, valueNoise(createRng(1), 96, 64, 8));
  assert.notDeepEqual(a, valueNoise(createRng(2), 96, 64, 8));
  assert.equal(a.length, 96 * 64);
  for (const v of a) assert.ok(v >= 0 && v < 1);
  const [m] = meanStd(a);
  assert.ok(m > 0.35 && m < 0.65, `mean ${m}`);
  // Neighbouring pixels of an 8-px lattice differ by far less than independent uniforms (1/3).
  let diff = 0;
  for (let y = 0; y < 64; y++) for (let x = 1; x < 96; x++) diff += Math.abs(a[y * 96 + x] - a[y * 96 + x - 1]);
  assert.ok(diff / (64 * 95) < 0.06, `mean neighbour difference ${diff / (64 * 95)}`);
});

test('fractalNoise and standardize give mean 0, standard deviation 1', () => {
  const [m, sd] = meanStd(fractalNoise(createRng(3), 80, 70, 16, 3));
  assert.ok(Math.abs(m) < 1e-5 && Math.abs(sd - 1) < 1e-4, `${m} ${sd}`);
  assert.deepEqual(standardize(new Float32Array([2, 2, 2])), new Float32Array([0, 0, 0]));
  assert.deepEqual(Array.from(standardize(new Float32Array([1, 3]))), [-1, 1]);
});

test('lineIntegral averages along the direction field only', () => {
  const w = 40;
  const h = 30;
  const dirX = new Float32Array(w * h).fill(1);
  const dirY = new Float32Array(w * h);
  // A field that varies only across the (horizontal) direction comes back unchanged …
  const rows = Float32Array.from({ length: w * h }, (_, p) => Math.floor(p / w) % 3);
  assert.deepEqual(lineIntegral(rows, dirX, dirY, w, h, 5), rows);
  // … one that varies along it is averaged: alternating 0/1 columns become ≈ 0.5 inside.
  const cols = Float32Array.from({ length: w * h }, (_, p) => (p % w) % 2);
  const out = lineIntegral(cols, dirX, dirY, w, h, 5);
  for (let x = 6; x < w - 6; x++) assert.ok(Math.abs(out[10 * w + x] - 0.5) <= 1 / 22 + 1e-6, `x=${x}: ${out[10 * w + x]}`);
  // Axial directions: flipping every direction vector changes nothing.
  const flipped = lineIntegral(cols, dirX.map((v) => -v), dirY, w, h, 5);
  assert.deepEqual(flipped, out);
});
