/**
 * `nucleimix realism`'s measurement: how well a classifier tells an augmented dataset's
 * inserted nuclei from the original's real nuclei of the same type, by the rings around them.
 */
import { className, type ClassList } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import { instanceStats } from '../core/labels.ts';
import { createRng, type Rng } from '../core/rng.ts';
import type { SampleSource } from '../io/dataset.ts';
import { classifierTest, selectColumns, shuffle, splitHalfTest, type AucEstimate, type ClassifierTestOptions, type FeatureRows } from './classifier-test.ts';
import { areasById, insertedInstances, type InsertionPoint } from './inserted.ts';
import { FEATURE_GROUPS, FEATURE_NAMES, ringFeatures, ringMaps, type RingMaps } from './ring-features.ts';

export interface RealismOptions {
  /** Types to test (default: the manifest's rare types, else every type with inserted nuclei). */
  types?: readonly number[];
  /** The augmented dataset's manifest insertions; without them, inserted nuclei are found by comparing labels. */
  points?: readonly InsertionPoint[];
  /** Seed of every random choice (default 0). */
  seed?: number;
  /**
   * When one class outnumbers the other more than this many times, its larger side is
   * subsampled (seeded) to this multiple of the smaller (default 3): a forest fitted on very
   * unequal classes spends its splits on the larger one.
   */
  maxRatio?: number;
  test?: ClassifierTestOptions;
  onImage?: (name: string) => void;
}

/** The test's result for one type. */
export interface TypeRealism {
  type: number;
  name: string;
  /** Inserted nuclei found, and those the test used after balancing. */
  nInserted: number;
  nInsertedUsed: number;
  /** Real nuclei of the type in the original, and those used. */
  nReal: number;
  nRealUsed: number;
  /** Manifest insertions of this type whose nucleus was not found (covered by a later insertion). */
  nMissed: number;
  /** Every feature. */
  overall: AucEstimate;
  /** Rings +1..+3 only. */
  seam: AucEstimate;
  /** Rings +4..+8 only. */
  context: AucEstimate;
  /** The same test on two random halves of the real nuclei used (fresh halves each repeat): about 0.5 when the test is honest. */
  null: AucEstimate;
}

export interface Realism {
  /** Where the positives came from. */
  source: 'manifest' | 'labels';
  seed: number;
  types: TypeRealism[];
  /** Types with inserted nuclei too few to test (only when the types were not given). */
  skipped: { type: number; name: string; nInserted: number }[];
}

/** The fewest nuclei of each side the test accepts: the null splits the real ones in two, and each half needs a row in every fold. */
function minimumPerSide(options: RealismOptions): number {
  return 2 * (options.test?.folds ?? 5);
}

function sameNames(a: readonly string[], b: readonly string[]): string | undefined {
  const sb = new Set(b);
  const sa = new Set(a);
  const onlyA = a.filter((n) => !sb.has(n));
  const onlyB = b.filter((n) => !sa.has(n));
  if (onlyA.length === 0 && onlyB.length === 0) return undefined;
  const list = (xs: string[]): string => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ` and ${xs.length - 5} more` : '');
  return [onlyA.length > 0 ? `only the original has ${list(onlyA)}` : '', onlyB.length > 0 ? `only the augmented has ${list(onlyB)}` : ''].filter(Boolean).join('; ');
}

function sameClasses(a: ClassList, b: ClassList): boolean {
  return a.length === b.length && a.every((c, i) => c.id === b[i].id && c.name === b[i].name);
}

/** Growable rows of features, each with the key of its group (the real nucleus it is or copies). */
export class RowBuffer {
  private chunks: Float64Array[] = [];
  private keys: string[] = [];
  add(row: Float64Array, key: string): void {
    this.chunks.push(row);
    this.keys.push(key);
  }
  get n(): number {
    return this.chunks.length;
  }
  /** The rows at `which`, packed, with group ids from `groupId`. */
  rows(which: readonly number[], groupId: (key: string) => number): FeatureRows {
    const p = FEATURE_NAMES.length;
    const data = new Float64Array(which.length * p);
    which.forEach((i, r) => data.set(this.chunks[i], r * p));
    return { data, n: which.length, p, groups: Int32Array.from(which, (i) => groupId(this.keys[i])) };
  }
}

/** `n` of `0..total−1`, seeded, in ascending order; all of them when n ≥ total. */
function subsample(total: number, n: number, rng: Rng): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  if (n >= total) return all;
  return shuffle(all, rng).slice(0, n).sort((a, b) => a - b);
}

