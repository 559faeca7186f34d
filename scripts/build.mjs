#!/usr/bin/env node
// `npm run build` (run by `npm ci` / `npm install` through `prepare`, and by `npm pack`):
// compiles src/ to dist/ with plain tsc (tsconfig.build.json), so bin/nucleimix.js starts
// without tsx compiling every module on every run.
//
// It never fails an install because of a type error: tsc still emits (noEmitOnError: false)
// and type errors are `npm test`'s job. It fails only when nothing was emitted. Without
// TypeScript (an install that omits devDependencies) it builds nothing and says so; the CLI
// then runs from source through tsx.
//
// The output is written to a fresh folder and swapped in at the end, so a CLI started during
// the build never sees half of it. dist/BUILD.json records when the build started: a source
// file changed after that makes bin/nucleimix.js run from source instead (see there).
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const partial = join(root, 'dist.partial');
const startedMs = Date.now();

if (!existsSync(join(root, 'src'))) {
  // An installed package (a tarball ships dist/, not src/): nothing to compile.
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  console.warn('nucleimix build: TypeScript is not installed (devDependencies omitted); not compiling — the CLI runs from source through tsx');
  process.exit(0);
}

rmSync(partial, { recursive: true, force: true });
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', partial], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const errors = (run.stdout.match(/error TS\d+/g) ?? []).length;
if (!existsSync(join(partial, 'cli', 'main.js'))) {
  process.stdout.write(run.stdout);
  console.error(`nucleimix build: tsc emitted nothing (exit ${run.status ?? run.signal})`);
  rmSync(partial, { recursive: true, force: true });
  process.exit(1);
}
if (run.status !== 0) {
  console.warn(`nucleimix build: compiled with ${errors} type error${errors === 1 ? '' : 's'} (\`npm run typecheck\` lists them; the CLI still runs)`);
}
writeFileSync(join(partial, 'BUILD.json'), JSON.stringify({ startedMs, typeErrors: errors }) + '\n');
rmSync(dist, { recursive: true, force: true });
renameSync(partial, dist);
