/**
 * The texture engine (`--inpainter texture`): structure from a smooth fill, texture copied
 * from the tissue around the hole — the structure/texture split of Bertalmio, Vese, Sapiro &
 * Osher 2003 ("Simultaneous structure and texture image inpainting", IEEE TIP 12(8)), with
 * OpenCV's Telea as the structure fill and a shifted copy of the known high-pass residual as
 * the texture.
 *
 * Why: a classical fill is the low-pass of its surroundings. Measured on CoNSeP k = 300
 * (`bench/realism-features.ts`), rings 4–8 px around nuclei inserted with Telea have a mean
 * Sobel gradient of 6–8 grey levels per pixel where real ones have 11–12, and an optical-density
 * spread two thirds of the real one; that grain is what the realism test sees first. The
 * exemplar engine copies whole patches and brings the grain, but also whatever structure the
 * patch held (a rim, a fibre's end) at a 1.2× Telea cost; here the low frequencies stay the
 * smooth fill's, so nothing but grain is carried.
 *
 * Per job (H×W crop, `mask` non-zero = fill, `exclude` non-zero = never a source):
 *   1. S = the structure engine's fill (Telea, r = 3, 16 bits).
 *   2. Sources: pixels known and not excluded. Their residual R = I − L, L the mean of the
 *      sources within a (2ρ+1)² box (ρ = {@link TextureOptions.grainRadius}); a pixel whose box
 *      holds fewer than half sources has none (its mean would be biased by what is missing).
 *   3. {@link CANDIDATES} offsets drawn from the job's seed, at distances uniform in
 *      [ρ + 1, reach]: each hole pixel q takes R(q + d) for the first offset d, in draw order,
 *      whose pixel has a residual; neighbouring pixels mostly share an offset, so the grain is
 *      copied in coherent pieces. A pixel with none keeps S.
 *   4. Out = S + R(q + d), rounded and clamped to 0..255; known pixels are the input's bytes.
 */
import { NucleiMixError } from '../core/errors.ts';
import { resolveOptions, type OptionTable } from '../core/options.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import { createRng } from '../core/rng.ts';
import { checkJob } from './classical.ts';
import type { InpaintEngine, InpaintJob } from './engine.ts';

export interface TextureOptions {
  /** Half-width ρ of the box whose mean is the low-pass the grain is measured against, px. */
  grainRadius: number;
  /** Farthest a source of grain may lie from the pixel it goes to, px. */
  reach: number;
}

/** The settings, their ranges and defaults (chosen on CoNSeP k = 300 by the realism test; see the README's table). */
export const TEXTURE_OPTIONS: OptionTable<TextureOptions> = {
  grainRadius: { flag: '--grain-radius <px>', type: 'int', min: 1, max: 10, default: 2, help: 'texture: half-width of the box the grain is the residual of, px' },
  reach: { flag: '--grain-reach <px>', type: 'int', min: 2, max: 100, default: 20, help: 'texture: farthest a source of grain lies from where it goes, px' },
};

/** Offsets tried per job, in draw order. */
export const CANDIDATES = 32;

/** The options completed with defaults and checked; `reach` must exceed `grainRadius`. */
export function textureOptions(given: Partial<TextureOptions> = {}): TextureOptions {
  const picked: Partial<TextureOptions> = {};
  for (const key of Object.keys(TEXTURE_OPTIONS) as (keyof TextureOptions)[]) if (given[key] !== undefined) picked[key] = given[key];
  const o = resolveOptions('the texture inpainter', TEXTURE_OPTIONS, picked);
  if (o.reach <= o.grainRadius) throw new NucleiMixError(`the texture inpainter --grain-reach: expected more than --grain-radius (${o.grainRadius}), got ${o.reach}`);
  return o;
}

/**
 * An engine adding grain to `structure`'s fills: the structure engine's input, batch and
 * determinism, `texture` as its name and both engines' settings recorded.
 */
export function createTextureEngine(structure: InpaintEngine, options: Partial<TextureOptions> = {}): InpaintEngine {
  const checked = textureOptions(options);
  return {
    name: 'texture',
    settings: { ...checked, structure: structure.name, ...Object.fromEntries(Object.entries(structure.settings).map(([k, v]) => [`structure.${k}`, v])) },
    input: structure.input,
    maxBatch: structure.maxBatch,
    deterministic: structure.deterministic,
    async inpaint(jobs: readonly InpaintJob[]): Promise<RgbImage[]> {
      const smooth = await structure.inpaint(jobs);
      return jobs.map((job, i) => addGrain(job, smooth[i], checked, i));
    },
    release: () => structure.release(),
  };
}

