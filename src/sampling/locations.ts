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
  /** Pixels the test box is grown by on each side for the tissue test: the r3 ring and 1 px of rounding, as `editBox` in plan.ts. */
  tissueRing: number;
  /**
   * Share of that grown box that must be tissue (see {@link tissueShare}). Not all of it: on the
   * shared real sets, requiring every pixel also dropped pale stroma crossed by hairline
   * cracks; 95 % still keeps every box off glass and lumen edges (see the note of issue 13).
   */
  minTissue: number;
  /** Green-channel optical density −log10((G+1)/256), averaged over a pixel's neighbourhood, a tissue pixel needs. */
  minTissueOd: number;
  /**
   * Radius (px) of that square neighbourhood. 2 (5×5): on the shared real sets 1 still dropped
   * half the points in loose stroma for its hairline gaps, and 4 let MoNuSeg's 8–10 px vacuoles
   * into boxes.
   */
  tissueRadius: number;
}

export const DEFAULT_BACKGROUND: BackgroundOptions = { pixelsPerPoint: 2000, minEmpty: 0.8, tissueRing: 4, minTissue: 0.95, minTissueOd: 0.065, tissueRadius: 2 };

/** A nucleus of one image: where it is and its geometry, whatever role it plays in a run. */
export type ImageNucleus = Omit<Location, 'kind'> & Required<Pick<Location, 'id' | 'type' | 'area' | 'orientation' | 'radius'>>;

/** Every nucleus of one image with its geometry, in id order. */
export function imageNuclei(image: string, labels: Labels): ImageNucleus[] {
  const shapes = instanceShapes(labels.inst);
  const out: ImageNucleus[] = [];
  for (let i = 0; i < shapes.ids.length; i++) {
    const id = shapes.ids[i];
    // instanceShapes and labels both list ids ascending
    if (labels.ids[i] !== id) throw new Error(`labels of ${image} are out of order`);
    out.push({
      image,
      x: shapes.centroids[2 * i],
      y: shapes.centroids[2 * i + 1],
      id,
      type: labels.types[i],
      area: shapes.areas[i],
      orientation: shapes.orientation[i],
      radius: shapes.radius[i],
      bbox: [shapes.bboxes[4 * i], shapes.bboxes[4 * i + 1], shapes.bboxes[4 * i + 2], shapes.bboxes[4 * i + 3]],
    });
  }
  return out;
}

/** The rare and major locations among an image's `nuclei`, in their order. `majorTypes` undefined = every non-rare type. */
export function nucleusLocations(nuclei: readonly ImageNucleus[], rareTypes: readonly number[], majorTypes?: readonly number[]): Location[] {
  const out: Location[] = [];
  for (const n of nuclei) {
    const rare = rareTypes.includes(n.type);
    if (!rare && majorTypes !== undefined && !majorTypes.includes(n.type)) continue;
    out.push({ image: n.image, kind: rare ? 'rare' : 'major', x: n.x, y: n.y, id: n.id, type: n.type, area: n.area, orientation: n.orientation, radius: n.radius, bbox: n.bbox });
  }
  return out;
}

/** −log10((v + 1)/256) of each 8-bit level: the optical density of the green channel. */
const GREEN_OD = Float64Array.from({ length: 256 }, (_, v) => -Math.log10((v + 1) / 256));

/**
 * Share of the pixels of the box [x0, x1) × [y0, y1) (clipped to the image; 0 when nothing is
 * left) that are stained tissue: the mean green-channel optical density −log10((G+1)/256) of
 * the pixel's (2·radius + 1)² neighbourhood (clipped to the image) is at least `minOd`.
 *
 * Green, because both stains absorb it most (eosin peaks near 530 nm, haematoxylin near
 * 550–600) while glass, lumen and fat absorb little and evenly: on the shared real sets, glass
 * and lumen lie at green OD 0.04 (CoNSeP, RGB 246/231/245) to 0.05 (MoNuSeg, 231/228/231),
 * pale stroma at 0.08 and above (CoNSeP 235/210/235); the mean over R, G and B used before put
 * MoNuSeg's glass at 0.045, on the old threshold itself. The neighbourhood mean lets the
 * hairline gaps between the fibres of loose stroma count as the tissue they lie in, while
 * glass, lumens and fat, tens of pixels across, stay what they are.
 */
