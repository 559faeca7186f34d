import type { RgbImage } from '../core/raster.ts';

/**
 * One inpainting problem: an RGB crop and which of its pixels are unknown.
 * `mask` is H×W uint8 (same size as `image`), non-zero = unknown, to be filled.
 */
export interface InpaintJob {
  image: RgbImage;
  mask: Uint8Array;
}

/**
 * Fills the unknown pixels of each job. Every implementation returns new images of the same
 * size whose known pixels are exactly the input's (the final composite x = (1−m)·y + m·x̂), so
 * inpainting never touches what it was not asked to. Jobs come in batches because the
 * diffusion inpainter runs them through a network together; classical ones loop.
 */
export interface Inpainter {
  /** A short name for manifests and logs, e.g. `telea`. */
  readonly name: string;
  inpaint(jobs: readonly InpaintJob[]): Promise<RgbImage[]>;
}
