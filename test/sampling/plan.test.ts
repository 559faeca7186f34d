import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import type { Location } from '../../src/sampling/locations.ts';
import { DEFAULT_PLAN, editBox, planInsertions, type RareTypeModel } from '../../src/sampling/plan.ts';

function major(image: string, x: number, y: number, id: number, orientation = 0): Location {
  return { image, kind: 'major', x, y, id, type: 2, area: 50, orientation, radius: 4, bbox: [x - 4, y - 4, x + 5, y + 5] };
}
function background(image: string, x: number, y: number): Location {
  return { image, kind: 'background', x, y, bbox: [x - 2, y - 2, x + 3, y + 3] };
}
function donor(id: number, orientation = 0, radius = 5): Location {
  return { image: 'donors', kind: 'rare', x: 50, y: 50, id, type: 1, area: 60, orientation, radius, bbox: [45, 45, 56, 56] };
}
const size = (): [number, number] => [1000, 1000];

function model(candidates: Location[], scores: number[], donorCount = 3, candFeat?: number[], donorFeat?: number[]): RareTypeModel {
  return {
    type: 1,
    donors: Array.from({ length: donorCount }, (_, i) => donor(100 + i)),
    donorFeatures: Float64Array.from(donorFeat ?? new Array(donorCount).fill(0)),
    scores: Float64Array.from(scores),
    candidateFeatures: Float64Array.from(candFeat ?? new Array(candidates.length).fill(0)),
    dims: 1,
  };
}

test('targets are drawn at the softmax rates of their log-likelihoods (first draw, 20k seeded plans)', () => {
  // Far-apart candidates so no constraint interferes.
  const candidates = [major('a', 100, 100, 1), major('a', 300, 300, 2), background('b', 500, 500), major('c', 700, 700, 3)];
  const scores = [-1200.0, -1201.0, -1199.0, -1204.0];
  const z = scores.map((s) => Math.exp(s + 1200));
  const expected = z.map((v) => v / z.reduce((a, b) => a + b, 0));
  const counts = [0, 0, 0, 0];
  const n = 20_000;
  const rng = createRng(2024);
  for (let i = 0; i < n; i++) {
    const plan = planInsertions(candidates, [model(candidates, scores)], size, rng, { ...DEFAULT_PLAN, k: 1 });
    const ins = plan.insertions[0];
    const idx = candidates.findIndex((c) => c.x === ins.target.x && c.image === ins.target.image);
    counts[idx]++;
    assert.ok(Math.abs(ins.target.probability - expected[idx]) < 1e-12);
  }
  const chi2 = expected.reduce((s, p, i) => s + (counts[i] - n * p) ** 2 / (n * p), 0);
  assert.ok(chi2 < 16.27, `chi2 ${chi2}, counts ${counts}, expected ${expected.map((p) => (p * n).toFixed(0))}`);
});

test('donors are drawn with p ∝ exp(−w·d) and the usage penalty lowers a reused donor', () => {
  const candidates = [major('a', 100, 100, 1)];
  const m = model(candidates, [0], 3, [0], [0.5, 1.0, 2.0]);
  const expected = [0.5, 1.0, 2.0].map((d) => Math.exp(-d));
  const total = expected.reduce((a, b) => a + b, 0);
  const counts = [0, 0, 0];
  const n = 20_000;
  const rng = createRng(7);
  for (let i = 0; i < n; i++) {
    const ins = planInsertions(candidates, [m], size, rng, { ...DEFAULT_PLAN, k: 1 }).insertions[0];
    counts[ins.donor.id - 100]++;
    assert.ok(Math.abs(ins.donor.distance - [0.5, 1.0, 2.0][ins.donor.id - 100]) < 1e-12);
  }
  const chi2 = expected.reduce((s, e, i) => s + (counts[i] - (n * e) / total) ** 2 / ((n * e) / total), 0);
  assert.ok(chi2 < 13.82, `chi2 ${chi2} (2 dof), counts ${counts}`);

  // Two draws with the same donor pool: after donor 0 is used, its weight becomes 2.
  const many = Array.from({ length: 2 }, (_, i) => major('a', 100 + 200 * i, 100, i + 1));
  const m2 = model(many, [0, 0], 2, [0, 0], [1, 1.2]);
  let secondIsZero = 0;
  let firstWasZero = 0;
  const rng2 = createRng(9);
  for (let i = 0; i < 20_000; i++) {
    const ins = planInsertions(many, [m2], size, rng2, { ...DEFAULT_PLAN, k: 2 }).insertions;
    if (ins[0].donor.id === 100) {
      firstWasZero++;
      if (ins[1].donor.id === 100) secondIsZero++;
      // p(second = 0 | first = 0) = e^{-2} / (e^{-2} + e^{-1.2})
      assert.ok(Math.abs(ins[1].donor.probability - (ins[1].donor.id === 100 ? Math.exp(-2) : Math.exp(-1.2)) / (Math.exp(-2) + Math.exp(-1.2))) < 1e-12);
    }
  }
  const rate = secondIsZero / firstWasZero;
  const want = Math.exp(-2) / (Math.exp(-2) + Math.exp(-1.2));
  assert.ok(Math.abs(rate - want) < 0.02, `reuse rate ${rate} vs ${want}`);
});

