import { NucleiMixError } from '../core/errors.ts';
import { dilate4, indexOfId } from '../core/labels.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import type { Sample } from '../io/dataset.ts';
import { statsOf } from './sample-stats.ts';

/** How a donor nucleus is transformed before it is pasted (see `InsertionDonor`). */
export interface DonorTransform {
  flipH: boolean;
  flipV: boolean;
  /** Degrees, counter-clockwise as seen on screen, applied after the flips. */
  rotation: number;
}

/**
 * A donor nucleus cut out of its image and transformed, ready to paste.
 *
 * All rasters share the crop's size w×h (`rgb.width` × `rgb.height`), row-major. The crop is
 * the bounding box of the transformed r1 grown by {@link DONOR_PAD} px on each side, so the
 * transition layers r2 and r3 that the renderer grows from r1 fit inside it too, and beyond
 * them the donor's own background that its edge is measured against (`donor-edge.ts`: 3–6 px
 * from r0); nothing of r1 is ever cut off.
 */
export interface DonorCut {
  /** The donor's image name and instance id, as in the manifest. */
  image: string;
  id: number;
  transform: DonorTransform;
  /** The transformed donor pixels, w×h×3 uint8. Only the pixels inside `r1` are pasted. */
  rgb: RgbImage;
  /** r0, the nucleus: w×h uint8, 1 inside. */
  r0: Uint8Array;
  /**
   * r1: the nucleus plus its own one-pixel 4-connected contour taken from its original image,
   * transformed together with it: w×h uint8, 1 inside, a superset of `r0`.
   */
  r1: Uint8Array;
  /** The centroid of `r0` (mean pixel coordinates) within the crop, in pixels. */
  cx: number;
  cy: number;
  /** Pixel count of `r0`. */
  area: number;
}

/** Where instance `id` lies in `sample` and its pixel count, from the sample's instance statistics (computed once per sample). */
function statsBox(sample: Sample, id: number): { x0: number; y0: number; x1: number; y1: number; area: number } {
  const stats = statsOf(sample);
  const i = indexOfId(stats, id);
  if (i < 0) return { x0: 0, y0: 0, x1: 0, y1: 0, area: -1 };
  const b = stats.bboxes;
  return { x0: b[4 * i], y0: b[4 * i + 1], x1: b[4 * i + 2], y1: b[4 * i + 3], area: stats.areas[i] };
}

/** The inclusive bounding box, coordinate sums and pixel count of `id` within [x0, x1) × [y0, y1) of a map `W` wide. */
function scanBox(inst: Int32Array, W: number, id: number, x0: number, y0: number, x1: number, y1: number) {
  let bx0 = x1;
  let by0 = y1;
  let bx1 = -1;
  let by1 = -1;
  let sumX = 0;
  let sumY = 0;
  let area = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * W;
    for (let x = x0; x < x1; x++) {
      if (inst[row + x] !== id) continue;
      if (x < bx0) bx0 = x;
      if (x > bx1) bx1 = x;
      if (y < by0) by0 = y;
      by1 = y;
      sumX += x;
      sumY += y;
      area++;
    }
  }
  return { bx0, by0, bx1, by1, sumX, sumY, area };
}

/** Margin in pixels between the transformed r1's bounding box and the crop's edge: 5 past r1 holds everything within 6 px of r0. */
export const DONOR_PAD = 5;

/**
 * Cuts instance `id` of `sample` with its one-pixel contour r1, flips it (`flipH` mirrors
 * left–right, `flipV` top–bottom), then rotates it by `transform.rotation` degrees
 * counter-clockwise. Masks are resampled nearest-neighbour, the RGB bilinearly (edge pixels
 * repeated where a sample falls outside the image).
 *
 * The transform turns about the donor's centroid. Since the donor is later placed by its
 * centroid, the centre of rotation matters only up to where the pixel grid falls; the grid is
 * anchored at the pixel nearest the centroid, so flips and multiples of 90° are exact pixel
 * permutations (a flip applied twice, or four quarter turns, give back the input exactly).
 */
