/**
 * Multi-class panoptic quality, as PanNuke's evaluation (TissueImageAnalytics/PanNuke-metrics,
 * `run.py`) defines it and newer papers quote it: in each image, for each type t whose GT has
 * at least one instance, PQ on the maps restricted to the instances of type t (the GT's and
 * the prediction's; `get_fast_pq` at IoU 0.5 after renumbering). An image's mPQ is the mean
 * over those types (`np.nanmean`), the dataset's the mean over images that have one.
 * (PanNuke then averages over tissues; datasets here carry no tissue labels, so that step is
 * left out.)
 */
import { panoptic } from './instance.ts';
import type { Intersections } from './intersections.ts';
import { numpyNanMean } from './pairwise-sum.ts';

/**
 * PQ of each type in `types` on one image, NaN where the GT has no instance of that type.
 *
 * @param trueTypes type of each true instance, by index (ascending id)
 * @param predTypes type of each predicted instance, by index
 */
export function pqPerType(x: Intersections, trueTypes: Int32Array, predTypes: Int32Array, types: readonly number[]): Float64Array {
  return Float64Array.from(types, (t) => {
    const keepTrue = Uint8Array.from(trueTypes, (v) => (v === t ? 1 : 0));
    if (!keepTrue.includes(1)) return NaN;
    const keepPred = Uint8Array.from(predTypes, (v) => (v === t ? 1 : 0));
    return panoptic(x, keepTrue, keepPred).pq;
  });
}

/** One image's mPQ from its {@link pqPerType}; NaN when its GT has none of the types. */
export function imageMpq(perType: ArrayLike<number>): number {
  return numpyNanMean(perType);
}

/** The dataset's mPQ: the mean of the images' mPQ, skipping NaN. */
export function datasetMpq(perImage: ArrayLike<number>): number {
  return numpyNanMean(perImage);
}
