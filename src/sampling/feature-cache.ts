/**
 * The context-feature cache, one entry per image: extraction is the slow part of planning, and
 * an image's features depend only on that image and the extraction settings — not on k, the
 * run seed, the density model, the rare/major split or the other images. So an entry is keyed
 * by the image's content and those settings: a run with another k, seed or rare type, one
 * image added to the dataset, or a README dropped beside it re-extracts only what it lacks.
 *
 * An entry holds the rows of the nuclei described so far (by id) and the image's background
 * points with their rows; a later run that needs more nuclei of the image (another `--rare`)
 * describes only those and writes the entry back enlarged. Entries are written as each image
 * finishes, each renamed into place whole, so a crash keeps every image already done.
 *
 * File: `image-<key>.f64` — a little-endian uint32 header length, the JSON header
 * ({@link EntryHeader}), then float64 rows (little-endian): the nuclei in `ids` order, then the
 * background points in order, `cols` values each.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-file.ts';
import type { Sample } from '../io/dataset.ts';
import type { Location } from './locations.ts';

/** What planning hands on: every image's locations in row order and its rows. */
export interface CachedFeatures {
  /** A key for the whole set (the per-image keys combined), for callers that compare runs. */
  key: string;
  /** Locations of every image, in the order of the rows. */
  byImage: { image: string; locations: Location[] }[];
  /** One rows × cols matrix per image. */
  features: Float64Array[];
  cols: number;
}

/** One image's cached features. */
export interface ImageEntry {
  key: string;
  image: string;
  cols: number;
  /** Ids of the nuclei described, ascending. */
  ids: number[];
  /** ids.length × cols, row-major. */
  nucleusRows: Float64Array;
  /** The image's background points (a function of the image and the settings alone). */
  background: Location[];
  /** background.length × cols, row-major. */
  backgroundRows: Float64Array;
}

interface EntryHeader {
  version: 1;
  key: string;
  image: string;
  cols: number;
  ids: number[];
  background: Location[];
}

/**
 * Hex SHA-256 of what a sample's features are computed from: its size, RGB pixels, instance
 * map and the type of each id. The decoded sample, not its files: it is the same for every
 * format (PanNuke keeps all images in one file), and a merge or class list that changes the
 * types changes it too.
 */
export function sampleHash(sample: Sample): string {
  const { image, labels } = sample;
  const h = createHash('sha256');
  h.update(`${image.width}x${image.height}\n`);
  h.update(bytes(image.data));
  h.update(bytes(labels.inst.data));
  h.update(bytes(labels.ids));
  h.update(bytes(labels.types));
  return h.digest('hex');
}

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * The key of one image's entry: its name (background points are drawn from a stream forked
 * by name), its content ({@link sampleHash}) and the extraction settings (descriptor version,
 * centre removal, class ids, background rule, encoder identity).
 */
export function imageKey(image: string, contentHash: string, settings: unknown): string {
  return createHash('sha256').update(JSON.stringify({ image, contentHash, settings })).digest('hex').slice(0, 24);
}

/** One key for a set of image keys (in dataset order). */
export function combinedKey(keys: readonly string[]): string {
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 20);
}

function entryPath(dir: string, key: string): string {
  return join(dir, `image-${key}.f64`);
}

/** The entry of `key`, or undefined when there is none or it does not read back whole. */
export async function readImageEntry(dir: string, key: string): Promise<ImageEntry | undefined> {
  try {
    const buf = await readFile(entryPath(dir, key));
    const n = buf.readUInt32LE(0);
    const head = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as EntryHeader;
    const start = 4 + n;
    const values = (head.ids.length + head.background.length) * head.cols;
    if (head.version !== 1 || head.key !== key || buf.length !== start + 8 * values) return undefined;
    // Copied out of the file buffer: float64 views need 8-byte alignment.
    const all = new Float64Array(values);
    for (let i = 0; i < values; i++) all[i] = buf.readDoubleLE(start + 8 * i);
    const split = head.ids.length * head.cols;
    return { key, image: head.image, cols: head.cols, ids: head.ids, nucleusRows: all.slice(0, split), background: head.background, backgroundRows: all.slice(split) };
  } catch {
    return undefined; // no entry, or an unreadable one: extract again
  }
}

/** Writes `entry` under `dir`, renamed into place whole (a crash leaves the old entry or none). */
export async function writeImageEntry(dir: string, entry: ImageEntry): Promise<void> {
  await mkdir(dir, { recursive: true });
  const head: EntryHeader = { version: 1, key: entry.key, image: entry.image, cols: entry.cols, ids: entry.ids, background: entry.background };
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const values = entry.nucleusRows.length + entry.backgroundRows.length;
  const buf = Buffer.alloc(4 + json.length + 8 * values);
  buf.writeUInt32LE(json.length, 0);
  json.copy(buf, 4);
  let at = 4 + json.length;
  for (const rows of [entry.nucleusRows, entry.backgroundRows]) {
    for (let i = 0; i < rows.length; i++, at += 8) buf.writeDoubleLE(rows[i], at);
  }
  await writeFileAtomic(entryPath(dir, entry.key), buf);
}

/**
 * `entry` (possibly undefined) with the rows of more nuclei added: `ids` ascending in the
 * result, each id's row from `added` when it has one there, else from `entry`.
 */
export function mergeNuclei(entry: ImageEntry, added: ReadonlyMap<number, Float64Array>): ImageEntry {
  const rows = new Map<number, Float64Array>();
  entry.ids.forEach((id, i) => rows.set(id, entry.nucleusRows.subarray(i * entry.cols, (i + 1) * entry.cols)));
  for (const [id, row] of added) rows.set(id, row);
  const ids = [...rows.keys()].sort((a, b) => a - b);
  const nucleusRows = new Float64Array(ids.length * entry.cols);
  ids.forEach((id, i) => nucleusRows.set(rows.get(id)!, i * entry.cols));
  return { ...entry, ids, nucleusRows };
}
