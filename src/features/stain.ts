/**
 * Colour deconvolution of H&E (Ruifrok & Johnston, Anal. Quant. Cytol. Histol. 2001): RGB →
 * optical density → haematoxylin (H), eosin (E) and residual concentrations.
 *
 * By Beer–Lambert, a pixel's optical density per channel is OD = ln(I0 / I) and is the sum
 * of each stain's concentration times its OD vector: OD = cH·h + cE·e + cR·r. The vectors are
 * scikit-image's `rgb2hed` ones (the same as src/synth/stain.ts), scaled to unit length. We
 * use natural logarithms (Ruifrok uses log10; the features are z-scored, so the base only
 * rescales them) and a fixed I0 = 255 so that a patch's features do not depend on what else
 * is in its image; intensities are clamped to ≥ 1 so black pixels give a finite OD.
 */

import { EOSIN, HAEMATOXYLIN, RESIDUAL, type Vec3 } from '../core/stain-vectors.ts';

export { EOSIN, HAEMATOXYLIN, RESIDUAL, type Vec3 };

/** Inverse of a 3×3 matrix given by rows (cofactors / determinant). */
function inverse3(m: readonly Vec3[]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/**
 * 3×3, row c = OD channel c (R, G, B), column s = stain s (H, E, residual): the
 * concentrations of a pixel are `cs = Σ_c OD_c · HED_FROM_OD[c][s]`.
 */
export const HED_FROM_OD: readonly (readonly number[])[] = inverse3([HAEMATOXYLIN, EOSIN, RESIDUAL]);

/** Optical density ln(255 / max(v, 1)) of an 8-bit intensity. */
export function opticalDensity(v: number): number {
  return Math.log(255 / Math.max(v, 1));
}

/** H, E and residual concentrations of one RGB pixel (OD units, unclamped). */
export function stainConcentrations(r: number, g: number, b: number): [number, number, number] {
  const od = [opticalDensity(r), opticalDensity(g), opticalDensity(b)];
  const out: [number, number, number] = [0, 0, 0];
  for (let s = 0; s < 3; s++) out[s] = od[0] * HED_FROM_OD[0][s] + od[1] * HED_FROM_OD[1][s] + od[2] * HED_FROM_OD[2][s];
  return out;
}

/**
 * Lookup tables for the per-pixel hot loop: with channel c ∈ {0, 1, 2} and 8-bit value v,
 * `h[c * 256 + v]` is v's contribution to the H concentration (and `e` to E), so
 * cH = h[r] + h[256 + g] + h[512 + b]; `od[v]` is the optical density of v.
 */
export interface StainLut {
  readonly h: Float64Array;
  readonly e: Float64Array;
  readonly od: Float64Array;
}

function buildLut(): StainLut {
  const h = new Float64Array(768);
  const e = new Float64Array(768);
  const od = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    od[v] = opticalDensity(v);
    for (let c = 0; c < 3; c++) {
      h[c * 256 + v] = od[v] * HED_FROM_OD[c][0];
      e[c * 256 + v] = od[v] * HED_FROM_OD[c][1];
    }
  }
  return { h, e, od };
}

export const STAIN_LUT: StainLut = buildLut();
