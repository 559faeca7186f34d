import { createImage, type RgbImage } from '../../src/core/raster.ts';
import type { Rng } from '../../src/core/rng.ts';

/** A w×h image of uniform random bytes: any misplaced pixel shows. */
export function randomImage(rng: Rng, w: number, h: number): RgbImage {
  const img = createImage(w, h);
  for (let i = 0; i < img.data.length; i++) img.data[i] = rng.int(256);
  return img;
}
