/**
 * Checks a finished augmented dataset (a merge's, or any `render`/`augment` output) against
 * the manifest.json beside it: the output reads as a dataset of the manifest's format; every
 * insertion is there (an instance of the donor's type centred where the manifest put it);
 * labels are consistent (ids unique, types in the class list, centroids the mean of their
 * pixels); per-type counts equal stats.json's; previews exist for every edited image; and,
 * when the input dataset is at hand, its files still match the manifest's hashes, the output
 * has the same images of the same sizes, and every image the manifest leaves alone is the
 * input's, pixel for pixel and label for label.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { instanceStats } from '../core/labels.ts';
import type { InstanceMap } from '../core/raster.ts';
import type { Dataset } from '../io/dataset.ts';
import { datasetFileHashes } from '../io/file-hashes.ts';
import { openDataset } from '../io/open.ts';
import { pathExists } from '../io/path-exists.ts';
import { methodOptions } from '../augment/driver.ts';
import { readManifest } from '../augment/manifest-file.ts';
import type { AnyManifest } from '../augment/manifest.ts';
import { methodByName } from '../augment/methods.ts';
import { countTypes } from '../augment/render-loop.ts';
import type { AugmentStats } from '../augment/stats.ts';

/**
 * How far (px) the nearest pixel of an inserted nucleus may lie from where the manifest put its
 * centre. Its pixels, not its centroid: a nucleus a neighbour's edit cut, or whose stray piece
 * was trimmed (stats.json's `trimmed`), keeps its larger piece, whose centroid can move 6 px
 * on CoNSeP while its pixels still cover the spot.
 */
export const CENTRE_TOLERANCE = 4;
/** Largest difference (px) between a stored centroid and the mean of its instance's pixels. */
const CENTROID_SLACK = 0.51;

export interface VerifyReport {
  dir: string;
  manifest: AnyManifest;
  images: number;
  insertions: number;
  /** What was checked, one line each. */
  checked: string[];
  /** What is wrong, one line each, naming the image or file (empty: the output is sound). */
  problems: string[];
}

export interface VerifyOptions {
  /** The input dataset, opened as the manifest was planned (undefined: the input checks are skipped). */
  input?: Dataset;
  /** At most this many problems are listed (default 50). */
  maxProblems?: number;
}

/**
 * Verifies the output folder `dir`.
 *
 * @throws NucleiMixError when `dir` has no readable manifest.json or stats.json, or does not
 *   read as a dataset; everything else found wrong is listed in the report's `problems`.
 */
