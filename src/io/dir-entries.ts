/**
 * What a folder entry is, following symbolic links: datasets are often assembled from links
 * to the original files (to avoid copying them), so a link counts as whatever it points to,
 * and a broken link is an error naming it and its target rather than a file silently missing.
 */
import type { Dirent } from 'node:fs';
import { readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';

export type EntryKind = 'file' | 'dir' | 'other';

/**
 * The kind of entry `e` of folder `dir`, links followed.
 * @throws NucleiMixError naming the link when it points nowhere (or in a loop).
 */
export async function entryKind(dir: string, e: Dirent): Promise<EntryKind> {
  if (e.isFile()) return 'file';
  if (e.isDirectory()) return 'dir';
  if (!e.isSymbolicLink()) return 'other';
  const path = join(dir, e.name);
  try {
    const st = await stat(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch (err) {
    const target = await readlink(path).catch(() => '?');
    const why = (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a loop of symbolic links' : `a broken symbolic link (to ${target})`;
    throw new NucleiMixError(why, path);
  }
}

/** Like {@link entryKind}, but a broken link counts as 'other' (for detection, which never throws). */
export async function entryKindOrOther(dir: string, e: Dirent): Promise<EntryKind> {
  try {
    return await entryKind(dir, e);
  } catch {
    return 'other';
  }
}
