import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createImage, type RgbImage } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { glcmStats } from '../../src/features/glcm.ts';
import { createOnnxEncoder, encoderFeatureCount, encoderRow, IMAGENET_MEAN, IMAGENET_STD, type OnnxEncoder } from '../../src/features/onnx-encoder.ts';

const DIR = new URL('../fixtures/onnx/', import.meta.url).pathname;
const model = (name: string) => join(DIR, name);
// tiny*.onnx give (normalised RGB of the pixel at `pixel` = [row, column]) @ W + b (scripts/fixtures_onnx.py).
const { W, b, pixel } = JSON.parse(readFileSync(model('weights.json'), 'utf8')) as { W: number[][]; b: number[]; pixel: [number, number] };

type Triple = readonly [number, number, number];

function constantPatch(rgb: Triple, size = 224): RgbImage {
  const img = createImage(size, size);
  for (let p = 0; p < size * size; p++) img.data.set(rgb, 3 * p);
  return img;
}

/** A 224 patch whose four 112×112 quadrants are top-left, top-right, bottom-left, bottom-right. */
function quadrantPatch(colours: readonly Triple[]): RgbImage {
  const img = createImage(224, 224);
  for (let y = 0; y < 224; y++) for (let x = 0; x < 224; x++) img.data.set(colours[(y < 112 ? 0 : 2) + (x < 112 ? 0 : 1)], 3 * (y * 224 + x));
  return img;
}

function randomPatch(seed: number): RgbImage {
  const rng = createRng(seed);
  return createImage(224, 224, Uint8Array.from({ length: 224 * 224 * 3 }, () => rng.int(256)));
}

/** What the linear head of tiny.onnx gives for the normalised RGB values `m`, in float64. */
function head(m: readonly number[]): number[] {
  return b.map((bj, j) => bj + m[0] * W[0][j] + m[1] * W[1][j] + m[2] * W[2][j]);
}

const norm = (v: number, c: number, mean: Triple = IMAGENET_MEAN, std: Triple = IMAGENET_STD) => (v / 255 - mean[c]) / std[c];

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

