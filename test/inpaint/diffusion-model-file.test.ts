import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { createRng } from '../../src/core/rng.ts';
import { cardPath, loadDiffusionModel, type ModelCard } from '../../src/inpaint/diffusion/model-file.ts';
import { alphasCumprod } from '../../src/inpaint/diffusion/schedule.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/diffusion/', import.meta.url));
const RANDOM = join(FIXTURES, 'tiny-random.onnx');
const LINEAR = join(FIXTURES, 'tiny-linear.onnx');
const temp = tempFolders('nucleimix-diffusion-model-');

async function readCard(path: string): Promise<ModelCard> {
  return JSON.parse(await readFile(cardPath(path), 'utf8')) as ModelCard;
}

/** A copy of `model` (and its gradient model) in a fresh folder with its card edited by `edit`. */
async function withCard(model: string, edit: (card: Record<string, unknown>) => void, name = 'm.onnx'): Promise<string> {
  const dir = await temp.fresh();
  const card = (await readCard(model)) as unknown as Record<string, unknown>;
  const path = join(dir, name);
  await copyFile(model, path);
  if (typeof card.gradient === 'string') await copyFile(join(FIXTURES, card.gradient), join(dir, card.gradient));
  edit(card);
  await writeFile(cardPath(path), JSON.stringify(card));
  return path;
}

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

test('loads a mask-conditioned model with its card; ε is [B,3,S,S] and each item independent of its batch', { timeout: 60_000 }, async () => {
  const model = await loadDiffusionModel(RANDOM);
  try {
    assert.equal(model.card.tile, 32);
    assert.equal(model.card.conditioning, 'mask');
    assert.equal(model.gradient, undefined);
    const per = 3 * 32 * 32;
    const x = randomArray(3 * per, 1);
    const known = randomArray(3 * per, 2, 0.5);
    const mask = Float32Array.from({ length: 3 * 1024 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const t = Float32Array.of(10, 500, 999);
    const all = await model.eps(x, t, { known, mask });
    assert.equal(all.length, 3 * per);
    const one = await model.eps(x.slice(per, 2 * per), t.slice(1, 2), { known: known.slice(per, 2 * per), mask: mask.slice(1024, 2048) });
    assert.deepEqual(one, all.slice(per, 2 * per));
    // The output depends on the conditioning and the timestep.
    const otherT = await model.eps(x, Float32Array.of(10, 20, 999), { known, mask });
    assert.notDeepEqual(otherT.slice(per, 2 * per), one);
  } finally {
    await model.release();
  }
});

test('a model with a fixed batch axis runs in padded runs of that size, with the same numbers', { timeout: 60_000 }, async () => {
  const dynamic = await loadDiffusionModel(RANDOM);
  const fixed = await loadDiffusionModel(join(FIXTURES, 'tiny-random-b2.onnx'));
  try {
    const per = 3 * 32 * 32;
    const x = randomArray(3 * per, 6);
    const cond = { known: randomArray(3 * per, 7, 0.5), mask: Float32Array.from({ length: 3 * 1024 }, (_, i) => (i % 3 === 0 ? 1 : 0)) };
    const t = Float32Array.of(999, 3, 250);
    assert.deepEqual(await fixed.eps(x, t, cond), await dynamic.eps(x, t, cond));
  } finally {
    await dynamic.release();
    await fixed.release();
  }
});

test('the gradient model equals finite differences of ‖(1−m)⊙(y − x̂₀(x_t))‖² through the ε model', { timeout: 60_000 }, async () => {
  const model = await loadDiffusionModel(LINEAR);
  try {
    assert.ok(model.gradient !== undefined);
    const S = 16;
    const plane = S * S;
    const per = 3 * plane;
    const x = randomArray(per, 3);
    const y = randomArray(per, 4, 0.5);
    const mask = Float32Array.from({ length: plane }, (_, p) => (p % S < 8 ? 1 : 0));
    for (let i = 0; i < per; i++) if (mask[i % plane]) y[i] = 0;
    const tStep = 400;
    const a = alphasCumprod(model.card.schedule)[tStep];
    const cond = { known: y, mask };
    const grad = await model.gradient(x, Float32Array.of(tStep), cond);
    // Central differences at 24 coordinates, all perturbed copies in one batch of 48: 16 anywhere,
    // 8 in column 7, the unknown pixels next to the known ones (columns 8..15).
    const rng = createRng(5);
    const coords = [...Array.from({ length: 16 }, () => rng.int(per)), ...Array.from({ length: 8 }, () => rng.int(3 * S) * S + 7)];
    const h = 1 / 64;
    const batch = new Float32Array(48 * per);
    coords.forEach((c, j) => {
      batch.set(x, 2 * j * per);
      batch.set(x, (2 * j + 1) * per);
      batch[2 * j * per + c] += h;
      batch[(2 * j + 1) * per + c] -= h;
    });
    const tiled = (v: Float32Array, n: number): Float32Array => {
      const out = new Float32Array(48 * n);
      for (let b = 0; b < 48; b++) out.set(v, b * n);
      return out;
    };
    const eps = await model.eps(batch, new Float32Array(48).fill(tStep), { known: tiled(y, per), mask: tiled(mask, plane) });
    const loss = (b: number): number => {
      let s = 0;
      for (let i = 0; i < per; i++) {
        if (mask[i % plane]) continue;
        const x0 = (batch[b * per + i] - Math.sqrt(1 - a) * eps[b * per + i]) / Math.sqrt(a);
        s += (y[i] - x0) ** 2;
      }
      return s;
    };
    let scale = 0;
    for (const g of grad) scale = Math.max(scale, Math.abs(g));
    coords.forEach((c, j) => {
      const fd = (loss(2 * j) - loss(2 * j + 1)) / (2 * h);
      assert.ok(Math.abs(fd - grad[c]) < 1e-3 * scale, `coordinate ${c}: finite difference ${fd}, gradient model ${grad[c]}`);
    });
    // Unknown pixels next to known ones carry gradient too (through the 3×3 convolution): that is what MCG is for.
    for (const c of coords.slice(16)) assert.ok(mask[c % plane] === 1 && Math.abs(grad[c]) > 1e-3 * scale, `coordinate ${c}: gradient ${grad[c]}`);
  } finally {
    await model.release();
  }
});

test('missing, malformed or mismatched cards and models are NucleiMixErrors naming the file', { timeout: 60_000 }, async () => {
  await rejectsNucleiMix(loadDiffusionModel(join(FIXTURES, 'absent.onnx')), /absent\.onnx: diffusion model file not found/);
  const dir = await temp.fresh();
  await copyFile(RANDOM, join(dir, 'lonely.onnx'));
  await rejectsNucleiMix(loadDiffusionModel(join(dir, 'lonely.onnx')), /lonely\.json: model card not found/);
  await writeFile(join(dir, 'lonely.json'), '{ not json');
  await rejectsNucleiMix(loadDiffusionModel(join(dir, 'lonely.onnx')), /lonely\.json: model card is not valid JSON/);

  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.format = 'something-else'))), /m\.json: model card format is "something-else"/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.version = 2))), /version 2 is not supported/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.conditioning = 'text'))), /conditioning must be "mask" or "none"/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.schedule = { kind: 'linear', T: 1000, betaStart: 0.02, betaEnd: 1e-4 }))), /m\.json: schedule betas/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.schedule = { kind: 'sigmoid', T: 1000 }))), /schedule kind 'sigmoid' is not supported/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.output = 'x0'))), /output must be "eps"/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.sha256 = '0'.repeat(64)))), /m\.onnx: sha256 [0-9a-f]{64} does not match its card's 0{64}/);
  // Right hash, wrong description of the model.
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.tile = 16))), /m\.onnx: input 'x' has shape \[N, 3, 32, 32\], expected \[B, 3, 16, 16\]/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.conditioning = 'none'))), /model inputs are \[x, t, known, mask\]; this card's model needs exactly \[x, t\]/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(LINEAR, (c) => (c.conditioning = 'mask'))), /needs exactly \[x, t, known, mask\]/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(LINEAR, (c) => (c.gradient = 'nowhere.onnx'))), /nowhere\.onnx: gradient model named by m\.json not found/);
  // A gradient model that is not one: the ε model itself (inputs x, t; no y, mask, grad).
  await rejectsNucleiMix(loadDiffusionModel(await withCard(LINEAR, (c) => (c.gradient = 'tiny-linear.onnx'), 'tiny-linear.onnx')), /tiny-linear\.onnx: model inputs are \[x, t\]; this card's model needs exactly \[x, t, y, mask\]/);
  await rejectsNucleiMix(loadDiffusionModel(RANDOM, { threads: 0 }), /threads must be a positive integer/);
});

