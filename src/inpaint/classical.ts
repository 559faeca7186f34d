import type { Mat } from '@techstark/opencv-js';
import { cropReflect } from '../core/crop.ts';
import { NucleiMixError } from '../core/errors.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import type { InpaintEngine, InpaintJob } from './engine.ts';
import type { OpenCV } from './opencv.ts';

/** OpenCV's two classical inpainting methods: Telea 2004 (fast marching) and Navier–Stokes. */
export type ClassicalMethod = 'telea' | 'ns';

export interface ClassicalOptions {
  /**
   * Radius in pixels of the neighbourhood each filled pixel is computed from, an integer
   * from 1 to 100 (OpenCV's limits). Default 3, as in NucleiMix's official context removal.
   */
  radius?: number;
  /**
   * Bit depth Telea runs at (NS always runs at 8). Default 16: each channel is scaled by 257
   * to 16 bits, inpainted alone and rounded back. At 8 bits OpenCV's Telea adds 0.5 before
   * its own rounding, and its gradient term (normalised to length 1 grey level) turns those
   * rounding steps into noise, so a flat region's fill comes out −1 to +4 levels off, +0.95 on
   * average (20-px disc, every grey level); at 16 bits both effects shrink 257-fold and flat
   * stays flat. 8 is OpenCV's own 8-bit computation, which Python's
   * `cv2.inpaint(rgb, mask, r, cv2.INPAINT_TELEA)` in the official NucleiMix code runs (not
   * compared byte for byte: no cv2 here; and the window below differs at the image border), at
   * about half the cost.
   */
  teleaDepth?: 8 | 16;
  /**
   * Run OpenCV on the bounding box of the unknown pixels plus a margin (reflect-padded at the
   * image border; see `windowSpan`) instead of on the whole image (default true). Away from
   * the border the result is the same to the byte (a test checks it); `false`, plain OpenCV on
   * the whole image, exists for that test and the benchmark.
   */
  cropToHole?: boolean;
}

export const DEFAULT_INPAINT_RADIUS = 3;

/** Jobs a classical engine takes per call: it loops over them, so this only bounds memory. */
const CLASSICAL_BATCH = 256;

/** An {@link InpaintEngine} backed by OpenCV's `cv.inpaint`; jobs of any size run one after another, seeds unused. */
export function createClassicalEngine(cv: OpenCV, method: ClassicalMethod, options: ClassicalOptions = {}): InpaintEngine {
  const checked = checkOptions(method, options);
  return {
    name: method,
    settings: method === 'telea' ? { radius: checked.radius, teleaDepth: checked.teleaDepth } : { radius: checked.radius },
    input: { kind: 'any' },
    maxBatch: CLASSICAL_BATCH,
    deterministic: true,
    async inpaint(jobs: readonly InpaintJob[]): Promise<RgbImage[]> {
      return jobs.map((job, i) => inpaintClassical(cv, job, method, checked, i));
    },
    async release() {},
  };
}

/**
 * Inpaints one job synchronously: a new H×W×3 image equal to `job.image` at every known pixel
 * (mask 0) and filled by OpenCV at every unknown one (mask ≠ 0). A mask with no unknown pixel
 * gives an identical copy.
 *
 * @param index the job's position in its batch, for error messages.
 * @throws NucleiMixError on a malformed job (sizes disagree), a mask with no known pixel, or
 *   a bad option.
 */
