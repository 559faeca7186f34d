/**
 * NucleiMix planning (spec §2–4): locations → context features (cached) → per rare type:
 * standardise, PCA fitted on that type's rare nuclei, Gaussian mixture, log-likelihood of
 * every candidate → draws. The result is a manifest; nothing is rendered here.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import { DESCRIPTOR_VERSION, contextFeatureCount } from '../features/extract.ts';
import { createMatrix, selectRows } from '../features/matrix.ts';
import { createOnnxEncoder, encoderFeatureCount, ENCODER_DESCRIPTOR_VERSION, IMAGENET_MEAN, IMAGENET_STD, type OnnxEncoderOptions } from '../features/onnx-encoder.ts';
import { fitStandardiser, standardise } from '../features/standardise.ts';
import type { Dataset } from '../io/dataset.ts';
import type { OpenOptions } from '../io/open.ts';
import type { CentreRemoval } from '../sampling/context.ts';
import { extractContextFeatures } from '../sampling/extract.ts';
import { cacheKey, fileHash, readFeatureCache, type CachedFeatures } from '../sampling/feature-cache.ts';
import { fitGmm, logLikelihood, selectByBic, type CovarianceType } from '../sampling/gmm.ts';
import { backgroundLocations, DEFAULT_BACKGROUND, nucleusLocations, type BackgroundOptions, type Location } from '../sampling/locations.ts';
import { fitPca, project } from '../sampling/pca.ts';
import { DEFAULT_PLAN, planInsertions, type PlanReport, type RareTypeModel } from '../sampling/plan.ts';
import type { Manifest } from './manifest.ts';

export interface NucleiMixPlanOptions {
  rareTypes: number[];
  k: number;
  seed: number;
  /** Types that may be replaced (default: every non-rare type). */
  majorTypes?: number[];
  /** Minimum distance of target and donor centres from the image border (official: 30 px). */
  margin: number;
  removal: CentreRemoval;
  /**
   * An ONNX image encoder (spec §3 (b), e.g. CTransPath) replacing the built-in descriptor:
   * each patch is described by the model's vector plus the 4 GLCM statistics, as in the
   * official code (src/features/onnx-encoder.ts). Absent: the built-in descriptor.
   */
  encoder?: string;
  /** How patches are fed to the encoder (default: ImageNet normalisation, the model's input size or 224). */
  encoderOptions?: Omit<OnnxEncoderOptions, 'threads'>;
  pcaDims: number;
  /** Mixture components; 0 selects K ≤ 5 by BIC. */
  components: number;
  covariance: CovarianceType;
  temperature: number;
  /** Seed of the background points: fixed apart from the run seed so the feature cache holds across seeds. */
  backgroundSeed: number;
  background: BackgroundOptions;
  workers: number;
  /** Folders to look for a feature cache in, in order (the caller writes the new one). */
  cacheDirs: string[];
}

export const DEFAULT_NUCLEIMIX: Omit<NucleiMixPlanOptions, 'rareTypes' | 'k' | 'cacheDirs'> = {
  seed: 0,
  margin: 30,
  removal: 'instances',
  pcaDims: 16,
  components: 1,
  covariance: 'diag',
  temperature: DEFAULT_PLAN.temperature,
  backgroundSeed: 0,
  background: DEFAULT_BACKGROUND,
  workers: 2,
};

export interface PlanProgress {
  phase(name: string, total: number): void;
  tick(label?: string): void;
  done(): void;
}

export interface NucleiMixPlan {
  manifest: Manifest;
  report: PlanReport;
  /** Seconds per phase. */
  timings: Record<string, number>;
  /** Per-type nucleus counts of the input, from the labels. */
  counts: Record<number, number>;
  /** Where the features came from. */
  cache: { key: string; hit: boolean };
  features: CachedFeatures;
  locations: { rare: number; major: number; background: number };
}

const quiet: PlanProgress = { phase: () => {}, tick: () => {}, done: () => {} };

function inside(loc: Location, size: [number, number], margin: number): boolean {
  return loc.x >= margin && loc.y >= margin && loc.x <= size[0] - 1 - margin && loc.y <= size[1] - 1 - margin;
}

