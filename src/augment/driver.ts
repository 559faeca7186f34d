/**
 * The library driver (TIAToolbox's thin command over a factory; see the project's design
 * notes): plan → manifest → render → write, the same for every method. The CLI, the
 * benchmarks and the tests all call these three functions:
 *
 * - {@link planAugmentation}: check the request once, resolve the method's options from its
 *   table, plan, and build the manifest.
 * - {@link renderAugmentation}: render a manifest of any method over its dataset and write
 *   the augmented copy atomically, in the input's format, with manifest.json, stats.json and
 *   the previews.
 * - {@link augmentDataset}: both.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ClassList } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import { recordedOptions, resolveOptions } from '../core/options.ts';
import { SILENT, type ProgressSink } from '../core/progress.ts';
import type { Dataset } from '../io/dataset.ts';
import { datasetFileHashes } from '../io/file-hashes.ts';
import { formatByName } from '../io/formats.ts';
import type { OpenOptions } from '../io/open.ts';
import { checkOutput, writeDataset } from '../io/write.ts';
import type { InpaintEngine } from '../inpaint/engine.ts';
import { createEngine, type EngineSettings } from '../inpaint/engines.ts';
import type { AppliedEdit } from './applied-edit.ts';
import type { AnyManifest, EngineRecord } from './manifest.ts';
import type { AugmentRequest } from './method.ts';
import { methodByName, type AnyMethod, type MethodOptions } from './methods.ts';
import { beforeAfterSheet } from './preview.ts';
import { renderedSource, type RenderLog } from './render-loop.ts';
import { buildManifest, checkRequest, requestOf, runNotes } from './request.ts';
import { augmentStats, type AugmentStats } from './stats.ts';

/** Which engine renders, and how: a registered name (`telea`, `ns`, …) or a model file, with its settings. */
export interface EngineChoice {
  name: string;
  settings?: EngineSettings;
}

export interface PlanSettings {
  /** How the dataset was opened (recorded; part of NucleiMix's cache key). */
  open?: OpenOptions;
  /** The engine the manifest records for rendering (default: the method's). */
  engine?: EngineChoice;
  progress?: ProgressSink;
}

/** A plan: the manifest and the seconds each planning phase took. */
export interface PlannedRun {
  manifest: AnyManifest;
  timings: Record<string, number>;
}

/**
 * Plans `method` on `dataset`: checks `request` (for every method alike), completes and
 * checks the method's options from its table, hashes the input files, plans and builds the
 * manifest. Nothing is rendered.
 */
export async function planAugmentation<M extends keyof MethodOptions>(
  dataset: Dataset,
  method: M,
  request: AugmentRequest,
  options: Partial<MethodOptions[M]> = {},
  settings: PlanSettings = {},
): Promise<PlannedRun> {
  const m = methodByName(method);
  checkRequest(dataset, request, m);
  const resolved = resolveOptions(method, m.options, options as Partial<Record<string, unknown>>);
  const open = settings.open ?? {};
  const progress = settings.progress ?? SILENT;
  const t0 = performance.now();
  const inputs = await datasetFileHashes(dataset.root);
  const hashing = (performance.now() - t0) / 1000;
  const engine = m.engine === undefined ? null : await engineRecord(m, settings.engine);
  const plan = await m.plan({ dataset, open, request, progress, inputs }, resolved);
  const manifest = buildManifest(method, dataset, open, inputs, request, recordedOptions(m.options, resolved), plan, engine);
  return { manifest, timings: { hash: hashing, ...plan.timings } };
}

export interface RenderSettings {
  /** Replace an existing output folder. */
  overwrite?: boolean;
  /** Render with this engine instead of the manifest's. */
  engine?: EngineChoice;
  /** Write preview pictures (default true). */
  previews?: boolean;
  /** Only these images, and the insertions into them (rendering in parts). */
  names?: readonly string[];
  /** Target images rendered together, their inpainting batched (default 8). */
  window?: number;
  progress?: ProgressSink;
  /**
   * Writes more into the output's temporary folder once the dataset, manifest.json, stats.json
   * and previews are there, before it is renamed into place (the HTML report: `runReporter` of
   * src/report, a higher layer, hence handed in). Absent: nothing more is written.
   */
  report?: OutputAddition;
  /** Seconds of earlier phases (planning's), handed to `report` beside the render's own. */
  timings?: Record<string, number>;
}

