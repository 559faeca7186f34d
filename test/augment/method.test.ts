import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { planAugmentation, renderAugmentation } from '../../src/augment/driver.ts';
import type { MethodName } from '../../src/augment/method.ts';
import { METHOD_NAMES, METHODS, type MethodOptions } from '../../src/augment/methods.ts';
import { readManifest } from '../../src/augment/manifest-file.ts';
import { keepLargestPieces } from '../../src/core/components.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { assertConsistent, augmentTo, countTypes, folderHashes, syntheticDataset, type Augmented } from './method-fixtures.ts';

const K = 6;
let tmp: string;
let input: Dataset;
let inputHashes: Map<string, string>;
let inputCounts: Record<number, number>;
const first = new Map<MethodName, Augmented>();

/** NucleiMix without worker threads (the test data is tiny), with a feature cache of the test's own. */
function optionsOf<M extends MethodName>(method: M): Partial<MethodOptions[M]> {
  return (method === 'nucleimix' ? { workers: 0, cache: join(tmp, 'cache') } : {}) as Partial<MethodOptions[M]>;
}

const request = (k: number, seed: number, extra: object = {}) => ({ rareTypes: [1], k, seed, borderMargin: 20, ...extra });

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-methods-'));
  input = await syntheticDataset(join(tmp, 'input'));
  inputHashes = await folderHashes(input.root);
  inputCounts = await countTypes(input);
  for (const m of METHOD_NAMES) first.set(m, await augmentTo(m, input, join(tmp, `${m}-a`), { k: K, seed: 3 }, optionsOf(m)));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('every method behind the one interface', () => {
  test('the registry names each method once, under its own name', () => {
    assert.deepEqual(Object.keys(METHODS), [...METHOD_NAMES]);
    for (const m of METHOD_NAMES) {
      assert.equal(METHODS[m].name, m);
      assert.ok(METHODS[m].description.length > 10);
    }
  });

  for (const method of METHOD_NAMES) {
    test(`${method}: k insertions, the input's format, consistent labels, stats that match the output`, async () => {
      const { out, stats, manifest, result } = first.get(method)!;
      assert.equal(manifest.method, method);
      assert.equal(manifest.tool, 'nucleimix');
      assert.equal(manifest.k, K);
      assert.deepEqual(manifest.insertions.map((i) => i.index), Array.from({ length: K }, (_, i) => i));
      for (const ins of manifest.insertions) {
        assert.equal(ins.rareType, 1);
        assert.equal(ins.donor.type, 1);
        assert.ok(input.names.includes(ins.target.image) && input.names.includes(ins.donor.image));
      }
      assert.equal(stats.method, method);
      assert.deepEqual(stats.inserted, { 1: K });
      // Output in the input's format, with the same images.
      assert.equal(result.format, 'consep');
      assert.deepEqual([...result.names], [...input.names]);
      const files = await readdir(out);
      for (const f of ['Images', 'Labels', 'classes.json', 'manifest.json', 'stats.json', 'preview']) assert.ok(files.includes(f), `${method} wrote ${f}`);
      for (const name of result.names) {
        const a = await input.read(name);
        const b = await result.read(name);
        assert.equal(b.image.width, a.image.width);
        assert.equal(b.image.height, a.image.height);
        assertConsistent(b.labels, `${method}/${name}`);
        assert.equal(keepLargestPieces(b.labels).cleared.size, 0, `${method}/${name}: every instance is one 4-connected piece`);
      }
      const after = await countTypes(result);
      assert.deepEqual(stats.counts.before, inputCounts);
      assert.deepEqual(stats.counts.after, after);
      if (method === 'cutmix') {
        // A rectangle brings its rare nucleus and may bring or cut others: the net change is reported.
        assert.deepEqual((stats.extra as { netRareChange: Record<number, number> }).netRareChange, { 1: after[1] - inputCounts[1] });
      } else {
        assert.equal(after[1], inputCounts[1] + K - (stats.vanished[1] ?? 0));
      }
      const total = (c: Record<number, number>) => Object.values(c).reduce((x, y) => x + y, 0);
      const replaced = total(stats.replaced);
      const vanished = total(stats.vanished);
      if (method !== 'cutmix') assert.equal(total(after), total(inputCounts) + K - replaced - vanished);
    });
  }

  test('same seed ⇒ the same bytes, for every method; another seed ⇒ another plan', async () => {
    for (const method of METHOD_NAMES) {
      const a = first.get(method)!;
      const b = await augmentTo(method, input, join(tmp, `${method}-b`), { k: K, seed: 3 }, optionsOf(method));
      const ha = await folderHashes(a.out);
      const hb = await folderHashes(b.out);
      assert.deepEqual([...hb.keys()], [...ha.keys()], method);
      for (const [f, h] of ha) assert.equal(hb.get(f), h, `${method}: ${f}`);
      const c = await planAugmentation(input, method, request(K, 4), optionsOf(method));
      assert.notDeepEqual(c.manifest.insertions, a.manifest.insertions, method);
    }
  });

  test('the input is never modified', async () => {
    assert.deepEqual(await folderHashes(input.root), inputHashes);
  });

  test('k = 0 copies the dataset; bad requests are NucleiMixErrors', async () => {
    for (const method of METHOD_NAMES.filter((m) => m !== 'nucleimix')) {
      const r = await augmentTo(method, input, join(tmp, `${method}-zero`), { k: 0, seed: 1 });
      assert.equal(r.manifest.insertions.length, 0);
      assert.deepEqual(r.stats.counts.after, inputCounts);
    }
    // Request checks run once, for every method alike.
    for (const method of METHOD_NAMES) {
      const plan = (req: object) => planAugmentation(input, method, { ...request(1, 1), ...req }, optionsOf(method));
      await rejectsNucleiMix(plan({ rareTypes: [9] }), /rare type 9 is not in the class list/);
      await rejectsNucleiMix(plan({ k: 1.5 }), /--k: expected an integer ≥ 0, got 1\.5/);
      await rejectsNucleiMix(plan({ rareTypes: [1], majorTypes: [1] }), /type 1 cannot be both rare and major/);
      await rejectsNucleiMix(plan({ borderMargin: -1 }), /--margin: expected an integer ≥ 0, got -1/);
      // No rare nucleus is that far from every border.
      await rejectsNucleiMix(plan({ borderMargin: 200 }), /no nucleus at least 200 px/);
    }
  });

  test('plan, then render of the manifest read back from its file, equals augment byte for byte, for every method', async () => {
    for (const method of METHOD_NAMES) {
      const a = first.get(method)!;
      const { manifest } = await planAugmentation(input, method, request(K, 3), optionsOf(method));
      const again = await readManifest(join(a.out, 'manifest.json'));
      assert.deepEqual(again, manifest, `${method}: the written manifest is the plan, engine and all`);
      const r = await renderAugmentation(input, again, join(tmp, `${method}-rendered`));
      const ha = await folderHashes(a.out);
      const hr = await folderHashes(r.out);
      assert.deepEqual([...hr.keys()], [...ha.keys()], method);
      for (const [f, h] of ha) assert.equal(hr.get(f), h, `${method}: ${f}`);
    }
  });

  test('a render refuses a manifest planned on other data', async () => {
    const other = await syntheticDataset(join(tmp, 'other'), { seed: 99 });
    await rejectsNucleiMix(renderAugmentation(other, first.get('copypaste')!.manifest, join(tmp, 'never')), /planned on other data/);
  });
});

