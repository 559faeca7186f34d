/**
 * The built-in context descriptor: a fixed-length vector describing the 224×224
 * surroundings of a location, with no model weights, fast enough for every nucleus of a
 * dataset on a CPU. It answers "does this place look like where the rare nuclei live" through
 * four kinds of evidence:
 *
 * 1. Colour in RGB and in stain space (haematoxylin / eosin optical density): which tissue
 *    compartment the place is in — nuclei-dense epithelium is H-rich, stroma E-rich, lumen
 *    and fat are bright; percentiles keep the tails (a few dark nuclei among pale stroma)
 *    that a mean would wash out.
 * 2. GLCM statistics (the official NucleiMix code's 4): coarse grey-level texture at 2 px.
 * 3. Uniform-LBP histogram and gradient-magnitude statistics: micro-texture and edge density
 *    (granular chromatin, fibre streaks, smooth lumen).
 * 4. Neighbour composition from the labels (src/features/neighbours.ts): density, proximity,
 *    size and coverage of each nucleus type around the location.
 *
 * Measured on CoNSeP train (8 images, 4,277 nuclei, z-scored): the contexts of the rare
 * "other" nuclei differ from the rest most in the composition (nb.t1.cover.r0 +3.6 sd,
 * nb.t1.nearest −3.1 sd: they cluster), then in GLCM homogeneity/energy and the flat-LBP
 * share (+2.2 to +2.4 sd); a 1-component Gaussian fitted to them in 16 PCA dimensions scores
 * them −30 mean log-likelihood against −39 to −60 for the other types.
 *
 * The values are in their natural units (8-bit levels, OD, px, shares); z-score them
 * (src/features/standardise.ts) before PCA.
 *
 * Layout, in output order (`contextFeatureNames` gives the names):
 *   rgb.{r,g,b}.{mean,std,p10,p50,p90}            15  intensity stats per channel (levels)
 *   stain.{h,e}.{mean,std,p10,p50,p90}            10  H and E concentrations (natural-log OD
 *                                                       units, clamped ≥ 0; percentiles at 0.01;
 *                                                       from the pixels with even x and y)
 *   stain.he.corr                                  1  Pearson correlation of H and E per pixel
 *   stain.white                                    1  share of pixels with total OD < 0.3
 *                                                       (glass, lumen, fat: no tissue)
 *   glcm.{dissimilarity,homogeneity,energy,asm}    4  on the mean-RGB grey image (⌊(r+g+b)/3⌋),
 *                                                       distance 2, angle 0, 256 levels
 *   lbp.u0 … lbp.u8, lbp.nonuniform               10  uniform-LBP bin shares (grey image)
 *   grad.{mean,std,p90}                            3  Sobel magnitude of the grey image
 *   nb.…                                  6·T + 2  see neighbourFeatureNames
 * = 44 + 6·T + 2 values for T = types.length (70 for CoNSeP's 4 merged classes).
 *
 * Colour and stain statistics (the first 27) use only the pixels `known` marks as original
 * when it is given (and marks any), so the smooth fill of an inpainted centre does not shrink
 * the spreads; texture needs whole neighbourhoods and is computed on the full patch.
 */
import { check } from '../core/errors.ts';
import type { RgbImage } from '../core/raster.ts';
import { glcmStats } from './glcm.ts';
import { neighbourFeatureCount, neighbourFeatureNames, neighbourFeatures } from './neighbours.ts';
import { STAIN_LUT } from './stain.ts';
import { LBP_BINS, TEXTURE_FEATURES, histogramQuantile as quantile, textureFeatures } from './texture.ts';

/** Bumped whenever the descriptor's definition changes, so cached features can be invalidated. */
export const DESCRIPTOR_VERSION = 'builtin-1';

/** Side of the context patch the descriptor is designed for (the paper's 224×224 patches). */
export const CONTEXT_SIZE = 224;

const CHANNELS = ['r', 'g', 'b'] as const;
const STATS = ['mean', 'std', 'p10', 'p50', 'p90'] as const;

/** Names of the image part (everything but the neighbour composition), in output order. */
export const IMAGE_FEATURE_NAMES: readonly string[] = [
  ...CHANNELS.flatMap((c) => STATS.map((s) => `rgb.${c}.${s}`)),
  ...['h', 'e'].flatMap((c) => STATS.map((s) => `stain.${c}.${s}`)),
  'stain.he.corr',
  'stain.white',
  'glcm.dissimilarity',
  'glcm.homogeneity',
  'glcm.energy',
  'glcm.asm',
  ...Array.from({ length: LBP_BINS - 1 }, (_, k) => `lbp.u${k}`),
  'lbp.nonuniform',
  'grad.mean',
  'grad.std',
  'grad.p90',
];

