/**
 * Dataset-level evaluation: a predicted dataset against a true one, images matched by name,
 * with HoVer-Net's instance scores (per image, then the mean over images), its pooled type
 * scores, and PanNuke's mPQ. See instance.ts, type.ts and mpq.ts for the definitions.
 *
 * Images where the reference crashes get a defined value and a warning naming the image:
 * - neither map has an instance: the image is left out of the instance means and mPQ; its
 *   per-image scores are NaN (null in JSON);
 * - no predicted instance: AJI is 0 (the reference crashes on it; the other scores are the
 *   reference's: Dice 0, DQ = SQ = PQ = 0, AJI+ 0);
 * - a map with no background pixel: scores are computed over all its instances.
 * At dataset level: Acc is NaN when nothing paired anywhere (the reference crashes), F_t is
 * NaN for a listed type that occurs nowhere (the reference's 0/0).
 */
import { NucleiMixError } from '../core/errors.ts';
import { indexOfId, type Labels } from '../core/labels.ts';
import type { Sample, SampleSource } from '../io/dataset.ts';
import { naturalCompare } from '../io/paired-folders.ts';
import { INSTANCE_KEYS, instanceScores, type InstanceScores } from './instance.ts';
import { intersections, type Intersections } from './intersections.ts';
import { datasetMpq, imageMpq, pqPerType } from './mpq.ts';
import { numpyMean, numpyNanMean } from './pairwise-sum.ts';
import { addTypeImage, createTypeTally, referencePoints, typeScores, type TypeScores, type TypeTally } from './type.ts';

export interface ImageEvaluation {
  name: string;
  /** NaN everywhere when the image is skipped (neither map has an instance). */
  scores: InstanceScores;
  /** This image's mPQ over the evaluated types its GT has; NaN when it has none. */
  mpq: number;
  /** PQ per type present in this image's GT (restricted maps). */
  pqByType: Map<number, number>;
  skipped: boolean;
  trueCount: number;
  predCount: number;
}

export interface Evaluation {
  /**
   * Per-image results in natural name order (train_1, train_2, …, train_10), as people read
   * them; the means still sum in the reference's order (sorted file names: train_1, train_10, …).
   */
  images: ImageEvaluation[];
  /** Mean of each instance score over the images not skipped (numpy's summation order). */
  mean: InstanceScores;
  type: TypeScores;
  /** Types the mPQ is averaged over, ascending. */
  mpqTypes: number[];
  /** PQ of each of `mpqTypes`, averaged over the images whose GT has the type. */
  pqPerType: { type: number; pq: number }[];
  mpq: number;
  /** One line per defined-where-the-reference-crashes value, naming the image. */
  warnings: string[];
}

export interface EvaluateOptions {
  /** Types for F_t and mPQ; default: every type in the GT (the reference's default). */
  types?: readonly number[];
  /** Called after each image (for progress). */
  onImage?: (name: string) => void;
}

/** Incremental evaluation: add images in any order, then read the result. */
export interface Evaluator {
  add(name: string, truth: Labels, pred: Labels): ImageEvaluation;
  result(): Evaluation;
}

/** Types of the table's instances by index, from labels (whose ids may be given in any set). */
function typesByIndex(ids: Int32Array, labels: Labels): Int32Array {
  const same = ids.length === labels.ids.length && ids.every((id, k) => labels.ids[k] === id);
  if (same) return labels.types;
  return Int32Array.from(ids, (id) => {
    const k = indexOfId(labels, id);
    return k < 0 ? 0 : labels.types[k];
  });
}

const NAN_SCORES: InstanceScores = { dice: NaN, aji: NaN, dq: NaN, sq: NaN, pq: NaN, ajiPlus: NaN };

