/**
 * The DDIM sampler against a model with a known answer: data x₀ ~ N(μ, σ²) independently per
 * value, whose exact ε is ε*(x_t, t) = √(1−ᾱ_t)·(x_t − √ᾱ_t·μ)/v_t with v_t = ᾱ_t·σ² + 1 − ᾱ_t
 * (x_t is N(√ᾱ_t·μ, v_t) and Cov(ε, x_t) = √(1−ᾱ_t)).
 *
 * With d_t = x_t − √ᾱ_t·μ, the posterior mean is x̂₀ = μ + √ᾱ_t·σ²·d_t/v_t, and one DDIM step
 * t → t' (ᾱ' = 1 after the last) with noise level s (s = 0 at η = 0) gives
 *   d_{t'} = A·d_t + s·z,  A = (√(ᾱ'ᾱ)·σ² + √(1−ᾱ'−s²)·√(1−ᾱ))/v_t.
 * So at η = 0 the output is μ + c·(x_T − √ᾱ_T·μ) with c the product of the A's, and at any η
 * the output is Gaussian with mean μ + c·E[d_T] and variance from Var' = A²·Var + s².
 * (The probability-flow ODE's solution keeps d_t/√v_t constant, c = σ/√v_T; by Cauchy–Schwarz
 * each DDIM factor A ≤ √(v'/v), so few-step DDIM under-disperses: at 20 steps, σ = 0.2,
 * its output has 0.73σ — a test below checks that c tends to the ODE's value.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { ddimSample, type Conditioning, type DdimOptions, type EpsFunction } from '../../src/inpaint/diffusion/ddim.ts';
import { alphasCumprod, betas, ddimTimesteps, DDPM_SCHEDULE } from '../../src/inpaint/diffusion/schedule.ts';

const MU = 0.3;
const SIGMA = 0.2;
const ABAR = alphasCumprod(DDPM_SCHEDULE);

/** The exact ε of N(MU, SIGMA²) data; records (a copy of) every x it is fed. */
function gaussianEps(seen?: Float32Array[]): EpsFunction {
  return async (x, t) => {
    seen?.push(x.slice());
    const per = x.length / t.length;
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const a = ABAR[t[Math.floor(i / per)]];
      out[i] = (Math.sqrt(1 - a) * (x[i] - Math.sqrt(a) * MU)) / (a * SIGMA * SIGMA + 1 - a);
    }
    return out;
  };
}

/** The DDIM factors A, in sampling order, and the noise levels s, for `steps` steps at `eta`. */
function factors(steps: number, eta: number): { A: number[]; s: number[]; aStart: number } {
  const taus = ddimTimesteps(DDPM_SCHEDULE.T, steps);
  const A: number[] = [];
  const s: number[] = [];
  for (let k = taus.length - 1; k >= 0; k--) {
    const a = ABAR[taus[k]];
    const an = k > 0 ? ABAR[taus[k - 1]] : 1;
    const sk = eta * Math.sqrt((1 - an) / (1 - a)) * Math.sqrt(1 - a / an);
    A.push((Math.sqrt(a * an) * SIGMA ** 2 + Math.sqrt(1 - an - sk * sk) * Math.sqrt(1 - a)) / (a * SIGMA ** 2 + 1 - a));
    s.push(sk);
  }
  return { A, s, aStart: ABAR[taus[taus.length - 1]] };
}

/** B jobs of S×S with every pixel unknown, or with the pixels where `knownAt(y, x)` holds set to `value(c, y, x)`. */
function conditioning(B: number, S: number, knownAt: (y: number, x: number) => boolean = () => false, value: (c: number, y: number, x: number) => number = () => 0): Conditioning {
  const known = new Float32Array(B * 3 * S * S);
  const mask = new Float32Array(B * S * S).fill(1);
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        if (!knownAt(y, x)) continue;
        mask[b * S * S + y * S + x] = 0;
        for (let c = 0; c < 3; c++) known[((b * 3 + c) * S + y) * S + x] = value(c, y, x);
      }
    }
  }
  return { known, mask };
}

function meanStd(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / (v.length - 1)) };
}

const exact: Omit<DdimOptions, 'steps'> = { schedule: DDPM_SCHEDULE, clipDenoised: false };

