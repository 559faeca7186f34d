import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { drawSoftmax, logSumExp } from '../../src/sampling/draw.ts';

test('logSumExp is exact on small values and stable on huge negative ones', () => {
  assert.ok(Math.abs(logSumExp([0, Math.log(3)]) - Math.log(4)) < 1e-12);
  assert.ok(Math.abs(logSumExp([-1e4, -1e4 + Math.log(3)]) - (-1e4 + Math.log(4))) < 1e-9);
  assert.equal(logSumExp([1, 2], [0, 0]), -Infinity);
  assert.ok(Math.abs(logSumExp([5, 1, 7], [1, 0, 1]) - Math.log(Math.exp(5) + Math.exp(7))) < 1e-12);
});

test('drawSoftmax draws at the softmax rates (chi-square, fixed seed), inactive entries never', () => {
  const logits = [-2000, -2001, -2003, -1999.5, -5000];
  const active = [1, 1, 1, 1, 0];
  const z = logits.slice(0, 4).map((l) => Math.exp(l + 2000));
  const expected = z.map((v) => v / z.reduce((a, b) => a + b, 0));
  const rng = createRng(123);
  const n = 50_000;
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const d = drawSoftmax(logits, rng, active)!;
    counts[d.index]++;
    assert.ok(Math.abs(d.probability - expected[d.index]) < 1e-12);
  }
  assert.equal(counts[4], 0);
  const chi2 = expected.reduce((s, p, i) => s + (counts[i] - n * p) ** 2 / (n * p), 0);
  assert.ok(chi2 < 16.27, `chi2 = ${chi2} (3 dof, p = 0.001 critical value 16.27); counts ${counts}`);
  assert.equal(drawSoftmax([1, 2], rng, [0, 0]), undefined);
});
