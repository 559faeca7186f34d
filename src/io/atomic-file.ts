import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes `bytes` to `path` through a temporary file beside it (`<path>.tmp-<pid>`) and a
 * rename: a file that exists is whole, whenever a process stops. One writer per path and
 * process at a time; processes writing the same path each use their own temporary file, and
 * the last rename wins (caches, where both write the same content).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
