import { createInstanceMap, type InstanceMap } from './raster.ts';

/**
 * The annotation of one image: an instance map plus, for each instance, its type and
 * centroid. `ids` is sorted ascending and lists exactly the ids present in `inst`;
 * `types[i]` and the centroid (`centroids[2i]`, `centroids[2i+1]`) = (x, y) in pixels belong
 * to `ids[i]`. Most formats use ids 1..N; PanNuke and Lizard may not, so ids are kept as the
 * file gives them and {@link renumber} makes them consecutive where a writer needs it.
 */
export interface Labels {
  readonly inst: InstanceMap;
  readonly ids: Int32Array;
  readonly types: Int32Array;
  /** N×2 float64: x then y, the mean of the instance's pixel coordinates. */
  readonly centroids: Float64Array;
}

/** One row of the nuclei table. Bounding boxes are [x0, y0, x1, y1] with x1, y1 exclusive. */
export interface Nucleus {
  id: number;
  type: number;
  /** (x, y) in pixels. */
  centroid: [number, number];
  bbox: [number, number, number, number];
  /** Pixel count. */
  area: number;
}

/** Per-instance pixel statistics gathered in one pass over an instance map. */
export interface InstanceStats {
  /** Present ids, ascending. */
  ids: Int32Array;
  areas: Int32Array;
  /** N×4: x0, y0, x1, y1 (exclusive). */
  bboxes: Int32Array;
  /** N×2: mean x, mean y. */
  centroids: Float64Array;
}

/** Area, bounding box and centroid of every instance, in one pass over the map. */
export function instanceStats(inst: InstanceMap): InstanceStats {
  const { width, height, data } = inst;
  let maxId = 0;
  for (let p = 0; p < data.length; p++) if (data[p] > maxId) maxId = data[p];
  // Per-id accumulators indexed by id: ids are dense in practice (1..N). Sparse ids (PanNuke
  // can reach tens of thousands in a 256² tile) are compacted first so memory stays O(N).
  let slot: Int32Array | Map<number, number>;
  let n: number;
  if (maxId <= 4 * data.length + 1024) {
    const s = new Int32Array(maxId + 1).fill(-1);
    n = 0;
    for (let p = 0; p < data.length; p++) {
      const id = data[p];
      if (id !== 0 && s[id] < 0) s[id] = 0;
    }
    for (let id = 1; id <= maxId; id++) if (s[id] === 0) s[id] = n++;
    slot = s;
  } else {
    const present = new Set<number>();
    for (let p = 0; p < data.length; p++) if (data[p] !== 0) present.add(data[p]);
    const m = new Map<number, number>();
    [...present].sort((a, b) => a - b).forEach((id, i) => m.set(id, i));
    n = m.size;
    slot = m;
  }
  const ids = new Int32Array(n);
  const areas = new Int32Array(n);
  const bboxes = new Int32Array(4 * n);
  const sumX = new Float64Array(n);
  const sumY = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    bboxes[4 * i] = width;
    bboxes[4 * i + 1] = height;
  }
  const dense = slot instanceof Int32Array ? slot : undefined;
  const sparse = slot instanceof Map ? slot : undefined;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const id = data[row + x];
      if (id === 0) continue;
      const i = dense !== undefined ? dense[id] : sparse!.get(id)!;
      ids[i] = id;
      areas[i]++;
      sumX[i] += x;
      sumY[i] += y;
      const b = 4 * i;
      if (x < bboxes[b]) bboxes[b] = x;
      if (y < bboxes[b + 1]) bboxes[b + 1] = y;
      if (x + 1 > bboxes[b + 2]) bboxes[b + 2] = x + 1;
      bboxes[b + 3] = y + 1; // rows are visited in order
    }
  }
  const centroids = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    centroids[2 * i] = sumX[i] / areas[i];
    centroids[2 * i + 1] = sumY[i] / areas[i];
  }
  return { ids, areas, bboxes, centroids };
}

