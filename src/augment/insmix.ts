/**
 * InsMix without its smooth-GAN (Lin et al. 2022, §2.1–2.2): foreground augmentation under
 * the SSD morphology constraints, a direct copy, and background perturbation as an option.
 *
 * Each insertion picks an original nucleus I_o of the dataset at random (any type: the
 * template "follows the original instance distribution"), then a rare template I_t from the
 * bank of the type's nuclei with
 *   scale  min(|M_o|, |M_t|) / max(|M_o|, |M_t|) ≥ minScale  (paper: f_scale = max/min ≤ ε),
 *   shape  |M_o − M_t| / max(|M_o|, |M_t|) ≤ maxShape       (masks aligned on their centroids),
 * and pastes it, unblended, with its centre within ±maxOffset px of I_o's on each axis
 * (f_dis ≤ γ) where it covers no nucleus. Overlap is not allowed (δ is implicit): an
 * instance map cannot hold two overlapping nuclei without clipping one.
 *
 * Background perturbation (`bgShuffle` > 0) permutes that share of the nucleus-free 20×20
 * blocks of every image written (the paper's α, 0.2 there), after the pastes.
 */
import { NucleiMixError } from '../core/errors.ts';
import type { OptionTable } from '../core/options.ts';
import { createRng, type Rng } from '../core/rng.ts';
import type { Sample } from '../io/dataset.ts';
import { shuffleBackgroundBlocks } from './block-shuffle.ts';
import type { PasteInsertion } from './copypaste.ts';
import type { AugmentMethod } from './method.ts';
import { donorsOf, insideBorder, type DatasetIndex, type NucleusRecord } from './nuclei-index.ts';
import type { RenderedImage } from './applied-edit.ts';
import { checkOffset, freeAt, occupy, pasteNuclei } from './paste.ts';
import { indexPhase } from './request.ts';
import { scaleRatio, shapeDifference } from './ssd.ts';

export interface InsMixOptions {
  /** Smallest allowed min/max area ratio of template and original (paper's 1/ε). */
  minScale: number;
  /** Largest allowed shape difference |M_o − M_t| / max (paper's ρ). */
  maxShape: number;
  /** Largest centre offset from the original nucleus on each axis, px (paper's γ). */
  maxOffset: number;
  /** Share of the nucleus-free blocks to permute in every image (0: no background perturbation). */
  bgShuffle: number;
  /** Side of the background blocks, px. */
  block: number;
}


/** Templates drawn per original nucleus, and offsets tried per template that passes the constraints. */
const TEMPLATE_DRAWS = 30;
const OFFSET_DRAWS = 20;
/** Original nuclei tried per insertion before the rare type is given up as full. */
const ANCHOR_TRIES = 300;

/** An InsMix paste: a direct copy plus the original nucleus it was placed beside. */
export interface InsMixInsertion extends PasteInsertion {
  anchor: { id: number; type: number; x: number; y: number; area: number };
  /** The constraint values of this pair: scale min/max, shape difference, centre offset (template − original). */
  ssd: { scale: number; shape: number; dx: number; dy: number };
}

/**
 * Plans k pastes per rare type (pure). For each: up to {@link ANCHOR_TRIES} original nuclei
 * drawn uniformly over the dataset; for each, up to {@link TEMPLATE_DRAWS} templates drawn
 * uniformly among the type's nuclei `margin` px from their border; a template within the
 * scale and shape bounds gets up to {@link OFFSET_DRAWS} integer offsets drawn uniformly in
 * ±maxOffset, kept when the centre offset holds exactly, the centre is `margin` px from the
 * border and the template covers no labelled pixel (nor an earlier paste).
 */
