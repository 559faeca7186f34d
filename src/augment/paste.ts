/**
 * Direct pasting (CopyPaste, InsMix): a donor nucleus's own pixels (r0, no contour, no
 * blending) copied into the target image under a translation, as a new instance of the
 * donor's type. Whatever the new nucleus covers loses those pixels; the planners of both
 * methods choose places where it covers nothing.
 */
import { expectedError, NucleiMixError } from '../core/errors.ts';
import { indexOfId } from '../core/labels.ts';
import { createImage } from '../core/raster.ts';
import { editedSample, type Sample } from '../io/dataset.ts';
import { LAYER, type AppliedEdit, type RenderedImage } from './applied-edit.ts';
import { relabel } from './relabel.ts';
import { statsOf } from './sample-stats.ts';

/** One nucleus to paste: donor pixel (x, y) goes to target pixel (x + dx, y + dy). */
export interface Paste {
  /** The insertion's index; pastes are applied in this order. */
  index: number;
  donor: { image: string; id: number; type: number };
  dx: number;
  dy: number;
}

/** The bounding box [x0, y0, x1, y1) of instance `id` of `sample`, or a NucleiMixError naming the insertion. */
export function donorBox(sample: Sample, id: number, where: string): [number, number, number, number] {
  const stats = statsOf(sample);
  const i = indexOfId(stats, id);
  if (!Number.isInteger(id) || i < 0) throw new NucleiMixError(`${where}: image ${sample.name} has no instance ${id}`);
  return [stats.bboxes[4 * i], stats.bboxes[4 * i + 1], stats.bboxes[4 * i + 2], stats.bboxes[4 * i + 3]];
}

/**
 * Pastes every nucleus of `pastes` (all targeting `target`) into a copy of it. New instances
 * take ids after every id as read, in paste order, before renumbering (so they come last).
 *
 * @throws NucleiMixError when a donor lacks the instance or a pasted pixel leaves the image:
 *   the planners never produce either, so it means a manifest that does not fit the data.
 */
export async function pasteNuclei(target: Sample, pastes: readonly Paste[], donorOf: (image: string) => Promise<Sample>): Promise<RenderedImage> {
  const { width: W, height: H } = target.image;
  const before = target.labels;
  const inst = before.inst.data.slice();
  const rgb = target.image.data.slice();
  const maxId = before.ids.length > 0 ? before.ids[before.ids.length - 1] : 0;
  const ordered = [...pastes].sort((a, b) => a.index - b.index);
  const newTypes = new Map<number, number>();
  const placed: { paste: Paste; tempId: number; box: [number, number, number, number]; covered: number; clipped: Set<number> }[] = [];
  for (const [k, paste] of ordered.entries()) {
    const where = `paste #${paste.index} (${target.name})`;
    const donor = await donorOf(paste.donor.image);
    const [x0, y0, x1, y1] = donorBox(donor, paste.donor.id, where);
    const { dx, dy } = paste;
    if (!Number.isInteger(dx) || !Number.isInteger(dy) || x0 + dx < 0 || y0 + dy < 0 || x1 + dx > W || y1 + dy > H) {
      throw new NucleiMixError(`${where}: donor ${paste.donor.image}#${paste.donor.id} moved by (${dx}, ${dy}) leaves the ${W}×${H} image`);
    }
    const tempId = maxId + 1 + k;
    newTypes.set(tempId, paste.donor.type);
    const clipped = new Set<number>();
    let covered = 0;
    const DW = donor.image.width;
    const src = donor.labels.inst.data;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const s = y * DW + x;
        if (src[s] !== paste.donor.id) continue;
        const q = (y + dy) * W + x + dx;
        if (inst[q] !== 0) {
          covered++;
          clipped.add(inst[q]);
        }
        inst[q] = tempId;
        rgb[3 * q] = donor.image.data[3 * s];
        rgb[3 * q + 1] = donor.image.data[3 * s + 1];
        rgb[3 * q + 2] = donor.image.data[3 * s + 2];
      }
    }
    placed.push({ paste, tempId, box: [x0 + dx, y0 + dy, x1 + dx, y1 + dy], covered, clipped });
  }
  const result = relabel(before, inst, newTypes);
  const applied: AppliedEdit[] = placed.map(({ paste, tempId, box, covered, clipped }) => {
    const [bx0, by0, bx1, by1] = box;
    const bw = bx1 - bx0;
    const layers = new Uint8Array(bw * (by1 - by0));
    for (let y = by0; y < by1; y++) for (let x = bx0; x < bx1; x++) if (inst[y * W + x] === tempId) layers[(y - by0) * bw + x - bx0] = LAYER.nucleus;
    // Ids above maxId are earlier pastes of this image: they are not nuclei "as read".
    const clippedIds = [...clipped].filter((id) => id <= maxId).sort((a, b) => a - b);
    const vanishedIds = clippedIds.filter((id) => result.area(id) === 0);
    return {
      index: paste.index,
      kind: 'background',
      newId: result.finalId(tempId),
      type: paste.donor.type,
      area: result.area(tempId),
      offset: [bx0, by0],
      bbox: box,
      layers,
      coveredPixels: covered,
      clippedIds,
      vanishedIds,
      vanishedTypes: vanishedIds.map((id) => before.types[indexOfId(before, id)]),
    };
  });
  return { sample: editedSample(target, createImage(W, H, rgb), result.labels), applied };
}

/** A nucleus mask over its bounding box, as the planners hold it. */
export interface BoxMask {
  bbox: readonly [number, number, number, number];
  /** (x1−x0)×(y1−y0) uint8, 1 inside. */
  mask: Uint8Array;
}

/**
 * True when `n` moved by (dx, dy) lies inside the W×H image and covers no pixel set in
 * `occupied` (H×W uint8).
 */
export function freeAt(n: BoxMask, dx: number, dy: number, occupied: Uint8Array, width: number, height: number): boolean {
  const [x0, y0, x1, y1] = n.bbox;
  if (x0 + dx < 0 || y0 + dy < 0 || x1 + dx > width || y1 + dy > height) return false;
  const bw = x1 - x0;
  for (let y = y0; y < y1; y++) {
    const row = (y + dy) * width + dx;
    for (let x = x0; x < x1; x++) if (n.mask[(y - y0) * bw + x - x0] && occupied[row + x]) return false;
  }
  return true;
}

/** Marks the pixels of `n` moved by (dx, dy) in `occupied` (H×W uint8, row length `width`). */
export function occupy(n: BoxMask, dx: number, dy: number, occupied: Uint8Array, width: number): void {
  const [x0, y0, x1, y1] = n.bbox;
  const bw = x1 - x0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) if (n.mask[(y - y0) * bw + x - x0]) occupied[(y + dy) * width + x + dx] = 1;
  }
}

/** Throws unless `offset` is a whole-pixel translation [dx, dy] (a manifest record's `offset`). */
export function checkOffset(offset: unknown): void {
  if (!Array.isArray(offset) || offset.length !== 2 || !offset.every((v) => Number.isInteger(v))) throw expectedError('offset', '[dx, dy] in whole pixels', offset);
}
