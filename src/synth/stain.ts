/**
 * The H&E colour model: Beer–Lambert absorption by haematoxylin (H), eosin (E) and a weak
 * residual absorber (R), with per-slide stain variation and scanner noise.
 *
 * Optical density of a pixel is OD = cH·h + cE·e + cR·r (per RGB channel) and its colour is
 * white · exp(−OD). The stain vectors are Ruifrok & Johnston's (Anal. Quant. Cytol. Histol.
 * 2001), as in scikit-image's `rgb2hed`. CoNSeP's colours are not spanned by H and E alone
 * (their blue channel is darker than any H/E mix predicts), so the third vector of the same
 * matrix carries a small residual concentration everywhere there is tissue.
 */
import type { Rng } from '../core/rng.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import { EOSIN, HAEMATOXYLIN, RESIDUAL, unit, type Vec3 } from '../core/stain-vectors.ts';
import { gaussianBlur } from './blur.ts';

export { EOSIN, HAEMATOXYLIN, RESIDUAL, type Vec3 };

/**
 * Typical concentrations (cH, cE, cR), fitted by non-negative least squares to the median
 * colours of CoNSeP train (27 images): e.g. stroma RGB (218,174,217), epithelial cytoplasm
 * (202,157,217), lumen (243,238,244); nuclei: inflammatory (115,82,165), epithelial
 * (165,123,195), spindle (177,137,197), other (128,87,161). Nucleus values are whole-nucleus
 * means, so they include the soft, paler rim.
 */
export const MEASURED_CONCENTRATIONS = {
  lumen: [0.059, 0.008, 0.034],
  stroma: [0.171, 0.196, 0.118],
  cytoplasm: [0.306, 0.235, 0.063],
  inflammatory: [1.154, 0.267, 0.099],
  epithelial: [0.605, 0.255, 0.088],
  spindle: [0.487, 0.209, 0.125],
  other: [0.943, 0.297, 0.205],
} as const;

/** How one slide was stained and scanned. */
export interface StainStyle {
  h: Vec3;
  e: Vec3;
  r: Vec3;
  /** Multiplies every H / E concentration (staining strength). */
  hScale: number;
  eScale: number;
  /** Intensity of clear glass per channel (0..255). */
  white: Vec3;
  /** Standard deviation of the per-pixel scanner noise, in 8-bit levels. */
  noise: number;
  /** Standard deviation (px) of the optical blur. */
  blur: number;
}

/** A slide's stain style: Ruifrok's vectors slightly perturbed, strengths within ±12 %. */
export function drawStainStyle(rng: Rng): StainStyle {
  const jitter = (v: Vec3, s: number): Vec3 => unit([v[0] + s * rng.normal(), v[1] + s * rng.normal(), v[2] + s * rng.normal()]);
  const base = rng.uniform(243, 252);
  return {
    h: jitter(HAEMATOXYLIN, 0.025),
    e: jitter(EOSIN, 0.02),
    r: RESIDUAL,
    hScale: rng.uniform(0.9, 1.12),
    eScale: rng.uniform(0.85, 1.15),
    white: [Math.min(255, base + rng.uniform(-2, 3)), Math.min(255, base + rng.uniform(-3, 1)), Math.min(255, base + rng.uniform(-1, 3))],
    noise: rng.uniform(1.5, 2.5),
    blur: rng.uniform(0.55, 0.75),
  };
}

const NOISE_TABLE = 1 << 14;

/**
 * Renders stain concentration fields (each H×W float32) to an RGB image: optical blur,
 * Beer–Lambert absorption, additive Gaussian scanner noise, rounding to 8 bits.
 */
export function renderStains(rng: Rng, width: number, height: number, cH: Float32Array, cE: Float32Array, cR: Float32Array, style: StainStyle): RgbImage {
  const bh = gaussianBlur(cH, width, height, style.blur);
  const be = gaussianBlur(cE, width, height, style.blur);
  const br = gaussianBlur(cR, width, height, style.blur);
  const img = createImage(width, height);
  const out = img.data;
  const { h, e, r, white, noise } = style;
  // Scanner noise drawn from a table of normal deviates by random index: one generator call
  // per value instead of a Box–Muller transform, which dominated rendering time.
  const table = new Float32Array(NOISE_TABLE);
  for (let i = 0; i < NOISE_TABLE; i++) table[i] = noise * rng.normal();
  for (let p = 0; p < width * height; p++) {
    const ch = bh[p] * style.hScale;
    const ce = be[p] * style.eScale;
    const cr = br[p];
    for (let c = 0; c < 3; c++) {
      const od = ch * h[c] + ce * e[c] + cr * r[c];
      const v = white[c] * Math.exp(-od) + table[rng.int(NOISE_TABLE)];
      out[3 * p + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return img;
}
