/**
 * Progressive inpainting (Wang & Kwak 2024, §3.2): applies the insertions planned for one image
 * and updates its labels.
 *
 * - Copy-and-replace (major target): stage 1 erases the replaced nucleus grown by 2 px and
 *   inpaints the hole; stage 2 pastes the donor's nucleus r0 centred on the target, inpaints
 *   the transition ring r3 \ r1, and lays the donor's edge — its own 1-px contour r1 \ r0 and
 *   what of the nucleus shows in the ring — onto the target's background there.
 * - Copy-and-paste (background target): stage 2 only.
 *
 * An engine that sees nuclei (`InpaintEngine.nuclei === 'visible'`: a diffusion model trained
 * on real tissue) gets the paper's letter: nuclei known, the donor's contour pasted as it is,
 * the ring inpainted around it (CoNSeP k = 300: realism AUC 0.988, against 0.999 for the same
 * model given the treatment below). For the other engines (classical, exemplar), two
 * departures from the paper's letter, both measured on CoNSeP k = 600 (`bench/rims.ts`,
 * statistics of src/realism/rims.ts; issue 10): 11.1 % of the ring +1 pixels around inserted
 * nuclei were more than 15 grey levels brighter than rings +4..+8 (around real nuclei of the
 * type: 4.5 %) and 56.5 % of the inserted nuclei had a 2–3 px halo more than 15 levels darker
 * than rings +5..+8 (real: 34.0 %); with both, 3.2 % and 35.8 %.
 *
 * - No nucleus is a source of fill: in either stage the pixels of other nuclei within
 *   {@link HIDE_REACH} px of the fill, and in stage 2 the pasted nucleus, are unknown to the
 *   engine, and never written back. A classical engine averages every known pixel within its
 *   radius: through a 1-px contour the ring took the donor's dark nucleus (dark halos about
 *   51 % with the edge below but the nucleus known), and the stage-1 fill took the replaced
 *   nucleus's crowded neighbours (about 47 %).
 * - The contour keeps the donor's edge, not the donor's background: each pixel of r3 \ r0 gets
 *   (1 − a)·t + a·N, a its nuclear share and N the nucleus's colour estimated in the donor
 *   (`donor-edge.ts`), t the target's background (the pixel as it was under the contour, the
 *   inpainted fill in the ring). The paper places the contour "preserving its immediate
 *   background information"; that background — a retraction halo, a lumen — pasted into other
 *   tissue was the dotted white ring (without it 1.4 % of ring +1 pixels were bright), and a
 *   ring inpainted from the whole contour spread the contour's dark share 2 px outward where
 *   labels follow the visible edge (generated tiles: 32 % of the inserted nuclei with a dark
 *   halo, none of the real ones). Where a cannot be estimated the paper's rule stands: the
 *   contour pasted as it is, the ring as inpainted.
 *
 * Telea's 16-bit fill is no cause of either (at 8 bits: 10.7 % and 58.2 %). Those engines also
 * get the seam blur of {@link ProgressiveOptions.edgeBlur}.
 *
 * Other nuclei keep every pixel the new nucleus (r0) does not cover, in the labels and in the
 * image: nothing is written back over them, and the donor's contour is not laid over them.
 * Inpainting runs on crops around each edit (its region's bounding box plus a margin), all
 * stage-1 crops of the image in one batch, then all stage-2 crops in another.
 */
import { expectedError, NucleiMixError } from '../core/errors.ts';
import { dilationRings, indexOfId, instanceStats, renumber, type InstanceStats, type Labels } from '../core/labels.ts';
import { createImage, createInstanceMap } from '../core/raster.ts';
import { editedSample, type Sample } from '../io/dataset.ts';
import type { DonorCut } from './donor.ts';
import { donorEdge } from './donor-edge.ts';
import type { AppliedEdit, RenderedImage } from './applied-edit.ts';
import { LAYER } from './applied-edit.ts';
import type { Insertion } from './manifest.ts';
import type { NucleiView } from '../inpaint/engine.ts';
import type { RegionInpainter } from './method.ts';
import { jobSeed } from './render-loop.ts';
import { statsOf } from './sample-stats.ts';

