/**
 * NucleiMix planning (Wang & Kwak 2024, §3.1): locations → context features (cached) → per rare type:
 * standardise, PCA fitted on that type's rare nuclei, Gaussian mixture, log-likelihood of
 * every candidate → draws. The result is the insertions; nothing is rendered here.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import { DESCRIPTOR_VERSION, contextFeatureCount } from '../features/extract.ts';
import { createMatrix, selectRows } from '../features/matrix.ts';
import { createOnnxEncoder, encoderFeatureCount, ENCODER_DESCRIPTOR_VERSION, IMAGENET_MEAN, IMAGENET_STD, type OnnxEncoderOptions } from '../features/onnx-encoder.ts';
import { fitStandardiser, standardise } from '../features/standardise.ts';
import { fileHash } from '../io/file-hashes.ts';
import type { CentreRemoval } from '../sampling/context.ts';
import { extractContextFeatures } from '../sampling/extract.ts';
import { cacheKey, readFeatureCache, writeFeatureCache, type CachedFeatures } from '../sampling/feature-cache.ts';
import { fitGmm, logLikelihood, selectByBic, type CovarianceType } from '../sampling/gmm.ts';
import { backgroundLocations, DEFAULT_BACKGROUND, nucleusLocations, type Location } from '../sampling/locations.ts';
import { fitPca, project } from '../sampling/pca.ts';
import { DEFAULT_PLAN, planInsertions, type RareTypeModel } from '../sampling/plan.ts';
import type { Insertion } from './manifest.ts';
import type { MethodPlan, PlanInput } from './method.ts';
import { insideBorder } from './nuclei-index.ts';

/** NucleiMix's own options (the request's rare types, k, seed, margin and majors come apart). */
export interface NucleiMixOptions {
  removal: CentreRemoval;
  /**
   * An ONNX image encoder (e.g. CTransPath) replacing the built-in descriptor: each patch is
   * described by the model's vector plus the 4 GLCM statistics, as in the official code
   * (src/features/onnx-encoder.ts). Absent: the built-in descriptor.
   */
  encoder?: string;
  /** Side the 224 px patches are resized to for an encoder whose input leaves H×W open. */
  encoderSize?: number;
  pcaDims: number;
  /** Mixture components; 0 selects K ≤ 5 by BIC. */
  components: number;
  covariance: CovarianceType;
  temperature: number;
  /** Size weight λ of the donor draw for copy-and-replace (0: the paper's rule); see `PlanOptions.sizeWeight`. */
  sizeWeight: number;
  /** The most pixels of a replaced nucleus its donor may leave uncovered (absent: no bound); see `PlanOptions.maxLeftover`. */
  maxLeftover?: number;
  /** Threads for feature extraction (0: none). */
  workers: number;
  /** The feature cache folder, read and written; `none`: no cache; absent: {@link defaultCacheDir}. */
  cache?: string;
}

/**
 * Where the feature cache lives unless `--cache` moves it: `$NUCLEIMIX_CACHE`, else
 * `$XDG_CACHE_HOME/nucleimix`, else `~/.cache/nucleimix` — outside any output folder, so a
 * failed run keeps it and every run on the same data shares it.
 */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env.NUCLEIMIX_CACHE) return resolve(env.NUCLEIMIX_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'nucleimix');
}

/** Seed of the background points: fixed apart from the run seed so the feature cache holds across seeds. */
const BACKGROUND_SEED = 0;

/** What planning found besides the insertions: the features (for callers that keep them) and whether the cache had them. */
export interface NucleiMixPlan extends MethodPlan<Insertion> {
  cache: { key: string; hit: boolean; dir: string | undefined };
  features: CachedFeatures;
}

function awayFromBorder(loc: Location, size: [number, number], margin: number): boolean {
  return insideBorder(loc.x, loc.y, size[0], size[1], margin);
}

/**
 * NucleiMix planning: locations → context features (cached) → per rare type: standardise,
 * PCA fitted on that type's rare nuclei, Gaussian mixture, log-likelihood of every candidate
 * → draws. `inputs` are the dataset's file hashes (the cache key's data part).
 */
