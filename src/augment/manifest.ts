/**
 * The plan of an augmentation run: every insertion decided by `plan`, applied by `render`.
 * Written as `manifest.json` beside the augmented dataset, so a plan can be inspected,
 * edited, re-rendered with another inpainter, or rendered in parts.
 *
 * Every method writes a manifest of the same outline ({@link ManifestOf}): the run's settings
 * and one record per inserted nucleus, each with at least the fields of {@link InsertionBase}.
 * NucleiMix's records are {@link Insertion}; the baselines add their own fields (see
 * `cutmix.ts`, `copypaste.ts`, `gradmix.ts`, `insmix.ts`). Every method's manifest can be
 * re-rendered with `nucleimix render`; `buildManifest` (plan.ts) is the one place it is made.
 */

/** What every method's insertion record holds. Coordinates in pixels (x, y). */
export interface InsertionBase {
  /** 0-based order of the insertion. */
  index: number;
  rareType: number;
  target: {
    image: string;
    /** How the nucleus went in: `major` (replaced a nucleus), `background`, or a method's own kind. */
    kind: string;
    /** Where the new nucleus's centre went. */
    x: number;
    y: number;
    /** The replaced instance's id and type as read (kind `major` only). */
    replacedId?: number;
    replacedType?: number;
  };
  /** The rare nucleus copied: its image, id as read, and type in the output's class space. */
  donor: { image: string; id: number; type: number };
  /**
   * The change the insertion was planned to make to each rare type's count, when it is not
   * simply +1 of `rareType` (CutMix's rectangles carry and cover neighbours).
   */
  gain?: Record<number, number>;
}

// NucleiMix's own records are made by its planner (src/sampling/insertion.ts); they have every field of InsertionBase.
import type { Insertion } from '../sampling/insertion.ts';
export type { Insertion, InsertionDonor, InsertionTarget } from '../sampling/insertion.ts';

/** The inpainting engine a manifest was (or is to be) rendered with, and its settings. */
export interface EngineRecord {
  name: string;
  settings: Record<string, unknown>;
}

/** A manifest whose insertion records are `I`. */
export interface ManifestOf<I extends InsertionBase> {
  version: 2;
  tool: 'nucleimix';
  /** The method that planned it: `nucleimix`, `cutmix`, `copypaste`, `gradmix` or `insmix`. */
  method: string;
  /** The input dataset folder and format, as given. */
  dataset: { root: string; format: string };
  /** SHA-256 of every input file by path relative to the dataset root: the data the plan belongs to. */
  inputs: Record<string, string>;
  seed: number;
  rareTypes: number[];
  k: number;
  /** Every option that shaped the plan, for reproducibility: the request's, the method's, how the data was opened. */
  options: Record<string, unknown>;
  /** The engine rendering uses (null: the method does not inpaint). */
  engine: EngineRecord | null;
  /** Numbers planning found that stats.json reports (NucleiMix: locations, rejected candidates). */
  planning: Record<string, unknown>;
  insertions: I[];
}

/** A NucleiMix manifest. */
export type Manifest = ManifestOf<Insertion>;

/** A manifest of any method. */
export type AnyManifest = ManifestOf<InsertionBase>;