/** One insertion of the manifest and its donor, cut and transformed as it prescribes. */
export interface Edit {
  insertion: Insertion;
  donor: DonorCut;
}

export interface ProgressiveOptions {
  /** Context kept around each edit region in the inpainting crops, px (default 24). */
  contextMargin?: number;
  /** The run's seed, from which each inpainting job's seed is derived (default 0). */
  seed?: number;
  /**
   * How the engine wants the nuclei around a fill (default `hidden`: the rim fix above).
   * `visible`: the paper's conditioning — other nuclei stay known in both stages, the donor's
   * r1 (nucleus and 1-px contour, as it is) is pasted and known, and the ring r3 \ r1 is
   * inpainted around it with nothing laid over it: a model trained on rings around real
   * nuclei makes the edge itself.
   */
  nuclei?: NucleiView;
  /**
   * `paper` (default): stage 2 inpaints the transition ring r3 \ r1 once. `inward`: then,
   * as the official code goes from the wide ring to the boundary ring, a third pass inpaints
   * the boundary — the contour r1 \ r0 and the layer r2 \ r1 — again, the nucleus r0 and the
   * ring's outer layer known: the edge is made by the engine, not pasted.
   */
  staging?: Staging;
  /**
   * Weight w ∈ [0, 1] of the seam blur (default 0: none), for engines that hide nuclei: each
   * pixel of the boundary band — r0's outermost layer, the contour r1 \ r0 and the layer
   * r2 \ r1 — becomes (1 − w)·v + w·(v ∗ B), B the 3×3 binomial kernel, other nuclei left as
   * they are. A pasted edge is a step from one pixel to the next, where a scanned one is spread
   * over two or three by the optics: on CoNSeP k = 300 the Laplacian |∆| of ring +1 around
   * inserted nuclei was 27–31 grey levels against 16 around real ones, the realism test's
   * strongest single seam feature; with w = 0.5 it is no longer among the strongest, and the
   * test's AUC went 0.996 → 0.991 (Navier–Stokes, size-aware donors; README). Leaving r0's own
   * outer layer out gave 0.997: the step is on both sides.
   */
  edgeBlur?: number;
}

/** How stage 2 inpaints around the pasted nucleus; see {@link ProgressiveOptions.staging}. */
export type Staging = 'paper' | 'inward';
export const STAGINGS: readonly Staging[] = ['paper', 'inward'];

/** Default context margin of the inpainting crops. */
export const DEFAULT_CONTEXT_MARGIN = 24;

/** An edit placed in the target image; pixel lists are indices y·W + x, ascending. */
interface Placed {
  edit: Edit;
  ox: number;
  oy: number;
  /** r0, r1 (⊇ r0) and r3 \ r1 in target pixels; r1 lists the donor crop index alongside. */
  r0: Int32Array;
  r1: Int32Array;
  r1Src: Int32Array;
  ring: Int32Array;
  /** The donor crop index of each ring pixel. */
  ringSrc: Int32Array;
  /** The ring's pixels in r2 \ r1 (the layer next to the contour). */
  inner: Int32Array;
  /** The replaced nucleus grown by 2 px, and its pixels as read (major targets only). */
  hole: Int32Array | undefined;
  replacedId: number | undefined;
  /** Bounding boxes of r3 and of r3 ∪ hole, exclusive. */
  r3Box: [number, number, number, number];
  bbox: [number, number, number, number];
}

/**
 * Renders `edits` (all targeting `target`, applied in `insertion.index` order) into a copy of
 * `target`. Returns the augmented sample — labels renumbered 1..N with `types` in id order,
 * `stored` dropped (the labels changed), `source` and `origin` kept — and one
 * {@link AppliedEdit} per edit, in `insertion.index` order. With no edits, `target` itself is
 * returned. The new instances take the ids after every surviving one, in insertion order.
 *
 * Throws NucleiMixError when an edit targets another image, names a replaced nucleus the
 * image lacks, places r3 outside the image, or when two edits' regions (r3 and the stage-1
 * hole) intersect: the planner guarantees none of these, so any of them means a manifest
 * that does not belong to this data.
 */
