import { writeFile, mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AnyManifest, Manifest } from '../augment/manifest.ts';
import { METHODS, runMethod, type AugmentRequest, type AugmentRun, type MethodName } from '../augment/method.ts';
import type { NucleiMixRun } from '../augment/nucleimix-method.ts';
import type { NucleiMixPlan } from '../augment/nucleimix-plan.ts';
import { renderedSource, sheetPng, type RenderLog } from '../augment/render-dataset.ts';
import { augmentStats, countChangeRows, type AugmentStats } from '../augment/stats.ts';
import { createInpainter } from '../inpaint/create.ts';
import type { Dataset, SampleSource } from '../io/dataset.ts';
import { formatByName } from '../io/formats.ts';
import { openDataset } from '../io/open.ts';
import { checkOutput, writeDataset } from '../io/write.ts';
import { writeFeatureCache } from '../sampling/feature-cache.ts';
import {
  checkMethodOptions,
  methodOptions,
  withMethodOptions,
  withPlanOptions,
  withRenderOptions,
  type MethodCliOptions,
  type PlanCliOptions,
  type RenderCliOptions,
} from './augment-options.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { planProgress } from './plan-progress.ts';
import { progress, type Progress } from './progress.ts';
import { formatTable } from './table.ts';

export interface AugmentCliOptions extends PlanCliOptions, RenderCliOptions, MethodCliOptions {
  out: string;
  overwrite?: boolean;
  format?: string;
  classes?: string;
  merge?: string;
}

/** JSON with a trailing newline: manifests and stats are read by people and scripts alike. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** What {@link writeAugmented} writes: the dataset, its manifest, its stats and any extra files. */
export interface AugmentedOutput {
  manifest: AnyManifest;
  source: SampleSource & { log: RenderLog };
  /** Called once every image has been read (written). */
  stats: () => AugmentStats;
  writeExtras?: (dir: string) => Promise<void>;
}

/**
 * Writes an augmented dataset into `out` (atomically) in the input's format, with
 * manifest.json, stats.json, the preview pictures (`preview/`, unless `preview` is false) and
 * the method's extra files. Returns the output folder and the stats.
 */
export async function writeAugmented(
  dataset: Dataset,
  output: AugmentedOutput,
  opts: { out: string; overwrite?: boolean; preview: boolean; onWritten?: () => void },
): Promise<{ out: string; stats: AugmentStats }> {
  const { source } = output;
  let stats: AugmentStats | undefined;
  const out = await writeDataset(opts.out, formatByName(dataset.format)!, source, {
    inputs: [dataset.root],
    overwrite: opts.overwrite,
    extras: async (tmp) => {
      opts.onWritten?.();
      stats = output.stats();
      await writeFile(join(tmp, 'manifest.json'), json(output.manifest));
      await writeFile(join(tmp, 'stats.json'), json(stats));
      if (opts.preview && source.log.overlays.size > 0) {
        await mkdir(join(tmp, 'preview'));
        for (const [name, png] of source.log.overlays) await writeFile(join(tmp, 'preview', `${name}.png`), png);
        const sheet = await sheetPng(source.log);
        if (sheet) await writeFile(join(tmp, 'preview', 'before-after.png'), sheet);
      }
      await output.writeExtras?.(tmp);
    },
  });
  return { out, stats: stats! };
}

/**
 * Renders a NucleiMix `manifest` over `dataset` into `out` (atomically), with manifest.json,
 * stats.json, the preview pictures and, when given, the feature cache. Returns the stats.
 */
export async function renderToFolder(
  dataset: Dataset,
  manifest: Manifest,
  opts: RenderCliOptions & { out: string; overwrite?: boolean; names?: string[] },
  extra?: { plan?: NucleiMixPlan },
): Promise<{ out: string; stats: AugmentStats }> {
  const inpainter = await createInpainter(opts.inpainter, { radius: opts.radius });
  const names = opts.names ?? dataset.names;
  const bar = progress('rendering', names.length);
  const source = renderedSource(dataset, manifest, inpainter, { names, previews: opts.preview, onImage: (n) => bar.tick(n) });
  const plan = extra?.plan;
  return writeAugmented(
    dataset,
    {
      manifest,
      source,
      stats: () => augmentStats(manifest, dataset.classes, source.log, plan ? { locations: plan.locations, rejected: plan.report.rejected } : undefined),
      writeExtras: plan === undefined ? undefined : (tmp) => writeFeatureCache(join(tmp, 'cache'), plan.features),
    },
    { ...opts, onWritten: () => bar.stop() },
  );
}

