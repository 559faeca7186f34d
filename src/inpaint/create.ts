import { NucleiMixError } from '../core/errors.ts';
import { createClassicalInpainter } from './classical.ts';
import type { Inpainter } from './inpainter.ts';
import { loadOpenCV } from './opencv.ts';

/** The inpainters the CLI can name. */
export type InpainterName = 'telea' | 'ns';

export const INPAINTER_NAMES: readonly InpainterName[] = ['telea', 'ns'];

export interface InpainterOptions {
  /** Neighbourhood radius in pixels for the classical methods (integer 1..100, default 3). */
  radius?: number;
  /** Telea at 8 bits (OpenCV's own, as the official code's cv2.inpaint) or 16 (exact on flat areas; default). */
  teleaDepth?: 8 | 16;
}

/**
 * Creates the inpainter a manifest or the CLI names, loading what it needs (OpenCV's wasm
 * build, once per process, ~0.25 s the first time).
 *
 * @throws NucleiMixError for an unknown name or a bad option.
 */
export async function createInpainter(name: InpainterName, options: InpainterOptions = {}): Promise<Inpainter> {
  switch (name) {
    case 'telea':
    case 'ns':
      return createClassicalInpainter(await loadOpenCV(), name, { radius: options.radius, teleaDepth: options.teleaDepth });
    default:
      throw new NucleiMixError(`unknown inpainter '${String(name)}' (expected one of: ${INPAINTER_NAMES.join(', ')})`);
  }
}
