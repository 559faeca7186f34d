import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { shuffleBackgroundBlocks } from '../../src/augment/block-shuffle.ts';
import type { InsMixInsertion } from '../../src/augment/insmix.ts';
import { scaleRatio, shapeDifference } from '../../src/augment/ssd.ts';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import type { Dataset, Sample } from '../../src/io/dataset.ts';
import { augmentTo, countTypes, syntheticDataset, type Augmented } from './method-fixtures.ts';

const K = 12;
let tmp: string;
let input: Dataset;
let run: Augmented;
let shuffled: Augmented;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-insmix-'));
  input = await syntheticDataset(join(tmp, 'input'));
  run = await augmentTo('insmix', input, join(tmp, 'out'), { k: K, seed: 4 });
  shuffled = await augmentTo('insmix', input, join(tmp, 'shuffled'), { k: K, seed: 4 }, { bgShuffle: 0.5 });
});
after(() => rm(tmp, { recursive: true, force: true }));

/** Pixel coordinates of instance `id` of `s`. */
function pixelsOf(s: Sample, id: number): [number, number][] {
  const W = s.image.width;
  const out: [number, number][] = [];
  s.labels.inst.data.forEach((v, p) => {
    if (v === id) out.push([p % W, Math.floor(p / W)]);
  });
  return out;
}

/** |A xor B| / max(|A|, |B|) with B moved so that its rounded centroid falls on A's: written out independently. */
function shape(a: [number, number][], b: [number, number][]): number {
  const c = (m: [number, number][]) => [Math.round(m.reduce((s, p) => s + p[0], 0) / m.length), Math.round(m.reduce((s, p) => s + p[1], 0) / m.length)];
  const [ax, ay] = c(a);
  const [bx, by] = c(b);
  const A = new Set(a.map(([x, y]) => `${x},${y}`));
  const B = new Set(b.map(([x, y]) => `${x + ax - bx},${y + ay - by}`));
  let xor = 0;
  for (const p of A) if (!B.has(p)) xor++;
  for (const p of B) if (!A.has(p)) xor++;
  return xor / Math.max(A.size, B.size);
}

describe('InsMix', () => {
  test('every pair satisfies the SSD bounds: scale ≥ 0.5, shape ≤ 0.8, centre within ±40 px', async () => {
    const insertions = run.manifest.insertions as InsMixInsertion[];
    assert.equal(insertions.length, K);
    const anchorTypes = new Set<number>();
    for (const ins of insertions) {
      const a = await input.read(ins.target.image);
      const b = await run.result.read(ins.target.image);
      const d = await input.read(ins.donor.image);
      const original = pixelsOf(a, ins.anchor.id);
      assert.equal(original.length, ins.anchor.area);
      anchorTypes.add(ins.anchor.type);
      // The new nucleus, found in the output where the donor's pixels went.
      const [dx, dy] = ins.offset;
      const donorPx = pixelsOf(d, ins.donor.id);
      const W = a.image.width;
      const newId = b.labels.inst.data[(donorPx[0][1] + dy) * W + donorPx[0][0] + dx];
      const pasted = pixelsOf(b, newId);
      assert.equal(b.labels.types[newId - 1], 1);
      assert.deepEqual(pasted.map(([x, y]) => `${x},${y}`).sort(), donorPx.map(([x, y]) => `${x + dx},${y + dy}`).sort(), 'a direct copy of the template mask');
      for (const [x, y] of donorPx) for (let c = 0; c < 3; c++) assert.equal(b.image.data[3 * ((y + dy) * W + x + dx) + c], d.image.data[3 * (y * d.image.width + x) + c]);
      const scale = Math.min(original.length, pasted.length) / Math.max(original.length, pasted.length);
      assert.ok(scale >= 0.5, `#${ins.index}: scale ${scale}`);
      const s = shape(original, pasted);
      assert.ok(s <= 0.8, `#${ins.index}: shape ${s}`);
      const cx = pasted.reduce((t, p) => t + p[0], 0) / pasted.length;
      const cy = pasted.reduce((t, p) => t + p[1], 0) / pasted.length;
      const ox = cx - original.reduce((t, p) => t + p[0], 0) / original.length;
      const oy = cy - original.reduce((t, p) => t + p[1], 0) / original.length;
      assert.ok(Math.abs(ox) <= 40 && Math.abs(oy) <= 40, `#${ins.index}: offset (${ox}, ${oy})`);
      // The manifest records the same values.
      assert.ok(Math.abs(ins.ssd.scale - scale) < 1e-12 && Math.abs(ins.ssd.shape - s) < 1e-12);
      assert.ok(Math.abs(ins.ssd.dx - ox) < 1e-9 && Math.abs(ins.ssd.dy - oy) < 1e-9);
    }
    // Originals are drawn from every type, not only the rare one.
    assert.ok(anchorTypes.size > 1);
  });

  test('no other nucleus loses a pixel; other classes unchanged', async () => {
    const before = await countTypes(input);
    assert.deepEqual(await countTypes(run.result), { ...before, 1: before[1] + K });
    for (const name of input.names) {
      const a = await input.read(name);
      const b = await run.result.read(name);
      for (let p = 0; p < a.labels.inst.data.length; p++) if (a.labels.inst.data[p] !== 0) assert.equal(b.labels.inst.data[p], a.labels.inst.data[p]);
    }
  });

  test('--bg-shuffle 0.5 permutes half the nucleus-free 20×20 blocks and nothing else', async () => {
    assert.deepEqual(shuffled.manifest.insertions, run.manifest.insertions, 'the shuffle does not change the plan');
    let moved = 0;
    let candidates = 0;
    for (const name of input.names) {
      const plain = await run.result.read(name);
      const b = await shuffled.result.read(name);
      assert.deepEqual(b.labels.inst.data, plain.labels.inst.data, `${name}: labels untouched`);
      const W = plain.image.width;
      const block = (img: Sample, bx: number, by: number): string => {
        const rows: number[] = [];
        for (let y = by * 20; y < by * 20 + 20; y++) rows.push(...img.image.data.subarray(3 * (y * W + bx * 20), 3 * (y * W + bx * 20 + 20)));
        return rows.join(',');
      };
      const before: string[] = [];
      const afterBlocks: string[] = [];
      let imageMoved = 0;
      for (let by = 0; by < Math.floor(plain.image.height / 20); by++) {
        for (let bx = 0; bx < Math.floor(W / 20); bx++) {
          let empty = true;
          for (let y = by * 20; y < by * 20 + 20; y++) for (let x = bx * 20; x < bx * 20 + 20; x++) if (plain.labels.inst.data[y * W + x]) empty = false;
          const was = block(plain, bx, by);
          const now = block(b, bx, by);
          if (!empty) {
            assert.equal(now, was, `${name}: a block holding a nucleus stays`);
            continue;
          }
          before.push(was);
          afterBlocks.push(now);
          if (now !== was) imageMoved++;
        }
      }
      // Outside the whole blocks (right and bottom strips) nothing changes.
      for (let y = 0; y < plain.image.height; y++) {
        for (let x = 0; x < W; x++) {
          if (x < Math.floor(W / 20) * 20 && y < Math.floor(plain.image.height / 20) * 20) continue;
          for (let c = 0; c < 3; c++) assert.equal(b.image.data[3 * (y * W + x) + c], plain.image.data[3 * (y * W + x) + c]);
        }
      }
      // A permutation: the same blocks, rearranged.
      assert.deepEqual([...afterBlocks].sort(), [...before].sort());
      assert.equal(imageMoved, Math.round(0.5 * before.length), `${name}: half the free blocks moved`);
      moved += imageMoved;
      candidates += before.length;
    }
    assert.deepEqual((shuffled.stats.extra as { backgroundShuffle: unknown }).backgroundShuffle, { share: 0.5, block: 20, images: 3, candidates, moved });
  });
});

