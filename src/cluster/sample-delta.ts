/**
 * What of a rendered sample differs from the sample as read, and the rendered sample back from
 * the input and that difference. A shard keeps only the difference (the merge reads the rest
 * from the input again), and the merge must hand the format's writer a sample equal to the one
 * a single-process render hands it: the same pixels and labels, and the same format facts
 * (`origin`, `source`, and `stored` when the labels were left alone; see `Sample`).
 */
import { NucleiMixError } from '../core/errors.ts';
import type { Sample } from '../io/dataset.ts';
import type { SampleParts } from './sample-file.ts';

/** Which of the input sample's format facts the rendered sample carries. */
export interface SampleKeeps {
  origin: boolean;
  source: boolean;
  stored: boolean;
}

/** The difference: the parts to keep (absent: the rendered sample is the input's, unchanged). */
export interface SampleDelta {
  parts?: SampleParts;
  keeps: SampleKeeps;
}

const FIELDS = new Set(['name', 'image', 'labels', 'origin', 'source', 'stored']);

/**
 * The difference of `out` (rendered) from `original` (as read).
 *
 * @throws NucleiMixError when `out` carries format facts of its own (not the input's): a merge
 *   could not reproduce them, so the image cannot be rendered in shards.
 */
export function sampleDelta(original: Sample, out: Sample): SampleDelta {
  const all = { origin: original.origin !== undefined, source: original.source !== undefined, stored: original.stored !== undefined };
  if (out === original) return { keeps: all };
  for (const key of Object.keys(out)) {
    if (!FIELDS.has(key)) throw new NucleiMixError(`image '${out.name}': the rendered sample has a field '${key}' a shard cannot keep`);
  }
  if (out.name !== original.name) throw new NucleiMixError(`image '${original.name}' was rendered under another name, '${out.name}'`);
  const keeps: SampleKeeps = { origin: false, source: false, stored: false };
  for (const key of ['origin', 'source', 'stored'] as const) {
    if (out[key] === undefined) continue;
    if (out[key] !== original[key]) throw new NucleiMixError(`image '${out.name}': the rendered sample's '${key}' is not the input's; it cannot be rendered in shards`);
    keeps[key] = true;
  }
  const parts: SampleParts = { width: out.image.width, height: out.image.height };
  if (out.image !== original.image) parts.image = out.image;
  if (out.labels !== original.labels) parts.labels = out.labels;
  return { parts, keeps };
}

/** The rendered sample from the input's `original` and a {@link SampleDelta}'s parts and keeps. */
export function applyDelta(original: Sample, parts: SampleParts | undefined, keeps: SampleKeeps): Sample {
  if (parts === undefined) return original;
  if (parts.width !== original.image.width || parts.height !== original.image.height) {
    throw new NucleiMixError(`image '${original.name}': the shard's copy is ${parts.width}×${parts.height} but the input is ${original.image.width}×${original.image.height}`);
  }
  const out: Sample = { name: original.name, image: parts.image ?? original.image, labels: parts.labels ?? original.labels };
  if (keeps.origin && original.origin !== undefined) out.origin = original.origin;
  if (keeps.source && original.source !== undefined) out.source = original.source;
  if (keeps.stored && original.stored !== undefined) out.stored = original.stored;
  return out;
}
