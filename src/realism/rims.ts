/**
 * Two rim statistics of the background just outside a nucleus, in grey levels
 * g = (R + G + B) / 3 of the 8-bit image: what an insertion's seam looks like at 4× beside a
 * real nucleus's. Rings are cut by the exact signed distance d from the nucleus (as in
 * ring-features.ts): ring +k holds the background pixels (id 0) outside it with d in (k−1, k],
 * so ring +1 is exactly the pixels 4-adjacent to the nucleus — the donor's pasted contour r1 \ r0
 * of NucleiMix (Wang & Kwak 2024, §3.2) — and rings +2..+3 are about its transition zone.
 * Pixels of other nuclei are in no ring, and rings are clipped to the image.
 *
 * - Bright rim: a ring +1 pixel is *bright* when g − median(g over rings +4..+8) > 15. The rate
 *   is pooled over pixels: Σ bright / Σ ring +1 pixels of a set of nuclei.
 * - Dark halo: a nucleus has a *dark halo* when median(g over rings +2..+3) −
 *   median(g over rings +5..+8) < −15. The rate is the share of nuclei (those with both rings
 *   non-empty) that have one.
 */
import { instanceStats } from '../core/labels.ts';
import type { InstanceMap, RgbImage } from '../core/raster.ts';
import type { SampleSource } from '../io/dataset.ts';
import { areasById, insertedInstances, type InsertionPoint } from './inserted.ts';
import { instanceSignedDistance } from './signed-distance.ts';

/** Grey levels (0–255 scale) a pixel or ring must differ by to count as bright or dark. */
export const RIM_THRESHOLD = 15;

/** One nucleus's rim measurements. */
export interface Rim {
  /** Background pixels in ring +1. */
  ring1: number;
  /** Of those, how many are more than {@link RIM_THRESHOLD} brighter than the median of rings +4..+8 (0 when those are empty). */
  bright: number;
  /** Median grey of rings +2..+3 minus median grey of rings +5..+8; NaN when either is empty. */
  halo: number;
  /** Median grey of ring +1, rings +2..+3, +4..+8 and +5..+8 (NaN for an empty one). */
  medians: { ring1: number; near: number; ref: number; far: number };
}

/** The rates of a set of nuclei. */
export interface RimRates {
  nuclei: number;
  /** Σ bright / Σ ring1 (NaN for no ring pixels). */
  bright: number;
  /** Share of nuclei with a finite halo below −{@link RIM_THRESHOLD} (NaN for none). */
  dark: number;
  /** Nuclei with a finite halo. */
  haloNuclei: number;
}

const OUTSIDE = 8;

/**
 * The rim of instance `id` of `inst` in `image` (same W×H).
 *
 * @param bbox the instance's box [x0, y0, x1, y1), x1 and y1 exclusive
 */
export function rimOf(image: RgbImage, inst: InstanceMap, id: number, bbox: ArrayLike<number>): Rim {
  const { width: w, data } = image;
  const { x0, y0, width: cw, height: ch, sd } = instanceSignedDistance(inst, id, bbox, OUTSIDE + 1);
  const ring1: number[] = [];
  const near: number[] = []; // rings +2..+3
  const ref: number[] = []; // rings +4..+8
  const far: number[] = []; // rings +5..+8
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const d = sd[y * cw + x];
      if (!(d > 0)) continue;
      const k = Math.ceil(d);
      const p = (y0 + y) * w + x0 + x;
      if (k > OUTSIDE || inst.data[p] !== 0) continue;
      const g = (data[3 * p] + data[3 * p + 1] + data[3 * p + 2]) / 3;
      if (k === 1) ring1.push(g);
      else if (k <= 3) near.push(g);
      if (k >= 4) ref.push(g);
      if (k >= 5) far.push(g);
    }
  }
  const medians = { ring1: median(ring1), near: median(near), ref: median(ref), far: median(far) };
  let bright = 0;
  if (ref.length > 0) for (const g of ring1) if (g - medians.ref > RIM_THRESHOLD) bright++;
  return { ring1: ring1.length, bright, halo: medians.near - medians.far, medians };
}

/** The pooled rates of `rims`. */
export function rimRates(rims: readonly Rim[]): RimRates {
  let px = 0;
  let bright = 0;
  let withHalo = 0;
  let dark = 0;
  for (const r of rims) {
    px += r.ring1;
    bright += r.bright;
    if (Number.isFinite(r.halo)) {
      withHalo++;
      if (r.halo < -RIM_THRESHOLD) dark++;
    }
  }
  return { nuclei: rims.length, bright: px > 0 ? bright / px : NaN, dark: withHalo > 0 ? dark / withHalo : NaN, haloNuclei: withHalo };
}

/** The rims of one type's nuclei in an augmented dataset, inserted apart from real. */
export interface DatasetRims {
  type: number;
  /** Inserted nuclei of the type (found as the realism test finds them: {@link insertedInstances}). */
  inserted: Rim[];
  /** The original's nuclei of the type. */
  real: Rim[];
}

/**
 * Rims of the inserted nuclei of `type` in `augmented` and of the real ones in `original`
 * (same image names and sizes). With `points` (a manifest's insertions) the inserted nuclei
 * are those at the insertion points; without, every nucleus of the type that is not one of
 * the original's.
 */
export async function datasetRims(original: SampleSource, augmented: SampleSource, type: number, points?: readonly InsertionPoint[]): Promise<DatasetRims> {
  const inserted: Rim[] = [];
  const real: Rim[] = [];
  for (const name of original.names) {
    const o = await original.read(name);
    const a = await augmented.read(name);
    const oStats = instanceStats(o.labels.inst);
    const aStats = instanceStats(a.labels.inst);
    const here = points?.filter((p) => p.image === name);
    const { found } = insertedInstances(o.labels, a.labels, aStats, areasById(oStats), type, here);
    const slot = new Map<number, number>();
    aStats.ids.forEach((id, i) => slot.set(id, i));
    for (const { id } of found) {
      const i = slot.get(id)!;
      inserted.push(rimOf(a.image, a.labels.inst, id, aStats.bboxes.subarray(4 * i, 4 * i + 4)));
    }
    const typeOf = new Map<number, number>();
    o.labels.ids.forEach((id, i) => typeOf.set(id, o.labels.types[i]));
    oStats.ids.forEach((id, i) => {
      if (typeOf.get(id) === type) real.push(rimOf(o.image, o.labels.inst, id, oStats.bboxes.subarray(4 * i, 4 * i + 4)));
    });
  }
  return { type, inserted, real };
}

/** Median of a list (mean of the middle two for an even count; NaN when empty); sorts `v` in place. */
function median(v: number[]): number {
  v.sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