/** What {@link RenderSettings.report} is given: the run as written so far. */
export interface WrittenRun {
  /** The input dataset (the "before" of every edit). */
  dataset: Dataset;
  manifest: AnyManifest;
  stats: AugmentStats;
  /** Seconds per phase: `settings.timings`, and `render` up to now. */
  timings: Record<string, number>;
  progress: ProgressSink;
}

/** Adds files to an output being written at `tmp` (a folder holding the augmented dataset). */
export type OutputAddition = (tmp: string, run: WrittenRun) => Promise<void>;

/** What a written augmentation run gives back. */
export interface AugmentResult {
  /** The output folder (absolute). */
  out: string;
  /** The manifest as written (with the engine used). */
  manifest: AnyManifest;
  stats: AugmentStats;
  /** Seconds per phase: planning's, and `render` (rendering and writing). */
  timings: Record<string, number>;
  /** Remarks for the user: shortfalls, net changes. */
  notes: string[];
  /** What each insertion did, per edited image in dataset order (for reports and checks). */
  applied: Map<string, AppliedEdit[]>;
}

/**
 * Renders `manifest` (of any method) over `dataset` and writes the augmented copy into `out`
 * atomically, in the input's format, with manifest.json, stats.json and, unless turned off,
 * `preview/`. The input is never written.
 *
 * @throws NucleiMixError when the manifest was planned on other data (its input hashes differ),
 *   names images the dataset lacks, or an image fails to render (naming it and its insertions).
 */
export async function renderAugmentation(dataset: Dataset, manifest: AnyManifest, out: string, settings: RenderSettings = {}): Promise<AugmentResult> {
  const m = methodByName(manifest.method);
  await checkOutput(out, { inputs: [dataset.root], overwrite: settings.overwrite });
  await checkInputs(dataset, manifest);
  const options = methodOptions(m, manifest);
  let names: readonly string[] | undefined;
  let written = manifest;
  if (settings.names !== undefined) {
    const unknown = settings.names.filter((n) => !dataset.names.includes(n));
    if (unknown.length > 0) throw new NucleiMixError(`no such images in the dataset: ${unknown.join(', ')}`, dataset.root);
    const keep = new Set(settings.names);
    names = dataset.names.filter((n) => keep.has(n));
    written = { ...manifest, insertions: manifest.insertions.filter((ins) => keep.has(ins.target.image)) };
  }
  const t0 = performance.now();
  let engine: InpaintEngine | undefined;
  if (m.engine !== undefined) {
    engine = await openEngine(m, manifest.engine, settings.engine);
    written = { ...written, engine: { name: engine.name, settings: { ...engine.settings } } };
  }
  const progress = settings.progress ?? SILENT;
  try {
    const source = renderedSource(dataset, written, m, options, engine, { names, previews: settings.previews, window: settings.window, onImage: (n) => progress.tick(n) });
    progress.phase('rendering', (names ?? dataset.names).length);
    let stats: AugmentStats | undefined;
    let applied = new Map<string, AppliedEdit[]>();
    let summary: Record<string, unknown> = {};
    const dir = await writeDataset(out, formatByName(dataset.format)!, source, {
      inputs: [dataset.root],
      overwrite: settings.overwrite,
      extras: async (tmp) => {
        progress.done();
        const log = source.log();
        applied = log.applied;
        ({ stats, summary } = statsOfRun(m, options, written, dataset.classes, log));
        await writeRunFiles(tmp, written, stats, log, settings.previews !== false);
        const timings = { ...settings.timings, render: (performance.now() - t0) / 1000 };
        await settings.report?.(tmp, { dataset, manifest: written, stats, timings, progress });
      },
    });
    const notes = [...runNotes(written, stats!, dataset.classes), ...(m.notes?.(written, summary) ?? [])];
    return { out: dir, manifest: written, stats: stats!, timings: { render: (performance.now() - t0) / 1000 }, notes, applied };
  } finally {
    await engine?.release();
  }
}

/** Plans and renders in one go: {@link planAugmentation} then {@link renderAugmentation}. */
export async function augmentDataset<M extends keyof MethodOptions>(
  dataset: Dataset,
  method: M,
  request: AugmentRequest,
  out: string,
  options: Partial<MethodOptions[M]> = {},
  settings: PlanSettings & RenderSettings = {},
): Promise<AugmentResult> {
  // A bad output path fails before an hour of planning.
  await checkOutput(out, { inputs: [dataset.root], overwrite: settings.overwrite });
  const planned = await planAugmentation(dataset, method, request, options, settings);
  // The manifest records the engine chosen for planning; rendering uses it as recorded.
  const result = await renderAugmentation(dataset, planned.manifest, out, { ...settings, engine: undefined, timings: { ...settings.timings, ...planned.timings } });
  return { ...result, timings: { ...planned.timings, ...result.timings } };
}

