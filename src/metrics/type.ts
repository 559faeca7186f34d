/**
 * Nucleus classification scores pooled over a dataset, exactly as HoVer-Net's
 * `compute_stats.py` (`run_nuclei_type_stat`, exhaustive GT) and `pair_coordinates` compute
 * them: in each image, all true and all predicted centroids are paired by one minimum
 * total-distance assignment (scipy's, ties included), and only then are pairs farther than
 * 12 px dropped. Counts are pooled over images:
 *
 *   F_d = 2TP / (2TP + FP + FN)              (TP = pairs, FP/FN = unpaired predictions/GT)
 *   Acc = pairs whose types agree / pairs
 *   F_t = 2TP_t / (2TP_t + 2FP_t + 2FN_t + FP_d,t + FN_d,t)
 *
 * where, over pairs in which either side has type t, TP_t = both t, FP_t = prediction t only,
 * FN_t = GT t only, and FP_d,t / FN_d,t count unpaired predictions / GT of type t.
 *
 * Reference quirks kept on purpose: centroids are cast to float32 and distances computed in
 * float32 (float64 against the stand-in point); an image without instances contributes one
 * stand-in point (0, 0) of type 0 on that side, which may pair, count as FP/FN, and puts
 * type 0 in the default type list.
 */
import { assignWide } from './hungarian.ts';

/** The reference's pairing radius, in pixels. */
export const PAIRING_RADIUS = 12;

/** One image's points as the reference holds them. */
export interface TypePoints {
  /** N×2 (x, y), already rounded to float32 (or the stand-in (0, 0)). */
  xy: Float64Array;
  types: Int32Array;
  /**
   * True for the stand-in point of an image without instances: the reference builds it as an
   * int64 array, so its distances are computed in float64.
   */
  standIn: boolean;
}

/**
 * Points of one image from centroids (N×2, x then y) and types (N), as the reference reads
 * a stored `inst_centroid` / `inst_type` (`astype('float32')`, `astype('int32')`).
 */
export function referencePoints(centroids: ArrayLike<number>, types: ArrayLike<number>): TypePoints {
  if (types.length === 0) return { xy: new Float64Array(2), types: new Int32Array(1), standIn: true };
  if (centroids.length !== 2 * types.length) throw new RangeError(`${types.length} types but ${centroids.length / 2} centroids`);
  return { xy: Float64Array.from(centroids, Math.fround), types: Int32Array.from(types), standIn: false };
}

/**
 * The reference's distance matrix between points `a` (rows) and `b` (columns), row-major:
 * float32 arithmetic when both are real points, float64 against a stand-in (numpy promotes
 * float32 with int64 to float64). Distances are symmetric, so either side may be the rows.
 */
function distances(a: TypePoints, b: TypePoints): Float64Array {
  const n = a.types.length;
  const m = b.types.length;
  const out = new Float64Array(n * m);
  const A = a.xy;
  const B = b.xy;
  const f32 = !a.standIn && !b.standIn;
  for (let i = 0; i < n; i++) {
    const ax = A[2 * i];
    const ay = A[2 * i + 1];
    const row = i * m;
    if (f32) {
      // Each double operation on float32 operands rounded once to float32 is exactly the
      // float32 operation (53 ≥ 2·24 + 2 bits), so this is numpy's float32 arithmetic.
      for (let j = 0; j < m; j++) {
        const dx = Math.fround(ax - B[2 * j]);
        const dy = Math.fround(ay - B[2 * j + 1]);
        out[row + j] = Math.fround(Math.sqrt(Math.fround(Math.fround(dx * dx) + Math.fround(dy * dy))));
      }
    } else {
      for (let j = 0; j < m; j++) {
        const dx = ax - B[2 * j];
        const dy = ay - B[2 * j + 1];
        out[row + j] = Math.sqrt(dx * dx + dy * dy);
      }
    }
  }
  return out;
}

export interface PointPairing {
  /** Pairs as (true index, predicted index), k×2, in true index order. */
  pairs: Int32Array;
  unpairedTrue: Int32Array;
  unpairedPred: Int32Array;
}

/**
 * `pair_coordinates`: the minimum total-distance assignment over the full distance matrix,
 * then pairs with distance > `radius` dropped.
 */
