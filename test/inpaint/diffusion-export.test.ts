/**
 * The training tool's ONNX export (train/denoiser/export.py) computes in onnxruntime-node what
 * it computes in torch, and its model cards follow the denoiser model contract
 * (models/README.md). Fixtures: tiny randomly initialised UNets of the same architecture as the
 * shipped one, with inputs and torch's outputs (train/denoiser/export_fixture.py; `npm run
 * fixtures:diffusion`). The shipped model (models/denoiser/) is checked against its card.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';

const FIXTURES = new URL('../fixtures/diffusion/', import.meta.url).pathname;
const SHIPPED = new URL('../../models/denoiser/', import.meta.url).pathname;
/** float32 kernels in torch (MKL-DNN/OpenBLAS) and onnxruntime sum in different orders. */
const TOLERANCE = 1e-4;

interface ArrayEntry {
  model: string;
  batch: number;
  name: string;
  shape: number[];
  offset: number;
}

interface ModelCard {
  format: string;
  version: number;
  tile: number;
  conditioning: 'mask' | 'none';
  normalisation: { scale: number; offset: number };
  schedule: { kind: string; T: number; betaStart: number; betaEnd: number };
  inputs: string[];
  output: string;
  gradient: string | null;
  parameters: number;
  training: Record<string, unknown>;
  licence: { model: string; trainingData: string };
  sha256: string;
}

const io = JSON.parse(readFileSync(FIXTURES + 'export-io.json', 'utf8')) as { arrays: ArrayEntry[] };
const bin = readFileSync(FIXTURES + 'export-io.bin');
const values = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));

function array(entry: ArrayEntry): Float32Array {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  return values.slice(entry.offset, entry.offset + n);
}

function readCard(path: string): ModelCard {
  return JSON.parse(readFileSync(path, 'utf8')) as ModelCard;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function open(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { executionProviders: ['cpu'], logSeverityLevel: 3, interOpNumThreads: 1, intraOpNumThreads: 1 });
}

/** What the contract fixes about a card and its ONNX file, whatever the model. */
function checkContract(card: ModelCard, session: ort.InferenceSession, onnxPath: string): void {
  assert.equal(card.format, 'nucleimix-denoiser');
  assert.equal(card.version, 1);
  assert.ok(Number.isInteger(card.tile) && card.tile >= 8);
  assert.deepEqual(card.normalisation, { scale: 127.5, offset: 1 });
  assert.deepEqual(card.schedule, { kind: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 });
  assert.deepEqual(card.inputs, card.conditioning === 'mask' ? ['x', 't', 'known', 'mask'] : ['x', 't']);
  assert.equal(card.output, 'eps');
  assert.equal(card.gradient, null);
  assert.ok(Number.isInteger(card.parameters) && card.parameters > 0);
  assert.equal(card.licence.model, 'MIT');
  assert.equal(typeof card.licence.trainingData, 'string');
  assert.equal(card.sha256, sha256(onnxPath), 'the card names the ONNX file beside it');
  assert.deepEqual([...session.inputNames].sort(), [...card.inputs].sort());
  assert.deepEqual([...session.outputNames], [card.output]);
  const s = card.tile;
  const expected: Record<string, (number | string)[]> = { x: [3, s, s], t: [], known: [3, s, s], mask: [1, s, s], eps: [3, s, s] };
  for (const meta of [...session.inputMetadata, ...session.outputMetadata]) {
    assert.ok(meta.isTensor && meta.type === 'float32', `${meta.name} is a float32 tensor`);
    if (!meta.isTensor) continue;
    assert.equal(typeof meta.shape[0], 'string', `${meta.name}: the batch axis is dynamic (symbolic), got ${meta.shape[0]}`);
    assert.deepEqual(meta.shape.slice(1), expected[meta.name], `${meta.name} has shape [B, ${expected[meta.name].join(', ')}]`);
  }
}