describe('nucleimix augment --method', () => {
  const BIN = fileURLToPath(new URL('../../bin/nucleimix.js', import.meta.url));
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'augment', input.root, '--rare', '1', '--margin', '20', ...args], { encoding: 'utf8', cwd: tmp, env: { ...process.env, NUCLEIMIX_CACHE: join(tmp, 'cache') } });

  test('runs a baseline with its own option, and names the method in the output', async () => {
    const r = cli('--k', '3', '--method', 'insmix', '--bg-shuffle', '0.5', '--out', 'cli-insmix');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1\s+other\s+\d+\s+\d+\s+\+3/);
    assert.match(r.stdout, /wrote cli-insmix: the augmented dataset \(consep, insmix\), manifest\.json, stats\.json, preview\//);
    const stats = JSON.parse(await readFile(join(tmp, 'cli-insmix', 'stats.json'), 'utf8'));
    assert.equal(stats.method, 'insmix');
    assert.equal(stats.extra.backgroundShuffle.share, 0.5);
    const manifest = JSON.parse(await readFile(join(tmp, 'cli-insmix', 'manifest.json'), 'utf8'));
    assert.equal(manifest.options.bgShuffle, 0.5);
  });

  test('an option of another method is an error, naming both', () => {
    const bad = cli('--k', '3', '--method', 'cutmix', '--bg-shuffle', '0.5', '--out', 'cli-bad');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^nucleimix: --bg-shuffle applies to --method insmix, not cutmix$/m);
    const radius = cli('--k', '3', '--method', 'copypaste', '--radius', '4', '--out', 'cli-bad');
    assert.equal(radius.status, 1);
    assert.match(radius.stderr, /--radius applies to --method nucleimix or gradmix, not copypaste/);
    const unknown = cli('--k', '3', '--method', 'mixup', '--out', 'cli-bad');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /--method.*mixup.*choices/);
  });
});
