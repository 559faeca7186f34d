import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropCentred, cropReflect, reflectIndex } from '../../src/core/crop.ts';

test('reflectIndex mirrors without repeating the edge (numpy reflect)', () => {
  // numpy.pad(np.arange(4), 5, mode='reflect') = [1 2 3 2 1 | 0 1 2 3 | 2 1 0 1 2]
  const got = Array.from({ length: 14 }, (_, i) => reflectIndex(i - 5, 4));
  assert.deepEqual(got, [1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2]);
  assert.equal(reflectIndex(-7, 1), 0);
});

test('cropReflect copies the inside exactly and mirrors the outside', () => {
  const width = 5;
  const height = 4;
  const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => i % 251);
  const img = { width, height, channels: 3, data };
  const inside = cropReflect(img, 1, 1, 3, 2);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 3; x++) {
      for (let c = 0; c < 3; c++) assert.equal(inside.data[(y * 3 + x) * 3 + c], data[((y + 1) * width + x + 1) * 3 + c]);
    }
  }
  const big = cropReflect(img, -3, -2, 11, 8);
  assert.equal(big.width, 11);
  assert.equal(big.height, 8);
  assert.ok(big.data instanceof Uint8Array);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 11; x++) {
      const sx = reflectIndex(x - 3, width);
      const sy = reflectIndex(y - 2, height);
      assert.equal(big.data[(y * 11 + x) * 3 + 1], data[(sy * width + sx) * 3 + 1]);
    }
  }
});

test('cropCentred keeps its size at the border and keeps the element type', () => {
  const map = { width: 10, height: 10, channels: 1, data: Int32Array.from({ length: 100 }, (_, i) => i) };
  const c = cropCentred(map, 0, 0, 5, 5);
  assert.ok(c.data instanceof Int32Array);
  assert.equal(c.data.length, 25);
  assert.equal(c.data[12], 0); // the centre is the requested pixel
  assert.equal(c.data[0], map.data[2 * 10 + 2]); // (-2,-2) mirrors to (2,2)
});
