/**
 * A cluster render merged equals a single-process render byte for byte, for every method, on
 * generated data: plan once, render the shards, merge. A shard killed mid-way resumes with
 * only its unfinished images; a finished one does nothing. The merge refuses what would not
 * give that output — a missing, duplicated, foreign or unfinished shard — naming it, and
 * `verify` passes the merged output and finds what was tampered with.
 */
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { planAugmentation, renderAugmentation } from '../../src/augment/driver.ts';
import type { AnyManifest } from '../../src/augment/manifest.ts';
import type { MethodName } from '../../src/augment/method.ts';
import { METHOD_NAMES, type MethodOptions } from '../../src/augment/methods.ts';
import { SHEET_PAIRS } from '../../src/augment/render-loop.ts';
import { mergeShards } from '../../src/cluster/merge.ts';
import { imageStem } from '../../src/cluster/shard-folder.ts';
import { renderShard, shardAssignment } from '../../src/cluster/shard-render.ts';
import { verifyOutput } from '../../src/cluster/verify.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { formatByName } from '../../src/io/formats.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { folderHashes, syntheticDataset } from '../augment/method-fixtures.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';

const { fresh, root } = tempFolders('nucleimix-merge-');

function optionsOf<M extends MethodName>(method: M): Partial<MethodOptions[M]> {
  return (method === 'nucleimix' ? { workers: 0, cache: join(root(), 'cache') } : method === 'insmix' ? { bgShuffle: 0.5 } : {}) as Partial<MethodOptions[M]>;
}

let input: Dataset | undefined;
/** 5 generated images of 192×192 in CoNSeP format. */
async function dataset(): Promise<Dataset> {
  input ??= await syntheticDataset(join(root(), 'input'), { images: 5, size: 192 });
  return input;
}

const plan = async (method: MethodName, k: number, seed = 5, ds?: Dataset): Promise<AnyManifest> =>
  (await planAugmentation(ds ?? (await dataset()), method, { rareTypes: [1], k, seed, borderMargin: 20 }, optionsOf(method))).manifest;

async function assertSameFolders(a: string, b: string, what: string): Promise<void> {
  const ha = await folderHashes(a);
  const hb = await folderHashes(b);
  assert.deepEqual([...hb.keys()], [...ha.keys()], `${what}: the same files`);
  for (const [f, h] of ha) assert.equal(hb.get(f), h, `${what}: ${f} is byte-identical`);
}

/** Renders every shard of `manifest` into `dir/shard-i` and returns the folders. */
async function renderAll(ds: Dataset, manifest: AnyManifest, dir: string, count: number): Promise<string[]> {
  const shards = Array.from({ length: count }, (_, i) => join(dir, `shard-${i}`));
  for (const [i, s] of shards.entries()) await renderShard(ds, manifest, s, { index: i, count });
  return shards;
}

describe('merge of shards equals render', () => {
  for (const method of METHOD_NAMES) {
    test(`${method}: 3 shards merged = one render, byte for byte; verify passes it`, { timeout: 300_000 }, async () => {
      const ds = await dataset();
      const manifest = await plan(method, 8);
      const dir = await fresh();
      const single = await renderAugmentation(ds, manifest, join(dir, 'single'));
      const shards = await renderAll(ds, manifest, dir, 3);
      const merged = await mergeShards(ds, manifest, shards, join(dir, 'merged'));
      await assertSameFolders(single.out, merged.out, method);
      assert.deepEqual(merged.stats, single.stats);
      // A shard keeps only its target images: no file for an image it does not render.
      const assigned = shardAssignment(ds, manifest, 3);
      for (const [i, s] of shards.entries()) {
        const stems = new Set((await readdir(join(s, 'images'))).map((f) => f.replace(/\.(json|sample|overlay\.png)$/, '')));
        assert.deepEqual([...stems].sort(), assigned[i].map(imageStem).sort(), `${method} shard ${i}`);
      }
      const report = await verifyOutput(merged.out, { input: ds });
      assert.deepEqual(report.problems, [], method);
      assert.equal(report.insertions, manifest.insertions.length);
    });
  }

  test('more edits than the contact sheet holds, more shards than images, PanNuke format', { timeout: 300_000 }, async () => {
    const dir = await fresh();
    // PanNuke keeps every image in one .npy: no per-image files to copy, the merge writes them all.
    const consep = await syntheticDataset(join(dir, 'consep'), { images: 6, size: 256, seed: 11 });
    const root = await writeDataset(join(dir, 'pannuke'), formatByName('pannuke')!, consep);
    const ds = await openDataset(root);
    const manifest = await plan('copypaste', 60, 2, ds);
    assert.ok(manifest.insertions.length > SHEET_PAIRS, `${manifest.insertions.length} insertions`);
    const single = await renderAugmentation(ds, manifest, join(dir, 'single'));
    const shards = await renderAll(ds, manifest, dir, 9);
    assert.ok(shardAssignment(ds, manifest, 9).some((s) => s.length === 0), 'some shard is empty');
    const merged = await mergeShards(ds, manifest, shards, join(dir, 'merged'));
    await assertSameFolders(single.out, merged.out, 'pannuke');
    assert.deepEqual((await verifyOutput(merged.out, { input: ds })).problems, []);
  });
});

