import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CUTMIX_OPTIONS, planCutMix, type CutMixInsertion } from '../../src/augment/cutmix.ts';
import { dropSmallFragments } from '../../src/augment/fragments.ts';
import { indexDataset } from '../../src/augment/nuclei-index.ts';
import { indexOfId } from '../../src/core/labels.ts';
import { createRng } from '../../src/core/rng.ts';
import type { Dataset, Sample } from '../../src/io/dataset.ts';
import { augmentTo, syntheticDataset, type Augmented } from './method-fixtures.ts';

let tmp: string;
let input: Dataset;
let plain: Augmented;
/** Wide margins and a high fragment threshold, so rectangles cut into neighbours and drop pieces. */
let wide: Augmented;
/** Wide rectangles and k = 30: some carry rare neighbours. */
let carriedRare: Augmented;
const WIDE = { boxMargin: 14, minFragment: 40 };

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-cutmix-'));
  input = await syntheticDataset(join(tmp, 'input'));
  plain = await augmentTo('cutmix', input, join(tmp, 'plain'), { k: 10, seed: 5 });
  wide = await augmentTo('cutmix', input, join(tmp, 'wide'), { k: 10, seed: 8 }, WIDE);
  carriedRare = await augmentTo('cutmix', input, join(tmp, 'carried'), { k: 30, seed: 2 }, WIDE);
});
after(() => rm(tmp, { recursive: true, force: true }));

function typeOf(s: Sample, id: number): number {
  return s.labels.types[indexOfId(s.labels, id)];
}