/** Builds labels from a map and a type per id; centroids are computed from the pixels. */
export function labelsFromMap(inst: InstanceMap, typeOf: (id: number) => number): Labels {
  const stats = instanceStats(inst);
  const types = Int32Array.from(stats.ids, (id) => typeOf(id));
  return { inst, ids: stats.ids, types, centroids: stats.centroids };
}

/** The nuclei table of one image: one row per instance, in id order. */
export function nucleiTable(labels: Labels): Nucleus[] {
  const stats = instanceStats(labels.inst);
  return Array.from(stats.ids, (id, i) => {
    const j = indexOfId(labels, id);
    return {
      id,
      type: labels.types[j],
      centroid: [labels.centroids[2 * j], labels.centroids[2 * j + 1]],
      bbox: [stats.bboxes[4 * i], stats.bboxes[4 * i + 1], stats.bboxes[4 * i + 2], stats.bboxes[4 * i + 3]],
      area: stats.areas[i],
    };
  });
}

/** Index of `id` in `labels.ids` (binary search), or -1. */
export function indexOfId(labels: Pick<Labels, 'ids'>, id: number): number {
  let lo = 0;
  let hi = labels.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = labels.ids[mid];
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The type map implied by labels: H×W int32 with each instance's pixels set to its type. */
export function paintTypeMap(labels: Labels): Int32Array {
  const out = new Int32Array(labels.inst.data.length);
  const typeById = new Map<number, number>();
  labels.ids.forEach((id, i) => typeById.set(id, labels.types[i]));
  const d = labels.inst.data;
  for (let p = 0; p < d.length; p++) if (d[p] !== 0) out[p] = typeById.get(d[p]) ?? 0;
  return out;
}

/**
 * Renumbers instances to 1..N in ascending order of their current ids, keeping types and
 * centroids with their instances. Returns the input unchanged when it is already 1..N.
 */
export function renumber(labels: Labels): Labels {
  const n = labels.ids.length;
  if (n === 0 || labels.ids[n - 1] === n) return labels;
  const newId = new Map<number, number>();
  labels.ids.forEach((id, i) => newId.set(id, i + 1));
  const src = labels.inst.data;
  const dst = new Int32Array(src.length);
  for (let p = 0; p < src.length; p++) if (src[p] !== 0) dst[p] = newId.get(src[p])!;
  return {
    inst: createInstanceMap(labels.inst.width, labels.inst.height, dst),
    ids: Int32Array.from({ length: n }, (_, i) => i + 1),
    types: labels.types.slice(),
    centroids: labels.centroids.slice(),
  };
}

/** A binary mask (H×W uint8, 1 inside) of one instance. */
export function instanceMask(inst: InstanceMap, id: number): Uint8Array {
  const m = new Uint8Array(inst.data.length);
  for (let p = 0; p < m.length; p++) if (inst.data[p] === id) m[p] = 1;
  return m;
}

/**
 * One 4-connected dilation step of a binary mask (H×W, non-zero = inside): a pixel joins
 * when one of its 4 neighbours is inside. Pixels outside the raster count as outside.
 */
export function dilate4(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = mask.slice();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (mask[p]) continue;
      if ((x > 0 && mask[p - 1]) || (x < width - 1 && mask[p + 1]) || (y > 0 && mask[p - width]) || (y < height - 1 && mask[p + width])) {
        out[p] = 1;
      }
    }
  }
  return out;
}

/**
 * Contour layers of a mask, as NucleiMix uses them: `rings[0]` is the mask itself (r0) and
 * `rings[k]` is r_k, the mask grown by k successive 4-connected dilations. The 1-px layer k
 * is `rings[k] \ rings[k-1]`.
 *
 * @returns `count + 1` masks, each H×W uint8 with 1 inside.
 */
export function dilationRings(mask: Uint8Array, width: number, height: number, count: number): Uint8Array[] {
  const rings: Uint8Array[] = [Uint8Array.from(mask, (v) => (v ? 1 : 0))];
  for (let k = 1; k <= count; k++) rings.push(dilate4(rings[k - 1], width, height));
  return rings;
}
