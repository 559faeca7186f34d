/**
 * Multi-scale PatchMatch image completion (Wexler, Shechtman & Irani 2007, "Space-time
 * completion of video"; nearest-neighbour search by PatchMatch, Barnes et al. 2009; texture
 * features and the finest-level "best patch" reconstruction of Newson et al. 2014, "Video
 * inpainting of complex scenes"). The pure core of the exemplar engine (exemplar.ts), on one
 * window.
 *
 * Every pixel of the window is in one of four states: KNOWN (context and a source: its colour
 * may be copied), HOLE (to be filled), EXCLUDED (context that is never copied: another
 * nucleus, a pasted donor) or BLOCKED (outside the window: neither). A source patch is a p×p
 * patch of KNOWN and EXCLUDED pixels whose centre is KNOWN; its EXCLUDED pixels take part in
 * the match but are never written into the hole. So a patch beside a nucleus matches patches
 * beside nuclei elsewhere and brings in their rims, not their nuclei; and in dense epithelium,
 * where few 7×7 windows are free of nuclei, sources are not confined to the lumen and the
 * widest stretches of cytoplasm (tried first, on CoNSeP: it filled the rings around pasted
 * nuclei with lumen white). The fill is made of exact colours of KNOWN pixels.
 *
 * The energy minimised is Wexler's coherence: every p×p patch overlapping the hole should
 * look like some source patch. Per level, alternately (a) PatchMatch finds for each target
 * patch the source patch nearest in SSD over its pixels that are not BLOCKED and (b) each
 * hole pixel becomes the mean of the KNOWN pixels the overlapping patches' matches put there,
 * weighted exp(−d / 2σ²) with σ² the 75th percentile of the distances. Solving coarse to fine
 * makes the fill coherent at the scale of the hole, and the final reconstruction, where each
 * hole pixel takes the value of the single best-matching patch covering it, keeps the
 * sources' grain instead of the vote's blur.
 *
 * Colour alone lets a flat patch match a textured one of about the same mean, and each vote
 * drifts the hole toward the flattest source around (on CoNSeP, lumen white: erased nuclei
 * came out as pale flat blobs). So, as Newson et al. do, each pixel also carries two texture
 * features, the mean absolute horizontal and vertical grey derivative over a ν×ν window
 * (ν = 2^(levels−1) + 1, one coarsest-level pixel), compared and voted like colour.
 */
import type { Rng } from '../core/rng.ts';

export const KNOWN = 0;
export const HOLE = 1;
export const EXCLUDED = 2;
export const BLOCKED = 3;

/** A window to complete: `colour` is H×W×3 float32 (0–255; HOLE and BLOCKED values ignored), `state` H×W uint8 (KNOWN/HOLE/EXCLUDED/BLOCKED). */
export interface SynthesisInput {
  width: number;
  height: number;
  colour: Float32Array;
  state: Uint8Array;
}

export interface SynthesisParams {
  /** Patch side in pixels, odd, ≥ 1. */
  patchSize: number;
  /** Most pyramid levels (1 = finest only); see {@link synthesize} for how many are used. */
  levels: number;
  /** PatchMatch + vote iterations at each coarser level, and at the finest. */
  coarseIterations: number;
  fineIterations: number;
  /**
   * Weight of the texture features against colour in the patch distance (Newson et al.'s λ);
   * 0 matches on colour alone. The features are mean absolute grey derivatives (grey levels
   * per pixel), so λ = 1 counts a feature difference like a difference in one colour channel.
   */
  textureWeight: number;
}

/** Values per pixel: R, G, B and the two texture features (scaled by √λ, so plain SSD weighs them by λ). */
const C = 5;

/** One pyramid level, stored padded by r = (p−1)/2 on every side so patch reads need no bounds checks. */
interface Level {
  /** Unpadded size. */
  w: number;
  h: number;
  /** Padded row length. */
  pw: number;
  /** pw×ph×C values: colour then texture features. */
  val: Float32Array;
  /** pw×ph: the level's states (padding BLOCKED). */
  state: Uint8Array;
  /** pw×ph: 1 where a source patch is centred: a KNOWN centre, no HOLE or BLOCKED pixel in the patch. */
  valid: Uint8Array;
  /** Padded indices of the valid centres. */
  validList: Int32Array;
  /** Padded indices of the target centres: every centre whose patch holds a HOLE pixel. */
  targets: Int32Array;
  /** pw×ph: index into `targets`, or −1. */
  targetOf: Int32Array;
  /** Per target: the matched source centre (padded index) and its distance. */
  nnf: Int32Array;
  dist: Float64Array;
  /** Per target: how many of its patch's pixels are not BLOCKED, to compare distances across targets. */
  wsum: Float64Array;
}

