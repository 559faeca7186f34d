import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignShards, renderedImages, type WeightedImage } from '../../src/cluster/shard-assignment.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { createRng } from '../../src/core/rng.ts';

/** 23 images with 1..40 edits each, drawn from a seeded generator (NucleiMix-like skew). */
function images(n = 23, seed = 3): WeightedImage[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => ({ name: `img_${String(i).padStart(2, '0')}`, weight: 1 + Math.floor(40 * rng.next() ** 2) }));
}

function check(items: WeightedImage[], count: number): string[][] {
  const shards = assignShards(items, count);
  assert.equal(shards.length, count);
  const all = shards.flat();
  // Complete and disjoint: every image exactly once.
  assert.deepEqual([...all].sort(), items.map((i) => i.name).sort(), `N=${count}: every image once`);
  assert.equal(new Set(all).size, all.length, `N=${count}: no image twice`);
  // Each shard lists its images in dataset order.
  const at = new Map(items.map((im, i) => [im.name, i]));
  for (const s of shards) for (let i = 1; i < s.length; i++) assert.ok(at.get(s[i - 1])! < at.get(s[i])!, `N=${count}: dataset order within a shard`);
  return shards;
}

test('assignment: disjoint, complete, balanced by edits for N = 1, 3, 7', () => {
  const items = images();
  const weight = new Map(items.map((i) => [i.name, i.weight]));
  const total = items.reduce((a, b) => a + b.weight, 0);
  const heaviest = Math.max(...items.map((i) => i.weight));
  for (const n of [1, 3, 7]) {
    const shards = check(items, n);
    const loads = shards.map((s) => s.reduce((a, name) => a + weight.get(name)!, 0));
    assert.equal(loads.reduce((a, b) => a + b, 0), total);
    // Greedy largest-first: no shard exceeds the mean by more than one image's edits, nor 4/3 of the optimum (≥ the mean).
    const mean = total / n;
    for (const l of loads) assert.ok(l <= mean + heaviest && l <= (4 / 3) * Math.max(mean, heaviest), `N=${n}: load ${l} vs mean ${mean.toFixed(1)}`);
    if (n === 3) {
      // Balanced by edits, not by image count: these edit loads are within a few edits of each other.
      assert.ok(Math.max(...loads) - Math.min(...loads) <= heaviest, `N=3 loads ${loads}`);
    }
  }
  assert.deepEqual(assignShards(items, 1), [items.map((i) => i.name)]);
});

test('assignment: more shards than images leaves the extra shards empty', () => {
  const items = images(4);
  const shards = check(items, 7);
  assert.equal(shards.filter((s) => s.length === 1).length, 4);
  assert.equal(shards.filter((s) => s.length === 0).length, 3);
  assert.deepEqual(assignShards([], 3), [[], [], []]);
});

test('assignment: deterministic; ties go by dataset order onto the lowest shard', () => {
  const items = images();
  assert.deepEqual(assignShards(items, 3), assignShards(items.map((i) => ({ ...i })), 3));
  const equal = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name, weight: 2 }));
  assert.deepEqual(assignShards(equal, 3), [['a', 'd'], ['b', 'e'], ['c', 'f']]);
  // The heaviest image alone; the light ones fill the others.
  assert.deepEqual(assignShards([{ name: 'x', weight: 1 }, { name: 'y', weight: 9 }, { name: 'z', weight: 1 }, { name: 'w', weight: 1 }], 2), [['y'], ['x', 'z', 'w']]);
});

test('assignment: bad shard counts and weights are errors', async () => {
  await rejectsNucleiMix(Promise.resolve().then(() => assignShards(images(), 0)), /positive integer, got 0/);
  await rejectsNucleiMix(Promise.resolve().then(() => assignShards([{ name: 'a', weight: Number.NaN }], 2)), /image 'a' has weight NaN/);
});

test('rendered images: those with insertions, weighted by them; every image (weight ≥ 1) when the method renders every image', () => {
  const ins = (image: string) => ({ target: { image } }) as never;
  const names = ['a', 'b', 'c', 'd'];
  const list = [ins('c'), ins('a'), ins('c'), ins('c')];
  assert.deepEqual(renderedImages(names, list, false), [{ name: 'a', weight: 1 }, { name: 'c', weight: 3 }]);
  assert.deepEqual(renderedImages(names, list, true), [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 3 }, { name: 'd', weight: 1 }]);
});
