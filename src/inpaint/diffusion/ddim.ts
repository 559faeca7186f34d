/**
 * DDIM sampling for inpainting (Song, Meng & Ermon 2021, eq. 12), over a batch of jobs that
 * share one tile size S, with the data-consistency step and the optional gradient step of
 * manifold-constrained gradients (MCG; Chung, Sim, Ryu & Ye 2022; NucleiMix eqs. 9–11).
 *
 * Tensors are float32, NCHW, row-major: images [B,3,S,S], masks [B,1,S,S], in the model's
 * normalised units (pixel/127.5 − 1, so [−1, 1]). Mask 1 = unknown (to fill), 0 = known.
 *
 * One step, from timestep t to the next lower t' (ᾱ' = 1 after the last):
 *   ε = ε_θ(x_t, t[, known, mask]),  x̂₀ = (x_t − √(1−ᾱ_t)·ε)/√ᾱ_t  (clipped to [−1, 1] unless
 *   told not to, with ε recomputed from the clipped x̂₀, as guided-diffusion does),
 *   σ = η·√((1−ᾱ')/(1−ᾱ))·√(1 − ᾱ/ᾱ'),  x_{t'} = √ᾱ'·x̂₀ + √(1−ᾱ'−σ²)·ε + σ·z;
 *   MCG (when a gradient is given): x_{t'} ← x_{t'} − α·∇_{x_t}‖(1−m)⊙(y − x̂₀(x_t))‖², with α
 *   divided by the residual ‖(1−m)⊙(y − x̂₀)‖ unless told not to (DPS's step size);
 *   data consistency (default on): x_{t'} ← m⊙x_{t'} + (1−m)⊙(√ᾱ'·y + √(1−ᾱ')·z'),
 *   the known pixels replaced by their noised measurement (MCG eq. 10; RePaint, Lugmayr et al.
 *   2022; DDNM, Wang et al. 2023).
 * The start x_T is N(0, I) with the same replacement; the result is the final composite
 * (1−m)⊙y + m⊙x̂₀ (NucleiMix eq. 11), so known pixels come back exactly as given.
 *
 * Randomness: each job draws from its own `createRng(seed)` stream, in a fixed order (x_T,
 * then per step the η noise when η > 0, then the replacement noise, each 3·S·S normals over
 * every pixel, CHW order), so a job's result depends only on its own inputs and seed, never on
 * which jobs share its batch (given a model that treats batch items independently).
 */
import { NucleiMixError } from '../../core/errors.ts';
import { createRng, type Rng } from '../../core/rng.ts';
import { alphasCumprod, ddimTimesteps, type NoiseSchedule } from './schedule.ts';

/** What the model is conditioned on, for every job of the batch. */
export interface Conditioning {
  /** [B,3,S,S] the known pixels y, normalised; 0 at unknown pixels. */
  readonly known: Float32Array;
  /** [B,1,S,S] 1 = unknown, 0 = known. */
  readonly mask: Float32Array;
}

/**
 * The ε model: x_t [B,3,S,S] and t [B] (integer timesteps as floats) → ε [B,3,S,S]. An
 * unconditional model ignores `cond`; a mask-conditioned one is fed it. The sampler reuses
 * `x` and `t` after the returned promise settles: copy them to keep them.
 */
export type EpsFunction = (x: Float32Array, t: Float32Array, cond: Conditioning) => Promise<Float32Array>;

/** The MCG gradient model: same inputs → ∇_{x_t}‖(1−m)⊙(y − x̂₀(x_t))‖² [B,3,S,S], y = cond.known. */
export type GradFunction = EpsFunction;

export interface DdimOptions {
  schedule: NoiseSchedule;
  /** Number of DDIM steps, 1..T (timesteps from {@link ddimTimesteps}). */
  steps: number;
  /** η: 0 = deterministic DDIM (default), 1 = DDPM-like ancestral noise. */
  eta?: number;
  /** Replace the known pixels by their noised measurement at every step (default true). */
  replaceKnown?: boolean;
  /** Clip x̂₀ to [−1, 1] at every step (default true). */
  clipDenoised?: boolean;
  /** MCG's gradient model; no gradient step without it. */
  gradient?: GradFunction;
  /** α, the gradient step size (default 1). */
  gradientScale?: number;
  /**
   * Divide each job's gradient by its residual ‖(1−m)⊙(y − x̂₀)‖ (default true), the step-size
   * rule of DPS (Chung et al. 2023) that makes α independent of the residual's magnitude.
   */
  gradientNormalise?: boolean;
}

export interface DdimBatch {
  /** Tile side S. */
  readonly size: number;
  readonly cond: Conditioning;
  /** One 32-bit seed per job; B = seeds.length. */
  readonly seeds: readonly number[];
}

interface Checked {
  eta: number;
  replaceKnown: boolean;
  clip: boolean;
  gradScale: number;
  gradNormalise: boolean;
}

function checkOptions(o: DdimOptions): Checked {
  const eta = o.eta ?? 0;
  if (!(Number.isFinite(eta) && eta >= 0 && eta <= 1)) throw new NucleiMixError(`DDIM eta must be a number from 0 to 1, got ${eta}`);
  const gradScale = o.gradientScale ?? 1;
  if (!(Number.isFinite(gradScale) && gradScale >= 0)) throw new NucleiMixError(`MCG gradient scale must be a finite number ≥ 0, got ${gradScale}`);
  return { eta, replaceKnown: o.replaceKnown ?? true, clip: o.clipDenoised ?? true, gradScale, gradNormalise: o.gradientNormalise ?? true };
}

