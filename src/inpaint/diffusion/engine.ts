/**
 * The diffusion inpainting engine: a denoiser file (model-file.ts) sampled with DDIM
 * (ddim.ts) behind the {@link InpaintEngine} interface. It takes square tiles of the model's
 * size S, centred on each edit by the shared adapter (`fit: 'pad'`), in batches of up to
 * `batch` jobs that may come from different images, one seed per job.
 *
 * Pixels: a job's H×W×3 uint8 image is normalised to pixel/scale − offset ([−1, 1] for the
 * card's 127.5 and 1) into NCHW float32; the sample comes back as round((v + offset)·scale)
 * clamped to 0..255, and known pixels are copied from the input byte for byte. A job without
 * a seed samples with seed 0.
 */
import { basename } from 'node:path';
import { NucleiMixError } from '../../core/errors.ts';
import { createImage, type RgbImage } from '../../core/raster.ts';
import type { InpaintEngine, InpaintJob } from '../engine.ts';
import { ddimSample } from './ddim.ts';
import { loadDiffusionModel, type DiffusionDevice } from './model-file.ts';

export interface DiffusionEngineOptions {
  /** DDIM steps (default 20: enough for a mask-conditioned model with data consistency). */
  steps?: number;
  /** DDIM η, 0..1 (default 0, deterministic DDIM). */
  eta?: number;
  /** Execution provider (default cpu). */
  device?: DiffusionDevice;
  /** The most jobs sampled together (default 16). */
  batch?: number;
  /** Replace known pixels by their noised measurement at every step (default true). */
  replaceKnown?: boolean;
  /** MCG step size α when the model file has a gradient model (default 1; 0 switches MCG off). */
  gradientScale?: number;
  /** ONNX Runtime intra-op threads (default: its choice). */
  threads?: number;
}

export const DEFAULT_DIFFUSION_STEPS = 20;
export const DEFAULT_DIFFUSION_BATCH = 16;

/**
 * Loads the model at `modelPath` and returns an engine sampling it.
 *
 * @throws NucleiMixError for a bad option or any problem of the model file (see loadDiffusionModel).
 */
export async function createDiffusionEngine(modelPath: string, options: DiffusionEngineOptions = {}): Promise<InpaintEngine> {
  const steps = options.steps ?? DEFAULT_DIFFUSION_STEPS;
  const eta = options.eta ?? 0;
  const device = options.device ?? 'cpu';
  const batch = options.batch ?? DEFAULT_DIFFUSION_BATCH;
  const replaceKnown = options.replaceKnown ?? true;
  const gradientScale = options.gradientScale ?? 1;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new NucleiMixError(`diffusion batch must be a positive integer, got ${batch}`);
  if (!(Number.isFinite(eta) && eta >= 0 && eta <= 1)) throw new NucleiMixError(`DDIM eta must be a number from 0 to 1, got ${eta}`);
  if (!(Number.isFinite(gradientScale) && gradientScale >= 0)) throw new NucleiMixError(`MCG gradient scale must be a finite number ≥ 0, got ${gradientScale}`);
  const model = await loadDiffusionModel(modelPath, { device, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
  const { card } = model;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= card.schedule.T)) {
    await model.release();
    throw new NucleiMixError(`DDIM steps must be an integer from 1 to ${card.schedule.T}, got ${steps}`);
  }
  const S = card.tile;
  const plane = S * S;
  const per = 3 * plane;
  const { scale, offset } = card.normalisation;
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v / scale - offset;
  const useGradient = model.gradient !== undefined && gradientScale > 0;
  let released = false;

  return {
    name: 'diffusion',
    settings: {
      model: basename(modelPath),
      sha256: card.sha256,
      tile: S,
      conditioning: card.conditioning,
      steps,
      eta,
      device,
      replaceKnown,
      gradient: useGradient ? card.gradient : null,
      ...(useGradient ? { gradientScale } : {}),
    },
    input: { kind: 'tile', size: S, fit: 'pad' },
    maxBatch: batch,
    deterministic: device === 'cpu',
    // Trained on rings around real nuclei, seen (train/denoiser/crops.py): hiding them is out of distribution.
    nuclei: 'visible',
    async inpaint(jobs: readonly InpaintJob[]): Promise<RgbImage[]> {
      if (released) throw new Error('diffusion engine used after release()');
      if (jobs.length > batch) throw new NucleiMixError(`diffusion engine takes at most ${batch} jobs per call, got ${jobs.length}`);
      if (jobs.length === 0) return [];
      const B = jobs.length;
      const known = new Float32Array(B * per);
      const mask = new Float32Array(B * plane);
      jobs.forEach((job, b) => {
        const { image } = job;
        if (image.width !== S || image.height !== S || image.channels !== 3 || image.data.length !== per || job.mask.length !== plane) {
          throw new NucleiMixError(`diffusion job ${b} is ${image.width}×${image.height}×${image.channels} with a ${job.mask.length}-pixel mask; this model takes ${S}×${S}×3 tiles`);
        }
        for (let p = 0; p < plane; p++) {
          if (job.mask[p] !== 0) {
            mask[b * plane + p] = 1;
            continue;
          }
          for (let c = 0; c < 3; c++) known[b * per + c * plane + p] = lut[image.data[3 * p + c]];
        }
      });
      const x = await ddimSample(
        model.eps,
        { size: S, cond: { known, mask }, seeds: jobs.map((j) => (j.seed ?? 0) >>> 0) },
        { schedule: card.schedule, steps, eta, replaceKnown, ...(useGradient ? { gradient: model.gradient, gradientScale } : {}) },
      );
      return jobs.map((job, b) => {
        const out = createImage(S, S, job.image.data.slice());
        for (let p = 0; p < plane; p++) {
          if (job.mask[p] === 0) continue;
          for (let c = 0; c < 3; c++) {
            const v = Math.round((x[b * per + c * plane + p] + offset) * scale);
            out.data[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
          }
        }
        return out;
      });
    },
    async release() {
      if (released) return;
      released = true;
      await model.release();
    },
  };
}
