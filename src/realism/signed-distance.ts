/**
 * Exact Euclidean signed distance of a binary mask, the coordinate the realism rings are cut
 * along.
 */
import type { InstanceMap } from '../core/raster.ts';

const INF = 1e20;

/**
 * Squared distance from each of n samples to the nearest site (f = 0 at sites, INF
 * elsewhere), in place of `d`: the lower envelope of parabolas of Felzenszwalb & Huttenlocher,
 * "Distance transforms of sampled functions" (Theory of Computing 8, 2012), O(n).
 */
function edt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}

/**
 * Squared Euclidean distance from each pixel centre to the nearest pixel where `site(p)`
 * holds (0 on sites; ≥ 1e20 when there is none).
 *
 * @returns H×W float64, row-major
 */
export function squaredDistanceTo(site: (p: number) => boolean, width: number, height: number): Float64Array {
  const m = Math.max(width, height);
  const f = new Float64Array(m);
  const d = new Float64Array(m);
  const v = new Int32Array(m);
  const z = new Float64Array(m + 1);
  const out = new Float64Array(width * height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = site(y * width + x) ? 0 : INF;
    edt1d(f, height, d, v, z);
    for (let y = 0; y < height; y++) out[y * width + x] = d[y];
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = out[row + x];
    edt1d(f, width, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = d[x];
  }
  return out;
}

/**
 * Signed distance of a mask: outside, the distance from the pixel centre to the nearest
 * inside pixel centre (> 0); inside, minus the distance to the nearest outside pixel centre
 * (< 0). A pixel 4-adjacent to the other side is at ±1, a diagonal one at ±√2. Pixels beyond
 * the raster count as neither side, so a mask that fills the raster has −Infinity inside.
 *
 * @param mask H×W, non-zero inside
 * @returns H×W float64, row-major
 */
export function signedDistance(mask: ArrayLike<number>, width: number, height: number): Float64Array {
  const toInside = squaredDistanceTo((p) => mask[p] !== 0, width, height);
  const toOutside = squaredDistanceTo((p) => mask[p] === 0, width, height);
  const out = new Float64Array(width * height);
  for (let p = 0; p < out.length; p++) {
    if (mask[p] !== 0) out[p] = toOutside[p] >= INF ? -Infinity : -Math.sqrt(toOutside[p]);
    else out[p] = toInside[p] >= INF ? Infinity : Math.sqrt(toInside[p]);
  }
  return out;
}

/** The signed distance of one instance over a window of the image around it. */
export interface InstanceDistance {
  /** The window's top-left corner, in image pixels. */
  x0: number;
  y0: number;
  /** The window's size (px). */
  width: number;
  height: number;
  /** height×width float64, row-major: {@link signedDistance} of the instance's pixels within the window. */
  sd: Float64Array;
}

/**
 * {@link signedDistance} of instance `id` of `inst` over its box grown by `margin` px on each
 * side and clipped to the map: distances are measured within the image, so pixels beyond its
 * border are on neither side.
 *
 * @param bbox the instance's box [x0, y0, x1, y1), x1 and y1 exclusive
 */
export function instanceSignedDistance(inst: InstanceMap, id: number, bbox: ArrayLike<number>, margin: number): InstanceDistance {
  const { width: w, height: h, data } = inst;
  const x0 = Math.max(0, bbox[0] - margin);
  const y0 = Math.max(0, bbox[1] - margin);
  const cw = Math.min(w, bbox[2] + margin) - x0;
  const ch = Math.min(h, bbox[3] + margin) - y0;
  const mask = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) mask[y * cw + x] = data[(y0 + y) * w + x0 + x] === id ? 1 : 0;
  return { x0, y0, width: cw, height: ch, sd: signedDistance(mask, cw, ch) };
}
