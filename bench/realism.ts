/**
 * Calibration of `nucleimix realism` (issue 9), in two steps:
 *
 *   node --import tsx bench/realism.ts bad-paste <original> <out> [--type T] [--k N] [--seed S]
 *     writes the deliberately bad insertion: N real nuclei of type T (default 1, 300), each
 *     chosen uniformly from the whole dataset, pasted pixel for pixel (no blending) at a
 *     uniformly random place of a uniformly random image — on tissue or glass alike — where it
 *     covers no nucleus (up to 1000 tries each). Writes a minimal manifest.json (insertion
 *     centres and donors) so that `realism` keeps each copy in its donor's fold.
 *
 *   node --import tsx bench/realism.ts measure <original> <augmented>… [--seed S]
 *     runs the realism test on each augmented dataset and prints one table row per dataset
 *     and type, with the time it took.
 */
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatByName } from '../src/io/formats.ts';
import { openDataset } from '../src/io/open.ts';
import { writeDataset } from '../src/io/write.ts';
import { readInsertionPoints } from '../src/realism/inserted.ts';
import { measureRealism } from '../src/realism/measure.ts';
import { randomPaste } from '../src/realism/random-paste.ts';

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
}

async function badPaste(originalPath: string, out: string, type: number, k: number, seed: number): Promise<void> {
  const original = await openDataset(originalPath);
  const paste = await randomPaste(original, [type], k, seed);
  await writeDataset(out, formatByName(original.format)!, paste.source, {
    inputs: [originalPath],
    extras: (tmp) => writeFile(join(tmp, 'manifest.json'), JSON.stringify({ tool: 'nucleimix bench/realism.ts', method: 'unblended-paste', seed, rareTypes: [type], k, insertions: paste.insertions().map((r, index) => ({ index, ...r })) }, null, 1) + '\n'),
  });
  console.log(`wrote ${out}: ${k - paste.failed()} nuclei of type ${type} pasted unblended at random places (${paste.failed()} found no free place); seed ${seed}`);
}

async function measure(originalPath: string, augmented: string[], seed: number): Promise<void> {
  const original = await openDataset(originalPath);
  console.log('dataset\ttype\tAUC [95% CI]\tseam\tcontext\tnull\tinserted\treal\tsource\tseconds');
  const f = (e: { auc: number; ci: [number, number] }): string => `${e.auc.toFixed(4)} [${e.ci[0].toFixed(4)}, ${e.ci[1].toFixed(4)}]`;
  for (const path of augmented) {
    const t0 = performance.now();
    const r = await measureRealism(original, await openDataset(path), { points: await readInsertionPoints(path), seed });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    for (const t of r.types) console.log([basename(path), t.type, f(t.overall), f(t.seam), f(t.context), f(t.null), t.nInsertedUsed, t.nRealUsed, r.source, s].join('\t'));
  }
}

const args = process.argv.slice(2);
const seed = flag(args, '--seed', 0);
const [mode, ...rest] = args;
if (mode === 'bad-paste' && rest.length >= 2) {
  const type = flag(rest, '--type', 1);
  const k = flag(rest, '--k', 300);
  await badPaste(rest[0], rest[1], type, k, seed);
} else if (mode === 'measure' && rest.length >= 2) {
  await measure(rest[0], rest.slice(1), seed);
} else {
  console.error('usage: bench/realism.ts bad-paste <original> <out> [--type T] [--k N] [--seed S] | measure <original> <augmented>… [--seed S]');
  process.exit(1);
}