export function cutDonor(sample: Sample, id: number, transform: DonorTransform): DonorCut {
  const { image, labels } = sample;
  const { width: W, height: H } = image;
  const where = `donor ${sample.name}#${id}`;
  if (!Number.isInteger(id) || id <= 0 || indexOfId(labels, id) < 0) {
    throw new NucleiMixError(`${where}: image ${sample.name} has no instance ${id}`);
  }
  if (!Number.isFinite(transform.rotation)) {
    throw new NucleiMixError(`${where}: rotation must be a finite number of degrees, got ${transform.rotation}`);
  }

  // r0 and r1 in a window of the source image: the nucleus's bounding box grown by 1 for r1,
  // clipped to the image (dilate4 treats the outside as outside, like the image border).
  const inst = labels.inst.data;
  const known = statsBox(sample, id);
  let found = scanBox(inst, W, id, known.x0, known.y0, known.x1, known.y1);
  // 600 donors from 27 images: each cut scans its box, not the whole image. A sample edited in
  // place since its statistics were taken (never done; see statsOf) cannot pass this check.
  if (found.area !== known.area) found = scanBox(inst, W, id, 0, 0, W, H);
  const { bx0, by0, bx1, by1, sumX, sumY, area } = found;
  const sx0 = Math.max(0, bx0 - 1);
  const sy0 = Math.max(0, by0 - 1);
  const sw = Math.min(W - 1, bx1 + 1) - sx0 + 1;
  const sh = Math.min(H - 1, by1 + 1) - sy0 + 1;
  const src0 = new Uint8Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) if (inst[(sy0 + y) * W + sx0 + x] === id) src0[y * sw + x] = 1;
  }
  const src1 = dilate4(src0, sw, sh);

  // Forward map about the anchor a (integer): q = a + R·S·(p − a), S the flips, R the
  // counter-clockwise rotation in image axes (y down): R = [[c, s], [−s, c]].
  const ax = Math.round(sumX / area);
  const ay = Math.round(sumY / area);
  const [c, s] = cosSin(transform.rotation);
  const fx = transform.flipH ? -1 : 1;
  const fy = transform.flipV ? -1 : 1;
  const forward = (px: number, py: number): [number, number] => {
    const dx = fx * (px - ax);
    const dy = fy * (py - ay);
    return [ax + c * dx + s * dy, ay - s * dx + c * dy];
  };

  // Where r1 lands: the bounding box of its transformed pixel centres. Nearest-neighbour
  // sampling can move an edge by less than one pixel (at most √2/2), hence the 1-px slack.
  let qx0 = Infinity;
  let qy0 = Infinity;
  let qx1 = -Infinity;
  let qy1 = -Infinity;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      if (!src1[y * sw + x]) continue;
      const [qx, qy] = forward(sx0 + x, sy0 + y);
      qx0 = Math.min(qx0, qx);
      qy0 = Math.min(qy0, qy);
      qx1 = Math.max(qx1, qx);
      qy1 = Math.max(qy1, qy);
    }
  }
  const gx0 = Math.floor(qx0) - 1;
  const gy0 = Math.floor(qy0) - 1;
  const gw = Math.ceil(qx1) + 1 - gx0 + 1;
  const gh = Math.ceil(qy1) + 1 - gy0 + 1;

  // Inverse-map every pixel of that grid: p = a + S·Rᵀ·(q − a).
  const g0 = new Uint8Array(gw * gh);
  const g1 = new Uint8Array(gw * gh);
  const srcX = new Float64Array(gw * gh);
  const srcY = new Float64Array(gw * gh);
  let tx0 = gw;
  let ty0 = gh;
  let tx1 = -1;
  let ty1 = -1;
  for (let v = 0; v < gh; v++) {
    for (let u = 0; u < gw; u++) {
      const dx = gx0 + u - ax;
      const dy = gy0 + v - ay;
      const px = snap(ax + fx * (c * dx - s * dy));
      const py = snap(ay + fy * (s * dx + c * dy));
      const o = v * gw + u;
      srcX[o] = px;
      srcY[o] = py;
      const nx = Math.round(px) - sx0;
      const ny = Math.round(py) - sy0;
      if (nx < 0 || ny < 0 || nx >= sw || ny >= sh || !src1[ny * sw + nx]) continue;
      g1[o] = 1;
      if (src0[ny * sw + nx]) g0[o] = 1;
      if (u < tx0) tx0 = u;
      if (u > tx1) tx1 = u;
      if (v < ty0) ty0 = v;
      ty1 = v;
    }
  }

  // The crop: the transformed r1's bounding box plus DONOR_PAD on each side.
  const ox = tx0 - DONOR_PAD;
  const oy = ty0 - DONOR_PAD;
  const w = tx1 - tx0 + 1 + 2 * DONOR_PAD;
  const h = ty1 - ty0 + 1 + 2 * DONOR_PAD;
  const r0 = new Uint8Array(w * h);
  const r1 = new Uint8Array(w * h);
  const rgb = createImage(w, h);
  let newArea = 0;
  let cxSum = 0;
  let cySum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = ox + x;
      const v = oy + y;
      const p = y * w + x;
      let px: number;
      let py: number;
      if (u >= 0 && v >= 0 && u < gw && v < gh) {
        const o = v * gw + u;
        r0[p] = g0[o];
        r1[p] = g1[o];
        px = srcX[o];
        py = srcY[o];
      } else {
        const dx = gx0 + u - ax;
        const dy = gy0 + v - ay;
        px = snap(ax + fx * (c * dx - s * dy));
        py = snap(ay + fy * (s * dx + c * dy));
      }
      if (r0[p]) {
        newArea++;
        cxSum += x;
        cySum += y;
      }
      bilinear(image, px, py, rgb.data, 3 * p);
    }
  }
  if (newArea === 0) {
    throw new NucleiMixError(`${where}: the nucleus (${area} px) vanishes when rotated by ${transform.rotation}°; it is too small to rotate`);
  }
  return { image: sample.name, id, transform: { ...transform }, rgb, r0, r1, cx: cxSum / newArea, cy: cySum / newArea, area: newArea };
}