export async function planNucleiMix(input: PlanInput, options: NucleiMixOptions, inputs: Readonly<Record<string, string>>): Promise<NucleiMixPlan> {
  const { dataset, open, request, progress } = input;
  const timings: Record<string, number> = {};
  const classIds = dataset.classes.map((c) => c.id);
  if (options.encoderSize !== undefined && options.encoder === undefined) throw new NucleiMixError('--encoder-size applies to an --encoder model');
  const encoderOptions = options.encoderSize !== undefined ? { size: options.encoderSize } : {};
  const cacheDir = options.cache === 'none' ? undefined : resolve(options.cache ?? defaultCacheDir());

  // Locations, sizes and counts (one pass over the dataset).
  let t0 = performance.now();
  const encoder = options.encoder === undefined ? undefined : await encoderIdentity(options.encoder, encoderOptions);
  const settings = {
    descriptor: encoder === undefined ? DESCRIPTOR_VERSION : ENCODER_DESCRIPTOR_VERSION,
    removal: options.removal,
    rareTypes: request.rareTypes,
    majorTypes: request.majorTypes ?? null,
    backgroundSeed: BACKGROUND_SEED,
    background: DEFAULT_BACKGROUND,
    open,
    // The model by content (a renamed copy hits the cache, a retrained one does not).
    ...(encoder !== undefined ? { encoder: { sha256: encoder.sha256, size: encoder.options.size ?? null, mean: encoder.options.mean, std: encoder.options.std } } : {}),
  };
  const key = cacheKey(inputs, settings);
  const cached = cacheDir === undefined ? undefined : await readFeatureCache(cacheDir, key);
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
  const bgRng = createRng(BACKGROUND_SEED);
  for (const name of dataset.names) {
    const sample = await dataset.read(name);
    sizes.set(name, [sample.image.width, sample.image.height]);
    for (const t of sample.labels.types) counts[t] = (counts[t] ?? 0) + 1;
    if (cached === undefined) {
      const nuclei = nucleusLocations(name, sample.labels, request.rareTypes, request.majorTypes);
      const bg = backgroundLocations(name, sample.image, sample.labels, bgRng.fork(name), DEFAULT_BACKGROUND);
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
    if (cacheDir !== undefined) await writeFeatureCache(cacheDir, features);
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
    if (loc.kind !== 'rare' && awayFromBorder(loc, sizes.get(loc.image)!, request.borderMargin)) candidateIdx.push(i);
  });
  const candidates = candidateIdx.map((i) => all[i]);
  const candidateRows = selectRows(z, candidateIdx);
  const models: RareTypeModel[] = [];
  for (const type of request.rareTypes) {
    const rareIdx = all.flatMap((loc, i) => (loc.kind === 'rare' && loc.type === type ? [i] : []));
    if (rareIdx.length < 2) throw new NucleiMixError(`rare type ${type} has ${rareIdx.length} nuclei; at least 2 are needed to fit its density model`);
    const pca = fitPca(selectRows(z, rareIdx), options.pcaDims);
    const rareP = project(pca, selectRows(z, rareIdx));
    const gmm = options.components === 0 ? selectByBic(rareP, { maxK: Math.min(5, rareIdx.length - 1), covariance: options.covariance, seed: request.seed }).model : fitGmm(rareP, { k: options.components, covariance: options.covariance, seed: request.seed });
    const candP = project(pca, candidateRows);
    const donorIdx = rareIdx.filter((i) => awayFromBorder(all[i], sizes.get(all[i].image)!, request.borderMargin));
    if (donorIdx.length === 0) throw new NucleiMixError(`rare type ${type} has no nucleus at least ${request.borderMargin} px from the image border to copy`);
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
  const report = planInsertions(candidates, models, (image) => sizes.get(image)!, createRng(request.seed), {
    k: request.k,
    temperature: options.temperature,
    flipProbability: DEFAULT_PLAN.flipProbability,
    alignAngle: DEFAULT_PLAN.alignAngle,
    usagePenalty: DEFAULT_PLAN.usagePenalty,
    sizeWeight: options.sizeWeight,
    maxLeftover: options.maxLeftover ?? Infinity,
  });
  timings.plan = (performance.now() - t0) / 1000;

  const kinds = { rare: 0, major: 0, background: 0 };
  for (const loc of all) kinds[loc.kind]++;
  return {
    insertions: report.insertions,
    recorded: {
      backgroundSeed: BACKGROUND_SEED,
      background: DEFAULT_BACKGROUND,
      descriptor: settings.descriptor,
      ...(encoder !== undefined ? { encoder: { file: basename(encoder.path), sha256: encoder.sha256, ...(encoder.options.size !== undefined ? { size: encoder.options.size } : {}), mean: encoder.options.mean, std: encoder.options.std } } : {}),
    },
    planning: { locations: kinds, rejected: report.rejected },
    timings,
    cache: { key, hit: cached !== undefined, dir: cacheDir },
    features,
  };
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
