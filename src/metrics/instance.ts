/**
 * Per-image instance segmentation scores, exactly as HoVer-Net's `metrics/stats_utils.py`
 * computes them (`get_dice_1`, `get_fast_aji`, `get_fast_aji_plus`, `get_fast_pq` at
 * match IoU 0.5), on the maps renumbered to consecutive ids in id order (`remap_label`).
 * Each works on the sparse {@link Intersections} table of the two maps, with the reference's
 * formulas and order of floating-point operations, so the results agree bit for bit.
 *
 * Degenerate images: each function returns what its formula gives when the reference does
 * not crash; where it crashes (see each function), the value documented there.
 */
import { assignWide } from './hungarian.ts';
import type { Intersections } from './intersections.ts';
import { numpySum } from './pairwise-sum.ts';

export interface InstanceScores {
  dice: number;
  aji: number;
  dq: number;
  sq: number;
  pq: number;
  ajiPlus: number;
}

/** The instance score names in the reference's printing order. */
export const INSTANCE_KEYS = ['dice', 'aji', 'dq', 'sq', 'pq', 'ajiPlus'] as const;

/** Union of a pair (pixels in either), as the reference's `total - inter`. */
function unionOf(x: Intersections, row: number, k: number): number {
  return x.trueAreas[row] + x.predAreas[x.predIndex[k]] - x.inter[k];
}

