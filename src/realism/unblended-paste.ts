/**
 * The deliberately bad insertion the realism test is calibrated against: a donor nucleus's
 * pixels pasted as they are — no blending, no inpainting, no care for where — the lower bound
 * of realism every method should beat.
 */
import type { InstanceMap, RgbImage } from '../core/raster.ts';

/** One nucleus lifted out of its image: its box's pixels and its mask. */
export interface NucleusCrop {
  width: number;
  height: number;
  /** H×W uint8, 1 on the nucleus. */
  mask: Uint8Array;
  /** H×W×3 uint8, the box's pixels (only those under the mask are pasted). */
  pixels: Uint8Array;
}

/**
 * Lifts instance `id` out of an image.
 *
 * @param bbox [x0, y0, x1, y1), x1 and y1 exclusive
 */
export function cropNucleus(image: RgbImage, inst: InstanceMap, id: number, bbox: ArrayLike<number>): NucleusCrop {
  const [x0, y0, x1, y1] = [bbox[0], bbox[1], bbox[2], bbox[3]];
  const w = x1 - x0;
  const h = y1 - y0;
  const mask = new Uint8Array(w * h);
  const pixels = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y0 + y) * image.width + x0 + x;
      mask[y * w + x] = inst.data[p] === id ? 1 : 0;
      for (let c = 0; c < 3; c++) pixels[3 * (y * w + x) + c] = image.data[3 * p + c];
    }
  }
  return { width: w, height: h, mask, pixels };
}

/** Whether the crop placed with its top-left corner at (x0, y0) lies inside the image and covers no instance pixel. */
export function fitsFree(inst: InstanceMap, crop: NucleusCrop, x0: number, y0: number): boolean {
  if (x0 < 0 || y0 < 0 || x0 + crop.width > inst.width || y0 + crop.height > inst.height) return false;
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      if (crop.mask[y * crop.width + x] && inst.data[(y0 + y) * inst.width + x0 + x] !== 0) return false;
    }
  }
  return true;
}

/** Pastes the crop's masked pixels at (x0, y0), in place: image pixels copied, instance pixels set to `id`. The crop must fit. */
export function pasteCrop(image: RgbImage, inst: InstanceMap, crop: NucleusCrop, x0: number, y0: number, id: number): void {
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const q = y * crop.width + x;
      if (!crop.mask[q]) continue;
      const p = (y0 + y) * inst.width + x0 + x;
      inst.data[p] = id;
      for (let c = 0; c < 3; c++) image.data[3 * p + c] = crop.pixels[3 * q + c];
    }
  }
}