export function createEvaluator(options: Omit<EvaluateOptions, 'onImage'> = {}): Evaluator {
  const images: ImageEvaluation[] = [];
  const tally: TypeTally = createTypeTally();
  const warnings: string[] = [];
  const names = new Set<string>();
  const listed = options.types === undefined ? undefined : new Set(options.types);

  function imageWarnings(name: string, x: Intersections): void {
    const nT = x.trueIds.length;
    const nP = x.predIds.length;
    if (nT === 0 && nP === 0) {
      warnings.push(`${name}: neither the true nor the predicted map has an instance (the reference crashes here); left out of the instance means and mPQ`);
    } else if (nP === 0) {
      warnings.push(`${name}: no predicted instance (the reference crashes computing AJI here); AJI reported as 0`);
    }
    for (const [side, has] of [['true', x.trueHasBackground], ['predicted', x.predHasBackground]] as const) {
      if (!has) warnings.push(`${name}: the ${side} map has no background pixel (the reference crashes on such maps); scored over all its instances`);
    }
  }

  return {
    add(name, truth, pred) {
      if (names.has(name)) throw new NucleiMixError(`image '${name}' was evaluated twice`);
      names.add(name);
      const x = intersections(truth.inst, pred.inst);
      imageWarnings(name, x);
      const skipped = x.trueIds.length === 0 && x.predIds.length === 0;
      const scores = skipped ? { ...NAN_SCORES } : instanceScores(x);
      const trueTypes = typesByIndex(x.trueIds, truth);
      const predTypes = typesByIndex(x.predIds, pred);
      const present = [...new Set(trueTypes)].filter((t) => t > 0 && (listed === undefined || listed.has(t))).sort((a, b) => a - b);
      const pq = pqPerType(x, trueTypes, predTypes, present);
      const pqByType = new Map(present.map((t, i) => [t, pq[i]]));
      addTypeImage(tally, referencePoints(truth.centroids, truth.types), referencePoints(pred.centroids, pred.types));
      const image: ImageEvaluation = { name, scores, mpq: NaN, pqByType, skipped, trueCount: x.trueIds.length, predCount: x.predIds.length };
      images.push(image);
      return image;
    },

    result() {
      const sorted = [...images].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const kept = sorted.filter((im) => !im.skipped);
      const mean = Object.fromEntries(INSTANCE_KEYS.map((k) => [k, numpyMean(kept.map((im) => im.scores[k]))])) as unknown as InstanceScores;
      const type = typeScores(tally, options.types);
      const out = [...warnings];
      if (type.tp === 0) out.push('no true and predicted nuclei were paired in any image (the reference crashes here); Acc is NaN');
      for (const { type: t, f } of type.fType) {
        if (Number.isNaN(f)) out.push(`type ${t} occurs in neither the true nor the predicted nuclei; its F_t is NaN (as in the reference)`);
      }
      const mpqTypes = (options.types === undefined ? [...tally.trueTypes] : [...options.types]).filter((t) => t > 0).sort((a, b) => a - b);
      for (const im of sorted) {
        im.mpq = im.skipped ? NaN : imageMpq(mpqTypes.map((t) => im.pqByType.get(t) ?? NaN));
      }
      const pqPerType = mpqTypes.map((t) => ({ type: t, pq: numpyNanMean(sorted.map((im) => im.pqByType.get(t) ?? NaN)) }));
      if (kept.length === 0 && sorted.length > 0) out.push('no image has an instance on either side; every mean is NaN');
      const shown = [...sorted].sort((a, b) => naturalCompare(a.name, b.name));
      return { images: shown, mean, type, mpqTypes, pqPerType, mpq: datasetMpq(sorted.map((im) => im.mpq)), warnings: out };
    },
  };
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 20).map((n) => `'${n}'`).join(', ');
  return names.length > 20 ? `${shown} and ${names.length - 20} more` : shown;
}

/**
 * Evaluates `pred` against `truth`, reading one pair of samples at a time (the next pair is
 * read while the current one is scored).
 *
 * @throws NucleiMixError when the two name lists differ (listing what is missing and extra),
 *   when a pair of images differ in size, or when either dataset is empty.
 */
