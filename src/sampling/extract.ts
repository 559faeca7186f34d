import { availableParallelism } from 'node:os';
import { NucleiMixError } from '../core/errors.ts';
import { createOnnxEncoder, type OnnxEncoder, type OnnxEncoderOptions } from '../features/onnx-encoder.ts';
import { runPool } from '../core/worker-pool.ts';
import { createEngine as createInpainter } from '../inpaint/engines.ts';
import type { SampleSource } from '../io/dataset.ts';
import type { OpenOptions } from '../io/open.ts';
import { describeLocations, removalInpainter, type CentreRemoval } from './context.ts';
import type { Location } from './locations.ts';

export interface ExtractOptions {
  /** The dataset's class ids (fixes the descriptor length). */
  types: number[];
  removal: CentreRemoval;
  /** An ONNX image encoder (absolute path) replacing the built-in descriptor; see describeLocations. */
  encoder?: { path: string; options: OnnxEncoderOptions };
  /** Worker threads; 0 runs in this thread (tests, tiny datasets). */
  workers: number;
  /** Called as each image's rows are ready (in the order images finish), e.g. to cache them at once. */
  onImage?: (image: string, rows: Float64Array) => void;
}

/**
 * Context features of every location, image by image: for each entry of `byImage`, a
 * locations.length × d row-major matrix. With workers, each thread opens the dataset at
 * `root` itself (decoding in parallel too); results come back in image order.
 */
export async function extractContextFeatures(
  dataset: SampleSource & { root?: string; format?: string },
  open: OpenOptions,
  byImage: readonly { image: string; locations: Location[] }[],
  options: ExtractOptions,
): Promise<Float64Array[]> {
  if (options.workers > 0 && dataset.root !== undefined) {
    try {
      return await runPool<{ image: string; locations: Location[] }, Float64Array>(
        new URL('./extract-worker.ts', import.meta.url),
        {
          root: dataset.root,
          // The parent settled the format and (without a merge, whose list is fixed) the raw
          // classes: workers need not detect or scan every label file again.
          open: { ...open, format: dataset.format ?? open.format, classList: open.merge === undefined ? dataset.classes : undefined },
          types: options.types,
          removal: options.removal,
          // Each worker runs its own session: share the cores out instead of every session taking all of them.
          encoder: options.encoder && { path: options.encoder.path, options: { threads: Math.max(1, Math.floor(availableParallelism() / options.workers)), ...options.encoder.options } },
        },
        byImage,
        options.workers,
        (i, rows) => options.onImage?.(byImage[i].image, rows),
      );
    } catch (err) {
      const e = err as Error & { file?: string; fromWorker?: boolean };
      if (e.fromWorker && e.name === 'NucleiMixError') throw new NucleiMixError(e.message.replace(`${e.file}: `, ''), e.file);
      throw err;
    }
  }
  const inpainter = options.removal === 'none' ? undefined : await createInpainter(removalInpainter(options.removal), { radius: 3, teleaDepth: 8 });
  const encoder: OnnxEncoder | undefined = options.encoder && (await createOnnxEncoder(options.encoder.path, options.encoder.options));
  try {
    const out: Float64Array[] = [];
    for (const { image, locations } of byImage) {
      const rows = await describeLocations(await dataset.read(image), locations, options.types, options.removal, inpainter, encoder);
      out.push(rows);
      options.onImage?.(image, rows);
    }
    return out;
  } finally {
    await encoder?.release();
  }
}
