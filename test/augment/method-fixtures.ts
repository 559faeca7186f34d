/**
 * Test helpers for the augmentation methods: a generated CoNSeP-format dataset on disk, a run
 * of any method written to a folder the way `nucleimix augment` writes it, and checks every
 * method's output must pass.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { augmentDataset, type AugmentResult, type EngineChoice } from '../../src/augment/driver.ts';
import type { AugmentRequest, MethodName } from '../../src/augment/method.ts';
import { NUCLEIMIX_OPTIONS } from '../../src/augment/nucleimix.ts';
import { planNucleiMix, type NucleiMixOptions, type NucleiMixPlan } from '../../src/augment/nucleimix-plan.ts';
import { checkRequest } from '../../src/augment/request.ts';
import { resolveOptions } from '../../src/core/options.ts';
import { SILENT } from '../../src/core/progress.ts';
import type { MethodOptions } from '../../src/augment/methods.ts';
import type { AugmentStats } from '../../src/augment/stats.ts';
import { instanceStats, type Labels } from '../../src/core/labels.ts';
import { consep } from '../../src/io/consep.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';

/** Writes a generated dataset (3 images of 256×256 by default) in CoNSeP format under `dir` and opens it. */
export async function syntheticDataset(dir: string, options: { images?: number; size?: number; seed?: number } = {}): Promise<Dataset> {
  const size = options.size ?? 256;
  const root = await writeDataset(dir, consep, generateDataset({ images: options.images ?? 3, width: size, height: size, seed: options.seed ?? 7 }));
  return openDataset(root);
}

export interface Augmented extends AugmentResult {
  out: string;
  stats: AugmentStats;
  /** The output, opened (reading validates ids, types and sizes). */
  result: Dataset;
}

/** Runs `method` on `dataset` through the library driver and writes the output into `out`, as `nucleimix augment` does. */
export async function augmentTo<M extends MethodName>(
  method: M,
  dataset: Dataset,
  out: string,
  request: { k: number; seed: number; rareTypes?: number[]; margin?: number; majorTypes?: number[]; protectTypes?: number[]; warnLoss?: number },
  options: Partial<MethodOptions[M]> = {},
  settings: { engine?: EngineChoice; window?: number } = {},
): Promise<Augmented> {
  const run = await augmentDataset(
    dataset,
    method,
    {
      rareTypes: request.rareTypes ?? [1],
      k: request.k,
      seed: request.seed,
      borderMargin: request.margin ?? 20,
      ...(request.majorTypes !== undefined ? { majorTypes: request.majorTypes } : {}),
      ...(request.protectTypes !== undefined ? { protectTypes: request.protectTypes } : {}),
      ...(request.warnLoss !== undefined ? { warnLoss: request.warnLoss } : {}),
    },
    out,
    options,
    settings,
  );
  return { ...run, result: await openDataset(out) };
}

/** Hex SHA-256 of every file under `dir`, by relative path. */
export async function folderHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (sub: string): Promise<void> => {
    for (const name of (await readdir(join(dir, sub))).sort()) {
      const rel = sub === '' ? name : join(sub, name);
      if ((await stat(join(dir, rel))).isDirectory()) await walk(rel);
      else out.set(rel, createHash('sha256').update(await readFile(join(dir, rel))).digest('hex'));
    }
  };
  await walk('');
  return out;
}

/** Per-type counts of a dataset's labels. */
export async function countTypes(dataset: Dataset): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (const c of dataset.classes) counts[c.id] = 0;
  for (const name of dataset.names) for (const t of (await dataset.read(name)).labels.types) counts[t]++;
  return counts;
}

/**
 * The label rules every method keeps: ids 1..N, one type per id, every centroid the mean of
 * its instance's pixel coordinates (the generated input stores exact centroids, so this holds
 * for changed and unchanged instances alike).
 */
export function assertConsistent(labels: Labels, where: string): void {
  const n = labels.ids.length;
  assert.deepEqual(Array.from(labels.ids), Array.from({ length: n }, (_, i) => i + 1), `${where}: ids 1..N`);
  assert.equal(labels.types.length, n, `${where}: one type per instance`);
  const s = instanceStats(labels.inst);
  assert.deepEqual(Array.from(s.ids), Array.from(labels.ids), `${where}: every id has pixels`);
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(labels.centroids[2 * i] - s.centroids[2 * i]) < 1e-9 && Math.abs(labels.centroids[2 * i + 1] - s.centroids[2 * i + 1]) < 1e-9, `${where}: centroid of ${i + 1}`);
  }
}

/**
 * NucleiMix's planner on `dataset` (no feature cache unless `options.cache` names one), with
 * what it returns beyond the manifest (features, cache, recorded settings); `inputs`: the
 * dataset's file hashes, as `planAugmentation` hands them on.
 */
export async function planNucleiMixOn(
  dataset: Dataset,
  request: Partial<AugmentRequest> & { k: number; seed: number },
  options: Partial<NucleiMixOptions> = {},
  inputs?: Record<string, string>,
): Promise<NucleiMixPlan> {
  const full: AugmentRequest = { rareTypes: [1], borderMargin: 30, ...request };
  checkRequest(dataset, full);
  const resolved = resolveOptions('nucleimix', NUCLEIMIX_OPTIONS, { workers: 0, cache: 'none', ...options });
  return planNucleiMix({ dataset, open: {}, request: full, progress: SILENT, ...(inputs !== undefined ? { inputs } : {}) }, resolved);
}