/** Every feature name for the class ids `types`, in output order. */
export function contextFeatureNames(types: readonly number[]): string[] {
  return [...IMAGE_FEATURE_NAMES, ...neighbourFeatureNames(types)];
}

/** Length of the descriptor for `typeCount` classes. */
export function contextFeatureCount(typeCount: number): number {
  return IMAGE_FEATURE_NAMES.length + neighbourFeatureCount(typeCount);
}

/** Stain concentration histograms: bins of 0.01 OD over [0, 4) (the last bin takes the rest). */
const STAIN_BINS = 400;
const STAIN_BINS_PER_OD = 100;
/** Total OD (sum over channels) below which a pixel counts as white (no tissue). */
const WHITE_OD = 0.3;

// Scratch buffers reused across calls (extraction is synchronous; one set per thread).
let greyScratch = new Uint8Array(0);
const histRgb = new Int32Array(3 * 256);
const histStain = new Int32Array(2 * STAIN_BINS);

/**
 * Describes one context patch.
 *
 * @param patch the context crop, H×W RGB (224×224 by design; any size ≥ 3×3 works), centre
 *   removed and inpainted by the caller, reflect-padded at image borders.
 * @param known optional H×W mask, non-zero = original pixel (not inpainted); restricts the
 *   colour and stain statistics to original pixels.
 * @param inst the instance-map crop matching `patch` pixel for pixel (H×W int32).
 * @param typeOf type of an instance id present in `inst`.
 * @param types the dataset's class ids; fixes the length of the composition part.
 * @param centreId the location's own nucleus id (0 for background): left out of the
 *   composition part.
 * @returns a Float64Array of {@link contextFeatureCount}(types.length) finite values, on its
 *   own ArrayBuffer (transferable to another thread).
 */
export function describeContext(
  patch: RgbImage,
  known: Uint8Array | undefined,
  inst: Int32Array,
  typeOf: (id: number) => number,
  types: readonly number[],
  centreId = 0,
): Float64Array<ArrayBuffer> {
  const { width, height, data } = patch;
  const n = width * height;
  check(width >= 3 && height >= 3, undefined, `context patch is ${width}×${height}, needs at least 3×3`);
  check(data.length === n * 3, undefined, `context patch has ${data.length} values, expected ${height}×${width}×3`);
  check(inst.length === n, undefined, `instance crop has ${inst.length} values, expected ${height}×${width}`);
  check(known === undefined || known.length === n, undefined, `known mask has ${known?.length} values, expected ${height}×${width}`);

  if (greyScratch.length !== n) greyScratch = new Uint8Array(n);
  const grey = greyScratch;
  // Without a mask, or with one that keeps nothing, every pixel counts.
  const mask = known !== undefined && known.some((v) => v !== 0) ? known : undefined;
  const count = rgbPass(data, n, mask, grey);
  // Stain statistics from every second pixel of every second row (¼ of the pixels: the
  // moments and percentiles of 12,544 samples are as good as those of 50,176 for telling
  // contexts apart, at a quarter of the descriptor's most expensive loop); from every pixel
  // if the mask keeps none of that grid.
  let stain = stainPass(data, width, height, mask, 2);
  if (stain.count === 0) stain = stainPass(data, width, height, mask, 1);

  const out = new Float64Array(contextFeatureCount(types.length));
  let o = 0;
  for (let c = 0; c < 3; c++) {
    const hist = histRgb.subarray(256 * c, 256 * c + 256);
    let s = 0;
    let ss = 0;
    for (let v = 0; v < 256; v++) {
      s += v * hist[v];
      ss += v * v * hist[v];
    }
    const mean = s / count;
    out[o++] = mean;
    out[o++] = Math.sqrt(Math.max(0, ss / count - mean * mean));
    out[o++] = quantile(hist, count, 0.1);
    out[o++] = quantile(hist, count, 0.5);
    out[o++] = quantile(hist, count, 0.9);
  }
  const { sumH, sumE, sumHH, sumEE, sumHE, h0, e0 } = stain;
  const m = stain.count;
  const dH = sumH / m;
  const dE = sumE / m;
  const varH = Math.max(0, sumHH / m - dH * dH);
  const varE = Math.max(0, sumEE / m - dE * dE);
  for (const [k, mean, variance] of [
    [0, h0 + dH, varH],
    [1, e0 + dE, varE],
  ] as const) {
    const hist = histStain.subarray(STAIN_BINS * k, STAIN_BINS * (k + 1));
    out[o++] = mean;
    out[o++] = Math.sqrt(variance);
    for (const q of [0.1, 0.5, 0.9]) out[o++] = (quantile(hist, m, q) + 0.5) / STAIN_BINS_PER_OD;
  }
  // A constant channel has no correlation to speak of: 0, not NaN.
  const cov = sumHE / m - dH * dE;
  out[o++] = varH > 1e-12 && varE > 1e-12 ? Math.max(-1, Math.min(1, cov / Math.sqrt(varH * varE))) : 0;
  out[o++] = stain.white / m;

  const glcm = glcmStats(grey, width, height);
  out[o++] = glcm.dissimilarity;
  out[o++] = glcm.homogeneity;
  out[o++] = glcm.energy;
  out[o++] = glcm.asm;
  textureFeatures(grey, width, height, out, o);
  o += TEXTURE_FEATURES;
  neighbourFeatures(inst, width, height, typeOf, types, centreId, out, o);
  return out;
}

