/**
 * GradMix (Doan et al., MICCAI 2022): replace major nuclei by rare ones, blending
 * each rare nucleus into the major's place with a gradient mask (`gradmix-render.ts`).
 *
 * Pairing follows the official code (QuIIL/Grad_Mix), made to stop at k:
 * - per image, a random `majorShare` (80 %) of the major nuclei whose centre is `margin` px
 *   from the border, in ascending order of area (ties by id);
 * - per target image and rare type, a pool of rare nuclei (centre `margin` px from their
 *   border): the image's own in id order, then the other images' in a random image order;
 * - each major takes the first rare nucleus of the pool not yet used in that image with
 *   area(dilate₂(major)) ≥ `sizeRatio` (2.3) × area(rare); a major that no unused rare fits,
 *   or whose region (dilate₂(major) ∪ the moved rare) would leave the image or touch an
 *   earlier pair's, is skipped (the rare stays unused);
 * - the official code pairs every picked major of every image; to add exactly k nuclei, the
 *   images take turns (a random order), one pair each per turn, until k pairs are made.
 */
import { NucleiMixError } from '../core/errors.ts';
import { dilationRings } from '../core/labels.ts';
import { createRng, type Rng } from '../core/rng.ts';
import type { OptionTable } from '../core/options.ts';
import { renderGradMix, type GradMixInsertion } from './gradmix-render.ts';
import type { AugmentMethod } from './method.ts';
import { insideBorder, type DatasetIndex, type NucleusRecord } from './nuclei-index.ts';
import { checkOffset } from './paste.ts';
import { indexPhase, replaceableTypes } from './request.ts';

export type { GradMixInsertion } from './gradmix-render.ts';

export interface GradMixOptions {
  /** Share of each image's majors considered (official 0.8). */
  majorShare: number;
  /** A rare nucleus fits a major when sizeRatio × area(rare) ≤ area(dilate₂(major)) (official 2.3). */
  sizeRatio: number;
}

/** The plan and how it came about (for tests and stats). */
export interface GradMixPlan {
  insertions: GradMixInsertion[];
  /** Per image: the ids of its picked majors in the order considered (ascending area). */
  queues: Map<string, number[]>;
  /** Per image: the majors that were eligible (centre `margin` px from the border). */
  eligible: Map<string, number>;
  /** Per target image and rare type (key `image/type`): the rare pool in order, as `image#id`. */
  pools: Map<string, string[]>;
  /** Majors considered and skipped: no unused rare fitted, or the region left the image or met an earlier pair's. */
  skipped: { noRare: number; outside: number; overlap: number };
}

/** Pixels (indices y·W + x) of dilate₂ of a nucleus, clipped to the W×H image. */
export function dilatedPixels(n: NucleusRecord, width: number, height: number): Int32Array {
  const [bx0, by0, bx1, by1] = n.bbox;
  const bw = bx1 - bx0;
  const pw = bw + 4;
  const ph = by1 - by0 + 4;
  const win = new Uint8Array(pw * ph);
  for (let y = by0; y < by1; y++) for (let x = bx0; x < bx1; x++) win[(y - by0 + 2) * pw + x - bx0 + 2] = n.mask[(y - by0) * bw + x - bx0];
  const grown = dilationRings(win, pw, ph, 2)[2];
  const out: number[] = [];
  for (let y = 0; y < ph; y++) {
    const iy = by0 - 2 + y;
    if (iy < 0 || iy >= height) continue;
    for (let x = 0; x < pw; x++) {
      const ix = bx0 - 2 + x;
      if (ix >= 0 && ix < width && grown[y * pw + x]) out.push(iy * width + ix);
    }
  }
  return Int32Array.from(out);
}