/**
 * How many patch sides thick a hole must be for a coarser level to be added. On CoNSeP the
 * stage-1 holes of a k = 600 plan (replaced nuclei grown by 2 px) are 9 px thick at the
 * median and at most 20; filled over two or three levels, they came out as pale, flat,
 * sharply outlined blobs (at coarse levels nuclei swallow most 2×2 blocks and the sources left
 * are the widest nucleus-free stretches); at full resolution only, their fills keep the grain
 * and shade of the tissue right around them. A 7-px patch so keeps every such hole at one
 * level, and a hole thicker than 21 px gets a coarser one.
 */
const DEEPEN = 3;

/** How many valid source centres a coarser level must have for the pyramid to go that deep. */
const MIN_SOURCES = 12;

/**
 * Fills the HOLE pixels of `input`. Returns a new H×W×3 float32 array equal to `input.colour`
 * off the hole, each hole pixel holding the exact colour of some KNOWN pixel; or `undefined`
 * when the window has no source patch of side p (then nothing can be copied at this patch
 * size; the caller tries a smaller one).
 *
 * A coarser level is added (up to `levels`) only while the hole, at the current level, is
 * more than {@link DEEPEN} patch sides thick ({@link holeThickness}): coarse levels give a
 * wide hole's interior a coherent layout where patches from its rim cannot reach, but they
 * hurt the thinner holes of nucleus edits. Levels without {@link MIN_SOURCES} sources, or
 * smaller than a patch, are dropped too.
 */
export function synthesize(input: SynthesisInput, params: SynthesisParams, rng: Rng): Float32Array | undefined {
  const { patchSize: p } = params;
  const { width: w, height: h, state } = input;
  const thickness = holeThickness(state, w, h);
  let depth = 1;
  while (depth < params.levels && thickness / (1 << (depth - 1)) > DEEPEN * p) depth++;
  const val = withFeatures(input, (1 << (depth - 1)) + 1, Math.sqrt(Math.max(0, params.textureWeight)));
  const finest = makeLevel(w, h, val, state, p);
  if (finest.validList.length === 0) return undefined;
  const pyramid: Level[] = [finest];
  for (let l = 1; l < depth; l++) {
    const down = downsample(pyramid[l - 1], p);
    if (down === undefined || down.validList.length < MIN_SOURCES) break;
    pyramid.push(down);
  }

  const top = pyramid.length - 1;
  peelFill(pyramid[top]);
  randomNnf(pyramid[top], rng);
  for (let l = top; l >= 0; l--) {
    const level = pyramid[l];
    const o = patchOffsets(p, level.pw);
    if (l < top) {
      upsampleNnf(pyramid[l + 1], level, rng);
      vote(level, o, false);
    }
    const iterations = Math.max(1, l === 0 ? params.fineIterations : params.coarseIterations);
    for (let it = 0; it < iterations; it++) {
      // The vote moved the hole's values: every current match is scored afresh before the
      // search compares candidates with it (Wexler et al. 2007: alternate search and vote).
      computeDistances(level, o);
      patchMatch(level, o, it, rng);
      if (l === 0 && it === iterations - 1) bestPatch(level, o);
      else vote(level, o, true);
    }
  }
  return colourOf(pyramid[0], p);
}

/**
 * How thick the hole is: the largest distance, in pixels, from a HOLE pixel to the nearest
 * pixel that is not HOLE; 0 with no hole. Distances by the 3-4 chamfer (Borgefors 1986: 3 per
 * straight step, 4 per diagonal one, divided by 3), within 6 % of Euclidean.
 */
export function holeThickness(state: Uint8Array, w: number, h: number): number {
  const far = 3 * (w + h);
  const d = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = y * w + x;
      if (state[q] !== HOLE) continue;
      let m = far;
      if (x > 0) m = Math.min(m, d[q - 1] + 3);
      if (y > 0) {
        m = Math.min(m, d[q - w] + 3);
        if (x > 0) m = Math.min(m, d[q - w - 1] + 4);
        if (x + 1 < w) m = Math.min(m, d[q - w + 1] + 4);
      }
      d[q] = m;
    }
  }
  let max = 0;
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const q = y * w + x;
      if (state[q] !== HOLE) continue;
      let m = d[q];
      if (x + 1 < w) m = Math.min(m, d[q + 1] + 3);
      if (y + 1 < h) {
        m = Math.min(m, d[q + w] + 3);
        if (x + 1 < w) m = Math.min(m, d[q + w + 1] + 4);
        if (x > 0) m = Math.min(m, d[q + w - 1] + 4);
      }
      d[q] = m;
      if (m > max) max = m;
    }
  }
  return max / 3;
}