export function tissueShare(rgb: RgbImage, x0: number, y0: number, x1: number, y1: number, minOd: number, radius: number): number {
  const { width, height, data } = rgb;
  const bx0 = Math.max(0, x0);
  const by0 = Math.max(0, y0);
  const bx1 = Math.min(width, x1);
  const by1 = Math.min(height, y1);
  if (bx1 <= bx0 || by1 <= by0) return 0;
  // Column sums of the window rows, over the columns the windows reach; then sums along x.
  const cx0 = Math.max(0, bx0 - radius);
  const cx1 = Math.min(width, bx1 + radius);
  const cols = new Float64Array(cx1 - cx0);
  let tissue = 0;
  for (let y = by0; y < by1; y++) {
    const wy0 = Math.max(0, y - radius);
    const wy1 = Math.min(height - 1, y + radius);
    cols.fill(0);
    for (let yy = wy0; yy <= wy1; yy++) {
      const row = 3 * yy * width + 1;
      for (let x = cx0; x < cx1; x++) cols[x - cx0] += GREEN_OD[data[row + 3 * x]];
    }
    for (let x = bx0; x < bx1; x++) {
      const wx0 = Math.max(0, x - radius);
      const wx1 = Math.min(width - 1, x + radius);
      let sum = 0;
      for (let xx = wx0; xx <= wx1; xx++) sum += cols[xx - cx0];
      if (sum >= minOd * (wx1 - wx0 + 1) * (wy1 - wy0 + 1)) tissue++;
    }
  }
  return tissue / ((bx1 - bx0) * (by1 - by0));
}

/**
 * The nucleus whose centroid is nearest to a point, found through a grid of centroids (an
 * 8000² image has ~50,000 nuclei and ~30,000 background points): the same answer as scanning
 * every nucleus in index order and keeping the first strict minimum.
 */
export class NearestCentroid {
  private readonly cell = 32;
  private readonly cols: number;
  private readonly rows: number;
  /** Nucleus indices by cell, ascending within each cell: cellStart[c] .. cellStart[c + 1] − 1 of `order`. */
  private readonly cellStart: Int32Array;
  private readonly order: Int32Array;

  constructor(private readonly centroids: Float64Array, count: number, width: number, height: number) {
    this.cols = Math.max(1, Math.ceil(width / this.cell));
    this.rows = Math.max(1, Math.ceil(height / this.cell));
    const cellOf = new Int32Array(count);
    const counts = new Int32Array(this.cols * this.rows + 1);
    for (let i = 0; i < count; i++) {
      const cx = Math.min(this.cols - 1, Math.max(0, Math.floor(centroids[2 * i] / this.cell)));
      const cy = Math.min(this.rows - 1, Math.max(0, Math.floor(centroids[2 * i + 1] / this.cell)));
      cellOf[i] = cy * this.cols + cx;
      counts[cellOf[i] + 1]++;
    }
    for (let c = 0; c < this.cols * this.rows; c++) counts[c + 1] += counts[c];
    this.cellStart = counts.slice();
    this.order = new Int32Array(count);
    const fill = counts.slice(0, -1);
    for (let i = 0; i < count; i++) this.order[fill[cellOf[i]]++] = i;
  }