test('edits never overlap, never leave the image, and drawn candidates leave the pool', () => {
  // A dense grid of candidates: many would overlap.
  const candidates: Location[] = [];
  for (let y = 10; y < 200; y += 8) for (let x = 10; x < 200; x += 8) candidates.push(major('g', x, y, candidates.length + 1));
  const scores = candidates.map((_, i) => -(i % 7));
  const plan = planInsertions(candidates, [model(candidates, scores)], () => [200, 200], createRng(1), { ...DEFAULT_PLAN, k: 200 });
  const boxes = plan.insertions.map((ins) => editBox(candidates.find((c) => c.x === ins.target.x && c.y === ins.target.y)!, 5));
  for (const b of boxes) assert.ok(b[0] >= 0 && b[1] >= 0 && b[2] <= 200 && b[3] <= 200, `box ${b} leaves the image`);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      assert.ok(!(a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]), `edits ${i} and ${j} overlap`);
    }
  }
  const targets = new Set(plan.insertions.map((i) => `${i.target.x},${i.target.y}`));
  assert.equal(targets.size, plan.insertions.length, 'a candidate is used at most once');
  assert.ok(plan.rejected.overlap > 0 && plan.rejected.outside > 0);
  assert.equal(plan.inserted[1], plan.insertions.length);
  assert.ok(plan.insertions.length < 200, "the pool runs dry before 200 fit; the planner stops instead of spinning");
  assert.equal(plan.insertions.length + plan.rejected.overlap + plan.rejected.outside, candidates.length);
});

test('same seed, same plan; several rare types take turns and each gets k', () => {
  const candidates = Array.from({ length: 30 }, (_, i) => background('z', 40 + 30 * (i % 10), 40 + 100 * Math.floor(i / 10)));
  const m1 = model(candidates, candidates.map((_, i) => -i / 10));
  const m2: RareTypeModel = { ...model(candidates, candidates.map((_, i) => i / 10)), type: 4, donors: [{ ...donor(7), type: 4 }], donorFeatures: Float64Array.of(0) };
  const a = planInsertions(candidates, [m1, m2], size, createRng(5), { ...DEFAULT_PLAN, k: 4 });
  const b = planInsertions(candidates, [m1, m2], size, createRng(5), { ...DEFAULT_PLAN, k: 4 });
  assert.deepEqual(a, b);
  assert.deepEqual(a.inserted, { 1: 4, 4: 4 });
  assert.deepEqual(a.insertions.map((i) => i.rareType), [1, 4, 1, 4, 1, 4, 1, 4]);
  assert.ok(a.insertions.every((i) => i.donor.type === i.rareType));
});

test('rotation aligns the donor axis with a major target when they differ by more than 30°', () => {
  const rng = createRng(3);
  const opts = { ...DEFAULT_PLAN, k: 1, flipProbability: 0 };
  const t = [major('a', 100, 100, 1, Math.PI / 3)];
  const m = { ...model(t, [0], 1), donors: [donor(100, 0)] };
  const ins = planInsertions(t, [m], size, rng, opts).insertions[0];
  // Donor axis 0 → target axis +60° (towards +y, clockwise on screen): 60° clockwise = −60°.
  assert.ok(Math.abs(ins.donor.rotation + 60) < 1e-9, `rotation ${ins.donor.rotation}`);
  const near = [major('a', 100, 100, 1, (20 * Math.PI) / 180)];
  assert.equal(planInsertions(near, [{ ...m, scores: Float64Array.of(0) }], size, rng, opts).insertions[0].donor.rotation, 0);
  const bg = [background('a', 100, 100)];
  assert.equal(planInsertions(bg, [{ ...m, scores: Float64Array.of(0) }], size, rng, opts).insertions[0].donor.rotation, 0);
});

