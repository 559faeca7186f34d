import type { ClassList } from '../../src/core/classes.ts';
import { instanceStats } from '../../src/core/labels.ts';
import { labelComponents } from '../../src/core/polygon.ts';
import { createInstanceMap, type InstanceMap } from '../../src/core/raster.ts';
import type { Sample, SampleSource } from '../../src/io/dataset.ts';

/** A SampleSource over samples held in memory, for writers under test. */
export function memorySource(samples: Sample[], classes: ClassList): SampleSource {
  return { classes, names: samples.map((s) => s.name), read: async (name) => samples.find((s) => s.name === name)! };
}

/**
 * Renumbers a raw W×H map so every instance is one 8-connected piece, ids 1..N in the order
 * of the raw ids then of the pieces: the maps polygon writers must give back with the same ids.
 */
export function splitIntoPieces(raw: Int32Array, w: number, h: number): InstanceMap {
  const inst = createInstanceMap(w, h);
  let next = 1;
  for (const id of instanceStats(createInstanceMap(w, h, raw)).ids) {
    const comps = labelComponents(Uint8Array.from(raw, (v) => (v === id ? 1 : 0)), w, h, 8);
    for (let p = 0; p < raw.length; p++) if (comps.labels[p]) inst.data[p] = next + comps.labels[p] - 1;
    next += comps.count;
  }
  return inst;
}
