/**
 * What the baselines' planners know about a dataset: every image's size and labelled pixels,
 * and every nucleus's type, area, centroid, bounding box and mask. Gathered in one pass
 * (each sample read once), so planning never holds more than one decoded image.
 */
import { NucleiMixError } from '../core/errors.ts';
import { indexOfId, instanceStats } from '../core/labels.ts';
import type { SampleSource } from '../io/dataset.ts';

/** One nucleus. Coordinates in pixels of its image. */
export interface NucleusRecord {
  /** Index of its image in {@link DatasetIndex.images}. */
  image: number;
  /** Id and type as read. */
  id: number;
  type: number;
  area: number;
  /** Centroid: the mean of its pixel coordinates (x, y). */
  cx: number;
  cy: number;
  /** Bounding box x0, y0, x1, y1 (exclusive). */
  bbox: [number, number, number, number];
  /** Its pixels within the box: (x1−x0)×(y1−y0) uint8, 1 inside, row-major. */
  mask: Uint8Array;
}

export interface ImageRecord {
  name: string;
  width: number;
  height: number;
  /** H×W uint8: 1 where a nucleus is (as read). */
  labelled: Uint8Array;
  /** Its nuclei in id order. */
  nuclei: NucleusRecord[];
}

export interface DatasetIndex {
  images: ImageRecord[];
  /** Per-type nucleus counts. */
  counts: Record<number, number>;
}

/** Reads every image of `source` once and indexes its nuclei. */
export async function indexDataset(source: SampleSource, onImage?: (name: string) => void): Promise<DatasetIndex> {
  const images: ImageRecord[] = [];
  const counts: Record<number, number> = {};
  for (const c of source.classes) counts[c.id] = 0;
  for (const name of source.names) {
    const sample = await source.read(name);
    const { inst } = sample.labels;
    const { width: W, height: H, data } = inst;
    const stats = instanceStats(inst);
    const index = images.length;
    const nuclei: NucleusRecord[] = Array.from(stats.ids, (id, i) => {
      const b = stats.bboxes.subarray(4 * i, 4 * i + 4);
      const j = indexOfId(sample.labels, id);
      if (j < 0) throw new NucleiMixError(`instance ${id} has pixels but no type`, sample.origin ?? name);
      return {
        image: index,
        id,
        type: sample.labels.types[j],
        area: stats.areas[i],
        cx: stats.centroids[2 * i],
        cy: stats.centroids[2 * i + 1],
        bbox: [b[0], b[1], b[2], b[3]],
        mask: new Uint8Array((b[2] - b[0]) * (b[3] - b[1])),
      };
    });
    const slot = new Map<number, number>();
    stats.ids.forEach((id, i) => slot.set(id, i));
    const labelled = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const id = data[y * W + x];
        if (id === 0) continue;
        labelled[y * W + x] = 1;
        const n = nuclei[slot.get(id)!];
        n.mask[(y - n.bbox[1]) * (n.bbox[2] - n.bbox[0]) + x - n.bbox[0]] = 1;
      }
    }
    for (const t of sample.labels.types) counts[t] = (counts[t] ?? 0) + 1;
    images.push({ name, width: W, height: H, labelled, nuclei });
    onImage?.(name);
  }
  return { images, counts };
}

/** True when (x, y) lies at least `margin` px from every border of a W×H image (NucleiMix's rule). */
export function insideBorder(x: number, y: number, width: number, height: number, margin: number): boolean {
  return x >= margin && y >= margin && x <= width - 1 - margin && y <= height - 1 - margin;
}

/** The rare nuclei of `type` that may be copied (centre `margin` px from the border). */
export function donorsOf(index: DatasetIndex, type: number, margin: number): NucleusRecord[] {
  const donors = index.images.flatMap((im) => im.nuclei.filter((n) => n.type === type && insideBorder(n.cx, n.cy, im.width, im.height, margin)));
  if (donors.length === 0) throw new NucleiMixError(`rare type ${type} has no nucleus at least ${margin} px from the image border to copy`);
  return donors;
}