export function inpaintClassical(cv: OpenCV, job: InpaintJob, method: ClassicalMethod, options: ClassicalOptions = {}, index = 0): RgbImage {
  const { radius, teleaDepth, cropToHole } = checkOptions(method, options);
  const { image, mask } = checkJob(job, index);
  const { width, height } = image;
  const out = createImage(width, height, image.data.slice());

  const box = unknownBox(mask, width, height, index);
  if (box === undefined) return out;

  const margin = radius + 2;
  const [x0, x1] = cropToHole ? windowSpan(box.x0, box.x1, width, margin) : [0, width];
  const [y0, y1] = cropToHole ? windowSpan(box.y0, box.y1, height, margin) : [0, height];
  const w = x1 - x0;
  const h = y1 - y0;
  let src: Uint8Array;
  let known: Uint8Array;
  if (x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height) {
    src = new Uint8Array(w * h * 3);
    known = new Uint8Array(w * h);
    for (let y = y0; y < y1; y++) {
      const from = y * width + x0;
      const to = (y - y0) * w;
      src.set(image.data.subarray(from * 3, (from + w) * 3), to * 3);
      known.set(mask.subarray(from, from + w), to);
    }
  } else {
    src = cropReflect(image, x0, y0, w, h).data;
    known = cropReflect({ width, height, channels: 1, data: mask }, x0, y0, w, h).data;
  }

  const filled =
    method === 'telea' && teleaDepth === 16
      ? inpaintTelea16(cv, src, known, w, h, radius)
      : inpaint8(cv, src, known, w, h, radius, method === 'telea' ? cv.INPAINT_TELEA : cv.INPAINT_NS);

  // Copy back only the unknown pixels: the known ones stay the input's bytes whatever
  // OpenCV did to them.
  const o = out.data;
  for (let y = box.y0; y < box.y1; y++) {
    const row = (y - y0) * w - x0;
    for (let x = box.x0; x < box.x1; x++) {
      const p = y * width + x;
      if (mask[p] === 0) continue;
      const q = (row + x) * 3;
      o[3 * p] = filled[q];
      o[3 * p + 1] = filled[q + 1];
      o[3 * p + 2] = filled[q + 2];
    }
  }
  return out;
}

/** `cv.inpaint` on an h×w×3 uint8 array; mask h×w, non-zero = unknown. Returns h×w×3. */
function inpaint8(cv: OpenCV, src: Uint8Array, mask: Uint8Array, w: number, h: number, radius: number, flag: number): Uint8Array {
  const srcMat = new cv.Mat(h, w, cv.CV_8UC3);
  const maskMat = new cv.Mat(h, w, cv.CV_8UC1);
  const dstMat = new cv.Mat();
  try {
    srcMat.data.set(src);
    maskMat.data.set(mask);
    runInpaint(cv, srcMat, maskMat, dstMat, radius, flag);
    return dstMat.data.slice(0, w * h * 3);
  } finally {
    srcMat.delete();
    maskMat.delete();
    dstMat.delete();
  }
}

/** Telea on each channel scaled to 16 bits (v·257), rounded back to 8; see `teleaDepth`. */
function inpaintTelea16(cv: OpenCV, src: Uint8Array, mask: Uint8Array, w: number, h: number, radius: number): Uint8Array {
  const n = w * h;
  const out = new Uint8Array(n * 3);
  const srcMat = new cv.Mat(h, w, cv.CV_16UC1);
  const maskMat = new cv.Mat(h, w, cv.CV_8UC1);
  const dstMat = new cv.Mat();
  try {
    maskMat.data.set(mask);
    for (let c = 0; c < 3; c++) {
      // Views are taken afresh each time: a wasm memory growth detaches older ones.
      const s = srcMat.data;
      const s16 = new Uint16Array(s.buffer, s.byteOffset, n);
      for (let p = 0; p < n; p++) s16[p] = src[3 * p + c] * 257;
      runInpaint(cv, srcMat, maskMat, dstMat, radius, cv.INPAINT_TELEA);
      const d = dstMat.data;
      const d16 = new Uint16Array(d.buffer, d.byteOffset, n);
      for (let p = 0; p < n; p++) out[3 * p + c] = Math.round(d16[p] / 257);
    }
    return out;
  } finally {
    srcMat.delete();
    maskMat.delete();
    dstMat.delete();
  }
}

function runInpaint(cv: OpenCV, src: Mat, mask: Mat, dst: Mat, radius: number, flag: number): void {
  try {
    cv.inpaint(src, mask, dst, radius, flag);
  } catch (err) {
    throw openCvError(cv, err);
  }
}

/**
 * The window, along one axis of length n, that OpenCV inpaints for a hole spanning
 * [lo, hi): the hole plus `margin` on both sides, [start, end) with end exclusive.
 *
 * Each filled pixel reads known pixels within the radius and their 1-px gradients, and the
 * Telea distance field reaches the radius beyond the hole, so a margin of radius + 2 gives
 * the same bytes as inpainting the whole image, at a fraction of the cost for a small hole in
 * a large crop.
 *
 * Where that window would leave the image, it is extended past the edge far enough to hold
 * the hole's mirror image plus the margin, and {@link cropReflect} fills it (reflect-101, as
 * the context crops are padded). This keeps the hole off the array's first row and column,
 * where OpenCV 4.12 reads row 1 in place of row 0 (the `km = k-1+(k==1)` clamp in
 * inpaint.cpp). The mirrored hole is unknown too, so only real pixels and their reflections
 * are ever sources.
 */
