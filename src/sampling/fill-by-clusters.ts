/**
 * Inpainting of a whole-image mask cluster by cluster, on bounded crops: what the context
 * features' nucleus-free image needs on images of any size (a single OpenCV call on a
 * 4000×4000 image runs its WebAssembly heap out of memory, issue 13).
 *
 * Why a cluster's fill is the whole-image fill, to the byte: Telea's method (Telea 2004,
 * OpenCV's `inpaint.cpp`) computes each unknown pixel from known or already-filled pixels
 * within the radius r and their 1-px gradients, and its distance field outside the hole comes
 * from a fast march confined to the hole dilated by an r-px square. Unknown pixels more than
 * 2r + 1 px apart (Chebyshev) therefore never read each other, directly or through that march,
 * and OpenCV's priority queue breaks ties first in, first out, so the order in which one
 * cluster's pixels are filled does not change when other clusters are left out. Each cluster
 * gets the window the classical engine itself would take around it (src/inpaint/classical.ts
 * `windowSpan`: r + 2 px of margin, and at the image border, reflect-101 padding deep enough to
 * hold the cluster's mirror image), so it sees what it saw in the whole image. A test checks
 * the equality.
 *
 * A cluster whose window would exceed `maxCropPixels` — a chain of nuclei across a dense
 * image, whose mirror-image padding at the border triples each side — is filled in tiles
 * instead: the cluster's box is cut into equal cores, each filled in a window of the core
 * plus `tileOverlap` px (reflect-padded past the image border by that much only) and written
 * back over its core alone. The fill then equals the whole-image one except where a chain of
 * holes, each within 2r + 1 px of the next, carries a difference across the overlap (none on
 * CoNSeP's training images: see the note of issue 13).
 */
import { cropReflect, reflectIndex } from '../core/crop.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import { DEFAULT_INPAINT_RADIUS } from '../inpaint/classical.ts';
import type { InpaintEngine, InpaintJob } from '../inpaint/engine.ts';
import { holeClusters, type HoleCluster } from './hole-clusters.ts';

export interface ClusterFillOptions {
  /** Largest window (pixels) one job may have; larger clusters are tiled. Default 2048². */
  maxCropPixels?: number;
  /** Context (px) a tile keeps on each side of the core it writes back. Default 64. */
  tileOverlap?: number;
}

const DEFAULT_MAX_CROP = 2048 * 2048;
const DEFAULT_OVERLAP = 64;
/** Pixels of windows gathered before the engine is called: bounds memory, not the result. */
const BATCH_PIXELS = 1 << 22;

type Box = [number, number, number, number];

/** A window to fill (image pixels, may reach past the border) and the part of it written back. */
interface Piece {
  window: Box;
  core: Box;
  cluster: HoleCluster;
  /** Clear the mask within this many px of the window's edges (tiles: so the engine never pads again). */
  clearEdge: number;
}

/**
 * `image` (H×W×3) with every non-zero pixel of `mask` (H×W) filled by `engine`, one cluster
 * of unknown pixels at a time; the known pixels keep their bytes. The engine must take crops
 * of any size (`input.kind` `any`, the classical engines); its `settings.radius` (default 3)
 * sets how far apart clusters must lie.
 */
export async function fillByClusters(engine: InpaintEngine, image: RgbImage, mask: Uint8Array, options: ClusterFillOptions = {}): Promise<RgbImage> {
  if (engine.input.kind !== 'any') throw new Error(`fillByClusters needs an engine that takes crops of any size; ${engine.name} takes ${engine.input.size}² tiles`);
  const { width, height } = image;
  const radius = typeof engine.settings.radius === 'number' ? engine.settings.radius : DEFAULT_INPAINT_RADIUS;
  const maxCrop = options.maxCropPixels ?? DEFAULT_MAX_CROP;
  const overlap = options.tileOverlap ?? DEFAULT_OVERLAP;
  const margin = radius + 2;
  // 2r + 1 suffices (see above); one pixel more is slack against an off-by-one in that reading.
  const clusters = holeClusters(mask, width, height, 2 * radius + 2);
  const out = createImage(width, height, image.data.slice());

  let batch: Piece[] = [];
  let batchPixels = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const filled = await engine.inpaint(batch.map((piece) => jobOf(image, piece)));
    batch.forEach((piece, i) => writeBack(out, piece, filled[i]));
    batch = [];
    batchPixels = 0;
  };
  const add = async (piece: Piece): Promise<void> => {
    batch.push(piece);
    batchPixels += area(piece.window);
    if (batch.length >= engine.maxBatch || batchPixels >= BATCH_PIXELS) await flush();
  };

  for (const cluster of clusters) {
    const [bx0, by0, bx1, by1] = cluster.bbox;
    const [wx0, wx1] = windowSpan(bx0, bx1, width, margin);
    const [wy0, wy1] = windowSpan(by0, by1, height, margin);
    const exact: Box = [wx0, wy0, wx1, wy1];
    if (area(exact) <= maxCrop) {
      await add({ window: exact, core: cluster.bbox, cluster, clearEdge: 0 });
      continue;
    }
    const side = Math.max(16, Math.floor(Math.sqrt(maxCrop)) - 2 * overlap);
    const nx = Math.ceil((bx1 - bx0) / side);
    const ny = Math.ceil((by1 - by0) / side);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const core: Box = [bx0 + Math.floor(((bx1 - bx0) * i) / nx), by0 + Math.floor(((by1 - by0) * j) / ny), bx0 + Math.floor(((bx1 - bx0) * (i + 1)) / nx), by0 + Math.floor(((by1 - by0) * (j + 1)) / ny)];
        if (!touches(cluster, core)) continue;
        await add({ window: [core[0] - overlap, core[1] - overlap, core[2] + overlap, core[3] + overlap], core, cluster, clearEdge: margin });
      }
    }
  }
  await flush();
  return out;
}

