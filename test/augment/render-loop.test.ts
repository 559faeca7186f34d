import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/core/rng.ts';
import { createImage, type RgbImage } from '../../src/core/raster.ts';
import type { InpaintEngine, InpaintJob } from '../../src/inpaint/engine.ts';
import { registerEngine } from '../../src/inpaint/engines.ts';
import { planAugmentation, renderAugmentation } from '../../src/augment/driver.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { openDataset } from '../../src/io/open.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { folderHashes, syntheticDataset } from './method-fixtures.ts';

/**
 * A fake batched engine: every pixel of a result, known ones too, is noise drawn from the
 * job's seed (so the adapter must write back only the unknown ones); it records its batches.
 */
function noiseEngine(maxBatch: number, batches: InpaintJob[][]): InpaintEngine {
  return {
    name: 'noise',
    settings: {},
    input: { kind: 'any' },
    maxBatch,
    deterministic: true,
    async inpaint(jobs) {
      batches.push([...jobs]);
      return jobs.map((job): RgbImage => {
        const rng = createRng(job.seed ?? 0);
        const out = createImage(job.image.width, job.image.height);
        for (let i = 0; i < out.data.length; i++) out.data[i] = rng.int(256);
        return out;
      });
    },
    async release() {},
  };
}

let tmp: string;
let input: Dataset;
const batches: InpaintJob[][] = [];
let maxBatch = 1000;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-render-loop-'));
  input = await syntheticDataset(join(tmp, 'input'), { images: 4, seed: 12 });
  registerEngine('noise', async () => noiseEngine(maxBatch, batches));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('the render loop batches inpainting across images', () => {
  test('one batch holds the crops of several images; stage 1 of every image, then stage 2', { timeout: 120_000 }, async () => {
    const { manifest } = await planAugmentation(input, 'nucleimix', { rareTypes: [1], k: 12, seed: 2, borderMargin: 20 }, { workers: 0, cache: join(tmp, 'cache') }, { engine: { name: 'noise' } });
    assert.equal(manifest.engine?.name, 'noise');
    const images = new Set(manifest.insertions.map((i) => i.target.image));
    assert.ok(images.size >= 2, 'the plan edits several images');
    const majors = manifest.insertions.filter((i) => i.target.kind === 'major').length;
    assert.ok(majors > 0);
    batches.length = 0;
    maxBatch = 1000;
    const a = await renderAugmentation(input, manifest, join(tmp, 'a'));
    // Two rounds for the whole window: each image's first request (its stage-1 holes, or its
    // rings when it has no major), then the rest; one job per hole and per ring.
    assert.equal(batches.length, 2);
    assert.equal(batches[0].length + batches[1].length, majors + manifest.insertions.length);
    const perImage = Math.max(...[...images].map((n) => manifest.insertions.filter((i) => i.target.image === n).length));
    assert.ok(batches[0].length > perImage && batches[1].length > perImage, 'each batch spans images');

    // Known pixels never change: outside every edit's region, output = input; and the labels say the same.
    const out = await openDataset(a.out);
    for (const name of input.names) {
      const x = await input.read(name);
      const y = await out.read(name);
      const W = x.image.width;
      const inside = new Uint8Array(W * x.image.height);
      for (const ins of manifest.insertions.filter((i) => i.target.image === name)) {
        // Edits reach at most the donor's box plus the ring and the grown hole: 60 px around the centre is generous.
        for (let yy = Math.max(0, Math.round(ins.target.y) - 60); yy < Math.min(x.image.height, Math.round(ins.target.y) + 60); yy++) {
          for (let xx = Math.max(0, Math.round(ins.target.x) - 60); xx < Math.min(W, Math.round(ins.target.x) + 60); xx++) inside[yy * W + xx] = 1;
        }
      }
      for (let p = 0; p < inside.length; p++) {
        if (inside[p]) continue;
        for (let c = 0; c < 3; c++) assert.equal(y.image.data[3 * p + c], x.image.data[3 * p + c], `${name}: pixel ${p} outside every edit changed`);
      }
    }

    // The same seed gives the same bytes whatever the batches: one image at a time, batches of 3.
    batches.length = 0;
    maxBatch = 3;
    const b = await renderAugmentation(input, manifest, join(tmp, 'b'), { window: 1 });
    assert.ok(batches.every((x) => x.length <= 3));
    assert.ok(batches.length > 2);
    const ha = await folderHashes(a.out);
    const hb = await folderHashes(b.out);
    for (const [f, h] of ha) assert.equal(hb.get(f), h, f);
  });

  test("an engine that sees nuclei is given them: NucleiMix's stage-2 masks leave the pasted nucleus and its neighbours known", { timeout: 120_000 }, async () => {
    const seen: InpaintJob[][] = [];
    registerEngine('seeing', async () => ({ ...noiseEngine(1000, seen), name: 'seeing', nuclei: 'visible' as const }));
    const { manifest } = await planAugmentation(input, 'nucleimix', { rareTypes: [1], k: 12, seed: 2, borderMargin: 20 }, { workers: 0, cache: join(tmp, 'cache') }, { engine: { name: 'noise' } });
    const unknown = (b: InpaintJob[][]): number => b.flat().reduce((a, j) => a + j.mask.reduce((s, v) => s + (v ? 1 : 0), 0), 0);
    batches.length = 0;
    maxBatch = 1000;
    await renderAugmentation(input, manifest, join(tmp, 'hidden'));
    const hidden = unknown(batches);
    await renderAugmentation(input, manifest, join(tmp, 'seen'), { engine: { name: 'seeing' } });
    assert.equal(seen.flat().length, batches.flat().length, 'the same jobs');
    // Hidden: every pasted nucleus and the nuclei near each fill are masked too; seen, neither is.
    assert.ok(unknown(seen) < hidden, `${unknown(seen)} unknown pixels seen vs ${hidden} hidden`);
  });

  test('a rendering error names the image and its insertions', { timeout: 120_000 }, async () => {
    registerEngine('broken', async () => ({ ...noiseEngine(8, []), name: 'broken', inpaint: async () => { throw new Error('engine exploded'); } }));
    const { manifest } = await planAugmentation(input, 'gradmix', { rareTypes: [1], k: 3, seed: 2, borderMargin: 20 }, {}, { engine: { name: 'broken' } });
    assert.ok(manifest.insertions.length > 0);
    await rejectsNucleiMix(renderAugmentation(input, manifest, join(tmp, 'broken')), /rendering image '[^']+' \(insertions? #\d+(, #\d+)*\) failed: engine exploded/);
  });
});

