/**
 * InsMix's background perturbation (Lin et al. 2022, §2.2): split the image into square blocks
 * (20×20 in the paper), and permute a share of the blocks that hold no nucleus among
 * themselves. Nuclei stay where they are, so the labels do not change; the background gets
 * the sharp block edges the paper wants the network to become robust to.
 */
import { NucleiMixError } from '../core/errors.ts';
import { createImage, type InstanceMap, type RgbImage } from '../core/raster.ts';
import type { Rng } from '../core/rng.ts';

export interface BlockShuffle {
  image: RgbImage;
  /** Whole blocks without a labelled pixel (the grid starts at (0, 0); partial blocks at the right and bottom edges are never moved). */
  candidates: number;
  /** Blocks whose content moved: round(share × candidates), or 0 when that is below 2. */
  moved: number;
}

/**
 * Permutes round(`share` × candidates) nucleus-free `block`×`block` blocks of `image`: the
 * chosen blocks, drawn at random, each take the content of the next in a random cycle, so
 * every chosen block moves. Returns a new image; `image` and `inst` are not modified.
 */
export function shuffleBackgroundBlocks(image: RgbImage, inst: InstanceMap, share: number, rng: Rng, block = 20): BlockShuffle {
  const { width: W, height: H } = image;
  if (!(share >= 0 && share <= 1)) throw new NucleiMixError(`background shuffle share must be from 0 to 1, got ${share}`);
  if (!Number.isInteger(block) || block < 1) throw new NucleiMixError(`background block size must be a positive integer, got ${block}`);
  if (inst.width !== W || inst.height !== H) throw new NucleiMixError(`background shuffle: labels are ${inst.width}×${inst.height} but the image is ${W}×${H}`);
  const cols = Math.floor(W / block);
  const rows = Math.floor(H / block);
  const free: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let empty = true;
      for (let y = r * block; y < (r + 1) * block && empty; y++) {
        for (let x = c * block; x < (c + 1) * block; x++) {
          if (inst.data[y * W + x] !== 0) {
            empty = false;
            break;
          }
        }
      }
      if (empty) free.push(r * cols + c);
    }
  }
  const n = Math.round(share * free.length);
  const out = createImage(W, H, image.data.slice());
  if (n < 2) return { image: out, candidates: free.length, moved: 0 };
  // Partial Fisher–Yates: the first n entries become a uniform random ordered sample.
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(free.length - i);
    [free[i], free[j]] = [free[j], free[i]];
  }
  const rowBytes = 3 * block;
  for (let i = 0; i < n; i++) {
    const to = free[i];
    const from = free[(i + 1) % n];
    const tx = (to % cols) * block;
    const ty = Math.floor(to / cols) * block;
    const fx = (from % cols) * block;
    const fy = Math.floor(from / cols) * block;
    for (let y = 0; y < block; y++) {
      const s = 3 * ((fy + y) * W + fx);
      out.data.set(image.data.subarray(s, s + rowBytes), 3 * ((ty + y) * W + tx));
    }
  }
  return { image: out, candidates: free.length, moved: n };
}