/** Fills `out` with normals from `rng`. */
function normals(rng: Rng, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/**
 * Runs DDIM from pure noise to the final composite for every job of `batch`.
 *
 * @returns [B,3,S,S] float32, normalised; equal to `cond.known` at every known pixel.
 * @throws NucleiMixError on a bad option, inconsistent array sizes, or a model output of the wrong size.
 */
export async function ddimSample(eps: EpsFunction, batch: DdimBatch, options: DdimOptions): Promise<Float32Array> {
  const o = checkOptions(options);
  const { size: S, cond, seeds } = batch;
  const B = seeds.length;
  const plane = S * S;
  const per = 3 * plane;
  if (cond.known.length !== B * per || cond.mask.length !== B * plane) {
    throw new NucleiMixError(`DDIM batch of ${B} jobs at ${S}×${S} needs known [${B},3,${S},${S}] and mask [${B},1,${S},${S}], got ${cond.known.length} and ${cond.mask.length} values`);
  }
  const abar = alphasCumprod(options.schedule);
  const taus = ddimTimesteps(options.schedule.T, options.steps);
  const rngs = seeds.map((s) => createRng(s >>> 0));
  const { known, mask } = cond;
  const noise = new Float64Array(per);

  // x_T: noise, with the known pixels replaced at the first timestep.
  const x = new Float32Array(B * per);
  const aStart = abar[taus[taus.length - 1]];
  for (let b = 0; b < B; b++) {
    normals(rngs[b], noise);
    const base = b * per;
    for (let i = 0; i < per; i++) x[base + i] = noise[i];
    if (o.replaceKnown) replaceKnown(x, known, mask, b, S, aStart, normals(rngs[b], noise));
  }

  const tIn = new Float32Array(B);
  const next = new Float32Array(B * per);
  for (let k = taus.length - 1; k >= 0; k--) {
    const t = taus[k];
    const a = abar[t];
    const aNext = k > 0 ? abar[taus[k - 1]] : 1;
    tIn.fill(t);
    const e = await eps(x, tIn, cond);
    checkLength(e, B * per, 'ε model output');
    const g = o.gradScale > 0 && options.gradient !== undefined ? await options.gradient(x, tIn, cond) : undefined;
    if (g !== undefined) checkLength(g, B * per, 'MCG gradient model output');

    const sa = Math.sqrt(a);
    const s1a = Math.sqrt(1 - a);
    const sigma = o.eta * Math.sqrt((1 - aNext) / (1 - a)) * Math.sqrt(1 - a / aNext);
    const dirCoef = Math.sqrt(Math.max(0, 1 - aNext - sigma * sigma));
    const saNext = Math.sqrt(aNext);
    for (let b = 0; b < B; b++) {
      const base = b * per;
      if (sigma > 0) normals(rngs[b], noise);
      let resid2 = 0;
      for (let i = 0; i < per; i++) {
        const xi = x[base + i];
        const raw = (xi - s1a * e[base + i]) / sa;
        if (g !== undefined && o.gradNormalise && mask[b * plane + (i % plane)] === 0) resid2 += (known[base + i] - raw) ** 2;
        let x0 = raw;
        let ei = e[base + i];
        if (o.clip && (x0 > 1 || x0 < -1)) {
          x0 = x0 > 1 ? 1 : -1;
          ei = (xi - sa * x0) / s1a;
        }
        next[base + i] = saNext * x0 + dirCoef * ei + (sigma > 0 ? sigma * noise[i] : 0);
      }
      if (g !== undefined) {
        const step = o.gradNormalise ? (resid2 > 0 ? o.gradScale / Math.sqrt(resid2) : 0) : o.gradScale;
        for (let i = 0; i < per; i++) next[base + i] -= step * g[base + i];
      }
      if (o.replaceKnown && k > 0) replaceKnown(next, known, mask, b, S, aNext, normals(rngs[b], noise));
    }
    x.set(next);
  }

  // The final composite (1−m)⊙y + m⊙x̂₀.
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) {
        const i = b * per + c * plane + p;
        if (mask[b * plane + p] === 0) x[i] = known[i];
      }
    }
  }
  return x;
}

/** x ← m⊙x + (1−m)⊙(√ᾱ·y + √(1−ᾱ)·z) for job `b`; `z` holds 3·S·S normals. */
function replaceKnown(x: Float32Array, known: Float32Array, mask: Float32Array, b: number, S: number, a: number, z: Float64Array): void {
  const plane = S * S;
  const base = b * 3 * plane;
  const sa = Math.sqrt(a);
  const s1a = Math.sqrt(1 - a);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      if (mask[b * plane + p] !== 0) continue;
      const i = base + c * plane + p;
      x[i] = sa * known[i] + s1a * z[c * plane + p];
    }
  }
}

function checkLength(v: Float32Array, n: number, what: string): void {
  if (v.length !== n) throw new NucleiMixError(`${what} has ${v.length} values, expected ${n}`);
}