export function planInsMix(index: DatasetIndex, rareTypes: readonly number[], k: number, margin: number, rng: Rng, options: InsMixOptions): InsMixInsertion[] {
  const { images } = index;
  const occupied = images.map((im) => im.labelled.slice());
  const anchors: NucleusRecord[] = images.flatMap((im) => im.nuclei);
  const out: InsMixInsertion[] = [];
  if (anchors.length === 0) return out;
  const R = options.maxOffset;
  for (const type of rareTypes) {
    const templates = donorsOf(index, type, margin);
    for (let n = 0; n < k; n++) {
      let placed: InsMixInsertion | undefined;
      for (let a = 0; a < ANCHOR_TRIES && placed === undefined; a++) {
        const o = anchors[rng.int(anchors.length)];
        const dst = images[o.image];
        for (let d = 0; d < TEMPLATE_DRAWS && placed === undefined; d++) {
          const t = templates[rng.int(templates.length)];
          const scale = scaleRatio(o.area, t.area);
          if (scale < options.minScale) continue;
          const shape = shapeDifference(o, t);
          if (shape > options.maxShape) continue;
          for (let f = 0; f < OFFSET_DRAWS; f++) {
            const dx = Math.round(o.cx) - Math.round(t.cx) + rng.int(2 * R + 1) - R;
            const dy = Math.round(o.cy) - Math.round(t.cy) + rng.int(2 * R + 1) - R;
            const x = t.cx + dx;
            const y = t.cy + dy;
            if (Math.abs(x - o.cx) > R || Math.abs(y - o.cy) > R) continue;
            if (!insideBorder(x, y, dst.width, dst.height, margin)) continue;
            if (!freeAt(t, dx, dy, occupied[o.image], dst.width, dst.height)) continue;
            occupy(t, dx, dy, occupied[o.image], dst.width);
            placed = {
              index: out.length,
              rareType: type,
              target: { image: dst.name, kind: 'background', x, y },
              donor: { image: images[t.image].name, id: t.id, type },
              offset: [dx, dy],
              anchor: { id: o.id, type: o.type, x: o.cx, y: o.cy, area: o.area },
              ssd: { scale, shape, dx: x - o.cx, dy: y - o.cy },
            };
            break;
          }
        }
      }
      if (placed === undefined) break;
      out.push(placed);
    }
  }
  return out;
}

export const INSMIX_OPTIONS: OptionTable<InsMixOptions> = {
  minScale: { flag: '--min-scale <r>', type: 'number', min: 0, max: 1, default: 0.5, help: 'insmix: smallest area ratio min/max of template and original' },
  maxShape: { flag: '--max-shape <r>', type: 'number', min: 0, default: 0.8, help: 'insmix: largest shape difference |A−B|/max of template and original' },
  maxOffset: { flag: '--max-offset <px>', type: 'int', min: 0, default: 40, help: 'insmix: largest centre offset from the original nucleus per axis' },
  bgShuffle: { flag: '--bg-shuffle <share>', type: 'number', min: 0, max: 1, default: 0, help: 'insmix: permute this share of the nucleus-free blocks of every image (0: off; the paper uses 0.2)' },
  block: { flag: '--block <px>', type: 'int', min: 1, default: 20, help: 'insmix: side of the background blocks' },
};

export const INSMIX: AugmentMethod<InsMixOptions, InsMixInsertion> = {
  name: 'insmix',
  description: 'InsMix (no GAN): paste rare templates beside similar nuclei under the SSD constraints; optional background block shuffle',
  options: INSMIX_OPTIONS,
  targetKinds: ['background'],
  async plan(input, options) {
    const { index, seconds } = await indexPhase(input);
    const t0 = performance.now();
    const { request } = input;
    const insertions = planInsMix(index, request.rareTypes, request.k, request.borderMargin, createRng(request.seed).fork('insmix'), options);
    return { insertions, timings: { index: seconds, plan: (performance.now() - t0) / 1000 } };
  },
  checkInsertion(ins) {
    if (ins.target.kind !== 'background') throw new NucleiMixError('needs target kind background');
    checkOffset(ins.offset);
  },
  rendersEveryImage: (o) => o.bgShuffle > 0,
  async render(sample, insertions, input) {
    const o = input.options;
    let edited: RenderedImage | undefined;
    if (insertions.length > 0) {
      edited = await pasteNuclei(sample, insertions.map((ins) => ({ index: ins.index, donor: ins.donor, dx: ins.offset[0], dy: ins.offset[1] })), input.donor);
    }
    if (o.bgShuffle === 0) return edited;
    const base: Sample = edited?.sample ?? sample;
    const s = shuffleBackgroundBlocks(base.image, base.labels.inst, o.bgShuffle, createRng(input.seed).fork(`bg-shuffle/${sample.name}`), o.block);
    const extra = { candidates: s.candidates, moved: s.moved };
    if (s.moved === 0) return { ...(edited ?? { sample, applied: [] }), extra };
    // The labels are unchanged, so what the file stored about them still holds.
    return { sample: { ...base, image: s.image }, applied: edited?.applied ?? [], extra };
  },
  summarise(extras, _counts, o) {
    if (o.bgShuffle === 0) return {};
    let candidates = 0;
    let moved = 0;
    for (const x of extras) {
      candidates += x.candidates as number;
      moved += x.moved as number;
    }
    return { backgroundShuffle: { share: o.bgShuffle, block: o.block, images: extras.length, candidates, moved } };
  },
};
