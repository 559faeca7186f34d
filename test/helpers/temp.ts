import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

/**
 * A temporary folder for one test file (made before its tests, removed after them) and a
 * function that makes a fresh empty subfolder in it for each use.
 */
export function tempFolders(prefix: string): { fresh: () => Promise<string>; root: () => string } {
  let tmp = '';
  let count = 0;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), prefix));
  });
  after(() => rm(tmp, { recursive: true, force: true }));
  return {
    root: () => tmp,
    fresh: async () => {
      const dir = join(tmp, `d${count++}`);
      await mkdir(dir);
      return dir;
    },
  };
}
