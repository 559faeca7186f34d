/**
 * The rims around inserted nuclei against those around real ones (issue 10, item 3):
 *
 *   node --import tsx bench/rims.ts <original> <augmented>… [--type T] [--every]
 *
 * For each augmented dataset (written by `nucleimix augment`, with its manifest.json), prints
 * the two statistics of src/realism/rims.ts for the inserted nuclei of type T (default: the
 * manifest's rare types), split by the manifest's target kind (major: copy-and-replace;
 * background: copy-and-paste) and by the donor's turn (a multiple of 90°, or resampled), and for
 * the original's real nuclei of T (and, with --every, of every type):
 *
 * - bright: share of the ring +1 pixels (the background 4-adjacent to the nucleus) whose grey
 *   (R+G+B)/3 exceeds the median grey of rings +4..+8 by more than 15 levels, pooled over nuclei;
 * - dark: share of nuclei whose rings +2..+3 have a median grey more than 15 levels below that
 *   of rings +5..+8.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { openDataset } from '../src/io/open.ts';
import type { Sample, SampleSource } from '../src/io/dataset.ts';
import type { InsertionPoint } from '../src/realism/inserted.ts';
import { datasetRims, rimRates, type RimRates } from '../src/realism/rims.ts';

const args = process.argv.slice(2).filter((a) => a !== '--every');
let typeArg: number | undefined;
const t = args.indexOf('--type');
if (t >= 0) {
  typeArg = Number(args[t + 1]);
  args.splice(t, 2);
}
const [originalPath, ...augmentedPaths] = args;
if (originalPath === undefined || augmentedPaths.length === 0) {
  console.error('usage: bench/rims.ts <original> <augmented>… [--type T]');
  process.exit(2);
}

interface Row {
  rareType: number;
  target: { image: string; x: number; y: number; kind: string };
  donor?: { image: string; id: number; rotation?: number };
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : '—');
const line = (label: string, r: RimRates): string => `${label.padEnd(34)} ${String(r.nuclei).padStart(6)}  bright ${pct(r.bright).padStart(7)}   dark ${pct(r.dark).padStart(7)}`;

/** Keeps every sample read (the bench reads each several times; 27 CoNSeP images fit). */
function memo(source: SampleSource): SampleSource {
  const kept = new Map<string, Promise<Sample>>();
  return {
    classes: source.classes,
    names: source.names,
    read(name) {
      let s = kept.get(name);
      if (s === undefined) kept.set(name, (s = source.read(name)));
      return s;
    },
  };
}

const original = memo(await openDataset(originalPath));
let realDone = false;
for (const path of augmentedPaths) {
  const started = performance.now();
  const augmented = memo(await openDataset(path));
  const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')) as { insertions: Row[] };
  const types = typeArg !== undefined ? [typeArg] : [...new Set(manifest.insertions.map((r) => r.rareType))].sort((a, b) => a - b);
  console.log(`\n${path}`);
  for (const type of types) {
    const rows = manifest.insertions.filter((r) => r.rareType === type);
    const kinds = [...new Set(rows.map((r) => r.target.kind))].sort();
    const pointsOf = (rs: Row[]): InsertionPoint[] => rs.map((r) => ({ image: r.target.image, x: r.target.x, y: r.target.y, rareType: type, ...(r.donor ? { donor: r.donor } : {}) }));
    const all = await datasetRims(original, augmented, type, pointsOf(rows));
    console.log(line(`type ${type} inserted, all`, rimRates(all.inserted)));
    for (const kind of kinds) {
      const part = await datasetRims(original, augmented, type, pointsOf(rows.filter((r) => r.target.kind === kind)));
      console.log(line(`type ${type} inserted, ${kind}`, rimRates(part.inserted)));
    }
    // A quarter-turn multiple is a pixel permutation; any other angle resamples the donor.
    const square = (r: Row): boolean => (r.donor?.rotation ?? 0) % 90 === 0;
    for (const [label, keep] of [['square turn', square], ['other angle', (r: Row) => !square(r)]] as const) {
      const part = await datasetRims(original, augmented, type, pointsOf(rows.filter(keep)));
      console.log(line(`type ${type} inserted, ${label}`, rimRates(part.inserted)));
    }
    if (!realDone) {
      console.log(line(`type ${type} real (original)`, rimRates(all.real)));
      if (process.argv.includes('--every')) {
        const every = [];
        for (const c of original.classes) every.push(...(await datasetRims(original, original, c.id, [])).real);
        console.log(line('every type real (original)', rimRates(every)));
      }
    }
  }
  realDone = true;
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
