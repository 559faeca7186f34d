/**
 * What planning needs of an image besides its context features — its size, its content hash
 * (the feature cache's key) and its nuclei with their geometry — kept beside the features,
 * under a key of the image's files by content. A run whose images all have a summary and
 * features decodes no image while planning: decoding is most of a cached plan's time (CoNSeP:
 * 27 PNGs and `.mat` files, ~3 s of a ~20 s run).
 *
 * File: `sample-<key>.json` in the cache folder, written whole (atomic rename).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-file.ts';
import type { Dataset, Sample } from '../io/dataset.ts';
import { sampleHash } from './feature-cache.ts';
import { imageNuclei, type ImageNucleus } from './locations.ts';

/**
 * Bump when what a summary holds, or how a format decodes a file, changes: summaries of other
 * versions are never read (their images are decoded and summarised again).
 */
const SUMMARY_VERSION = 1;

/** One image's summary. */
export interface SampleSummary {
  version: typeof SUMMARY_VERSION;
  key: string;
  image: string;
  width: number;
  height: number;
  /** {@link sampleHash} of the decoded sample. */
  contentHash: string;
  /** Every nucleus, in id order ({@link imageNuclei}). */
  nuclei: ImageNucleus[];
}

/** The summary of a decoded sample, under `key`. */
export function summarise(key: string, sample: Sample): SampleSummary {
  return { version: SUMMARY_VERSION, key, image: sample.name, width: sample.image.width, height: sample.image.height, contentHash: sampleHash(sample), nuclei: imageNuclei(sample.name, sample.labels) };
}

/**
 * The key of image `name`'s summary: its files by content (`hashes`, by path relative to the
 * dataset's root, as `datasetFileHashes` gives them), the format, the class list and how the
 * dataset was opened (`open`: a merge changes the types). Undefined when the dataset cannot
 * name the files of its samples, or a file is missing from `hashes`.
 */
export function summaryKey(dataset: Dataset, name: string, hashes: Readonly<Record<string, string>>, open: unknown): string | undefined {
  const files = dataset.files?.(name);
  if (files === undefined || files.length === 0) return undefined;
  const content: [string, string][] = [];
  for (const f of files) {
    const hash = hashes[f];
    if (hash === undefined) return undefined;
    content.push([f, hash]);
  }
  const what = { version: SUMMARY_VERSION, format: dataset.format, image: name, content, classes: dataset.classes, open };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 24);
}

function summaryPath(dir: string, key: string): string {
  return join(dir, `sample-${key}.json`);
}

/** The summary under `key` in `dir`, or undefined when there is none or it does not read back whole. */
export async function readSummary(dir: string, key: string): Promise<SampleSummary | undefined> {
  try {
    const s = JSON.parse(await readFile(summaryPath(dir, key), 'utf8')) as SampleSummary;
    return s.version === SUMMARY_VERSION && s.key === key && Array.isArray(s.nuclei) ? s : undefined;
  } catch {
    return undefined; // none, or unreadable: decode the image again
  }
}

/** Writes `summary` into `dir`, renamed into place whole. */
export async function writeSummary(dir: string, summary: SampleSummary): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(summaryPath(dir, summary.key), JSON.stringify(summary));
}
