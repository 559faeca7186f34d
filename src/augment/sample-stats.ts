import { instanceStats, type InstanceStats } from '../core/labels.ts';
import type { Sample } from '../io/dataset.ts';

/** Instance statistics per decoded sample, kept as long as the sample is. */
const stats = new WeakMap<Sample, InstanceStats>();

/**
 * `instanceStats` of a sample's instance map, computed once per sample: a target and the
 * donors cut from it ask for it many times (CoNSeP `--k 600`: 600 donors from 27 images).
 * Samples are never edited in place (editing makes new ones: `editedSample`), so what was
 * computed holds.
 */
export function statsOf(sample: Sample): InstanceStats {
  let s = stats.get(sample);
  if (s === undefined) {
    s = instanceStats(sample.labels.inst);
    stats.set(sample, s);
  }
  return s;
}
