/**
 * CutMix for instance segmentation (Yun et al. 2019 adapted to nuclei, as the
 * NucleiMix paper's baseline): cut the bounding box of a rare nucleus plus a small margin from
 * its image and paste the rectangle, pixels and labels, at a random place of a random image.
 *
 * Labels inside the rectangle come from the source: source nuclei cut by the rectangle's edge
 * come along clipped, target nuclei under it lose those pixels, and 8-connected pieces of
 * clipped nuclei smaller than `minFragment` pixels are dropped from the labels. So each
 * rectangle adds its rare nucleus but may also bring or remove others. k is the net gain of
 * each rare type, as for every method and as the NucleiMix paper's Table 1 counts it (CoNSeP
 * 371 + 597 = 968): the planner works out exactly what each rectangle does to the counts and
 * stops when the gain reaches k (`count: 'net'`); `count: 'rectangles'` pastes k rectangles
 * instead, whatever they carry. The rectangular seam is the point of comparison.
 *
 * Rectangles pasted into one image never overlap, so every rare nucleus pasted survives whole.
 */
import { NucleiMixError } from '../core/errors.ts';
import type { OptionTable } from '../core/options.ts';
import { indexOfId } from '../core/labels.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import { createRng, type Rng } from '../core/rng.ts';
import type { Sample } from '../io/dataset.ts';
import { dropSmallFragments, type Box } from './fragments.ts';
import type { InsertionBase } from './manifest.ts';
import type { AugmentMethod } from './method.ts';
import { donorsOf, insideBorder, type DatasetIndex } from './nuclei-index.ts';
import { statsOf } from './sample-stats.ts';
import { relabel } from './relabel.ts';
import { LAYER, type AppliedEdit, type RenderedImage } from './applied-edit.ts';
import { indexPhase } from './request.ts';

export interface CutMixOptions {
  /** Pixels added to each side of the rare nucleus's bounding box (clipped to its image). */
  boxMargin: number;
  /** 8-connected pieces of clipped nuclei smaller than this many pixels are dropped. */
  minFragment: number;
  /** What k counts: `net`, the gain of each rare type (rectangles carry and cover neighbours); `rectangles`, the rectangles pasted. */
  count: CutMixCount;
}

export type CutMixCount = 'net' | 'rectangles';
export const CUTMIX_COUNTS: readonly CutMixCount[] = ['net', 'rectangles'];


/** Random places tried per insertion before the rare type is given up as full. */
const TRIES = 200;

type Rect = [number, number, number, number];

/**
 * One pasted rectangle. `donor.rect` in the source image, `target.rect` where it went (same
 * size); `gain`: the change it makes to the count of each rare type (nonzero ones; the donor's
 * type at least +1 unless it covers one of its own kind).
 */
export interface CutMixInsertion extends InsertionBase {
  target: { image: string; kind: 'rectangle'; x: number; y: number; rect: Rect };
  donor: { image: string; id: number; type: number; rect: Rect };
  gain: Record<number, number>;
}

/**
 * True when some 8-connected piece of the pixels of `mask` (bw×bh, row-major) that `keep`
 * accepts has at least `minArea` pixels — what {@link dropSmallFragments} leaves of an
 * instance (for `minArea` ≤ 1 it drops nothing: any pixel kept is enough).
 */