/** Ring features of the inserted (`pos`) and real (`neg`) nuclei of each type, as `measureRealism` collects them. */
export interface RingRows {
  types: number[];
  pos: Map<number, RowBuffer>;
  neg: Map<number, RowBuffer>;
  /** Manifest insertions per type whose nucleus was not found. */
  missed: Map<number, number>;
}

/**
 * The ring features of every inserted nucleus of `augmented` and every real nucleus of
 * `original`, per type (see `measureRealism` for the checks and how insertions are found).
 *
 * @throws NucleiMixError when the image sets, sizes or classes differ
 */
export async function collectRingRows(original: SampleSource, augmented: SampleSource, options: RealismOptions = {}): Promise<RingRows> {
  const mismatch = sameNames(original.names, augmented.names);
  if (mismatch !== undefined) throw new NucleiMixError(`the original and augmented datasets hold different images: ${mismatch}`);
  if (!sameClasses(original.classes, augmented.classes)) {
    throw new NucleiMixError('the original and augmented datasets name their types differently; open the original in the augmented dataset\'s class list (--classes or --merge)');
  }
  const points = options.points;
  const types = [...(options.types ?? (points !== undefined ? new Set(points.map((p) => p.rareType)) : augmented.classes.map((c) => c.id)))].sort((a, b) => a - b);
  const pos = new Map(types.map((t) => [t, new RowBuffer()]));
  const neg = new Map(types.map((t) => [t, new RowBuffer()]));
  const missed = new Map(types.map((t) => [t, 0]));
  const pointsByImage = new Map<string, InsertionPoint[]>();
  for (const p of points ?? []) {
    if (!augmented.names.includes(p.image)) throw new NucleiMixError(`the manifest places an insertion in '${p.image}', which the augmented dataset does not hold`);
    pointsByImage.set(p.image, [...(pointsByImage.get(p.image) ?? []), p]);
  }

  for (const name of original.names) {
    const o = await original.read(name);
    const a = await augmented.read(name);
    if (o.image.width !== a.image.width || o.image.height !== a.image.height) {
      throw new NucleiMixError(`image '${name}' is ${o.image.width}×${o.image.height} in the original but ${a.image.width}×${a.image.height} in the augmented dataset`);
    }
    const oStats = instanceStats(o.labels.inst);
    const aStats = instanceStats(a.labels.inst);
    const oAreas = areasById(oStats);
    let oMaps: RingMaps | undefined;
    let aMaps: RingMaps | undefined;
    const slot = new Map<number, number>();
    aStats.ids.forEach((id, i) => slot.set(id, i));
    const typeOf = new Map<number, number>();
    o.labels.ids.forEach((id, i) => typeOf.set(id, o.labels.types[i]));
    for (const t of types) {
      const found = insertedInstances(o.labels, a.labels, aStats, oAreas, t, points === undefined ? undefined : (pointsByImage.get(name) ?? []));
      missed.set(t, missed.get(t)! + found.missed);
      if (found.found.length > 0) {
        aMaps ??= ringMaps(a.image);
        for (const { id, point } of found.found) {
          const i = slot.get(id)!;
          // A copy shares its donor's group; an insertion of unknown origin is a group of its own.
          const key = point?.donor !== undefined ? `${point.donor.image}/${point.donor.id}` : `inserted ${name}/${id}`;
          pos.get(t)!.add(ringFeatures(aMaps, a.labels.inst, id, aStats.bboxes.subarray(4 * i, 4 * i + 4)), key);
        }
      }
      oStats.ids.forEach((id, i) => {
        if (typeOf.get(id) !== t) return;
        oMaps ??= ringMaps(o.image);
        neg.get(t)!.add(ringFeatures(oMaps, o.labels.inst, id, oStats.bboxes.subarray(4 * i, 4 * i + 4)), `${name}/${id}`);
      });
    }
    options.onImage?.(name);
  }

  return { types, pos, neg, missed };
}

/**
 * Measures the realism of the nuclei inserted into `augmented` against the real ones of
 * `original`. Both must hold the same images under the same names and sizes, with the same
 * class list. Each image pair is read once; negatives are described in the original image,
 * positives in the augmented one. A copy and its donor (known from the manifest) are kept in
 * one cross-validation fold; without a manifest each inserted nucleus is its own group, and a
 * method that copies the donor's surroundings can then score below 0.5 on them.
 *
 * @throws NucleiMixError when the image sets or classes differ, or a type has too few nuclei to test
 */