/**
 * The window's values: colour, then √λ × the two texture features. A derivative is taken
 * between two horizontally (vertically) adjacent pixels that are both KNOWN or EXCLUDED, and a
 * pixel's feature is the mean of those within the ν×ν window centred on it (0 where there are
 * none). HOLE pixels' features are filled like their colour.
 */
function withFeatures(input: SynthesisInput, nu: number, scale: number): Float32Array {
  const { width: w, height: h, colour, state } = input;
  const n = w * h;
  const val = new Float32Array(n * C);
  for (let q = 0; q < n; q++) {
    val[C * q] = colour[3 * q];
    val[C * q + 1] = colour[3 * q + 1];
    val[C * q + 2] = colour[3 * q + 2];
  }
  if (scale === 0) return val;
  const seen = (q: number): boolean => state[q] === KNOWN || state[q] === EXCLUDED;
  const grey = (q: number): number => (colour[3 * q] + colour[3 * q + 1] + colour[3 * q + 2]) / 3;
  // Per-pixel |∂x|, |∂y| and whether each exists, summed over ν×ν boxes by integral images.
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  const hx = new Float64Array(n);
  const hy = new Float64Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = y * w + x;
      if (!seen(q)) continue;
      if (x + 1 < w && seen(q + 1)) {
        dx[q] = Math.abs(grey(q + 1) - grey(q));
        hx[q] = 1;
      }
      if (y + 1 < h && seen(q + w)) {
        dy[q] = Math.abs(grey(q + w) - grey(q));
        hy[q] = 1;
      }
    }
  }
  const half = nu >> 1;
  const [sdx, sdy, shx, shy] = [dx, dy, hx, hy].map((a) => boxSum(a, w, h, half));
  for (let q = 0; q < n; q++) {
    if (state[q] === HOLE || state[q] === BLOCKED) continue;
    val[C * q + 3] = shx[q] > 0 ? (scale * sdx[q]) / shx[q] : 0;
    val[C * q + 4] = shy[q] > 0 ? (scale * sdy[q]) / shy[q] : 0;
  }
  return val;
}

/** Sums of a w×h array over the (2·half+1)² box around each pixel, clipped to the array. */
function boxSum(a: Float64Array, w: number, h: number, half: number): Float64Array {
  const iw = w + 1;
  const integral = new Float64Array(iw * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += a[y * w + x];
      integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1] + row;
    }
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - half);
    const y1 = Math.min(h, y + half + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - half);
      const x1 = Math.min(w, x + half + 1);
      out[y * w + x] = integral[y1 * iw + x1] - integral[y0 * iw + x1] - integral[y1 * iw + x0] + integral[y0 * iw + x0];
    }
  }
  return out;
}

function patchOffsets(p: number, pw: number): Int32Array {
  const r = (p - 1) >> 1;
  const offs = new Int32Array(p * p);
  let k = 0;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) offs[k++] = dy * pw + dx;
  return offs;
}

/** A padded level from unpadded values (w×h×C) and states. */
function makeLevel(w: number, h: number, values: Float32Array, state: Uint8Array, p: number): Level {
  const r = (p - 1) >> 1;
  const pw = w + 2 * r;
  const ph = h + 2 * r;
  const n = pw * ph;
  const val = new Float32Array(n * C);
  const st = new Uint8Array(n).fill(BLOCKED);
  for (let y = 0; y < h; y++) {
    st.set(state.subarray(y * w, (y + 1) * w), (y + r) * pw + r);
    val.set(values.subarray(C * y * w, C * (y + 1) * w), C * ((y + r) * pw + r));
  }

  // Counts of HOLE and BLOCKED pixels over every p×p patch, from integral images.
  const hole = boxCount(st, pw, ph, HOLE, r);
  const blocked = boxCount(st, pw, ph, BLOCKED, r);
  const valid = new Uint8Array(n);
  const validList: number[] = [];
  const targetOf = new Int32Array(n).fill(-1);
  const targets: number[] = [];
  const wsum: number[] = [];
  for (let y = r; y < r + h; y++) {
    for (let x = r; x < r + w; x++) {
      const q = y * pw + x;
      if (st[q] === KNOWN && hole[q] === 0 && blocked[q] === 0) {
        valid[q] = 1;
        validList.push(q);
      }
      if (hole[q] > 0) {
        targetOf[q] = targets.length;
        targets.push(q);
        wsum.push(p * p - blocked[q]);
      }
    }
  }
  const nt = targets.length;
  return {
    w,
    h,
    pw,
    val,
    state: st,
    valid,
    validList: Int32Array.from(validList),
    targets: Int32Array.from(targets),
    targetOf,
    nnf: new Int32Array(nt),
    dist: new Float64Array(nt),
    wsum: Float64Array.from(wsum),
  };
}

