import type { Rng } from '../core/rng.ts';

/**
 * Draws without replacement from a softmax over fixed logits: index i with probability
 * exp(logits_i) / Σ_left exp(logits_j) over the entries not yet removed.
 *
 * Why not {@link drawSoftmax} with an `active` mask: planning draws a thousand targets from
 * ~20,000 candidates, and every masked draw re-exponentiates all of them (two passes for the
 * log-sum-exp, one for the draw): 40 million `exp` calls, seconds of a cached run. Here the
 * weights exp(logit − max) are computed once and kept in a sum tree over index order (a
 * complete binary tree whose inner nodes hold their children's sums), so a draw and a removal
 * are O(log n). A draw walks the tree with u·total along cumulative sums in index order: the
 * index a linear scan of the same weights would pick. Sums are recomputed from the children on
 * removal, never subtracted, so no cancellation builds up; when what is left is tiny beside the
 * max the weights were scaled by (the best candidates drawn), they are rescaled by the max of
 * what is left (`rebase`), as a fresh log-sum-exp would.
 */
export class SoftmaxPool {
  private readonly logits: Float64Array;
  private readonly left: Uint8Array;
  /** Leaves at `size + i`, inner node j the sum of 2j and 2j + 1; node 1 the total. */
  private readonly tree: Float64Array;
  private readonly size: number;
  private count: number;

  /** A pool of every index of `logits` (−Infinity: never drawn). */
  constructor(logits: ArrayLike<number>) {
    this.logits = Float64Array.from(logits);
    this.left = new Uint8Array(this.logits.length).fill(1);
    this.count = this.logits.length;
    let size = 1;
    while (size < this.logits.length) size *= 2;
    this.size = size;
    this.tree = new Float64Array(2 * size);
    this.rebase();
  }

  /** Entries not yet removed. */
  get remaining(): number {
    return this.count;
  }

  /** Takes `index` out of the pool (a no-op when it already is). */
  remove(index: number): void {
    if (!this.left[index]) return;
    this.left[index] = 0;
    this.count--;
    let j = this.size + index;
    this.tree[j] = 0;
    for (j >>= 1; j >= 1; j >>= 1) this.tree[j] = this.tree[2 * j] + this.tree[2 * j + 1];
  }

  /**
   * Draws an index still in the pool (without removing it) and its probability; undefined
   * when no entry with a finite logit is left.
   */
  draw(rng: Rng): { index: number; probability: number } | undefined {
    // 1e-200: far above underflow, so every weight still left is represented.
    if (this.tree[1] < 1e-200) this.rebase();
    const total = this.tree[1];
    if (!(total > 0)) return undefined;
    let r = rng.next() * total;
    let j = 1;
    while (j < this.size) {
      const l = this.tree[2 * j];
      // Rounding can leave r a hair past a subtree's sum: never step into an empty one.
      if ((r < l && l > 0) || this.tree[2 * j + 1] === 0) {
        j = 2 * j;
      } else {
        r -= l;
        j = 2 * j + 1;
      }
    }
    const index = j - this.size;
    return { index, probability: this.tree[j] / total };
  }

  /** Weights exp(logit − max) of the entries left, max over them; the sums above. */
  private rebase(): void {
    let max = -Infinity;
    for (let i = 0; i < this.logits.length; i++) if (this.left[i] && this.logits[i] > max) max = this.logits[i];
    const { tree, size } = this;
    tree.fill(0);
    if (max === -Infinity) return;
    for (let i = 0; i < this.logits.length; i++) if (this.left[i]) tree[size + i] = Math.exp(this.logits[i] - max);
    for (let j = size - 1; j >= 1; j--) tree[j] = tree[2 * j] + tree[2 * j + 1];
  }
}
