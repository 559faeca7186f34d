import { instanceStats } from './labels.ts';
import type { InstanceMap } from './raster.ts';

/** Shape of each instance, from its pixels' second moments. Arrays are aligned with `ids`. */
export interface InstanceShapes {
  ids: Int32Array;
  areas: Int32Array;
  /** N×2: mean x, mean y. */
  centroids: Float64Array;
  /** Major-axis angle in radians in (−π/2, π/2], measured from +x towards +y (image rows down). */
  orientation: Float64Array;
  /** Major and minor axis lengths of the ellipse with the same second moments (4·√eigenvalue). */
  majorAxis: Float64Array;
  minorAxis: Float64Array;
  /** Largest distance from the centroid to a pixel centre, plus half a pixel: a disc of this radius holds the instance whatever its rotation. */
  radius: Float64Array;
  /** N×4 bounding boxes x0, y0, x1, y1 (exclusive). */
  bboxes: Int32Array;
}

/** Second-moment shape descriptors of every instance (two passes over the map). */
export function instanceShapes(inst: InstanceMap): InstanceShapes {
  const { width, height, data } = inst;
  const { ids, areas, bboxes, centroids } = instanceStats(inst);
  const n = ids.length;
  const index = new Map<number, number>();
  ids.forEach((id, i) => index.set(id, i));
  let last = 0;
  let li = -1;
  const mxx = new Float64Array(n);
  const myy = new Float64Array(n);
  const mxy = new Float64Array(n);
  const r2 = new Float64Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const id = data[y * width + x];
      if (id === 0) continue;
      if (id !== last) {
        last = id;
        li = index.get(id)!;
      }
      const dx = x - centroids[2 * li];
      const dy = y - centroids[2 * li + 1];
      mxx[li] += dx * dx;
      myy[li] += dy * dy;
      mxy[li] += dx * dy;
      const d2 = dx * dx + dy * dy;
      if (d2 > r2[li]) r2[li] = d2;
    }
  }
  const orientation = new Float64Array(n);
  const majorAxis = new Float64Array(n);
  const minorAxis = new Float64Array(n);
  const radius = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = mxx[i] / areas[i];
    const c = myy[i] / areas[i];
    const b = mxy[i] / areas[i];
    const common = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    const l1 = (a + c) / 2 + common;
    const l2 = Math.max(0, (a + c) / 2 - common);
    orientation[i] = 0.5 * Math.atan2(2 * b, a - c);
    majorAxis[i] = 4 * Math.sqrt(l1);
    minorAxis[i] = 4 * Math.sqrt(l2);
    radius[i] = Math.sqrt(r2[i]) + 0.5;
  }
  return { ids, areas, centroids, orientation, majorAxis, minorAxis, radius, bboxes };
}

/** Smallest angle between two axis orientations (radians, axes are undirected): 0..π/2. */
export function axisAngle(a: number, b: number): number {
  let d = Math.abs(a - b) % Math.PI;
  if (d > Math.PI / 2) d = Math.PI - d;
  return d;
}
