/**
 * Runs every augmentation method on a dataset (default: the CoNSeP training split) with the
 * same request (rare type 1, k = 600, seed 0), as `nucleimix augment --method NAME` would,
 * and prints each one's wall time and per-type counts side by side with the NucleiMix paper's
 * Table 1 rows for k = 600. NucleiMix reads (and on its first run writes) a feature cache.
 *
 * Usage: node --import tsx bench/baselines.ts [dataset] [--k N] [--out DIR] [--cache DIR] [--only m1,m2]
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { augmentDataset } from '../src/augment/driver.ts';
import type { MethodName } from '../src/augment/method.ts';
import { METHOD_NAMES } from '../src/augment/methods.ts';
import { formatTable } from '../src/cli/table.ts';
import { openDataset } from '../src/io/open.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
const dataset = resolve(positional[0] ?? '/work/shared/data/consep-train');
const k = Number(flag('--k') ?? 600);
const outRoot = resolve(flag('--out') ?? '/tmp/nucleimix-bench-baselines');
const cache = resolve(flag('--cache') ?? '/tmp/nucleimix-bench-cache');
const only = (flag('--only')?.split(',') as MethodName[] | undefined) ?? (['cutmix', 'copypaste', 'gradmix', 'insmix', 'nucleimix'] as MethodName[]);
for (const m of only) if (!METHOD_NAMES.includes(m)) throw new Error(`unknown method ${m}`);

/** The NucleiMix paper's Table 1, k = 600 on CoNSeP (other, inflammatory, epithelial, spindle). */
const PAPER: Partial<Record<MethodName, number[]>> = {
  cutmix: [968, 3940, 5537, 5704],
  copypaste: [970, 3941, 5537, 5706],
  gradmix: [971, 3772, 5306, 5506],
  nucleimix: [967, 3931, 5352, 5659],
};

const results = new Map<MethodName, { after: Record<number, number>; before: Record<number, number>; seconds: number; note: string }>();
for (const method of only) {
  const out = join(outRoot, method);
  const t0 = performance.now();
  const r = await augmentDataset(await openDataset(dataset), method, { rareTypes: [1], k, seed: 0, borderMargin: 30 }, out, method === 'nucleimix' ? { cache } : {}, { overwrite: true });
  const seconds = (performance.now() - t0) / 1000;
  const note = Object.entries(r.timings).map(([p, s]) => `${p} ${s.toFixed(1)}`).join(', ');
  results.set(method, { after: r.stats.counts.after, before: r.stats.counts.before, seconds, note });
  console.log(`${method.padEnd(10)} ${seconds.toFixed(1).padStart(6)} s  (${note})`);
  for (const n of r.notes) console.log(`           ${n}`);
}

const any = results.values().next().value!;
const types = Object.keys(any.before).map(Number).sort((a, b) => a - b);
const names = ['other', 'inflammatory', 'epithelial', 'spindle'];
const header = ['type', 'before'];
for (const m of only) header.push(m, ...(PAPER[m] ? [`${m} (paper)`] : []));
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));
const rows = types.map((t, i) => {
  const row: (string | number)[] = [`${t} ${names[i] ?? ''}`.trim(), any.before[t]];
  for (const m of only) {
    const a = results.get(m)!.after[t];
    row.push(`${a.toLocaleString('en-US')} (${signed(a - any.before[t])})`);
    const p = PAPER[m];
    if (p) row.push(`${p[i].toLocaleString('en-US')} (${signed(p[i] - any.before[t])})`);
  }
  return row;
});
const sum = (c: Record<number, number>) => types.reduce((s, t) => s + c[t], 0);
const total: (string | number)[] = ['all', sum(any.before)];
for (const m of only) {
  const a = sum(results.get(m)!.after);
  total.push(`${a.toLocaleString('en-US')} (${signed(a - sum(any.before))})`);
  const p = PAPER[m];
  if (p) {
    const ps = p.reduce((x, y) => x + y, 0);
    total.push(`${ps.toLocaleString('en-US')} (${signed(ps - sum(any.before))})`);
  }
}
rows.push(total);
const time: (string | number)[] = ['time (s)', ''];
for (const m of only) time.push(results.get(m)!.seconds.toFixed(1), ...(PAPER[m] ? [''] : []));
rows.push(time);
console.log(`\n${dataset}, rare type 1, k = ${k}, seed 0 (after (change); paper: NucleiMix seed, Table 1)\n`);
console.log(formatTable(header, rows));
if (!args.includes('--keep')) await rm(outRoot, { recursive: true, force: true });
