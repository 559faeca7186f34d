import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NucleiMixOptions } from '../../src/augment/nucleimix-plan.ts';
import { NUCLEIMIX_OPTIONS } from '../../src/augment/nucleimix.ts';
import { resolveOptions } from '../../src/core/options.ts';
import { planNucleiMixOn } from './method-fixtures.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { cropCentred } from '../../src/core/crop.ts';
import type { RgbImage } from '../../src/core/raster.ts';
import { glcmStats } from '../../src/features/glcm.ts';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src/features/onnx-encoder.ts';
import { consep } from '../../src/io/consep.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';

const DIR = new URL('../fixtures/onnx/', import.meta.url).pathname;
const TINY = join(DIR, 'tiny.onnx');
const { W, b, pixel } = JSON.parse(readFileSync(join(DIR, 'weights.json'), 'utf8')) as { W: number[][]; b: number[]; pixel: [number, number] };

let tmp: string;
let input: Dataset;

// Patches as cropped (removal none) and only type-2 majors: the encoder's part is the same with centres inpainted, and the test stays fast.
function plan(extra: Partial<NucleiMixOptions> & { k?: number; seed?: number } = {}) {
  const { k = 4, seed = 3, ...options } = extra;
  return planNucleiMixOn(input, { majorTypes: [2], k, seed }, { removal: 'none', encoder: TINY, ...options });
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-encoder-'));
  const root = await writeDataset(join(tmp, 'input'), consep, generateDataset({ images: 3, width: 320, height: 320, seed: 5 }));
  input = await openDataset(root);
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('NucleiMix planning with an ONNX encoder', () => {
  test('features are the model vector + 4 GLCM statistics; workers 0 and 2 agree; the cache key is the encoder’s own', async () => {
    const one = await plan();
    const two = await plan({ workers: 2 });
    assert.equal(one.features.cols, 8 + 4);
    assert.equal(one.cache.key, two.cache.key);
    assert.deepEqual(two.features.byImage, one.features.byImage);
    assert.deepEqual(two.features.features, one.features.features);
    assert.deepEqual(two.insertions, one.insertions);
    assert.equal(one.insertions.length, 4);

    // A major nucleus's location described by hand: the pixel the model reads and the patch's GLCM.
    const byImage = one.features.byImage;
    const i = byImage.length - 1;
    const j = byImage[i].locations.findIndex((l) => l.kind === 'major');
    const loc = byImage[i].locations[j];
    const sample = await input.read(byImage[i].image);
    const patch = cropCentred(sample.image, loc.x, loc.y, 224, 224) as RgbImage;
    const at = 3 * (pixel[0] * 224 + pixel[1]);
    const m = [0, 1, 2].map((c) => (patch.data[at + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);
    const grey = Uint8Array.from({ length: 224 * 224 }, (_, p) => Math.floor((patch.data[3 * p] + patch.data[3 * p + 1] + patch.data[3 * p + 2]) / 3));
    const g = glcmStats(grey, 224, 224);
    const row = one.features.features[i].subarray(12 * j, 12 * j + 12);
    b.forEach((bj, k) => assert.ok(Math.abs(row[k] - (bj + m[0] * W[0][k] + m[1] * W[1][k] + m[2] * W[2][k])) < 1e-5, `value ${k}`));
    assert.deepEqual(Array.from(row.subarray(8)), [g.dissimilarity, g.homogeneity, g.energy, g.asm]);

    const sha256 = createHash('sha256').update(readFileSync(TINY)).digest('hex');
    assert.equal(one.recorded!.descriptor, 'onnx+glcm-1');
    assert.deepEqual(one.recorded!.encoder, { file: 'tiny.onnx', sha256, mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] });

    // The built-in descriptor, another model, other encoder options: other keys, so no stale cache.
    const builtin = await plan({ encoder: undefined });
    assert.equal(builtin.recorded!.encoder, undefined);
    assert.notEqual(builtin.cache.key, one.cache.key);
    const cacheDir = join(tmp, 'cache');
    await plan({ cache: cacheDir });
    const cached = await plan({ cache: cacheDir, k: 2, seed: 8 });
    assert.equal(cached.cache.hit, true);
    assert.deepEqual(cached.features.features, one.features.features);
    const anysize = await plan({ cache: cacheDir, encoder: join(DIR, 'tiny-anysize.onnx') });
    assert.equal(anysize.cache.hit, false);
    const sized = await plan({ cache: cacheDir, encoder: join(DIR, 'tiny-anysize.onnx'), encoderSize: 112 });
    assert.equal(sized.cache.hit, false);
    assert.notEqual(sized.cache.key, anysize.cache.key);
  });

  test('an unusable model fails at once, naming the file', async () => {
    for (const workers of [0, 2]) {
      await assert.rejects(plan({ workers, encoder: join(DIR, 'grey-input.onnx') }), (e: Error) => e instanceof NucleiMixError && e.message.includes('grey-input.onnx') && /channels/.test(e.message));
    }
    await assert.rejects(plan({ encoder: join(tmp, 'missing.onnx') }), (e: Error) => e instanceof NucleiMixError && e.message.includes('missing.onnx'));
  });

  test('--encoder and --encoder-size are NucleiMix options; a size without a model is refused', async () => {
    const o = resolveOptions('nucleimix', NUCLEIMIX_OPTIONS, { encoder: 'model.onnx', encoderSize: 112 });
    assert.equal(o.encoder, 'model.onnx');
    assert.equal(o.encoderSize, 112);
    assert.throws(() => resolveOptions('nucleimix', NUCLEIMIX_OPTIONS, { encoderSize: 0 }), /--encoder-size: expected an integer ≥ 1, got 0/);
    await assert.rejects(plan({ encoder: undefined, encoderSize: 112 }), (e: Error) => e instanceof NucleiMixError && /--encoder-size applies to an --encoder model/.test(e.message));
  });
});