/** Fills `grey` (⌊(r + g + b) / 3⌋ of every pixel) and the RGB histograms of the kept pixels; returns their count. */
function rgbPass(data: Uint8Array, n: number, mask: Uint8Array | undefined, grey: Uint8Array): number {
  histRgb.fill(0);
  let count = 0;
  for (let p = 0, q = 0; p < n; p++, q += 3) {
    const r = data[q];
    const g = data[q + 1];
    const b = data[q + 2];
    grey[p] = ((r + g + b) * 21846) >>> 16; // = ⌊(r + g + b) / 3⌋ for sums 0..765
    if (mask !== undefined && mask[p] === 0) continue;
    count++;
    histRgb[r]++;
    histRgb[256 + g]++;
    histRgb[512 + b]++;
  }
  return count;
}

interface StainSums {
  count: number;
  white: number;
  /** The shift: H and E of the first pixel. */
  h0: number;
  e0: number;
  /** Sums of (H − h0), (E − e0), their squares and product: moments without the cancellation of Σx² − n·mean² (a uniform patch gets a spread of exactly 0). */
  sumH: number;
  sumE: number;
  sumHH: number;
  sumEE: number;
  sumHE: number;
}

/** Stain moments, histograms (into `histStain`) and white count over kept pixels (x, y) with x, y multiples of `step`. */
function stainPass(data: Uint8Array, width: number, height: number, mask: Uint8Array | undefined, step: number): StainSums {
  histStain.fill(0);
  const { h: lutH, e: lutE, od: lutOd } = STAIN_LUT;
  const h0 = Math.max(0, lutH[data[0]] + lutH[256 + data[1]] + lutH[512 + data[2]]);
  const e0 = Math.max(0, lutE[data[0]] + lutE[256 + data[1]] + lutE[512 + data[2]]);
  let count = 0;
  let white = 0;
  let sumH = 0;
  let sumE = 0;
  let sumHH = 0;
  let sumEE = 0;
  let sumHE = 0;
  for (let y = 0; y < height; y += step) {
    const row = y * width;
    for (let p = row; p < row + width; p += step) {
      if (mask !== undefined && mask[p] === 0) continue;
      const q = 3 * p;
      const r = data[q];
      const g = data[q + 1];
      const b = data[q + 2];
      let h = lutH[r] + lutH[256 + g] + lutH[512 + b];
      let e = lutE[r] + lutE[256 + g] + lutE[512 + b];
      if (h < 0) h = 0.0;
      if (e < 0) e = 0.0;
      const bh = (h * STAIN_BINS_PER_OD) | 0;
      const be = (e * STAIN_BINS_PER_OD) | 0;
      histStain[bh < STAIN_BINS ? bh : STAIN_BINS - 1]++;
      histStain[STAIN_BINS + (be < STAIN_BINS ? be : STAIN_BINS - 1)]++;
      if (lutOd[r] + lutOd[g] + lutOd[b] < WHITE_OD) white++;
      h -= h0;
      e -= e0;
      sumH += h;
      sumE += e;
      sumHH += h * h;
      sumEE += e * e;
      sumHE += h * e;
      count++;
    }
  }
  return { count, white, h0, e0, sumH, sumE, sumHH, sumEE, sumHE };
}