describe('resume and rerun', () => {
  test('a killed shard resumes with only its unfinished images; a finished shard does nothing', { timeout: 300_000 }, async () => {
    const ds = await dataset();
    const manifest = await plan('gradmix', 10);
    const dir = await fresh();
    const single = await renderAugmentation(ds, manifest, join(dir, 'single'));
    const shards = await renderAll(ds, manifest, dir, 1);
    const victim = shards[0];
    const first = await renderShard(ds, manifest, victim, { index: 0, count: 1 });
    assert.equal(first.alreadyComplete, true, 'a rerun of a finished shard says so');
    assert.deepEqual(first.rendered, []);
    const images = first.images;
    assert.ok(images.length >= 2, `shard 0 has ${images.length} images`);
    // What a kill leaves: no completion record, the last image's files written but not its
    // record (the kill came between), a half-written temporary file.
    const lost = images.slice(1);
    await rm(join(victim, 'complete.json'));
    await rm(join(victim, 'stats.json'));
    for (const name of lost) await rm(join(victim, 'images', `${imageStem(name)}.json`));
    await writeFile(join(victim, 'images', `${imageStem(lost[0])}.sample.tmp-12345`), 'half');
    const kept = join(victim, 'images', `${imageStem(images[0])}.json`);
    const keptTime = (await stat(kept)).mtimeMs;
    await rejectsNucleiMix(mergeShards(ds, manifest, shards, join(dir, 'early')), /shard 0\/1 is not finished: 1 of its \d+ images are done; run it again/);
    const resumed = await renderShard(ds, manifest, victim, { index: 0, count: 1 });
    assert.equal(resumed.alreadyComplete, false);
    assert.deepEqual(resumed.rendered, lost, 'only the unfinished images are rendered again');
    assert.equal((await stat(kept)).mtimeMs, keptTime, 'a finished image is not written again');
    assert.ok(!(await readdir(join(victim, 'images'))).some((f) => f.includes('.tmp-')), 'temporaries are gone');
    const merged = await mergeShards(ds, manifest, shards, join(dir, 'merged'));
    await assertSameFolders(single.out, merged.out, 'resumed');
  });

  test('a shard folder of another shard or manifest, or other settings, is refused', { timeout: 300_000 }, async () => {
    const ds = await dataset();
    const manifest = await plan('copypaste', 6);
    const other = await plan('copypaste', 6, 9);
    const dir = await fresh();
    const s = join(dir, 's');
    await renderShard(ds, manifest, s, { index: 0, count: 2 });
    await rejectsNucleiMix(renderShard(ds, manifest, s, { index: 1, count: 2 }), /holds shard 0\/2, not shard 1\/2/);
    await rejectsNucleiMix(renderShard(ds, other, s, { index: 0, count: 2 }), /holds shard 0\/2 of another manifest/);
    await rm(join(s, 'complete.json'));
    await rejectsNucleiMix(renderShard(ds, manifest, s, { index: 0, count: 2 }, { previews: false }), /was started with previews/);
    await rejectsNucleiMix(renderShard(ds, manifest, ds.root, { index: 0, count: 2 }), /refusing to write the output into or over the input/);
  });
});

