import { spawnSync } from 'node:child_process';

const found = new Map<string, string | null>();

/**
 * A python3 that can `import <modules>` (Debian's /usr/bin/python3 first, then the one on
 * PATH), or null. Tests that compare with the real tools (scipy, numpy, h5py) skip when null.
 */
export function findPython(modules: string): string | null {
  const cached = found.get(modules);
  if (cached !== undefined) return cached;
  let exe: string | null = null;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0) {
      exe = candidate;
      break;
    }
  }
  found.set(modules, exe);
  return exe;
}
