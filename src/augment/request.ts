/**
 * What the driver does for every method around its own work: check the request once, build
 * the manifest's one outline, and the small helpers the baselines' planners share.
 */
import { className, type ClassList } from '../core/classes.ts';
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
  majorTypes: { flag: '--major <types>', type: 'types', default: undefined, help: 'types that may be replaced, by id or class name (default: every non-rare type not protected)' },
  protectTypes: { flag: '--protect <types>', type: 'types', default: undefined, help: 'types never replaced, by id or class name (methods that replace nuclei: nucleimix, gradmix)' },
  warnLoss: { flag: '--warn-loss <share>', type: 'number', min: 0, max: 1, default: undefined, help: 'warn when a class that is not rare loses more than this share of its nuclei (default 0.1)' },
};

/** The default of `AugmentRequest.warnLoss`: warn when a class loses more than a tenth of its nuclei. */
export const DEFAULT_WARN_LOSS = 0.1;

/**
 * The types a method may replace: `--major` if given, else every type that is neither rare
 * nor protected; undefined when neither `--major` nor `--protect` narrows it (every non-rare
 * type, the paper's rule).
 */
export function replaceableTypes(request: AugmentRequest, classIds: readonly number[]): number[] | undefined {
  const protect = request.protectTypes ?? [];
  if (request.majorTypes !== undefined) return request.majorTypes.filter((t) => !protect.includes(t));
  if (protect.length === 0) return undefined;
  return classIds.filter((t) => !request.rareTypes.includes(t) && !protect.includes(t));
}

/**
 * Checks what every method needs of a request, before any method sees it: each value as
 * {@link REQUEST_OPTIONS} declares it, at least one rare type, every rare, major and protected
 * type in the class list, no type both rare and major (or protected), none both major and
 * protected, and `--major`/`--protect` only for a `method` that replaces nuclei (one with
 * `major` targets).
 */
