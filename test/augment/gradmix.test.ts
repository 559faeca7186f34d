import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GRADMIX_OPTIONS, planGradMix, type GradMixInsertion } from '../../src/augment/gradmix.ts';
import { resolveOptions } from '../../src/core/options.ts';
import { chessboardDistance, gradmixWeights, renderGradMix } from '../../src/augment/gradmix-render.ts';
import { indexDataset, type DatasetIndex } from '../../src/augment/nuclei-index.ts';
import { dilationRings, indexOfId } from '../../src/core/labels.ts';
import { createImage } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import type { Dataset, Sample } from '../../src/io/dataset.ts';
import type { InpaintEngine } from '../../src/inpaint/engine.ts';
import { direct } from './fixtures.ts';
import { augmentTo, countTypes, syntheticDataset, type Augmented } from './method-fixtures.ts';

const K = 8;
const MARGIN = 20;
let tmp: string;
let input: Dataset;
let index: DatasetIndex;
let run: Augmented;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-gradmix-'));
  input = await syntheticDataset(join(tmp, 'input'));
  index = await indexDataset(input);
  run = await augmentTo('gradmix', input, join(tmp, 'out'), { k: K, seed: 6, margin: MARGIN });
});
after(() => rm(tmp, { recursive: true, force: true }));

/** A W×H mask of instance `id`. */
function maskOf(s: Sample, id: number): Uint8Array {
  return Uint8Array.from(s.labels.inst.data, (v) => (v === id ? 1 : 0));
}

/** Count of set pixels. */
function count(m: Uint8Array): number {
  let n = 0;
  for (const v of m) n += v;
  return n;
}

/** Fills every unknown pixel with one colour. */
function constantInpainter(rgb: [number, number, number]): InpaintEngine {
  return {
    name: 'constant',
    settings: {},
    input: { kind: 'any' },
    maxBatch: 64,
    deterministic: true,
    async release() {},
    async inpaint(jobs) {
      return jobs.map(({ image, mask }) => {
        const out = createImage(image.width, image.height, image.data.slice());
        for (let p = 0; p < mask.length; p++) if (mask[p]) out.data.set(rgb, 3 * p);
        return out;
      });
    },
  };
}

describe('GradMix weights', () => {
  test('chessboard distance and w = 1 − (d−1)/max(d−1), checked against brute force', () => {
    const w = 13;
    const h = 11;
    const rare = new Uint8Array(w * h);
    const ring = new Uint8Array(w * h);
    // An L-shaped nucleus and a lopsided ring around it.
    for (const [x, y] of [[5, 4], [6, 4], [5, 5], [5, 6], [6, 6], [7, 6]]) rare[y * w + x] = 1;
    for (let y = 1; y < 10; y++) for (let x = 2; x < 12; x++) if (!rare[y * w + x] && (x - 5) ** 2 / 16 + (y - 5) ** 2 / 9 <= 1.6) ring[y * w + x] = 1;
    const d = chessboardDistance(rare, w, h);
    const brute = new Float64Array(w * h).fill(Infinity);
    for (let p = 0; p < w * h; p++) {
      for (let r = 0; r < w * h; r++) {
        if (rare[r]) brute[p] = Math.min(brute[p], Math.max(Math.abs((p % w) - (r % w)), Math.abs(Math.floor(p / w) - Math.floor(r / w))));
      }
    }
    assert.deepEqual(d, brute);
    let max = 0;
    for (let p = 0; p < w * h; p++) if (ring[p]) max = Math.max(max, brute[p] - 1);
    assert.ok(max >= 2);
    const weights = gradmixWeights(rare, ring, w, h);
    for (let p = 0; p < w * h; p++) {
      const expected = rare[p] ? 1 : ring[p] ? 1 - (brute[p] - 1) / max : 0;
      assert.ok(Math.abs(weights[p] - expected) < 1e-12, `pixel ${p}`);
    }
    // A ring only one pixel wide: every distance is 1, so every weight is 1 (no 0/0).
    const thin = new Uint8Array(w * h);
    for (let p = 0; p < w * h; p++) if (!rare[p] && brute[p] === 1) thin[p] = 1;
    const tw = gradmixWeights(rare, thin, w, h);
    for (let p = 0; p < w * h; p++) if (thin[p]) assert.equal(tw[p], 1);
  });
});

