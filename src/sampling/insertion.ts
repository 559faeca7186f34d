/**
 * NucleiMix's insertion record: what its planner decides for one new nucleus and its manifest
 * stores (the augment layer's `InsertionBase` fields plus the draw's numbers). Coordinates in
 * pixels (x, y).
 */

/** Where a rare nucleus goes. Coordinates in pixels of the target image, (x, y). */
export interface InsertionTarget {
  image: string;
  /** `major`: copy-and-replace of an existing nucleus; `background`: copy-and-paste. */
  kind: 'major' | 'background';
  x: number;
  y: number;
  /** The replaced instance's id and type as read (major targets only). */
  replacedId?: number;
  replacedType?: number;
  /** The candidate's log-likelihood under the rare-type density model. */
  logLikelihood: number;
  /** Its probability in the draw that chose it (softmax over the remaining candidates). */
  probability: number;
}

/** Which rare nucleus is copied, and how it is transformed. */
export interface InsertionDonor {
  image: string;
  id: number;
  /** The donor's type (in the output's class space). */
  type: number;
  /** L2 distance between the target's and the donor's context features (PCA space). */
  distance: number;
  /** Its probability p_i ∝ exp(−w_i d_i) in the donor draw. */
  probability: number;
  flipH: boolean;
  flipV: boolean;
  /** Rotation in degrees, counter-clockwise, applied after the flips about the donor's centroid. */
  rotation: number;
}

export interface Insertion {
  /** 0-based order of the draw; rendering applies insertions in this order. */
  index: number;
  rareType: number;
  target: InsertionTarget;
  donor: InsertionDonor;
}