describe('merge refusals', () => {
  test('missing, duplicated, foreign, unfinished and stray folders are named', { timeout: 300_000 }, async () => {
    const ds = await dataset();
    const manifest = await plan('cutmix', 8);
    const dir = await fresh();
    const shards = await renderAll(ds, manifest, dir, 3);
    const out = join(dir, 'out');
    await rejectsNucleiMix(mergeShards(ds, manifest, [shards[0], shards[2]], out), /^shard 1\/3 is missing: pass the folder of every shard \(3 in all\)$/);
    await rejectsNucleiMix(mergeShards(ds, manifest, [shards[0], shards[1], shards[2], shards[1]], out), new RegExp(`shard 1/3 is given twice: ${shards[1]} and ${shards[1]}`));
    const foreign = await plan('cutmix', 8, 6);
    const alien = join(dir, 'alien');
    await renderShard(ds, foreign, alien, { index: 2, count: 3 });
    await rejectsNucleiMix(mergeShards(ds, manifest, [shards[0], shards[1], alien], out), new RegExp(`^${alien}: holds shard 2/3 of another manifest`));
    const two = join(dir, 'two');
    await renderShard(ds, manifest, two, { index: 1, count: 2 });
    await rejectsNucleiMix(mergeShards(ds, manifest, [shards[0], two, shards[2]], out), /holds shard 1\/2 but .* holds shard 0\/3: shards of different splits/);
    const empty = await fresh();
    await rejectsNucleiMix(mergeShards(ds, manifest, [shards[0], shards[1], empty], out), new RegExp(`^${empty}: is not a shard folder`));
    await rejectsNucleiMix(mergeShards(ds, manifest, [], out), /name the shard folders/);
    // A corrupt shard file is found by its SHA-256, and named.
    const withSample = (await readdir(join(shards[0], 'images'))).find((f) => f.endsWith('.sample'))!;
    const path = join(shards[0], 'images', withSample);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(path, bytes);
    await rejectsNucleiMix(mergeShards(ds, manifest, shards, out), new RegExp(`${withSample}: differs from what its image record says`));
    await assert.rejects(stat(out), 'no output is left behind');
  });
});

describe('verify', () => {
  test('finds tampered counts, a missing insertion, a changed unedited image and a missing preview', { timeout: 300_000 }, async () => {
    const ds = await dataset();
    const manifest = await plan('copypaste', 3);
    const dir = await fresh();
    const out = (await renderAugmentation(ds, manifest, join(dir, 'out'))).out;
    assert.deepEqual((await verifyOutput(out, { input: ds })).problems, []);
    const stats = JSON.parse(await readFile(join(out, 'stats.json'), 'utf8'));
    stats.counts.after[1] += 1;
    await writeFile(join(out, 'stats.json'), JSON.stringify(stats));
    const target = manifest.insertions[0].target.image;
    await rm(join(out, 'preview', `${target}.png`));
    // The manifest claims one more insertion, in a corner where nothing was put.
    const first = manifest.insertions[0];
    const forged = { ...manifest, insertions: [...manifest.insertions, { ...first, index: manifest.insertions.length, target: { ...first.target, x: 2, y: 2 } }] };
    await writeFile(join(out, 'manifest.json'), JSON.stringify(forged));
    // An image without insertions that is not the input's any more.
    const untouched = ds.names.filter((n) => !manifest.insertions.some((i) => i.target.image === n));
    assert.ok(untouched.length >= 2, 'two images without insertions');
    await cp(join(out, 'Images', `${untouched[1]}.png`), join(out, 'Images', `${untouched[0]}.png`));
    const { problems } = await verifyOutput(out, { input: ds });
    const all = problems.join('\n');
    assert.ok(problems.some((p) => /type 1: the output has \d+ nuclei, stats.json says \d+/.test(p)), all);
    assert.ok(problems.some((p) => p.includes(`preview/${target}.png is missing`)), all);
    assert.ok(problems.some((p) => p.includes(`${target}: insertion #${manifest.insertions.length}`) && p.includes('is not there')), all);
    assert.ok(problems.some((p) => /stats.json: \d+ insertions, the manifest has \d+/.test(p)), all);
    assert.ok(problems.some((p) => p === `${untouched[0]}: no insertion, but its pixels differ from the input's`), all);
    assert.equal(problems.length, 5, all);
  });
});
