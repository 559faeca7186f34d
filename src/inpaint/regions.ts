/**
 * The one adapter between edit regions and an engine's tiles (MONAI's
 * `sliding_window_inference`, TIAToolbox's IO config; see the project's design notes): it
 * crops each region of an image into a job the engine accepts (any size, or a fixed square
 * tile, reflect-padded or resized), and writes back only the region's unknown pixels from the
 * engine's result. Batching across images is the {@link InpaintBatcher}'s work.
 */
import { cropReflect } from '../core/crop.ts';
import { NucleiMixError } from '../core/errors.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import type { EngineInput, InpaintJob } from './engine.ts';

/** One region to fill. */
export interface Region {
  /** Bounding box x0, y0, x1, y1 (exclusive) of the region, in image pixels. */
  bbox: readonly [number, number, number, number];
  /** Its unknown pixels (indices y·W + x): only these are written back. */
  pixels: ArrayLike<number>;
  /** The job's seed (32-bit unsigned). */
  seed: number;
}

/**
 * An image being edited: `rgb` H×W×3 uint8 (written in place by {@link RegionJobs.apply}),
 * `unknown` H×W uint8 (non-zero = unknown: every crop masks every unknown pixel it sees, not
 * only its own region's, so no job takes a pixel that another job is filling as context),
 * `exclude` H×W uint8 (non-zero = known pixels an exemplar engine must not copy: nuclei).
 */
export interface EditedRgb {
  rgb: Uint8Array;
  width: number;
  height: number;
  unknown: Uint8Array;
  exclude?: Uint8Array;
}

/** The jobs of some regions of one image, and how their results go back. */
export interface RegionJobs {
  jobs: InpaintJob[];
  /** Writes each region's unknown pixels from `results` (one per job) into the image's `rgb`. */
  apply(results: readonly RgbImage[]): void;
}

/** How a region's crop is laid in the engine's input: the window in image pixels and its scale. */
interface Window {
  x0: number;
  y0: number;
  /** Window size in image pixels (a square for tile engines). */
  w: number;
  h: number;
  /** Job size (w×h for `any` engines, size² for tiles). */
  jw: number;
  jh: number;
}

/**
 * The jobs for `regions` of `image`. `contextMargin` is the known context around each region
 * in pixels. For an engine of input `any`, a job is the region's box grown by the margin and
 * clipped to the image. For a tile engine of size S, a job is the S×S window centred on the
 * region (reflect-padded where it leaves the image) when the region plus 8 px of context fits
 * in it (`pad`), and otherwise — or always, for `fit: 'resize'` — the square window of the
 * region plus the margin, resized to S×S (area-averaged; a pixel is unknown in the job when any
 * pixel it covers is unknown), its fill scaled back bilinearly.
 */
export function regionJobs(input: EngineInput, image: EditedRgb, regions: readonly Region[], contextMargin: number): RegionJobs {
  const { width: W, height: H } = image;
  const todo = regions.filter((r) => r.pixels.length > 0);
  const windows = todo.map((r) => windowOf(input, r, contextMargin, W, H));
  const jobs = todo.map((r, k) => jobOf(image, windows[k], r.seed));
  return {
    jobs,
    apply(results) {
      if (results.length !== jobs.length) throw new NucleiMixError(`the inpainting engine returned ${results.length} images for ${jobs.length} jobs`);
      todo.forEach((r, k) => writeBack(image, r, windows[k], results[k]));
    },
  };
}

/** Least context (px) kept on each side when a region is laid in a padded tile. */
const MIN_TILE_CONTEXT = 8;

function windowOf(input: EngineInput, r: Region, margin: number, W: number, H: number): Window {
  const [bx0, by0, bx1, by1] = r.bbox;
  if (input.kind === 'any') {
    const x0 = Math.max(0, bx0 - margin);
    const y0 = Math.max(0, by0 - margin);
    const x1 = Math.min(W, bx1 + margin);
    const y1 = Math.min(H, by1 + margin);
    return { x0, y0, w: x1 - x0, h: y1 - y0, jw: x1 - x0, jh: y1 - y0 };
  }
  const S = input.size;
  const side = Math.max(bx1 - bx0, by1 - by0);
  const L = input.fit === 'pad' && side + 2 * MIN_TILE_CONTEXT <= S ? S : Math.max(S, side + 2 * margin);
  const x0 = Math.floor((bx0 + bx1 - L) / 2);
  const y0 = Math.floor((by0 + by1 - L) / 2);
  return { x0, y0, w: L, h: L, jw: S, jh: S };
}