/** For each pixel q of a pw×ph grid, how many pixels of the (2r+1)² box centred on q have state `value` (the box clipped to the grid). */
function boxCount(st: Uint8Array, pw: number, ph: number, value: number, r: number): Int32Array {
  const iw = pw + 1;
  const integral = new Int32Array(iw * (ph + 1));
  for (let y = 0; y < ph; y++) {
    let row = 0;
    for (let x = 0; x < pw; x++) {
      if (st[y * pw + x] === value) row++;
      integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1] + row;
    }
  }
  const out = new Int32Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(ph, y + r + 1);
    for (let x = 0; x < pw; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(pw, x + r + 1);
      out[y * pw + x] = integral[y1 * iw + x1] - integral[y0 * iw + x1] - integral[y1 * iw + x0] + integral[y0 * iw + x0];
    }
  }
  return out;
}

/**
 * The next coarser level: each pixel a 2×2 block (pixels past the edge count as BLOCKED).
 * HOLE if any of the block is; else BLOCKED if any is; else KNOWN if all of it is, EXCLUDED
 * otherwise. Values: the mean over the block's KNOWN and EXCLUDED pixels, so a KNOWN coarse
 * pixel, the only kind copied into the hole, is a mean of fine KNOWN pixels.
 */
function downsample(fine: Level, p: number): Level | undefined {
  const w = (fine.w + 1) >> 1;
  const h = (fine.h + 1) >> 1;
  if (w < p || h < p) return undefined;
  const r = (p - 1) >> 1;
  const values = new Float32Array(w * h * C);
  const state = new Uint8Array(w * h);
  const sum = new Float64Array(C);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let holes = 0;
      let blocks = 0;
      let knowns = 0;
      let seen = 0;
      sum.fill(0);
      for (let by = 0; by < 2; by++) {
        for (let bx = 0; bx < 2; bx++) {
          const fx = 2 * x + bx;
          const fy = 2 * y + by;
          if (fx >= fine.w || fy >= fine.h) {
            blocks++;
            continue;
          }
          const q = (fy + r) * fine.pw + fx + r;
          const s = fine.state[q];
          if (s === HOLE) holes++;
          else if (s === BLOCKED) blocks++;
          else {
            if (s === KNOWN) knowns++;
            seen++;
            for (let c = 0; c < C; c++) sum[c] += fine.val[C * q + c];
          }
        }
      }
      const k = y * w + x;
      state[k] = holes > 0 ? HOLE : blocks > 0 ? BLOCKED : knowns === 4 ? KNOWN : EXCLUDED;
      if (seen > 0) for (let c = 0; c < C; c++) values[C * k + c] = sum[c] / seen;
    }
  }
  return makeLevel(w, h, values, state, p);
}

/**
 * The coarsest level's first guess: hole pixels filled from the rim inwards, each the mean
 * of its KNOWN or already filled 8-neighbours (EXCLUDED and BLOCKED ones do not count).
 */
function peelFill(level: Level): void {
  const { state, val, pw } = level;
  const done = Uint8Array.from(state, (s) => (s === KNOWN ? 1 : 0));
  let front = Array.from(level.targets).filter((q) => state[q] === HOLE);
  const around = [-pw - 1, -pw, -pw + 1, -1, 1, pw - 1, pw, pw + 1];
  const sum = new Float64Array(C);
  while (front.length > 0) {
    const filled: number[] = [];
    const rest: number[] = [];
    const values: number[] = [];
    for (const q of front) {
      let n = 0;
      sum.fill(0);
      for (const d of around) {
        const s = q + d;
        if (!done[s]) continue;
        n++;
        for (let c = 0; c < C; c++) sum[c] += val[C * s + c];
      }
      if (n === 0) rest.push(q);
      else {
        filled.push(q);
        for (let c = 0; c < C; c++) values.push(sum[c] / n);
      }
    }
    if (filled.length === 0) {
      // Cut off from every KNOWN pixel: start from the known mean.
      const mean = meanKnown(level);
      for (const q of rest) val.set(mean, C * q);
      return;
    }
    filled.forEach((q, i) => {
      for (let c = 0; c < C; c++) val[C * q + c] = values[C * i + c];
      done[q] = 1;
    });
    front = rest;
  }
}

