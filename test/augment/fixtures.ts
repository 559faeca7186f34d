/**
 * Test helpers for the augment tests: a fake inpainter that records its batches, and small
 * hand-built samples whose geometry the tests control pixel by pixel.
 */
import type { InpaintEngine, InpaintJob } from '../../src/inpaint/engine.ts';
import type { RegionInpainter } from '../../src/augment/method.ts';
import { regionInpainter } from '../../src/augment/render-loop.ts';
import { labelsFromMap } from '../../src/core/labels.ts';
import { createImage, createInstanceMap, type RgbImage } from '../../src/core/raster.ts';
import type { Sample } from '../../src/io/dataset.ts';

/** An engine that fills every unknown pixel with the mean of the crop's known pixels, and records each batch. */
export function meanEngine(maxBatch = 64): InpaintEngine & { calls: InpaintJob[][] } {
  const calls: InpaintJob[][] = [];
  return {
    name: 'mean',
    settings: {},
    input: { kind: 'any' },
    maxBatch,
    deterministic: true,
    async release() {},
    calls,
    async inpaint(jobs) {
      calls.push([...jobs]);
      return jobs.map(({ image, mask }) => {
        const sum = [0, 0, 0];
        let n = 0;
        for (let p = 0; p < mask.length; p++) {
          if (mask[p]) continue;
          for (let c = 0; c < 3; c++) sum[c] += image.data[3 * p + c];
          n++;
        }
        const out: RgbImage = createImage(image.width, image.height, image.data.slice());
        for (let p = 0; p < mask.length; p++) {
          if (!mask[p]) continue;
          for (let c = 0; c < 3; c++) out.data[3 * p + c] = n > 0 ? Math.round(sum[c] / n) : 0;
        }
        return out;
      });
    },
  };
}

/** The region inpainter a render function gets, running `engine` directly (no batcher). */
export function direct(engine: InpaintEngine): RegionInpainter {
  return regionInpainter(engine.input, (jobs) => engine.inpaint(jobs));
}

export interface Blob {
  id: number;
  type: number;
  /** Centre and semi-axes in pixels; `angle` in degrees. */
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  angle?: number;
  /** Nucleus colour. */
  rgb: [number, number, number];
}

/**
 * A W×H sample: a textured pink background (every pixel distinct enough that a misplaced
 * copy shows), and elliptic nuclei with a little texture, drawn in order (later ones on top).
 * Centroids as read are rounded to 0.1 px, as files often store them, so a test can tell a
 * recomputed centroid from one kept as read.
 */
export function makeSample(name: string, width: number, height: number, blobs: readonly Blob[]): Sample {
  const image = createImage(width, height);
  const inst = createInstanceMap(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 3 * (y * width + x);
      image.data[o] = 200 + ((x * 7 + y * 3) % 41);
      image.data[o + 1] = 140 + ((x * 5 + y * 11) % 37);
      image.data[o + 2] = 180 + ((x * 13 + y * 2) % 43);
    }
  }
  for (const b of blobs) {
    const t = ((b.angle ?? 0) * Math.PI) / 180;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = x - b.cx;
        const dy = y - b.cy;
        const u = (dx * Math.cos(t) + dy * Math.sin(t)) / b.rx;
        const v = (-dx * Math.sin(t) + dy * Math.cos(t)) / b.ry;
        if (u * u + v * v > 1) continue;
        const p = y * width + x;
        inst.data[p] = b.id;
        for (let c = 0; c < 3; c++) image.data[3 * p + c] = b.rgb[c] + ((x * (c + 3) + y * (c + 5)) % 17);
      }
    }
  }
  const typeOf = new Map(blobs.map((b) => [b.id, b.type]));
  const exact = labelsFromMap(inst, (id) => typeOf.get(id)!);
  const centroids = exact.centroids.map((v) => Math.round(v * 10) / 10 + 0.01);
  return { name, image, labels: { ...exact, centroids }, origin: `${name}.mat`, stored: { tag: 'stored' }, source: { tag: 'source' } };
}