export function printCounts(stats: AugmentStats): void {
  console.log(formatTable(['type', 'name', 'before', 'after', 'change'], countChangeRows(stats)));
}

/** What `augment` did, for any method. `render` is the seconds spent rendering and writing. */
export interface MethodResult {
  out: string;
  stats: AugmentStats;
  run: AugmentRun;
  render: number;
}

/**
 * `augment --method NAME`: runs the method on the dataset at `path` and writes the augmented
 * copy. The method's own options come from `opts` (absent ones: its defaults).
 */
export async function runAugmentMethod(path: string, opts: AugmentCliOptions): Promise<MethodResult> {
  const method: MethodName = opts.method ?? 'nucleimix';
  const open = openOptions(opts);
  const dataset = await openDataset(path, open);
  await checkOutput(opts.out, { inputs: [dataset.root], overwrite: opts.overwrite });
  const cacheDirs = [...(opts.cache ? [resolve(opts.cache)] : []), join(resolve(opts.out), 'cache')];
  // The rendering bar starts once planning is over (the methods render as the writer reads).
  let bar: Progress | undefined;
  const request: AugmentRequest = {
    dataset,
    open,
    rareTypes: opts.rare,
    k: opts.k,
    seed: opts.seed,
    margin: opts.margin,
    majorTypes: opts.major,
    previews: opts.preview,
    progress: planProgress(),
    onImage: (n) => bar?.tick(n),
  };
  const run = await runMethod(method, request, methodOptions(method, opts, cacheDirs));
  bar = progress('rendering', dataset.names.length);
  const t0 = performance.now();
  const { out, stats } = await writeAugmented(
    dataset,
    {
      manifest: run.manifest,
      source: run.source,
      stats: () => augmentStats(run.manifest, dataset.classes, run.source.log, run.extra?.(), run.targetKinds),
      writeExtras: run.writeExtras,
    },
    { out: opts.out, overwrite: opts.overwrite, preview: opts.preview, onWritten: () => bar?.stop() },
  );
  const render = (performance.now() - t0) / 1000;
  const plan = (run as Partial<NucleiMixRun>).plan;
  if (plan !== undefined && opts.cache && !plan.cache.hit) await writeFeatureCache(resolve(opts.cache), plan.features);
  return { out, stats, run, render };
}

/** `augment` with NucleiMix: plan and render in one go. Returns the output folder, the stats and the plan. */
export async function runAugment(path: string, opts: AugmentCliOptions): Promise<{ out: string; stats: AugmentStats; plan: NucleiMixPlan }> {
  const { out, stats, run, render } = await runAugmentMethod(path, { ...opts, method: 'nucleimix' });
  const plan = (run as NucleiMixRun).plan;
  plan.timings.render = render;
  return { out, stats, plan };
}

export function augmentCommand(program: Command): void {
  withMethodOptions(
    withRenderOptions(
      withPlanOptions(
        withDatasetOptions(
          program
            .command('augment')
            .description('insert k nuclei of each rare type (NucleiMix, or a baseline with --method) and write the augmented dataset')
            .addHelpText('after', `\nMethods (--method):\n${Object.values(METHODS).map((m) => `  ${m.name.padEnd(10)} ${m.description}`).join('\n')}`)
            .argument('<dataset>', 'input dataset folder (never modified)')
            .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
            .option('--overwrite', 'replace the output folder if it exists'),
        ),
      ),
    ),
  ).action(async (path: string, opts: AugmentCliOptions, cmd: Command) => {
    const method: MethodName = opts.method ?? 'nucleimix';
    checkMethodOptions(cmd, method);
    const { out, stats, run, render } = await runAugmentMethod(path, opts);
    console.log('');
    printCounts(stats);
    console.log('');
    for (const note of run.notes()) console.log(note);
    const t = run.timings;
    const plan = (run as Partial<NucleiMixRun>).plan;
    if (plan !== undefined) {
      console.log(`time: locations ${t.locations.toFixed(1)} s, features ${t.features.toFixed(1)} s${plan.cache.hit ? ' (cached)' : ''}, fit ${t.fit.toFixed(1)} s, plan ${t.plan.toFixed(1)} s, render+write ${render.toFixed(1)} s`);
    } else {
      console.log(`time: ${Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}, render+write ${render.toFixed(1)} s`);
    }
    console.log(`wrote ${relative(process.cwd(), out) || out}: the augmented dataset (${run.manifest.dataset.format}, ${method}), manifest.json, stats.json${opts.preview && run.source.log.overlays.size > 0 ? ', preview/' : ''}`);
  });
}