export async function renderProgressive(
  target: Sample,
  edits: readonly Edit[],
  inpaint: RegionInpainter,
  options: ProgressiveOptions = {},
): Promise<RenderedImage> {
  if (edits.length === 0) return { sample: target, applied: [] };
  const margin = options.contextMargin ?? DEFAULT_CONTEXT_MARGIN;
  const seed = options.seed ?? 0;
  const visible = options.nuclei === 'visible';
  if (!Number.isInteger(margin) || margin < 0) throw expectedError('render: context margin', 'a whole number of pixels ≥ 0', margin);
  const { width: W, height: H } = target.image;
  const labels = target.labels;
  if (labels.inst.width !== W || labels.inst.height !== H) {
    throw new NucleiMixError(`render: ${target.name}: labels are ${labels.inst.width}×${labels.inst.height} but the image is ${W}×${H}`);
  }
  const ordered = [...edits].sort((a, b) => a.insertion.index - b.insertion.index);
  const stats = statsOf(target);
  const placed = ordered.map((edit) => place(target, edit, stats));
  checkDisjoint(target.name, placed, W * H);

  const inst = labels.inst.data;
  const replaced = new Set<number>();
  for (const p of placed) if (p.replacedId !== undefined) replaced.add(p.replacedId);
  /** A pixel of a nucleus that stays (one not replaced here); r0 may still cover it. */
  const isOther = (p: number): boolean => inst[p] !== 0 && !replaced.has(inst[p]);

  // Stage 1: every hole of the image in one batch. Each crop masks all holes it sees (not only
  // its own), so no job takes a nucleus that another job is erasing as context. Other nuclei's
  // pixels near a hole are hidden from the engine too (see above; never written back), and no
  // nucleus is a source an exemplar engine may copy.
  const out = target.image.data.slice();
  const unknown = new Uint8Array(W * H);
  const exclude = new Uint8Array(W * H);
  for (let q = 0; q < exclude.length; q++) if (isOther(q)) exclude[q] = 1;
  const majors = placed.filter((p) => p.hole !== undefined);
  for (const p of majors) for (const q of p.hole!) unknown[q] = 1;
  if (!visible) hideNuclei(unknown, isOther, W, H);
  const image = { rgb: out, width: W, height: H, unknown, exclude };
  const stage = (p: Placed, s: number): number => jobSeed(seed, target.name, `${p.edit.insertion.index}/${s}`);
  await inpaint(image, majors.map((p) => ({ bbox: boxOf(p.hole!, W), pixels: p.hole!.filter((q) => !isOther(q)), seed: stage(p, 1) })), margin);

  // Stage 2: paste every donor's r0 (over anything), inpaint every transition ring in one
  // batch with the pasted nuclei hidden and the target's own pixels under the contours, then
  // lay each donor's edge over its contour and ring.
  unknown.fill(0);
  for (const p of placed) {
    const rgb = p.edit.donor.rgb.data;
    const r0 = p.edit.donor.r0;
    for (let i = 0; i < p.r1.length; i++) {
      const q = p.r1[i];
      const s = p.r1Src[i];
      if (r0[s] && !visible) unknown[q] = 1;
      // Seen by the engine, the contour is pasted as it is (never over another nucleus).
      if (!r0[s] && (!visible || isOther(q))) continue;
      out[3 * q] = rgb[3 * s];
      out[3 * q + 1] = rgb[3 * s + 1];
      out[3 * q + 2] = rgb[3 * s + 2];
    }
    for (const q of p.ring) unknown[q] = 1;
    for (const q of p.r1) exclude[q] = 1; // the pasted nucleus and its contour are no fill texture either
  }
  if (!visible) hideNuclei(unknown, isOther, W, H);
  await inpaint(image, placed.map((p) => ({ bbox: p.r3Box, pixels: p.ring.filter((q) => !isOther(q)), seed: stage(p, 2) })), margin);
  if (!visible) {
    for (const p of placed) layEdge(p, out, isOther);
    blurEdges(placed, out, W, H, isOther, options.edgeBlur ?? 0);
  }

  if (options.staging === 'inward') {
    // Stage 3: the boundary, contour and inner layer, inpainted again with the nucleus known.
    unknown.fill(0);
    const boundary = placed.map((p) => {
      const px = [...contourOf(p), ...p.inner].filter((q) => !isOther(q));
      for (const q of px) unknown[q] = 1;
      if (!visible) for (const q of p.r0) unknown[q] = 1; // hidden, as in stage 2
      return Int32Array.from(px.sort((a, b) => a - b));
    });
    if (!visible) hideNuclei(unknown, isOther, W, H);
    await inpaint(image, placed.map((p, k) => ({ bbox: p.r3Box, pixels: boundary[k], seed: stage(p, 3) })), margin);
  }

  // Labels: the replaced nuclei leave, each new nucleus is r0 under a fresh id above all
  // present ids (so renumbering appends them in insertion order).
  const newInst = inst.slice();
  for (let q = 0; q < newInst.length; q++) if (replaced.has(newInst[q])) newInst[q] = 0;
  const maxId = labels.ids.length > 0 ? labels.ids[labels.ids.length - 1] : 0;
  if (maxId + placed.length > 0x7fffffff) throw new NucleiMixError(`render: ${target.name}: instance ids would overflow int32`);
  const covered: { pixels: number; clipped: Set<number> }[] = [];
  const clippedAll = new Set<number>();
  placed.forEach((p, k) => {
    const clipped = new Set<number>();
    let pixels = 0;
    for (const q of p.r0) {
      if (isOther(q)) {
        pixels++;
        clipped.add(inst[q]);
        clippedAll.add(inst[q]);
      }
      newInst[q] = maxId + 1 + k;
    }
    covered.push({ pixels, clipped });
  });
  const newMap = createInstanceMap(W, H, newInst);
  const newStats = instanceStats(newMap);
  const n = newStats.ids.length;
  const types = new Int32Array(n);
  const centroids = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const id = newStats.ids[i];
    const j = id > maxId ? -1 : indexOfId(labels, id);
    types[i] = j < 0 ? placed[id - maxId - 1].edit.insertion.donor.type : labels.types[j];
    // Instances the edits did not touch keep their centroids bit for bit, as read.
    const keep = j >= 0 && !clippedAll.has(id);
    centroids[2 * i] = keep ? labels.centroids[2 * j] : newStats.centroids[2 * i];
    centroids[2 * i + 1] = keep ? labels.centroids[2 * j + 1] : newStats.centroids[2 * i + 1];
  }
  const present = new Set(newStats.ids);
  const outLabels: Labels = renumber({ inst: newMap, ids: newStats.ids, types, centroids });

  const applied: AppliedEdit[] = placed.map((p, k) => {
    const tempId = maxId + 1 + k;
    const i = indexOfId(newStats, tempId);
    const clippedIds = [...covered[k].clipped].sort((a, b) => a - b);
    const insertion = p.edit.insertion;
    const a: AppliedEdit = {
      index: insertion.index,
      kind: insertion.target.kind,
      newId: i + 1,
      type: insertion.donor.type,
      area: newStats.areas[i],
      offset: [p.ox, p.oy],
      bbox: p.bbox,
      layers: layerMask(p, W, inst),
      coveredPixels: covered[k].pixels,
      clippedIds,
      vanishedIds: clippedIds.filter((id) => !present.has(id)),
      vanishedTypes: clippedIds.filter((id) => !present.has(id)).map((id) => labels.types[indexOfId(labels, id)]),
    };
    if (p.replacedId !== undefined) a.replacedId = p.replacedId;
    return a;
  });

  return { sample: editedSample(target, createImage(W, H, out), outLabels), applied };
}

