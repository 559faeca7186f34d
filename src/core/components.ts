/**
 * One connected piece per instance. HoVer-Net's horizontal/vertical maps and CellViT's losses
 * assume every instance id is one blob; an edit can cut a neighbour in two, or paste a donor
 * whose mask is only 8-connected. {@link keepLargestPieces} keeps each instance's largest
 * 4-connected piece and clears the others to background (the image pixels stay: a few stray
 * pixels of a clipped nucleus become unlabelled, which is what an annotator drawing one
 * outline per nucleus would leave).
 */
import { instanceStats, type Labels } from './labels.ts';
import { createInstanceMap } from './raster.ts';

/** What {@link keepLargestPieces} did: pixels cleared per instance id (only ids that had several pieces). */
export type ClearedPieces = Map<number, number>;

/**
 * `labels` with each of `ids` (every instance when absent) reduced to its largest 4-connected
 * piece; ties go to the piece whose first pixel (row-major) comes first. Centroids of changed
 * instances are recomputed; the others, types and ids are kept (an instance never disappears:
 * its largest piece stays). Returns the input itself when nothing changed.
 *
 * Example: ids [[1, 0, 1, 1]] (one row) → [[0, 0, 1, 1]], cleared {1 → 1}.
 */
export function keepLargestPieces(labels: Labels, ids?: Iterable<number>): { labels: Labels; cleared: ClearedPieces } {
  const { width: W, height: H, data } = labels.inst;
  // Which ids to look at, by id (a lookup per pixel: a Set's was most of the time on 1000² maps).
  let maxId = 0;
  for (let p = 0; p < data.length; p++) if (data[p] > maxId) maxId = data[p];
  const wanted = new Uint8Array(maxId + 1).fill(ids === undefined ? 1 : 0);
  if (ids !== undefined) for (const id of ids) if (id > 0 && id <= maxId) wanted[id] = 1;
  wanted[0] = 0;
  const piece = new Int32Array(W * H).fill(-1);
  /** Per piece: its instance id, size and first pixel. */
  const pieceId: number[] = [];
  const pieceSize: number[] = [];
  const stack: number[] = [];
  for (let p = 0; p < data.length; p++) {
    const id = data[p];
    if (!wanted[id] || piece[p] >= 0) continue;
    const k = pieceId.length;
    pieceId.push(id);
    let size = 0;
    piece[p] = k;
    stack.push(p);
    while (stack.length > 0) {
      const q = stack.pop()!;
      size++;
      const x = q % W;
      // The 4 neighbours inside the map: left, right, up, down.
      for (let d = 0; d < 4; d++) {
        const r = d === 0 ? (x > 0 ? q - 1 : -1) : d === 1 ? (x < W - 1 ? q + 1 : -1) : d === 2 ? q - W : q < (H - 1) * W ? q + W : -1;
        if (r >= 0 && data[r] === id && piece[r] < 0) {
          piece[r] = k;
          stack.push(r);
        }
      }
    }
    pieceSize.push(size);
  }
  // The piece each id keeps: the largest, the first found among equals.
  const keep = new Map<number, number>();
  for (let k = 0; k < pieceId.length; k++) {
    const best = keep.get(pieceId[k]);
    if (best === undefined || pieceSize[k] > pieceSize[best]) keep.set(pieceId[k], k);
  }
  const cleared: ClearedPieces = new Map();
  if (keep.size === pieceId.length) return { labels, cleared };
  const out = data.slice();
  for (let p = 0; p < out.length; p++) {
    const k = piece[p];
    if (k >= 0 && keep.get(pieceId[k]) !== k) {
      cleared.set(out[p], (cleared.get(out[p]) ?? 0) + 1);
      out[p] = 0;
    }
  }
  const inst = createInstanceMap(W, H, out);
  const stats = instanceStats(inst);
  const centroids = labels.centroids.slice();
  labels.ids.forEach((id, i) => {
    if (!cleared.has(id)) return;
    centroids[2 * i] = stats.centroids[2 * i];
    centroids[2 * i + 1] = stats.centroids[2 * i + 1];
  });
  return { labels: { inst, ids: labels.ids, types: labels.types, centroids }, cleared };
}
