/**
 * Grey-level co-occurrence matrix and the four Haralick-style statistics the official
 * NucleiMix code appends to its CTransPath features, with scikit-image's definitions
 * (`skimage.feature.graycomatrix` with symmetric=False, normed=True, then `graycoprops`):
 *
 *   P[i, j] = #{(r, c) : img[r, c] = i, img[r + dr, c + dc] = j} / #pairs,
 *   dr = round(sin(angle)·distance), dc = round(cos(angle)·distance) (angle 0 looks right,
 *   π/2 looks down), pairs whose second pixel leaves the image are not counted;
 *   dissimilarity = Σ P·|i − j|, homogeneity = Σ P / (1 + (i − j)²), ASM = Σ P², energy = √ASM.
 *
 * Written here because no installed package computes a GLCM. The statistics are
 * accumulated while counting (Σ count² grows by 2c + 1 when a cell goes from c to c + 1), so
 * the 256×256 matrix is never scanned.
 */
import { check } from '../core/errors.ts';

export interface GlcmStats {
  dissimilarity: number;
  homogeneity: number;
  energy: number;
  asm: number;
}

/** The official parameters: distance 2, angle 0, 256 grey levels. */
export const GLCM_DISTANCE = 2;
export const GLCM_ANGLE = 0;
export const GLCM_LEVELS = 256;

function offsets(distance: number, angle: number): [number, number] {
  return [Math.round(Math.sin(angle) * distance), Math.round(Math.cos(angle) * distance)];
}

function checkImage(grey: Uint8Array, width: number, height: number, levels: number): void {
  check(grey.length === width * height, undefined, `grey image has ${grey.length} values, expected ${height}×${width}`);
  check(Number.isInteger(levels) && levels >= 1 && levels <= 256, undefined, `GLCM levels must be 1..256, got ${levels}`);
}

/**
 * The raw (unnormalised) co-occurrence counts, levels×levels row-major: `[i * levels + j]`.
 * `grey` is H×W, one byte per pixel, every value < `levels`.
 */
export function glcmCounts(grey: Uint8Array, width: number, height: number, distance = GLCM_DISTANCE, angle = GLCM_ANGLE, levels = GLCM_LEVELS): Uint32Array {
  checkImage(grey, width, height, levels);
  const [dr, dc] = offsets(distance, angle);
  const counts = new Uint32Array(levels * levels);
  for (let r = Math.max(0, -dr); r < Math.min(height, height - dr); r++) {
    for (let c = Math.max(0, -dc); c < Math.min(width, width - dc); c++) {
      const i = grey[r * width + c];
      const j = grey[(r + dr) * width + c + dc];
      check(i < levels && j < levels, undefined, `grey value ${Math.max(i, j)} is not below levels = ${levels}`);
      counts[i * levels + j]++;
    }
  }
  return counts;
}

const HOMOGENEITY = Float64Array.from({ length: 256 }, (_, k) => 1 / (1 + k * k));
let scratch = new Uint32Array(GLCM_LEVELS * GLCM_LEVELS);

/**
 * Dissimilarity, homogeneity, energy and ASM of the normalised GLCM of `grey` (H×W bytes),
 * as `graycoprops` reports them. An image too small to hold one pair gives all zeros.
 */
export function glcmStats(grey: Uint8Array, width: number, height: number, distance = GLCM_DISTANCE, angle = GLCM_ANGLE, levels = GLCM_LEVELS): GlcmStats {
  checkImage(grey, width, height, levels);
  const [dr, dc] = offsets(distance, angle);
  if (scratch.length < levels * levels) scratch = new Uint32Array(levels * levels);
  const counts = scratch;
  counts.fill(0, 0, levels * levels);
  let n = 0;
  let sumSq = 0;
  let diss = 0;
  let homog = 0;
  let maxValue = 0;
  const r0 = Math.max(0, -dr);
  const r1 = Math.min(height, height - dr);
  const c0 = Math.max(0, -dc);
  const c1 = Math.min(width, width - dc);
  if (r1 <= r0 || c1 <= c0) return { dissimilarity: 0, homogeneity: 0, energy: 0, asm: 0 };
  const shift = dr * width + dc;
  for (let r = r0; r < r1; r++) {
    const row = r * width;
    for (let p = row + c0; p < row + c1; p++) {
      const i = grey[p];
      const j = grey[p + shift];
      const cell = i * levels + j;
      const c = counts[cell];
      counts[cell] = c + 1;
      sumSq += 2 * c + 1;
      const k = i > j ? i - j : j - i;
      diss += k;
      homog += HOMOGENEITY[k];
      if (i > maxValue) maxValue = i;
      if (j > maxValue) maxValue = j;
    }
    n += c1 - c0;
  }
  check(maxValue < levels, undefined, `grey value ${maxValue} is not below levels = ${levels}`);
  const asm = sumSq / (n * n);
  return { dissimilarity: diss / n, homogeneity: homog / n, energy: Math.sqrt(asm), asm };
}
