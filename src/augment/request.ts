/**
 * What every method does with a request before its own work: check it, and start the
 * manifest from its settings.
 */
import { NucleiMixError } from '../core/errors.ts';
import type { AnyManifest, InsertionBase, ManifestOf } from './manifest.ts';
import type { AugmentRequest, MethodName } from './method.ts';
import { indexDataset, type DatasetIndex } from './nuclei-index.ts';

/**
 * Checks what every method needs of a request: rare types in the class list, k a whole
 * number, a sane margin.
 */
export function checkRequest(request: AugmentRequest): void {
  const { dataset, rareTypes, k, margin } = request;
  const classIds = dataset.classes.map((c) => c.id);
  if (rareTypes.length === 0) throw new NucleiMixError('name at least one rare type');
  for (const t of rareTypes) {
    if (!classIds.includes(t)) throw new NucleiMixError(`rare type ${t} is not in the class list (${dataset.classes.map((c) => `${c.id} ${c.name}`).join(', ')})`);
  }
  for (const t of request.majorTypes ?? []) {
    if (!classIds.includes(t)) throw new NucleiMixError(`major type ${t} is not in the class list`);
    if (rareTypes.includes(t)) throw new NucleiMixError(`type ${t} cannot be both rare and major`);
  }
  if (!Number.isInteger(k) || k < 0) throw new NucleiMixError(`k must be a non-negative integer, got ${k}`);
  if (!Number.isInteger(margin) || margin < 0) throw new NucleiMixError(`margin must be a non-negative integer, got ${margin}`);
  if (!Number.isInteger(request.seed) || request.seed < 0) throw new NucleiMixError(`seed must be a non-negative integer, got ${request.seed}`);
}

/** The manifest outline every baseline fills: the request's settings plus the method's options. */
export function baselineManifest<I extends InsertionBase>(method: MethodName, request: AugmentRequest, options: object, insertions: I[]): ManifestOf<I> {
  const { dataset, open } = request;
  return {
    version: 1,
    tool: 'nucleimix',
    method,
    dataset: { root: dataset.root, format: dataset.format },
    seed: request.seed,
    rareTypes: request.rareTypes,
    k: request.k,
    options: {
      margin: request.margin,
      ...(request.majorTypes !== undefined ? { majorTypes: request.majorTypes } : {}),
      ...options,
      ...(open.merge !== undefined ? { merge: open.merge } : {}),
      ...(open.classes !== undefined ? { classes: open.classes } : {}),
    },
    insertions,
  };
}

/** A warning for each rare type that fell short of k insertions. */
export function shortfallNotes(manifest: AnyManifest): string[] {
  const notes: string[] = [];
  for (const t of manifest.rareTypes) {
    const n = manifest.insertions.filter((ins) => ins.rareType === t).length;
    if (n < manifest.k) notes.push(`warning: type ${t}: only ${n} of ${manifest.k} insertions fit (candidates ran out)`);
  }
  return notes;
}

/** Insertions grouped by target image, in index order. */
export function groupByTarget<I extends InsertionBase>(insertions: readonly I[]): Map<string, I[]> {
  const byImage = new Map<string, I[]>();
  for (const ins of insertions) {
    const list = byImage.get(ins.target.image);
    if (list === undefined) byImage.set(ins.target.image, [ins]);
    else list.push(ins);
  }
  return byImage;
}

/** Indexes the request's dataset behind an `index` progress phase; returns the index and its time in seconds. */
export async function indexRequest(request: AugmentRequest): Promise<{ index: DatasetIndex; seconds: number }> {
  const t0 = performance.now();
  request.progress?.phase('index', request.dataset.names.length);
  const index = await indexDataset(request.dataset, (name) => request.progress?.tick(name));
  request.progress?.done();
  return { index, seconds: (performance.now() - t0) / 1000 };
}
