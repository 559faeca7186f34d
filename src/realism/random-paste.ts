/**
 * The realism test's deliberately bad insertion, over a whole dataset: real nuclei of the
 * rare type(s), each drawn uniformly from the dataset, pasted pixel for pixel (no blending,
 * no inpainting) at uniformly random places of uniformly random images — on tissue or glass
 * alike — where they cover no nucleus. A method that scores no better than this hides nothing.
 * (`bench/realism.ts bad-paste` and `nucleimix compare` write it.)
 */
import { instanceStats, labelsFromMap } from '../core/labels.ts';
import { cloneRaster } from '../core/raster.ts';
import { createRng } from '../core/rng.ts';
import { editedSample, type Sample, type SampleSource } from '../io/dataset.ts';
import { cropNucleus, fitsFree, pasteCrop, type NucleusCrop } from './unblended-paste.ts';

/** Places tried for each nucleus before it is given up. */
export const PLACE_TRIES = 1000;

/** One pasted nucleus, as the realism test reads manifests: where its centre went and which nucleus it copies. */
export interface RandomPasteRecord {
  rareType: number;
  target: { image: string; kind: 'random'; x: number; y: number };
  donor: { image: string; id: number; type: number };
}

export interface RandomPaste {
  /** The pasted dataset (images are pasted as the writer reads them). */
  source: SampleSource;
  /** Every paste made so far, in the order images were read. */
  insertions(): RandomPasteRecord[];
  /** Nuclei that found no free place. */
  failed(): number;
}

interface Donor {
  crop: NucleusCrop;
  type: number;
  image: string;
  id: number;
  /** Centroid within the crop. */
  cx: number;
  cy: number;
}

/**
 * `k` nuclei of each of `types` pasted at random (seeded). Every draw of image and donor is
 * made up front, so the result does not depend on the order the images are read; the places
 * are drawn per image, from a stream of its own.
 */
export async function randomPaste(original: SampleSource, types: readonly number[], k: number, seed: number): Promise<RandomPaste> {
  const rng = createRng(seed);
  const donors = new Map<number, Donor[]>(types.map((t) => [t, []]));
  for (const name of original.names) {
    const s = await original.read(name);
    const stats = instanceStats(s.labels.inst);
    const typeOf = new Map<number, number>();
    s.labels.ids.forEach((id, i) => typeOf.set(id, s.labels.types[i]));
    stats.ids.forEach((id, i) => {
      const list = donors.get(typeOf.get(id)!);
      if (list === undefined) return;
      const box = stats.bboxes.subarray(4 * i, 4 * i + 4);
      list.push({ crop: cropNucleus(s.image, s.labels.inst, id, box), type: typeOf.get(id)!, image: name, id, cx: stats.centroids[2 * i] - box[0], cy: stats.centroids[2 * i + 1] - box[1] });
    });
  }
  for (const t of types) if (donors.get(t)!.length === 0) throw new RangeError(`no nuclei of type ${t} to paste`);
  const byImage = new Map<string, Donor[]>();
  for (const t of types) {
    const list = donors.get(t)!;
    for (let i = 0; i < k; i++) {
      const name = original.names[rng.int(original.names.length)];
      byImage.set(name, [...(byImage.get(name) ?? []), list[rng.int(list.length)]]);
    }
  }
  let failed = 0;
  const records: RandomPasteRecord[] = [];
  const source: SampleSource = {
    classes: original.classes,
    names: original.names,
    read: async (name: string): Promise<Sample> => {
      const s = await original.read(name);
      const crops = byImage.get(name);
      if (crops === undefined) return s;
      const image = cloneRaster(s.image);
      const inst = cloneRaster(s.labels.inst);
      const typeOf = new Map<number, number>();
      s.labels.ids.forEach((id, i) => typeOf.set(id, s.labels.types[i]));
      let next = s.labels.ids.length === 0 ? 1 : s.labels.ids[s.labels.ids.length - 1] + 1;
      const place = createRng(seed).fork(name);
      for (const donor of crops) {
        const crop = donor.crop;
        let tries = 0;
        let x0 = 0;
        let y0 = 0;
        do {
          x0 = place.int(image.width - crop.width + 1);
          y0 = place.int(image.height - crop.height + 1);
        } while (!fitsFree(inst, crop, x0, y0) && ++tries < PLACE_TRIES);
        if (tries >= PLACE_TRIES) {
          failed++;
          continue;
        }
        pasteCrop(image, inst, crop, x0, y0, next);
        records.push({ rareType: donor.type, target: { image: name, kind: 'random', x: x0 + donor.cx, y: y0 + donor.cy }, donor: { image: donor.image, id: donor.id, type: donor.type } });
        typeOf.set(next++, donor.type);
      }
      return editedSample(s, image, labelsFromMap(inst, (id) => typeOf.get(id)!));
    },
  };
  return { source, insertions: () => records, failed: () => failed };
}
