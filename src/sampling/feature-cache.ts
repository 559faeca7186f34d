/**
 * The context-feature cache: extraction is the slow part of planning, and its result does not
 * depend on k, the run seed or the density model, so a second run with another k or seed
 * reads it back instead. Files: `features-<key>.json` (what was described) and
 * `features-<key>.f64` (the rows, little-endian float64).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
 * A key for everything the features depend on: the dataset files (`inputs`, their hashes by
 * relative path — contents, not times, so a copy of the same data hits the cache), the
 * descriptor's version and the options that shape locations and patches.
 */
export function cacheKey(inputs: Readonly<Record<string, string>>, settings: unknown): string {
  const files = Object.entries(inputs).map(([rel, hash]) => `${rel}\t${hash}`).sort();
  return createHash('sha256').update(JSON.stringify({ files, settings })).digest('hex').slice(0, 20);
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
  // Rows first, then the description that makes them readable, each renamed into place: a
  // crash leaves either a whole entry or none that reads back.
  const base = join(dir, `features-${cache.key}`);
  const tmp = `.${process.pid}-${Date.now().toString(36)}.tmp`;
  await writeFile(base + '.f64' + tmp, new Uint8Array(all.buffer));
  await rename(base + '.f64' + tmp, base + '.f64');
  await writeFile(base + '.json' + tmp, JSON.stringify({ key: cache.key, cols: cache.cols, rows, byImage: cache.byImage }));
  await rename(base + '.json' + tmp, base + '.json');
}
