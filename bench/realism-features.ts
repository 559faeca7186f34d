/**
 * Which ring features give inserted nuclei away: the univariate AUC of each feature of
 * `nucleimix realism` (inserted vs real nuclei of the rare type), strongest first, with the
 * median of each side. A feature far from 0.5 is a statistic the inserted rings get wrong;
 * the forest of `realism` combines them, so this says where to look, not the overall score.
 *
 *   node --import tsx bench/realism-features.ts <original> <augmented> [--type T] [--top N]
 */
import { openDataset } from '../src/io/open.ts';
import { auc } from '../src/realism/auc.ts';
import { readInsertionPoints } from '../src/realism/inserted.ts';
import { collectRingRows } from '../src/realism/measure.ts';
import { FEATURE_NAMES } from '../src/realism/ring-features.ts';
import { formatTable } from '../src/cli/table.ts';

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
}
const type = flag('--type', 1);
const top = flag('--top', 25);
const [originalRoot, augmentedRoot] = args;
if (augmentedRoot === undefined) {
  console.error('usage: bench/realism-features.ts <original> <augmented> [--type T] [--top N]');
  process.exit(2);
}
const original = await openDataset(originalRoot);
const augmented = await openDataset(augmentedRoot);
const rows = await collectRingRows(original, augmented, { types: [type], points: await readInsertionPoints(augmentedRoot) });
const pos = rows.pos.get(type)!;
const neg = rows.neg.get(type)!;
const all = (b: typeof pos): number[] => Array.from({ length: b.n }, (_, i) => i);
const a = pos.rows(all(pos), () => 0);
const b = neg.rows(all(neg), () => 0);
const p = FEATURE_NAMES.length;

function column(r: typeof a, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.n; i++) {
    const v = r.data[i * p + c];
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}
function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
}

const results = FEATURE_NAMES.map((name, c) => {
  const x = column(a, c);
  const y = column(b, c);
  const scores = Float64Array.from([...x, ...y]);
  const labels = Uint8Array.from([...x.map(() => 1), ...y.map(() => 0)]);
  return { name, auc: auc(scores, labels), inserted: median(x), real: median(y) };
});
results.sort((u, v) => Math.abs(v.auc - 0.5) - Math.abs(u.auc - 0.5));
console.log(`${a.n} inserted vs ${b.n} real nuclei of type ${type}; AUC > 0.5: inserted higher`);
console.log(formatTable(['feature', 'AUC', 'inserted (median)', 'real (median)'], results.slice(0, top).map((r) => [r.name, r.auc.toFixed(3), r.inserted.toPrecision(4), r.real.toPrecision(4)])));
