import { className, type ClassList } from '../core/classes.ts';
import { check } from '../core/errors.ts';
import type { Sample } from './dataset.ts';

/**
 * Checks what every format must satisfy, whatever wrote it: image and map of one size, one
 * type and centroid per instance, ids ascending and positive, every type in the class list.
 * Throws a NucleiMixError naming the sample's label file. `untyped` admits type 0
 * (instances a model did not classify, in a labels-only prediction folder).
 */
export function validateSample(sample: Sample, classes: ClassList, untyped = false): void {
  const file = sample.origin ?? sample.name;
  const { image, labels } = sample;
  const { inst, ids, types, centroids } = labels;
  check(image.width === inst.width && image.height === inst.height, file, `image is ${image.width}×${image.height} but the instance map is ${inst.width}×${inst.height}`);
  check(types.length === ids.length, file, `${ids.length} instances but ${types.length} types`);
  check(centroids.length === 2 * ids.length, file, `${ids.length} instances but ${centroids.length / 2} centroids`);
  for (let i = 0; i < ids.length; i++) {
    check(ids[i] > 0 && (i === 0 || ids[i] > ids[i - 1]), file, `instance ids must be positive and distinct (found ${ids[i]})`);
  }
  const known = new Set(classes.map((c) => c.id));
  for (let i = 0; i < types.length; i++) {
    if (!known.has(types[i]) && !(untyped && types[i] === 0)) {
      const list = classes.map((c) => `${c.id} ${className(classes, c.id)}`).join(', ');
      check(false, file, `instance ${ids[i]} has type ${types[i]}, which is not in the class list (${list})`);
    }
  }
}
