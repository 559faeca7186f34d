/**
 * Context-aware probabilistic sampling (Wang & Kwak 2024, Algorithm 1 lines 9–11): which candidate
 * location receives a rare nucleus, and which rare nucleus is copied there.
 *
 * Inputs are already scored: every candidate has a log-likelihood under each rare type's
 * density model and coordinates in that type's PCA space; every donor has its PCA
 * coordinates. This module only draws, checks constraints and books occupancy, so it is
 * pure and fast and its statistics can be tested directly.
 */
import type { Rng } from '../core/rng.ts';
import { axisAngle } from '../core/shape.ts';
import type { Insertion } from './insertion.ts';
import { drawSoftmax, logSumExp } from './draw.ts';
import { SoftmaxPool } from './softmax-pool.ts';
import type { Location } from './locations.ts';

/** Everything the planner needs about one rare type. */
export interface RareTypeModel {
  type: number;
  /** Rare nuclei of this type usable as donors (already filtered by the border margin). */
  donors: Location[];
  /** donors.length × p PCA coordinates, row-major. */
  donorFeatures: Float64Array;
  /** candidates.length log-likelihoods under this type's model. */
  scores: Float64Array;
  /** candidates.length × p PCA coordinates of the candidates in this type's space. */
  candidateFeatures: Float64Array;
  /** PCA dimension p. */
  dims: number;
}

export interface PlanOptions {
  /** New nuclei per rare type. */
  k: number;
  /** Softmax temperature for target draws: p ∝ exp(score / T). Official: 1. */
  temperature: number;
  /** Flip probabilities of the donor (official: 0.1 each). */
  flipProbability: number;
  /** Rotate the donor to the target's major axis when they differ by more than this (degrees; official 30). */
  alignAngle: number;
  /** Usage penalty: w_i = 1 + penalty × (times donor i was used). Official: 1. */
  usagePenalty: number;
  /**
   * Size weight λ of the donor draw for copy-and-replace: p_i ∝ exp(−w_i·d_i − λ·|ln(a_i/a_t)|),
   * a_i the donor's area, a_t the replaced nucleus's. 0: the paper's rule (size ignored).
   */
  sizeWeight: number;
  /**
   * The most pixels of the replaced nucleus a donor may leave uncovered, a_t − a_i, for
   * copy-and-replace: stage 1 fills that leftover, and a large one is where classical fills
   * show. Donors over the bound are not drawn; a target no donor fits is dropped. Infinity: no bound.
   */
  maxLeftover: number;
  /**
   * The most times one donor may go into one target image. The usage weight spreads donors
   * over the dataset but not within an image: with k far above the candidates of good
   * context, one donor went 98 times into one image (issue 13). A donor at the cap is not
   * drawn for that image; a target no donor may fill is dropped. Infinity: no cap.
   */
  maxDonorUses: number;
}

export const DEFAULT_PLAN: Omit<PlanOptions, 'k'> = { temperature: 1, flipProbability: 0.1, alignAngle: 30, usagePenalty: 1, sizeWeight: 0, maxLeftover: Infinity, maxDonorUses: Infinity };

/** Why draws failed, for the run's statistics. */
export interface PlanReport {
  insertions: Insertion[];
  /** Per rare type: insertions made (≤ k when candidates run out). */
  inserted: Record<number, number>;
  /** Candidates drawn and then removed: their edit would overlap another or leave the image, no donor fits their size bound, or every donor that would is at its cap in that image. */
  rejected: { overlap: number; outside: number; size: number; reuse: number };
}

type Rect = [number, number, number, number];

