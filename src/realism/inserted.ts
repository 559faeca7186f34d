/**
 * Which nuclei of an augmented image were inserted: the positives of the realism test.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import type { InstanceStats, Labels } from '../core/labels.ts';

/** What the realism test needs of a manifest's insertion record (see src/augment/manifest.ts). */
export interface InsertionPoint {
  image: string;
  /** Where the new nucleus's centre went, pixels. */
  x: number;
  y: number;
  rareType: number;
  /** The real nucleus copied (image, id as read), when the manifest says. */
  donor?: { image: string; id: number };
}

/** The insertions of `augmented/manifest.json`, or undefined when the folder has none. */
export async function readInsertionPoints(augmented: string): Promise<InsertionPoint[] | undefined> {
  const file = join(augmented, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new NucleiMixError(`not valid JSON (${(err as Error).message})`, file);
  }
  const insertions = (json as { insertions?: unknown }).insertions;
  if (!Array.isArray(insertions)) throw new NucleiMixError('has no insertions[] list', file);
  return insertions.map((r: unknown, i) => {
    const rec = r as { rareType?: unknown; target?: { image?: unknown; x?: unknown; y?: unknown }; donor?: { image?: unknown; id?: unknown } };
    const t = rec?.target;
    if (typeof t?.image !== 'string' || typeof t.x !== 'number' || typeof t.y !== 'number' || typeof rec.rareType !== 'number') {
      throw new NucleiMixError(`insertion ${i} lacks target.image, target.x, target.y or rareType`, file);
    }
    const point: InsertionPoint = { image: t.image, x: t.x, y: t.y, rareType: rec.rareType };
    if (typeof rec.donor?.image === 'string' && typeof rec.donor.id === 'number') point.donor = { image: rec.donor.image, id: rec.donor.id };
    return point;
  });
}

/**
 * Whether instance `id` of `augmented` (of type `type`) is real rather than inserted: either
 * it is, pixel for pixel, an instance of `original`, or an original instance of the same
 * type holds at least half of its pixels — a real nucleus clipped by a paste beside it (as
 * CutMix's boxes clip their neighbours) is damaged, not inserted.
 *
 * @param areas the original's pixel count per id
 * @param originalType the original's type per id
 */
export function isRealInstance(original: Labels, augmented: Labels, id: number, box: ArrayLike<number>, area: number, areas: Map<number, number>, originalType: Map<number, number>, type: number): boolean {
  const w = augmented.inst.width;
  const overlap = new Map<number, number>();
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      const p = y * w + x;
      if (augmented.inst.data[p] !== id) continue;
      const o = original.inst.data[p];
      if (o !== 0) overlap.set(o, (overlap.get(o) ?? 0) + 1);
    }
  }
  for (const [o, n] of overlap) {
    if (n === area && areas.get(o) === area) return true;
    if (originalType.get(o) === type && 2 * n >= area) return true;
  }
  return false;
}

/** Pixel count of every instance, by id. */
export function areasById(stats: InstanceStats): Map<number, number> {
  const m = new Map<number, number>();
  stats.ids.forEach((id, i) => m.set(id, stats.areas[i]));
  return m;
}

/** How far from an insertion's recorded centre its nucleus is looked for (px): a concave nucleus's centroid can fall outside it. */
export const SEARCH_RADIUS = 3;

/**
 * The inserted instances of type `type` in one augmented image.
 *
 * With `points` (from the manifest): the new instance of that type at each insertion's centre
 * (or the nearest one within {@link SEARCH_RADIUS} px); a point where none is found (a later
 * insertion covered it) or whose nucleus another point already claimed counts as missed.
 * Without: every instance of that type that is not real ({@link isRealInstance}); a CutMix
 * fragment of a neighbour carried in a box counts as inserted. Either way a nucleus mostly
 * on a real one of its own type counts as real.
 *
 * @returns instance ids of `augmented`, ascending, each with its insertion point (manifest
 *   only), and the number of points missed
 */
export function insertedInstances(original: Labels, augmented: Labels, augStats: InstanceStats, origAreas: Map<number, number>, type: number, points?: readonly InsertionPoint[]): { found: { id: number; point?: InsertionPoint }[]; missed: number } {
  const index = new Map<number, number>();
  augStats.ids.forEach((id, i) => index.set(id, i));
  const typeOf = new Map<number, number>();
  augmented.ids.forEach((id, i) => typeOf.set(id, augmented.types[i]));
  const originalType = new Map<number, number>();
  original.ids.forEach((id, i) => originalType.set(id, original.types[i]));
  const memo = new Map<number, boolean>();
  const isNew = (id: number): boolean => {
    let v = memo.get(id);
    if (v === undefined) {
      const i = index.get(id)!;
      v = typeOf.get(id) === type && !isRealInstance(original, augmented, id, augStats.bboxes.subarray(4 * i, 4 * i + 4), augStats.areas[i], origAreas, originalType, type);
      memo.set(id, v);
    }
    return v;
  };
  if (points === undefined) return { found: Array.from(augStats.ids).filter(isNew).map((id) => ({ id })), missed: 0 };
  const { width: w, height: h, data } = augmented.inst;
  const found = new Map<number, InsertionPoint>();
  let missed = 0;
  for (const pt of points) {
    if (pt.rareType !== type) continue;
    const cx = Math.round(pt.x);
    const cy = Math.round(pt.y);
    let best = 0;
    let bestD = Infinity;
    for (let dy = -SEARCH_RADIUS; dy <= SEARCH_RADIUS; dy++) {
      for (let dx = -SEARCH_RADIUS; dx <= SEARCH_RADIUS; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        const d = dx * dx + dy * dy;
        if (x < 0 || y < 0 || x >= w || y >= h || d > SEARCH_RADIUS * SEARCH_RADIUS || d >= bestD) continue;
        const id = data[y * w + x];
        if (id !== 0 && isNew(id)) {
          best = id;
          bestD = d;
        }
      }
    }
    if (best === 0 || found.has(best)) missed++;
    else found.set(best, pt);
  }
  return { found: [...found].sort((a, b) => a[0] - b[0]).map(([id, point]) => ({ id, point })), missed };
}