export function checkRequest(dataset: Dataset, request: AugmentRequest, method?: { name: string; targetKinds: readonly string[] }): void {
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
  for (const t of request.protectTypes ?? []) {
    if (!classIds.includes(t)) throw new NucleiMixError(`protected type ${t} is not in the class list (${listed})`);
    if (rareTypes.includes(t)) throw new NucleiMixError(`type ${t} cannot be both rare and protected`);
    if (request.majorTypes?.includes(t)) throw new NucleiMixError(`type ${t} cannot be both major and protected`);
  }
  if (method !== undefined && !method.targetKinds.includes('major')) {
    for (const [flag, types] of [['--major', request.majorTypes], ['--protect', request.protectTypes]] as const) {
      if (types !== undefined) throw new NucleiMixError(`${flag} applies to methods that replace nuclei (nucleimix, gradmix); ${method.name} replaces none`);
    }
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
      ...(request.protectTypes !== undefined ? { protectTypes: request.protectTypes } : {}),
      ...(request.warnLoss !== undefined ? { warnLoss: request.warnLoss } : {}),
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
  const { majorTypes: majors, protectTypes: protect, warnLoss } = manifest.options;
  return {
    rareTypes: manifest.rareTypes,
    k: manifest.k,
    seed: manifest.seed,
    borderMargin: manifest.options.borderMargin as number,
    ...(Array.isArray(majors) ? { majorTypes: majors as number[] } : {}),
    ...(Array.isArray(protect) ? { protectTypes: protect as number[] } : {}),
    ...(typeof warnLoss === 'number' ? { warnLoss } : {}),
  };
}

/**
 * What the insertions were planned to add to the count of rare type `t`: one each of their
 * type, or the net change a record says it makes (`gain`, CutMix's rectangles).
 */
export function plannedGain(manifest: AnyManifest, t: number): number {
  let planned = 0;
  for (const ins of manifest.insertions) planned += ins.gain !== undefined ? (ins.gain[t] ?? 0) : ins.rareType === t ? 1 : 0;
  return planned;
}

/**
 * A warning for each rare type whose plan fell short of k: of its net gain, or of its
 * insertions where k counts those (CutMix's `--count rectangles`).
 */
export function shortfallNotes(manifest: AnyManifest): string[] {
  const notes: string[] = [];
  const rectangles = manifest.options.count === 'rectangles';
  for (const t of manifest.rareTypes) {
    const n = rectangles ? manifest.insertions.filter((ins) => ins.rareType === t).length : plannedGain(manifest, t);
    if (n < manifest.k) notes.push(`warning: type ${t}: ${rectangles ? `only ${n} of ${manifest.k} insertions fit` : `only a net gain of ${n} fits, short of k = ${manifest.k}`} (candidates ran out)`);
  }
  return notes;
}

/** What a rendered run did to the counts, as stats.json has it. */
export interface RunCounts {
  counts: { before: Record<number, number>; after: Record<number, number> };
  /** Nuclei replaced, and nuclei covered completely by new ones, by type. */
  replaced: Record<number, number>;
  vanished: Record<number, number>;
}

/**
 * Times one donor may be pasted into one image before a run warns. Not a cap by default:
 * NucleiMix's usage weight is the paper's rule, and a cap would change plans that are fine
 * (CoNSeP at k = 600 puts one donor 4 times into one image); the warning tells
 * when it goes far (98 times at k = 100,000), and NucleiMix's `--max-donor-uses` caps it.
 */
export const DONOR_REUSE_WARNING = 5;

/** A warning when some donor went into one image more than {@link DONOR_REUSE_WARNING} times. */
export function reuseNotes(manifest: AnyManifest): string[] {
  const uses = new Map<string, number>();
  for (const ins of manifest.insertions) {
    const key = `${ins.donor.image}#${ins.donor.id} → ${ins.target.image}`;
    uses.set(key, (uses.get(key) ?? 0) + 1);
  }
  const over = [...uses].filter(([, n]) => n > DONOR_REUSE_WARNING).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (over.length === 0) return [];
  const [key, n] = over[0];
  const cap = manifest.method === 'nucleimix' ? `; --max-donor-uses ${DONOR_REUSE_WARNING} caps it` : '';
  return [`warning: ${over.length} donor${over.length === 1 ? ' was' : 's were'} pasted more than ${DONOR_REUSE_WARNING} times into one image (most: ${key}, ${n} times): identical nuclei side by side${cap}`];
}

/** What planning alone can tell: shortfalls and donor reuse. */
export function planNotes(manifest: AnyManifest): string[] {
  return [...shortfallNotes(manifest), ...reuseNotes(manifest)];
}

/**
 * The remarks every run gets, whatever the method: shortfalls of insertions; the net gain of
 * each rare type, which is what k counts (CutMix's rectangles carry rare neighbours and cover
 * others; any method's new nucleus may cover a rare neighbour completely); a warning for each
 * class that is not rare and lost more than `warnLoss` of its nuclei (the default majors are
 * every other class, small ones too); and a warning when one donor went into one image more
 * than {@link DONOR_REUSE_WARNING} times.
 */
export function runNotes(manifest: AnyManifest, run: RunCounts, classes: ClassList): string[] {
  const notes = shortfallNotes(manifest);
  const { before, after } = run.counts;
  const name = (t: number): string => `type ${t} (${className(classes, t)})`;
  const signed = (n: number): string => (n >= 0 ? `+${n}` : String(n));
  const gains = manifest.rareTypes.map((t) => ({ t, net: (after[t] ?? 0) - (before[t] ?? 0), planned: plannedGain(manifest, t) }));
  notes.push(`net gain per rare type (what k counts): ${gains.map((g) => `${name(g.t)} ${signed(g.net)}`).join(', ')}`);
  for (const g of gains) {
    if (g.net < g.planned) notes.push(`warning: ${name(g.t)}: net gain ${signed(g.net)}, ${g.planned - g.net} less than planned: new nuclei covered that many of the type completely`);
  }
  const share = typeof manifest.options.warnLoss === 'number' ? manifest.options.warnLoss : DEFAULT_WARN_LOSS;
  const ids = [...new Set([...classes.map((c) => c.id), ...Object.keys(before).map(Number)])].sort((a, b) => a - b);
  for (const t of ids) {
    if (manifest.rareTypes.includes(t)) continue;
    const was = before[t] ?? 0;
    const lost = was - (after[t] ?? 0);
    if (was === 0 || lost <= share * was) continue;
    const replaced = run.replaced[t] ?? 0;
    const how = [`${replaced} replaced`, `${run.vanished[t] ?? 0} covered completely`].join(', ');
    const hint = replaced > 0 ? `; --protect ${t} keeps it from being replaced` : '';
    notes.push(`warning: ${name(t)} lost ${lost} of its ${was} nuclei (${((100 * lost) / was).toFixed(1)} %: ${how})${hint} (warned above --warn-loss ${share})`);
  }
  notes.push(...reuseNotes(manifest));
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
