/**
 * The diffusion engine end to end on tiny ONNX fixtures (scripts/fixtures_diffusion.py) and
 * crops of generated H&E tiles: shapes, known pixels, determinism, batch independence, MCG.
 * The sampler's numbers are checked against a known answer in diffusion-ddim.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cropCentred } from '../../src/core/crop.ts';
import { createImage, type RgbImage } from '../../src/core/raster.ts';
import { createDiffusionEngine } from '../../src/inpaint/diffusion/engine.ts';
import { alphasCumprod, ddimTimesteps, DDPM_SCHEDULE } from '../../src/inpaint/diffusion/schedule.ts';
import type { InpaintJob } from '../../src/inpaint/engine.ts';
import { generateSample } from '../../src/synth/generate.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/diffusion/', import.meta.url));
const RANDOM = join(FIXTURES, 'tiny-random.onnx');
const LINEAR = join(FIXTURES, 'tiny-linear.onnx');

const tile = generateSample({ name: 'diffusion', width: 128, height: 128, seed: 21 }).image;

/** An S×S crop of the generated tile centred at (cx, cy) with a disc of radius `r` (or a ring r/2..r) unknown. */
function job(S: number, cx: number, cy: number, r: number, seed: number, ring = false): InpaintJob {
  const crop = cropCentred(tile, cx, cy, S, S);
  const image = createImage(S, S, crop.data);
  const mask = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const d = Math.hypot(x - (S - 1) / 2, y - (S - 1) / 2);
      if (d <= r && (!ring || d >= r / 2)) mask[y * S + x] = 255;
    }
  }
  return { image, mask, seed };
}

function assertKnownKept(out: RgbImage, j: InpaintJob): void {
  for (let p = 0; p < j.mask.length; p++) {
    if (j.mask[p] !== 0) continue;
    for (let c = 0; c < 3; c++) assert.equal(out.data[3 * p + c], j.image.data[3 * p + c], `known pixel ${p} channel ${c}`);
  }
}

test('the engine declares its tile, batch, determinism and settings', { timeout: 60_000 }, async () => {
  const engine = await createDiffusionEngine(RANDOM, { steps: 4 });
  try {
    assert.equal(engine.name, 'diffusion');
    assert.deepEqual(engine.input, { kind: 'tile', size: 32, fit: 'pad' });
    assert.equal(engine.maxBatch, 16);
    assert.equal(engine.deterministic, true);
    assert.equal(engine.nuclei, 'visible', 'trained on rings around real nuclei, it is shown them');
    const sha = createHash('sha256').update(await readFile(RANDOM)).digest('hex');
    assert.deepEqual(engine.settings, { model: 'tiny-random.onnx', sha256: sha, tile: 32, conditioning: 'mask', steps: 4, eta: 0, device: 'cpu', replaceKnown: true, gradient: null });
  } finally {
    await engine.release();
  }
});

test('inpaints synthetic crops: 32×32×3 out, known pixels untouched, holes filled, same seeds same bytes', { timeout: 120_000 }, async () => {
  const engine = await createDiffusionEngine(RANDOM, { steps: 5, eta: 0.5, batch: 4 });
  try {
    const jobs = [job(32, 40, 40, 9, 1), job(32, 90, 60, 12, 2, true), job(32, 64, 100, 6, 3)];
    const out = await engine.inpaint(jobs);
    assert.equal(out.length, 3);
    out.forEach((o, i) => {
      assert.equal(o.width, 32);
      assert.equal(o.height, 32);
      assert.equal(o.channels, 3);
      assert.equal(o.data.length, 32 * 32 * 3);
      assertKnownKept(o, jobs[i]);
      let changed = 0;
      for (let p = 0; p < 1024; p++) if (jobs[i].mask[p] && o.data[3 * p] !== jobs[i].image.data[3 * p]) changed++;
      assert.ok(changed > 0, `job ${i}: no unknown pixel was filled`);
    });
    const again = await engine.inpaint(jobs);
    assert.deepEqual(again, out);
    const reseeded = await engine.inpaint([{ ...jobs[0], seed: 77 }]);
    assert.notDeepEqual(reseeded[0].data, out[0].data);
    // Unknown pixels' input values do not matter: the engine conditions on known pixels only.
    const scrambled = jobs.map((j) => ({ ...j, image: createImage(32, 32, j.image.data.map((v, i) => (j.mask[Math.floor(i / 3)] ? 255 - v : v))) }));
    assert.deepEqual(await engine.inpaint(scrambled), out.map((o, i) => createImage(32, 32, o.data.map((v, k) => (jobs[i].mask[Math.floor(k / 3)] ? v : scrambled[i].image.data[k])))));
  } finally {
    await engine.release();
  }
});

