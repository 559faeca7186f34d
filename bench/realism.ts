/**
 * Calibration of `nucleimix realism` (issue 9), in two steps:
 *
 *   node --import tsx bench/realism.ts bad-paste <original> <out> [--type T] [--k N] [--seed S]
 *     writes the deliberately bad insertion: N real nuclei of type T (default 1, 300), each
 *     chosen uniformly from the whole dataset, pasted pixel for pixel (no blending) at a
 *     uniformly random place of a uniformly random image — on tissue or glass alike — where it
 *     covers no nucleus (up to 1000 tries each). Writes a minimal manifest.json (insertion
 *     centres and donors) so that `realism` keeps each copy in its donor's fold.
 *
 *   node --import tsx bench/realism.ts measure <original> <augmented>… [--seed S]
 *     runs the realism test on each augmented dataset and prints one table row per dataset
 *     and type, with the time it took.
 */
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { labelsFromMap, instanceStats } from '../src/core/labels.ts';
import { cloneRaster } from '../src/core/raster.ts';
import { createRng } from '../src/core/rng.ts';
import { editedSample, type Sample, type SampleSource } from '../src/io/dataset.ts';
import { formatByName } from '../src/io/formats.ts';
import { openDataset } from '../src/io/open.ts';
import { writeDataset } from '../src/io/write.ts';
import { readInsertionPoints } from '../src/realism/inserted.ts';
import { measureRealism } from '../src/realism/measure.ts';
import { cropNucleus, fitsFree, pasteCrop, type NucleusCrop } from '../src/realism/unblended-paste.ts';

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
}

async function badPaste(originalPath: string, out: string, type: number, k: number, seed: number): Promise<void> {
  const original = await openDataset(originalPath);
  const rng = createRng(seed);
  const donors: { crop: NucleusCrop; image: string; id: number; cx: number; cy: number }[] = [];
  for (const name of original.names) {
    const s = await original.read(name);
    const stats = instanceStats(s.labels.inst);
    const typeOf = new Map<number, number>();
    s.labels.ids.forEach((id, i) => typeOf.set(id, s.labels.types[i]));
    stats.ids.forEach((id, i) => {
      if (typeOf.get(id) !== type) return;
      const box = stats.bboxes.subarray(4 * i, 4 * i + 4);
      const crop = cropNucleus(s.image, s.labels.inst, id, box);
      donors.push({ crop, image: name, id, cx: stats.centroids[2 * i] - box[0], cy: stats.centroids[2 * i + 1] - box[1] });
    });
  }
  if (donors.length === 0) throw new Error(`no nuclei of type ${type} in ${originalPath}`);
  // Every draw is made up front, so the output does not depend on the order images are written.
  const byImage = new Map<string, (typeof donors)[number][]>();
  for (let i = 0; i < k; i++) {
    const name = original.names[rng.int(original.names.length)];
    byImage.set(name, [...(byImage.get(name) ?? []), donors[rng.int(donors.length)]]);
  }
  let failed = 0;
  const insertions: unknown[] = [];
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
        } while (!fitsFree(inst, crop, x0, y0) && ++tries < 1000);
        if (tries >= 1000) {
          failed++;
          continue;
        }
        pasteCrop(image, inst, crop, x0, y0, next);
        insertions.push({ rareType: type, target: { image: name, kind: 'random', x: x0 + donor.cx, y: y0 + donor.cy }, donor: { image: donor.image, id: donor.id, type } });
        typeOf.set(next++, type);
      }
      return editedSample(s, image, labelsFromMap(inst, (id) => typeOf.get(id)!));
    },
  };
  await writeDataset(out, formatByName(original.format)!, source, {
    inputs: [originalPath],
    extras: (tmp) => writeFile(join(tmp, 'manifest.json'), JSON.stringify({ tool: 'nucleimix bench/realism.ts', method: 'unblended-paste', seed, rareTypes: [type], k, insertions: insertions.map((r, index) => ({ index, ...(r as object) })) }, null, 1) + '\n'),
  });
  console.log(`wrote ${out}: ${k - failed} nuclei of type ${type} pasted unblended at random places (${failed} found no free place); seed ${seed}`);
}

async function measure(originalPath: string, augmented: string[], seed: number): Promise<void> {
  const original = await openDataset(originalPath);
  console.log('dataset\ttype\tAUC [95% CI]\tseam\tcontext\tnull\tinserted\treal\tsource\tseconds');
  const f = (e: { auc: number; ci: [number, number] }): string => `${e.auc.toFixed(4)} [${e.ci[0].toFixed(4)}, ${e.ci[1].toFixed(4)}]`;
  for (const path of augmented) {
    const t0 = performance.now();
    const r = await measureRealism(original, await openDataset(path), { points: await readInsertionPoints(path), seed });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    for (const t of r.types) console.log([basename(path), t.type, f(t.overall), f(t.seam), f(t.context), f(t.null), t.nInsertedUsed, t.nRealUsed, r.source, s].join('\t'));
  }
}

const args = process.argv.slice(2);
const seed = flag(args, '--seed', 0);
const [mode, ...rest] = args;
if (mode === 'bad-paste' && rest.length >= 2) {
  const type = flag(rest, '--type', 1);
  const k = flag(rest, '--k', 300);
  await badPaste(rest[0], rest[1], type, k, seed);
} else if (mode === 'measure' && rest.length >= 2) {
  await measure(rest[0], rest.slice(1), seed);
} else {
  console.error('usage: bench/realism.ts bad-paste <original> <out> [--type T] [--k N] [--seed S] | measure <original> <augmented>… [--seed S]');
  process.exit(1);
}
