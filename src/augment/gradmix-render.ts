/**
 * GradMix's image operation (Doan et al., MICCAI 2022), for the pairs planned into
 * one image. Per pair (major nucleus M, rare nucleus R from its own image, R moved by the
 * pair's offset so that its centroid falls on M's: R'):
 *
 * 1. erase the major grown by two 4-connected dilations, H = dilate₂(M), and inpaint it
 *    (Telea, radius 5 in the official code; all holes of the image in one batch);
 * 2. paste R' with its pixels pulled halfway to the target image's mean nucleus colour μ:
 *    (p + μ) / 2, as the official code does;
 * 3. blend the ring S = (H ∪ R') \ R' between the rare nucleus's own surroundings (the donor
 *    image moved by the same offset) and the inpainted target with the weights
 *    w = 1 − (d − 1) / max_S(d − 1), d the chessboard distance to R' (w = 1 next to the
 *    nucleus, 0 at the far edge of the ring);
 * 4. median-filter the ring (a 5-pixel cross, skimage's `disk(1)`; the official code uses
 *    disk(5) for the blue channel only, which looks like a slip and is not copied).
 *
 * The rare nucleus takes the major's id and the rare type. Unlike the official code, other
 * nuclei keep every pixel R' does not cover: their pixels are kept out of the hole and the
 * ring, and R' and its surroundings are placed consistently (the official code centres the
 * mask and the image crop on different points).
 */
import { expectedError, NucleiMixError } from '../core/errors.ts';
import { dilationRings, indexOfId } from '../core/labels.ts';
import { createImage } from '../core/raster.ts';
import { editedSample, type Sample } from '../io/dataset.ts';
import type { InsertionBase } from './manifest.ts';
import { statsOf } from './sample-stats.ts';
import { relabel } from './relabel.ts';
import { LAYER, type AppliedEdit, type RenderedImage } from './applied-edit.ts';
import type { RegionInpainter } from './method.ts';
import { jobSeed } from './render-loop.ts';

/** One GradMix pair: a major replaced by a rare nucleus. */
export interface GradMixInsertion extends InsertionBase {
  target: {
    image: string;
    kind: 'major';
    /** Where the rare nucleus's centre went (≈ the major's centroid, within half a pixel). */
    x: number;
    y: number;
    replacedId: number;
    replacedType: number;
    /** The major's area and that of dilate₂(major), px. */
    area: number;
    dilatedArea: number;
  };
  donor: { image: string; id: number; type: number; area: number };
  /** The translation of the rare nucleus and its surroundings: donor (x, y) → target (x + dx, y + dy). */
  offset: [number, number];
}

export interface GradMixRenderOptions {
  /** Context kept around each hole in the inpainting crops, px (default 24, as NucleiMix's renderer). */
  contextMargin?: number;
  /** The run's seed, from which each inpainting job's seed is derived (default 0). */
  seed?: number;
  /** Median-filter the ring (default true). */
  median?: boolean;
}

/**
 * GradMix's mixing weights over a window: `rare` and `ring` are w×h uint8 masks (1 inside,
 * disjoint). Returns w×h float64: 1 on `rare`; on `ring`, w = 1 − (d − 1) / max(d − 1) with d
 * the chessboard distance to the nearest rare pixel and the max over the ring (1 everywhere on
 * the ring when that max is 0); 0 elsewhere.
 */
export function gradmixWeights(rare: Uint8Array, ring: Uint8Array, w: number, h: number): Float64Array {
  const d = chessboardDistance(rare, w, h);
  let max = 0;
  for (let p = 0; p < w * h; p++) if (ring[p] && d[p] - 1 > max) max = d[p] - 1;
  const out = new Float64Array(w * h);
  for (let p = 0; p < w * h; p++) {
    if (rare[p]) out[p] = 1;
    else if (ring[p]) out[p] = max > 0 ? 1 - (d[p] - 1) / max : 1;
  }
  return out;
}

/**
 * Chessboard (L∞) distance from every pixel of a w×h window to the nearest set pixel of
 * `mask`, by the two-pass 8-neighbour chamfer with unit weights, which is exact for L∞.
 * Pixels of an empty mask get +Infinity.
 */