describe('denoiser ONNX export (train/denoiser/export.py)', { timeout: 120_000 }, () => {
  const models = [...new Set(io.arrays.map((a) => a.model))];

  test('the fixture holds a mask-conditioned and an unconditional model, batches 1 and 3', () => {
    assert.deepEqual(models.sort(), ['export-tiny', 'export-tiny-uncond']);
    for (const m of models) assert.deepEqual([...new Set(io.arrays.filter((a) => a.model === m).map((a) => a.batch))].sort(), [1, 3]);
  });

  for (const name of models) {
    test(`${name}: card follows the contract; onnxruntime-node gives torch's eps within ${TOLERANCE}`, async () => {
      const onnxPath = FIXTURES + name + '.onnx';
      const card = readCard(FIXTURES + name + '.json');
      const session = await open(onnxPath);
      try {
        checkContract(card, session, onnxPath);
        for (const batch of [1, 3]) {
          const entries = io.arrays.filter((a) => a.model === name && a.batch === batch);
          const feeds: Record<string, ort.Tensor> = {};
          for (const e of entries) if (e.name !== 'eps') feeds[e.name] = new ort.Tensor('float32', array(e), e.shape);
          assert.deepEqual(Object.keys(feeds).sort(), [...card.inputs].sort());
          const want = entries.find((e) => e.name === 'eps');
          assert.ok(want);
          const got = (await session.run(feeds))[card.output];
          assert.deepEqual([...got.dims], want.shape);
          const g = got.data as Float32Array;
          const w = array(want);
          let worst = 0;
          let scale = 0;
          for (let i = 0; i < w.length; i++) {
            worst = Math.max(worst, Math.abs(g[i] - w[i]));
            scale = Math.max(scale, Math.abs(w[i]));
          }
          // A fixture whose eps were all ~0 would match anything.
          assert.ok(scale > 0.1, `torch's eps are not all ~0 (max |eps| = ${scale})`);
          assert.ok(worst <= TOLERANCE, `batch ${batch}: max |onnxruntime − torch| = ${worst}`);
        }
      } finally {
        await session.release();
      }
    });
  }

  test('the conditioning inputs matter: changing known pixels changes eps (mask-conditioned fixture)', async () => {
    const session = await open(FIXTURES + 'export-tiny.onnx');
    try {
      const entries = io.arrays.filter((a) => a.model === 'export-tiny' && a.batch === 1);
      const feeds: Record<string, ort.Tensor> = {};
      for (const e of entries) if (e.name !== 'eps') feeds[e.name] = new ort.Tensor('float32', array(e), e.shape);
      const before = (await session.run(feeds)).eps.data as Float32Array;
      const known = entries.find((e) => e.name === 'known');
      assert.ok(known);
      feeds.known = new ort.Tensor('float32', array(known).map((v) => -v), known.shape);
      const after = (await session.run(feeds)).eps.data as Float32Array;
      let diff = 0;
      for (let i = 0; i < before.length; i++) diff = Math.max(diff, Math.abs(before[i] - after[i]));
      assert.ok(diff > 1e-3, `eps moved by ${diff}`);
    } finally {
      await session.release();
    }
  });
});

describe('shipped denoiser (models/denoiser/)', { timeout: 120_000 }, () => {
  const onnxPath = SHIPPED + 'denoiser.onnx';
  const cardPath = SHIPPED + 'denoiser.json';

  test('is there, its card follows the contract and names its training data', { skip: !existsSync(onnxPath) && 'models/denoiser/denoiser.onnx not exported yet' }, async () => {
    const card = readCard(cardPath);
    const session = await open(onnxPath);
    try {
      checkContract(card, session, onnxPath);
      assert.equal(card.conditioning, 'mask');
      assert.equal(card.training.data, 'consep-train');
      assert.ok((card.training.steps as number) > 0);
      const images = card.training.images as { image: string; sha256: string }[];
      assert.equal(images.length, 27);
      for (const im of images) assert.match(im.sha256, /^[0-9a-f]{64}$/);
      // One forward on a flat grey tile with a hole: finite eps of the right shape.
      const s = card.tile;
      const mask = new Float32Array(s * s);
      for (let y = s / 4; y < (3 * s) / 4; y++) for (let x = s / 4; x < (3 * s) / 4; x++) mask[y * s + x] = 1;
      const known = new Float32Array(3 * s * s);
      for (let c = 0; c < 3; c++) for (let p = 0; p < s * s; p++) known[c * s * s + p] = mask[p] ? 0 : 0.5;
      const x = new Float32Array(3 * s * s).map((_, i) => Math.sin(i));
      const out = await session.run({
        x: new ort.Tensor('float32', x, [1, 3, s, s]),
        t: new ort.Tensor('float32', new Float32Array([500]), [1]),
        known: new ort.Tensor('float32', known, [1, 3, s, s]),
        mask: new ort.Tensor('float32', mask, [1, 1, s, s]),
      });
      const eps = out.eps.data as Float32Array;
      assert.equal(eps.length, 3 * s * s);
      assert.ok(eps.every(Number.isFinite));
    } finally {
      await session.release();
    }
  });
});
