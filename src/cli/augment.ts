import { writeFile, mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { planNucleiMix, type NucleiMixPlan } from '../augment/nucleimix-plan.ts';
import { renderedSource, sheetPng } from '../augment/render-dataset.ts';
import { augmentStats, countChangeRows, type AugmentStats } from '../augment/stats.ts';
import { createInpainter } from '../inpaint/create.ts';
import type { Dataset } from '../io/dataset.ts';
import { formatByName } from '../io/formats.ts';
import { openDataset } from '../io/open.ts';
import { checkOutput, writeDataset } from '../io/write.ts';
import { writeFeatureCache } from '../sampling/feature-cache.ts';
import type { Manifest } from '../augment/manifest.ts';
import { planOptions, withPlanOptions, withRenderOptions, type PlanCliOptions, type RenderCliOptions } from './augment-options.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { planProgress } from './plan-progress.ts';
import { progress } from './progress.ts';
import { formatTable } from './table.ts';

export interface AugmentCliOptions extends PlanCliOptions, RenderCliOptions {
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

/**
 * Renders `manifest` over `dataset` into `out` (atomically), with manifest.json, stats.json,
 * the preview pictures and, when given, the feature cache. Returns the stats.
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
  let stats: AugmentStats | undefined;
  const out = await writeDataset(opts.out, formatByName(dataset.format)!, source, {
    inputs: [dataset.root],
    overwrite: opts.overwrite,
    extras: async (tmp) => {
      bar.stop();
      const plan = extra?.plan;
      stats = augmentStats(manifest, dataset.classes, source.log, plan ? { locations: plan.locations, rejected: plan.report.rejected } : undefined);
      await writeFile(join(tmp, 'manifest.json'), json(manifest));
      await writeFile(join(tmp, 'stats.json'), json(stats));
      if (opts.preview && source.log.overlays.size > 0) {
        await mkdir(join(tmp, 'preview'));
        for (const [name, png] of source.log.overlays) await writeFile(join(tmp, 'preview', `${name}.png`), png);
        const sheet = await sheetPng(source.log);
        if (sheet) await writeFile(join(tmp, 'preview', 'before-after.png'), sheet);
      }
      if (plan !== undefined) await writeFeatureCache(join(tmp, 'cache'), plan.features);
    },
  });
  return { out, stats: stats! };
}

export function printCounts(stats: AugmentStats): void {
  console.log(formatTable(['type', 'name', 'before', 'after', 'change'], countChangeRows(stats)));
}

/** `augment`: plan and render in one go. Returns the output folder and the stats. */
export async function runAugment(path: string, opts: AugmentCliOptions): Promise<{ out: string; stats: AugmentStats; plan: NucleiMixPlan }> {
  const open = openOptions(opts);
  const dataset = await openDataset(path, open);
  await checkOutput(opts.out, { inputs: [dataset.root], overwrite: opts.overwrite });
  const cacheDirs = [...(opts.cache ? [resolve(opts.cache)] : []), join(resolve(opts.out), 'cache')];
  const plan = await planNucleiMix(dataset, open, planOptions(opts, cacheDirs), planProgress());
  const t0 = performance.now();
  const { out, stats } = await renderToFolder(dataset, plan.manifest, opts, { plan });
  plan.timings.render = (performance.now() - t0) / 1000;
  if (opts.cache && !plan.cache.hit) await writeFeatureCache(resolve(opts.cache), plan.features);
  return { out, stats, plan };
}

export function augmentCommand(program: Command): void {
  withRenderOptions(
    withPlanOptions(
      withDatasetOptions(
        program
          .command('augment')
          .description('insert k nuclei of each rare type with NucleiMix (plan + render) and write the augmented dataset')
          .argument('<dataset>', 'input dataset folder (never modified)')
          .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
          .option('--overwrite', 'replace the output folder if it exists'),
      ),
    ),
  ).action(async (path: string, opts: AugmentCliOptions) => {
    const { out, stats, plan } = await runAugment(path, opts);
    console.log('');
    printCounts(stats);
    console.log('');
    const short = [...plan.report.insertions.length < opts.k * opts.rare.length ? [`only ${plan.report.insertions.length} of ${opts.k * opts.rare.length} insertions fit (candidates ran out)`] : []];
    for (const s of short) console.log(`warning: ${s}`);
    const t = plan.timings;
    console.log(`time: locations ${t.locations.toFixed(1)} s, features ${t.features.toFixed(1)} s${plan.cache.hit ? ' (cached)' : ''}, fit ${t.fit.toFixed(1)} s, plan ${t.plan.toFixed(1)} s, render+write ${t.render.toFixed(1)} s`);
    console.log(`wrote ${relative(process.cwd(), out) || out}: the augmented dataset (${plan.manifest.dataset.format}), manifest.json, stats.json${opts.preview ? ', preview/' : ''}`);
  });
}