/** cos and sin of an angle in degrees, exact for multiples of 90° (so quarter turns are exact). */
function cosSin(degrees: number): [number, number] {
  const d = ((degrees % 360) + 360) % 360;
  if (d === 0) return [1, 0];
  if (d === 90) return [0, 1];
  if (d === 180) return [-1, 0];
  if (d === 270) return [0, -1];
  const r = (d * Math.PI) / 180;
  return [Math.cos(r), Math.sin(r)];
}

/** Rounds away float noise so that a source position meant to be a pixel centre is one. */
function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 ? r : v;
}

/** Bilinear sample of `img` at (x, y), edge pixels repeated outside; writes 3 bytes at `out[o]`. */
function bilinear(img: RgbImage, x: number, y: number, out: Uint8Array, o: number): void {
  const { width: W, height: H, data } = img;
  const cx = Math.min(Math.max(x, 0), W - 1);
  const cy = Math.min(Math.max(y, 0), H - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, W - 1);
  const y1 = Math.min(y0 + 1, H - 1);
  const wx = cx - x0;
  const wy = cy - y0;
  const i00 = 3 * (y0 * W + x0);
  const i01 = 3 * (y0 * W + x1);
  const i10 = 3 * (y1 * W + x0);
  const i11 = 3 * (y1 * W + x1);
  for (let k = 0; k < 3; k++) {
    const top = data[i00 + k] + wx * (data[i01 + k] - data[i00 + k]);
    const bottom = data[i10 + k] + wx * (data[i11 + k] - data[i10 + k]);
    out[o + k] = Math.round(top + wy * (bottom - top));
  }
}
