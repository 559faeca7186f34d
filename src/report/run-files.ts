/**
 * `nucleimix report`'s inputs: what an augmented dataset's folder holds about its run —
 * manifest.json, stats.json, realism.json (when measured) and the times its earlier report
 * kept — and the input dataset the manifest names, opened as the run opened it.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import type { Dataset } from '../io/dataset.ts';
import { datasetFileHashes } from '../io/file-hashes.ts';
import { openDataset } from '../io/open.ts';
import { readManifest } from '../augment/manifest-file.ts';
import type { AnyManifest } from '../augment/manifest.ts';
import type { AugmentStats } from '../augment/stats.ts';
import { readRealismRecord, type RealismRecord } from './realism-record.ts';
import { REPORT_DIR } from './reporter.ts';

/** What an augmented folder says about its run. */
export interface RunFiles {
  manifest: AnyManifest;
  stats: AugmentStats;
  realism?: RealismRecord;
  timings?: Record<string, number>;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NucleiMixError(`cannot read (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message})`, path);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NucleiMixError(`not valid JSON (${(err as Error).message})`, path);
  }
}

/** Reads manifest.json, stats.json, realism.json and report/timings.json of an augmented folder. */
export async function readRunFiles(augmented: string): Promise<RunFiles> {
  const manifest = await readManifest(join(augmented, 'manifest.json'));
  const statsPath = join(augmented, 'stats.json');
  const stats = (await readJson(statsPath)) as AugmentStats;
  if (typeof stats?.counts?.before !== 'object' || typeof stats.counts.after !== 'object' || !Array.isArray(stats.classes)) {
    throw new NucleiMixError('lacks counts.before, counts.after or classes (is it a nucleimix stats.json?)', statsPath);
  }
  const realism = await readRealismRecord(join(augmented, 'realism.json'));
  let timings: Record<string, number> | undefined;
  const timingsPath = join(augmented, REPORT_DIR, 'timings.json');
  try {
    await stat(timingsPath);
    const t = (await readJson(timingsPath)) as Record<string, unknown>;
    if (t !== null && typeof t === 'object' && Object.values(t).every((v) => typeof v === 'number')) timings = t as Record<string, number>;
  } catch (err) {
    if (!(err instanceof NucleiMixError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { manifest, stats, ...(realism !== undefined ? { realism } : {}), ...(timings !== undefined ? { timings } : {}) };
}

/**
 * The input dataset of a run: `given`, else the folder the manifest names, opened with the
 * run's format, class list and merge, and checked against the manifest's SHA-256 of every
 * input file (the "before" pictures must be of the data the run edited).
 *
 * @throws NucleiMixError when the folder is gone or holds other data
 */
export async function openRunInput(manifest: AnyManifest, given?: string): Promise<Dataset> {
  const root = given ?? manifest.dataset.root;
  try {
    await stat(resolve(root));
  } catch {
    throw new NucleiMixError(`the run's input dataset is not there${given === undefined ? ' (named by manifest.json); give it with --original' : ''}`, root);
  }
  const merge = manifest.options.merge as string | undefined;
  const classes = manifest.options.classes as string | undefined;
  const dataset = await openDataset(root, { format: manifest.dataset.format, ...(merge !== undefined ? { merge } : {}), ...(classes !== undefined ? { classes } : {}) });
  const now = await datasetFileHashes(dataset.root);
  for (const [rel, hash] of Object.entries(manifest.inputs)) {
    if (now[rel] !== hash) throw new NucleiMixError(`holds other data than the run's input: ${rel} ${now[rel] === undefined ? 'is missing' : 'differs'}`, root);
  }
  return dataset;
}
