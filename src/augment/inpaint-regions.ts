/**
 * Inpainting several regions of one image in one batch, each on a crop around it (NucleiMix's
 * two stages and GradMix's hole use it): every crop masks all unknown pixels it sees, not only
 * its own region's, so no job takes a pixel that another job is filling as context.
 */
import { NucleiMixError } from '../core/errors.ts';
import { createImage, type RgbImage } from '../core/raster.ts';
import type { InpaintJob, Inpainter } from '../inpaint/inpainter.ts';

export interface Region {
  /** Bounding box x0, y0, x1, y1 (exclusive) of the region. */
  bbox: readonly [number, number, number, number];
  /** Its unknown pixels (indices y·W + x): only these are written back. */
  pixels: ArrayLike<number>;
}

/**
 * Fills `regions` of `rgb` (H×W×3 uint8, edited in place). Each job is the region's box grown
 * by `margin` px and clipped to the image, with every pixel set in `unknown` (H×W uint8)
 * masked and zeroed.
 */
export async function inpaintRegions(inpainter: Inpainter, rgb: Uint8Array, width: number, height: number, unknown: Uint8Array, regions: readonly Region[], margin: number): Promise<void> {
  const todo = regions.filter((r) => r.pixels.length > 0);
  if (todo.length === 0) return;
  const W = width;
  const crops = todo.map((r) => {
    const x0 = Math.max(0, r.bbox[0] - margin);
    const y0 = Math.max(0, r.bbox[1] - margin);
    const x1 = Math.min(width, r.bbox[2] + margin);
    const y1 = Math.min(height, r.bbox[3] + margin);
    return { x0, y0, w: x1 - x0, h: y1 - y0 };
  });
  const jobs: InpaintJob[] = crops.map(({ x0, y0, w, h }) => {
    const image = createImage(w, h);
    const mask = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      const row = (y0 + y) * W + x0;
      image.data.set(rgb.subarray(3 * row, 3 * (row + w)), 3 * y * w);
      for (let x = 0; x < w; x++) {
        if (!unknown[row + x]) continue;
        mask[y * w + x] = 1;
        image.data.fill(0, 3 * (y * w + x), 3 * (y * w + x) + 3);
      }
    }
    return { image, mask };
  });
  const results = await inpainter.inpaint(jobs);
  if (results.length !== jobs.length) throw new NucleiMixError(`inpainter ${inpainter.name} returned ${results.length} images for ${jobs.length} jobs`);
  todo.forEach((r, k) => {
    const { x0, y0, w, h } = crops[k];
    const res: RgbImage = results[k];
    if (res.width !== w || res.height !== h || res.data.length !== 3 * w * h) {
      throw new NucleiMixError(`inpainter ${inpainter.name} returned a ${res.width}×${res.height} image for a ${w}×${h} job`);
    }
    for (let i = 0; i < r.pixels.length; i++) {
      const q = r.pixels[i];
      const x = (q % W) - x0;
      const y = Math.floor(q / W) - y0;
      const s = 3 * (y * w + x);
      rgb[3 * q] = res.data[s];
      rgb[3 * q + 1] = res.data[s + 1];
      rgb[3 * q + 2] = res.data[s + 2];
    }
  });
}
