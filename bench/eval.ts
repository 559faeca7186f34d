/**
 * Evaluates a dataset (default: the real CoNSeP training split) against a perturbed copy of
 * itself made in memory — some instances eroded or dilated by a pixel, some dropped, some
 * merged into a touching neighbour, some types flipped; seeded — and prints the metrics and
 * the time the evaluation took (samples already in memory).
 * Usage: node --import tsx bench/eval.ts [<dataset>] [--seed N] [--dump DIR]
 * Target (issue 4): under 2 s for the 27 CoNSeP images on 2 cores.
 *
 * `--dump DIR` also writes both label sets as raw little-endian arrays plus `index.json`
 * (name, height, width, instance counts), for checking the numbers against the reference's
 * Python code: `<name>.{true,pred}.inst` int32 H×W, `.cent` float64 N×2, `.type` int32 N.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { labelsFromMap, instanceStats, type Labels } from '../src/core/labels.ts';
import { createInstanceMap } from '../src/core/raster.ts';
import { createRng, type Rng } from '../src/core/rng.ts';
import type { Sample, SampleSource } from '../src/io/dataset.ts';
import { openDataset } from '../src/io/open.ts';
import { evaluate, type Evaluation } from '../src/metrics/evaluate.ts';

/** Shares of instances each perturbation touches. */
const P_DROP = 0.08;
const P_ERODE = 0.12;
const P_DILATE = 0.12;
const P_MERGE = 0.06;
const P_FLIP = 0.1;

/**
 * A prediction-like copy of `labels`: instances visited in id order, each dropped, eroded or
 * dilated by one 4-connected pixel, merged into a touching neighbour, or left alone; then
 * some types flipped to another of `1..maxType`. Centroids are recomputed from the pixels,
 * as a prediction's would be.
 */
export function perturbLabels(labels: Labels, rng: Rng, maxType: number): Labels {
  const { width, height } = labels.inst;
  const map = labels.inst.data.slice();
  const stats = instanceStats(labels.inst);
  const typeOf = new Map<number, number>();
  labels.ids.forEach((id, i) => typeOf.set(id, labels.types[i]));
  const inBox = (i: number, f: (x: number, y: number, p: number) => void) => {
    const x0 = Math.max(0, stats.bboxes[4 * i] - 1);
    const y0 = Math.max(0, stats.bboxes[4 * i + 1] - 1);
    const x1 = Math.min(width, stats.bboxes[4 * i + 2] + 1);
    const y1 = Math.min(height, stats.bboxes[4 * i + 3] + 1);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) f(x, y, y * width + x);
  };
  const neighbours = (x: number, y: number, p: number): number[] => {
    const out: number[] = [];
    if (x > 0) out.push(map[p - 1]);
    if (x < width - 1) out.push(map[p + 1]);
    if (y > 0) out.push(map[p - width]);
    if (y < height - 1) out.push(map[p + width]);
    return out;
  };
  stats.ids.forEach((id, i) => {
    const u = rng.next();
    const changes: number[] = [];
    if (u < P_DROP) {
      inBox(i, (_x, _y, p) => map[p] === id && changes.push(p, 0));
    } else if (u < P_DROP + P_ERODE) {
      inBox(i, (x, y, p) => map[p] === id && neighbours(x, y, p).some((v) => v !== id) && changes.push(p, 0));
      let area = 0;
      inBox(i, (_x, _y, p) => map[p] === id && area++);
      if (2 * area <= changes.length) changes.length = 0; // would vanish: leave it
    } else if (u < P_DROP + P_ERODE + P_DILATE) {
      inBox(i, (x, y, p) => map[p] === 0 && neighbours(x, y, p).includes(id) && changes.push(p, id));
    } else if (u < P_DROP + P_ERODE + P_DILATE + P_MERGE) {
      let into = 0;
      inBox(i, (x, y, p) => {
        if (map[p] !== id) return;
        for (const v of neighbours(x, y, p)) if (v !== 0 && v !== id && (into === 0 || v < into)) into = v;
      });
      if (into !== 0) inBox(i, (_x, _y, p) => map[p] === id && changes.push(p, into));
    }
    for (let k = 0; k < changes.length; k += 2) map[changes[k]] = changes[k + 1];
    if (rng.next() < P_FLIP && maxType > 1) {
      const t = typeOf.get(id)!;
      typeOf.set(id, ((t - 1 + 1 + rng.int(maxType - 1)) % maxType) + 1);
    }
  });
  return labelsFromMap(createInstanceMap(width, height, map), (id) => typeOf.get(id)!);
}

/** An in-memory source over already-read samples. */
function memorySource(base: SampleSource, samples: Map<string, Sample>): SampleSource {
  return { classes: base.classes, names: base.names, read: async (n) => samples.get(n)! };
}

async function dump(dir: string, truth: Map<string, Sample>, pred: Map<string, Sample>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const index: { name: string; height: number; width: number; true: number; pred: number }[] = [];
  const bytes = (a: Int32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (const [name, t] of truth) {
    const p = pred.get(name)!;
    for (const [side, l] of [['true', t.labels], ['pred', p.labels]] as const) {
      await writeFile(join(dir, `${name}.${side}.inst`), bytes(l.inst.data));
      await writeFile(join(dir, `${name}.${side}.cent`), bytes(l.centroids));
      await writeFile(join(dir, `${name}.${side}.type`), bytes(l.types));
    }
    index.push({ name, height: t.labels.inst.height, width: t.labels.inst.width, true: t.labels.ids.length, pred: p.labels.ids.length });
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify(index, null, 1));
}

function report(e: Evaluation, seconds: number, n: number): void {
  const f = (x: number) => (Number.isNaN(x) ? 'nan' : x.toFixed(5));
  const m = e.mean;
  console.log(`instance  Dice ${f(m.dice)}  AJI ${f(m.aji)}  DQ ${f(m.dq)}  SQ ${f(m.sq)}  PQ ${f(m.pq)}  AJI+ ${f(m.ajiPlus)}`);
  console.log(`type      F_d ${f(e.type.fD)}  Acc ${f(e.type.acc)}  ${e.type.fType.map((t) => `F_${t.type} ${f(t.f)}`).join('  ')}  mPQ ${f(e.mpq)}`);
  for (const w of e.warnings) console.log(`warning: ${w}`);
  console.log(`evaluation: ${seconds.toFixed(2)} s for ${n} images (${(seconds / n * 1000).toFixed(0)} ms/image)  target < 2 s: ${seconds < 2 ? 'met' : 'MISSED'}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (flag: string) => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const seed = Number(opt('--seed') ?? 4);
  const dumpDir = opt('--dump');
  const root = args[0] ?? '../shared/data/consep-train';
  const dataset = await openDataset(root);
  const maxType = Math.max(...dataset.classes.map((c) => c.id));
  const rng = createRng(seed);
  const truth = new Map<string, Sample>();
  const pred = new Map<string, Sample>();
  for (const name of dataset.names) {
    const s = await dataset.read(name);
    truth.set(name, s);
    pred.set(name, { name, image: s.image, labels: perturbLabels(s.labels, rng.fork(name), maxType) });
  }
  console.log(`dataset: ${dataset.root} (${dataset.format}, ${dataset.names.length} images); prediction: perturbed copy, seed ${seed}`);
  const t0 = performance.now();
  const e = await evaluate(memorySource(dataset, truth), memorySource(dataset, pred));
  const seconds = (performance.now() - t0) / 1000;
  report(e, seconds, dataset.names.length);
  if (dumpDir !== undefined) {
    await dump(dumpDir, truth, pred);
    console.log(`labels written to ${dumpDir}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