export async function measureRealism(original: SampleSource, augmented: SampleSource, options: RealismOptions = {}): Promise<Realism> {
  const seed = options.seed ?? 0;
  const points = options.points;
  const { types, pos, neg, missed } = await collectRingRows(original, augmented, options);
  const min = minimumPerSide(options);
  const found = types.filter((t) => pos.get(t)!.n > 0);
  if (found.length === 0) {
    const how = points !== undefined ? 'at the manifest\'s insertion points' : 'that differ, pixel for pixel, from every original nucleus';
    throw new NucleiMixError(`found no inserted nuclei ${how}${options.types !== undefined ? ` of type ${types.join(', ')}` : ''}; is the augmented dataset made from this original?`);
  }
  // Types asked for are tested or refused; of the types found by default, those too few to test are listed apart.
  const tested = options.types !== undefined ? types : found.filter((t) => pos.get(t)!.n >= min);
  const skipped = found.filter((t) => !tested.includes(t)).map((t) => ({ type: t, name: className(augmented.classes, t), nInserted: pos.get(t)!.n }));
  if (tested.length === 0) {
    throw new NucleiMixError(`too few inserted nuclei to test (${skipped.map((k) => `type ${k.type}: ${k.nInserted}`).join(', ')}); the test needs at least ${min} of a type`);
  }
  const maxRatio = options.maxRatio ?? 3;
  const root = createRng(seed >>> 0);
  const results: TypeRealism[] = [];
  for (const t of tested) {
    const P = pos.get(t)!;
    const N = neg.get(t)!;
    const label = `type ${t} (${className(augmented.classes, t)})`;
    if (P.n < min) throw new NucleiMixError(`${label}: ${P.n} inserted nuclei found; the test needs at least ${min}`);
    if (N.n < min) throw new NucleiMixError(`${label}: ${N.n} real nuclei in the original; the test needs at least ${min}`);
    const rng = root.fork(`type ${t}`);
    const balance = rng.fork('balance');
    const usedP = subsample(P.n, Math.floor(maxRatio * N.n), balance.fork('inserted'));
    const usedN = subsample(N.n, Math.floor(maxRatio * P.n), balance.fork('real'));
    const groupIds = new Map<string, number>();
    const groupId = (key: string): number => {
      let g = groupIds.get(key);
      if (g === undefined) groupIds.set(key, (g = groupIds.size));
      return g;
    };
    const a = P.rows(usedP, groupId);
    const b = N.rows(usedN, groupId);
    const test = (group: readonly number[] | undefined, key: string): AucEstimate => classifierTest(selectColumns(a, group), selectColumns(b, group), rng.fork(key), options.test);
    results.push({
      type: t,
      name: className(augmented.classes, t),
      nInserted: P.n,
      nInsertedUsed: usedP.length,
      nReal: N.n,
      nRealUsed: usedN.length,
      nMissed: missed.get(t)!,
      overall: test(undefined, 'overall'),
      seam: test(FEATURE_GROUPS.seam, 'seam'),
      context: test(FEATURE_GROUPS.context, 'context'),
      null: splitHalfTest(b, rng.fork('null'), options.test),
    });
  }
  return { source: points !== undefined ? 'manifest' : 'labels', seed, types: results, skipped };
}

/**
 * The JSON `--json` writes: per type `auc`, `ci` ([lo, hi]), `seam`, `context` and `null`
 * (each `{ auc, ci }`), `n_inserted`, `n_real` and the counts used; with one type, its fields
 * also stand at the top level. No times or dates, so the same inputs and seed give the same bytes.
 */
export function realismJson(r: Realism): Record<string, unknown> {
  const types = r.types.map((t) => ({
    type: t.type,
    name: t.name,
    auc: t.overall.auc,
    ci: t.overall.ci,
    seam: t.seam,
    context: t.context,
    null: t.null,
    n_inserted: t.nInserted,
    n_real: t.nReal,
    n_inserted_used: t.nInsertedUsed,
    n_real_used: t.nRealUsed,
    n_missed: t.nMissed,
  }));
  return {
    version: 1,
    source: r.source,
    seed: r.seed,
    features: FEATURE_NAMES.length,
    ...(types.length === 1 ? types[0] : {}),
    types,
    skipped: r.skipped.map((k) => ({ type: k.type, name: k.name, n_inserted: k.nInserted })),
  };
}