test('the schedule: linear betas, their running product, DDIM uniform timesteps', () => {
  const b = betas(DDPM_SCHEDULE);
  assert.equal(b[0], 1e-4);
  assert.ok(Math.abs(b[999] - 0.02) < 1e-15);
  assert.ok(Math.abs(b[500] - (1e-4 + (0.0199 * 500) / 999)) < 1e-15);
  assert.ok(Math.abs(ABAR[0] - (1 - 1e-4)) < 1e-15);
  assert.ok(Math.abs(ABAR[2] - (1 - b[0]) * (1 - b[1]) * (1 - b[2])) < 1e-15);
  assert.ok(ABAR[999] > 0 && ABAR[999] < 1e-4);
  assert.deepEqual([...ddimTimesteps(1000, 4)], [0, 250, 500, 750]);
  assert.deepEqual([...ddimTimesteps(1000, 3)], [0, 333, 666]);
  assert.equal(ddimTimesteps(1000, 1000)[999], 999);
  assert.throws(() => ddimTimesteps(1000, 0), NucleiMixError);
  assert.throws(() => ddimTimesteps(1000, 1001), NucleiMixError);
  assert.throws(() => ddimTimesteps(1000, 2.5), NucleiMixError);
});

test('deterministic DDIM with the exact Gaussian ε maps x_T to μ + c·(x_T − √ᾱ_T·μ)', { timeout: 60_000 }, async () => {
  for (const steps of [1, 7, 20]) {
    const seen: Float32Array[] = [];
    const cond = conditioning(2, 8);
    const out = await ddimSample(gaussianEps(seen), { size: 8, cond, seeds: [11, 12] }, { ...exact, steps });
    assert.equal(seen.length, steps);
    const { A, aStart } = factors(steps, 0);
    const c = A.reduce((p, a) => p * a, 1);
    const xT = seen[0];
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - (MU + c * (xT[i] - Math.sqrt(aStart) * MU))));
    assert.ok(worst < 2e-6, `${steps} steps: worst deviation ${worst}`);
  }
});

test('the DDIM contraction tends to the probability-flow ODE solution σ/√v_T as the steps grow', () => {
  const ode = (aT: number): number => SIGMA / Math.sqrt(aT * SIGMA ** 2 + 1 - aT);
  const gap = (steps: number): number => {
    const { A, aStart } = factors(steps, 0);
    return 1 - A.reduce((p, a) => p * a, 1) / ode(aStart);
  };
  assert.ok(gap(20) > gap(100) && gap(100) > gap(1000) && gap(1000) > 0);
  assert.ok(gap(1000) < 0.01, `gap at 1000 steps ${gap(1000)}`);
});

test('sample statistics: mean and spread of DDIM outputs match the Gaussian answer (η = 0 and η = 1)', { timeout: 120_000 }, async () => {
  const B = 4;
  const S = 32;
  const n = B * 3 * S * S;
  for (const eta of [0, 1]) {
    const steps = 50;
    const out = await ddimSample(gaussianEps(), { size: S, cond: conditioning(B, S), seeds: [1, 2, 3, 4] }, { ...exact, steps, eta });
    const { A, s, aStart } = factors(steps, eta);
    // d_T = x_T − √ᾱ_T·μ with x_T ~ N(0, 1): mean −√ᾱ_T·μ, variance 1.
    let mean = -Math.sqrt(aStart) * MU;
    let variance = 1;
    for (let k = 0; k < A.length; k++) {
      mean *= A[k];
      variance = A[k] ** 2 * variance + s[k] ** 2;
    }
    const want = { mean: MU + mean, std: Math.sqrt(variance) };
    const got = meanStd(out);
    assert.ok(Math.abs(got.mean - want.mean) < (4 * want.std) / Math.sqrt(n), `η ${eta}: mean ${got.mean}, want ${want.mean}`);
    assert.ok(Math.abs(got.std / want.std - 1) < 4 / Math.sqrt(2 * n), `η ${eta}: std ${got.std}, want ${want.std}`);
  }
});

