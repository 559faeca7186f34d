/**
 * CopyPaste (Ghiasi et al. 2021, as the NucleiMix paper's baseline): paste a rare
 * nucleus's own pixels at a random place of a random image, with no blending and no
 * transform. The place is chosen where the nucleus covers no other nucleus (it may touch
 * one), so no instance loses a pixel and the other classes' counts stay as they were, as in
 * the paper's Table 1.
 */
import { NucleiMixError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/rng.ts';
import type { InsertionBase } from './manifest.ts';
import type { AugmentMethod } from './method.ts';
import { donorsOf, insideBorder, type DatasetIndex } from './nuclei-index.ts';
import { checkOffset, freeAt, occupy, pasteNuclei } from './paste.ts';
import { indexPhase } from './request.ts';

/** CopyPaste has no options of its own beyond the request. */
export type CopyPasteOptions = Record<string, never>;

/** Random places tried per insertion before the rare type is given up as full. */
const TRIES = 500;

/** One nucleus pasted as it is (CopyPaste, InsMix). */
export interface PasteInsertion extends InsertionBase {
  target: { image: string; kind: 'background'; x: number; y: number };
  donor: { image: string; id: number; type: number };
  /** The translation: donor pixel (x, y) went to target pixel (x + dx, y + dy). */
  offset: [number, number];
}

/**
 * Plans k pastes per rare type (pure): a uniformly drawn donor among the type's nuclei whose
 * centre is `margin` px from its border, a uniformly drawn target image and pixel for its
 * rounded centroid; kept when its centre is `margin` px from the border, it lies inside the
 * image and it covers no labelled pixel (nor an earlier paste).
 */
export function planCopyPaste(index: DatasetIndex, rareTypes: readonly number[], k: number, margin: number, rng: Rng): PasteInsertion[] {
  const { images } = index;
  const occupied = images.map((im) => im.labelled.slice());
  const out: PasteInsertion[] = [];
  for (const type of rareTypes) {
    const donors = donorsOf(index, type, margin);
    for (let n = 0; n < k; n++) {
      let placed = false;
      for (let attempt = 0; attempt < TRIES && !placed; attempt++) {
        const d = donors[rng.int(donors.length)];
        const t = rng.int(images.length);
        const dst = images[t];
        const dx = rng.int(dst.width) - Math.round(d.cx);
        const dy = rng.int(dst.height) - Math.round(d.cy);
        if (!insideBorder(d.cx + dx, d.cy + dy, dst.width, dst.height, margin)) continue;
        if (!freeAt(d, dx, dy, occupied[t], dst.width, dst.height)) continue;
        occupy(d, dx, dy, occupied[t], dst.width);
        out.push({
          index: out.length,
          rareType: type,
          target: { image: dst.name, kind: 'background', x: d.cx + dx, y: d.cy + dy },
          donor: { image: images[d.image].name, id: d.id, type },
          offset: [dx, dy],
        });
        placed = true;
      }
      if (!placed) break;
    }
  }
  return out;
}

export const COPYPASTE: AugmentMethod<CopyPasteOptions, PasteInsertion> = {
  name: 'copypaste',
  description: 'CopyPaste: paste a rare nucleus\'s pixels, unblended, at a random free place of a random image',
  options: {},
  targetKinds: ['background'],
  async plan(input) {
    const { index, seconds } = await indexPhase(input);
    const t0 = performance.now();
    const { request } = input;
    const insertions = planCopyPaste(index, request.rareTypes, request.k, request.borderMargin, createRng(request.seed).fork('copypaste'));
    return { insertions, timings: { index: seconds, plan: (performance.now() - t0) / 1000 } };
  },
  checkInsertion(ins) {
    if (ins.target.kind !== 'background') throw new NucleiMixError('needs target kind background');
    checkOffset(ins.offset);
  },
  render(sample, insertions, input) {
    return pasteNuclei(sample, insertions.map((ins) => ({ index: ins.index, donor: ins.donor, dx: ins.offset[0], dy: ins.offset[1] })), input.donor);
  },
};
