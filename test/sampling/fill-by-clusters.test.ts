import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { dilate4 } from '../../src/core/labels.ts';
import type { RgbImage } from '../../src/core/raster.ts';
import type { InpaintEngine, InpaintJob } from '../../src/inpaint/engine.ts';
import { createEngine } from '../../src/inpaint/engines.ts';
import { nucleusFreeImage } from '../../src/sampling/context.ts';
import { fillByClusters } from '../../src/sampling/fill-by-clusters.ts';
import { generateSample } from '../../src/synth/generate.ts';
import type { Sample } from '../../src/io/dataset.ts';

/** The nuclei of a sample grown by 2 px (the context fill's mask), plus a block in one corner so a hole touches two borders. */
function holes(sample: Sample): Uint8Array {
  const { width: w, height: h } = sample.image;
  const m = dilate4(dilate4(Uint8Array.from(sample.labels.inst.data, (v) => (v ? 1 : 0)), w, h), w, h);
  for (let y = h - 12; y < h; y++) m.fill(1, y * w + w - 20, y * w + w);
  return m;
}

/** An engine that passes jobs to `inner` and records each job's pixel count. */
function recording(inner: InpaintEngine, sizes: number[]): InpaintEngine {
  return { ...inner, inpaint: (jobs: readonly InpaintJob[]) => (sizes.push(...jobs.map((j) => j.image.width * j.image.height)), inner.inpaint(jobs)) };
}

function differing(a: RgbImage, b: RgbImage): { count: number; max: number } {
  let count = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d > 0) count++;
    if (d > max) max = d;
  }
  return { count, max };
}

describe('fillByClusters', () => {
  const samples = [generateSample({ name: 'a', width: 256, height: 256, seed: 21 }), generateSample({ name: 'b', width: 320, height: 200, seed: 22 })];
  let telea8: InpaintEngine;
  let telea16: InpaintEngine;
  before(async () => {
    telea8 = await createEngine('telea', { radius: 3, teleaDepth: 8 });
    telea16 = await createEngine('telea', { radius: 5, teleaDepth: 16 });
  });

  test('gives the bytes of one whole-image Telea fill (radius 3 at 8 bits, radius 5 at 16 bits)', { timeout: 120_000 }, async () => {
    for (const sample of samples) {
      const mask = holes(sample);
      for (const engine of [telea8, telea16]) {
        const [whole] = await engine.inpaint([{ image: sample.image, mask }]);
        const byClusters = await fillByClusters(engine, sample.image, mask);
        assert.deepEqual(differing(byClusters, whole), { count: 0, max: 0 }, `${sample.name}, radius ${engine.settings.radius}`);
      }
    }
  });

  test('nucleusFreeImage is that fill of the nuclei grown by 2 px, and leaves an image without nuclei as it is', { timeout: 60_000 }, async () => {
    const sample = samples[0];
    const { width: w, height: h } = sample.image;
    const mask = dilate4(dilate4(Uint8Array.from(sample.labels.inst.data, (v) => (v ? 1 : 0)), w, h), w, h);
    const [whole] = await telea8.inpaint([{ image: sample.image, mask }]);
    assert.deepEqual(differing(await nucleusFreeImage(sample, telea8), whole), { count: 0, max: 0 });
    const empty = { ...sample, labels: { ...sample.labels, inst: { ...sample.labels.inst, data: new Int32Array(w * h) }, ids: new Int32Array(0), types: new Int32Array(0), centroids: new Float64Array(0) } };
    assert.equal(await nucleusFreeImage(empty, telea8), sample.image);
  });

  test('a cluster larger than the crop limit is filled in tiles no larger than it, close to the whole-image fill', { timeout: 120_000 }, async () => {
    const sample = samples[0];
    const mask = holes(sample);
    const [whole] = await telea8.inpaint([{ image: sample.image, mask }]);
    const limit = 160 * 160;
    const untiled: number[] = [];
    await fillByClusters(recording(telea8, untiled), sample.image, mask);
    assert.ok(Math.max(...untiled) > limit, 'the sample has a cluster whose window exceeds the limit');
    const sizes: number[] = [];
    const tiled = await fillByClusters(recording(telea8, sizes), sample.image, mask, { maxCropPixels: limit, tileOverlap: 40 });
    assert.ok(sizes.length > 0 && Math.max(...sizes) <= limit, `largest job ${Math.max(...sizes)} px`);
    // Known pixels keep their bytes; unknown ones are all filled, nearly all as in one fill.
    let unknown = 0;
    let off = 0;
    let maxOff = 0;
    for (let p = 0; p < mask.length; p++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(tiled.data[3 * p + c] - whole.data[3 * p + c]);
        if (!mask[p]) assert.equal(tiled.data[3 * p + c], sample.image.data[3 * p + c]);
        else {
          unknown++;
          if (d > 0) off++;
          maxOff = Math.max(maxOff, d);
        }
      }
    }
    assert.ok(off <= 0.01 * unknown, `${off} of ${unknown} unknown values differ`);
    assert.ok(maxOff <= 16, `a value differs by ${maxOff} levels`);
  });

  test('refuses an engine that takes fixed tiles', async () => {
    const tile: InpaintEngine = { ...telea8, name: 'tiles', input: { kind: 'tile', size: 64, fit: 'pad' } };
    await assert.rejects(fillByClusters(tile, samples[0].image, holes(samples[0])), /crops of any size/);
  });
});
