import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { planNucleiMix } from '../augment/nucleimix-plan.ts';
import { openDataset } from '../io/open.ts';
import { writeFeatureCache } from '../sampling/feature-cache.ts';
import { planOptions, withPlanOptions, type PlanCliOptions } from './augment-options.ts';
import { json } from './augment.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { planProgress } from './plan-progress.ts';

export function planCommand(program: Command): void {
  withPlanOptions(
    withDatasetOptions(
      program
        .command('plan')
        .description('decide every insertion (where, which donor, how transformed) and write the manifest, without rendering')
        .argument('<dataset>', 'input dataset folder (never modified)')
        .requiredOption('--manifest <file>', 'where to write the manifest (JSON)'),
    ),
  ).action(async (path: string, opts: PlanCliOptions & { manifest: string; format?: string; classes?: string; merge?: string }) => {
    const open = openOptions(opts);
    const dataset = await openDataset(path, open);
    const cacheDirs = opts.cache ? [resolve(opts.cache)] : [];
    const plan = await planNucleiMix(dataset, open, planOptions(opts, cacheDirs), planProgress());
    if (opts.cache && !plan.cache.hit) await writeFeatureCache(resolve(opts.cache), plan.features);
    await mkdir(dirname(resolve(opts.manifest)), { recursive: true });
    await writeFile(opts.manifest, json(plan.manifest));
    const kinds = { major: 0, background: 0 };
    for (const ins of plan.manifest.insertions) kinds[ins.target.kind]++;
    console.log(`planned ${plan.manifest.insertions.length} insertions (${kinds.major} copy-and-replace, ${kinds.background} copy-and-paste) into ${new Set(plan.manifest.insertions.map((i) => i.target.image)).size} images; wrote ${opts.manifest}`);
  });
}