describe('GradMix pairing', () => {
  test('a random 80 % of the majors in ascending area; the size rule holds for every pair; each takes the first unused rare that fits', async () => {
    const plan = planGradMix(index, [1], undefined, K, MARGIN, createRng(6).fork('gradmix'), resolveOptions('gradmix', GRADMIX_OPTIONS));
    assert.equal(plan.insertions.length, K);
    for (const im of index.images) {
      const eligible = im.nuclei.filter((n) => n.type !== 1 && n.cx >= MARGIN && n.cy >= MARGIN && n.cx <= im.width - 1 - MARGIN && n.cy <= im.height - 1 - MARGIN);
      assert.equal(plan.eligible.get(im.name), eligible.length);
      const queue = plan.queues.get(im.name)!;
      assert.equal(queue.length, Math.floor(0.8 * eligible.length));
      assert.equal(new Set(queue).size, queue.length);
      const area = (id: number) => im.nuclei.find((n) => n.id === id)!.area;
      for (let i = 1; i < queue.length; i++) assert.ok(area(queue[i - 1]) <= area(queue[i]), `${im.name}: ascending area`);
      for (const id of queue) assert.ok(eligible.some((n) => n.id === id));
      // Pairs into one image follow its queue.
      const positions = plan.insertions.filter((i) => i.target.image === im.name).map((i) => queue.indexOf(i.target.replacedId));
      assert.ok(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])));
    }
    const areaOf = (key: string): number => {
      const [image, id] = key.split('#');
      return index.images.find((im) => im.name === image)!.nuclei.find((n) => n.id === Number(id))!.area;
    };
    const used = new Map<string, Set<string>>();
    for (const ins of plan.insertions) {
      const t = ins.target;
      const s = await input.read(t.image);
      // The size rule, with dilate₂ recomputed over the whole image.
      const dilated = count(dilationRings(maskOf(s, t.replacedId), s.image.width, s.image.height, 2)[2]);
      assert.equal(t.dilatedArea, dilated);
      assert.equal(t.area, count(maskOf(s, t.replacedId)));
      const d = await input.read(ins.donor.image);
      assert.equal(ins.donor.area, count(maskOf(d, ins.donor.id)));
      assert.ok(dilated >= 2.3 * ins.donor.area, `pair #${ins.index}: ${dilated} < 2.3 × ${ins.donor.area}`);
      // First unused rare of the target image's pool that fits.
      const u = used.get(t.image) ?? new Set<string>();
      const pool = plan.pools.get(`${t.image}/1`)!;
      const first = pool.find((key) => !u.has(key) && 2.3 * areaOf(key) <= dilated);
      assert.equal(`${ins.donor.image}#${ins.donor.id}`, first);
      u.add(first!);
      used.set(t.image, u);
      // The pool starts with the image's own rare nuclei.
      const own = index.images.find((im) => im.name === t.image)!.nuclei.filter((n) => n.type === 1 && n.cx >= MARGIN && n.cy >= MARGIN && n.cx <= 255 - MARGIN && n.cy <= 255 - MARGIN);
      assert.deepEqual(pool.slice(0, own.length), own.map((n) => `${t.image}#${n.id}`));
      assert.equal(pool.length, new Set(pool).size);
    }
  });
});