describe('ONNX image encoder', () => {
  let tiny: OnnxEncoder;
  let tmp: string;
  before(async () => {
    tiny = await createOnnxEncoder(model('tiny.onnx'));
    tmp = await mkdtemp(join(tmpdir(), 'nucleimix-onnx-'));
  });
  after(async () => {
    await tiny.release();
    await rm(tmp, { recursive: true, force: true });
  });

  test('a constant-colour patch gives the hand-computed output of normalisation and weights', async () => {
    assert.equal(tiny.dims, 8);
    assert.deepEqual(tiny.inputSize, [224, 224]);
    const colours: Triple[] = [
      [200, 100, 50],
      [0, 0, 0],
      [255, 255, 255],
      [17, 230, 128],
    ];
    const out = await tiny.encode(colours.map((c) => constantPatch(c)));
    assert.equal(out.length, colours.length);
    colours.forEach((c, i) => assertClose(out[i], head([norm(c[0], 0), norm(c[1], 1), norm(c[2], 2)]), 1e-5, `colour ${c}`));
  });

  test('custom mean and std are applied per channel, R first', async () => {
    const mean: Triple = [0.5, 0.25, 0];
    const std: Triple = [0.25, 0.5, 2];
    const enc = await createOnnxEncoder(model('tiny.onnx'), { mean, std });
    try {
      const [out] = await enc.encode([constantPatch([51, 102, 204])]);
      assertClose(out, head([norm(51, 0, mean, std), norm(102, 1, mean, std), norm(204, 2, mean, std)]), 1e-5, 'custom normalisation');
    } finally {
      await enc.release();
    }
  });

  test('a textured patch: the model reads the pixel at (row, column), NCHW, not its transpose', async () => {
    const patches = [randomPatch(3), randomPatch(4)];
    const out = await tiny.encode(patches);
    patches.forEach((patch, i) => {
      const at = 3 * (pixel[0] * 224 + pixel[1]);
      const transposed = 3 * (pixel[1] * 224 + pixel[0]);
      assert.notDeepEqual(patch.data.subarray(at, at + 3), patch.data.subarray(transposed, transposed + 3));
      assertClose(out[i], head([0, 1, 2].map((c) => norm(patch.data[at + c], c))), 1e-5, `random patch ${i}`);
    });
  });

  test('a batch gives what the patches give one by one, also past the 64-patch chunk', async () => {
    const patches = Array.from({ length: 67 }, (_, i) => (i % 3 === 0 ? randomPatch(i) : constantPatch([(i * 37) % 256, (i * 91) % 256, (i * 13) % 256])));
    const batch = await tiny.encode(patches);
    assert.equal(batch.length, patches.length);
    for (const i of [0, 1, 2, 63, 64, 66]) {
      const [single] = await tiny.encode([patches[i]]);
      assertClose(batch[i], single, 1e-6, `patch ${i}`);
    }
    assert.deepEqual(await tiny.encode([]), []);
  });

  test('a fixed-size, fixed-batch model: patches resized to its 32×32 input, run one by one, 4-D output flattened', async () => {
    const enc = await createOnnxEncoder(model('tiny-b1-32.onnx'));
    try {
      assert.equal(enc.dims, 12); // [1, 3, 2, 2]
      assert.deepEqual(enc.inputSize, [32, 32]);
      const c: Triple = [200, 100, 50];
      const [flat] = await enc.encode([constantPatch(c)]);
      // Layout [channel][row][col]; a constant patch stays constant through resizing.
      assertClose(flat, [0, 1, 2].flatMap((k) => Array(4).fill(norm(c[k], k))), 1e-5, 'constant');
      // Four quadrant colours: each output quadrant is its own colour, up to the bilinear blur at the seams (≤ 1/16 of the rows or columns, partially).
      const colours: Triple[] = [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
        [255, 255, 255],
      ];
      const out = await enc.encode([quadrantPatch(colours), constantPatch([0, 0, 0]), quadrantPatch(colours)]);
      assert.equal(out.length, 3);
      for (let k = 0; k < 3; k++) {
        const contrast = norm(255, k) - norm(0, k);
        for (let q = 0; q < 4; q++) {
          const got = out[0][4 * k + q];
          const want = norm(colours[q][k], k);
          assert.ok(Math.abs(got - want) <= 0.05 * contrast, `channel ${k} quadrant ${q}: ${got} vs ${want}`);
        }
      }
      assert.deepEqual(out[2], out[0]);
      assertClose(out[1], [0, 1, 2].flatMap((k) => Array(4).fill(norm(0, k))), 1e-5, 'black');
    } finally {
      await enc.release();
    }
  });

  test('size resizes patches for a model whose H×W is open; it must agree with a fixed H×W', async () => {
    const open = await createOnnxEncoder(model('tiny-anysize.onnx'));
    const small = await createOnnxEncoder(model('tiny-anysize.onnx'), { size: 112 });
    try {
      assert.deepEqual(open.inputSize, [224, 224]);
      assert.deepEqual(small.inputSize, [112, 112]);
      const c: Triple = [30, 160, 240];
      for (const enc of [open, small]) assertClose((await enc.encode([constantPatch(c)]))[0], head([norm(c[0], 0), norm(c[1], 1), norm(c[2], 2)]), 1e-5, 'constant');
      // Halved, the pixel the model reads still lies inside the top-left quadrant, far from the seams.
      const tl: Triple = [10, 20, 30];
      const quads = quadrantPatch([tl, [200, 100, 0], [90, 255, 60], [0, 0, 0]]);
      for (const enc of [open, small]) assertClose((await enc.encode([quads]))[0], head([norm(tl[0], 0), norm(tl[1], 1), norm(tl[2], 2)]), 1e-5, `quadrants at ${enc.inputSize[0]}`);
      // …but a patch with a different pixel there tells the two sizes apart.
      const r = randomPatch(5);
      assert.notDeepEqual((await small.encode([r]))[0], (await open.encode([r]))[0]);
      // A patch of another size is resized to the input too.
      assertClose((await open.encode([constantPatch(c, 100)]))[0], head([norm(c[0], 0), norm(c[1], 1), norm(c[2], 2)]), 1e-5, '100 px patch');
    } finally {
      await open.release();
      await small.release();
    }
    await assert.rejects(createOnnxEncoder(model('tiny.onnx'), { size: 112 }), (e: Error) => e instanceof NucleiMixError && e.message.includes('tiny.onnx') && /fixes H×W/.test(e.message));
  });

  test('unusable files and options are NucleiMixErrors naming the model file', async () => {
    const truncated = join(tmp, 'truncated.onnx');
    await writeFile(truncated, readFileSync(model('tiny.onnx')).subarray(0, 120));
    const cases: [string, RegExp, object?][] = [
      [join(tmp, 'missing.onnx'), /not found/],
      [tmp, /not found/],
      [model('weights.json'), /not a loadable ONNX model/],
      [truncated, /not a loadable ONNX model/],
      [model('grey-input.onnx'), /1 channels, expected 3/],
      [model('rank3-input.onnx'), /rank 4/],
      [model('batch-mean.onnx'), /one vector per patch/],
      [model('tiny.onnx'), /std must be 3 finite positive numbers/, { std: [0.2, 0, 0.2] }],
      [model('tiny.onnx'), /mean must be 3 finite numbers/, { mean: [0.5, 0.5] }],
      [model('tiny.onnx'), /size must be a positive integer/, { size: 0 }],
    ];
    for (const [path, pattern, options] of cases) {
      await assert.rejects(createOnnxEncoder(path, options), (e: Error) => {
        assert.ok(e instanceof NucleiMixError, `${path}: ${e.name} ${e.message}`);
        assert.equal(e.file, path);
        assert.match(e.message, pattern);
        return true;
      });
    }
  });

  test('a row is the vector then the GLCM statistics of the mean-RGB grey patch', () => {
    const patch = randomPatch(9);
    const vector = Float32Array.from([1.5, -2, 0.25]);
    const row = encoderRow(vector, patch);
    assert.equal(row.length, encoderFeatureCount(3));
    assert.deepEqual(Array.from(row.subarray(0, 3)), [1.5, -2, 0.25]);
    const grey = Uint8Array.from({ length: 224 * 224 }, (_, p) => Math.floor((patch.data[3 * p] + patch.data[3 * p + 1] + patch.data[3 * p + 2]) / 3));
    const g = glcmStats(grey, 224, 224, 2, 0, 256);
    assert.deepEqual(Array.from(row.subarray(3)), [g.dissimilarity, g.homogeneity, g.energy, g.asm]);
  });
});
