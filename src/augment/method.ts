/**
 * The augmentation interface that NucleiMix and every baseline implement, in two phases as
 * albumentations' transforms are (decide the parameters, then apply them; see the project's
 * design notes):
 *
 * - `plan` decides every insertion from the dataset and the request — where, which donor,
 *   how transformed — and returns them for the manifest; nothing is drawn.
 * - `render` applies the insertions of one target image: a pure function of (the image and its
 *   labels, its insertions, the donors, the inpainting engine). Any manifest can therefore be
 *   re-rendered, in parts or on a cluster, and plan + render equals augment byte for byte.
 *
 * The driver (`driver.ts`) runs both for every method alike; the registry is `methods.ts`.
 */
import type { OptionTable } from '../core/options.ts';
import type { ProgressSink } from '../core/progress.ts';
import type { Dataset, Sample } from '../io/dataset.ts';
import type { OpenOptions } from '../io/open.ts';
import type { NucleiView } from '../inpaint/engine.ts';
import type { EditedRgb, Region } from '../inpaint/regions.ts';
import type { RenderedImage } from './applied-edit.ts';
import type { AnyManifest, InsertionBase } from './manifest.ts';

export type MethodName = 'nucleimix' | 'cutmix' | 'copypaste' | 'gradmix' | 'insmix';

/** What every method is asked; checked once, for every method, by `checkRequest`. */
export interface AugmentRequest {
  rareTypes: number[];
  /** New nuclei of each rare type. */
  k: number;
  seed: number;
  /** Minimum distance of donor and target centres from the image border, px (official: 30). */
  borderMargin: number;
  /** Types that may be replaced (NucleiMix, GradMix); absent: every non-rare type not protected. */
  majorTypes?: number[];
  /** Types never replaced (NucleiMix, GradMix): taken out of the majors. */
  protectTypes?: number[];
  /**
   * Warn when a non-rare class loses more than this share of its nuclei (replaced, or covered
   * by new ones); default 0.1 (`DEFAULT_WARN_LOSS` in request.ts). Shapes no plan, only the
   * run's remarks.
   */
  warnLoss?: number;
}

/** What planning sees. */
export interface PlanInput {
  dataset: Dataset;
  /** How the dataset was opened (recorded in the manifest; part of NucleiMix's cache key). */
  open: OpenOptions;
  request: AugmentRequest;
  progress: ProgressSink;
  /**
   * SHA-256 of the dataset's files by path relative to its root (`datasetFileHashes`), when
   * the caller has them: NucleiMix then finds cached images by their files, without decoding.
   */
  inputs?: Readonly<Record<string, string>>;
}

/** What a method's planning decided. */
export interface MethodPlan<I extends InsertionBase> {
  insertions: I[];
  /** Settings the plan depended on beyond its options (NucleiMix: the descriptor), for `manifest.options`. */
  recorded?: Record<string, unknown>;
  /** Numbers planning found, for `manifest.planning` and stats.json. */
  planning?: Record<string, unknown>;
  /** Seconds per planning phase. */
  timings: Record<string, number>;
}

/**
 * Fills `regions` of an image being edited (`image.rgb` is written in place), batched with
 * the jobs of the other images being rendered at the same time. `contextMargin` is the known
 * context kept around each region, px.
 */
export type RegionInpainter = (image: EditedRgb, regions: readonly Region[], contextMargin: number) => Promise<void>;

/** What rendering one image sees besides the image and its insertions. */
export interface RenderInput<O> {
  options: O;
  /** The manifest's seed (methods derive per-image streams from it). */
  seed: number;
  /** A donor sample of the unedited input, by image name. */
  donor(image: string): Promise<Sample>;
  /** The engine, through the shared adapter and batcher; absent for methods that never inpaint. */
  inpaint: RegionInpainter;
  /** How the engine wants the nuclei around a fill (its `nuclei`; `hidden` without an engine). */
  nuclei: NucleiView;
}

/** One augmentation method. `O`: its own options (declared in `options`); `I`: its insertion records. */
export interface AugmentMethod<O extends object = object, I extends InsertionBase = InsertionBase> {
  readonly name: MethodName;
  readonly description: string;
  /** Its own options, declared once: CLI flags, checks, defaults and `manifest.options` come from here. */
  readonly options: OptionTable<O>;
  /** Target kinds stats.json lists even when none was used. */
  readonly targetKinds: readonly string[];
  /** The engine it inpaints with unless told otherwise (GradMix: Telea radius 5); absent: it never inpaints. */
  readonly engine?: { readonly name: string; readonly radius: number };
  plan(input: PlanInput, options: O): Promise<MethodPlan<I>>;
  /** Throws NucleiMixError (a short reason) when a manifest record read from a file is not one of this method's. */
  checkInsertion(insertion: I): void;
  /** True when rendering changes images without insertions too (InsMix's background shuffle). */
  rendersEveryImage?(options: O): boolean;
  /** The edited image, or undefined to leave it as it is. Insertions come in `index` order. */
  render(sample: Sample, insertions: readonly I[], input: RenderInput<O>): Promise<RenderedImage | undefined>;
  /** stats.json's method numbers from every rendered image's `extra` (in dataset order) and the counts. */
  summarise?(extras: readonly Record<string, unknown>[], counts: { before: Record<number, number>; after: Record<number, number> }, options: O, manifest: AnyManifest): Record<string, unknown>;
  /** Remarks for the user beyond the shortfall of insertions (CutMix: net changes). */
  notes?(manifest: AnyManifest, summary: Record<string, unknown>): string[];
}