describe('GradMix rendering', () => {
  test('the rare nucleus takes the major\'s id and the rare type; k added, one major gone per pair', async () => {
    const before = await countTypes(input);
    const after = await countTypes(run.result);
    const insertions = run.manifest.insertions as GradMixInsertion[];
    assert.equal(insertions.length, K);
    const replaced: Record<number, number> = {};
    for (const ins of insertions) replaced[ins.target.replacedType] = (replaced[ins.target.replacedType] ?? 0) + 1;
    assert.deepEqual(run.stats.replaced, replaced);
    assert.deepEqual(run.stats.vanished, {}, 'this seed covers no neighbour completely');
    for (const t of [2, 3, 4]) assert.equal(after[t], before[t] - (replaced[t] ?? 0));
    assert.equal(after[1], before[1] + K);
    for (const ins of insertions) {
      const a = await input.read(ins.target.image);
      const b = await run.result.read(ins.target.image);
      const d = await input.read(ins.donor.image);
      const id = ins.target.replacedId;
      // Nothing vanished in this image, so ids are as read: the rare nucleus holds the major's.
      assert.equal(b.labels.types[indexOfId(b.labels, id)], 1);
      const W = a.image.width;
      const [dx, dy] = ins.offset;
      const rare = new Uint8Array(W * a.image.height);
      for (let p = 0; p < d.labels.inst.data.length; p++) {
        if (d.labels.inst.data[p] === ins.donor.id) rare[(Math.floor(p / d.image.width) + dy) * W + (p % d.image.width) + dx] = 1;
      }
      for (let p = 0; p < rare.length; p++) {
        if (rare[p]) assert.equal(b.labels.inst.data[p], id);
        else if (b.labels.inst.data[p] === id) assert.fail('the instance is exactly the moved rare nucleus');
        else if (a.labels.inst.data[p] === id) assert.equal(b.labels.inst.data[p], 0, 'the major\'s other pixels are background');
      }
      // The rare centre sits on the major's (both rounded).
      const j = indexOfId(a.labels, id);
      assert.ok(Math.abs(ins.target.x - a.labels.centroids[2 * j]) <= 1 && Math.abs(ins.target.y - a.labels.centroids[2 * j + 1]) <= 1);
    }
  });

  test('nucleus pulled halfway to the mean nucleus colour; ring blended with the distance weights, then median-filtered', async () => {
    const insertions = run.manifest.insertions as GradMixInsertion[];
    const name = insertions[0].target.image;
    const mine = insertions.filter((i) => i.target.image === name);
    const target = await input.read(name);
    const donorOf = (image: string) => input.read(image);
    const C: [number, number, number] = [12, 210, 40];
    const plain = await renderGradMix(target, mine, donorOf, direct(constantInpainter(C)), { median: false });
    const filtered = await renderGradMix(target, mine, donorOf, direct(constantInpainter(C)));
    const W = target.image.width;
    const H = target.image.height;
    const inst = target.labels.inst.data;
    const mu = [0, 0, 0];
    let n = 0;
    for (let p = 0; p < inst.length; p++) {
      if (!inst[p]) continue;
      n++;
      for (let c = 0; c < 3; c++) mu[c] += target.image.data[3 * p + c];
    }
    const replacedIds = new Set(mine.map((i) => i.target.replacedId));
    const changed = new Uint8Array(W * H);
    let ringPixels = 0;
    for (const ins of mine) {
      const d = await input.read(ins.donor.image);
      const DW = d.image.width;
      const [dx, dy] = ins.offset;
      const rare = new Uint8Array(W * H);
      for (let p = 0; p < d.labels.inst.data.length; p++) if (d.labels.inst.data[p] === ins.donor.id) rare[(Math.floor(p / DW) + dy) * W + (p % DW) + dx] = 1;
      const hole = dilationRings(maskOf(target, ins.target.replacedId), W, H, 2)[2];
      const ring = new Uint8Array(W * H);
      for (let p = 0; p < ring.length; p++) if (hole[p] && !rare[p] && !(inst[p] !== 0 && !replacedIds.has(inst[p]))) ring[p] = 1;
      const w = gradmixWeights(rare, ring, W, H);
      const src = (p: number, c: number) => d.image.data[3 * ((Math.floor(p / W) - dy) * DW + (p % W) - dx) + c];
      for (let p = 0; p < W * H; p++) {
        if (rare[p]) {
          changed[p] = 1;
          for (let c = 0; c < 3; c++) assert.equal(plain.sample.image.data[3 * p + c], Math.round((src(p, c) + mu[c] / n) / 2), `nucleus pixel ${p}`);
        } else if (ring[p]) {
          changed[p] = 2;
          ringPixels++;
          for (let c = 0; c < 3; c++) assert.equal(plain.sample.image.data[3 * p + c], Math.round(w[p] * src(p, c) + (1 - w[p]) * C[c]), `ring pixel ${p}`);
        }
      }
    }
    assert.ok(ringPixels > 0);
    for (let p = 0; p < W * H; p++) {
      const x = p % W;
      const y = Math.floor(p / W);
      for (let c = 0; c < 3; c++) {
        const v = (q: number) => plain.sample.image.data[3 * q + c];
        // Everything but the nuclei and the rings (neighbours inside a hole included) is as read.
        let expected = target.image.data[3 * p + c];
        if (changed[p] === 1) expected = v(p);
        if (changed[p] === 2) {
          const nb = [v(p)];
          if (x > 0) nb.push(v(p - 1));
          if (x < W - 1) nb.push(v(p + 1));
          if (y > 0) nb.push(v(p - W));
          if (y < H - 1) nb.push(v(p + W));
          nb.sort((a, b) => a - b);
          expected = nb[(nb.length - 1) >> 1];
        }
        assert.equal(filtered.sample.image.data[3 * p + c], expected, `pixel (${x}, ${y}) channel ${c}`);
      }
    }
  });
});