/**
 * Step 2–4 of the module comment: `smooth` (the structure fill of `job`, same size) with the
 * grain of the job's sources added at every unknown pixel. Known pixels are `job.image`'s bytes.
 *
 * @throws NucleiMixError on a malformed job or a `smooth` of another size
 */
export function addGrain(job: InpaintJob, smooth: RgbImage, options: TextureOptions, index = 0): RgbImage {
  const { image, mask } = checkJob(job, index);
  const { width: w, height: h } = image;
  if (smooth.width !== w || smooth.height !== h) throw new NucleiMixError(`texture job ${index}: the structure fill is ${smooth.width}×${smooth.height}, the job ${w}×${h}`);
  const n = w * h;
  const exclude = job.exclude;
  const source = new Uint8Array(n);
  for (let p = 0; p < n; p++) source[p] = mask[p] === 0 && (exclude === undefined || exclude[p] === 0) ? 1 : 0;
  const residual = highPass(image.data, source, w, h, options.grainRadius);

  const rng = createRng((job.seed ?? 0) >>> 0);
  const offsets: number[] = [];
  for (let i = 0; i < CANDIDATES; i++) {
    const r = rng.uniform(options.grainRadius + 1, options.reach);
    const a = rng.uniform(0, 2 * Math.PI);
    offsets.push(Math.round(r * Math.cos(a)), Math.round(r * Math.sin(a)));
  }
  const ranked = rankOffsets(offsets, mask, residual, w, h);

  const out = createImage(w, h, image.data.slice());
  const o = out.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (mask[p] === 0) continue;
      for (let c = 0; c < 3; c++) o[3 * p + c] = smooth.data[3 * p + c];
      for (let i = 0; i < ranked.length; i += 2) {
        const sx = x + ranked[i];
        const sy = y + ranked[i + 1];
        if (sx < 0 || sy < 0 || sx >= w || sy >= h) continue;
        const s = sy * w + sx;
        if (Number.isNaN(residual[3 * s])) continue;
        for (let c = 0; c < 3; c++) {
          const v = Math.round(smooth.data[3 * p + c] + residual[3 * s + c]);
          o[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
        break;
      }
    }
  }
  return out;
}

/**
 * The offsets (dx, dy pairs) ordered by how many hole pixels each gives a residual, most
 * first, ties in draw order: the hole takes its grain from as few places as it can, so the
 * grain keeps its own structure instead of a patchwork's seams.
 */
function rankOffsets(offsets: readonly number[], mask: Uint8Array, residual: Float32Array, w: number, h: number): number[] {
  const scored: { i: number; hits: number }[] = [];
  for (let i = 0; i < offsets.length; i += 2) {
    const dx = offsets[i];
    const dy = offsets[i + 1];
    let hits = 0;
    for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
      for (let x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
        if (mask[y * w + x] !== 0 && !Number.isNaN(residual[3 * ((y + dy) * w + x + dx)])) hits++;
      }
    }
    scored.push({ i, hits });
  }
  scored.sort((a, b) => b.hits - a.hits || a.i - b.i);
  return scored.flatMap(({ i }) => [offsets[i], offsets[i + 1]]);
}

/**
 * H×W×3 float32 residual I − L of the source pixels, L the mean of the sources in the
 * (2ρ+1)² box around each (summed-area tables); NaN at pixels that are no source or whose box
 * holds fewer than half sources.
 */
export function highPass(rgb: Uint8Array, source: Uint8Array, w: number, h: number, rho: number): Float32Array {
  const W1 = w + 1;
  const count = new Float64Array(W1 * (h + 1));
  const sum = new Float64Array(3 * W1 * (h + 1));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const a = (y + 1) * W1 + x + 1;
      const s = source[p];
      count[a] = s + count[a - 1] + count[a - W1] - count[a - W1 - 1];
      for (let c = 0; c < 3; c++) sum[3 * a + c] = (s ? rgb[3 * p + c] : 0) + sum[3 * (a - 1) + c] + sum[3 * (a - W1) + c] - sum[3 * (a - W1 - 1) + c];
    }
  }
  const out = new Float32Array(3 * w * h).fill(NaN);
  const full = (2 * rho + 1) ** 2;
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - rho);
    const y1 = Math.min(h, y + rho + 1);
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!source[p]) continue;
      const x0 = Math.max(0, x - rho);
      const x1 = Math.min(w, x + rho + 1);
      const A = y0 * W1 + x0;
      const B = y0 * W1 + x1;
      const C = y1 * W1 + x0;
      const D = y1 * W1 + x1;
      const k = count[D] - count[B] - count[C] + count[A];
      if (2 * k < full) continue;
      for (let c = 0; c < 3; c++) out[3 * p + c] = rgb[3 * p + c] - (sum[3 * D + c] - sum[3 * B + c] - sum[3 * C + c] + sum[3 * A + c]) / k;
    }
  }
  return out;
}
