/**
 * The context-feature cache: extraction is the slow part of planning, and its result does not
 * depend on k, the run seed or the density model, so a second run with another k or seed
 * reads it back instead. Files: `features-<key>.json` (what was described) and
 * `features-<key>.f64` (the rows, little-endian float64).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Location } from './locations.ts';

export interface CachedFeatures {
  key: string;
  /** Locations of every image, in the order of the rows. */
  byImage: { image: string; locations: Location[] }[];
  /** One rows × cols matrix per image. */
  features: Float64Array[];
  cols: number;
}

/**
 * A key for everything the features depend on: the dataset files (names and contents — not
 * times, so a copy of the same data hits the cache and the output stays byte-identical), the
 * descriptor's version and the options that shape locations and patches.
 */
export async function cacheKey(root: string, settings: unknown): Promise<string> {
  const files: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const dir = (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
    const path = join(dir, e.name);
    const rel = relative(root, path);
    // An augmented dataset used as input carries its own cache and pictures: not data.
    if (rel.startsWith(`cache${sep}`) || rel.startsWith(`preview${sep}`)) continue;
    files.push(`${rel}\t${await fileHash(path)}`);
  }
  files.sort();
  return createHash('sha256').update(JSON.stringify({ files, settings })).digest('hex').slice(0, 20);
}

/** SHA-256 of a file's contents, hex (the dataset files' hash; also names an encoder model). */
export async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function readFeatureCache(dir: string, key: string): Promise<CachedFeatures | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, `features-${key}.json`), 'utf8')) as Omit<CachedFeatures, 'features'> & { rows: number[] };
    const bytes = await readFile(join(dir, `features-${key}.f64`));
    if (meta.key !== key || bytes.length !== 8 * meta.rows.reduce((a, b) => a + b, 0) * meta.cols) return undefined;
    const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    let at = 0;
    const features = meta.rows.map((r) => {
      const f = all.slice(at, at + r * meta.cols);
      at += r * meta.cols;
      return f;
    });
    return { key, byImage: meta.byImage, features, cols: meta.cols };
  } catch {
    return undefined; // no cache, or an unreadable one: extract again
  }
}

export async function writeFeatureCache(dir: string, cache: CachedFeatures): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rows = cache.features.map((f) => f.length / Math.max(1, cache.cols));
  const total = cache.features.reduce((a, f) => a + f.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const f of cache.features) {
    all.set(f, at);
    at += f.length;
  }
  await writeFile(join(dir, `features-${cache.key}.json`), JSON.stringify({ key: cache.key, cols: cache.cols, rows, byImage: cache.byImage }));
  await writeFile(join(dir, `features-${cache.key}.f64`), new Uint8Array(all.buffer));
}