test('data consistency: known pixels of every x_t are the noised measurement, and come back exactly', { timeout: 60_000 }, async () => {
  const B = 2;
  const S = 32;
  const knownAt = (y: number, x: number): boolean => x < 16 || y < 8;
  const value = (c: number, y: number, x: number): number => Math.fround(-0.8 + 0.1 * c + 0.01 * ((x + 3 * y) % 20));
  const cond = conditioning(B, S, knownAt, value);
  const steps = 10;
  const taus = [...ddimTimesteps(1000, steps)].reverse();
  for (const replaceKnown of [true, false]) {
    const seen: Float32Array[] = [];
    const out = await ddimSample(gaussianEps(seen), { size: S, cond, seeds: [5, 6] }, { schedule: DDPM_SCHEDULE, steps, eta: 0.3, replaceKnown });
    for (let k = 0; k < steps; k++) {
      const a = ABAR[taus[k]];
      const z: number[] = [];
      for (let i = 0; i < out.length; i++) {
        const p = Math.floor(i / (3 * S * S)) * S * S + (i % (S * S));
        if (cond.mask[p] === 0) z.push((seen[k][i] - Math.sqrt(a) * cond.known[i]) / Math.sqrt(1 - a));
      }
      const st = meanStd(z);
      const ok = Math.abs(st.mean) < 5 / Math.sqrt(z.length) && Math.abs(st.std - 1) < 0.1;
      if (replaceKnown) assert.ok(ok, `step ${k} (t ${taus[k]}): standardised known pixels have mean ${st.mean}, std ${st.std}`);
      else if (k === steps - 1) assert.ok(!ok, 'without replacement the known pixels follow the model, not the measurement');
    }
    for (let i = 0; i < out.length; i++) {
      const p = Math.floor(i / (3 * S * S)) * S * S + (i % (S * S));
      if (cond.mask[p] === 0) assert.equal(out[i], cond.known[i]);
    }
  }
});

test('same seeds give the same bytes; another seed gives others', { timeout: 60_000 }, async () => {
  const cond = conditioning(2, 16, (y) => y < 4, () => 0.25);
  const opts = { schedule: DDPM_SCHEDULE, steps: 8, eta: 0.5 };
  const a = await ddimSample(gaussianEps(), { size: 16, cond, seeds: [42, 43] }, opts);
  const b = await ddimSample(gaussianEps(), { size: 16, cond, seeds: [42, 43] }, opts);
  const c = await ddimSample(gaussianEps(), { size: 16, cond, seeds: [42, 44] }, opts);
  assert.deepEqual(a, b);
  const per = 3 * 16 * 16;
  assert.deepEqual(c.subarray(0, per), a.subarray(0, per));
  assert.notDeepEqual(c.subarray(per), a.subarray(per));
});

test('a job’s output does not depend on the other jobs of its batch', { timeout: 60_000 }, async () => {
  const S = 16;
  const per = 3 * S * S;
  const opts = { schedule: DDPM_SCHEDULE, steps: 6, eta: 0.7 };
  const single = conditioning(1, S, (y, x) => (x + y) % 3 === 0, (c, y, x) => Math.fround(0.1 * c - 0.02 * x + 0.01 * y));
  const alone = await ddimSample(gaussianEps(), { size: S, cond: single, seeds: [99] }, opts);
  // The same job third in a batch of four, beside jobs with other masks and seeds.
  const other = conditioning(1, S, (y) => y < 10, () => -0.5);
  const known = new Float32Array(4 * per);
  const mask = new Float32Array(4 * S * S);
  for (let b = 0; b < 4; b++) {
    const src = b === 2 ? single : other;
    known.set(src.known, b * per);
    mask.set(src.mask, b * S * S);
  }
  const batched = await ddimSample(gaussianEps(), { size: S, cond: { known, mask }, seeds: [7, 8, 99, 9] }, opts);
  assert.deepEqual(batched.subarray(2 * per, 3 * per), alone);
});