function meanKnown(level: Level): Float64Array {
  const m = new Float64Array(C);
  let n = 0;
  for (let q = 0; q < level.state.length; q++) {
    if (level.state[q] !== KNOWN) continue;
    n++;
    for (let c = 0; c < C; c++) m[c] += level.val[C * q + c];
  }
  if (n > 0) for (let c = 0; c < C; c++) m[c] /= n;
  return m;
}

function randomNnf(level: Level, rng: Rng): void {
  const { validList, nnf } = level;
  for (let t = 0; t < nnf.length; t++) nnf[t] = validList[rng.int(validList.length)];
}

/** SSD between the patches centred at t and s over the target's pixels that are not BLOCKED, stopping once it reaches `bound`. */
function distance(level: Level, offs: Int32Array, t: number, s: number, bound: number): number {
  const { val, state } = level;
  let d = 0;
  for (let k = 0; k < offs.length; k++) {
    const a = t + offs[k];
    if (state[a] === BLOCKED) continue;
    const i = C * a;
    const j = C * (s + offs[k]);
    const d0 = val[i] - val[j];
    const d1 = val[i + 1] - val[j + 1];
    const d2 = val[i + 2] - val[j + 2];
    const d3 = val[i + 3] - val[j + 3];
    const d4 = val[i + 4] - val[j + 4];
    d += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d4 * d4;
    if (d >= bound) return d;
  }
  return d;
}

function computeDistances(level: Level, offs: Int32Array): void {
  const { targets, nnf, dist } = level;
  for (let t = 0; t < targets.length; t++) dist[t] = distance(level, offs, targets[t], nnf[t], Infinity);
}

/**
 * One PatchMatch sweep (Barnes et al. 2009): in scan order (reversed on odd iterations), each
 * target tries its already-visited neighbours' matches shifted by one pixel, then random
 * sources in a window around its match that halves from the whole level down to one pixel.
 */
function patchMatch(level: Level, offs: Int32Array, iteration: number, rng: Rng): void {
  const { targets, targetOf, nnf, dist, valid, pw, w, h } = level;
  const r = (pw - w) >> 1;
  const n = targets.length;
  const forward = iteration % 2 === 0;
  const step = forward ? 1 : -1;
  const maxRadius = Math.max(w, h);
  for (let i = forward ? 0 : n - 1; i >= 0 && i < n; i += step) {
    const t = targets[i];
    let best = nnf[i];
    let bestD = dist[i];
    for (let j = 0; j < 2; j++) {
      const d = j === 0 ? step : step * pw;
      const nb = targetOf[t - d];
      if (nb < 0) continue;
      const cand = nnf[nb] + d;
      if (cand === best || !valid[cand]) continue;
      const cd = distance(level, offs, t, cand, bestD);
      if (cd < bestD) {
        bestD = cd;
        best = cand;
      }
    }
    const bx = (best % pw) - r;
    const by = Math.floor(best / pw) - r;
    for (let radius = maxRadius; radius >= 1; radius >>= 1) {
      const x0 = Math.max(0, bx - radius);
      const x1 = Math.min(w - 1, bx + radius);
      const y0 = Math.max(0, by - radius);
      const y1 = Math.min(h - 1, by + radius);
      const cand = (y0 + rng.int(y1 - y0 + 1) + r) * pw + x0 + rng.int(x1 - x0 + 1) + r;
      if (cand === best || !valid[cand]) continue;
      const cd = distance(level, offs, t, cand, bestD);
      if (cd < bestD) {
        bestD = cd;
        best = cand;
      }
    }
    nnf[i] = best;
    dist[i] = bestD;
  }
}

/**
 * Sets every hole pixel to the weighted mean of what the matches of the patches covering it
 * say it is, over the matches that put a KNOWN pixel there (the patch centred on it always
 * does: a source's centre is KNOWN). `weighted`: weights exp(−d / 2σ²) on the per-pixel
 * distance d, σ² its 75th percentile over the targets (Wexler et al. 2007); otherwise all
 * equal (after upsampling, before any distance means anything).
 */