describe('SSD measures and the block shuffle', () => {
  test('scale ratio and shape difference on hand-made masks', () => {
    assert.equal(scaleRatio(30, 60), 0.5);
    assert.equal(scaleRatio(60, 30), 0.5);
    assert.equal(scaleRatio(0, 30), 0);
    // A: 3×3 square (centroid 1,1); B: 3×4 (centroid 1, 1.5 → rounds to 2): B moved up by 1
    // covers rows −1..2 of A's frame, so 9 shared, 3 extra: 3 / 12.
    const sq = { area: 9, cx: 1, cy: 1, bbox: [0, 0, 3, 3] as const, mask: new Uint8Array(9).fill(1) };
    const tall = { area: 12, cx: 11, cy: 21.5, bbox: [10, 20, 13, 24] as const, mask: new Uint8Array(12).fill(1) };
    assert.equal(shapeDifference(sq, sq), 0);
    assert.equal(shapeDifference(sq, tall), 3 / 12);
    assert.equal(shapeDifference(tall, sq), 3 / 12);
    // Disjoint after alignment is impossible for non-empty masks; a ring vs its hole's disc:
    const ring = { area: 8, cx: 1, cy: 1, bbox: [0, 0, 3, 3] as const, mask: Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]) };
    const dot = { area: 1, cx: 5, cy: 5, bbox: [5, 5, 6, 6] as const, mask: Uint8Array.of(1) };
    assert.equal(shapeDifference(ring, dot), 9 / 8);
  });

  test('shuffleBackgroundBlocks: candidates are whole nucleus-free blocks; every chosen block moves; input untouched', () => {
    const W = 50;
    const H = 45; // 2×2 whole blocks of 20; strips of 10 and 5 px are never moved
    const image = createImage(W, H);
    for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) image.data[3 * p + c] = (p * 7 + c * 13) % 251;
    const inst = createInstanceMap(W, H);
    inst.data[25 * W + 30] = 1; // a nucleus pixel in block (1, 1)
    const copy = image.data.slice();
    const all = shuffleBackgroundBlocks(image, inst, 1, createRng(3));
    assert.equal(all.candidates, 3);
    assert.equal(all.moved, 3);
    assert.deepEqual(image.data, copy);
    const at = (img: Uint8Array, bx: number, by: number) => Array.from(img.subarray(3 * (by * 20 * W + bx * 20), 3 * (by * 20 * W + bx * 20 + 20))).join();
    const blocks = [[0, 0], [1, 0], [0, 1]];
    for (const [bx, by] of blocks) assert.notEqual(at(all.image.data, bx, by), at(copy, bx, by));
    assert.deepEqual(blocks.map(([bx, by]) => at(all.image.data, bx, by)).sort(), blocks.map(([bx, by]) => at(copy, bx, by)).sort());
    assert.equal(at(all.image.data, 1, 1), at(copy, 1, 1));
    // One block out of three rounds to 1: nothing to swap it with, nothing moves.
    const one = shuffleBackgroundBlocks(image, inst, 0.3, createRng(3));
    assert.equal(one.moved, 0);
    assert.deepEqual(one.image.data, copy);
  });
});