export function chessboardDistance(mask: Uint8Array, w: number, h: number): Float64Array {
  const d = new Float64Array(w * h).fill(Infinity);
  for (let p = 0; p < w * h; p++) if (mask[p]) d[p] = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      let v = d[p];
      if (x > 0) v = Math.min(v, d[p - 1] + 1);
      if (y > 0) {
        v = Math.min(v, d[p - w] + 1);
        if (x > 0) v = Math.min(v, d[p - w - 1] + 1);
        if (x < w - 1) v = Math.min(v, d[p - w + 1] + 1);
      }
      d[p] = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const p = y * w + x;
      let v = d[p];
      if (x < w - 1) v = Math.min(v, d[p + 1] + 1);
      if (y < h - 1) {
        v = Math.min(v, d[p + w] + 1);
        if (x < w - 1) v = Math.min(v, d[p + w + 1] + 1);
        if (x > 0) v = Math.min(v, d[p + w - 1] + 1);
      }
      d[p] = v;
    }
  }
  return d;
}

/** A pair placed in the target, pixel lists as indices y·W + x. */
interface Placed {
  ins: GradMixInsertion;
  /** The major's pixels as read, dilate₂ of them (clipped to the image), and R'. */
  major: Int32Array;
  hole: Int32Array;
  rare: Int32Array;
  /** Bounding box of H ∪ R', exclusive. */
  box: [number, number, number, number];
}

/**
 * Applies the GradMix pairs of `insertions` (all targeting `target`; their regions H ∪ R'
 * disjoint, as the planner guarantees) to a copy of it.
 *
 * @throws NucleiMixError when a pair names nuclei the images lack, leaves the image, or two
 *   pairs' regions intersect: the manifest does not fit the data.
 */
