import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { drawSoftmax } from '../../src/sampling/draw.ts';
import { SoftmaxPool } from '../../src/sampling/softmax-pool.ts';

test('SoftmaxPool picks what a masked drawSoftmax picks from the same stream, removal after removal', () => {
  const rng = createRng(7);
  const n = 1000;
  const logits = Float64Array.from({ length: n }, () => -3000 + 40 * rng.next());
  const pool = new SoftmaxPool(logits);
  const active = new Uint8Array(n).fill(1);
  const a = createRng(99);
  const b = createRng(99);
  for (let draw = 0; draw < n; draw++) {
    const p = pool.draw(a)!;
    const q = drawSoftmax(logits, b, active)!;
    assert.equal(p.index, q.index, `draw ${draw}`);
    assert.ok(Math.abs(p.probability - q.probability) <= 1e-9 * q.probability, `draw ${draw}: ${p.probability} vs ${q.probability}`);
    pool.remove(p.index);
    active[p.index] = 0;
  }
  assert.equal(pool.remaining, 0);
  assert.equal(pool.draw(a), undefined);
});

test('SoftmaxPool draws at the softmax rates (chi-square, fixed seed) and never a removed or −∞ entry', () => {
  const logits = [-2000, -2001, -2003, -1999.5, -5000, -Infinity, -1999];
  const pool = new SoftmaxPool(logits);
  pool.remove(6);
  pool.remove(6); // twice: a no-op
  assert.equal(pool.remaining, 6);
  const z = logits.slice(0, 5).map((l) => Math.exp(l + 2000));
  const expected = z.map((v) => v / z.reduce((s, x) => s + x, 0));
  const rng = createRng(123);
  const n = 50_000;
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const d = pool.draw(rng)!;
    counts[d.index]++;
    assert.ok(Math.abs(d.probability - expected[d.index]) < 1e-12);
  }
  assert.deepEqual([counts[5], counts[6]], [0, 0]);
  const chi2 = expected.slice(0, 4).reduce((s, p, i) => s + (counts[i] - n * p) ** 2 / (n * p), 0);
  assert.ok(chi2 < 16.27, `chi2 = ${chi2} (3 dof, p = 0.001 critical value 16.27); counts ${counts}`);
});

test('SoftmaxPool rescales when the best entries are gone: what is left is drawn at its own softmax rates', () => {
  // exp(−900) underflows beside the top entry: only a rescale lets the last two be drawn.
  const pool = new SoftmaxPool([0, -900, -900 + Math.log(3)]);
  const rng = createRng(5);
  assert.equal(pool.draw(rng)!.index, 0);
  pool.remove(0);
  const counts = [0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[pool.draw(rng)!.index]++;
  assert.equal(counts[0], 0);
  assert.ok(Math.abs(counts[2] / 4000 - 0.75) < 0.03, `counts ${counts}`);
  pool.remove(1);
  assert.deepEqual(pool.draw(rng), { index: 2, probability: 1 });
  pool.remove(2);
  assert.equal(pool.draw(rng), undefined);
  assert.equal(new SoftmaxPool([-Infinity, -Infinity]).draw(rng), undefined);
});