/** Pixels of instance `id` in the 8-connected piece of `inst` containing (x, y), within the box. */
function pieceSize(inst: Int32Array, W: number, x: number, y: number, box: readonly number[]): number {
  const id = inst[y * W + x];
  const seen = new Set<number>([y * W + x]);
  const stack = [y * W + x];
  while (stack.length > 0) {
    const q = stack.pop()!;
    const qx = q % W;
    const qy = Math.floor(q / W);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = qx + dx;
        const ny = qy + dy;
        if (nx < box[0] || ny < box[1] || nx >= box[2] || ny >= box[3]) continue;
        const n = ny * W + nx;
        if (inst[n] === id && !seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
  }
  return seen.size;
}

/** Checks the defining property of CutMix on one run. */
async function checkRun(run: Augmented, minFragment: number): Promise<{ dropped: number; carried: number; covered: number }> {
  const insertions = run.manifest.insertions as CutMixInsertion[];
  let dropped = 0;
  let carried = 0;
  let covered = 0;
  for (const name of input.names) {
    const a = await input.read(name);
    const b = await run.result.read(name);
    const W = a.image.width;
    const mine = insertions.filter((i) => i.target.image === name);
    const inRect = new Uint8Array(W * a.image.height);
    for (const ins of mine) {
      const [tx0, ty0, tx1, ty1] = ins.target.rect;
      const [sx0, sy0, sx1, sy1] = ins.donor.rect;
      assert.equal(tx1 - tx0, sx1 - sx0);
      assert.equal(ty1 - ty0, sy1 - sy0);
      const src = await input.read(ins.donor.image);
      const SW = src.image.width;
      // The source rectangle: the donor's box plus the margin, clipped to its image.
      const d = indexOfId(src.labels, ins.donor.id);
      assert.equal(typeOf(src, ins.donor.id), 1);
      assert.ok(d >= 0);
      const sameId = new Map<number, number>();
      const donorOut = new Set<number>();
      for (let y = 0; y < ty1 - ty0; y++) {
        for (let x = 0; x < tx1 - tx0; x++) {
          const q = (ty0 + y) * W + tx0 + x;
          const s = (sy0 + y) * SW + sx0 + x;
          assert.equal(inRect[q], 0, 'rectangles in one image are disjoint');
          inRect[q] = 1;
          // The pasted rectangle equals the source rectangle, pixel for pixel.
          for (let c = 0; c < 3; c++) assert.equal(b.image.data[3 * q + c], src.image.data[3 * s + c]);
          const l = b.labels.inst.data[q];
          const sl = src.labels.inst.data[s];
          if (sl === 0) {
            assert.equal(l, 0, 'background in the source is background in the paste');
            continue;
          }
          if (sl === ins.donor.id) donorOut.add(l);
          if (l === 0) {
            // Only a piece smaller than the threshold may be dropped.
            assert.ok(pieceSize(src.labels.inst.data, SW, sx0 + x, sy0 + y, ins.donor.rect) < minFragment, `${name}: a dropped piece of ${ins.donor.image}#${sl} is too large`);
            dropped++;
            continue;
          }
          assert.equal(typeOf(b, l), typeOf(src, sl), 'labels inside come from the source, types included');
          // One source nucleus ↔ one output instance.
          if (sameId.has(sl)) assert.equal(sameId.get(sl), l);
          else sameId.set(sl, l);
        }
      }
      assert.equal(new Set(sameId.values()).size, sameId.size, 'distinct source nuclei stay distinct');
      // The rare nucleus arrives whole, as one instance of the rare type.
      assert.equal(donorOut.size, 1);
      const newId = [...donorOut][0];
      let area = 0;
      for (const v of b.labels.inst.data) if (v === newId) area++;
      let srcArea = 0;
      for (const v of src.labels.inst.data) if (v === ins.donor.id) srcArea++;
      assert.equal(area, srcArea);
      carried += sameId.size - 1;
    }
    // Outside the rectangles: the image is unchanged, and so are the labels but for dropped
    // pieces of nuclei the rectangles cut.
    const map = new Map<number, number>();
    const outside = a.labels.inst.data.map((v, p) => (inRect[p] ? 0 : v));
    for (let q = 0; q < inRect.length; q++) {
      if (inRect[q]) {
        if (a.labels.inst.data[q] !== 0) covered++;
        continue;
      }
      for (let c = 0; c < 3; c++) assert.equal(b.image.data[3 * q + c], a.image.data[3 * q + c]);
      const old = a.labels.inst.data[q];
      const now = b.labels.inst.data[q];
      if (old === 0) {
        assert.equal(now, 0);
      } else if (now === 0) {
        const box = [0, 0, W, a.image.height];
        assert.ok(pieceSize(outside, W, q % W, Math.floor(q / W), box) < minFragment, `${name}: a dropped piece of ${old} is too large`);
        dropped++;
      } else {
        if (map.has(old)) assert.equal(map.get(old), now);
        else map.set(old, now);
        assert.equal(typeOf(b, now), typeOf(a, old));
      }
    }
  }
  return { dropped, carried, covered };
}

describe('CutMix', () => {
  test('the pasted rectangle equals the source rectangle; labels inside come from the source; small pieces dropped', async () => {
    await checkRun(plain, CUTMIX_OPTIONS.minFragment.default);
    const w = await checkRun(wide, WIDE.minFragment);
    // The wide run exercises clipping: rectangles carry and cut nuclei, and pieces are dropped.
    assert.ok(w.carried > 0 && w.covered > 0 && w.dropped > 0, JSON.stringify(w));
  });

  test('k is the net gain of the rare type (the default): rectangles that carry rare neighbours count them, and the planned gains are what rendering does', async () => {
    for (const r of [plain, wide]) {
      const extra = r.stats.extra as { netRareChange: Record<number, number>; carried: Record<number, number>; covered: Record<number, number> };
      assert.equal(extra.netRareChange[1], r.stats.counts.after[1] - r.stats.counts.before[1]);
      assert.equal(extra.netRareChange[1], 10, 'the count of type 1 went up by exactly k');
      const insertions = r.manifest.insertions as CutMixInsertion[];
      assert.equal(insertions.reduce((a, ins) => a + (ins.gain[1] ?? 0), 0), 10);
      assert.ok(insertions.every((ins) => (ins.gain[1] ?? 0) >= 1), 'every rectangle raises the rare count');
      assert.ok(r.notes.some((n) => n.includes('net change +10') && n.includes('k = 10 is the net gain')));
      assert.ok(r.notes.some((n) => /^net gain per rare type \(what k counts\): type 1 \(other\) \+10$/.test(n)), r.notes.join('\n'));
      assert.ok(!r.notes.some((n) => n.includes('less than planned')));
    }
    // Wide rectangles, k = 30: counted as rectangles they change the rare count by another amount (next test); counted net, by exactly k.
    assert.equal(carriedRare.stats.counts.after[1] - carriedRare.stats.counts.before[1], 30);
  });

  test('--count rectangles pastes k rectangles whatever they carry; the net change is reported and matches the planned gains', async () => {
    const r = await augmentTo('cutmix', input, join(tmp, 'rects'), { k: 30, seed: 2 }, { ...WIDE, count: 'rectangles' });
    assert.equal(r.stats.targets.rectangle, 30);
    const net = r.stats.counts.after[1] - r.stats.counts.before[1];
    const planned = (r.manifest.insertions as CutMixInsertion[]).reduce((a, ins) => a + (ins.gain[1] ?? 0), 0);
    assert.equal(planned, net);
    assert.notEqual(net, 30, 'wide rectangles carry or cover rare neighbours');
    assert.ok(r.notes.some((n) => n.includes(`net change +${net}`) && n.includes('k = 30 counted rectangles')));
    assert.equal(r.manifest.options.count, 'rectangles');
  });

  test('planning: boxes plus margin clipped to the source, placed inside the target with the rare centre off the border', async () => {
    const index = await indexDataset(input);
    const plan = planCutMix(index, [1], 40, 20, createRng(1), { boxMargin: 6, minFragment: 10, count: 'rectangles' });
    assert.equal(plan.length, 40);
    const net = planCutMix(index, [1], 40, 20, createRng(1), { boxMargin: 6, minFragment: 10 });
    assert.equal(net.reduce((a, ins) => a + (ins.gain[1] ?? 0), 0), 40);
    for (const ins of plan) {
      const src = index.images.find((im) => im.name === ins.donor.image)!;
      const dst = index.images.find((im) => im.name === ins.target.image)!;
      const d = src.nuclei.find((n) => n.id === ins.donor.id)!;
      assert.deepEqual(ins.donor.rect, [Math.max(0, d.bbox[0] - 6), Math.max(0, d.bbox[1] - 6), Math.min(src.width, d.bbox[2] + 6), Math.min(src.height, d.bbox[3] + 6)]);
      const [x0, y0, x1, y1] = ins.target.rect;
      assert.ok(x0 >= 0 && y0 >= 0 && x1 <= dst.width && y1 <= dst.height);
      assert.ok(ins.target.x >= 20 && ins.target.y >= 20 && ins.target.x <= dst.width - 21 && ins.target.y <= dst.height - 21);
      assert.ok(Math.abs(ins.target.x - (d.cx + x0 - ins.donor.rect[0])) < 1e-9);
    }
  });
});

describe('dropSmallFragments', () => {
  test('drops the 8-connected pieces below the threshold, per instance, and reports them', () => {
    // 8×6: instance 1 has a 6-px piece and a 2-px piece; instance 2 a diagonal 3-px piece
    // (one piece under 8-connectivity); instance 3 is not listed and keeps its single pixel.
    const W = 8;
    const inst = Int32Array.from([
      1, 1, 1, 0, 0, 0, 0, 3,
      1, 1, 1, 0, 2, 0, 0, 0,
      0, 0, 0, 0, 0, 2, 0, 0,
      0, 0, 0, 0, 0, 0, 2, 0,
      0, 1, 1, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const out = inst.slice();
    const dropped = dropSmallFragments(out, W, 6, new Map([[1, [0, 0, 8, 6]], [2, [0, 0, 8, 6]]]), 3);
    assert.deepEqual([...dropped], [[1, { pieces: 1, pixels: 2 }]]);
    const expected = inst.slice();
    expected[4 * W + 1] = expected[4 * W + 2] = 0;
    assert.deepEqual(out, expected);
    // With a threshold of 4 the diagonal piece goes too; 3 stays, not being listed.
    const out4 = inst.slice();
    dropSmallFragments(out4, W, 6, new Map([[1, [0, 0, 8, 6]], [2, [0, 0, 8, 6]]]), 4);
    assert.equal(out4.filter((v) => v === 2).length, 0);
    assert.equal(out4[7], 3);
  });
});