/**
 * `windowSpan` of src/inpaint/classical.ts, repeated so that the cluster's job already is the
 * window the engine would take (and it takes it whole): [lo − margin, hi + margin), extended
 * past an image edge far enough to hold the span's mirror image plus the margin.
 */
function windowSpan(lo: number, hi: number, n: number, margin: number): [number, number] {
  let start = lo - margin;
  let end = hi + margin;
  if (start < 0) start = Math.min(start, -(hi - 1) - margin);
  if (end > n) end = Math.max(end, 2 * (n - 1) - lo + 1 + margin);
  return [start, end];
}

function area(b: Box): number {
  return (b[2] - b[0]) * (b[3] - b[1]);
}

/** Whether any pixel of the cluster lies in the box. */
function touches(cluster: HoleCluster, [x0, y0, x1, y1]: Box): boolean {
  const r = cluster.runs;
  for (let i = 0; i < r.length; i += 3) if (r[i] >= y0 && r[i] < y1 && r[i + 1] < x1 && r[i + 2] > x0) return true;
  return false;
}

/** The window of the image (reflect-padded) and, as the mask, the cluster's pixels (and their mirror images) in it. */
function jobOf(image: RgbImage, { window: [x0, y0, x1, y1], cluster, clearEdge }: Piece): InpaintJob {
  const { width: W, height: H } = image;
  const w = x1 - x0;
  const h = y1 - y0;
  // The cluster as a mask over its own box, then looked up through the same reflection as the pixels.
  const [bx0, by0, bx1, by1] = cluster.bbox;
  const bw = bx1 - bx0;
  const local = new Uint8Array(bw * (by1 - by0));
  const r = cluster.runs;
  for (let i = 0; i < r.length; i += 3) local.fill(1, (r[i] - by0) * bw + r[i + 1] - bx0, (r[i] - by0) * bw + r[i + 2] - bx0);
  const xs = new Int32Array(w);
  for (let x = 0; x < w; x++) xs[x] = reflectIndex(x0 + x, W) - bx0;
  const mask = new Uint8Array(w * h);
  for (let y = clearEdge; y < h - clearEdge; y++) {
    const ly = reflectIndex(y0 + y, H) - by0;
    if (ly < 0 || ly >= by1 - by0) continue;
    const row = ly * bw;
    for (let x = clearEdge; x < w - clearEdge; x++) {
      const lx = xs[x];
      if (lx >= 0 && lx < bw && local[row + lx]) mask[y * w + x] = 1;
    }
  }
  return { image: cropReflect(image, x0, y0, w, h) as RgbImage, mask };
}

/** Copies the filled pixels of the cluster that lie in the piece's core from `filled` into `out`. */
function writeBack(out: RgbImage, { window, core: [cx0, cy0, cx1, cy1], cluster }: Piece, filled: RgbImage): void {
  const W = out.width;
  const w = window[2] - window[0];
  const r = cluster.runs;
  for (let i = 0; i < r.length; i += 3) {
    const y = r[i];
    if (y < cy0 || y >= cy1) continue;
    const a = Math.max(cx0, r[i + 1]);
    const b = Math.min(cx1, r[i + 2]);
    if (a >= b) continue;
    const from = 3 * ((y - window[1]) * w + a - window[0]);
    out.data.set(filled.data.subarray(from, from + 3 * (b - a)), 3 * (y * W + a));
  }
}