export async function renderGradMix(
  target: Sample,
  insertions: readonly GradMixInsertion[],
  donorOf: (image: string) => Promise<Sample>,
  inpaint: RegionInpainter,
  options: GradMixRenderOptions = {},
): Promise<RenderedImage> {
  const margin = options.contextMargin ?? 24;
  if (!Number.isInteger(margin) || margin < 0) throw expectedError('gradmix: context margin', 'a whole number of pixels ≥ 0', margin);
  const { width: W, height: H } = target.image;
  const before = target.labels;
  const inst = before.inst.data;
  const stats = statsOf(target);
  const ordered = [...insertions].sort((a, b) => a.index - b.index);
  const owner = new Int32Array(W * H);
  const placed: Placed[] = [];
  const donors: Sample[] = [];
  for (const ins of ordered) {
    const where = `gradmix insertion #${ins.index} (${target.name})`;
    if (ins.target.image !== target.name) throw new NucleiMixError(`${where}: it targets image ${JSON.stringify(ins.target.image)}`);
    const m = ins.target.replacedId;
    const i = indexOfId(stats, m);
    if (!Number.isInteger(m) || i < 0) throw new NucleiMixError(`${where}: the major nucleus ${m} is not in the image`);
    const [mx0, my0, mx1, my1] = [stats.bboxes[4 * i], stats.bboxes[4 * i + 1], stats.bboxes[4 * i + 2], stats.bboxes[4 * i + 3]];
    const major: number[] = [];
    for (let y = my0; y < my1; y++) for (let x = mx0; x < mx1; x++) if (inst[y * W + x] === m) major.push(y * W + x);
    // dilate₂ in a window padded by 2 (scipy's binary_dilation, iterations=2, cross element).
    const x0 = Math.max(0, mx0 - 2);
    const y0 = Math.max(0, my0 - 2);
    const ww = Math.min(W, mx1 + 2) - x0;
    const wh = Math.min(H, my1 + 2) - y0;
    const win = new Uint8Array(ww * wh);
    for (const q of major) win[(Math.floor(q / W) - y0) * ww + (q % W) - x0] = 1;
    const grown = dilationRings(win, ww, wh, 2)[2];
    const hole: number[] = [];
    for (let y = 0; y < wh; y++) for (let x = 0; x < ww; x++) if (grown[y * ww + x]) hole.push((y0 + y) * W + x0 + x);

    const donor = await donorOf(ins.donor.image);
    const ds = statsOf(donor);
    const j = indexOfId(ds, ins.donor.id);
    if (!Number.isInteger(ins.donor.id) || j < 0) throw new NucleiMixError(`${where}: image ${donor.name} has no instance ${ins.donor.id}`);
    const [dx, dy] = ins.offset;
    const [rx0, ry0, rx1, ry1] = [ds.bboxes[4 * j] + dx, ds.bboxes[4 * j + 1] + dy, ds.bboxes[4 * j + 2] + dx, ds.bboxes[4 * j + 3] + dy];
    if (!Number.isInteger(dx) || !Number.isInteger(dy) || rx0 < 0 || ry0 < 0 || rx1 > W || ry1 > H) {
      throw new NucleiMixError(`${where}: the rare nucleus ${donor.name}#${ins.donor.id} moved by (${dx}, ${dy}) leaves the ${W}×${H} image`);
    }
    const rare: number[] = [];
    const DW = donor.image.width;
    for (let y = ry0; y < ry1; y++) for (let x = rx0; x < rx1; x++) if (donor.labels.inst.data[(y - dy) * DW + x - dx] === ins.donor.id) rare.push(y * W + x);
    const box: [number, number, number, number] = [Math.min(x0, rx0), Math.min(y0, ry0), Math.max(x0 + ww, rx1), Math.max(y0 + wh, ry1)];
    const k = placed.length + 1;
    for (const q of [...hole, ...rare]) {
      if (owner[q] !== 0 && owner[q] !== k) {
        throw new NucleiMixError(`render: ${target.name}: gradmix insertions #${placed[owner[q] - 1].ins.index} and #${ins.index} overlap; pairs in one image must be disjoint`);
      }
      owner[q] = k;
    }
    placed.push({ ins, major: Int32Array.from(major), hole: Int32Array.from(hole), rare: Int32Array.from(rare), box });
    donors.push(donor);
  }

  const replaced = new Set(placed.map((p) => p.ins.target.replacedId));
  const isOther = (q: number): boolean => inst[q] !== 0 && !replaced.has(inst[q]);

  // The target's mean nucleus colour, over every nucleus pixel as read.
  const mu = [0, 0, 0];
  let nucleusPixels = 0;
  for (let q = 0; q < inst.length; q++) {
    if (inst[q] === 0) continue;
    nucleusPixels++;
    for (let c = 0; c < 3; c++) mu[c] += target.image.data[3 * q + c];
  }
  for (let c = 0; c < 3; c++) mu[c] = nucleusPixels > 0 ? mu[c] / nucleusPixels : 0;

  // 1. Erase and inpaint every hole (other nuclei's pixels stay as they are).
  const rgb = target.image.data.slice();
  const unknown = new Uint8Array(W * H);
  for (const p of placed) for (const q of p.hole) if (!isOther(q)) unknown[q] = 1;
  const exclude = new Uint8Array(W * H);
  for (let q = 0; q < exclude.length; q++) if (isOther(q)) exclude[q] = 1;
  await inpaint(
    { rgb, width: W, height: H, unknown, exclude },
    placed.map((p) => ({ bbox: p.box, pixels: p.hole.filter((q) => unknown[q]), seed: jobSeed(options.seed ?? 0, target.name, `${p.ins.index}/1`) })),
    margin,
  );

  // 2–3. Paste the pulled nucleus and blend the ring.
  const rings: Int32Array[] = [];
  placed.forEach((p, k) => {
    const donor = donors[k];
    const [dx, dy] = p.ins.offset;
    const [bx0, by0, bx1, by1] = p.box;
    const bw = bx1 - bx0;
    const bh = by1 - by0;
    const local = (q: number): number => (Math.floor(q / W) - by0) * bw + (q % W) - bx0;
    const rareMask = new Uint8Array(bw * bh);
    for (const q of p.rare) rareMask[local(q)] = 1;
    const ringMask = new Uint8Array(bw * bh);
    const ring: number[] = [];
    for (const q of p.hole) {
      if (rareMask[local(q)] || isOther(q)) continue;
      ringMask[local(q)] = 1;
      ring.push(q);
    }
    rings.push(Int32Array.from(ring));
    const weights = gradmixWeights(rareMask, ringMask, bw, bh);
    const DW = donor.image.width;
    const DH = donor.image.height;
    const src = (q: number, c: number): number => {
      const x = Math.min(DW - 1, Math.max(0, (q % W) - dx));
      const y = Math.min(DH - 1, Math.max(0, Math.floor(q / W) - dy));
      return donor.image.data[3 * (y * DW + x) + c];
    };
    for (const q of p.rare) for (let c = 0; c < 3; c++) rgb[3 * q + c] = Math.round((src(q, c) + mu[c]) / 2);
    for (const q of ring) {
      const w = weights[local(q)];
      for (let c = 0; c < 3; c++) rgb[3 * q + c] = Math.round(w * src(q, c) + (1 - w) * rgb[3 * q + c]);
    }
  });

  // 4. Median over the rings, read from the blended image.
  if (options.median !== false) {
    const blended = rgb.slice();
    const v = [0, 0, 0, 0, 0];
    for (const ring of rings) {
      for (const q of ring) {
        const x = q % W;
        const y = (q - x) / W;
        for (let c = 0; c < 3; c++) {
          let n = 0;
          v[n++] = blended[3 * q + c];
          if (x > 0) v[n++] = blended[3 * (q - 1) + c];
          if (x < W - 1) v[n++] = blended[3 * (q + 1) + c];
          if (y > 0) v[n++] = blended[3 * (q - W) + c];
          if (y < H - 1) v[n++] = blended[3 * (q + W) + c];
          rgb[3 * q + c] = median(v, n);
        }
      }
    }
  }

  // Labels: the major's pixels leave; R' takes the major's id and the rare type.
  const newInst = inst.slice();
  const retype = new Map<number, number>();
  const covered = placed.map(() => ({ pixels: 0, clipped: new Set<number>() }));
  for (const p of placed) for (const q of p.major) newInst[q] = 0;
  placed.forEach((p, k) => {
    const m = p.ins.target.replacedId;
    for (const q of p.rare) {
      if (isOther(q)) {
        covered[k].pixels++;
        covered[k].clipped.add(inst[q]);
      }
      newInst[q] = m;
    }
    retype.set(m, p.ins.donor.type);
  });
  const result = relabel(before, newInst, new Map(), retype);

  const applied: AppliedEdit[] = placed.map((p, k) => {
    const [bx0, by0, bx1, by1] = p.box;
    const bw = bx1 - bx0;
    const layers = new Uint8Array(bw * (by1 - by0));
    const at = (q: number): number => (Math.floor(q / W) - by0) * bw + (q % W) - bx0;
    for (const q of p.hole) layers[at(q)] |= LAYER.hole;
    for (const q of p.major) layers[at(q)] |= LAYER.former;
    for (const q of rings[k]) layers[at(q)] |= LAYER.ring;
    for (const q of p.rare) layers[at(q)] |= LAYER.nucleus;
    const m = p.ins.target.replacedId;
    const clippedIds = [...covered[k].clipped].sort((a, b) => a - b);
    const vanishedIds = clippedIds.filter((id) => result.area(id) === 0);
    return {
      index: p.ins.index,
      kind: 'major',
      newId: result.finalId(m),
      type: p.ins.donor.type,
      area: result.area(m),
      replacedId: m,
      offset: [bx0, by0],
      bbox: p.box,
      layers,
      coveredPixels: covered[k].pixels,
      clippedIds,
      vanishedIds,
      vanishedTypes: vanishedIds.map((id) => before.types[indexOfId(before, id)]),
    };
  });
  return { sample: editedSample(target, createImage(W, H, rgb), result.labels), applied };
}

/** Median of the first n (odd or even; lower middle for even) entries of v. */
function median(v: number[], n: number): number {
  const s = v.slice(0, n).sort((a, b) => a - b);
  return s[(n - 1) >> 1];
}
