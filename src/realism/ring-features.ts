/**
 * What the realism test sees of a nucleus: statistics in 1-px rings of signed distance from
 * its boundary, from 3 px inside to 8 px outside, and their changes from ring to ring. Only
 * what an insertion can spoil — the seam where pasted pixels meet the target, and the
 * context around it. The interior beyond 3 px is left out on purpose: an inserted nucleus is a
 * copy of a real donor, and a copy and its donor would otherwise be near-duplicates with
 * opposite labels, split across folds.
 */
import type { RgbImage, InstanceMap } from '../core/raster.ts';
import { instanceSignedDistance } from './signed-distance.ts';

/** The rings, innermost first: ring −k holds the nucleus's pixels at distance (k−1, k] from the outside; ring +k the pixels outside at distance (k−1, k] from it. */
export const RINGS: readonly number[] = [-3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8];

/** The statistics of each ring, in feature order. OD: optical density −log₁₀((v + 1) / 256) of R, G, B. */
export const RING_STATS: readonly string[] = ['od_r.mean', 'od_g.mean', 'od_b.mean', 'od_r.sd', 'od_g.sd', 'od_b.sd', 'grad.mean', 'lap.mean', 'lap.abs'];

const INSIDE = 3;
const OUTSIDE = 8;
const S = RING_STATS.length;

function ringName(r: number): string {
  return `ring${r > 0 ? '+' : ''}${r}`;
}

/**
 * Feature names in column order: first every ring's statistics (`ring-3.od_r.mean` …
 * `ring+8.lap.abs`), then the change of each statistic from one ring to the next one out
 * (`ring+1-ring-1.od_r.mean`: ring +1's value minus ring −1's).
 */
export const FEATURE_NAMES: readonly string[] = [
  ...RINGS.flatMap((r) => RING_STATS.map((s) => `${ringName(r)}.${s}`)),
  ...RINGS.slice(1).flatMap((r, i) => RING_STATS.map((s) => `${ringName(r)}-${ringName(RINGS[i])}.${s}`)),
];

/** The rings each column is computed from. */
const COLUMN_RINGS: readonly (readonly number[])[] = [
  ...RINGS.flatMap((r) => RING_STATS.map(() => [r])),
  ...RINGS.slice(1).flatMap((r, i) => RING_STATS.map(() => [RINGS[i], r])),
];

/** The columns computed only from rings in [lo, hi]. */
function columnsWithin(lo: number, hi: number): number[] {
  const out: number[] = [];
  COLUMN_RINGS.forEach((rings, c) => {
    if (rings.every((r) => r >= lo && r <= hi)) out.push(c);
  });
  return out;
}

/**
 * Column subsets the test reports apart. `seam`: rings +1..+3 and the changes between them;
 * `context`: rings +4..+8 and the changes between them. The changes that straddle a group's
 * edge (ring −1 → +1 across the boundary, +3 → +4) belong to neither and count only overall.
 */
export const FEATURE_GROUPS: Readonly<Record<'seam' | 'context', readonly number[]>> = {
  seam: columnsWithin(1, 3),
  context: columnsWithin(4, OUTSIDE),
};

/** Per-pixel maps of one image that ring statistics average. Each H×W (×3 for `od`) float32, row-major. */
export interface RingMaps {
  width: number;
  height: number;
  /** H×W×3 optical density per channel. */
  od: Float32Array;
  /** H×W Sobel gradient magnitude of the grey level (R + G + B) / 3, divided by 8: grey levels per pixel (a ramp of slope a gives a). */
  grad: Float32Array;
  /** H×W 4-neighbour Laplacian of the grey level (grey levels per pixel²). */
  lap: Float32Array;
}

/** The maps of an image, edges replicated beyond the border. */
export function ringMaps(image: RgbImage): RingMaps {
  const { width: w, height: h, data } = image;
  const n = w * h;
  const od = new Float32Array(3 * n);
  const grey = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    grey[p] = (data[3 * p] + data[3 * p + 1] + data[3 * p + 2]) / 3;
    for (let c = 0; c < 3; c++) od[3 * p + c] = -Math.log10((data[3 * p + c] + 1) / 256);
  }
  const grad = new Float32Array(n);
  const lap = new Float32Array(n);
  const at = (x: number, y: number): number => grey[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      grad[y * w + x] = Math.sqrt(gx * gx + gy * gy) / 8;
      lap[y * w + x] = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
    }
  }
  return { width: w, height: h, od, grad, lap };
}

/**
 * The ring features of instance `id`: FEATURE_NAMES.length values, NaN for a ring with no
 * pixels (and for the changes that use it).
 *
 * Outside rings keep only background pixels (id 0): a neighbouring nucleus is not context
 * the insertion made, and keeping it would make the features measure how crowded the spot
 * is. Distances are measured within the image; pixels beyond its border are in no ring.
 *
 * @param bbox the instance's box [x0, y0, x1, y1), x1 and y1 exclusive
 */
export function ringFeatures(maps: RingMaps, inst: InstanceMap, id: number, bbox: ArrayLike<number>): Float64Array {
  const { width: w } = maps;
  const { x0, y0, width: cw, height: ch, sd } = instanceSignedDistance(inst, id, bbox, OUTSIDE + 1);
  // Per ring: count, then per statistic a sum (and for OD a sum of squares).
  const count = new Float64Array(RINGS.length);
  const sum = new Float64Array(RINGS.length * S);
  const sumSq = new Float64Array(RINGS.length * 3);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const d = sd[y * cw + x];
      const p = (y0 + y) * w + x0 + x;
      let ring: number;
      if (d < 0) {
        const k = Math.ceil(-d);
        if (k > INSIDE) continue;
        ring = INSIDE - k; // −3 → 0, −1 → 2
      } else {
        const k = Math.ceil(d);
        if (k > OUTSIDE || inst.data[p] !== 0) continue;
        ring = INSIDE + k - 1; // +1 → 3
      }
      count[ring]++;
      const b = ring * S;
      for (let c = 0; c < 3; c++) {
        const v = maps.od[3 * p + c];
        sum[b + c] += v;
        sumSq[ring * 3 + c] += v * v;
      }
      sum[b + 6] += maps.grad[p];
      sum[b + 7] += maps.lap[p];
      sum[b + 8] += Math.abs(maps.lap[p]);
    }
  }
  const out = new Float64Array(FEATURE_NAMES.length);
  for (let r = 0; r < RINGS.length; r++) {
    const n = count[r];
    const b = r * S;
    for (let c = 0; c < 3; c++) {
      const mean = sum[b + c] / n;
      out[b + c] = mean;
      out[b + 3 + c] = Math.sqrt(Math.max(0, sumSq[r * 3 + c] / n - mean * mean));
    }
    for (let s = 6; s < S; s++) out[b + s] = sum[b + s] / n; // NaN when n = 0
  }
  const base = RINGS.length * S;
  for (let r = 1; r < RINGS.length; r++) {
    for (let s = 0; s < S; s++) out[base + (r - 1) * S + s] = out[r * S + s] - out[(r - 1) * S + s];
  }
  return out;
}
