/**
 * The labels of an edited image, from its edited instance map: the rules every method
 * shares (the NucleiMix paper's §3.2 labels). Ids are renumbered 1..N in ascending order of the ids used while editing,
 * types follow their instances, and centroids are the mean pixel coordinates of every instance
 * whose pixels changed; untouched instances keep their centroids bit for bit, as read.
 */
import { NucleiMixError } from '../core/errors.ts';
import { indexOfId, instanceStats, renumber, type Labels } from '../core/labels.ts';
import { createInstanceMap } from '../core/raster.ts';

export interface Relabelled {
  labels: Labels;
  /** The output id (1..N) of an id used in the edited map, or 0 when it has no pixel left. */
  finalId(id: number): number;
  /** Pixel count in the output of an id used in the edited map (0 when gone). */
  area(id: number): number;
  /** Ids as read that lost at least one pixel, ascending. */
  touched: number[];
}

/**
 * @param before the labels as read (ids ascending, as `Labels` requires).
 * @param inst the edited instance map, H×W int32 of the same size: ids as read where those
 *   instances (or what is left of them) are, new instances under ids above every id as read.
 * @param newTypes the type of every new id (those above the largest id as read).
 * @param retype ids as read that now hold another nucleus and take this type (GradMix: the
 *   rare nucleus keeps the replaced major's id).
 * @throws NucleiMixError when a new id has no type, or ids would leave the int32 range.
 */
export function relabel(before: Labels, inst: Int32Array, newTypes: ReadonlyMap<number, number>, retype: ReadonlyMap<number, number> = new Map()): Relabelled {
  const { width: W, height: H } = before.inst;
  if (inst.length !== W * H) throw new NucleiMixError(`relabel: the edited map has ${inst.length} pixels, the labels ${W}×${H}`);
  const maxId = before.ids.length > 0 ? before.ids[before.ids.length - 1] : 0;
  const old = before.inst.data;
  const changed = new Set<number>();
  const lost = new Set<number>();
  for (let p = 0; p < inst.length; p++) {
    if (old[p] !== inst[p]) {
      if (old[p] !== 0) {
        changed.add(old[p]);
        lost.add(old[p]);
      }
      if (inst[p] !== 0) changed.add(inst[p]);
    }
  }
  for (const id of retype.keys()) changed.add(id);
  const map = createInstanceMap(W, H, inst);
  const stats = instanceStats(map);
  const n = stats.ids.length;
  const types = new Int32Array(n);
  const centroids = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const id = stats.ids[i];
    const j = id > maxId ? -1 : indexOfId(before, id);
    let type: number | undefined;
    if (j < 0) type = newTypes.get(id);
    else type = retype.get(id) ?? before.types[j];
    if (type === undefined) throw new NucleiMixError(`relabel: instance ${id} of the edited map has no type`);
    types[i] = type;
    const keep = j >= 0 && !changed.has(id);
    centroids[2 * i] = keep ? before.centroids[2 * j] : stats.centroids[2 * i];
    centroids[2 * i + 1] = keep ? before.centroids[2 * j + 1] : stats.centroids[2 * i + 1];
  }
  if (n > 0x7fffffff) throw new NucleiMixError('relabel: too many instances for int32 ids');
  const labels = renumber({ inst: map, ids: stats.ids, types, centroids });
  const touched = [...lost].sort((a, b) => a - b);
  return {
    labels,
    finalId: (id) => {
      const i = indexOfId(stats, id);
      return i < 0 ? 0 : i + 1;
    },
    area: (id) => {
      const i = indexOfId(stats, id);
      return i < 0 ? 0 : stats.areas[i];
    },
    touched,
  };
}
