/**
 * The augmentation interface that NucleiMix and every baseline implement, and the registry
 * the CLI picks from (`nucleimix augment --method NAME`).
 *
 * A method gets the same request whatever it is — the dataset, the rare types, k (new nuclei
 * of each rare type), the seed, the border margin — and returns the same things: a manifest
 * (what went where), the augmented dataset as a lazily rendered SampleSource whose log holds
 * the before/after counts, the applied edits and the previews, and extra numbers for
 * `stats.json`. The caller writes it all in the input's format (`cli/augment.ts`).
 */
import type { Dataset, SampleSource } from '../io/dataset.ts';
import { COPYPASTE, type CopyPasteOptions } from './copypaste.ts';
import { CUTMIX, type CutMixOptions } from './cutmix.ts';
import { GRADMIX, type GradMixOptions } from './gradmix.ts';
import { INSMIX, type InsMixOptions } from './insmix.ts';
import { NUCLEIMIX, type NucleiMixOptions } from './nucleimix-method.ts';
import type { OpenOptions } from '../io/open.ts';
import type { AnyManifest } from './manifest.ts';
import type { PlanProgress } from './nucleimix-plan.ts';
import type { RenderLog } from './render-dataset.ts';

export type MethodName = 'nucleimix' | 'cutmix' | 'copypaste' | 'gradmix' | 'insmix';

export const METHOD_NAMES: readonly MethodName[] = ['nucleimix', 'cutmix', 'copypaste', 'gradmix', 'insmix'];

/** What every method is asked. */
export interface AugmentRequest {
  dataset: Dataset;
  /** How the dataset was opened (recorded in the manifest, part of NucleiMix's cache key). */
  open: OpenOptions;
  rareTypes: number[];
  /** New nuclei of each rare type. */
  k: number;
  seed: number;
  /** Minimum distance of donor and target centres from the image border in pixels (official: 30). */
  margin: number;
  /** Types that may be replaced (NucleiMix, GradMix); default every non-rare type. */
  majorTypes?: number[];
  /** Render the preview overlays and before/after pairs (default true). */
  previews?: boolean;
  /** Planning progress (phases) and rendering progress (one call per image written). */
  progress?: PlanProgress;
  onImage?: (name: string) => void;
}

/** What every method returns. Nothing is rendered until `source` is read. */
export interface AugmentRun {
  manifest: AnyManifest;
  /** The augmented dataset; reading every image fills `source.log`. */
  source: SampleSource & { log: RenderLog };
  /** Target kinds `stats.json` lists even when none was used. */
  targetKinds: readonly string[];
  /** Method-specific numbers for `stats.json` (`extra`); call after every image was read. */
  extra?: () => Record<string, unknown>;
  /** Writes method-specific files into the output folder (NucleiMix: its feature cache). */
  writeExtras?: (dir: string) => Promise<void>;
  /** Seconds per planning phase. */
  timings: Record<string, number>;
  /** Remarks for the user (fewer insertions than asked, net changes); call after rendering. */
  notes: () => string[];
}

/** One augmentation method. `O` are its own options; `defaults` are the documented values. */
export interface AugmentMethod<O> {
  readonly name: MethodName;
  readonly description: string;
  readonly defaults: Readonly<O>;
  run(request: AugmentRequest, options: O): Promise<AugmentRun>;
}

/** Each method's own options, by name. */
export interface MethodOptions {
  nucleimix: NucleiMixOptions;
  cutmix: CutMixOptions;
  copypaste: CopyPasteOptions;
  gradmix: GradMixOptions;
  insmix: InsMixOptions;
}

/** Every method, by the name `--method` takes. */
export const METHODS: { readonly [M in MethodName]: AugmentMethod<MethodOptions[M]> } = {
  nucleimix: NUCLEIMIX,
  cutmix: CUTMIX,
  copypaste: COPYPASTE,
  gradmix: GRADMIX,
  insmix: INSMIX,
};

/** Runs method `name` with its options (its defaults overridden by `options`). */
export function runMethod<M extends MethodName>(name: M, request: AugmentRequest, options: Partial<MethodOptions[M]> = {}): Promise<AugmentRun> {
  const method = METHODS[name] as AugmentMethod<MethodOptions[M]>;
  return method.run(request, { ...method.defaults, ...options } as MethodOptions[M]);
}