function sum(a: Int32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/**
 * Binary Dice, 2·|T∩P| / (|T| + |P|) over the foregrounds (`get_dice_1`).
 * NaN when both maps are empty (the reference's 0/0).
 */
export function dice(x: Intersections): number {
  const inter = sum(x.inter);
  return (2 * inter) / (sum(x.trueAreas) + sum(x.predAreas));
}

/**
 * Aggregated Jaccard Index (`get_fast_aji`): each true instance takes the prediction of
 * largest IoU = inter / (union + 1e-6), the first in id order on ties, if that IoU is > 0; a
 * prediction may be taken by several. AJI = Σ paired inter / (Σ paired union + areas of
 * unpaired true instances + areas of predictions never taken).
 *
 * With no predictions the reference crashes (argmax of an empty row); this returns 0 (no
 * overlap, the true areas in the union). NaN when both maps are empty.
 */
export function aji(x: Intersections): number {
  const nT = x.trueIds.length;
  const taken = new Uint8Array(x.predIds.length);
  let inter = 0;
  let union = 0;
  for (let g = 0; g < nT; g++) {
    let best = -1;
    let bestIou = 0;
    for (let k = x.rowStart[g]; k < x.rowStart[g + 1]; k++) {
      const iou = x.inter[k] / (unionOf(x, g, k) + 1e-6);
      if (iou > bestIou) {
        bestIou = iou;
        best = k;
      }
    }
    if (best < 0) continue;
    inter += x.inter[best];
    union += unionOf(x, g, best);
    taken[x.predIndex[best]] = 1;
  }
  // Pixel counts are integers, so these sums are exact in any order.
  for (let g = 0; g < nT; g++) if (x.rowStart[g + 1] === x.rowStart[g]) union += x.trueAreas[g];
  for (let p = 0; p < taken.length; p++) if (!taken[p]) union += x.predAreas[p];
  return inter / union;
}

/**
 * AJI+ (`get_fast_aji_plus`): as AJI, but the pairs are one unique assignment maximising the
 * total IoU (scipy's Hungarian on −IoU, reproduced with its tie-breaking), keeping pairs with
 * IoU > 0. 0 with no predictions, NaN when both maps are empty (as the reference).
 *
 * Time O(nTrue·nPred) for the dense cost matrix plus the assignment.
 */
export function ajiPlus(x: Intersections): number {
  const nT = x.trueIds.length;
  const nP = x.predIds.length;
  const pairedTrue = new Uint8Array(nT);
  const pairedPred = new Uint8Array(nP);
  let inter = 0;
  let union = 0;
  const take = (g: number, p: number) => {
    // Only overlapping pairs have IoU > 0, and only they are kept.
    const k = findPair(x, g, p);
    if (k < 0) return;
    pairedTrue[g] = 1;
    pairedPred[p] = 1;
    inter += x.inter[k];
    union += unionOf(x, g, k);
  };
  if (nT > 0 && nP > 0) {
    // Build −IoU directly in the orientation scipy solves in (fewer rows than columns).
    const wide = nT <= nP;
    const nc = wide ? nP : nT;
    const cost = new Float64Array(nT * nP).fill(-0);
    for (let g = 0; g < nT; g++) {
      for (let k = x.rowStart[g]; k < x.rowStart[g + 1]; k++) {
        const p = x.predIndex[k];
        cost[wide ? g * nc + p : p * nc + g] = -(x.inter[k] / (unionOf(x, g, k) + 1e-6));
      }
    }
    const col4row = assignWide(cost, wide ? nT : nP, nc);
    col4row.forEach((c, r) => (wide ? take(r, c) : take(c, r)));
  }
  for (let g = 0; g < nT; g++) if (!pairedTrue[g]) union += x.trueAreas[g];
  for (let p = 0; p < nP; p++) if (!pairedPred[p]) union += x.predAreas[p];
  return inter / union;
}

/** Index in the table of the pair (true index g, predicted index p), or -1 (binary search). */
export function findPair(x: Intersections, g: number, p: number): number {
  let lo = x.rowStart[g];
  let hi = x.rowStart[g + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = x.predIndex[mid];
    if (v === p) return mid;
    if (v < p) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export interface PanopticScores {
  dq: number;
  sq: number;
  pq: number;
  tp: number;
  fp: number;
  fn: number;
}

/**
 * Detection, segmentation and panoptic quality (`get_fast_pq`, match IoU 0.5): pairs are
 * those with IoU = inter / (area_t + area_p − inter) > 0.5 (unique without any assignment);
 * DQ = TP / (TP + ½FP + ½FN), SQ = ΣIoU / (TP + 1e-6) with IoUs summed in (true, pred) id
 * order as numpy does, PQ = DQ·SQ.
 *
 * `keepTrue` / `keepPred` (by index, non-zero = kept) restrict both maps to a subset of their
 * instances, e.g. one nucleus type, as if the others were background.
 *
 * DQ, SQ and PQ are 0 when only one side has instances; NaN when neither has (the reference
 * divides 0 by 0 in Python and raises ZeroDivisionError).
 */
export function panoptic(x: Intersections, keepTrue?: Uint8Array, keepPred?: Uint8Array): PanopticScores {
  const nT = x.trueIds.length;
  const ious: number[] = [];
  for (let g = 0; g < nT; g++) {
    if (keepTrue !== undefined && !keepTrue[g]) continue;
    for (let k = x.rowStart[g]; k < x.rowStart[g + 1]; k++) {
      const p = x.predIndex[k];
      if (keepPred !== undefined && !keepPred[p]) continue;
      const inter = x.inter[k];
      const iou = inter / (x.trueAreas[g] + x.predAreas[p] - inter);
      if (iou > 0.5) ious.push(iou);
    }
  }
  const tp = ious.length;
  const fn = count(keepTrue, nT) - tp;
  const fp = count(keepPred, x.predIds.length) - tp;
  const dq = tp / (tp + 0.5 * fp + 0.5 * fn);
  // With nothing on either side the reference never reaches SQ (ZeroDivisionError on DQ).
  const sq = tp + fp + fn === 0 ? NaN : numpySum(ious) / (tp + 1e-6);
  return { dq, sq, pq: dq * sq, tp, fp, fn };
}

function count(keep: Uint8Array | undefined, n: number): number {
  if (keep === undefined) return n;
  let c = 0;
  for (let i = 0; i < n; i++) if (keep[i]) c++;
  return c;
}

/** All six instance scores of one image, in one call. */
export function instanceScores(x: Intersections): InstanceScores {
  const { dq, sq, pq } = panoptic(x);
  return { dice: dice(x), aji: aji(x), dq, sq, pq, ajiPlus: ajiPlus(x) };
}
