/**
 * The exemplar-based inpainting engine (`--inpainter exemplar`): fills a hole with texture
 * copied from the known pixels around it, by multi-scale PatchMatch completion
 * (patch-synthesis.ts: Wexler et al. 2007, Barnes et al. 2009, Newson et al. 2014), where
 * Telea and Navier–Stokes propagate smooth colour inward and leave flat, streaked patches in
 * textured stroma.
 *
 * Written here because nothing maintained fits: OpenCV's exemplar inpainting (`xphoto`'s
 * `inpaint` with FSR/ShiftMap) is not in the WebAssembly build nucleimix uses, and npm has no
 * PatchMatch completion that honours a set of pixels it must never copy.
 *
 * Per job: pixels under the mask are HOLE, pixels under `exclude` (other nuclei, pasted
 * donors) EXCLUDED — context a match compares, never a colour copied into the hole — and the
 * rest KNOWN. Sources are searched only within `searchRadius` px of the hole's bounding box
 * (also bounded by the crop the adapter hands over: the region's box plus its context
 * margin). The result equals the job's image off the mask, and every filled pixel is the
 * exact colour of a KNOWN pixel. All randomness comes from the job's seed: same job and seed,
 * same bytes.
 */
import { NucleiMixError } from '../core/errors.ts';
import { resolveOptions, type OptionTable } from '../core/options.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import { createRng } from '../core/rng.ts';
import { checkJob, unknownBox } from './classical.ts';
import type { InpaintEngine, InpaintJob } from './engine.ts';
import { EXCLUDED, HOLE, KNOWN, synthesize } from './patch-synthesis.ts';

/** The exemplar engine's settings. */
export interface ExemplarOptions {
  /** Side of the square patches compared and copied, px (odd). */
  patchSize: number;
  /** Most pyramid levels (1: full resolution only); levels too small to hold patches are dropped. */
  levels: number;
  /** PatchMatch search + vote iterations at each level. */
  iterations: number;
  /** How far from the hole's bounding box a source patch's centre may lie, px. */
  searchRadius: number;
  /** Weight of the texture features against colour in the patch distance (Newson et al. 2014's λ; 0: colour only). */
  textureWeight: number;
}

/**
 * The settings, their ranges and defaults, chosen on CoNSeP by eye on the before/after crops
 * and so that a `--k 600` render stays within 2× of Telea's (it took 1.24× the wall time and
 * 1.1× the CPU time; bench/exemplar.ts gives ms per fill). A 7-px patch spans a stromal fibre
 * or a strip of cytoplasm between nuclei at 40×. `levels` is an upper bound: a coarser level
 * is added only for holes more than three patch sides thick (see patch-synthesis.ts), so
 * nucleus-sized holes are matched at full resolution and a wide hole keeps a coherent layout.
 * The search radius matches the render's context margin (24 px), which bounds it anyway.
 * λ = 4 keeps flat sources (lumen) from matching textured targets.
 */
export const EXEMPLAR_OPTIONS: OptionTable<ExemplarOptions> = {
  patchSize: { flag: '--patch-size <px>', type: 'int', min: 3, max: 31, default: 7, help: 'exemplar: side of the square patches copied, odd' },
  levels: { flag: '--levels <n>', type: 'int', min: 1, max: 8, default: 4, help: 'exemplar: most pyramid levels (1: full resolution only; coarser ones only for holes thicker than three patches)' },
  iterations: { flag: '--iterations <n>', type: 'int', min: 1, max: 50, default: 3, help: 'exemplar: PatchMatch search + vote iterations per level' },
  searchRadius: { flag: '--search-radius <px>', type: 'int', min: 1, max: 1000, default: 24, help: 'exemplar: largest distance of a source patch from the hole, px' },
  textureWeight: { flag: '--texture-weight <λ>', type: 'number', min: 0, max: 1000, default: 4, help: 'exemplar: weight of texture (mean gradient) against colour in the patch match' },
};

/** Jobs per call: it loops over them, so this only bounds memory. */
const EXEMPLAR_BATCH = 256;

/** The options completed with defaults and checked (the patch side must be odd: patches have a centre pixel). */
export function exemplarOptions(given: Partial<ExemplarOptions> = {}): ExemplarOptions {
  const picked: Partial<ExemplarOptions> = {};
  for (const key of Object.keys(EXEMPLAR_OPTIONS) as (keyof ExemplarOptions)[]) if (given[key] !== undefined) picked[key] = given[key];
  const o = resolveOptions('the exemplar inpainter', EXEMPLAR_OPTIONS, picked);
  if (o.patchSize % 2 !== 1) throw new NucleiMixError(`the exemplar inpainter --patch-size: expected an odd number of pixels, got ${o.patchSize}`);
  return o;
}

/** An {@link InpaintEngine} that fills every job by {@link inpaintExemplar}, one after another. */
export function createExemplarEngine(options: Partial<ExemplarOptions> = {}): InpaintEngine {
  const checked = exemplarOptions(options);
  return {
    name: 'exemplar',
    settings: { ...checked },
    input: { kind: 'any' },
    maxBatch: EXEMPLAR_BATCH,
    deterministic: true,
    async inpaint(jobs: readonly InpaintJob[]): Promise<RgbImage[]> {
      return jobs.map((job, i) => exemplarFill(job, checked, i).image);
    },
    async release() {},
  };
}