  /** Index of the nearest centroid to (x, y), the lowest index among equally near ones; −1 when there is none. */
  nearest(x: number, y: number): number {
    if (this.order.length === 0) return -1;
    const pcx = Math.min(this.cols - 1, Math.max(0, Math.floor(x / this.cell)));
    const pcy = Math.min(this.rows - 1, Math.max(0, Math.floor(y / this.cell)));
    let best = Infinity;
    let bestIndex = -1;
    const maxRing = Math.max(this.cols, this.rows);
    for (let k = 0; k <= maxRing; k++) {
      // Every centroid in ring k lies at least (k − 1) cells away (the point is inside its own
      // cell, and centroids beyond the grid were clamped onto its edge cells, which are nearer).
      const reach = Math.max(0, (k - 1) * this.cell);
      if (reach * reach > best) break;
      for (let cy = pcy - k; cy <= pcy + k; cy++) {
        if (cy < 0 || cy >= this.rows) continue;
        const edge = cy === pcy - k || cy === pcy + k;
        for (let cx = pcx - k; cx <= pcx + k; cx += edge ? 1 : 2 * k) {
          if (cx >= 0 && cx < this.cols) {
            const c = cy * this.cols + cx;
            for (let j = this.cellStart[c]; j < this.cellStart[c + 1]; j++) {
              const i = this.order[j];
              const d2 = (this.centroids[2 * i] - x) ** 2 + (this.centroids[2 * i + 1] - y) ** 2;
              if (d2 < best || (d2 === best && i < bestIndex)) {
                best = d2;
                bestIndex = i;
              }
            }
          }
          if (k === 0) break;
        }
      }
    }
    return bestIndex;
  }
}

/**
 * Background locations of one image (official procedure plus a tissue test): floor(W·H /
 * pixelsPerPoint) uniform random points; each is tested with a box the size of the nearest
 * nucleus's bounding box (at least 3×3) centred on it, kept when the box lies inside the
 * image, ≥ `minEmpty` of it is unlabelled, and ≥ `minTissue` of it grown by `tissueRing` px —
 * the pixels a pasted nucleus and its inpainted ring will occupy — is stained tissue
 * ({@link tissueShare}), so that a paste neither lands on glass, lumen or fat nor straddles their
 * edge.
 */
export function backgroundLocations(image: string, rgb: RgbImage, labels: Labels, rng: Rng, options: BackgroundOptions = DEFAULT_BACKGROUND): Location[] {
  const { width, height } = rgb;
  const inst = labels.inst.data;
  const shapes = instanceShapes(labels.inst);
  const nearest = new NearestCentroid(shapes.centroids, shapes.ids.length, width, height);
  const n = Math.floor((width * height) / options.pixelsPerPoint);
  const ring = options.tissueRing;
  const out: Location[] = [];
  for (let k = 0; k < n; k++) {
    const x = rng.int(width);
    const y = rng.int(height);
    if (inst[y * width + x] !== 0) continue;
    let bw = 3;
    let bh = 3;
    const i = nearest.nearest(x, y);
    if (i >= 0) {
      bw = Math.max(3, shapes.bboxes[4 * i + 2] - shapes.bboxes[4 * i]);
      bh = Math.max(3, shapes.bboxes[4 * i + 3] - shapes.bboxes[4 * i + 1]);
    }
    const x0 = x - Math.floor(bw / 2);
    const y0 = y - Math.floor(bh / 2);
    // A box must fit in the image to qualify.
    if (x0 < 0 || y0 < 0 || x0 + bw > width || y0 + bh > height) continue;
    let labelled = 0;
    for (let yy = y0; yy < y0 + bh; yy++) for (let xx = x0; xx < x0 + bw; xx++) if (inst[yy * width + xx] !== 0) labelled++;
    if (bw * bh - labelled < options.minEmpty * bw * bh) continue;
    if (tissueShare(rgb, x0 - ring, y0 - ring, x0 + bw + ring, y0 + bh + ring, options.minTissueOd, options.tissueRadius) < options.minTissue) continue;
    out.push({ image, kind: 'background', x, y, bbox: [x0, y0, x0 + bw, y0 + bh] });
  }
  return out;
}
