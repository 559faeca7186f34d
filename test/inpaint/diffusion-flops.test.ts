import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { countFlops, nodeFlops } from '../../src/inpaint/diffusion/flops.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/diffusion/', import.meta.url));

test('FLOPs of the fixtures, counted by hand from scripts/fixtures_diffusion.py', { timeout: 60_000 }, async () => {
  // tiny-random: Conv 7→8 (3×3) and Conv 8→3 (3×3) at 32².
  assert.equal(await countFlops(join(FIXTURES, 'tiny-random.onnx')), 2 * 32 * 32 * (8 * 7 * 9 + 3 * 8 * 9));
  assert.equal(await countFlops(join(FIXTURES, 'tiny-random-b2.onnx')), 2 * 2 * 32 * 32 * (8 * 7 * 9 + 3 * 8 * 9));
  // tiny-linear: one Conv 3→3 (3×3) at 16²; its gradient model adds the ConvTranspose of the same size.
  assert.equal(await countFlops(join(FIXTURES, 'tiny-linear.onnx')), 2 * 16 * 16 * 3 * 3 * 9);
  assert.equal(await countFlops(join(FIXTURES, 'tiny-linear-grad.onnx')), 2 * 2 * 16 * 16 * 3 * 3 * 9);
  await rejectsNucleiMix(countFlops(join(FIXTURES, 'tiny-random.json')), /not a loadable ONNX model/);
});

test('per-node counts: Conv, ConvTranspose, batched MatMul, Gemm with and without transA', () => {
  assert.equal(nodeFlops('Conv', [[1, 4, 10, 10], [6, 2, 3, 3]], [1, 6, 8, 8]), 2 * 6 * 64 * 2 * 9); // grouped: Cin/group = 2
  assert.equal(nodeFlops('ConvTranspose', [[1, 4, 5, 5], [4, 3, 2, 2]], [1, 3, 10, 10]), 2 * 4 * 25 * 3 * 4);
  assert.equal(nodeFlops('MatMul', [[2, 5, 7], [7, 3]], [2, 5, 3]), 2 * 2 * 5 * 3 * 7);
  assert.equal(nodeFlops('Gemm', [[4, 9]], [4, 6]), 2 * 4 * 6 * 9);
  assert.equal(nodeFlops('Gemm', [[9, 4]], [4, 6]), 2 * 4 * 6 * 9);
  assert.equal(nodeFlops('Relu', [[1, 3]], [1, 3]), undefined);
  assert.equal(nodeFlops('Conv', [[1, 3, 4, 4]], [1, 3, 4, 4]), undefined);
});