/**
 * Inpaints one job: a new H×W×3 image equal to `job.image` at every known pixel (mask 0),
 * each unknown pixel the colour of a known pixel outside `job.exclude`.
 *
 * @throws NucleiMixError on a malformed job or a mask with no known pixel.
 */
export function inpaintExemplar(job: InpaintJob, options: Partial<ExemplarOptions> = {}, index = 0): RgbImage {
  return exemplarFill(job, exemplarOptions(options), index).image;
}

/** What one fill did, for benchmarks: the patch side it could use and whether it had to copy excluded pixels. */
export interface ExemplarFill {
  image: RgbImage;
  /** The patch side used (smaller than asked when no source patch of that side fits). */
  patchSize: number;
  /** True when the job had no usable pixel outside `exclude`, so excluded ones were copied. */
  relaxed: boolean;
}

/**
 * {@link inpaintExemplar} with a report. Where no source patch of the asked side fits (dense
 * nuclei leave only slivers of background), smaller ones are tried (3, then 1 px), first
 * within the search window, then in the whole job. A job whose every known pixel is excluded
 * has nothing else to copy: then, and only then, excluded pixels are sources (`relaxed`).
 */
export function exemplarFill(job: InpaintJob, options: ExemplarOptions, index = 0): ExemplarFill {
  const { image, mask } = checkJob(job, index);
  const exclude = job.exclude;
  if (exclude !== undefined && (!(exclude instanceof Uint8Array) || exclude.length !== mask.length)) {
    throw new NucleiMixError(`inpaint job ${index}: exclude must be a Uint8Array of ${mask.length} values (H×W), like the mask`);
  }
  const { width: W, height: H } = image;
  const out = createImage(W, H, image.data.slice());
  const box = unknownBox(mask, W, H, index);
  if (box === undefined) return { image: out, patchSize: options.patchSize, relaxed: false };

  const sizes = [...new Set([options.patchSize, 3, 1])].filter((p) => p <= options.patchSize);
  const reach = options.searchRadius + (options.patchSize >> 1);
  const near = { x0: Math.max(0, box.x0 - reach), y0: Math.max(0, box.y0 - reach), x1: Math.min(W, box.x1 + reach), y1: Math.min(H, box.y1 + reach) };
  const whole = { x0: 0, y0: 0, x1: W, y1: H };
  const windows = near.x0 === 0 && near.y0 === 0 && near.x1 === W && near.y1 === H ? [whole] : [near, whole];
  for (const relaxed of [false, true]) {
    for (const win of windows) {
      for (const p of sizes) {
        const filled = fillWindow(image, mask, relaxed ? undefined : exclude, win, { ...options, patchSize: p }, job.seed ?? 0);
        if (filled === undefined) continue;
        writeHole(out, mask, win, filled);
        return { image: out, patchSize: p, relaxed };
      }
    }
    if (exclude === undefined) break;
  }
  // Unreachable: with no exclusion, a 1-px source exists whenever one pixel is known.
  throw new NucleiMixError(`inpaint job ${index}: no known pixel to copy from`);
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Synthesis on the window `win` of the job; undefined when it holds no source patch of the side asked. */
function fillWindow(image: RgbImage, mask: Uint8Array, exclude: Uint8Array | undefined, win: Box, o: ExemplarOptions, seed: number): Float32Array | undefined {
  const W = image.width;
  const w = win.x1 - win.x0;
  const h = win.y1 - win.y0;
  const colour = new Float32Array(w * h * 3);
  const state = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = (y + win.y0) * W + x + win.x0;
      const s = y * w + x;
      state[s] = mask[q] ? HOLE : exclude !== undefined && exclude[q] ? EXCLUDED : KNOWN;
      if (state[s] === HOLE) continue;
      colour[3 * s] = image.data[3 * q];
      colour[3 * s + 1] = image.data[3 * q + 1];
      colour[3 * s + 2] = image.data[3 * q + 2];
    }
  }
  const params = { patchSize: o.patchSize, levels: o.levels, coarseIterations: o.iterations, fineIterations: o.iterations, textureWeight: o.textureWeight };
  return synthesize({ width: w, height: h, colour, state }, params, createRng(seed >>> 0));
}

/** Writes the window's fill into `out` at the mask's pixels only. */
function writeHole(out: RgbImage, mask: Uint8Array, win: Box, filled: Float32Array): void {
  const W = out.width;
  const w = win.x1 - win.x0;
  for (let y = win.y0; y < win.y1; y++) {
    for (let x = win.x0; x < win.x1; x++) {
      const q = y * W + x;
      if (!mask[q]) continue;
      const s = 3 * ((y - win.y0) * w + x - win.x0);
      for (let c = 0; c < 3; c++) out.data[3 * q + c] = Math.min(255, Math.max(0, Math.round(filled[s + c])));
    }
  }
}
