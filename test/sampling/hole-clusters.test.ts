import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { holeClusters, type HoleCluster } from '../../src/sampling/hole-clusters.ts';

function maskOf(width: number, height: number, pixels: [number, number][]): Uint8Array {
  const m = new Uint8Array(width * height);
  for (const [x, y] of pixels) m[y * width + x] = 1;
  return m;
}

/** The cluster index of every pixel of the mask (−1 outside it). */
function clusterMap(clusters: HoleCluster[], width: number, height: number): Int32Array {
  const map = new Int32Array(width * height).fill(-1);
  clusters.forEach((c, k) => {
    for (let i = 0; i < c.runs.length; i += 3) for (let x = c.runs[i + 1]; x < c.runs[i + 2]; x++) map[c.runs[i] * width + x] = k;
  });
  return map;
}

/** Reference partition: flood fill over pixels joined when both |dx| and |dy| ≤ link. */
function bruteForce(mask: Uint8Array, width: number, height: number, link: number): Int32Array {
  const label = new Int32Array(width * height).fill(-1);
  let next = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p] || label[p] >= 0) continue;
    const stack = [p];
    label[p] = next;
    while (stack.length > 0) {
      const q = stack.pop()!;
      const qx = q % width;
      const qy = Math.floor(q / width);
      for (let y = Math.max(0, qy - link); y <= Math.min(height - 1, qy + link); y++) {
        for (let x = Math.max(0, qx - link); x <= Math.min(width - 1, qx + link); x++) {
          const s = y * width + x;
          if (mask[s] && label[s] < 0) {
            label[s] = next;
            stack.push(s);
          }
        }
      }
    }
    next++;
  }
  return label;
}

describe('holeClusters', () => {
  test('two pixels join exactly when their Chebyshev distance is at most link', () => {
    for (const [dx, dy, joined] of [
      [8, 0, true],
      [9, 0, false],
      [0, 8, true],
      [0, 9, false],
      [8, 8, true],
      [9, 3, false],
      [3, 9, false],
      [-8, 8, true],
      [-9, 8, false],
    ] as const) {
      const mask = maskOf(40, 40, [
        [15, 10],
        [15 + dx, 10 + dy],
      ]);
      const clusters = holeClusters(mask, 40, 40, 8);
      assert.equal(clusters.length, joined ? 1 : 2, `offset (${dx}, ${dy})`);
    }
  });

  test('an empty mask has no cluster; a full one is one cluster with the whole box', () => {
    assert.deepEqual(holeClusters(new Uint8Array(30 * 20), 30, 20, 3), []);
    const full = holeClusters(new Uint8Array(30 * 20).fill(1), 30, 20, 3);
    assert.equal(full.length, 1);
    assert.deepEqual(full[0].bbox, [0, 0, 30, 20]);
    assert.equal(full[0].pixels, 600);
    assert.equal(full[0].runs.length, 3 * 20);
  });

  test('random masks: the same partition as a flood fill, exact boxes and pixel counts, clusters in raster order of their first pixel', () => {
    const rng = createRng(13);
    for (let trial = 0; trial < 30; trial++) {
      const width = 20 + rng.int(60);
      const height = 20 + rng.int(60);
      const link = 1 + rng.int(9);
      const density = 0.002 + 0.05 * rng.next();
      const mask = new Uint8Array(width * height);
      // Short horizontal and vertical strokes, so runs of several pixels occur.
      for (let k = 0; k < density * width * height; k++) {
        const x = rng.int(width);
        const y = rng.int(height);
        const len = 1 + rng.int(6);
        const vertical = rng.next() < 0.5;
        for (let i = 0; i < len; i++) {
          const xx = vertical ? x : Math.min(width - 1, x + i);
          const yy = vertical ? Math.min(height - 1, y + i) : y;
          mask[yy * width + xx] = 1;
        }
      }
      const clusters = holeClusters(mask, width, height, link);
      const mine = clusterMap(clusters, width, height);
      const ref = bruteForce(mask, width, height, link);
      // Same pixels, and the same partition (the labels correspond one to one).
      const toRef = new Map<number, number>();
      const fromRef = new Map<number, number>();
      for (let p = 0; p < mask.length; p++) {
        assert.equal(mine[p] >= 0, mask[p] !== 0, `pixel ${p} of trial ${trial}`);
        if (!mask[p]) continue;
        if (!toRef.has(mine[p])) toRef.set(mine[p], ref[p]);
        if (!fromRef.has(ref[p])) fromRef.set(ref[p], mine[p]);
        assert.equal(toRef.get(mine[p]), ref[p], `trial ${trial}: a cluster spans two reference components`);
        assert.equal(fromRef.get(ref[p]), mine[p], `trial ${trial}: a reference component spans two clusters`);
      }
      let firstPixel = -1;
      for (const c of clusters) {
        let count = 0;
        const box = [width, height, 0, 0];
        for (let i = 0; i < c.runs.length; i += 3) {
          count += c.runs[i + 2] - c.runs[i + 1];
          box[0] = Math.min(box[0], c.runs[i + 1]);
          box[1] = Math.min(box[1], c.runs[i]);
          box[2] = Math.max(box[2], c.runs[i + 2]);
          box[3] = Math.max(box[3], c.runs[i] + 1);
        }
        assert.equal(c.pixels, count);
        assert.deepEqual(c.bbox, box);
        const first = c.runs[0] * width + c.runs[1];
        assert.ok(first > firstPixel, 'clusters are ordered by their first pixel');
        firstPixel = first;
      }
    }
  });

  test('rejects a bad link distance or a mask of the wrong size', () => {
    assert.throws(() => holeClusters(new Uint8Array(4), 2, 2, 0), /link distance/);
    assert.throws(() => holeClusters(new Uint8Array(5), 2, 2, 1), /mask has 5 values/);
  });
});