function windowSpan(lo: number, hi: number, n: number, margin: number): [number, number] {
  let start = lo - margin;
  let end = hi + margin;
  if (start < 0) start = Math.min(start, -(hi - 1) - margin);
  if (end > n) end = Math.max(end, 2 * (n - 1) - lo + 1 + margin);
  return [start, end];
}

/**
 * Bounding box (x1, y1 exclusive) and count of the unknown (non-zero) pixels of an H×W mask:
 * undefined when there are none (the job is an identical copy).
 *
 * @param index the job's position in its batch, for the error message
 * @throws NucleiMixError when every pixel is unknown: there is nothing to fill from
 */
export function unknownBox(mask: Uint8Array, width: number, height: number, index: number): { x0: number; y0: number; x1: number; y1: number; count: number } | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] === 0) continue;
      count++;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      y1 = y + 1;
    }
  }
  if (count === width * height && count > 0) {
    throw new NucleiMixError(`inpaint job ${index}: every pixel of the ${width}×${height} mask is unknown; there is nothing to fill from`);
  }
  return count === 0 ? undefined : { x0, y0, x1, y1, count };
}

/** Checks a job's shapes (an H×W×3 uint8 image, an H×W mask), naming job `index` in the error; returns it. */
export function checkJob(job: InpaintJob, index: number): InpaintJob {
  const what = `inpaint job ${index}`;
  if (job === null || typeof job !== 'object') throw new NucleiMixError(`${what}: not an {image, mask} object`);
  const { image, mask } = job;
  if (image === null || typeof image !== 'object' || !(image.data instanceof Uint8Array)) {
    throw new NucleiMixError(`${what}: image must be an RGB raster with uint8 data`);
  }
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new NucleiMixError(`${what}: image size ${width}×${height} is not a pair of non-negative integers`);
  }
  if (image.channels !== 3) throw new NucleiMixError(`${what}: image has ${image.channels} channels, expected 3 (RGB)`);
  if (image.data.length !== width * height * 3) {
    throw new NucleiMixError(`${what}: image data has ${image.data.length} values, expected ${height}×${width}×3 = ${width * height * 3}`);
  }
  if (!(mask instanceof Uint8Array)) throw new NucleiMixError(`${what}: mask must be a Uint8Array (H×W, non-zero = unknown)`);
  if (mask.length !== width * height) {
    throw new NucleiMixError(`${what}: mask has ${mask.length} values but the image is ${height}×${width} = ${width * height} pixels`);
  }
  return job;
}

function checkOptions(method: string, options: ClassicalOptions): Required<ClassicalOptions> {
  if (method !== 'telea' && method !== 'ns') {
    throw new NucleiMixError(`unknown classical inpainting method '${method}' (expected telea or ns)`);
  }
  const radius = options.radius ?? DEFAULT_INPAINT_RADIUS;
  if (!Number.isInteger(radius) || radius < 1 || radius > 100) {
    throw new NucleiMixError(`inpainting radius must be an integer from 1 to 100 pixels, got ${radius}`);
  }
  const teleaDepth = options.teleaDepth ?? 16;
  if (teleaDepth !== 8 && teleaDepth !== 16) throw new NucleiMixError(`Telea depth must be 8 or 16 bits, got ${String(teleaDepth)}`);
  return { radius, teleaDepth, cropToHole: options.cropToHole ?? true };
}

/** OpenCV's wasm build throws C++ exceptions as heap pointers; turn one into a readable Error. */
function openCvError(cv: OpenCV, err: unknown): Error {
  if (typeof err === 'number') {
    let detail = `C++ exception at ${err}`;
    try {
      const e = cv.exceptionFromPtr(err) as { msg?: string } | undefined;
      if (e?.msg) detail = e.msg;
    } catch {
      // keep the pointer
    }
    return new Error(`OpenCV inpaint failed: ${detail}`);
  }
  return err instanceof Error ? err : new Error(`OpenCV inpaint failed: ${String(err)}`);
}
