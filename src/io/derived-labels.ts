/**
 * Label files store arrays derived from the instance map (centroids, a per-pixel type map)
 * beside the ones that define the labels (the instance map, one type per instance). When they
 * disagree, the defining ones win, as HoVer-Net's own loaders assume them consistent:
 * - centroids: the instance map is authoritative. A stored centroid that is not finite, or
 *   lies more than CENTROID_TOLERANCE px from the mean of its instance's pixels, is replaced by
 *   that mean. The tolerance admits MATLAB's 1-based regionprops centroids and rounding, so
 *   files whose centroids merely follow another convention are kept as they are;
 * - type map: the per-instance types are authoritative; a disagreeing type map is dropped,
 *   and the writer paints a fresh one from the types.
 * Each correction is a warning naming the file and the number of nuclei concerned, through
 * process.emitWarning (code NUCLEIMIX_DERIVED_LABELS), as other io warnings are reported.
 */
import type { InstanceMap } from '../core/raster.ts';

/** How far (px) a stored centroid may be from the mean of its pixels and still be kept. */
export const CENTROID_TOLERANCE = 2;

/**
 * `stored` (N×2: x, y per instance, in the order of `computed`) with every row that is not
 * finite or is off `computed` by more than the tolerance replaced by `computed`'s; and how
 * many rows were replaced.
 */
export function checkedCentroids(stored: Float64Array, computed: Float64Array): { centroids: Float64Array; replaced: number } {
  const centroids = stored.slice();
  let replaced = 0;
  for (let i = 0; 2 * i + 1 < computed.length; i++) {
    const [x, y] = [stored[2 * i], stored[2 * i + 1]];
    const off = Math.hypot(x - computed[2 * i], y - computed[2 * i + 1]);
    if (Number.isFinite(x) && Number.isFinite(y) && off <= CENTROID_TOLERANCE) continue;
    centroids[2 * i] = computed[2 * i];
    centroids[2 * i + 1] = computed[2 * i + 1];
    replaced++;
  }
  return { centroids, replaced };
}

/**
 * How a stored type map (H×W, row-major) disagrees with the per-instance types: the number of
 * instances with some pixel of another type, and of background pixels with a type.
 */
export function typeMapDisagreement(typeMap: Int32Array, inst: InstanceMap, ids: Int32Array, types: Int32Array): { nuclei: number; background: number } {
  const typeOf = new Map<number, number>();
  ids.forEach((id, i) => typeOf.set(id, types[i]));
  const wrong = new Set<number>();
  let background = 0;
  const d = inst.data;
  for (let p = 0; p < d.length; p++) {
    const id = d[p];
    if (id === 0) {
      if (typeMap[p] !== 0) background++;
    } else if (typeMap[p] !== typeOf.get(id)) {
      wrong.add(id);
    }
  }
  return { nuclei: wrong.size, background };
}

/** Reports a correction of derived arrays (see the module comment). */
export function warnDerived(file: string, message: string): void {
  process.emitWarning(`${file}: ${message}`, { code: 'NUCLEIMIX_DERIVED_LABELS' });
}

/** "3 of 57 nuclei" */
export function ofNuclei(count: number, total: number): string {
  return `${count.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} nuclei`;
}
