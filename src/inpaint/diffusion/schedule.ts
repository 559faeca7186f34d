/**
 * The noise schedule of an ε-prediction diffusion model (DDPM, Ho et al. 2020) and the
 * timestep subsequence DDIM samples on (Song, Meng & Ermon 2021).
 *
 * Timesteps are integers 0..T−1, as the model is fed them: x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε with
 * ᾱ_t = ∏_{s=0..t} (1 − β_s), so even t = 0 adds a little noise (β₀). All values are float64.
 */
import { NucleiMixError } from '../../core/errors.ts';

/** A linear β schedule: β_t = βstart + (βend − βstart)·t/(T−1), DDPM's (T = 1000, 1e-4 … 0.02). */
export interface LinearSchedule {
  readonly kind: 'linear';
  readonly T: number;
  readonly betaStart: number;
  readonly betaEnd: number;
}

/**
 * The cosine schedule of Nichol & Dhariwal 2021 ("Improved DDPM", eq. 17), as guided-diffusion
 * discretises it: f(u) = cos²((u + s)/(1 + s)·π/2) and β_t = min(1 − f((t+1)/T)/f(t/T), maxBeta),
 * so ᾱ_t ≈ f((t+1)/T)/f(0). Defaults s = 0.008, maxBeta = 0.999 (the paper's).
 */
export interface CosineSchedule {
  readonly kind: 'cosine';
  readonly T: number;
  readonly s?: number;
  readonly maxBeta?: number;
}

export type NoiseSchedule = LinearSchedule | CosineSchedule;

export const DDPM_SCHEDULE: LinearSchedule = { kind: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 };

/**
 * Checks a schedule's numbers (T an integer ≥ 2; linear: 0 < βstart ≤ βend < 1; cosine:
 * s ≥ 0, 0 < maxBeta < 1); `file` names the model card in the error.
 */
export function checkSchedule(s: NoiseSchedule, file?: string): void {
  const kind = (s as { kind?: unknown }).kind;
  if (kind !== 'linear' && kind !== 'cosine') throw new NucleiMixError(`schedule kind '${String(kind)}' is not supported (expected 'linear' or 'cosine')`, file);
  if (!(Number.isInteger(s.T) && s.T >= 2)) throw new NucleiMixError(`schedule T must be an integer ≥ 2, got ${s.T}`, file);
  if (s.kind === 'linear') {
    if (!(Number.isFinite(s.betaStart) && Number.isFinite(s.betaEnd) && s.betaStart > 0 && s.betaStart <= s.betaEnd && s.betaEnd < 1)) {
      throw new NucleiMixError(`schedule betas must satisfy 0 < betaStart ≤ betaEnd < 1, got ${s.betaStart} and ${s.betaEnd}`, file);
    }
    return;
  }
  const offset = s.s ?? COSINE_S;
  const maxBeta = s.maxBeta ?? COSINE_MAX_BETA;
  if (!(typeof offset === 'number' && Number.isFinite(offset) && offset >= 0)) throw new NucleiMixError(`cosine schedule s must be a number ≥ 0, got ${JSON.stringify(s.s)}`, file);
  if (!(typeof maxBeta === 'number' && maxBeta > 0 && maxBeta < 1)) throw new NucleiMixError(`cosine schedule maxBeta must be a number in (0, 1), got ${JSON.stringify(s.maxBeta)}`, file);
}

const COSINE_S = 0.008;
const COSINE_MAX_BETA = 0.999;

/** β_t for t = 0..T−1. */
export function betas(s: NoiseSchedule): Float64Array {
  checkSchedule(s);
  const out = new Float64Array(s.T);
  if (s.kind === 'linear') {
    for (let t = 0; t < s.T; t++) out[t] = s.betaStart + ((s.betaEnd - s.betaStart) * t) / (s.T - 1);
    return out;
  }
  const offset = s.s ?? COSINE_S;
  const maxBeta = s.maxBeta ?? COSINE_MAX_BETA;
  const f = (u: number): number => Math.cos(((u + offset) / (1 + offset)) * (Math.PI / 2)) ** 2;
  for (let t = 0; t < s.T; t++) out[t] = Math.min(1 - f((t + 1) / s.T) / f(t / s.T), maxBeta);
  return out;
}

/** ᾱ_t = ∏_{s≤t} (1 − β_s) for t = 0..T−1 (a running product in float64, as numpy's cumprod). */
export function alphasCumprod(s: NoiseSchedule): Float64Array {
  const b = betas(s);
  const out = new Float64Array(s.T);
  let prod = 1;
  for (let t = 0; t < s.T; t++) out[t] = prod *= 1 - b[t];
  return out;
}

/**
 * The timesteps DDIM visits for `steps` steps, ascending: τ_i = ⌊i·T/steps⌋ for i = 0..steps−1
 * (DDIM's "uniform" spacing; for T divisible by steps it is `range(0, T, T/steps)`, what
 * guided-diffusion's `ddimN` respacing gives). Sampling runs them from the last to the first
 * and then one step more, from τ_0 to the clean image (ᾱ = 1). So the largest timestep is
 * T − T/steps, not T − 1; at T = 1000 its ᾱ is ≈ 1e-4, so x there is pure noise to 1 %.
 */
export function ddimTimesteps(T: number, steps: number): Int32Array {
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= T)) throw new NucleiMixError(`DDIM steps must be an integer from 1 to ${T}, got ${steps}`);
  const out = new Int32Array(steps);
  for (let i = 0; i < steps; i++) out[i] = Math.floor((i * T) / steps);
  return out;
}
