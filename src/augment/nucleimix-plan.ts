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
import type { Sample } from '../io/dataset.ts';
import { fileHash } from '../io/file-hashes.ts';
import type { CentreRemoval } from '../sampling/context.ts';
import { extractContextFeatures } from '../sampling/extract.ts';
import { combinedKey, imageKey, mergeNuclei, readImageEntry, writeImageEntry, type CachedFeatures, type ImageEntry } from '../sampling/feature-cache.ts';
import { fitGmm, logLikelihood, selectByBic, type CovarianceType } from '../sampling/gmm.ts';
import { backgroundLocations, DEFAULT_BACKGROUND, nucleusLocations, type Location } from '../sampling/locations.ts';
import { fitPca, project } from '../sampling/pca.ts';
import { readSummary, summarise, summaryKey, writeSummary } from '../sampling/sample-summary.ts';
import { DEFAULT_PLAN, planInsertions, type RareTypeModel } from '../sampling/plan.ts';
import type { Insertion } from './manifest.ts';
import type { MethodPlan, PlanInput } from './method.ts';
import type { Staging } from './progressive.ts';
import { insideBorder } from './nuclei-index.ts';
import { replaceableTypes } from './request.ts';

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
  /** The most times one donor may go into one image (absent: no cap); see `PlanOptions.maxDonorUses`. */
  maxDonorUses?: number;
  /** How stage 2 inpaints around the pasted nucleus (absent: `paper`); see `ProgressiveOptions.staging`. */
  staging?: Staging;
  /** Weight of the seam blur for engines that hide nuclei (absent, in manifests from before it: 0); see `ProgressiveOptions.edgeBlur`. */
  edgeBlur?: number;
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
  /** `hit`: nothing was extracted; `extracted`: images whose features (some or all) were extracted. */
  cache: { key: string; hit: boolean; dir: string | undefined; extracted: number };
  features: CachedFeatures;
}

function awayFromBorder(loc: Location, size: [number, number], margin: number): boolean {
  return insideBorder(loc.x, loc.y, size[0], size[1], margin);
}

/**
 * NucleiMix planning: locations → context features (cached per image) → per rare type:
 * standardise, PCA fitted on that type's rare nuclei, Gaussian mixture, log-likelihood of
 * every candidate → draws. With k = 0 nothing is inserted, so nothing is read or extracted.
 */