export async function evaluate(truth: SampleSource, pred: SampleSource, options: EvaluateOptions = {}): Promise<Evaluation> {
  const predNames = new Set(pred.names);
  const trueNames = new Set(truth.names);
  const missing = truth.names.filter((n) => !predNames.has(n));
  const extra = pred.names.filter((n) => !trueNames.has(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing from the predictions: ${listNames(missing)}`);
    if (extra.length > 0) parts.push(`predicted but not in the ground truth: ${listNames(extra)}`);
    throw new NucleiMixError(`the predicted and true datasets hold different images; ${parts.join('; ')}`);
  }
  if (truth.names.length === 0) throw new NucleiMixError('the ground-truth dataset has no image');
  const evaluator = createEvaluator(options);
  const names = [...truth.names];
  const read = (name: string): Promise<[Sample, Sample]> => Promise.all([truth.read(name), pred.read(name)]);
  let next = read(names[0]);
  for (let i = 0; i < names.length; i++) {
    const [t, p] = await next;
    if (i + 1 < names.length) {
      next = read(names[i + 1]);
      next.catch(() => {}); // awaited on the next turn; keeps an early failure from going unhandled
    }
    if (t.labels.inst.width !== p.labels.inst.width || t.labels.inst.height !== p.labels.inst.height) {
      throw new NucleiMixError(
        `the prediction is ${p.labels.inst.width}×${p.labels.inst.height} but the ground truth is ${t.labels.inst.width}×${t.labels.inst.height}`,
        p.origin ?? names[i],
      );
    }
    try {
      evaluator.add(names[i], t.labels, p.labels);
    } catch (err) {
      // e.g. a negative id, or a NaN centroid the assignment cannot use
      if (err instanceof NucleiMixError) throw new NucleiMixError(`image '${names[i]}': ${err.message}`, p.origin);
      throw err;
    }
    options.onImage?.(names[i]);
  }
  return evaluator.result();
}

/** JSON names of the instance scores. */
const JSON_KEYS: Record<(typeof INSTANCE_KEYS)[number], string> = { dice: 'dice', aji: 'aji', dq: 'dq', sq: 'sq', pq: 'pq', ajiPlus: 'aji_plus' };

function scoresJson(s: InstanceScores): Record<string, number> {
  return Object.fromEntries(INSTANCE_KEYS.map((k) => [JSON_KEYS[k], s[k]]));
}

/**
 * The stable JSON contract of `nucleimix eval --json`:
 * `{"instance": {"mean": {dice, aji, dq, sq, pq, aji_plus}, "per_image": {"<name>": {same}}},
 *   "type": {"f_d", "acc", "f_type": {"<type id>": F_t}}, "mpq"}`.
 * Numbers at full double precision; NaN (undefined, see evaluate.ts) becomes null.
 */
export function evaluationJson(e: Evaluation): unknown {
  return {
    instance: {
      mean: scoresJson(e.mean),
      per_image: Object.fromEntries(e.images.map((im) => [im.name, scoresJson(im.scores)])),
    },
    type: {
      f_d: e.type.fD,
      acc: e.type.acc,
      f_type: Object.fromEntries(e.type.fType.map(({ type, f }) => [String(type), f])),
    },
    mpq: e.mpq,
  };
}

function csvCell(v: string | number): string {
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * Per-image CSV: `image,dice,aji,dq,sq,pq,aji_plus,mpq`, one row per image then a `mean` row
 * (the instance means and the dataset mPQ). Full precision; NaN as an empty cell.
 */
export function evaluationCsv(e: Evaluation): string {
  const header = ['image', ...INSTANCE_KEYS.map((k) => JSON_KEYS[k]), 'mpq'];
  const rows = e.images.map((im) => [im.name, ...INSTANCE_KEYS.map((k) => im.scores[k]), im.mpq]);
  rows.push(['mean', ...INSTANCE_KEYS.map((k) => e.mean[k]), e.mpq]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
