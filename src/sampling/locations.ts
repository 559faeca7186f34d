/**
 * Candidate locations: rare nuclei (donors and the density model's data), major
 * nuclei (copy-and-replace targets) and background points (copy-and-paste targets).
 */
import type { Labels } from '../core/labels.ts';
import type { RgbImage } from '../core/raster.ts';
import type { Rng } from '../core/rng.ts';
import { instanceShapes } from '../core/shape.ts';

export type LocationKind = 'rare' | 'major' | 'background';

/** A place in one image. Nucleus locations carry the nucleus's geometry. */
export interface Location {
  image: string;
  kind: LocationKind;
  /** Centre in pixels (x, y): the nucleus centroid, or the background point. */
  x: number;
  y: number;
  /** Nucleus id and type as read (nucleus locations only). */
  id?: number;
  type?: number;
  /** Nucleus geometry: pixel count, major-axis angle (radians), bounding radius about the centroid (px). */
  area?: number;
  orientation?: number;
  radius?: number;
  /** Bounding box x0, y0, x1, y1 (exclusive): the nucleus's, or the emptiness test box of a background point. */
  bbox: [number, number, number, number];
}

export interface BackgroundOptions {
  /** One random point per this many pixels (official: 2000, i.e. 500 points in 1000²). */
  pixelsPerPoint: number;
  /** Share of the test box that must be unlabelled (official: 0.8). */
  minEmpty: number;
  /** Mean optical density (averaged over R, G, B) a point's 15×15 neighbourhood needs to count as tissue. */
  minTissueOd: number;
}

export const DEFAULT_BACKGROUND: BackgroundOptions = { pixelsPerPoint: 2000, minEmpty: 0.8, minTissueOd: 0.045 };

/** Rare and major nucleus locations of one image, in id order. `majorTypes` undefined = every non-rare type. */
export function nucleusLocations(image: string, labels: Labels, rareTypes: readonly number[], majorTypes?: readonly number[]): Location[] {
  const shapes = instanceShapes(labels.inst);
  const out: Location[] = [];
  for (let i = 0; i < shapes.ids.length; i++) {
    const id = shapes.ids[i];
    const j = i; // instanceShapes and labels both list ids ascending
    if (labels.ids[j] !== id) throw new Error(`labels of ${image} are out of order`);
    const type = labels.types[j];
    const rare = rareTypes.includes(type);
    if (!rare && majorTypes !== undefined && !majorTypes.includes(type)) continue;
    out.push({
      image,
      kind: rare ? 'rare' : 'major',
      x: shapes.centroids[2 * i],
      y: shapes.centroids[2 * i + 1],
      id,
      type,
      area: shapes.areas[i],
      orientation: shapes.orientation[i],
      radius: shapes.radius[i],
      bbox: [shapes.bboxes[4 * i], shapes.bboxes[4 * i + 1], shapes.bboxes[4 * i + 2], shapes.bboxes[4 * i + 3]],
    });
  }
  return out;
}

/**
 * Mean optical density −log10((I+1)/256), averaged over the three channels, per pixel. Glass
 * and lumen are near white (OD ≈ 0.02–0.035 in CoNSeP); pale stroma averages 0.05–0.1, so a
 * 15×15 mean above 0.045 marks tissue.
 */
export function opticalDensity(image: RgbImage): Float32Array {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = -Math.log10((v + 1) / 256) / 3;
  const n = image.width * image.height;
  const out = new Float32Array(n);
  const d = image.data;
  for (let p = 0; p < n; p++) out[p] = lut[d[3 * p]] + lut[d[3 * p + 1]] + lut[d[3 * p + 2]];
  return out;
}

/** Summed-area table (H+1)×(W+1) of a plane, for O(1) box sums. */
export function integral(plane: ArrayLike<number>, width: number, height: number): Float64Array {
  const W = width + 1;
  const s = new Float64Array(W * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += plane[y * width + x];
      s[(y + 1) * W + x + 1] = s[y * W + x + 1] + row;
    }
  }
  return s;
}

/** Sum of the box [x0, x1) × [y0, y1) (clipped to the plane) from a summed-area table. */
export function boxSum(s: Float64Array, width: number, height: number, x0: number, y0: number, x1: number, y1: number): { sum: number; count: number } {
  const a = Math.max(0, x0);
  const b = Math.max(0, y0);
  const c = Math.min(width, x1);
  const d = Math.min(height, y1);
  if (c <= a || d <= b) return { sum: 0, count: 0 };
  const W = width + 1;
  return { sum: s[d * W + c] - s[b * W + c] - s[d * W + a] + s[b * W + a], count: (c - a) * (d - b) };
}

/**
 * Background locations of one image (official procedure plus a tissue test): floor(W·H /
 * pixelsPerPoint) uniform random points; each is tested with a box the size of the nearest
 * nucleus's bounding box (at least 3×3) centred on it, kept when ≥ `minEmpty` of the box is
 * unlabelled and the point lies on stained tissue, not glass or lumen (mean OD test).
 */
export function backgroundLocations(image: string, rgb: RgbImage, labels: Labels, rng: Rng, options: BackgroundOptions = DEFAULT_BACKGROUND): Location[] {
  const { width, height } = rgb;
  const inst = labels.inst.data;
  const labelled = integral(Uint8Array.from(inst, (v) => (v !== 0 ? 1 : 0)), width, height);
  const od = integral(opticalDensity(rgb), width, height);
  const shapes = instanceShapes(labels.inst);
  const n = Math.floor((width * height) / options.pixelsPerPoint);
  const out: Location[] = [];
  for (let k = 0; k < n; k++) {
    const x = rng.int(width);
    const y = rng.int(height);
    if (inst[y * width + x] !== 0) continue;
    let bw = 3;
    let bh = 3;
    let best = Infinity;
    for (let i = 0; i < shapes.ids.length; i++) {
      const d2 = (shapes.centroids[2 * i] - x) ** 2 + (shapes.centroids[2 * i + 1] - y) ** 2;
      if (d2 < best) {
        best = d2;
        bw = Math.max(3, shapes.bboxes[4 * i + 2] - shapes.bboxes[4 * i]);
        bh = Math.max(3, shapes.bboxes[4 * i + 3] - shapes.bboxes[4 * i + 1]);
      }
    }
    const x0 = x - Math.floor(bw / 2);
    const y0 = y - Math.floor(bh / 2);
    const box = boxSum(labelled, width, height, x0, y0, x0 + bw, y0 + bh);
    // Pixels of the box beyond the image count as not empty: a box must fit to qualify.
    if (bw * bh - box.sum < options.minEmpty * bw * bh || box.count < bw * bh) continue;
    const t = boxSum(od, width, height, x - 7, y - 7, x + 8, y + 8);
    if (t.sum / t.count < options.minTissueOd) continue;
    out.push({ image, kind: 'background', x, y, bbox: [x0, y0, x0 + bw, y0 + bh] });
  }
  return out;
}
