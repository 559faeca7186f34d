/**
 * What the driver does for every method around its own work: check the request once, build
 * the manifest's one outline, and the small helpers the baselines' planners share.
 */
import { NucleiMixError } from '../core/errors.ts';
import { checkValue, flagName, type OptionTable } from '../core/options.ts';
import type { Dataset } from '../io/dataset.ts';
import type { OpenOptions } from '../io/open.ts';
import type { AnyManifest, EngineRecord, InsertionBase, ManifestOf } from './manifest.ts';
import type { AugmentRequest, MethodPlan, PlanInput } from './method.ts';
import { indexDataset, type DatasetIndex } from './nuclei-index.ts';

/** What every method is asked, declared once: the CLI's flags and {@link checkRequest}'s value checks. */
export const REQUEST_OPTIONS: OptionTable<AugmentRequest> = {
  rareTypes: { flag: '--rare <types>', type: 'types', default: [], required: true, help: 'rare type id(s) to add, comma-separated or repeated (k of each)' },
  k: { flag: '--k <n>', type: 'int', min: 0, default: 0, required: true, help: 'new nuclei per rare type' },
  seed: { flag: '--seed <s>', type: 'int', min: 0, max: 0xffffffff, default: 0, help: 'random seed of every draw' },
  borderMargin: { flag: '--margin <px>', type: 'int', min: 0, default: 30, help: 'minimum distance of targets and donors from the image border' },
  majorTypes: { flag: '--major <types>', type: 'types', default: undefined, help: 'types that may be replaced (default: every non-rare type)' },
};

/**
 * Checks what every method needs of a request, before any method sees it: each value as
 * {@link REQUEST_OPTIONS} declares it, at least one rare type, every rare and major type in
 * the class list, no type both rare and major.
 */
export function checkRequest(dataset: Dataset, request: AugmentRequest): void {
  for (const [key, spec] of Object.entries(REQUEST_OPTIONS)) checkValue(flagName(spec), spec, (request as unknown as Record<string, unknown>)[key]);
  const { rareTypes } = request;
  const classIds = dataset.classes.map((c) => c.id);
  const listed = dataset.classes.map((c) => `${c.id} ${c.name}`).join(', ');
  if (rareTypes.length === 0) throw new NucleiMixError('name at least one rare type');
  for (const t of rareTypes) if (!classIds.includes(t)) throw new NucleiMixError(`rare type ${t} is not in the class list (${listed})`);
  for (const t of request.majorTypes ?? []) {
    if (!classIds.includes(t)) throw new NucleiMixError(`major type ${t} is not in the class list (${listed})`);
    if (rareTypes.includes(t)) throw new NucleiMixError(`type ${t} cannot be both rare and major`);
  }
}

/**
 * The one outline of every method's manifest: the request, the method's options (as its
 * table records them) and what the plan depended on, how the data was opened, the engine,
 * and the insertions.
 */
export function buildManifest<I extends InsertionBase>(
  method: string,
  dataset: Dataset,
  open: OpenOptions,
  inputs: Record<string, string>,
  request: AugmentRequest,
  options: Record<string, unknown>,
  plan: MethodPlan<I>,
  engine: EngineRecord | null,
): ManifestOf<I> {
  return {
    version: 2,
    tool: 'nucleimix',
    method,
    dataset: { root: dataset.root, format: dataset.format },
    inputs,
    seed: request.seed,
    rareTypes: request.rareTypes,
    k: request.k,
    options: {
      borderMargin: request.borderMargin,
      majorTypes: request.majorTypes ?? null,
      ...options,
      ...plan.recorded,
      ...(open.merge !== undefined ? { merge: open.merge } : {}),
      ...(open.classes !== undefined ? { classes: open.classes } : {}),
    },
    engine,
    planning: plan.planning ?? {},
    insertions: plan.insertions,
  };
}

/** The request a manifest was planned from. */
export function requestOf(manifest: AnyManifest): AugmentRequest {
  const majors = manifest.options.majorTypes;
  return {
    rareTypes: manifest.rareTypes,
    k: manifest.k,
    seed: manifest.seed,
    borderMargin: manifest.options.borderMargin as number,
    ...(Array.isArray(majors) ? { majorTypes: majors as number[] } : {}),
  };
}

/** A warning for each rare type that fell short of k insertions. */
export function shortfallNotes(manifest: AnyManifest): string[] {
  const notes: string[] = [];
  for (const t of manifest.rareTypes) {
    const n = manifest.insertions.filter((ins) => ins.rareType === t).length;
    if (n < manifest.k) notes.push(`warning: type ${t}: only ${n} of ${manifest.k} insertions fit (candidates ran out)`);
  }
  return notes;
}

/** Insertions grouped by target image, in index order. */
export function groupByTarget<I extends InsertionBase>(insertions: readonly I[]): Map<string, I[]> {
  const byImage = new Map<string, I[]>();
  for (const ins of [...insertions].sort((a, b) => a.index - b.index)) {
    const list = byImage.get(ins.target.image);
    if (list === undefined) byImage.set(ins.target.image, [ins]);
    else list.push(ins);
  }
  return byImage;
}

/** Indexes the dataset behind an `index` progress phase (the baselines' planning input); returns the index and its time in seconds. */
export async function indexPhase(input: PlanInput): Promise<{ index: DatasetIndex; seconds: number }> {
  const t0 = performance.now();
  input.progress.phase('index', input.dataset.names.length);
  const index = await indexDataset(input.dataset, (name) => input.progress.tick(name));
  input.progress.done();
  return { index, seconds: (performance.now() - t0) / 1000 };
}