function vote(level: Level, offs: Int32Array, weighted: boolean): void {
  const { targets, nnf, dist, wsum, state, val } = level;
  const n = targets.length;
  const omega = new Float64Array(n).fill(1);
  if (weighted && n > 0) {
    const per = new Float64Array(n);
    for (let t = 0; t < n; t++) per[t] = dist[t] / Math.max(1, wsum[t]);
    const sorted = per.slice().sort();
    const sigma2 = Math.max(1, sorted[Math.min(n - 1, Math.floor(0.75 * n))]);
    for (let t = 0; t < n; t++) omega[t] = Math.exp(-per[t] / (2 * sigma2)) + 1e-12;
  }
  const acc = new Float64Array(val.length);
  const total = new Float64Array(state.length);
  for (let t = 0; t < n; t++) {
    const tc = targets[t];
    const sc = nnf[t];
    const om = omega[t];
    for (let k = 0; k < offs.length; k++) {
      const a = tc + offs[k];
      if (state[a] !== HOLE) continue;
      const b = sc + offs[k];
      if (state[b] !== KNOWN) continue;
      for (let c = 0; c < C; c++) acc[C * a + c] += om * val[C * b + c];
      total[a] += om;
    }
  }
  for (let t = 0; t < n; t++) {
    const a = targets[t];
    if (state[a] !== HOLE || total[a] === 0) continue;
    for (let c = 0; c < C; c++) val[C * a + c] = acc[C * a + c] / total[a];
  }
}

/**
 * The final reconstruction (Newson et al. 2014): each hole pixel copies the pixel that the
 * best-matching patch covering it (least distance per unit weight) puts there, among those
 * that put a KNOWN pixel there, so the fill is made of exact source colours, not a blur.
 */
function bestPatch(level: Level, offs: Int32Array): void {
  const { targets, nnf, dist, wsum, state, val } = level;
  const bestD = new Float64Array(state.length).fill(Infinity);
  const from = new Int32Array(state.length).fill(-1);
  for (let t = 0; t < targets.length; t++) {
    const tc = targets[t];
    const sc = nnf[t];
    const d = dist[t] / Math.max(1, wsum[t]);
    for (let k = 0; k < offs.length; k++) {
      const a = tc + offs[k];
      if (state[a] !== HOLE || d >= bestD[a] || state[sc + offs[k]] !== KNOWN) continue;
      bestD[a] = d;
      from[a] = sc + offs[k];
    }
  }
  for (let t = 0; t < targets.length; t++) {
    const a = targets[t];
    const b = from[a];
    if (state[a] !== HOLE || b < 0) continue;
    // b is KNOWN, never written here, so copying in place reads only source values.
    for (let c = 0; c < C; c++) val[C * a + c] = val[C * b + c];
  }
}

/**
 * The finer level's first matches from the coarser one's: a fine target takes the match of
 * the coarse pixel above it, scaled by 2 and shifted to its own place in the 2×2 block; where
 * that is no valid source (or the coarse pixel had no match), a random valid one.
 */
function upsampleNnf(coarse: Level, fine: Level, rng: Rng): void {
  const rc = (coarse.pw - coarse.w) >> 1;
  const rf = (fine.pw - fine.w) >> 1;
  const { targets, nnf, valid, validList, pw } = fine;
  for (let t = 0; t < targets.length; t++) {
    const x = (targets[t] % pw) - rf;
    const y = Math.floor(targets[t] / pw) - rf;
    const ct = coarse.targetOf[((y >> 1) + rc) * coarse.pw + (x >> 1) + rc];
    let cand = -1;
    if (ct >= 0) {
      const sc = coarse.nnf[ct];
      const sx = (sc % coarse.pw) - rc;
      const sy = Math.floor(sc / coarse.pw) - rc;
      const fx = 2 * sx + (x & 1);
      const fy = 2 * sy + (y & 1);
      if (fx < fine.w && fy < fine.h) cand = (fy + rf) * pw + fx + rf;
    }
    nnf[t] = cand >= 0 && valid[cand] ? cand : validList[rng.int(validList.length)];
  }
}

/** The level's colours, unpadded: w×h×3. */
function colourOf(level: Level, p: number): Float32Array {
  const r = (p - 1) >> 1;
  const { w, h, pw, val } = level;
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = C * ((y + r) * pw + x + r);
      const o = 3 * (y * w + x);
      out[o] = val[q];
      out[o + 1] = val[q + 1];
      out[o + 2] = val[q + 2];
    }
  }
  return out;
}
