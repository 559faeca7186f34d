/**
 * A shard folder on disk: where each record and file goes, atomic writes, and reading the
 * records back checked. Layout:
 *
 * ```
 * <dir>/shard.json                 the header (written first)
 * <dir>/images/<name>.json         one per finished image (written after its files)
 * <dir>/images/<name>.sample       its pixels and/or labels, when it changed (sample-file.ts)
 * <dir>/images/<name>.overlay.png  its preview overlay, when it has one
 * <dir>/stats.json                 the shard's own stats (its images only; for people)
 * <dir>/complete.json              the completion record (written last)
 * ```
 *
 * `<name>` is the image name with `encodeURIComponent`'s escapes, so any name is one file name.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { writeFileAtomic } from '../io/atomic-file.ts';
import { checkCompletion, checkHeader, checkImageEntry, type FileRef, type ImageEntry, type ShardCompletion, type ShardHeader } from './shard-records.ts';

export const HEADER_FILE = 'shard.json';
export const COMPLETE_FILE = 'complete.json';
export const IMAGES_DIR = 'images';

/** The file stem of image `name` inside `images/`. */
export function imageStem(name: string): string {
  // encodeURIComponent leaves `.`, so `.` and `..` (never image names; nucleimix names come from files) stay apart from folders by the suffixes.
  return encodeURIComponent(name);
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');


/** JSON as nucleimix writes it: 2-space indent and a newline. */
export const jsonText = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** Writes one image file into `images/` atomically and returns its reference. */
export async function writeImageFile(dir: string, file: string, bytes: Uint8Array): Promise<FileRef> {
  await writeFileAtomic(join(dir, IMAGES_DIR, file), bytes);
  return { file, sha256: sha256(bytes) };
}

/**
 * Reads an image's file back, checking its SHA-256 against the record's.
 *
 * @throws NucleiMixError naming the file when it is missing or differs.
 */
export async function readImageFile(dir: string, ref: FileRef): Promise<Buffer> {
  const path = join(dir, IMAGES_DIR, ref.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new NucleiMixError('is missing; its image record names it (render the shard again)', path);
  }
  if (sha256(bytes) !== ref.sha256) throw new NucleiMixError('differs from what its image record says was written (corrupt; delete its .json and render the shard again)', path);
  return bytes;
}

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NucleiMixError(`cannot be read (${(err as Error).message})`, path);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new NucleiMixError('is not valid JSON', path);
  }
}

/** The folder's header, or undefined when it has none (a new shard). */
export async function readHeader(dir: string): Promise<ShardHeader | undefined> {
  const v = await readJson(join(dir, HEADER_FILE));
  return v === undefined ? undefined : checkHeader(v, join(dir, HEADER_FILE));
}

/** The completion record, or undefined when the shard has not finished. */
export async function readCompletion(dir: string): Promise<ShardCompletion | undefined> {
  const v = await readJson(join(dir, COMPLETE_FILE));
  return v === undefined ? undefined : checkCompletion(v, join(dir, COMPLETE_FILE));
}

/** Image `name`'s record, or undefined when it is not finished. */
export async function readImageEntry(dir: string, name: string): Promise<ImageEntry | undefined> {
  const path = join(dir, IMAGES_DIR, `${imageStem(name)}.json`);
  const v = await readJson(path);
  return v === undefined ? undefined : checkImageEntry(v, name, path);
}

/** Writes image `name`'s record (after its files). */
export async function writeImageEntry(dir: string, entry: ImageEntry): Promise<void> {
  await writeFileAtomic(join(dir, IMAGES_DIR, `${imageStem(entry.name)}.json`), jsonText(entry));
}

/** Makes the folder and its `images/` (they may exist: a resumed shard). */
export async function makeShardFolder(dir: string): Promise<void> {
  await mkdir(join(dir, IMAGES_DIR), { recursive: true });
}

/**
 * Removes the temporary files of writes that a kill interrupted (`*.tmp-<pid>`), once the
 * shard is complete: they never count as done, and the merge ignores them.
 */
export async function removeTemporaries(dir: string): Promise<void> {
  for (const sub of ['', IMAGES_DIR]) {
    for (const f of await readdir(join(dir, sub))) if (/\.tmp-\d+$/.test(f)) await rm(join(dir, sub, f), { force: true });
  }
}
