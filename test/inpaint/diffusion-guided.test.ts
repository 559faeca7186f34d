/**
 * A guided-diffusion (ADM) checkpoint converted by train/denoiser/convert_guided.py runs through
 * the engine's loader as it ran in torch: test/fixtures/guided/ holds the conversion of a tiny
 * randomly initialised ADM UNet (32 px, 32 channels, the official 256 px model's options) with
 * its MCG gradient model, a tiny model whose weights are ONNX external data (the layout a model
 * over 2 GB gets) with a cosine schedule, and torch's outputs on fixed inputs
 * (train/denoiser/guided_fixture.py; `npm run fixtures:guided`).
 */
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cropCentred } from '../../src/core/crop.ts';
import { createImage } from '../../src/core/raster.ts';
import { createDiffusionEngine } from '../../src/inpaint/diffusion/engine.ts';
import { countFlops } from '../../src/inpaint/diffusion/flops.ts';
import { loadDiffusionModel } from '../../src/inpaint/diffusion/model-file.ts';
import { alphasCumprod, betas, checkSchedule, type CosineSchedule } from '../../src/inpaint/diffusion/schedule.ts';
import type { InpaintJob } from '../../src/inpaint/engine.ts';
import { generateSample } from '../../src/synth/generate.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/guided/', import.meta.url));
const ADM = join(FIXTURES, 'adm-tiny.onnx');
const EXTERNAL = join(FIXTURES, 'external.onnx');
/** float32 kernels in torch and onnxruntime sum in different orders. */
const TOLERANCE = 1e-4;
const temp = tempFolders('nucleimix-guided-');

interface ArrayEntry {
  model: string;
  case: string;
  name: string;
  shape: number[];
  offset: number;
}

interface Io {
  arrays: ArrayEntry[];
  cosineAlphasCumprod: { schedule: CosineSchedule; t: number[]; abar: number[] }[];
}

const io = JSON.parse(await readFile(join(FIXTURES, 'io.json'), 'utf8')) as Io;
const bin = await readFile(join(FIXTURES, 'io.bin'));
const values = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));

function get(model: string, kase: string, name: string): { data: Float32Array; shape: number[] } {
  const e = io.arrays.find((a) => a.model === model && a.case === kase && a.name === name);
  assert.ok(e, `fixture array ${model}/${kase}/${name}`);
  const n = e.shape.reduce((a, b) => a * b, 1);
  return { data: values.slice(e.offset, e.offset + n), shape: e.shape };
}

