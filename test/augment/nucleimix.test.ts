import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderAugmentation } from '../../src/augment/driver.ts';
import type { NucleiMixOptions } from '../../src/augment/nucleimix-plan.ts';
import { buildManifest } from '../../src/augment/request.ts';
import type { Manifest } from '../../src/augment/manifest.ts';
import { datasetFileHashes } from '../../src/io/file-hashes.ts';
import { planNucleiMixOn } from './method-fixtures.ts';
import { consep } from '../../src/io/consep.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';

let tmp: string;
let input: Dataset;
const K = 6;

/** NucleiMix's plan of K insertions (seed 11 unless `seed` says otherwise) and its manifest. */
async function planned(extra: Partial<NucleiMixOptions> & { k?: number; seed?: number } = {}) {
  const { k = K, seed = 11, ...options } = extra;
  const plan = await planNucleiMixOn(input, { k, seed }, options);
  const request = { rareTypes: [1], k, seed, borderMargin: 30 };
  const manifest = buildManifest('nucleimix', input, {}, await datasetFileHashes(input.root), request, {}, plan, { name: 'telea', settings: { radius: 3, teleaDepth: 16 } }) as Manifest;
  return { ...plan, manifest };
}

async function augment(name: string, extra: Partial<NucleiMixOptions> = {}) {
  const plan = await planned(extra);
  const r = await renderAugmentation(input, plan.manifest, join(tmp, name));
  return { plan, out: r.out, log: { applied: r.applied, counts: r.stats.counts.after } };
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-augment-'));
  const root = await writeDataset(join(tmp, 'input'), consep, generateDataset({ images: 3, width: 320, height: 320, seed: 5 }));
  input = await openDataset(root);
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('NucleiMix end to end on generated data', () => {
  test('exactly k new rare nuclei; replaced majors gone and counted; labels consistent; untouched pixels unchanged', async () => {
    const { plan, out, log } = await augment('a');
    assert.equal(plan.manifest.insertions.length, K);
    const result = await openDataset(out); // reading validates ids, types, sizes
    const before: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
    const afterCounts: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
    const replaced: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
    for (const ins of plan.manifest.insertions) if (ins.target.replacedType !== undefined) replaced[ins.target.replacedType]++;
    const vanished: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
    for (const applied of log.applied.values()) for (const a of applied) for (const t of a.vanishedTypes) vanished[t]++;
    for (const name of input.names) {
      const a = await input.read(name);
      const b = await result.read(name);
      for (const t of a.labels.types) before[t]++;
      for (const t of b.labels.types) afterCounts[t]++;
      // ids 1..N and centroids = mean pixel coordinates for every instance
      assert.deepEqual(Array.from(b.labels.ids), Array.from({ length: b.labels.ids.length }, (_, i) => i + 1));
      // Every changed pixel (image or labels) lies inside an edit region of this image.
      const boxes = (log.applied.get(name) ?? []).map((e) => e.bbox);
      const W = a.image.width;
      for (let p = 0; p < W * a.image.height; p++) {
        const changed = a.image.data[3 * p] !== b.image.data[3 * p] || a.image.data[3 * p + 1] !== b.image.data[3 * p + 1] || a.image.data[3 * p + 2] !== b.image.data[3 * p + 2] || (a.labels.inst.data[p] === 0) !== (b.labels.inst.data[p] === 0);
        if (!changed) continue;
        const x = p % W;
        const y = Math.floor(p / W);
        assert.ok(boxes.some(([x0, y0, x1, y1]) => x >= x0 && x < x1 && y >= y0 && y < y1), `${name}: pixel (${x}, ${y}) changed outside every edit region`);
      }
      // Each replaced major's pixels outside the new nucleus are background now.
      for (const ins of plan.manifest.insertions.filter((i) => i.target.image === name && i.target.replacedId !== undefined)) {
        const newId = log.applied.get(name)!.find((e) => e.index === ins.index)!.newId;
        for (let p = 0; p < a.labels.inst.data.length; p++) {
          if (a.labels.inst.data[p] === ins.target.replacedId) assert.ok(b.labels.inst.data[p] === 0 || b.labels.inst.data[p] === newId, 'the replaced nucleus is gone');
        }
        assert.equal(b.labels.types[newId - 1], 1);
      }
    }
    assert.equal(afterCounts[1], before[1] + K - vanished[1]);
    for (const t of [2, 3, 4]) assert.equal(afterCounts[t], before[t] - replaced[t] - vanished[t], `type ${t}`);
    assert.deepEqual(log.counts, afterCounts);
  });

  test('same seed ⇒ byte-identical output; another seed ⇒ another plan', async () => {
    const a = await augment('det-a');
    const b = await augment('det-b');
    assert.deepEqual(a.plan.manifest, b.plan.manifest);
    for (const sub of ['Images', 'Labels']) {
      for (const f of await readdir(join(a.out, sub))) {
        assert.ok((await readFile(join(a.out, sub, f))).equals(await readFile(join(b.out, sub, f))), `${sub}/${f}`);
      }
    }
    const c = await planned({ seed: 12 });
    assert.notDeepEqual(c.manifest.insertions, a.plan.manifest.insertions);
  });

  test('worker threads give the same features as one thread, and the cache gives them back', async () => {
    const cacheDir = join(tmp, 'cache');
    const one = await planned({ cache: cacheDir });
    assert.equal(one.cache.hit, false);
    const two = await planned({ workers: 2 });
    assert.deepEqual(two.features.features, one.features.features);
    assert.deepEqual(two.manifest, one.manifest);
    // Planning wrote the cache once; another k and seed read it back.
    const cached = await planned({ cache: cacheDir, k: 3, seed: 99 });
    assert.equal(cached.cache.hit, true);
    assert.deepEqual(cached.features.features, one.features.features);
    // A setting the features depend on changes the key: no stale cache.
    const other = await planned({ cache: cacheDir, removal: 'none' });
    assert.equal(other.cache.hit, false);
  });

  test('the donor probabilities and target probabilities in the manifest are proper probabilities', async () => {
    const { manifest } = await planned();
    for (const ins of manifest.insertions) {
      assert.ok(ins.target.probability > 0 && ins.target.probability <= 1);
      assert.ok(ins.donor.probability > 0 && ins.donor.probability <= 1);
      assert.ok(Number.isFinite(ins.target.logLikelihood));
      assert.ok(ins.donor.distance >= 0);
      assert.equal(ins.donor.type, 1);
    }
  });
});
