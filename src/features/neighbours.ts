/**
 * What the labels say about a location's surroundings: how many nuclei of each type live
 * around it, how close, how big, and how much of the patch they cover. Rare types are
 * often defined by their company (inflammatory cells come in clusters, "other" nuclei sit in
 * particular niches), so this part of the descriptor speaks most directly to "is this a place
 * where rare nuclei live" — and it costs one pass over the instance-map crop.
 *
 * Geometry: the patch centre is pixel (⌊W/2⌋, ⌊H/2⌋) (where `cropCentred` puts the location),
 * R = min(W, H)/2 is the patch radius (112 px for 224²), and three discs/rings around the
 * centre split "touching" from "nearby" from "far": r < R/4, R/4 ≤ r < R/2, R/2 ≤ r ≤ R
 * (28 / 56 / 112 px for 224²). Corners beyond R belong to no ring but count everywhere else.
 *
 * The location's own nucleus (`centreId`) is left out of everything: a major or rare
 * location's own nucleus would otherwise make it look different from a background location
 * with the same surroundings, and would leak the centre's type into its context.
 *
 * Counting: the crop is reflect-padded, so a nucleus near the image border may appear twice
 * (itself and its mirror image) with the same id; the viewer sees two nuclei and so do we.
 * Nuclei are counted as visible pieces: a horizontal run of an id's pixels that touches no
 * run of the same id in the row above starts a new piece. This is exact for row-convex
 * shapes (almost every nucleus) and needs no component labelling; a nucleus cut by the patch
 * edge counts as one piece with its visible area.
 */
import { check } from '../core/errors.ts';

/** Per-type values, in this order, for every type of the class list. */
const PER_TYPE = ['density', 'cover.r0', 'cover.r1', 'cover.r2', 'area', 'nearest'] as const;
/** Type-independent values after the per-type block. */
const OVERALL = ['density.all', 'cover.all'] as const;

/** Number of neighbour features for `typeCount` types. */
export function neighbourFeatureCount(typeCount: number): number {
  return PER_TYPE.length * typeCount + OVERALL.length;
}

/**
 * Names of the neighbour features for the class ids `types`, in output order:
 * per type t: `nb.t<t>.density` (pieces of type t per 10,000 px of patch),
 * `nb.t<t>.cover.r0|r1|r2` (share of each ring's pixels covered by type t),
 * `nb.t<t>.area` (mean visible piece area in px, 0 when none), `nb.t<t>.nearest` (px from the
 * centre to the nearest pixel of type t, R when none is within R); then `nb.density.all`,
 * `nb.cover.all` (every labelled pixel, any type, as a share of the patch).
 */
export function neighbourFeatureNames(types: readonly number[]): string[] {
  const names: string[] = [];
  for (const t of types) for (const f of PER_TYPE) names.push(`nb.t${t}.${f}`);
  for (const f of OVERALL) names.push(`nb.${f}`);
  return names;
}

interface RingGeometry {
  width: number;
  height: number;
  /** Per pixel: 0, 1, 2 = ring, 3 = outside the disc of radius R. */
  ring: Uint8Array;
  /** Pixels in each ring. */
  ringSize: Float64Array;
}

let geometry: RingGeometry | undefined;

function ringGeometry(width: number, height: number): RingGeometry {
  if (geometry !== undefined && geometry.width === width && geometry.height === height) return geometry;
  const cx = Math.floor(width / 2);
  const cy = Math.floor(height / 2);
  const radius = Math.min(width, height) / 2;
  const r0 = (radius / 4) ** 2;
  const r1 = (radius / 2) ** 2;
  const r2 = radius * radius;
  const ring = new Uint8Array(width * height);
  const ringSize = new Float64Array(4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d2 = (x - cx) ** 2 + (y - cy) ** 2;
      const k = d2 < r0 ? 0 : d2 < r1 ? 1 : d2 <= r2 ? 2 : 3;
      ring[y * width + x] = k;
      ringSize[k]++;
    }
  }
  geometry = { width, height, ring, ringSize };
  return geometry;
}

/**
 * Writes {@link neighbourFeatureCount}(types.length) values into `out` from `offset`.
 *
 * @param inst instance-map crop, H×W int32, 0 = background (reflect-padded like the image).
 * @param typeOf the type of an instance id (any id present in `inst`); types not in `types`
 *   count only in the `.all` features.
 * @param types the dataset's class ids, fixing the layout.
 * @param centreId the location's own nucleus (0 for a background location): ignored.
 */
export function neighbourFeatures(
  inst: Int32Array,
  width: number,
  height: number,
  typeOf: (id: number) => number,
  types: readonly number[],
  centreId = 0,
  out: Float64Array = new Float64Array(neighbourFeatureCount(types.length)),
  offset = 0,
): Float64Array {
  check(inst.length === width * height, undefined, `instance crop has ${inst.length} values, expected ${height}×${width}`);
  check(width >= 1 && height >= 1, undefined, 'empty instance crop');
  const T = types.length;
  const slotOfType = new Map<number, number>();
  types.forEach((t, i) => slotOfType.set(t, i));
  const slotOfId = new Map<number, number>();
  const slot = (id: number): number => {
    let s = slotOfId.get(id);
    if (s === undefined) {
      s = slotOfType.get(typeOf(id)) ?? -1;
      slotOfId.set(id, s);
    }
    return s;
  };

  const { ring, ringSize } = ringGeometry(width, height);
  const cx = Math.floor(width / 2);
  const cy = Math.floor(height / 2);
  const radius = Math.min(width, height) / 2;
  const pieces = new Float64Array(T);
  const pixels = new Float64Array(T);
  const cover = new Float64Array(4 * T);
  const nearest2 = new Float64Array(T).fill(Infinity);
  let piecesAll = 0;
  let pixelsAll = 0;

  for (let y = 0; y < height; y++) {
    const row = y * width;
    const dy2 = (y - cy) * (y - cy);
    let x = 0;
    while (x < width) {
      const id = inst[row + x];
      let x1 = x + 1;
      while (x1 < width && inst[row + x1] === id) x1++;
      // Run [x, x1) of one id.
      if (id !== 0 && id !== centreId) {
        let continues = false;
        if (y > 0) {
          const above = row - width;
          for (let k = x; k < x1; k++) {
            if (inst[above + k] === id) {
              continues = true;
              break;
            }
          }
        }
        const n = x1 - x;
        pixelsAll += n;
        if (!continues) piecesAll++;
        const s = slot(id);
        if (s >= 0) {
          if (!continues) pieces[s]++;
          pixels[s] += n;
          for (let p = row + x; p < row + x1; p++) cover[4 * s + ring[p]]++;
          const dx = cx < x ? x - cx : cx >= x1 ? cx - (x1 - 1) : 0;
          const d2 = dx * dx + dy2;
          if (d2 < nearest2[s]) nearest2[s] = d2;
        }
      }
      x = x1;
    }
  }

  const perArea = 1e4 / (width * height);
  let o = offset;
  for (let s = 0; s < T; s++) {
    out[o++] = pieces[s] * perArea;
    for (let k = 0; k < 3; k++) out[o++] = ringSize[k] > 0 ? cover[4 * s + k] / ringSize[k] : 0;
    out[o++] = pieces[s] > 0 ? pixels[s] / pieces[s] : 0;
    out[o++] = Math.min(radius, Math.sqrt(nearest2[s]));
  }
  out[o++] = piecesAll * perArea;
  out[o++] = pixelsAll / (width * height);
  return out;
}