/** Places one edit in the target: validates it and lists its layers in target pixels. */
function place(target: Sample, edit: Edit, stats: InstanceStats): Placed {
  const { insertion, donor } = edit;
  const { width: W, height: H } = target.image;
  const t = insertion.target;
  const where = `render: insertion #${insertion.index} (${target.name})`;
  if (t.image !== target.name) throw new NucleiMixError(`${where}: it targets image ${JSON.stringify(t.image)}`);
  const d = insertion.donor;
  if (donor.image !== d.image || donor.id !== d.id || donor.transform.flipH !== d.flipH || donor.transform.flipV !== d.flipV || donor.transform.rotation !== d.rotation) {
    throw new NucleiMixError(`${where}: the donor cut (${donor.image}#${donor.id}) does not match the manifest's donor (${d.image}#${d.id}) and transform`);
  }
  if (!Number.isInteger(d.type) || d.type < 1) throw new NucleiMixError(`${where}: donor type must be a positive integer, got ${d.type}`);
  if (!Number.isFinite(t.x) || !Number.isFinite(t.y)) throw new NucleiMixError(`${where}: target location (${t.x}, ${t.y}) is not a number`);

  const ox = Math.round(t.x - donor.cx);
  const oy = Math.round(t.y - donor.cy);
  const dw = donor.rgb.width;
  const dh = donor.rgb.height;
  // r2, r3 grown from r1 in the donor crop padded by 2, so they are never cut short.
  const pw = dw + 4;
  const ph = dh + 4;
  const padded = new Uint8Array(pw * ph);
  for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) padded[(y + 2) * pw + x + 2] = donor.r1[y * dw + x];
  const [, r2, r3] = dilationRings(padded, pw, ph, 2);
  const r0: number[] = [];
  const r1: number[] = [];
  const r1Src: number[] = [];
  const ring: number[] = [];
  const ringSrc: number[] = [];
  const inner: number[] = [];
  let bx0 = W;
  let by0 = H;
  let bx1 = 0;
  let by1 = 0;
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      if (!r3[y * pw + x]) continue;
      const ix = ox - 2 + x;
      const iy = oy - 2 + y;
      if (ix < 0 || iy < 0 || ix >= W || iy >= H) {
        throw new NucleiMixError(`${where}: donor ${donor.image}#${donor.id} placed at (${t.x}, ${t.y}) reaches outside the ${W}×${H} image (its transition ring needs pixel (${ix}, ${iy}))`);
      }
      bx0 = Math.min(bx0, ix);
      by0 = Math.min(by0, iy);
      bx1 = Math.max(bx1, ix + 1);
      by1 = Math.max(by1, iy + 1);
      const q = iy * W + ix;
      const inside = x >= 2 && y >= 2 && x < dw + 2 && y < dh + 2;
      const s = inside ? (y - 2) * dw + (x - 2) : -1;
      if (s >= 0 && donor.r1[s]) {
        r1.push(q);
        r1Src.push(s);
        if (donor.r0[s]) r0.push(q);
      } else {
        ring.push(q);
        ringSrc.push(s); // r3 lies within the donor crop (DONOR_PAD ≥ 2), so s ≥ 0
        if (r2[y * pw + x]) inner.push(q);
      }
    }
  }

  const r3Box: [number, number, number, number] = [bx0, by0, bx1, by1];
  let hole: Int32Array | undefined;
  let replacedId: number | undefined;
  if (t.kind === 'major') {
    const id = t.replacedId;
    const i = id === undefined ? -1 : indexOfId(stats, id);
    if (id === undefined || i < 0) throw new NucleiMixError(`${where}: the replaced nucleus ${id ?? '(none given)'} is not in the image`);
    const j = indexOfId(target.labels, id);
    if (t.replacedType !== undefined && j >= 0 && target.labels.types[j] !== t.replacedType) {
      throw new NucleiMixError(`${where}: nucleus ${id} has type ${target.labels.types[j]}, the manifest says ${t.replacedType}`);
    }
    replacedId = id;
    // The nucleus grown by 2 px (two 4-connected steps, as the official scipy dilation).
    const x0 = Math.max(0, stats.bboxes[4 * i] - 2);
    const y0 = Math.max(0, stats.bboxes[4 * i + 1] - 2);
    const x1 = Math.min(W, stats.bboxes[4 * i + 2] + 2);
    const y1 = Math.min(H, stats.bboxes[4 * i + 3] + 2);
    const ww = x1 - x0;
    const wh = y1 - y0;
    const m = new Uint8Array(ww * wh);
    const inst = target.labels.inst.data;
    for (let y = 0; y < wh; y++) for (let x = 0; x < ww; x++) if (inst[(y0 + y) * W + x0 + x] === id) m[y * ww + x] = 1;
    const grown = dilationRings(m, ww, wh, 2)[2];
    const px: number[] = [];
    for (let y = 0; y < wh; y++) for (let x = 0; x < ww; x++) if (grown[y * ww + x]) px.push((y0 + y) * W + x0 + x);
    hole = Int32Array.from(px);
    bx0 = Math.min(bx0, x0);
    by0 = Math.min(by0, y0);
    bx1 = Math.max(bx1, x1);
    by1 = Math.max(by1, y1);
  } else if (t.kind !== 'background') {
    throw new NucleiMixError(`${where}: unknown target kind ${JSON.stringify(t.kind)}`);
  }
  return {
    edit,
    ox,
    oy,
    r0: Int32Array.from(r0),
    r1: Int32Array.from(r1),
    r1Src: Int32Array.from(r1Src),
    ring: Int32Array.from(ring),
    ringSrc: Int32Array.from(ringSrc),
    inner: Int32Array.from(inner),
    hole,
    replacedId,
    r3Box,
    bbox: [bx0, by0, bx1, by1],
  };
}

