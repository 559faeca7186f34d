/**
 * Ruifrok & Johnston's H&E optical-density vectors (Anal. Quant. Cytol. Histol. 2001), as in
 * scikit-image's `rgb2hed`, scaled to unit length. Shared by the colour deconvolution of the
 * context features and the stain model of the sample generator, so both speak of the same H
 * and E.
 */
export type Vec3 = readonly [number, number, number];

export function unit(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Haematoxylin OD vector (R, G, B). */
export const HAEMATOXYLIN: Vec3 = unit([0.65, 0.7, 0.29]);
/** Eosin OD vector. */
export const EOSIN: Vec3 = unit([0.07, 0.99, 0.11]);
/** The third vector of the matrix (DAB in scikit-image): a residual absorber here. */
export const RESIDUAL: Vec3 = unit([0.27, 0.57, 0.78]);
