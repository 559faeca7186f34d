/**
 * The sparse intersection table of two instance maps, built in one pass over their pixels:
 * every instance metric is a function of this table, so none of them costs
 * instances × pixels (the reference builds one full-size mask per instance).
 *
 * Instances are addressed by index: index k (0-based) is the instance with the (k+1)-th
 * smallest id, i.e. id k+1 after the reference's `remap_label` renumbering.
 */
import { NucleiMixError } from '../core/errors.ts';
import type { InstanceMap } from '../core/raster.ts';

export interface Intersections {
  /** Ids present in the true map, ascending. */
  trueIds: Int32Array;
  /** Ids present in the predicted map, ascending. */
  predIds: Int32Array;
  /** Pixel count of each true instance, by index. */
  trueAreas: Int32Array;
  /** Pixel count of each predicted instance, by index. */
  predAreas: Int32Array;
  /**
   * Overlapping pairs grouped by true index (CSR): the pairs of true index k are
   * `rowStart[k] .. rowStart[k+1]-1`, with predicted indices ascending. Length nTrue + 1.
   */
  rowStart: Int32Array;
  /** Predicted index of each pair. */
  predIndex: Int32Array;
  /** Overlap of each pair, in pixels (> 0). */
  inter: Int32Array;
  /** Whether each map has at least one background (0) pixel; the reference needs one. */
  trueHasBackground: boolean;
  predHasBackground: boolean;
}

/** Largest id of a map; throws on a negative one. */
function maxId(map: InstanceMap, what: string): number {
  const d = map.data;
  let max = 0;
  let min = 0;
  for (let p = 0; p < d.length; p++) {
    const v = d[p];
    if (v > max) max = v;
    else if (v < min) min = v;
  }
  if (min < 0) throw new NucleiMixError(`${what} instance map has a negative id (${min})`);
  return max;
}

/**
 * The map with ids replaced by their rank (1-based) when they are too sparse to index arrays
 * by id (PanNuke-style ids); else the map itself. Ranks keep the order, so either way the
 * table comes out the same.
 */
function compact(map: InstanceMap, max: number): { data: Int32Array; max: number } {
  const d = map.data;
  if (max <= 2 * d.length + 65536) return { data: d, max };
  const seen = new Set<number>();
  let last = 0;
  for (let p = 0; p < d.length; p++) {
    const v = d[p];
    if (v !== last && v !== 0) seen.add(v);
    last = v;
  }
  const ids = Int32Array.from(seen).sort();
  const rank = new Map<number, number>();
  ids.forEach((id, k) => rank.set(id, k + 1));
  const out = new Int32Array(d.length);
  let lastId = 0;
  let lastRank = 0;
  for (let p = 0; p < d.length; p++) {
    const v = d[p];
    if (v === 0) continue;
    if (v !== lastId) {
      lastId = v;
      lastRank = rank.get(v)!;
    }
    out[p] = lastRank;
  }
  return { data: out, max: ids.length };
}

/** Present ids (ascending, as values of `ids`) and their index (-1 if absent), from per-id areas. */
function present(areaById: Float64Array, ids: ArrayLike<number> | undefined): { ids: Int32Array; areas: Int32Array; index: Int32Array } {
  const index = new Int32Array(areaById.length).fill(-1);
  const list: number[] = [];
  for (let v = 1; v < areaById.length; v++) {
    if (areaById[v] > 0) {
      index[v] = list.length;
      list.push(v);
    }
  }
  return {
    ids: Int32Array.from(list, (v) => (ids === undefined ? v : ids[v - 1])),
    areas: Int32Array.from(list, (v) => areaById[v]),
    index,
  };
}

/**
 * Builds the intersection table of a true and a predicted map of the same size.
 * Time O(pixels + pairs·log pairs); memory O(pixels + largest id).
 *
 * @throws NucleiMixError when the sizes differ or an id is negative.
 */
export function intersections(trueMap: InstanceMap, predMap: InstanceMap): Intersections {
  if (trueMap.width !== predMap.width || trueMap.height !== predMap.height) {
    throw new NucleiMixError(`the true map is ${trueMap.width}×${trueMap.height} but the predicted map is ${predMap.width}×${predMap.height}`);
  }
  const tc = compact(trueMap, maxId(trueMap, 'true'));
  const pc = compact(predMap, maxId(predMap, 'predicted'));
  const T = tc.data;
  const P = pc.data;
  const areaT = new Float64Array(tc.max + 1);
  const areaP = new Float64Array(pc.max + 1);
  const stride = pc.max + 1;
  const counts = new Map<number, number>();
  // Pixels come in runs of one (true, pred) pair along rows: count runs, and touch the
  // per-id arrays and the hash table once per run rather than once per pixel.
  let a = -1;
  let b = -1;
  let start = 0;
  const flush = (end: number) => {
    const n = end - start;
    areaT[a] += n;
    areaP[b] += n;
    if (a !== 0 && b !== 0) {
      const key = a * stride + b;
      counts.set(key, (counts.get(key) ?? 0) + n);
    }
  };
  const len = T.length;
  if (len > 0) {
    a = T[0];
    b = P[0];
  }
  for (let p = 1; p < len; p++) {
    const x = T[p];
    const y = P[p];
    if (x !== a || y !== b) {
      flush(p);
      a = x;
      b = y;
      start = p;
    }
  }
  if (len > 0) flush(len);

  const trueIds = T === trueMap.data ? undefined : sortedIds(trueMap);
  const predIds = P === predMap.data ? undefined : sortedIds(predMap);
  const t = present(areaT, trueIds);
  const q = present(areaP, predIds);
  const nT = t.ids.length;
  const keys = Float64Array.from(counts.keys()).sort();
  const rowStart = new Int32Array(nT + 1);
  const predIndex = new Int32Array(keys.length);
  const inter = new Int32Array(keys.length);
  keys.forEach((key, k) => {
    const ra = Math.floor(key / stride);
    const row = t.index[ra];
    predIndex[k] = q.index[key - ra * stride];
    inter[k] = counts.get(key)!;
    rowStart[row + 1]++;
  });
  for (let k = 0; k < nT; k++) rowStart[k + 1] += rowStart[k];
  return {
    trueIds: t.ids,
    predIds: q.ids,
    trueAreas: t.areas,
    predAreas: q.areas,
    rowStart,
    predIndex,
    inter,
    trueHasBackground: areaT[0] > 0 || len === 0,
    predHasBackground: areaP[0] > 0 || len === 0,
  };
}

/** Ids present in a map, ascending (for the sparse-id path only). */
function sortedIds(map: InstanceMap): Int32Array {
  const seen = new Set<number>();
  let last = 0;
  for (const v of map.data) {
    if (v !== last && v !== 0) seen.add(v);
    last = v;
  }
  return Int32Array.from(seen).sort();
}