describe('a model engine through the render loop', () => {
  const MODEL = fileURLToPath(new URL('../fixtures/diffusion/tiny-random.onnx', import.meta.url));

  test('a tile engine (32² tiles) renders every region, records its model, and gives the same bytes in any batch', { timeout: 300_000 }, async () => {
    const { manifest } = await planAugmentation(input, 'nucleimix', { rareTypes: [1], k: 6, seed: 4, borderMargin: 20 }, { workers: 0, cache: join(tmp, 'cache') }, { engine: { name: MODEL, settings: { steps: 2, batch: 4 } } });
    assert.equal(manifest.engine?.name, MODEL);
    assert.equal(manifest.engine?.settings.steps, 2);
    assert.match(String(manifest.engine?.settings.sha256), /^[0-9a-f]{64}$/);
    const a = await renderAugmentation(input, manifest, join(tmp, 'model-a'));
    const b = await renderAugmentation(input, manifest, join(tmp, 'model-b'), { window: 1 });
    const ha = await folderHashes(a.out);
    const hb = await folderHashes(b.out);
    for (const [f, h] of ha) assert.equal(hb.get(f), h, f);
    assert.equal(a.stats.inserted[1], 6);
    // Rendering with another step count is a different engine setting, recorded as used.
    const c = await renderAugmentation(input, manifest, join(tmp, 'model-c'), { engine: { name: '', settings: { steps: 3 } } });
    assert.equal(c.manifest.engine?.settings.steps, 3);
  });
});
