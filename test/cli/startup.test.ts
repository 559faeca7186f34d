/**
 * The compiled CLI (scripts/build.mjs → dist/, started by bin/nucleimix.js) on a copy of the
 * package in a temporary folder, built once: the build survives a type error, compiled worker
 * threads give the same bytes as the source's, and bin runs the compiled code while dist/ is
 * current and the source once src/ changed after the build. How fast it starts is bench
 * material (the README's hyperfine line), not a test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, cp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempFolders } from '../helpers/temp.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const temp = tempFolders('nucleimix-startup-');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd, env: { ...process.env, NUCLEIMIX_FROM_SOURCE: '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of what the build and the CLI need (node_modules linked, not copied). */
async function packageCopy(): Promise<string> {
  const pkg = await temp.fresh();
  for (const path of ['src', 'bin', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) await cp(join(REPO, path), join(pkg, path), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  return pkg;
}

/** Which code bin ran, as NUCLEIMIX_DEBUG reports it. */
function mode(r: Run): 'compiled' | 'source' {
  const line = r.stderr.split('\n').find((l) => l.startsWith('nucleimix: running'));
  assert.ok(line, `bin did not say what it ran:\n${r.stderr}`);
  return line.includes('compiled') ? 'compiled' : 'source';
}

interface Built {
  pkg: string;
  bin: string;
  build: Run;
}

let built: Promise<Built> | undefined;

/** The package copy, with a type error, built once for all tests (the first test to ask waits). */
function builtPackage(): Promise<Built> {
  built ??= (async () => {
    const pkg = await packageCopy();
    // A type error of the kind work in progress has: the install must still build.
    await appendFile(join(pkg, 'src', 'core', 'rng.ts'), "\nexport const notANumber: number = 'x' as unknown as string;\n");
    return { pkg, bin: join(pkg, 'bin', 'nucleimix.js'), build: node([join(pkg, 'scripts', 'build.mjs')], pkg) };
  })();
  return built;
}

test('the build emits despite a type error; the compiled CLI prints its version and reports a missing dataset', { timeout: 600_000 }, async () => {
  const { pkg, bin, build } = await builtPackage();
  assert.equal(build.status, 0, build.stdout + build.stderr);
  assert.match(build.stderr, /compiled with \d+ type errors?/);
  assert.ok((await readdir(join(pkg, 'dist', 'cli'))).includes('main.js'));
  assert.deepEqual((await readdir(pkg)).filter((n) => n.startsWith('dist')), ['dist'], 'the partial build folder is gone');

  const elsewhere = await temp.fresh();
  const version = node([bin, '--version'], elsewhere, { NUCLEIMIX_DEBUG: '1' });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).version);
  assert.equal(mode(version), 'compiled');

  const missing = node([bin, 'info', join(elsewhere, 'no-such-dataset')], elsewhere, { NUCLEIMIX_DEBUG: '1' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nucleimix: .*no-such-dataset: no such file or folder/);
  assert.equal(mode(missing), 'compiled');
});

test('compiled worker threads write the same bytes as the source', { timeout: 600_000 }, async () => {
  const { bin, build } = await builtPackage();
  assert.equal(build.status, 0, build.stdout + build.stderr);
  const work = await temp.fresh();
  const synth = node([bin, 'synth', '--out', 'syn', '--images', '2', '--seed', '3', '--size', '192x160'], work);
  assert.equal(synth.status, 0, synth.stderr);
  const outputs: Record<string, Buffer[]> = {};
  for (const [out, env] of [['compiled', {}], ['source', { NUCLEIMIX_FROM_SOURCE: '1' }]] as const) {
    const r = node([bin, 'augment', 'syn', '--out', out, '--rare', '1', '--k', '4', '--workers', '2'], work, { ...env, NUCLEIMIX_DEBUG: '1' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(mode(r), out);
    const images = (await readdir(join(work, out, 'Images'))).sort();
    assert.equal(images.length, 2);
    outputs[out] = await Promise.all(images.map((name) => readFile(join(work, out, 'Images', name))));
  }
  assert.deepEqual(outputs.compiled, outputs.source);
});

test('bin runs the source once src/ changed after the build, and dist/ alone when there is no src/', { timeout: 600_000 }, async () => {
  const { pkg, bin } = await builtPackage();
  const elsewhere = await temp.fresh();
  const which = () => mode(node([bin, '--version'], elsewhere, { NUCLEIMIX_DEBUG: '1' }));
  assert.equal(which(), 'compiled');
  // An edit after the build started (here: an mtime in its future).
  const later = new Date(Date.now() + 60_000);
  await utimes(join(pkg, 'src', 'core', 'rng.ts'), later, later);
  const edited = node([bin, '--version'], elsewhere, { NUCLEIMIX_DEBUG: '1' });
  assert.equal(edited.status, 0, edited.stderr);
  assert.equal(mode(edited), 'source');
  await utimes(join(pkg, 'src', 'core', 'rng.ts'), new Date(0), new Date(0));
  assert.equal(which(), 'compiled');
  // A file added (or removed) with an old date: only its folder's mtime says so.
  await writeFile(join(pkg, 'src', 'core', 'added.ts'), 'export {};\n');
  await utimes(join(pkg, 'src', 'core', 'added.ts'), new Date(0), new Date(0));
  assert.equal(which(), 'source');
  // An installed package has dist/ and no src/: compiled, whatever the dates.
  await rm(join(pkg, 'src'), { recursive: true });
  const installed = node([bin, '--version'], elsewhere, { NUCLEIMIX_DEBUG: '1' });
  assert.equal(installed.status, 0, installed.stderr);
  assert.equal(mode(installed), 'compiled');
});