test("a card's gradientSha256 is checked like its sha256: the gradient file it names, and no other, loads", { timeout: 60_000 }, async () => {
  const gradient = (await readCard(LINEAR)).gradient as string;
  const sha = createHash('sha256').update(await readFile(join(FIXTURES, gradient))).digest('hex');
  const model = await loadDiffusionModel(await withCard(LINEAR, (c) => (c.gradientSha256 = sha)));
  try {
    assert.equal(model.card.gradientSha256, sha);
    assert.ok(model.gradient !== undefined);
  } finally {
    await model.release();
  }
  await rejectsNucleiMix(loadDiffusionModel(await withCard(LINEAR, (c) => (c.gradientSha256 = '0'.repeat(64)))), /tiny-linear-grad\.onnx: sha256 [0-9a-f]{64} does not match its card's 0{64} \(m\.json\): the gradient model and card do not belong together/);
  // The right hash, but another file where the gradient model should be (here the ε model itself).
  const swapped = await withCard(LINEAR, (c) => (c.gradientSha256 = sha));
  await copyFile(LINEAR, join(dirname(swapped), gradient));
  await rejectsNucleiMix(loadDiffusionModel(swapped), new RegExp(`tiny-linear-grad\\.onnx: sha256 [0-9a-f]{64} does not match its card's ${sha}`));
  await rejectsNucleiMix(loadDiffusionModel(await withCard(LINEAR, (c) => (c.gradientSha256 = sha.toUpperCase()))), /m\.json: model card gradientSha256 must be 64 lower-case hex digits/);
  await rejectsNucleiMix(loadDiffusionModel(await withCard(RANDOM, (c) => (c.gradientSha256 = sha))), /m\.json: model card has a gradientSha256 but names no gradient model/);
});

test('device cuda either runs or says why not', { timeout: 60_000 }, async () => {
  const hasCuda = ort.listSupportedBackends().some((b) => b.name === 'cuda');
  const attempt = loadDiffusionModel(RANDOM, { device: 'cuda' });
  try {
    const model = await attempt;
    assert.ok(hasCuda, 'a CUDA session started without a CUDA backend');
    await model.release();
  } catch {
    await rejectsNucleiMix(attempt, /CUDA execution provider|--device cpu/);
  }
  await rejectsNucleiMix(loadDiffusionModel(RANDOM, { device: 'tpu' as 'cpu' }), /unknown device 'tpu'/);
});