export function pairPoints(t: TypePoints, p: TypePoints, radius = PAIRING_RADIUS): PointPairing {
  const nT = t.types.length;
  const nP = p.types.length;
  // Built directly in the orientation scipy solves in (fewer rows than columns).
  const wide = nT <= nP;
  const nc = wide ? nP : nT;
  const cost = wide ? distances(t, p) : distances(p, t);
  const col4row = assignWide(cost, wide ? nT : nP, nc);
  const predOf = new Int32Array(nT).fill(-1);
  col4row.forEach((c, r) => {
    if (cost[r * nc + c] <= radius) predOf[wide ? r : c] = wide ? c : r;
  });
  const pairs: number[] = [];
  const pairedP = new Uint8Array(nP);
  const unpairedTrue: number[] = [];
  predOf.forEach((j, i) => {
    if (j < 0) {
      unpairedTrue.push(i);
      return;
    }
    pairs.push(i, j);
    pairedP[j] = 1;
  });
  const unpairedPred: number[] = [];
  pairedP.forEach((v, j) => v || unpairedPred.push(j));
  return { pairs: Int32Array.from(pairs), unpairedTrue: Int32Array.from(unpairedTrue), unpairedPred: Int32Array.from(unpairedPred) };
}

/** Type counts pooled over images; build with {@link createTypeTally} and {@link addTypeImage}. */
export interface TypeTally {
  /** Count of pairs per "trueType,predType". */
  pairs: Map<string, number>;
  /** Count of unpaired points per type. */
  unpairedTrue: Map<number, number>;
  unpairedPred: Map<number, number>;
  /** Every type seen on the true side, stand-ins (type 0) included. */
  trueTypes: Set<number>;
}

export function createTypeTally(): TypeTally {
  return { pairs: new Map(), unpairedTrue: new Map(), unpairedPred: new Map(), trueTypes: new Set() };
}

function bump<K>(m: Map<K, number>, key: K): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Pairs one image's points and adds its counts to `tally`. */
export function addTypeImage(tally: TypeTally, t: TypePoints, p: TypePoints, radius = PAIRING_RADIUS): PointPairing {
  const pairing = pairPoints(t, p, radius);
  for (const ty of t.types) tally.trueTypes.add(ty);
  for (let k = 0; k < pairing.pairs.length; k += 2) bump(tally.pairs, `${t.types[pairing.pairs[k]]},${p.types[pairing.pairs[k + 1]]}`);
  for (const i of pairing.unpairedTrue) bump(tally.unpairedTrue, t.types[i]);
  for (const j of pairing.unpairedPred) bump(tally.unpairedPred, p.types[j]);
  return pairing;
}

export interface TypeScores {
  /** Detection F1. */
  fD: number;
  /** Share of pairs whose types agree; NaN when nothing paired. */
  acc: number;
  /** F_t for each type of the list, in list order; NaN where type t occurs nowhere. */
  fType: { type: number; f: number }[];
  tp: number;
  fp: number;
  fn: number;
}

/**
 * The pooled scores. `types` defaults to the reference's list: the sorted set of true types
 * (with 0 when some image had no true instance).
 */
export function typeScores(tally: TypeTally, types?: readonly number[]): TypeScores {
  const list = types ?? [...tally.trueTypes].sort((a, b) => a - b);
  let tp = 0;
  let agree = 0;
  const pairList: [number, number, number][] = [];
  for (const [key, n] of tally.pairs) {
    const [a, b] = key.split(',').map(Number);
    pairList.push([a, b, n]);
    tp += n;
    if (a === b) agree += n;
  }
  const total = (m: Map<number, number>) => [...m.values()].reduce((s, n) => s + n, 0);
  const fp = total(tally.unpairedPred);
  const fn = total(tally.unpairedTrue);
  const fType = list.map((type) => {
    let tpT = 0;
    let fpT = 0;
    let fnT = 0;
    for (const [a, b, n] of pairList) {
      if (a === type && b === type) tpT += n;
      else if (b === type) fpT += n;
      else if (a === type) fnT += n;
    }
    const fpD = tally.unpairedPred.get(type) ?? 0;
    const fnD = tally.unpairedTrue.get(type) ?? 0;
    // The reference's TN term is always 0 over pairs where either side is t.
    return { type, f: (2 * tpT) / (2 * tpT + 2 * fpT + 2 * fnT + fpD + fnD) };
  });
  return { fD: (2 * tp) / (2 * tp + fp + fn), acc: agree / tp, fType, tp, fp, fn };
}