/**
 * How near (px, Chebyshev) to a pixel being filled a nucleus pixel is hidden from the engine.
 * OpenCV's classical methods read known pixels within their radius (NucleiMix: 3); a hidden
 * pixel is filled in turn from pixels within the radius of it, so 8 px keeps what lies beyond
 * two such steps from the fill. Hiding whole nuclei instead gave the same rim statistics on
 * CoNSeP k = 600 at twice the render time (OpenCV fills every hidden pixel, for nothing).
 */
export const HIDE_REACH = 8;

/** Marks unknown, in place, every pixel of another nucleus (`isOther`) within {@link HIDE_REACH} px of a pixel already unknown. */
function hideNuclei(unknown: Uint8Array, isOther: (q: number) => boolean, W: number, H: number): void {
  const near = boxDilate(unknown, W, H, HIDE_REACH);
  for (let q = 0; q < near.length; q++) if (near[q] && isOther(q)) unknown[q] = 1;
}

/** 1 where a non-zero pixel of `mask` (H×W) lies within `r` px (Chebyshev): a (2r+1)² box dilation, one pass per axis. */
function boxDilate(mask: Uint8Array, W: number, H: number, r: number): Uint8Array {
  const rows = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    let last = -Infinity; // the last set pixel to the left, then sweeping back from the right
    for (let x = 0; x < W; x++) {
      if (mask[y * W + x]) last = x;
      if (x - last <= r) rows[y * W + x] = 1;
    }
    last = Infinity;
    for (let x = W - 1; x >= 0; x--) {
      if (mask[y * W + x]) last = x;
      if (last - x <= r) rows[y * W + x] = 1;
    }
  }
  // Down and up the columns, all columns at once row by row (the last set row per column): a
  // column at a time strides through the whole map, slow on 1000² images.
  const out = new Uint8Array(W * H);
  const last = new Float64Array(W).fill(-Infinity);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (rows[y * W + x]) last[x] = y;
      if (y - last[x] <= r) out[y * W + x] = 1;
    }
  }
  last.fill(Infinity);
  for (let y = H - 1; y >= 0; y--) {
    for (let x = 0; x < W; x++) {
      if (rows[y * W + x]) last[x] = y;
      if (last[x] - y <= r) out[y * W + x] = 1;
    }
  }
  return out;
}