test('known answer through onnxruntime and the byte conversion: the exact ε of Gaussian data', { timeout: 120_000 }, async () => {
  // gaussian.onnx is the exact ε of N(0.2, 0.25²) data (normalised units); deterministic DDIM
  // maps x_T ~ N(0, 1) to μ + c·(x_T − √ᾱ_T·μ), c the product of the per-step factors
  // (derived in diffusion-ddim.test.ts), which the engine returns as round((v + 1)·127.5).
  const MU = 0.2;
  const SIGMA = 0.25;
  const steps = 50;
  const abar = alphasCumprod(DDPM_SCHEDULE);
  const taus = ddimTimesteps(DDPM_SCHEDULE.T, steps);
  let c = 1;
  for (let k = taus.length - 1; k >= 0; k--) {
    const a = abar[taus[k]];
    const an = k > 0 ? abar[taus[k - 1]] : 1;
    c *= (Math.sqrt(a * an) * SIGMA ** 2 + Math.sqrt((1 - an) * (1 - a))) / (a * SIGMA ** 2 + 1 - a);
  }
  const aT = abar[taus[taus.length - 1]];
  const wantMean = 127.5 * (1 + MU - c * Math.sqrt(aT) * MU);
  const wantStd = Math.sqrt((127.5 * c) ** 2 + 1 / 12); // plus the rounding's uniform error
  const engine = await createDiffusionEngine(join(FIXTURES, 'gaussian.onnx'), { steps, batch: 8 });
  try {
    const jobs = Array.from({ length: 8 }, (_, k) => {
      const j = job(32, 30 + 9 * k, 40 + 7 * k, 0, 500 + k);
      j.mask.fill(255);
      j.mask.fill(0, 0, 4 * 32); // the first 4 rows known
      return j;
    });
    const out = await engine.inpaint(jobs);
    const values: number[] = [];
    out.forEach((o, i) => {
      assertKnownKept(o, jobs[i]);
      for (let p = 4 * 32; p < 1024; p++) for (let ch = 0; ch < 3; ch++) values.push(o.data[3 * p + ch]);
    });
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    assert.ok(Math.abs(mean - wantMean) < (4 * wantStd) / Math.sqrt(n), `mean ${mean}, want ${wantMean}`);
    assert.ok(Math.abs(std / wantStd - 1) < 4 / Math.sqrt(2 * n), `std ${std}, want ${wantStd}`);
  } finally {
    await engine.release();
  }
});

test('a job’s bytes do not depend on the other jobs of its batch', { timeout: 120_000 }, async () => {
  const engine = await createDiffusionEngine(RANDOM, { steps: 4, eta: 1 });
  try {
    const target = job(32, 60, 60, 10, 1234);
    const [alone] = await engine.inpaint([target]);
    const batch = await engine.inpaint([job(32, 30, 30, 5, 1), job(32, 90, 90, 14, 2, true), target, job(32, 70, 40, 8, 3)]);
    assert.deepEqual(batch[2], alone);
  } finally {
    await engine.release();
  }
});

test('an unconditional model with a gradient model: MCG changes the fill, α = 0 switches it off', { timeout: 120_000 }, async () => {
  const jobs = [job(16, 50, 50, 5, 8), job(16, 80, 30, 4, 9)];
  const mcg = await createDiffusionEngine(LINEAR, { steps: 6, gradientScale: 0.5 });
  const off = await createDiffusionEngine(LINEAR, { steps: 6, gradientScale: 0 });
  try {
    assert.equal(mcg.settings.gradient, 'tiny-linear-grad.onnx');
    assert.equal(mcg.settings.gradientScale, 0.5);
    assert.equal(off.settings.gradient, null);
    assert.deepEqual(mcg.input, { kind: 'tile', size: 16, fit: 'pad' });
    const a = await mcg.inpaint(jobs);
    const b = await off.inpaint(jobs);
    a.forEach((o, i) => assertKnownKept(o, jobs[i]));
    b.forEach((o, i) => assertKnownKept(o, jobs[i]));
    assert.notDeepEqual(a[0].data, b[0].data);
  } finally {
    await mcg.release();
    await off.release();
  }
});

test('bad options and jobs are NucleiMixErrors', { timeout: 60_000 }, async () => {
  await rejectsNucleiMix(createDiffusionEngine(RANDOM, { steps: 0 }), /DDIM steps must be an integer from 1 to 1000/);
  await rejectsNucleiMix(createDiffusionEngine(RANDOM, { batch: 0 }), /batch must be a positive integer/);
  await rejectsNucleiMix(createDiffusionEngine(RANDOM, { eta: 2 }), /eta/);
  await rejectsNucleiMix(createDiffusionEngine(join(FIXTURES, 'none.onnx')), /none\.onnx: diffusion model file not found/);
  const engine = await createDiffusionEngine(RANDOM, { steps: 2, batch: 2 });
  try {
    assert.deepEqual(await engine.inpaint([]), []);
    await rejectsNucleiMix(engine.inpaint([job(32, 40, 40, 5, 1), job(32, 40, 40, 5, 2), job(32, 40, 40, 5, 3)]), /at most 2 jobs per call, got 3/);
    await rejectsNucleiMix(engine.inpaint([job(16, 40, 40, 5, 1)]), /job 0 is 16×16×3 .* takes 32×32×3 tiles/);
  } finally {
    await engine.release();
  }
  await assert.rejects(engine.inpaint([job(32, 40, 40, 5, 1)]), /after release/);
});
