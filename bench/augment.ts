/**
 * NucleiMix on a dataset (default: the real CoNSeP training split) with --rare 1 --k 600,
 * twice: a cold run, then a run with another seed that reads the feature cache. Prints
 * seconds per phase, peak memory and the count table.
 * Usage: npm run bench:augment [-- <dataset> <k>]
 * Targets (issue 3, 2 cores, classical inpainting): whole run < 120 s; cached run < 20 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NUCLEIMIX, planNucleiMix } from '../src/augment/nucleimix-plan.ts';
import { renderedSource } from '../src/augment/render-dataset.ts';
import { augmentStats, countChangeRows } from '../src/augment/stats.ts';
import { formatTable } from '../src/cli/table.ts';
import { createInpainter } from '../src/inpaint/create.ts';
import { formatByName } from '../src/io/formats.ts';
import { openDataset } from '../src/io/open.ts';
import { writeDataset } from '../src/io/write.ts';
import { writeFeatureCache } from '../src/sampling/feature-cache.ts';

const root = process.argv[2] ?? '../shared/data/consep-train';
const k = Number(process.argv[3] ?? 600);
const work = await mkdtemp(join(tmpdir(), 'nucleimix-bench-augment-'));
const cacheDir = join(work, 'cache');

async function run(seed: number, label: string): Promise<void> {
  const t0 = performance.now();
  const dataset = await openDataset(root);
  const plan = await planNucleiMix(dataset, {}, { ...DEFAULT_NUCLEIMIX, rareTypes: [1], k, seed, cacheDirs: [cacheDir] });
  if (!plan.cache.hit) await writeFeatureCache(cacheDir, plan.features);
  const t1 = performance.now();
  const source = renderedSource(dataset, plan.manifest, await createInpainter('telea'));
  await writeDataset(join(work, `out-${seed}`), formatByName(dataset.format)!, source, { inputs: [dataset.root] });
  const render = (performance.now() - t1) / 1000;
  const total = (performance.now() - t0) / 1000;
  const t = plan.timings;
  console.log(`\n${label}: ${dataset.root}, k = ${k}, seed ${seed}`);
  console.log(
    formatTable(
      ['phase', 'seconds'],
      [
        ['locations', t.locations.toFixed(2)],
        [`features${plan.cache.hit ? ' (cache)' : ` (${plan.locations.rare + plan.locations.major + plan.locations.background} patches)`}`, t.features.toFixed(2)],
        ['fit', t.fit.toFixed(2)],
        ['plan', t.plan.toFixed(2)],
        ['render + write', render.toFixed(2)],
        ['total', total.toFixed(2)],
      ],
    ),
  );
  const stats = augmentStats(plan.manifest, dataset.classes, source.log);
  console.log(formatTable(['type', 'name', 'before', 'after', 'change'], countChangeRows(stats)));
  console.log(`targets: ${stats.targets.major} copy-and-replace, ${stats.targets.background} copy-and-paste; rejected draws: ${plan.report.rejected.overlap} overlap, ${plan.report.rejected.outside} outside`);
}

await run(0, 'cold run');
await run(1, 'second run (feature cache, another seed)');
console.log(`\npeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
await rm(work, { recursive: true, force: true });