/** Plans GradMix pairs (pure): see the module comment. */
export function planGradMix(
  index: DatasetIndex,
  rareTypes: readonly number[],
  majorTypes: readonly number[] | undefined,
  k: number,
  margin: number,
  rng: Rng,
  options: Pick<GradMixOptions, 'majorShare' | 'sizeRatio'>,
): GradMixPlan {
  const { images } = index;
  const queues = new Map<string, number[]>();
  const eligible = new Map<string, number>();
  const pools = new Map<string, string[]>();
  const skipped = { noRare: 0, outside: 0, overlap: 0 };
  const isMajor = (t: number): boolean => !rareTypes.includes(t) && (majorTypes === undefined || majorTypes.includes(t));

  // Each image's queue: a random share of its eligible majors, ascending area.
  const queue: NucleusRecord[][] = images.map((im) => {
    const all = im.nuclei.filter((n) => isMajor(n.type) && insideBorder(n.cx, n.cy, im.width, im.height, margin));
    const pick = Math.floor(options.majorShare * all.length);
    const r = rng.fork(`majors/${im.name}`);
    for (let i = 0; i < pick; i++) {
      const j = i + r.int(all.length - i);
      [all[i], all[j]] = [all[j], all[i]];
    }
    const q = all.slice(0, pick).sort((a, b) => a.area - b.area || a.id - b.id);
    eligible.set(im.name, all.length);
    queues.set(im.name, q.map((n) => n.id));
    return q;
  });

  // Rare nuclei usable as donors, per type and image.
  const rares = new Map<number, NucleusRecord[][]>();
  for (const t of rareTypes) {
    const byImage = images.map((im) => im.nuclei.filter((n) => n.type === t && insideBorder(n.cx, n.cy, im.width, im.height, margin)));
    if (byImage.every((l) => l.length === 0)) throw new NucleiMixError(`rare type ${t} has no nucleus at least ${margin} px from the image border to copy`);
    rares.set(t, byImage);
  }
  const otherOrder = images.map((im, i) => {
    const others = images.map((_, j) => j).filter((j) => j !== i);
    const r = rng.fork(`pool/${im.name}`);
    for (let a = others.length - 1; a > 0; a--) {
      const b = r.int(a + 1);
      [others[a], others[b]] = [others[b], others[a]];
    }
    return others;
  });
  const poolCache = new Map<string, { pool: NucleusRecord[]; used: Uint8Array }>();
  const poolOf = (i: number, t: number): { pool: NucleusRecord[]; used: Uint8Array } => {
    const key = `${images[i].name}/${t}`;
    let p = poolCache.get(key);
    if (p === undefined) {
      const byImage = rares.get(t)!;
      const pool = [...byImage[i], ...otherOrder[i].flatMap((j) => byImage[j])];
      p = { pool, used: new Uint8Array(pool.length) };
      poolCache.set(key, p);
      pools.set(key, pool.map((n) => `${images[n.image].name}#${n.id}`));
    }
    return p;
  };

  const taken = images.map(() => new Set<number>());
  const order = images.map((_, i) => i);
  const r = rng.fork('turns');
  for (let a = order.length - 1; a > 0; a--) {
    const b = r.int(a + 1);
    [order[a], order[b]] = [order[b], order[a]];
  }
  const insertions: GradMixInsertion[] = [];

  /** Tries the next majors of image i until one pair is made (true) or its queue ends. */
  const advance = (i: number, t: number, ptr: Int32Array): boolean => {
    const im = images[i];
    while (ptr[i] < queue[i].length) {
      const m = queue[i][ptr[i]++];
      const hole = dilatedPixels(m, im.width, im.height);
      if (hole.some((q) => taken[i].has(q))) {
        skipped.overlap++;
        continue;
      }
      const { pool, used } = poolOf(i, t);
      let pick = -1;
      for (let j = 0; j < pool.length; j++) {
        if (!used[j] && options.sizeRatio * pool[j].area <= hole.length) {
          pick = j;
          break;
        }
      }
      if (pick < 0) {
        skipped.noRare++;
        continue;
      }
      const d = pool[pick];
      const dx = Math.round(m.cx) - Math.round(d.cx);
      const dy = Math.round(m.cy) - Math.round(d.cy);
      const [rx0, ry0, rx1, ry1] = d.bbox;
      if (rx0 + dx < 0 || ry0 + dy < 0 || rx1 + dx > im.width || ry1 + dy > im.height) {
        skipped.outside++;
        continue;
      }
      const rare: number[] = [];
      const rw = rx1 - rx0;
      for (let y = ry0; y < ry1; y++) for (let x = rx0; x < rx1; x++) if (d.mask[(y - ry0) * rw + x - rx0]) rare.push((y + dy) * im.width + x + dx);
      if (rare.some((q) => taken[i].has(q))) {
        skipped.overlap++;
        continue;
      }
      used[pick] = 1;
      for (const q of hole) taken[i].add(q);
      for (const q of rare) taken[i].add(q);
      insertions.push({
        index: insertions.length,
        rareType: t,
        target: { image: im.name, kind: 'major', x: d.cx + dx, y: d.cy + dy, replacedId: m.id, replacedType: m.type, area: m.area, dilatedArea: hole.length },
        donor: { image: images[d.image].name, id: d.id, type: t, area: d.area },
        offset: [dx, dy],
      });
      return true;
    }
    return false;
  };

  for (const t of rareTypes) {
    const ptr = new Int32Array(images.length);
    let added = 0;
    while (added < k) {
      let progressed = false;
      for (const i of order) {
        if (added >= k) break;
        if (advance(i, t, ptr)) {
          added++;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
  }
  return { insertions, queues, eligible, pools, skipped };
}

export const GRADMIX_OPTIONS: OptionTable<GradMixOptions> = {
  majorShare: { flag: '--major-share <r>', type: 'number', above: 0, max: 1, default: 0.8, help: "gradmix: share of each image's majors considered" },
  sizeRatio: { flag: '--size-ratio <r>', type: 'number', above: 0, default: 2.3, help: 'gradmix: a rare nucleus fits when ratio × its area ≤ area of the major grown by 2 px' },
};

export const GRADMIX: AugmentMethod<GradMixOptions, GradMixInsertion> = {
  name: 'gradmix',
  description: 'GradMix: replace small major nuclei by rare ones, inpainting the major and blending the ring with distance weights',
  options: GRADMIX_OPTIONS,
  targetKinds: ['major'],
  // The official code erases the major with cv2.inpaint(…, 5, INPAINT_TELEA).
  engine: { name: 'telea', radius: 5 },
  async plan(input, options) {
    const { index, seconds } = await indexPhase(input);
    const t0 = performance.now();
    const { request } = input;
    const majors = replaceableTypes(request, input.dataset.classes.map((c) => c.id));
    const plan = planGradMix(index, request.rareTypes, majors, request.k, request.borderMargin, createRng(request.seed).fork('gradmix'), options);
    let eligible = 0;
    let picked = 0;
    for (const [name, n] of plan.eligible) {
      eligible += n;
      picked += plan.queues.get(name)!.length;
    }
    return { insertions: plan.insertions, planning: { majors: { eligible, picked }, skipped: plan.skipped }, timings: { index: seconds, plan: (performance.now() - t0) / 1000 } };
  },
  checkInsertion(ins) {
    if (ins.target.kind !== 'major' || !Number.isInteger(ins.target.replacedId)) throw new NucleiMixError('needs target kind major with a replacedId');
    checkOffset(ins.offset);
  },
  render(sample, insertions, input) {
    return renderGradMix(sample, insertions, input.donor, input.inpaint, { seed: input.seed });
  },
};