export async function planNucleiMix(input: PlanInput, options: NucleiMixOptions): Promise<NucleiMixPlan> {
  const { dataset, open, request, progress } = input;
  const timings: Record<string, number> = {};
  const classIds = dataset.classes.map((c) => c.id);
  if (options.encoderSize !== undefined && options.encoder === undefined) throw new NucleiMixError('--encoder-size applies to an --encoder model');
  const encoderOptions = options.encoderSize !== undefined ? { size: options.encoderSize } : {};
  const cacheDir = options.cache === 'none' ? undefined : resolve(options.cache ?? defaultCacheDir());
  const encoder = options.encoder === undefined ? undefined : await encoderIdentity(options.encoder, encoderOptions);
  const descriptor = encoder === undefined ? DESCRIPTOR_VERSION : ENCODER_DESCRIPTOR_VERSION;
  const recorded = {
    backgroundSeed: BACKGROUND_SEED,
    background: DEFAULT_BACKGROUND,
    descriptor,
    ...(encoder !== undefined ? { encoder: { file: basename(encoder.path), sha256: encoder.sha256, ...(encoder.options.size !== undefined ? { size: encoder.options.size } : {}), mean: encoder.options.mean, std: encoder.options.std } } : {}),
  };
  if (request.k === 0) {
    return { insertions: [], recorded, planning: {}, timings, cache: { key: '', hit: true, dir: cacheDir, extracted: 0 }, features: { key: '', byImage: [], features: [], cols: 0 } };
  }
  const majors = replaceableTypes(request, classIds);
  // What an image's features depend on besides the image itself (see feature-cache.ts).
  const settings = {
    descriptor,
    removal: options.removal,
    types: classIds,
    backgroundSeed: BACKGROUND_SEED,
    background: DEFAULT_BACKGROUND,
    // The model by content (a renamed copy hits the cache, a retrained one does not).
    ...(encoder !== undefined ? { encoder: { sha256: encoder.sha256, size: encoder.options.size ?? null, mean: encoder.options.mean, std: encoder.options.std } } : {}),
  };

  // Load the model once here, before the long passes, so an unusable one fails at once; it also gives the feature length.
  let cols = contextFeatureCount(classIds.length);
  if (encoder !== undefined) {
    const probe = await createOnnxEncoder(encoder.path, encoder.options);
    cols = encoderFeatureCount(probe.dims);
    await probe.release();
  }

  // Locations, sizes and counts (one pass over the dataset), and what each image's cache entry lacks.
  let t0 = performance.now();
  const sizes = new Map<string, [number, number]>();
  const counts: Record<number, number> = {};
  for (const c of classIds) counts[c] = 0;
  const images: { image: string; nuclei: Location[]; entry: ImageEntry; missing: Location[]; cached: boolean }[] = [];
  progress.phase('locations', dataset.names.length);
  const bgRng = createRng(BACKGROUND_SEED);
  for (const name of dataset.names) {
    // A cached image is known by its files' content: its summary, then its features, without decoding it.
    const summaryAt = cacheDir !== undefined && input.inputs !== undefined ? summaryKey(dataset, name, input.inputs, open) : undefined;
    let summary = summaryAt === undefined ? undefined : await readSummary(cacheDir!, summaryAt);
    let sample: Sample | undefined;
    if (summary === undefined || summary.image !== name) {
      sample = await dataset.read(name);
      summary = summarise(summaryAt ?? '', sample);
      if (summaryAt !== undefined) await writeSummary(cacheDir!, summary);
    }
    sizes.set(name, [summary.width, summary.height]);
    for (const n of summary.nuclei) counts[n.type] = (counts[n.type] ?? 0) + 1;
    const key = imageKey(name, summary.contentHash, settings);
    const found = cacheDir === undefined ? undefined : await readImageEntry(cacheDir, key);
    const cached = found !== undefined && found.image === name && found.cols === cols;
    let entry: ImageEntry;
    if (cached) {
      entry = found;
    } else {
      sample ??= await dataset.read(name);
      entry = { key, image: name, cols, ids: [], nucleusRows: new Float64Array(0), background: backgroundLocations(name, sample.image, sample.labels, bgRng.fork(name), DEFAULT_BACKGROUND), backgroundRows: new Float64Array(0) };
    }
    const nuclei = nucleusLocations(summary.nuclei, request.rareTypes, majors);
    const have = new Set(entry.ids);
    const missing = nuclei.filter((l) => !have.has(l.id!));
    // A new entry describes its nuclei and then its background points, in one list (the order rows have always had).
    images.push({ image: name, nuclei, entry, missing: cached ? missing : [...missing, ...entry.background], cached });
    progress.tick(name);
  }
  progress.done();
  timings.locations = (performance.now() - t0) / 1000;

  // Features of what the cache lacks, each image's entry written as soon as it is done.
  t0 = performance.now();
  const todo = images.filter((im) => im.missing.length > 0 || !im.cached);
  if (todo.length > 0) {
    const writes: Promise<void>[] = [];
    const slot = new Map(todo.map((im) => [im.image, im]));
    const finish = (name: string, rows: Float64Array): void => {
      const im = slot.get(name)!;
      const nucleusRows = new Map<number, Float64Array>();
      let r = 0;
      for (const loc of im.missing) {
        if (loc.kind !== 'background') nucleusRows.set(loc.id!, rows.subarray(r * cols, (r + 1) * cols));
        r++;
      }
      const entry = mergeNuclei(im.entry, nucleusRows);
      if (!im.cached) entry.backgroundRows = rows.slice((r - im.entry.background.length) * cols, r * cols);
      im.entry = entry;
      if (cacheDir !== undefined) writes.push(writeImageEntry(cacheDir, entry));
    };
    progress.phase('features', todo.length);
    try {
      await extractContextFeatures(
        dataset,
        open,
        todo.map((im) => ({ image: im.image, locations: im.missing })),
        {
          types: classIds,
          removal: options.removal,
          ...(encoder !== undefined ? { encoder: { path: encoder.path, options: encoder.options } } : {}),
          workers: options.workers,
          onImage: (name, rows) => {
            finish(name, rows);
            progress.tick(name);
          },
        },
      );
    } finally {
      // What was extracted stays cached even when a later image fails.
      await Promise.allSettled(writes);
    }
    progress.done();
    await Promise.all(writes);
  }
  // Every image's rows in the order of its locations: its rare and major nuclei (id order), then its background points.
  const byImage: { image: string; locations: Location[] }[] = [];
  const rowsByImage: Float64Array[] = [];
  for (const im of images) {
    const { entry } = im;
    const at = new Map(entry.ids.map((id, i) => [id, i]));
    const rows = new Float64Array((im.nuclei.length + entry.background.length) * cols);
    im.nuclei.forEach((loc, i) => {
      const j = at.get(loc.id!)!;
      rows.set(entry.nucleusRows.subarray(j * cols, (j + 1) * cols), i * cols);
    });
    rows.set(entry.backgroundRows, im.nuclei.length * cols);
    byImage.push({ image: im.image, locations: [...im.nuclei, ...entry.background] });
    rowsByImage.push(rows);
  }
  const key = combinedKey(images.map((im) => im.entry.key));
  const features: CachedFeatures = { key, byImage, features: rowsByImage, cols };
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
    maxDonorUses: options.maxDonorUses ?? Infinity,
  });
  timings.plan = (performance.now() - t0) / 1000;

  const kinds = { rare: 0, major: 0, background: 0 };
  for (const loc of all) kinds[loc.kind]++;
  return {
    insertions: report.insertions,
    recorded,
    planning: { locations: kinds, rejected: report.rejected },
    timings,
    cache: { key, hit: todo.length === 0, dir: cacheDir, extracted: todo.length },
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