function survives(mask: Uint8Array, bw: number, bh: number, keep: (x: number, y: number) => boolean, minArea: number): boolean {
  const seen = new Uint8Array(bw * bh);
  const stack: number[] = [];
  for (let p0 = 0; p0 < mask.length; p0++) {
    if (!mask[p0] || seen[p0] || !keep(p0 % bw, (p0 / bw) | 0)) continue;
    if (minArea <= 1) return true;
    let size = 0;
    seen[p0] = 1;
    stack.push(p0);
    while (stack.length > 0) {
      const q = stack.pop()!;
      size++;
      const qx = q % bw;
      const qy = (q - qx) / bw;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = qy + dy;
        if (ny < 0 || ny >= bh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = qx + dx;
          const n = ny * bw + nx;
          if ((dx === 0 && dy === 0) || nx < 0 || nx >= bw || !mask[n] || seen[n] || !keep(nx, ny)) continue;
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    if (size >= minArea) return true;
  }
  return false;
}

function overlaps(a: Rect | readonly number[], b: Rect | readonly number[]): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/**
 * What rectangles do to the counts, worked out from the index exactly as {@link renderCutMix}
 * will label them: a source nucleus in the rectangle comes along whole, or clipped and kept
 * when a piece of it inside the rectangle reaches `minFragment`; a target nucleus under
 * rectangles keeps what lies outside all of them, and survives when a piece of that does.
 */
class CountLedger {
  private readonly rects: Rect[][];
  /** Per image: indices of target nuclei (in `nuclei` order) gone under its rectangles. */
  private readonly gone: Set<number>[];

  constructor(private readonly index: DatasetIndex, private readonly minFragment: number) {
    this.rects = index.images.map(() => []);
    this.gone = index.images.map(() => new Set());
  }

  /** Change of each type's count (nonzero entries) if `src` (source rectangle of image `s`) went to `dst` in image `t`. */
  effect(s: number, src: Rect, t: number, dst: Rect): Map<number, number> {
    const delta = new Map<number, number>();
    const bump = (type: number, n: number): void => {
      const v = (delta.get(type) ?? 0) + n;
      if (v === 0) delta.delete(type);
      else delta.set(type, v);
    };
    for (const n of this.index.images[s].nuclei) {
      if (!overlaps(n.bbox, src)) continue;
      const [x0, y0, x1, y1] = n.bbox;
      const whole = x0 >= src[0] && y0 >= src[1] && x1 <= src[2] && y1 <= src[3];
      const inside = (x: number, y: number): boolean => x + x0 >= src[0] && x + x0 < src[2] && y + y0 >= src[1] && y + y0 < src[3];
      if (whole || survives(n.mask, x1 - x0, y1 - y0, inside, this.minFragment)) bump(n.type, 1);
    }
    const rects = [...this.rects[t], dst];
    this.index.images[t].nuclei.forEach((n, i) => {
      if (this.gone[t].has(i) || !overlaps(n.bbox, dst)) return;
      if (!this.alive(n.bbox, n.mask, rects)) bump(n.type, -1);
    });
    return delta;
  }

  /** Books `dst` into image `t`. */
  commit(t: number, dst: Rect): void {
    this.rects[t].push(dst);
    this.index.images[t].nuclei.forEach((n, i) => {
      if (!this.gone[t].has(i) && overlaps(n.bbox, dst) && !this.alive(n.bbox, n.mask, this.rects[t])) this.gone[t].add(i);
    });
  }

  private alive(bbox: readonly number[], mask: Uint8Array, rects: readonly Rect[]): boolean {
    const [x0, y0, x1, y1] = bbox;
    const near = rects.filter((r) => overlaps(r, bbox));
    const outside = (x: number, y: number): boolean => near.every((r) => x + x0 < r[0] || x + x0 >= r[2] || y + y0 < r[1] || y + y0 >= r[3]);
    let covered = false;
    const bw = x1 - x0;
    for (let p = 0; p < mask.length && !covered; p++) if (mask[p] && !outside(p % bw, (p / bw) | 0)) covered = true;
    // An uncovered nucleus is left as it is; a covered one is what dropSmallFragments leaves of it.
    return !covered || survives(mask, bw, y1 - y0, outside, this.minFragment);
  }
}

/**
 * Plans the rectangles (pure): a uniformly drawn donor among the type's nuclei whose centre is
 * `margin` px from its border, its box grown by `boxMargin` and clipped to its image; a
 * uniformly drawn target image; a uniformly drawn place there that keeps the pasted rare
 * nucleus's centre `margin` px from the border and overlaps no earlier rectangle.
 *
 * With `count: 'net'` (default) each rare type takes rectangles until its net gain reaches k:
 * a rectangle is kept only when it raises the type's count, lowers no rare type's count, and
 * takes no rare type past k; with `count: 'rectangles'`, k rectangles per type whatever they
 * do. Either way each records its `gain`.
 */
export function planCutMix(index: DatasetIndex, rareTypes: readonly number[], k: number, margin: number, rng: Rng, options: Pick<CutMixOptions, 'boxMargin' | 'minFragment'> & { count?: CutMixCount }): CutMixInsertion[] {
  const { images } = index;
  const taken: Rect[][] = images.map(() => []);
  const out: CutMixInsertion[] = [];
  const net = (options.count ?? 'net') === 'net';
  const ledger = new CountLedger(index, options.minFragment);
  const gained = new Map(rareTypes.map((t) => [t, 0]));
  for (const type of rareTypes) {
    const donors = donorsOf(index, type, margin);
    for (let n = 0; net ? gained.get(type)! < k : n < k; n++) {
      let placed = false;
      for (let attempt = 0; attempt < TRIES && !placed; attempt++) {
        const d = donors[rng.int(donors.length)];
        const src = images[d.image];
        const m = options.boxMargin;
        const rect: Rect = [Math.max(0, d.bbox[0] - m), Math.max(0, d.bbox[1] - m), Math.min(src.width, d.bbox[2] + m), Math.min(src.height, d.bbox[3] + m)];
        const w = rect[2] - rect[0];
        const h = rect[3] - rect[1];
        const t = rng.int(images.length);
        const dst = images[t];
        if (w > dst.width || h > dst.height) continue;
        const tx = rng.int(dst.width - w + 1);
        const ty = rng.int(dst.height - h + 1);
        const cx = d.cx + tx - rect[0];
        const cy = d.cy + ty - rect[1];
        const placedRect: Rect = [tx, ty, tx + w, ty + h];
        if (!insideBorder(cx, cy, dst.width, dst.height, margin)) continue;
        if (taken[t].some((r) => r[0] < placedRect[2] && placedRect[0] < r[2] && r[1] < placedRect[3] && placedRect[1] < r[3])) continue;
        const effect = ledger.effect(d.image, rect, t, placedRect);
        const gain: Record<number, number> = {};
        for (const u of rareTypes) if (effect.has(u)) gain[u] = effect.get(u)!;
        if (net && !((gain[type] ?? 0) >= 1 && rareTypes.every((u) => (gain[u] ?? 0) >= 0 && gained.get(u)! + (gain[u] ?? 0) <= k))) continue;
        taken[t].push(placedRect);
        ledger.commit(t, placedRect);
        for (const u of rareTypes) gained.set(u, gained.get(u)! + (gain[u] ?? 0));
        out.push({
          index: out.length,
          rareType: type,
          target: { image: dst.name, kind: 'rectangle', x: cx, y: cy, rect: placedRect },
          donor: { image: src.name, id: d.id, type, rect },
          gain,
        });
        placed = true;
      }
      if (!placed) break;
    }
  }
  return out;
}

/** What one rectangle did to the labels, beyond its rare nucleus. */
export interface CutMixEffect {
  index: number;
  /** Types of the source nuclei (other than the donor) that came with the rectangle and survive. */
  carried: number[];
  /** Types as read of the target nuclei that lost pixels to it, and of those that lost all. */
  covered: number[];
  vanished: number[];
  /** Pieces of clipped nuclei dropped for being smaller than `minFragment`. */
  droppedPieces: number;
}

/**
 * Pastes the rectangles of `insertions` (all targeting `target`; disjoint) into a copy of it.
 * New instances (the donor and every other source nucleus in its rectangle) take ids after
 * every id as read, rectangle by rectangle, in source id order.
 */
export async function renderCutMix(target: Sample, insertions: readonly CutMixInsertion[], donorOf: (image: string) => Promise<Sample>, minFragment: number): Promise<RenderedImage & { effects: CutMixEffect[] }> {
  const { width: W, height: H } = target.image;
  const before = target.labels;
  const inst = before.inst.data.slice();
  const rgb = target.image.data.slice();
  const maxId = before.ids.length > 0 ? before.ids[before.ids.length - 1] : 0;
  const beforeStats = statsOf(target);
  const ordered = [...insertions].sort((a, b) => a.index - b.index);
  const newTypes = new Map<number, number>();
  const clipped = new Map<number, Box>();
  let nextId = maxId + 1;
  const placed = ordered.map((ins) => ({ ins, donorTemp: 0, temps: [] as number[], covered: new Set<number>() }));
  for (const p of placed) {
    const { ins } = p;
    const where = `cutmix insertion #${ins.index} (${target.name})`;
    if (ins.target.image !== target.name) throw new NucleiMixError(`${where}: it targets image ${JSON.stringify(ins.target.image)}`);
    const donor = await donorOf(ins.donor.image);
    const [sx0, sy0, sx1, sy1] = ins.donor.rect;
    const [tx0, ty0, tx1, ty1] = ins.target.rect;
    const DW = donor.image.width;
    if (sx1 - sx0 !== tx1 - tx0 || sy1 - sy0 !== ty1 - ty0 || sx0 < 0 || sy0 < 0 || sx1 > DW || sy1 > donor.image.height || tx0 < 0 || ty0 < 0 || tx1 > W || ty1 > H || sx1 <= sx0 || sy1 <= sy0) {
      throw new NucleiMixError(`${where}: the source rectangle ${JSON.stringify(ins.donor.rect)} and target rectangle ${JSON.stringify(ins.target.rect)} do not fit their images or each other`);
    }
    const dStats = statsOf(donor);
    if (indexOfId(dStats, ins.donor.id) < 0) throw new NucleiMixError(`${where}: image ${donor.name} has no instance ${ins.donor.id}`);
    const temp = new Map<number, number>();
    const src = donor.labels.inst.data;
    for (let y = 0; y < sy1 - sy0; y++) {
      for (let x = 0; x < sx1 - sx0; x++) {
        const s = (sy0 + y) * DW + sx0 + x;
        const q = (ty0 + y) * W + tx0 + x;
        rgb[3 * q] = donor.image.data[3 * s];
        rgb[3 * q + 1] = donor.image.data[3 * s + 1];
        rgb[3 * q + 2] = donor.image.data[3 * s + 2];
        const was = inst[q];
        if (was !== 0 && was <= maxId) p.covered.add(was);
        const id = src[s];
        if (id === 0) {
          inst[q] = 0;
          continue;
        }
        let t = temp.get(id);
        if (t === undefined) {
          t = -id; // placeholder, numbered below in source id order
          temp.set(id, t);
        }
        inst[q] = t;
      }
    }
    // Number the source nuclei of this rectangle in ascending source id order.
    const ids = [...temp.keys()].sort((a, b) => a - b);
    const final = new Map<number, number>();
    for (const id of ids) {
      const t = nextId++;
      final.set(-id, t);
      const j = indexOfId(donor.labels, id);
      newTypes.set(t, donor.labels.types[j]);
      p.temps.push(t);
      if (id === ins.donor.id) p.donorTemp = t;
      const i = indexOfId(dStats, id);
      const b = dStats.bboxes;
      // A source nucleus reaching beyond the rectangle is clipped by its edge.
      if (b[4 * i] < sx0 || b[4 * i + 1] < sy0 || b[4 * i + 2] > sx1 || b[4 * i + 3] > sy1) clipped.set(t, [tx0, ty0, tx1, ty1]);
    }
    for (let y = ty0; y < ty1; y++) {
      for (let x = tx0; x < tx1; x++) {
        const q = y * W + x;
        if (inst[q] < 0) inst[q] = final.get(inst[q])!;
      }
    }
    for (const id of p.covered) {
      const i = indexOfId(beforeStats, id);
      clipped.set(id, [beforeStats.bboxes[4 * i], beforeStats.bboxes[4 * i + 1], beforeStats.bboxes[4 * i + 2], beforeStats.bboxes[4 * i + 3]]);
    }
  }
  const dropped = dropSmallFragments(inst, W, H, clipped, minFragment);
  const result = relabel(before, inst, newTypes);

  const effects: CutMixEffect[] = [];
  const applied: AppliedEdit[] = placed.map(({ ins, donorTemp, temps, covered }) => {
    const rect = ins.target.rect;
    const bbox: [number, number, number, number] = [rect[0], rect[1], rect[2], rect[3]];
    // Dropped pieces of covered nuclei lie outside the rectangle: the edit region takes them in.
    for (const id of covered) {
      if (!dropped.has(id)) continue;
      const b = clipped.get(id)!;
      bbox[0] = Math.min(bbox[0], b[0]);
      bbox[1] = Math.min(bbox[1], b[1]);
      bbox[2] = Math.max(bbox[2], b[2]);
      bbox[3] = Math.max(bbox[3], b[3]);
    }
    const bw = bbox[2] - bbox[0];
    const layers = new Uint8Array(bw * (bbox[3] - bbox[1]));
    for (let y = rect[1]; y < rect[3]; y++) {
      for (let x = rect[0]; x < rect[2]; x++) if (inst[y * W + x] === donorTemp) layers[(y - bbox[1]) * bw + x - bbox[0]] = LAYER.nucleus;
    }
    const coveredIds = [...covered].sort((a, b) => a - b);
    const vanishedIds = coveredIds.filter((id) => result.area(id) === 0);
    const typeOf = (id: number): number => before.types[indexOfId(before, id)];
    let droppedPieces = 0;
    for (const id of [...temps, ...coveredIds]) droppedPieces += dropped.get(id)?.pieces ?? 0;
    effects.push({
      index: ins.index,
      carried: temps.filter((t) => t !== donorTemp && result.area(t) > 0).map((t) => newTypes.get(t)!),
      covered: coveredIds.map(typeOf),
      vanished: vanishedIds.map(typeOf),
      droppedPieces,
    });
    let coveredPixels = 0;
    for (let y = rect[1]; y < rect[3]; y++) for (let x = rect[0]; x < rect[2]; x++) if (before.inst.data[y * W + x] !== 0) coveredPixels++;
    return {
      index: ins.index,
      kind: 'background',
      newId: result.finalId(donorTemp),
      type: ins.donor.type,
      area: result.area(donorTemp),
      offset: [rect[0], rect[1]],
      bbox,
      layers,
      coveredPixels,
      clippedIds: coveredIds,
      vanishedIds,
      vanishedTypes: vanishedIds.map(typeOf),
    };
  });
  const sample: Sample = { name: target.name, image: createImage(W, H, rgb), labels: result.labels };
  if (target.origin !== undefined) sample.origin = target.origin;
  if (target.source !== undefined) sample.source = target.source;
  const rects = ordered.map((ins) => ins.target.rect);
  return { sample, applied, effects, decorate: (ov) => outlineRects(ov, rects) };
}

/** Colour of the rectangles' outlines on the preview overlay. */
export const RECTANGLE_COLOUR: readonly [number, number, number] = [255, 220, 0];

/** Draws the 1-px outline of each rectangle (inside its edge) on `img`. */
function outlineRects(img: RgbImage, rects: readonly Rect[]): void {
  const paint = (x: number, y: number): void => {
    const o = 3 * (y * img.width + x);
    img.data[o] = RECTANGLE_COLOUR[0];
    img.data[o + 1] = RECTANGLE_COLOUR[1];
    img.data[o + 2] = RECTANGLE_COLOUR[2];
  };
  for (const [x0, y0, x1, y1] of rects) {
    for (let x = x0; x < x1; x++) {
      paint(x, y0);
      paint(x, y1 - 1);
    }
    for (let y = y0; y < y1; y++) {
      paint(x0, y);
      paint(x1 - 1, y);
    }
  }
}

/** Adds `n` to `counts[key]`. */
function bump(counts: Record<number, number>, key: number, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

export const CUTMIX_OPTIONS: OptionTable<CutMixOptions> = {
  boxMargin: { flag: '--box-margin <px>', type: 'int', min: 0, default: 4, help: "cutmix: pixels added to each side of the rare nucleus's box" },
  minFragment: { flag: '--min-fragment <px>', type: 'int', min: 0, default: 10, help: 'cutmix: drop pieces of clipped nuclei smaller than this' },
  count: { flag: '--count <what>', type: 'choice', choices: CUTMIX_COUNTS, default: 'net', help: "cutmix: what k counts: 'net', the net gain of each rare type (rectangles carry rare neighbours and cover others), or 'rectangles'" },
};

export const CUTMIX: AugmentMethod<CutMixOptions, CutMixInsertion> = {
  name: 'cutmix',
  description: 'CutMix: paste a rare nucleus\'s box (plus a margin) with its labels at a random place of a random image',
  options: CUTMIX_OPTIONS,
  targetKinds: ['rectangle'],
  async plan(input, options) {
    const { index, seconds } = await indexPhase(input);
    const t0 = performance.now();
    const { request } = input;
    const insertions = planCutMix(index, request.rareTypes, request.k, request.borderMargin, createRng(request.seed).fork('cutmix'), options);
    return { insertions, timings: { index: seconds, plan: (performance.now() - t0) / 1000 } };
  },
  checkInsertion(ins) {
    const isRect = (r: unknown): boolean => Array.isArray(r) && r.length === 4 && r.every((v) => Number.isInteger(v));
    if (ins.target.kind !== 'rectangle' || !isRect(ins.target.rect) || !isRect(ins.donor.rect)) throw new NucleiMixError('needs target kind rectangle and integer target.rect and donor.rect [x0, y0, x1, y1]');
    const gain = ins.gain as unknown;
    if (gain !== undefined && (typeof gain !== 'object' || gain === null || !Object.values(gain).every((v) => Number.isInteger(v)))) throw new NucleiMixError('gain must map rare types to integer count changes');
  },
  async render(sample, insertions, input) {
    const r = await renderCutMix(sample, insertions, input.donor, input.options.minFragment);
    return { sample: r.sample, applied: r.applied, decorate: r.decorate, extra: { effects: r.effects } };
  },
  summarise(extras, counts, _options, manifest) {
    const carried: Record<number, number> = {};
    const covered: Record<number, number> = {};
    let droppedPieces = 0;
    for (const x of extras) {
      for (const e of x.effects as CutMixEffect[]) {
        e.carried.forEach((t) => bump(carried, t));
        e.covered.forEach((t) => bump(covered, t));
        droppedPieces += e.droppedPieces;
      }
    }
    const netRareChange: Record<number, number> = {};
    for (const t of manifest.rareTypes) netRareChange[t] = (counts.after[t] ?? 0) - (counts.before[t] ?? 0);
    return { netRareChange, carried, covered, droppedPieces };
  },
  notes(manifest, summary) {
    const net = summary.netRareChange as Record<number, number>;
    const carried = summary.carried as Record<number, number>;
    const covered = summary.covered as Record<number, number>;
    const counted = manifest.options.count === 'rectangles' ? `k = ${manifest.k} counted rectangles (--count rectangles)` : `k = ${manifest.k} is the net gain (--count net)`;
    return manifest.rareTypes.map((t) => {
      const n = manifest.insertions.filter((ins) => ins.rareType === t).length;
      const change = net[t];
      return `type ${t}: ${n} rectangles, net change ${change >= 0 ? '+' : ''}${change}; ${counted} (they also brought ${carried[t] ?? 0} other type-${t} nuclei along and cut into ${covered[t] ?? 0})`;
    });
  },
};