/** max |got − want| and max |want|. */
function compare(got: Float32Array, want: Float32Array): { worst: number; scale: number } {
  assert.equal(got.length, want.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { worst, scale };
}

describe('cosine noise schedule (Nichol & Dhariwal 2021, as guided-diffusion discretises it)', () => {
  test("ᾱ_t equals the converter's float64 values", () => {
    for (const { schedule, t, abar } of io.cosineAlphasCumprod) {
      const got = alphasCumprod(schedule);
      t.forEach((ti, i) => assert.ok(Math.abs(got[ti] - abar[i]) <= 1e-12 * Math.max(abar[i], 1e-300) + 1e-15, `T ${schedule.T}, t ${ti}: ${got[ti]} vs ${abar[i]}`));
    }
  });

  test('betas rise to maxBeta at the end, defaults s = 0.008 and maxBeta = 0.999, bad numbers rejected', () => {
    const b = betas({ kind: 'cosine', T: 1000 });
    assert.equal(b[999], 0.999);
    for (let t = 1; t < 999; t++) assert.ok(b[t] >= b[t - 1], `β rises at ${t}`);
    assert.deepEqual(alphasCumprod({ kind: 'cosine', T: 50 }), alphasCumprod({ kind: 'cosine', T: 50, s: 0.008, maxBeta: 0.999 }));
    // ᾱ_t ≈ f((t+1)/T)/f(0) while no β is clipped.
    const f = (u: number): number => Math.cos(((u + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    assert.ok(Math.abs(alphasCumprod({ kind: 'cosine', T: 1000 })[499] - f(0.5) / f(0)) < 1e-12);
    assert.throws(() => checkSchedule({ kind: 'cosine', T: 1000, maxBeta: 1 }, 'c.json'), /c\.json: cosine schedule maxBeta/);
    assert.throws(() => checkSchedule({ kind: 'cosine', T: 1000, s: -1 }, 'c.json'), /cosine schedule s must be a number ≥ 0/);
    assert.throws(() => checkSchedule({ kind: 'cosine', T: 1 }), /T must be an integer ≥ 2/);
  });
});

describe('a converted guided-diffusion checkpoint (convert_guided.py)', { timeout: 180_000 }, () => {
  test("the card follows the contract: unconditional, 32 px, DDPM's linear schedule, a gradient model, the flags", async () => {
    const model = await loadDiffusionModel(ADM, { threads: 1 });
    try {
      const { card } = model;
      assert.equal(card.conditioning, 'none');
      assert.equal(card.tile, 32);
      assert.deepEqual(card.schedule, { kind: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 });
      assert.deepEqual(card.inputs, ['x', 't']);
      assert.equal(card.gradient, 'adm-tiny-grad.onnx');
      assert.ok(model.gradient !== undefined);
      const flags = (card.architecture as { flags: Record<string, unknown> }).flags;
      assert.equal(flags.learn_sigma, true);
      assert.equal(flags.resblock_updown, true);
      assert.deepEqual(flags.attention_resolutions, [16]);
      assert.match((card.training as { checkpointSha256: string }).checkpointSha256, /^[0-9a-f]{64}$/);
    } finally {
      await model.release();
    }
  });

  test(`ε through the loader equals torch's within ${TOLERANCE} (batches 1 and 3: the batch axis is dynamic)`, async () => {
    const model = await loadDiffusionModel(ADM, { threads: 1 });
    try {
      for (const b of [1, 3]) {
        const x = get('adm-tiny', `eps-b${b}`, 'x');
        const t = get('adm-tiny', `eps-b${b}`, 't');
        const want = get('adm-tiny', `eps-b${b}`, 'eps');
        assert.deepEqual(want.shape, [b, 3, 32, 32], 'the variance channels of learn_sigma are dropped');
        const got = await model.eps(x.data, t.data, { known: new Float32Array(b * 3 * 1024), mask: new Float32Array(b * 1024) });
        const { worst, scale } = compare(got, want.data);
        assert.ok(scale > 0.1, `torch's ε are not all ~0 (max |ε| = ${scale})`);
        assert.ok(worst <= TOLERANCE, `batch ${b}: max |onnxruntime − torch| = ${worst}`);
      }
    } finally {
      await model.release();
    }
  });

  test("MCG's gradient (the hand-written vector–Jacobian product) equals torch's within 1e-4 of its scale", async () => {
    const model = await loadDiffusionModel(ADM, { threads: 1 });
    try {
      const k = 'grad-b2';
      const want = get('adm-tiny', k, 'grad');
      assert.ok(model.gradient);
      const got = await model.gradient(get('adm-tiny', k, 'x').data, get('adm-tiny', k, 't').data, { known: get('adm-tiny', k, 'y').data, mask: get('adm-tiny', k, 'mask').data });
      const { worst, scale } = compare(got, want.data);
      assert.ok(scale > 1, `torch's gradient is not ~0 (max ${scale})`);
      assert.ok(worst <= TOLERANCE * scale, `max |onnxruntime − torch| = ${worst} for max |grad| ${scale}`);
      // Unknown pixels get gradient too: through the network, not only the known pixels' residual.
      const mask = get('adm-tiny', k, 'mask').data;
      let unknownMax = 0;
      for (let i = 0; i < got.length; i++) if (mask[Math.floor(i / 3072) * 1024 + (i % 1024)] === 1) unknownMax = Math.max(unknownMax, Math.abs(got[i]));
      assert.ok(unknownMax > 1e-3 * scale, `gradient at unknown pixels ${unknownMax}`);
    } finally {
      await model.release();
    }
  });

  test("the card's FLOPs are what onnxruntime runs (flops.ts)", async () => {
    const card = JSON.parse(await readFile(join(FIXTURES, 'adm-tiny.json'), 'utf8')) as { flops: number };
    assert.equal(await countFlops(ADM), card.flops);
  });

  test('DDIM through the engine, with and without the MCG step: known pixels unchanged, holes filled, same seed same bytes', async () => {
    const tile = generateSample({ name: 'guided', width: 96, height: 96, seed: 5 }).image;
    const jobs: InpaintJob[] = [
      [40, 40, 7],
      [60, 52, 10],
    ].map(([cx, cy, r], k) => {
      const image = createImage(32, 32, cropCentred(tile, cx, cy, 32, 32).data);
      const mask = new Uint8Array(1024);
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) if (Math.hypot(x - 15.5, y - 15.5) <= r) mask[y * 32 + x] = 255;
      return { image, mask, seed: 11 + k };
    });
    for (const gradientScale of [0, 1]) {
      const engine = await createDiffusionEngine(ADM, { steps: 4, batch: 2, gradientScale, threads: 1 });
      try {
        assert.equal(engine.settings.gradient, gradientScale > 0 ? 'adm-tiny-grad.onnx' : null);
        const out = await engine.inpaint(jobs);
        out.forEach((o, i) => {
          const j = jobs[i];
          let changed = 0;
          for (let p = 0; p < 1024; p++) {
            for (let c = 0; c < 3; c++) {
              if (j.mask[p] === 0) assert.equal(o.data[3 * p + c], j.image.data[3 * p + c], `known pixel ${p}`);
              else if (o.data[3 * p + c] !== j.image.data[3 * p + c]) changed++;
            }
          }
          assert.ok(changed > 0, `job ${i}: the hole was filled`);
        });
        assert.deepEqual(await engine.inpaint(jobs), out);
      } finally {
        await engine.release();
      }
    }
  });
});

describe('a model with ONNX external data (the layout of a converted model over 2 GB)', { timeout: 60_000 }, () => {
  test("loads with its cosine schedule and gives torch's ε", async () => {
    const model = await loadDiffusionModel(EXTERNAL, { threads: 1 });
    try {
      assert.equal(model.card.schedule.kind, 'cosine');
      assert.equal(model.card.externalData?.[0].file, 'external.onnx.data');
      const x = get('external', 'eps-b2', 'x');
      const got = await model.eps(x.data, get('external', 'eps-b2', 't').data, { known: new Float32Array(2 * 768), mask: new Float32Array(512) });
      const { worst, scale } = compare(got, get('external', 'eps-b2', 'eps').data);
      assert.ok(scale > 0.1 && worst <= TOLERANCE, `max |onnxruntime − torch| = ${worst} (scale ${scale})`);
    } finally {
      await model.release();
    }
  });

  test('a missing or changed external data file is an error naming it', async () => {
    const dir = await temp.fresh();
    const path = join(dir, 'external.onnx');
    await copyFile(EXTERNAL, path);
    await copyFile(join(FIXTURES, 'external.json'), join(dir, 'external.json'));
    await rejectsNucleiMix(loadDiffusionModel(path), /external\.onnx\.data: external data file named by external\.json not found/);
    const data = await readFile(join(FIXTURES, 'external.onnx.data'));
    data[data.length - 1] ^= 1;
    await writeFile(join(dir, 'external.onnx.data'), data);
    await rejectsNucleiMix(loadDiffusionModel(path), /external\.onnx\.data: sha256 [0-9a-f]{64} does not match its card's/);
    const card = JSON.parse(await readFile(join(FIXTURES, 'external.json'), 'utf8')) as Record<string, unknown>;
    card.externalData = [{ file: '../elsewhere.data', sha256: '0'.repeat(64) }];
    await writeFile(join(dir, 'external.json'), JSON.stringify(card));
    await rejectsNucleiMix(loadDiffusionModel(path), /externalData must be a list/);
  });
});
