/**
 * Which target images each shard of a cluster render takes: static index sharding, as
 * nnU-Net's `-num_parts/-part_id` and job arrays do it, but balanced by the work in each image
 * (its insertions) rather than by the number of images, since NucleiMix puts 1 edit in one
 * image and 60 in another.
 *
 * The assignment is the classical greedy "longest processing time first" rule (Graham 1969):
 * images by decreasing weight, each onto the shard with the least load so far. Its largest
 * load is at most 4/3 of the best possible, and always within one image's weight of the
 * mean. Ties are broken by dataset order and shard index, so every process that computes it
 * from the same manifest and dataset gets the same answer without talking to the others.
 */
import { NucleiMixError } from '../core/errors.ts';
import type { InsertionBase } from '../augment/manifest.ts';

/** One image to place and its weight (≥ 1). */
export interface WeightedImage {
  name: string;
  weight: number;
}

/**
 * Splits `images` (in dataset order) into `count` shards: greedy largest-first onto the
 * least-loaded shard (ties: fewer images, then lower shard index); equal weights keep dataset
 * order. Each shard lists its images in dataset order. Shards beyond the number of images are
 * empty.
 *
 * @returns `count` arrays of names; together they hold every image exactly once.
 */
export function assignShards(images: readonly WeightedImage[], count: number): string[][] {
  if (!Number.isInteger(count) || count < 1) throw new NucleiMixError(`the number of shards must be a positive integer, got ${count}`);
  const order = images.map((im, i) => ({ ...im, at: i }));
  for (const im of order) {
    if (!Number.isFinite(im.weight) || im.weight < 0) throw new NucleiMixError(`image '${im.name}' has weight ${im.weight}; weights must be finite and ≥ 0`);
  }
  order.sort((a, b) => b.weight - a.weight || a.at - b.at);
  const load = new Array<number>(count).fill(0);
  const members: { name: string; at: number }[][] = Array.from({ length: count }, () => []);
  for (const im of order) {
    let best = 0;
    for (let s = 1; s < count; s++) {
      if (load[s] < load[best] || (load[s] === load[best] && members[s].length < members[best].length)) best = s;
    }
    load[best] += im.weight;
    members[best].push({ name: im.name, at: im.at });
  }
  return members.map((list) => list.sort((a, b) => a.at - b.at).map((m) => m.name));
}

/**
 * The images a render of `insertions` renders, in dataset order (`names`), each weighted by
 * its insertions: the images with at least one, or every image when the method changes
 * images without insertions too (InsMix's background shuffle), an image without insertions
 * then weighing 1 (it still costs a render).
 */
export function renderedImages(names: readonly string[], insertions: readonly InsertionBase[], everyImage: boolean): WeightedImage[] {
  const edits = new Map<string, number>();
  for (const ins of insertions) edits.set(ins.target.image, (edits.get(ins.target.image) ?? 0) + 1);
  const out: WeightedImage[] = [];
  for (const name of names) {
    const n = edits.get(name) ?? 0;
    if (n > 0 || everyImage) out.push({ name, weight: Math.max(1, n) });
  }
  return out;
}
