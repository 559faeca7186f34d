/**
 * How much of `nucleimix realism`'s AUC is placement rather than blending (issues 9, 10, 12).
 *
 *   node --import tsx bench/realism-placement.ts <original> <augmented>
 *
 * The realism test compares the rings around inserted nuclei with those around real nuclei of
 * the rare type. A perfect blend would still leave one difference: where the insertions are.
 * NucleiMix replaces major nuclei, so its inserted nuclei sit where majors sat, in the majors'
 * tissue. This control needs no blending at all: it takes, in the *original* image, every
 * major nucleus the manifest replaced (real pixels, a real boundary) and runs the same
 * classifier test of their context rings (+4..+8 px) against the real rare nuclei's. Its AUC
 * is what the context group of the realism test would show if every fill were perfect; the
 * distance between the two is what blending can still win.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { instanceStats } from '../src/core/labels.ts';
import { createRng } from '../src/core/rng.ts';
import { openDataset } from '../src/io/open.ts';
import { classifierTest, selectColumns, type FeatureRows } from '../src/realism/classifier-test.ts';
import { FEATURE_GROUPS, FEATURE_NAMES, ringFeatures, ringMaps } from '../src/realism/ring-features.ts';

interface ManifestInsertion {
  rareType: number;
  target: { image: string; kind: string; replacedId?: number };
}

function pack(rows: Float64Array[], groups: number[]): FeatureRows {
  const p = FEATURE_NAMES.length;
  const data = new Float64Array(rows.length * p);
  rows.forEach((r, i) => data.set(r, i * p));
  return { data, n: rows.length, p, groups: Int32Array.from(groups) };
}

const [originalPath, augmentedPath] = process.argv.slice(2);
if (originalPath === undefined || augmentedPath === undefined) {
  console.error('usage: node --import tsx bench/realism-placement.ts <original> <augmented>');
  process.exit(2);
}
const manifest = JSON.parse(await readFile(join(augmentedPath, 'manifest.json'), 'utf8')) as { insertions: ManifestInsertion[]; rareTypes: number[] };
const rare = manifest.rareTypes[0];
const replaced = new Map<string, Set<number>>();
for (const ins of manifest.insertions) {
  if (ins.rareType !== rare || ins.target.replacedId === undefined) continue;
  const set = replaced.get(ins.target.image) ?? new Set<number>();
  set.add(ins.target.replacedId);
  replaced.set(ins.target.image, set);
}
const original = await openDataset(originalPath);
const majors: Float64Array[] = [];
const rares: Float64Array[] = [];
const majorGroups: number[] = [];
const rareGroups: number[] = [];
let group = 0;
for (const name of original.names) {
  const s = await original.read(name);
  const stats = instanceStats(s.labels.inst);
  const maps = ringMaps(s.image);
  const typeOf = new Map<number, number>();
  s.labels.ids.forEach((id, i) => typeOf.set(id, s.labels.types[i]));
  const mine = replaced.get(name) ?? new Set<number>();
  stats.ids.forEach((id, i) => {
    const box = stats.bboxes.subarray(4 * i, 4 * i + 4);
    if (mine.has(id)) {
      majors.push(ringFeatures(maps, s.labels.inst, id, box));
      majorGroups.push(group++);
    } else if (typeOf.get(id) === rare) {
      rares.push(ringFeatures(maps, s.labels.inst, id, box));
      rareGroups.push(group++);
    }
  });
}
const a = pack(majors, majorGroups);
const b = pack(rares, rareGroups);
const rng = createRng(0);
const context = classifierTest(selectColumns(a, FEATURE_GROUPS.context), selectColumns(b, FEATURE_GROUPS.context), rng.fork('context'));
const seam = classifierTest(selectColumns(a, FEATURE_GROUPS.seam), selectColumns(b, FEATURE_GROUPS.seam), rng.fork('seam'));
const f = (e: { auc: number; ci: [number, number] }): string => `${e.auc.toFixed(3)} [${e.ci[0].toFixed(3)}, ${e.ci[1].toFixed(3)}]`;
console.log(`replaced majors (real, in the original): ${majors.length}; real nuclei of type ${rare}: ${rares.length}`);
console.log(`context rings +4..+8, majors' own vs real type ${rare}: AUC ${f(context)}`);
console.log(`seam rings +1..+3, majors' own vs real type ${rare}:    AUC ${f(seam)}`);