function jobOf(image: EditedRgb, win: Window, seed: number): InpaintJob {
  const { x0, y0, w, h, jw, jh } = win;
  const rgb = cropReflect({ width: image.width, height: image.height, channels: 3, data: image.rgb }, x0, y0, w, h).data as Uint8Array;
  const unknown = cropReflect({ width: image.width, height: image.height, channels: 1, data: image.unknown }, x0, y0, w, h).data as Uint8Array;
  const exclude = image.exclude && (cropReflect({ width: image.width, height: image.height, channels: 1, data: image.exclude }, x0, y0, w, h).data as Uint8Array);
  let job: InpaintJob;
  if (jw === w && jh === h) {
    job = { image: createImage(w, h, rgb), mask: unknown, seed, ...(exclude ? { exclude } : {}) };
  } else {
    job = { image: createImage(jw, jh, downscaleRgb(rgb, w, h, jw, jh)), mask: downscaleAny(unknown, w, h, jw, jh), seed, ...(exclude ? { exclude: downscaleAny(exclude, w, h, jw, jh) } : {}) };
  }
  for (let i = 0; i < job.mask.length; i++) {
    if (job.mask[i]) {
      job.mask[i] = 1;
      job.image.data.fill(0, 3 * i, 3 * i + 3);
    }
  }
  return job;
}

function writeBack(image: EditedRgb, r: Region, win: Window, res: RgbImage): void {
  const { width: W, rgb } = image;
  const { x0, y0, w, h, jw, jh } = win;
  if (res.width !== jw || res.height !== jh || res.data.length !== 3 * jw * jh) {
    throw new NucleiMixError(`the inpainting engine returned a ${res.width}×${res.height} image for a ${jw}×${jh} job`);
  }
  const scaled = jw !== w || jh !== h;
  for (let i = 0; i < r.pixels.length; i++) {
    const q = r.pixels[i];
    const x = (q % W) - x0;
    const y = Math.floor(q / W) - y0;
    if (!scaled) {
      const s = 3 * (y * w + x);
      rgb[3 * q] = res.data[s];
      rgb[3 * q + 1] = res.data[s + 1];
      rgb[3 * q + 2] = res.data[s + 2];
    } else {
      // Bilinear from the job's pixel centres back to the window's.
      const fx = Math.min(jw - 1, Math.max(0, ((x + 0.5) * jw) / w - 0.5));
      const fy = Math.min(jh - 1, Math.max(0, ((y + 0.5) * jh) / h - 0.5));
      const ix = Math.min(jw - 2, Math.floor(fx));
      const iy = Math.min(jh - 2, Math.floor(fy));
      const ax = jw === 1 ? 0 : fx - ix;
      const ay = jh === 1 ? 0 : fy - iy;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number): number => res.data[3 * (Math.max(0, yy) * jw + Math.max(0, xx)) + c];
        const v = (1 - ay) * ((1 - ax) * p(iy, ix) + ax * p(iy, ix + 1)) + ay * ((1 - ax) * p(iy + 1, ix) + ax * p(iy + 1, ix + 1));
        rgb[3 * q + c] = Math.round(v);
      }
    }
  }
}

/** Area-average of an H×W×3 image onto a jh×jw grid (each output pixel: the mean of the input pixels whose centres fall in it). */
function downscaleRgb(src: Uint8Array, w: number, h: number, jw: number, jh: number): Uint8Array {
  const sum = new Float64Array(jw * jh * 3);
  const n = new Uint32Array(jw * jh);
  for (let y = 0; y < h; y++) {
    const oy = Math.min(jh - 1, Math.floor((y * jh) / h));
    for (let x = 0; x < w; x++) {
      const o = oy * jw + Math.min(jw - 1, Math.floor((x * jw) / w));
      n[o]++;
      for (let c = 0; c < 3; c++) sum[3 * o + c] += src[3 * (y * w + x) + c];
    }
  }
  const out = new Uint8Array(jw * jh * 3);
  for (let o = 0; o < jw * jh; o++) for (let c = 0; c < 3; c++) out[3 * o + c] = n[o] ? Math.round(sum[3 * o + c] / n[o]) : 0;
  return out;
}

/** A mask on the jh×jw grid that is set wherever any input pixel falling in it is set. */
function downscaleAny(src: Uint8Array, w: number, h: number, jw: number, jh: number): Uint8Array {
  const out = new Uint8Array(jw * jh);
  for (let y = 0; y < h; y++) {
    const oy = Math.min(jh - 1, Math.floor((y * jh) / h));
    for (let x = 0; x < w; x++) if (src[y * w + x]) out[oy * jw + Math.min(jw - 1, Math.floor((x * jw) / w))] = 1;
  }
  return out;
}
