/**
 * Test data for the realism test: generated tiles and a copy of them with nuclei pasted
 * badly — donor pixels at random free places, inside a hard bright rim 2 px wide — that the
 * test must find.
 */
import { instanceStats, labelsFromMap } from '../../src/core/labels.ts';
import { cloneRaster } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { editedSample, type Sample, type SampleSource } from '../../src/io/dataset.ts';
import type { InsertionPoint } from '../../src/realism/inserted.ts';
import { cropNucleus, fitsFree, pasteCrop } from '../../src/realism/unblended-paste.ts';
import { generateDataset } from '../../src/synth/generate.ts';

export const TYPE = 3; // epithelial: the most common type of the generator's tiles

/** Six 256² generated tiles. */
export function tiles(seed = 1): SampleSource & { samples: Sample[] } {
  return generateDataset({ images: 6, width: 256, height: 256, seed });
}

export function memory(samples: Sample[], classes: SampleSource['classes']): SampleSource {
  return { classes, names: samples.map((s) => s.name), read: async (name) => samples.find((s) => s.name === name)! };
}

/**
 * `k` nuclei of TYPE, drawn from all tiles, pasted at random free places with a rim of
 * `rim` grey (no rim: 0) on the background 1–2 px around them.
 *
 * @returns the augmented samples and the insertion points a manifest would record
 */
export function badlyPasted(source: { samples: Sample[] }, k: number, seed: number, rim = 250): { samples: Sample[]; points: InsertionPoint[] } {
  const rng = createRng(seed);
  const donors = source.samples.flatMap((s) => {
    const st = instanceStats(s.labels.inst);
    return Array.from(st.ids, (id, i) => ({ s, id, i, st })).filter(({ i }) => s.labels.types[i] === TYPE);
  });
  const out = source.samples.map((s) => ({ s, image: cloneRaster(s.image), inst: cloneRaster(s.labels.inst), types: new Map(Array.from(s.labels.ids, (id, i) => [id, s.labels.types[i]])) }));
  const points: InsertionPoint[] = [];
  for (let n = 0; n < k; n++) {
    const d = donors[rng.int(donors.length)];
    const crop = cropNucleus(d.s.image, d.s.labels.inst, d.id, d.st.bboxes.subarray(4 * d.i, 4 * d.i + 4));
    const t = out[rng.int(out.length)];
    let x0 = 0;
    let y0 = 0;
    let tries = 0;
    do {
      x0 = 3 + rng.int(t.image.width - crop.width - 5);
      y0 = 3 + rng.int(t.image.height - crop.height - 5);
    } while (!fitsFree(t.inst, crop, x0, y0) && ++tries < 500);
    if (tries >= 500) continue;
    const id = Math.max(0, ...t.types.keys()) + 1;
    pasteCrop(t.image, t.inst, crop, x0, y0, id);
    t.types.set(id, TYPE);
    if (rim > 0) paintRim(t.image, t.inst, id, x0, y0, crop.width, crop.height, rim);
    points.push({ image: t.s.name, x: x0 + d.st.centroids[2 * d.i] - d.st.bboxes[4 * d.i], y: y0 + d.st.centroids[2 * d.i + 1] - d.st.bboxes[4 * d.i + 1], rareType: TYPE, donor: { image: d.s.name, id: d.id } });
  }
  const samples = out.map((t) => editedSample(t.s, t.image, labelsFromMap(t.inst, (id) => t.types.get(id)!)));
  return { samples, points };
}

function paintRim(image: Sample['image'], inst: Sample['labels']['inst'], id: number, x0: number, y0: number, w: number, h: number, grey: number): void {
  for (let y = y0 - 2; y < y0 + h + 2; y++) {
    for (let x = x0 - 2; x < x0 + w + 2; x++) {
      if (x < 0 || y < 0 || x >= inst.width || y >= inst.height || inst.data[y * inst.width + x] !== 0) continue;
      let near = false;
      for (let dy = -2; dy <= 2 && !near; dy++) {
        for (let dx = -2; dx <= 2 && !near; dx++) {
          const u = x + dx;
          const v = y + dy;
          near = u >= 0 && v >= 0 && u < inst.width && v < inst.height && inst.data[v * inst.width + u] === id;
        }
      }
      if (near) image.data.fill(grey, 3 * (y * inst.width + x), 3 * (y * inst.width + x) + 3);
    }
  }
}
