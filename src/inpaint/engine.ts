/**
 * The inpainting engine interface (version 2): what every inpainter — OpenCV's Telea and
 * Navier–Stokes, the exemplar-based fill, a diffusion model loaded from a file — implements.
 *
 * An engine declares its input (any size, or a fixed square tile), the largest batch it takes
 * and whether it is deterministic, and then only ever sees jobs that satisfy that declaration.
 * Cropping edit regions into tiles, padding or resizing them, splitting them into batches that
 * span images, and writing back only the unknown pixels is the shared adapter's work
 * (`tiles.ts`), as MONAI's `sliding_window_inference` and TIAToolbox's IO configs do for their
 * predictors (see the project's docs/design notes).
 */
import type { RgbImage } from '../core/raster.ts';

/**
 * What size of crop an engine takes. `any`: crops of any H×W (classical, exemplar). `tile`:
 * square `size`×`size` crops only; `fit` says how the adapter makes one from a region's crop
 * (`pad`: a `size`² window centred on the region, reflect-padded at the image border;
 * `resize`: the region's crop scaled to `size`² and the fill scaled back).
 */
export type EngineInput =
  | { readonly kind: 'any' }
  | { readonly kind: 'tile'; readonly size: number; readonly fit: 'pad' | 'resize' };

/** How an engine sees the nuclei around a fill; see {@link InpaintEngine.nuclei}. */
export type NucleiView = 'hidden' | 'visible';

/**
 * One inpainting problem. `image` is an H×W×3 uint8 crop; `mask` is H×W uint8, non-zero =
 * unknown (to be filled; their values in `image` are meaningless, the adapter zeroes them).
 * `exclude`, when present, is H×W uint8: non-zero marks known pixels that an engine which
 * copies pixels (exemplar) must never copy from — other nuclei, other edits' holes. Engines
 * that only condition on the known pixels may ignore it. `seed` is a 32-bit unsigned integer,
 * the job's own randomness (the adapter always sets one): the same job and seed give the same bytes on a deterministic engine.
 */
export interface InpaintJob {
  image: RgbImage;
  mask: Uint8Array;
  exclude?: Uint8Array;
  /** Default 0. */
  seed?: number;
}

/**
 * An inpainting engine. `inpaint` receives at most `maxBatch` jobs, each satisfying `input`,
 * and returns one image per job of the same size. Only the unknown pixels of a result are
 * used (the final composite x = (1−m)·y + m·x̂ is the adapter's), so known pixels can never move.
 */
export interface InpaintEngine {
  /** A short name for manifests, stats and logs, e.g. `telea`, `exemplar`, `diffusion`. */
  readonly name: string;
  /** Every setting that shapes the output (radius, steps, model hash …), recorded in stats.json and the manifest. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly input: EngineInput;
  /** The largest number of jobs one `inpaint` call takes (≥ 1). */
  readonly maxBatch: number;
  /** True when the same jobs and seeds always give the same bytes. */
  readonly deterministic: boolean;
  /**
   * How the engine wants the nuclei around a fill (default `hidden`). `hidden`: nuclei near
   * the fill are unknown to it, as an engine that averages or copies known pixels would carry
   * them into tissue (classical, exemplar). `visible`: it is given them known, as a model
   * trained on real tissue around real nuclei was (NucleiMix's own conditioning, §3.2).
   * Progressive rendering reads it (progressive.ts).
   */
  readonly nuclei?: NucleiView;
  inpaint(jobs: readonly InpaintJob[]): Promise<RgbImage[]>;
  /** Frees what the engine holds (a model session, wasm memory). The engine is unusable after. */
  release(): Promise<void>;
}