export async function verifyOutput(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const manifest = await readManifest(join(dir, 'manifest.json'));
  let stats: AugmentStats;
  try {
    stats = JSON.parse(await readFile(join(dir, 'stats.json'), 'utf8')) as AugmentStats;
  } catch (err) {
    throw new NucleiMixError(`cannot read stats.json (${(err as Error).message})`, dir);
  }
  const output = await openDataset(dir, { format: manifest.dataset.format });
  const max = options.maxProblems ?? 50;
  const problems: string[] = [];
  const problem = (p: string): void => {
    if (problems.length < max) problems.push(p);
    else if (problems.length === max) problems.push('… (more problems not listed)');
  };
  const checked: string[] = [];
  const m = methodByName(manifest.method);
  const everyImage = m.rendersEveryImage?.(methodOptions(m, manifest)) ?? false;

  for (const key of ['method', 'seed', 'k'] as const) {
    if (stats[key] !== manifest[key]) problem(`stats.json: ${key} is ${JSON.stringify(stats[key])} but the manifest's is ${JSON.stringify(manifest[key])}`);
  }
  const inserted = Object.values(stats.inserted ?? {}).reduce((a, b) => a + b, 0);
  if (inserted !== manifest.insertions.length) problem(`stats.json: ${inserted} insertions, the manifest has ${manifest.insertions.length}`);
  checked.push('stats.json agrees with the manifest (method, seed, k, insertions)');

  const names = new Set(output.names);
  const byImage = new Map<string, AnyManifest['insertions']>();
  for (const ins of manifest.insertions) {
    for (const image of [ins.target.image, ins.donor.image]) if (!names.has(image)) problem(`insertion #${ins.index}: image '${image}' is not in the output`);
    const list = byImage.get(ins.target.image) ?? [];
    list.push(ins);
    byImage.set(ins.target.image, list);
  }

  const classIds = new Set(output.classes.map((c) => c.id));
  const after: Record<number, number> = {};
  for (const name of output.names) {
    const s = await output.read(name);
    const { ids, types, centroids, inst } = s.labels;
    for (const [t, n] of Object.entries(countTypes(s))) after[+t] = (after[+t] ?? 0) + n;
    const st = instanceStats(inst);
    if (st.ids.length !== ids.length || st.ids.some((id, i) => id !== ids[i])) problem(`${name}: the labels' ids are not the instances in the map`);
    else {
      for (let i = 0; i < ids.length; i++) {
        if (!classIds.has(types[i])) problem(`${name}: instance ${ids[i]} has type ${types[i]}, not in the class list`);
        const d = Math.hypot(centroids[2 * i] - st.centroids[2 * i], centroids[2 * i + 1] - st.centroids[2 * i + 1]);
        if (!(d <= CENTROID_SLACK)) problem(`${name}: instance ${ids[i]}'s centroid is ${d.toFixed(2)} px from the mean of its pixels`);
      }
    }
    const typeOf = new Map<number, number>();
    ids.forEach((id, i) => typeOf.set(id, types[i]));
    for (const ins of byImage.get(name) ?? []) {
      const { x, y } = ins.target;
      if (!nearType(inst, typeOf, x, y, ins.donor.type)) {
        problem(`${name}: insertion #${ins.index} (a type ${ins.donor.type} nucleus at ${x.toFixed(1)}, ${y.toFixed(1)}) is not there: no instance of that type within ${CENTRE_TOLERANCE} px`);
      }
    }
  }
  checked.push(`every insertion is present (an instance of the donor's type within ${CENTRE_TOLERANCE} px of where its centre went)`);
  checked.push('labels are consistent (ids, types in the class list, centroids)');
  const statsAfter = stats.counts?.after ?? {};
  for (const t of new Set([...Object.keys(after), ...Object.keys(statsAfter)].map(Number))) {
    if ((after[t] ?? 0) !== (statsAfter[t] ?? 0)) problem(`type ${t}: the output has ${after[t] ?? 0} nuclei, stats.json says ${statsAfter[t] ?? 0}`);
  }
  checked.push('per-type counts equal stats.json\'s');

  if (await pathExists(join(dir, 'preview'))) {
    for (const name of byImage.keys()) if (!(await pathExists(join(dir, 'preview', `${name}.png`)))) problem(`preview/${name}.png is missing (image '${name}' has insertions)`);
    if (manifest.insertions.length > 0 && !(await pathExists(join(dir, 'preview', 'before-after.png')))) problem('preview/before-after.png is missing');
    checked.push('a preview for every edited image');
  }

  const input = options.input;
  if (input !== undefined) {
    const now = await datasetFileHashes(input.root);
    const changed = Object.keys(manifest.inputs).filter((rel) => now[rel] !== manifest.inputs[rel]);
    const extra = Object.keys(now).filter((rel) => manifest.inputs[rel] === undefined);
    if (changed.length > 0 || extra.length > 0) problem(`the input ${input.root} is not the data the manifest was planned on (${[...changed, ...extra].slice(0, 3).join(', ')} differ)`);
    if (input.names.length !== output.names.length || input.names.some((n, i) => n !== output.names[i])) problem(`the output has ${output.names.length} images, the input ${input.names.length}, or other names`);
    const before: Record<number, number> = {};
    for (const name of input.names) {
      if (!names.has(name)) continue;
      const a = await input.read(name);
      const b = await output.read(name);
      for (const [t, n] of Object.entries(countTypes(a))) before[+t] = (before[+t] ?? 0) + n;
      if (a.image.width !== b.image.width || a.image.height !== b.image.height) {
        problem(`${name}: the output is ${b.image.width}×${b.image.height}, the input ${a.image.width}×${a.image.height}`);
        continue;
      }
      if (byImage.has(name) || everyImage) continue;
      if (!sameBytes(a.image.data, b.image.data)) problem(`${name}: no insertion, but its pixels differ from the input's`);
      if (!sameBytes(a.labels.inst.data, b.labels.inst.data) || !sameBytes(a.labels.types, b.labels.types)) problem(`${name}: no insertion, but its labels differ from the input's`);
    }
    const statsBefore = stats.counts?.before ?? {};
    for (const t of new Set([...Object.keys(before), ...Object.keys(statsBefore)].map(Number))) {
      if ((before[t] ?? 0) !== (statsBefore[t] ?? 0)) problem(`type ${t}: the input has ${before[t] ?? 0} nuclei, stats.json says ${statsBefore[t] ?? 0} before`);
    }
    checked.push('the input matches the manifest\'s hashes; same images and sizes; images without insertions equal the input\'s');
  }
  return { dir, manifest, images: output.names.length, insertions: manifest.insertions.length, checked, problems };
}

/** True when a pixel of an instance of type `type` lies within {@link CENTRE_TOLERANCE} px of (x, y). */
function nearType(inst: InstanceMap, typeOf: Map<number, number>, x: number, y: number, type: number): boolean {
  const r = CENTRE_TOLERANCE;
  const { width: W, height: H, data } = inst;
  for (let py = Math.max(0, Math.floor(y - r)); py <= Math.min(H - 1, Math.ceil(y + r)); py++) {
    for (let px = Math.max(0, Math.floor(x - r)); px <= Math.min(W - 1, Math.ceil(x + r)); px++) {
      const id = data[py * W + px];
      if (id !== 0 && typeOf.get(id) === type && Math.hypot(px - x, py - y) <= r) return true;
    }
  }
  return false;
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