test('MCG: the gradient step x_{t′} ← x_{t′} − α·grad, in closed form for a constant gradient', { timeout: 60_000 }, async () => {
  const S = 8;
  const B = 2;
  const G = Float32Array.from({ length: B * 3 * S * S }, (_, i) => Math.fround(0.01 * ((i % 7) - 3)));
  const alpha = 0.5;
  const steps = 12;
  const seen: Float32Array[] = [];
  const gradSeen: [Float32Array, Float32Array][] = [];
  const gradient: EpsFunction = async (x, t) => {
    gradSeen.push([x.slice(), t.slice()]);
    return G;
  };
  const eps = gaussianEps(seen);
  const out = await ddimSample(eps, { size: S, cond: conditioning(B, S), seeds: [3, 4] }, { ...exact, steps, gradient, gradientScale: alpha, gradientNormalise: false });
  // d_final = (∏A)·d_T − α·G·Σ_k ∏_{j>k} A_j.
  const { A, aStart } = factors(steps, 0);
  let tail = 0;
  for (let k = 0; k < A.length; k++) tail = tail * A[k] + 1;
  const c = A.reduce((p, a) => p * a, 1);
  let worst = 0;
  for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - (MU + c * (seen[0][i] - Math.sqrt(aStart) * MU) - alpha * G[i] * tail)));
  assert.ok(worst < 2e-6, `worst deviation ${worst}`);
  // The gradient model is fed what the ε model is fed.
  assert.equal(gradSeen.length, steps);
  for (let k = 0; k < steps; k++) assert.deepEqual(gradSeen[k][0], seen[k]);
});

test('MCG: a normalised step is α·grad/‖(1−m)⊙(y − x̂₀)‖; none without known pixels', { timeout: 60_000 }, async () => {
  const S = 8;
  const per = 3 * S * S;
  const cond = conditioning(1, S, (y) => y < 3, () => -0.6);
  const H = Float32Array.from({ length: per }, (_, i) => Math.fround(0.02 * Math.sin(i)));
  const alpha = 0.3;
  const steps = 5;
  // A gradient of `scale`·‖r‖·H, with r the known pixels' residual under the Gaussian x̂₀: normalised, the step is α·scale·H.
  const gradient = (scale: number): EpsFunction => async (x, t, c) => {
    const a = ABAR[t[0]];
    let r2 = 0;
    for (let i = 0; i < per; i++) {
      if (c.mask[i % (S * S)] !== 0) continue;
      const x0 = MU + (Math.sqrt(a) * SIGMA ** 2 * (x[i] - Math.sqrt(a) * MU)) / (a * SIGMA ** 2 + 1 - a);
      r2 += (c.known[i] - x0) ** 2;
    }
    return H.map((h) => h * scale * Math.sqrt(r2));
  };
  const { A, aStart } = factors(steps, 0);
  let tail = 0;
  for (let k = 0; k < A.length; k++) tail = tail * A[k] + 1;
  const c = A.reduce((p, a) => p * a, 1);
  for (const scale of [1, 0.25]) {
    const seen: Float32Array[] = [];
    const out = await ddimSample(gaussianEps(seen), { size: S, cond, seeds: [1] }, { ...exact, steps, gradient: gradient(scale), gradientScale: alpha });
    let worst = 0;
    for (let i = 0; i < per; i++) {
      if (cond.mask[i % (S * S)] === 0) assert.equal(out[i], cond.known[i]);
      else worst = Math.max(worst, Math.abs(out[i] - (MU + c * (seen[0][i] - Math.sqrt(aStart) * MU) - alpha * scale * H[i] * tail)));
    }
    assert.ok(worst < 1e-5, `scale ${scale}: worst deviation ${worst}`);
  }
  // With no known pixel there is no residual and so no step.
  const none = conditioning(1, S);
  const withGrad = await ddimSample(gaussianEps(), { size: S, cond: none, seeds: [1] }, { ...exact, steps, gradient: async () => H, gradientScale: alpha });
  assert.deepEqual(withGrad, await ddimSample(gaussianEps(), { size: S, cond: none, seeds: [1] }, { ...exact, steps }));
});

test('bad options and sizes are NucleiMixErrors', async () => {
  const cond = conditioning(1, 4);
  const go = (o: Partial<DdimOptions>, c: Conditioning = cond, eps: EpsFunction = gaussianEps()) => ddimSample(eps, { size: 4, cond: c, seeds: [1] }, { schedule: DDPM_SCHEDULE, steps: 3, ...o });
  await assert.rejects(go({ eta: -0.1 }), NucleiMixError);
  await assert.rejects(go({ eta: 1.5 }), NucleiMixError);
  await assert.rejects(go({ steps: 0 }), NucleiMixError);
  await assert.rejects(go({ gradientScale: NaN, gradient: gaussianEps() }), NucleiMixError);
  await assert.rejects(go({}, conditioning(2, 4)), /known \[1,3,4,4\]/);
  await assert.rejects(go({}, cond, async () => new Float32Array(5)), /ε model output has 5 values, expected 48/);
});
