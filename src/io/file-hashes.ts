/**
 * What a dataset is, by content: the SHA-256 of every data file under its root. Manifests
 * record it (so a plan names the exact data it was made on) and the feature cache keys on it.
 * Times and folder names do not count, so a copy of the same data gives the same hashes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { entryKindOrOther } from './dir-entries.ts';

/** Files and folders nucleimix writes beside an augmented dataset: not data, when that output is read again. */
const NOT_DATA = new Set(['cache', 'preview', 'report', 'manifest.json', 'stats.json', 'realism.json', 'report.html']);

/** `path` relative to `root`, `/`-separated: how {@link datasetFileHashes} names a file. */
export function relativeFile(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** Hex SHA-256 of a file's bytes, streamed. */
export async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * SHA-256 of every file under `root` by path relative to it (`/`-separated, sorted), leaving
 * out what nucleimix writes beside a dataset (`cache/`, `preview/`, manifest.json, …). A
 * `root` that is a file gives that one file, by its name.
 */
export async function datasetFileHashes(root: string): Promise<Record<string, string>> {
  if ((await stat(root)).isFile()) return { [basename(root)]: await fileHash(root) };
  const rels: string[] = [];
  // Links are data like the files and folders they point to (datasets are often built of
  // links); `seen` stops a link that leads back up the tree.
  const seen = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      const rel = relativeFile(root, path);
      if (NOT_DATA.has(rel.split('/')[0])) continue;
      const kind = e.isSymbolicLink() ? await entryKindOrOther(dir, e) : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
      if (kind === 'dir') await walk(path);
      else if (kind === 'file') rels.push(rel);
    }
  };
  await walk(root);
  rels.sort();
  const out: Record<string, string> = {};
  for (const rel of rels) out[rel] = await fileHash(join(root, rel));
  return out;
}