function intersects(a: Rect, b: Rect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/**
 * The pixels an insertion may change, as a box: the placed donor's r3 ring (a disc of the
 * donor's radius + 3 layers + 1 for rounding the offset) and, for copy-and-replace, the
 * replaced nucleus dilated by 2 px. Rendering never writes outside it.
 */
export function editBox(target: Location, donorRadius: number): Rect {
  const r = Math.ceil(donorRadius) + 4;
  const x = Math.round(target.x);
  const y = Math.round(target.y);
  const box: Rect = [x - r, y - r, x + r + 1, y + r + 1];
  if (target.kind === 'major') {
    const [x0, y0, x1, y1] = target.bbox;
    box[0] = Math.min(box[0], x0 - 2);
    box[1] = Math.min(box[1], y0 - 2);
    box[2] = Math.max(box[2], x1 + 2);
    box[3] = Math.max(box[3], y1 + 2);
  }
  return box;
}

/** Signed smallest rotation (radians) taking undirected axis `from` onto axis `to`. */
function axisDelta(from: number, to: number): number {
  let d = (to - from) % Math.PI;
  if (d > Math.PI / 2) d -= Math.PI;
  if (d <= -Math.PI / 2) d += Math.PI;
  return d;
}

/**
 * Plans k insertions per rare type. Rare types take turns (type order, one draw each) so
 * that they share the candidate pool and the occupancy fairly. Each draw:
 *  1. a target from the remaining candidates with p ∝ exp(score/T) (without replacement:
 *     the drawn candidate leaves the pool whether or not it is used);
 *  2. a donor with p_i ∝ exp(−w_i·d_i), d_i the PCA distance, w_i the usage weight;
 *  3. the donor's flips (p each) and, for major targets, the rotation aligning its major axis
 *     with the target's when they differ by more than `alignAngle`;
 *  4. the edit box must lie inside the image and overlap no earlier edit; otherwise the
 *     candidate is dropped and the type draws again.
 * Stops early for a type whose pool is empty.
 */
export function planInsertions(
  candidates: readonly Location[],
  models: readonly RareTypeModel[],
  imageSize: (image: string) => [number, number],
  rng: Rng,
  options: PlanOptions,
): PlanReport {
  // One pool per rare type over the shared candidates: a drawn candidate leaves every pool.
  const pools = models.map((m) => new SoftmaxPool(Float64Array.from(m.scores, (s) => s / options.temperature)));
  const occupied = new Map<string, Rect[]>();
  const usage = models.map((m) => new Float64Array(m.donors.length));
  const inserted: Record<number, number> = {};
  for (const m of models) inserted[m.type] = 0;
  const rejected = { overlap: 0, outside: 0, size: 0, reuse: 0 };
  // Per rare type and target image: how often each donor went there (only with a cap).
  const usedIn = new Map<string, Uint32Array>();
  const insertions: Insertion[] = [];
  const done = models.map((m) => m.donors.length === 0);

  for (let round = 0; round < options.k; round++) {
    models.forEach((model, t) => {
      if (done[t]) return;
      for (;;) {
        const pick = pools[t].draw(rng);
        if (pick === undefined) {
          done[t] = true;
          return;
        }
        for (const pool of pools) pool.remove(pick.index);
        const target = candidates[pick.index];

        const p = model.dims;
        const cf = model.candidateFeatures.subarray(pick.index * p, (pick.index + 1) * p);
        const distance = new Float64Array(model.donors.length);
        const donorLogits = new Float64Array(model.donors.length);
        const sized = target.kind === 'major' && target.area !== undefined && (options.sizeWeight > 0 || options.maxLeftover < Infinity);
        for (let i = 0; i < model.donors.length; i++) {
          let s = 0;
          for (let j = 0; j < p; j++) s += (cf[j] - model.donorFeatures[i * p + j]) ** 2;
          distance[i] = Math.sqrt(s);
          donorLogits[i] = -(1 + options.usagePenalty * usage[t][i]) * distance[i];
          if (sized) {
            const a = model.donors[i].area ?? 0;
            if (target.area! - a > options.maxLeftover) donorLogits[i] = -Infinity;
            else if (options.sizeWeight > 0) donorLogits[i] -= options.sizeWeight * Math.abs(Math.log(Math.max(1, a) / Math.max(1, target.area!)));
          }
        }
        let capped: Uint8Array | undefined;
        const inImage = Number.isFinite(options.maxDonorUses) ? usedIn.get(`${t}/${target.image}`) : undefined;
        if (inImage !== undefined) {
          for (let i = 0; i < model.donors.length; i++) {
            if (inImage[i] >= options.maxDonorUses) (capped ??= new Uint8Array(model.donors.length).fill(1))[i] = 0;
          }
        }
        // The cap as a mask, so the draw's remainder never falls on a capped donor; no mask while none is capped (the same draws as without a cap).
        const chosen = drawSoftmax(donorLogits, rng, capped);
        if (chosen === undefined) {
          if (capped !== undefined && logSumExp(donorLogits) > -Infinity) rejected.reuse++;
          else rejected.size++;
          continue;
        }
        const donor = model.donors[chosen.index];
        const flipH = rng.next() < options.flipProbability;
        const flipV = rng.next() < options.flipProbability;

        const box = editBox(target, donor.radius ?? 0);
        const [w, h] = imageSize(target.image);
        if (box[0] < 0 || box[1] < 0 || box[2] > w || box[3] > h) {
          rejected.outside++;
          continue;
        }
        const boxes = occupied.get(target.image) ?? [];
        if (boxes.some((b) => intersects(b, box))) {
          rejected.overlap++;
          continue;
        }
        // Flipping mirrors the axis angle (θ → −θ, for either flip; both flips cancel out).
        const donorAxis = (donor.orientation ?? 0) * (flipH !== flipV ? -1 : 1);
        let rotation = 0;
        if (target.kind === 'major' && target.orientation !== undefined && axisAngle(donorAxis, target.orientation) > (options.alignAngle * Math.PI) / 180) {
          // Angles are measured from +x towards +y (image rows run down), i.e. clockwise on
          // screen; the manifest's rotation is counter-clockwise on screen, hence the sign.
          rotation = -(axisDelta(donorAxis, target.orientation) * 180) / Math.PI;
        }
        boxes.push(box);
        occupied.set(target.image, boxes);
        usage[t][chosen.index]++;
        if (Number.isFinite(options.maxDonorUses)) {
          const key = `${t}/${target.image}`;
          let u = usedIn.get(key);
          if (u === undefined) usedIn.set(key, (u = new Uint32Array(model.donors.length)));
          u[chosen.index]++;
        }
        inserted[model.type]++;
        insertions.push({
          index: insertions.length,
          rareType: model.type,
          target: {
            image: target.image,
            kind: target.kind === 'major' ? 'major' : 'background',
            x: target.x,
            y: target.y,
            ...(target.kind === 'major' ? { replacedId: target.id, replacedType: target.type } : {}),
            logLikelihood: model.scores[pick.index],
            probability: pick.probability,
          },
          donor: {
            image: donor.image,
            id: donor.id!,
            type: donor.type!,
            distance: distance[chosen.index],
            probability: chosen.probability,
            flipH,
            flipV,
            rotation,
          },
        });
        return;
      }
    });
  }
  return { insertions, inserted, rejected };
}
