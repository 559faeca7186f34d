import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';

test('same seed gives the same sequence; another seed another one', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const sa = Array.from({ length: 100 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 100 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 100 }, () => c.next()));
});

test('the sequence is pinned: changing the generator would change every seeded result', () => {
  const r = createRng(0);
  const first = Array.from({ length: 3 }, () => Math.floor(r.next() * 2 ** 32));
  // Recorded once from this implementation; a change here means seeded outputs changed.
  assert.deepEqual(first, PINNED);
});
const PINNED = [4205396811, 3543653536, 1222415357];

test('uniform draws are uniform (chi-square, 10 bins, fixed seed)', () => {
  const r = createRng(7);
  const bins = new Array(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) bins[r.int(10)]++;
  const chi2 = bins.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi2 < 27.88, `chi2 = ${chi2} (p = 0.001 critical value for 9 dof is 27.88)`);
});

test('normal draws have mean 0 and variance 1', () => {
  const r = createRng(11);
  const n = 200_000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  const mean = s / n;
  const variance = s2 / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.015, `variance ${variance}`);
});

test('forks are deterministic and independent of the parent stream position', () => {
  const a = createRng(5);
  a.next();
  const b = createRng(5);
  const fa = a.fork('img1');
  const fb = b.fork('img1');
  assert.deepEqual(Array.from({ length: 5 }, () => fa.next()), Array.from({ length: 5 }, () => fb.next()));
  assert.notEqual(createRng(5).fork('img1').next(), createRng(5).fork('img2').next());
});