/** JSON with a trailing newline: manifests and stats are read by people and scripts alike. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** The request a manifest was planned from (for re-planning or reports). */
export { requestOf };

/**
 * The engine to render with: `choice` (a name and/or settings; an empty name keeps the
 * recorded engine), over the manifest's `recorded` one, over the method's default.
 */
export async function openEngine(m: AnyMethod, recorded: EngineRecord | null, choice: EngineChoice | undefined): Promise<InpaintEngine> {
  const name = choice?.name || recorded?.name || m.engine!.name;
  const same = recorded !== null && recorded.name === name;
  const base = same ? (recorded.settings as EngineSettings) : { radius: m.engine!.radius };
  const engine = await createEngine(name, { ...base, ...choice?.settings });
  // A model engine renders with the very model the manifest names, or not at all.
  const want = same ? recorded.settings.sha256 : undefined;
  if (want !== undefined && engine.settings.sha256 !== want) {
    await engine.release();
    throw new NucleiMixError(`the manifest's engine ${name} used the model with SHA-256 ${String(want)}; the model found now has ${String(engine.settings.sha256)}`);
  }
  return engine;
}

async function engineRecord(m: AnyMethod, choice: EngineChoice | undefined): Promise<EngineRecord> {
  const engine = await openEngine(m, null, choice);
  try {
    return { name: engine.name, settings: { ...engine.settings } };
  } finally {
    await engine.release();
  }
}

/** The method's own options out of a manifest's recorded ones, completed and checked by its table. */
export function methodOptions(m: AnyMethod, manifest: AnyManifest): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(m.options)) if (manifest.options[key] !== undefined) picked[key] = manifest.options[key];
  return resolveOptions(m.name, m.options, picked);
}

/**
 * stats.json of a rendered run and the method's summary in it, from the manifest as written
 * and the render log (a single render's, or one a cluster's merge put together from shards).
 */
export function statsOfRun(m: AnyMethod, options: Record<string, unknown>, written: AnyManifest, classes: ClassList, log: RenderLog): { stats: AugmentStats; summary: Record<string, unknown> } {
  const summary = m.summarise?.(log.extras, { before: log.before, after: log.counts }, options, written) ?? {};
  const extra = { ...written.planning, ...summary };
  const stats = augmentStats(written, classes, log, Object.keys(extra).length > 0 || m.summarise !== undefined ? extra : undefined, m.targetKinds);
  return { stats, summary };
}

/** Writes manifest.json, stats.json and (with `previews`, when an image was edited) `preview/` into the output folder being written. */
export async function writeRunFiles(tmp: string, written: AnyManifest, stats: AugmentStats, log: RenderLog, previews: boolean): Promise<void> {
  await writeFile(join(tmp, 'manifest.json'), json(written));
  await writeFile(join(tmp, 'stats.json'), json(stats));
  if (previews && log.overlays.size > 0) await writePreviews(join(tmp, 'preview'), log);
}

/** Refuses to render a manifest onto data other than what it was planned on. */
export async function checkInputs(dataset: Dataset, manifest: AnyManifest): Promise<void> {
  const now = await datasetFileHashes(dataset.root);
  const was = manifest.inputs;
  for (const [rel, hash] of Object.entries(was)) {
    if (now[rel] === undefined) throw new NucleiMixError(`the manifest was planned on data with a file ${rel}, which this dataset lacks`, dataset.root);
    if (now[rel] !== hash) throw new NucleiMixError(`the manifest was planned on other data: ${rel} differs`, dataset.root);
  }
  for (const rel of Object.keys(now)) {
    if (was[rel] === undefined) throw new NucleiMixError(`the manifest was planned on data without ${rel}, which this dataset has`, dataset.root);
  }
}

async function writePreviews(dir: string, log: RenderLog): Promise<void> {
  await mkdir(dir);
  for (const [name, png] of log.overlays) await writeFile(join(dir, `${name}.png`), png);
  if (log.pairs.length > 0) {
    const sheet = beforeAfterSheet(log.pairs);
    await writeFile(join(dir, 'before-after.png'), await sharp(sheet.data, { raw: { width: sheet.width, height: sheet.height, channels: 3 } }).png().toBuffer());
  }
}