test('size-aware donors: p ∝ exp(−w·d − λ·|ln(a_donor/a_target)|) for copy-and-replace, a hard leftover bound, background untouched', () => {
  const candidates = [major('a', 100, 100, 1)]; // area 50
  const m = model(candidates, [0], 3, [0], [1, 1, 1]);
  const areas = [10, 50, 200];
  m.donors.forEach((d, i) => (d.area = areas[i]));
  const lambda = 1.5;
  const logits = areas.map((a) => -1 - lambda * Math.abs(Math.log(a / 50)));
  const z = logits.map((l) => Math.exp(l));
  const expected = z.map((v) => v / z.reduce((a, b) => a + b, 0));
  const counts = [0, 0, 0];
  const n = 20_000;
  const rng = createRng(11);
  for (let i = 0; i < n; i++) {
    const ins = planInsertions(candidates, [m], size, rng, { ...DEFAULT_PLAN, k: 1, sizeWeight: lambda }).insertions[0];
    counts[ins.donor.id - 100]++;
    assert.ok(Math.abs(ins.donor.probability - expected[ins.donor.id - 100]) < 1e-12);
  }
  const chi2 = expected.reduce((s, p, i) => s + (counts[i] - n * p) ** 2 / (n * p), 0);
  assert.ok(chi2 < 13.82, `chi2 ${chi2}, counts ${counts}`);

  // The leftover bound: donor 100 (area 10) leaves 40 px of the 50-px nucleus; a bound of 30 excludes it.
  for (let s = 0; s < 200; s++) {
    const ins = planInsertions(candidates, [m], size, createRng(s), { ...DEFAULT_PLAN, k: 1, maxLeftover: 30 }).insertions[0];
    assert.notEqual(ins.donor.id, 100);
  }
  // No donor fits a 1000-px nucleus within 100 px: the target is dropped and counted.
  const big = [{ ...major('a', 100, 100, 1), area: 1000 }];
  const none = planInsertions(big, [m], size, createRng(1), { ...DEFAULT_PLAN, k: 1, maxLeftover: 100 });
  assert.equal(none.insertions.length, 0);
  assert.equal(none.rejected.size, 1);
  // Background targets ignore both; the paper's rule (λ = 0, no bound) draws as before, to the byte.
  const bg = [background('b', 500, 500)];
  const mb = model(bg, [0], 3, [0], [1, 1, 1]);
  mb.donors.forEach((d, i) => (d.area = areas[i]));
  const a = planInsertions(bg, [mb], size, createRng(3), { ...DEFAULT_PLAN, k: 1, sizeWeight: 5, maxLeftover: 0 });
  const b = planInsertions(bg, [mb], size, createRng(3), { ...DEFAULT_PLAN, k: 1 });
  assert.deepEqual(a.insertions, b.insertions);
});

test('--max-donor-uses: no donor goes into one image more often than the cap; without a cap the draws are the paper’s', () => {
  // One image, many far-apart candidates and a donor pool dominated by donor 100 (d = 0 against d = 3).
  const candidates: Location[] = [];
  for (let i = 0; i < 40; i++) candidates.push(major('one', 50 + 20 * (i % 10) * 2, 50 + 40 * Math.floor(i / 10), i + 1));
  const m = model(candidates, candidates.map(() => 0), 3, candidates.map(() => 0), [0, 3, 3]);
  const uncapped = planInsertions(candidates, [m], size, createRng(4), { ...DEFAULT_PLAN, k: 30 });
  const uses = (ins: { donor: { id: number } }[]) => Math.max(...[100, 101, 102].map((id) => ins.filter((i) => i.donor.id === id).length));
  assert.ok(uses(uncapped.insertions) > 2, `donor 100 dominates without a cap (${uses(uncapped.insertions)})`);
  // An infinite cap is no cap: the same plan, draw for draw.
  assert.deepEqual(planInsertions(candidates, [m], size, createRng(4), { ...DEFAULT_PLAN, k: 30, maxDonorUses: Infinity }), uncapped);
  const capped = planInsertions(candidates, [m], size, createRng(4), { ...DEFAULT_PLAN, k: 30, maxDonorUses: 2 });
  assert.equal(uses(capped.insertions), 2);
  // Three donors at 2 uses each: 6 insertions, then every donor is capped and the rest of the candidates are rejected for reuse.
  assert.equal(capped.insertions.length, 6);
  assert.equal(capped.rejected.reuse, candidates.length - 6);
  // The cap is per image: another image takes the donors again.
  const two = [...candidates.slice(0, 4), ...candidates.slice(0, 4).map((c) => ({ ...c, image: 'two' }))];
  const m2 = model(two, two.map(() => 0), 1);
  const perImage = planInsertions(two, [m2], size, createRng(1), { ...DEFAULT_PLAN, k: 8, maxDonorUses: 1 }).insertions;
  assert.deepEqual(perImage.map((i) => i.target.image).sort(), ['one', 'two']);
});