export async function planNucleiMix(dataset: Dataset, open: OpenOptions, options: NucleiMixPlanOptions, progress: PlanProgress = quiet): Promise<NucleiMixPlan> {
  const timings: Record<string, number> = {};
  const classIds = dataset.classes.map((c) => c.id);
  for (const t of options.rareTypes) {
    if (!classIds.includes(t)) throw new NucleiMixError(`rare type ${t} is not in the class list (${dataset.classes.map((c) => `${c.id} ${c.name}`).join(', ')})`);
  }
  if (!Number.isInteger(options.k) || options.k < 0) throw new NucleiMixError(`k must be a non-negative integer, got ${options.k}`);

  // Locations, sizes and counts (one pass over the dataset).
  let t0 = performance.now();
  const encoder = options.encoder === undefined ? undefined : await encoderIdentity(options.encoder, options.encoderOptions ?? {});
  const settings = {
    descriptor: encoder === undefined ? DESCRIPTOR_VERSION : ENCODER_DESCRIPTOR_VERSION,
    removal: options.removal,
    rareTypes: options.rareTypes,
    majorTypes: options.majorTypes ?? null,
    backgroundSeed: options.backgroundSeed,
    background: options.background,
    open,
    // The model by content (a renamed copy hits the cache, a retrained one does not).
    ...(encoder !== undefined ? { encoder: { sha256: encoder.sha256, size: encoder.options.size ?? null, mean: encoder.options.mean, std: encoder.options.std } } : {}),
  };
  const key = await cacheKey(dataset.root, settings);
  let cached: CachedFeatures | undefined;
  for (const dir of options.cacheDirs) {
    cached = await readFeatureCache(dir, key);
    if (cached !== undefined) break;
  }
  // Load the model once here, before the long passes, so an unusable one fails at once; it also gives the feature length.
  let cols = contextFeatureCount(classIds.length);
  if (encoder !== undefined && cached === undefined) {
    const probe = await createOnnxEncoder(encoder.path, encoder.options);
    cols = encoderFeatureCount(probe.dims);
    await probe.release();
  }
  const sizes = new Map<string, [number, number]>();
  const counts: Record<number, number> = {};
  for (const c of classIds) counts[c] = 0;
  let byImage: { image: string; locations: Location[] }[] = [];
  progress.phase('locations', dataset.names.length);
  const bgRng = createRng(options.backgroundSeed);
  for (const name of dataset.names) {
    const sample = await dataset.read(name);
    sizes.set(name, [sample.image.width, sample.image.height]);
    for (const t of sample.labels.types) counts[t] = (counts[t] ?? 0) + 1;
    if (cached === undefined) {
      const nuclei = nucleusLocations(name, sample.labels, options.rareTypes, options.majorTypes);
      const bg = backgroundLocations(name, sample.image, sample.labels, bgRng.fork(name), options.background);
      byImage.push({ image: name, locations: [...nuclei, ...bg] });
    }
    progress.tick(name);
  }
  progress.done();
  timings.locations = (performance.now() - t0) / 1000;

  // Features.
  t0 = performance.now();
  let features: CachedFeatures;
  if (cached !== undefined) {
    features = cached;
    byImage = cached.byImage;
  } else {
    progress.phase('features', byImage.length);
    const rows = await extractContextFeatures(dataset, open, byImage, {
      types: classIds,
      removal: options.removal,
      ...(encoder !== undefined ? { encoder: { path: encoder.path, options: encoder.options } } : {}),
      workers: options.workers,
      onImage: (name) => progress.tick(name),
    });
    progress.done();
    features = { key, byImage, features: rows, cols };
  }
  timings.features = (performance.now() - t0) / 1000;

  // One matrix of every location, standardised over all of them.
  t0 = performance.now();
  const all: Location[] = byImage.flatMap((b) => b.locations);
  const d = features.cols;
  const x = createMatrix(all.length, d);
  let at = 0;
  for (const f of features.features) {
    x.data.set(f, at);
    at += f.length;
  }
  const z = standardise(fitStandardiser(x), x);
  const candidateIdx: number[] = [];
  all.forEach((loc, i) => {
    if (loc.kind !== 'rare' && inside(loc, sizes.get(loc.image)!, options.margin)) candidateIdx.push(i);
  });
  const candidates = candidateIdx.map((i) => all[i]);
  const candidateRows = selectRows(z, candidateIdx);
  const models: RareTypeModel[] = [];
  for (const type of options.rareTypes) {
    const rareIdx = all.flatMap((loc, i) => (loc.kind === 'rare' && loc.type === type ? [i] : []));
    if (rareIdx.length < 2) throw new NucleiMixError(`rare type ${type} has ${rareIdx.length} nuclei; at least 2 are needed to fit its density model`);
    const pca = fitPca(selectRows(z, rareIdx), options.pcaDims);
    const rareP = project(pca, selectRows(z, rareIdx));
    const gmm = options.components === 0 ? selectByBic(rareP, { maxK: Math.min(5, rareIdx.length - 1), covariance: options.covariance, seed: options.seed }).model : fitGmm(rareP, { k: options.components, covariance: options.covariance, seed: options.seed });
    const candP = project(pca, candidateRows);
    const donorIdx = rareIdx.filter((i) => inside(all[i], sizes.get(all[i].image)!, options.margin));
    if (donorIdx.length === 0) throw new NucleiMixError(`rare type ${type} has no nucleus at least ${options.margin} px from the image border to copy`);
    models.push({
      type,
      donors: donorIdx.map((i) => all[i]),
      donorFeatures: project(pca, selectRows(z, donorIdx)).data,
      scores: logLikelihood(gmm, candP),
      candidateFeatures: candP.data,
      dims: pca.dims,
    });
  }
  timings.fit = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const report = planInsertions(candidates, models, (image) => sizes.get(image)!, createRng(options.seed), {
    k: options.k,
    temperature: options.temperature,
    flipProbability: DEFAULT_PLAN.flipProbability,
    alignAngle: DEFAULT_PLAN.alignAngle,
    usagePenalty: DEFAULT_PLAN.usagePenalty,
  });
  timings.plan = (performance.now() - t0) / 1000;

  const manifest: Manifest = {
    version: 1,
    tool: 'nucleimix',
    method: 'nucleimix',
    dataset: { root: dataset.root, format: dataset.format },
    seed: options.seed,
    rareTypes: options.rareTypes,
    k: options.k,
    options: {
      majorTypes: options.majorTypes ?? null,
      margin: options.margin,
      removal: options.removal,
      pcaDims: options.pcaDims,
      components: options.components,
      covariance: options.covariance,
      temperature: options.temperature,
      backgroundSeed: options.backgroundSeed,
      background: options.background,
      descriptor: settings.descriptor,
      ...(encoder !== undefined ? { encoder: { file: basename(encoder.path), sha256: encoder.sha256, ...(encoder.options.size !== undefined ? { size: encoder.options.size } : {}), mean: encoder.options.mean, std: encoder.options.std } } : {}),
      ...(open.merge !== undefined ? { merge: open.merge } : {}),
      ...(open.classes !== undefined ? { classes: open.classes } : {}),
    },
    insertions: report.insertions,
  };
  const kinds = { rare: 0, major: 0, background: 0 };
  for (const loc of all) kinds[loc.kind]++;
  return { manifest, report, timings, counts, cache: { key, hit: cached !== undefined }, features, locations: kinds };
}


/** The encoder's absolute path, content hash and options with the defaults filled in (what the features depend on). */
async function encoderIdentity(path: string, options: Omit<OnnxEncoderOptions, 'threads'>) {
  const abs = resolve(path);
  const info = await stat(abs).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new NucleiMixError('ONNX model not found', path);
  return {
    path: abs,
    sha256: await fileHash(abs),
    options: { ...(options.size !== undefined ? { size: options.size } : {}), mean: [...(options.mean ?? IMAGENET_MEAN)] as [number, number, number], std: [...(options.std ?? IMAGENET_STD)] as [number, number, number] },
  };
}