/**
 * Lays the donor's edge over the contour r1 \ r0 and the ring of `p`, in place in `out`:
 * (1 − a)·t + a·N (see the module comment), t being what `out` holds there — the target as it
 * was under the contour, the inpainted fill in the ring. Where a is NaN the paper's rule
 * stands: the donor's contour pixel pasted as it is, the ring's fill kept. Pixels of other
 * nuclei are left alone.
 */
function layEdge(p: Placed, out: Uint8Array, isOther: (q: number) => boolean): void {
  const donor = p.edit.donor;
  const { share, nucleus } = donorEdge(donor);
  const rgb = donor.rgb.data;
  const lay = (q: number, s: number, contour: boolean): void => {
    if (isOther(q)) return;
    const a = share[s];
    if (Number.isNaN(a)) {
      if (contour) for (let c = 0; c < 3; c++) out[3 * q + c] = rgb[3 * s + c];
      return;
    }
    for (let c = 0; c < 3; c++) out[3 * q + c] = Math.round((1 - a) * out[3 * q + c] + a * nucleus[3 * s + c]);
  };
  for (let i = 0; i < p.r1.length; i++) if (!donor.r0[p.r1Src[i]]) lay(p.r1[i], p.r1Src[i], true);
  for (let i = 0; i < p.ring.length; i++) lay(p.ring[i], p.ringSrc[i], false);
}

