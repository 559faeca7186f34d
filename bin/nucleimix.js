#!/usr/bin/env node
// nucleimix is written in TypeScript. `npm ci` / `npm install` compile it once to dist/
// (`npm run build`, scripts/build.mjs), and this runs the compiled CLI: it starts in a fraction
// of the time tsx needs to compile every module on every run.
//
// When dist/ is missing or older than src/ (a developer editing without rebuilding, a build
// that could not run), the CLI runs from source through tsx instead — slower to start, never
// stale. It does not rebuild by itself: a build takes many seconds, prints tsc's complaints
// about work in progress, and may not be allowed to write here (a global install); run
// `npm run build` to be fast again. A published package ships dist/ without src/, and always
// runs compiled. NUCLEIMIX_FROM_SOURCE=1 forces the source; NUCLEIMIX_DEBUG=1 says which runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);

/** Why dist/ cannot run, or undefined when it is current (built after every change to src/). */
function staleness() {
  let built;
  try {
    built = JSON.parse(readFileSync(new URL('dist/BUILD.json', root), 'utf8')).startedMs;
  } catch {
    return 'dist/ is not built';
  }
  const newest = (dir) => {
    // Directories count too: deleting or renaming a source file changes only its folder.
    let t = statSync(dir).mtimeMs;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return t;
  };
  let changed;
  try {
    changed = newest(fileURLToPath(new URL('src', root)));
  } catch {
    return undefined; // no src/: an installed package, compiled only
  }
  return changed >= built ? 'src/ changed after dist/ was built' : undefined;
}

const stale = process.env.NUCLEIMIX_FROM_SOURCE === '1' ? 'NUCLEIMIX_FROM_SOURCE=1' : staleness();
if (process.env.NUCLEIMIX_DEBUG) process.stderr.write(`nucleimix: running ${stale ? `from source through tsx (${stale})` : 'compiled (dist/)'}\n`);
let main;
if (stale) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv);
