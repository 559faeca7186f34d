/**
 * NucleiMix on a dataset (default: the real CoNSeP training split) with --rare 1 --k 600,
 * twice: a cold run, then a run with another seed that reads the feature cache. Prints
 * seconds per phase, peak memory and the count table.
 * Usage: npm run bench:augment [-- <dataset> <k>]
 * Targets (issue 13 item 15, an idle 2-core machine, the default engine): cold run < 60 s;
 * run with the feature cache < 10 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { augmentDataset } from '../src/augment/driver.ts';
import { countChangeRows } from '../src/augment/stats.ts';
import { formatTable } from '../src/cli/table.ts';
import { openDataset } from '../src/io/open.ts';

const root = process.argv[2] ?? '../shared/data/consep-train';
const k = Number(process.argv[3] ?? 600);
const work = await mkdtemp(join(tmpdir(), 'nucleimix-bench-augment-'));
const cacheDir = join(work, 'cache');

async function run(seed: number, label: string): Promise<void> {
  const t0 = performance.now();
  const dataset = await openDataset(root);
  const r = await augmentDataset(dataset, 'nucleimix', { rareTypes: [1], k, seed, borderMargin: 30 }, join(work, `out-${seed}`), { cache: cacheDir });
  const total = (performance.now() - t0) / 1000;
  const t = r.timings;
  const planning = r.manifest.planning as { locations: Record<string, number>; rejected: Record<string, number> };
  const patches = Object.values(planning.locations).reduce((a, b) => a + b, 0);
  console.log(`\n${label}: ${dataset.root}, k = ${k}, seed ${seed}`);
  console.log(
    formatTable(
      ['phase', 'seconds'],
      [
        ['hash inputs', t.hash.toFixed(2)],
        ['locations', t.locations.toFixed(2)],
        [`features (${patches} patches)`, t.features.toFixed(2)],
        ['fit', t.fit.toFixed(2)],
        ['plan', t.plan.toFixed(2)],
        ['render + write', t.render.toFixed(2)],
        ['total', total.toFixed(2)],
      ],
    ),
  );
  console.log(formatTable(['type', 'name', 'before', 'after', 'change'], countChangeRows(r.stats)));
  console.log(`targets: ${r.stats.targets.major} copy-and-replace, ${r.stats.targets.background} copy-and-paste; rejected draws: ${JSON.stringify(planning.rejected)}`);
}

await run(0, 'cold run');
await run(1, 'second run (feature cache, another seed)');
console.log(`\npeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
await rm(work, { recursive: true, force: true });