/** Throws when two edits' regions (r3 ∪ hole) share a pixel. */
function checkDisjoint(name: string, placed: readonly Placed[], size: number): void {
  const owner = new Int32Array(size);
  placed.forEach((p, k) => {
    const mark = (q: number): void => {
      const o = owner[q];
      if (o !== 0 && o !== k + 1) {
        const a = placed[o - 1].edit.insertion.index;
        const b = p.edit.insertion.index;
        throw new NucleiMixError(`render: ${name}: insertions #${a} and #${b} overlap (their transition rings or replaced nuclei share pixels); edits in one image must be disjoint`);
      }
      owner[q] = k + 1;
    };
    p.r1.forEach(mark);
    p.ring.forEach(mark);
    p.hole?.forEach(mark);
  });
}

function boxOf(pixels: Int32Array, W: number): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const q of pixels) {
    const x = q % W;
    const y = (q - x) / W;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x + 1);
    y1 = Math.max(y1, y + 1);
  }
  return [x0, y0, x1, y1];
}

/** The {@link LAYER} bit masks of one placed edit over its bbox. */
function layerMask(p: Placed, W: number, inst: Int32Array): Uint8Array {
  const [x0, y0, x1, y1] = p.bbox;
  const bw = x1 - x0;
  const m = new Uint8Array(bw * (y1 - y0));
  const at = (q: number): number => (Math.floor(q / W) - y0) * bw + (q % W) - x0;
  for (const q of p.r1) m[at(q)] |= LAYER.contour;
  for (const q of p.r0) m[at(q)] = (m[at(q)] & ~LAYER.contour) | LAYER.nucleus;
  for (const q of p.ring) m[at(q)] |= LAYER.ring;
  if (p.hole !== undefined) {
    for (const q of p.hole) {
      m[at(q)] |= LAYER.hole;
      if (inst[q] === p.replacedId) m[at(q)] |= LAYER.former;
    }
  }
  return m;
}

/** The contour r1 \ r0 of a placed edit, in target pixels (ascending, as r1). */
function contourOf(p: Placed): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.r1.length; i++) if (!p.edit.donor.r0[p.r1Src[i]]) out.push(p.r1[i]);
  return out;
}

/** The 3×3 binomial kernel, row-major; its weights sum to 16. */
const BINOMIAL = [1, 2, 1, 2, 4, 2, 1, 2, 1];

/**
 * The seam blur of {@link ProgressiveOptions.edgeBlur}, in place in `out` (H×W×3): every band
 * pixel's new value is computed from `out` as it is before any is written. Pixels on the
 * image's edge and pixels of other nuclei (but where a new r0 covers them) are left as they are.
 */
function blurEdges(placed: readonly Placed[], out: Uint8Array, W: number, H: number, isOther: (q: number) => boolean, weight: number): void {
  if (weight === 0) return;
  const inR0 = new Uint8Array(W * H);
  for (const p of placed) for (const q of p.r0) inR0[q] = 1;
  const band: number[] = [];
  for (const p of placed) {
    for (const q of p.r0) if (!inR0[q - 1] || !inR0[q + 1] || !inR0[q - W] || !inR0[q + W]) band.push(q);
    band.push(...contourOf(p), ...p.inner);
  }
  const keep = band.filter((q) => {
    const x = q % W;
    const y = (q - x) / W;
    return x > 0 && y > 0 && x < W - 1 && y < H - 1 && (inR0[q] === 1 || !isOther(q));
  });
  const values = new Uint8Array(3 * keep.length);
  keep.forEach((q, i) => {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      let k = 0;
      for (let dy = -W; dy <= W; dy += W) for (let dx = -1; dx <= 1; dx++) s += BINOMIAL[k++] * out[3 * (q + dy + dx) + c];
      values[3 * i + c] = Math.round((1 - weight) * out[3 * q + c] + (weight * s) / 16);
    }
  });
  keep.forEach((q, i) => out.set(values.subarray(3 * i, 3 * i + 3), 3 * q));
}
