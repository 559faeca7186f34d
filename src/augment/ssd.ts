/**
 * InsMix's morphology constraints (Lin et al. 2022, §2.1, eq. 1–2): how far a template nucleus may
 * differ from the original nucleus it is placed beside, in scale and in shape.
 */

/** A nucleus mask with its geometry, as {@link NucleusRecord} has it. */
export interface MaskedNucleus {
  area: number;
  /** Centroid (mean pixel coordinates). */
  cx: number;
  cy: number;
  /** Bounding box x0, y0, x1, y1 (exclusive) and the mask over it, (x1−x0)×(y1−y0) uint8. */
  bbox: readonly [number, number, number, number];
  mask: Uint8Array;
}

/** min(|A|, |B|) / max(|A|, |B|): 1 for equal areas; the paper's f_scale is its inverse. */
export function scaleRatio(a: number, b: number): number {
  if (a <= 0 || b <= 0) return 0;
  return Math.min(a, b) / Math.max(a, b);
}

/**
 * f_shape = |M_a − M_b| / max(|M_a|, |M_b|): the pixels where the two masks differ (their
 * symmetric difference) once `b` is moved so that its rounded centroid falls on `a`'s, over
 * the larger area. 0 for identical shapes; at most (|A| + |B|) / max ≤ 2.
 */
export function shapeDifference(a: MaskedNucleus, b: MaskedNucleus): number {
  const sx = Math.round(a.cx) - Math.round(b.cx);
  const sy = Math.round(a.cy) - Math.round(b.cy);
  const aw = a.bbox[2] - a.bbox[0];
  const ah = a.bbox[3] - a.bbox[1];
  const bw = b.bbox[2] - b.bbox[0];
  const bh = b.bbox[3] - b.bbox[1];
  let overlap = 0;
  for (let y = 0; y < bh; y++) {
    // Row y of b lands on row ay of a's box.
    const ay = b.bbox[1] + y + sy - a.bbox[1];
    if (ay < 0 || ay >= ah) continue;
    for (let x = 0; x < bw; x++) {
      if (!b.mask[y * bw + x]) continue;
      const ax = b.bbox[0] + x + sx - a.bbox[0];
      if (ax >= 0 && ax < aw && a.mask[ay * aw + ax]) overlap++;
    }
  }
  return (a.area + b.area - 2 * overlap) / Math.max(a.area, b.area);
}
