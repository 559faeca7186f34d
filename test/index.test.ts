/**
 * The README's library example, run as it is written, importing the package by its name
 * (`nucleimix`, resolved through package.json's `exports` to src/ under the `source` condition).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as nucleimix from '../src/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('the README library example runs against the package name and prints what it did', { timeout: 180_000 }, async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- library-example -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the library example');
  const work = await mkdtemp(join(tmpdir(), 'nucleimix-readme-'));
  // The script lives in the package (so `nucleimix` resolves to this package); its outputs go to the temporary folder.
  const script = join(ROOT, `.readme-example-${process.pid}.ts`);
  try {
    await writeFile(script, block[1]);
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', import.meta.resolve('tsx'), script], { cwd: work, encoding: 'utf8', env: { ...process.env, NUCLEIMIX_CACHE: join(work, 'cache') } });
    assert.equal(r.status, 0, r.stderr);
    const m = /type 1: (\d+) → (\d+)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(Number(m[2]), Number(m[1]) + 5);
    assert.match(r.stdout, /PQ of the augmented labels against the original: 0\.\d{3}/);
  } finally {
    await rm(script, { force: true });
    await rm(work, { recursive: true, force: true });
  }
});

test('the public surface offers the driver, the formats, the engines, the metrics and the cluster render', () => {
  for (const name of ['openDataset', 'augmentDataset', 'planAugmentation', 'renderAugmentation', 'readManifest', 'evaluate', 'createEngine', 'registerEngine', 'generateDataset', 'writeDataset',
    'shardAssignment', 'shardImages', 'renderShard', 'parseShardSpec', 'shardFromEnv', 'mergeShards', 'verifyOutput', 'jobFile']) {
    assert.equal(typeof (nucleimix as Record<string, unknown>)[name], 'function', name);
  }
  assert.deepEqual([...nucleimix.METHOD_NAMES], ['nucleimix', 'cutmix', 'copypaste', 'gradmix', 'insmix']);
  assert.deepEqual([...nucleimix.SCHEDULERS], ['slurm', 'k8s', 'aws-batch']);
});
