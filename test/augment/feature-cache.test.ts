/**
 * Issue 13 defect 14: NucleiMix's feature cache is kept per image, keyed by the image's content
 * and the extraction settings. Another k, seed or rare type, a README beside the data or one
 * image more re-extract only what changed; entries are written as images finish, so a run that
 * fails keeps what it did; k = 0 extracts (and reads) nothing. Issue 13 item 15: a cached run
 * finds its images by their files' content and decodes none of them.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NucleiMixOptions } from '../../src/augment/nucleimix-plan.ts';
import { consep } from '../../src/io/consep.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { datasetFileHashes } from '../../src/io/file-hashes.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';
import { planNucleiMixOn } from './method-fixtures.ts';

let tmp: string;
let input: Dataset;

const entries = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith('image-') && f.endsWith('.f64'));

function plan(dataset: Dataset, cache: string, extra: Partial<NucleiMixOptions> & { k?: number; seed?: number; rareTypes?: number[]; majorTypes?: number[] } = {}, inputs?: Record<string, string>) {
  const { k = 4, seed = 1, rareTypes = [1], majorTypes, ...options } = extra;
  return planNucleiMixOn(dataset, { k, seed, rareTypes, ...(majorTypes !== undefined ? { majorTypes } : {}) }, { cache, ...options }, inputs);
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-feature-cache-'));
  const root = await writeDataset(join(tmp, 'input'), consep, generateDataset({ images: 3, width: 256, height: 256, seed: 7 }));
  input = await openDataset(root);
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('the per-image feature cache', () => {
  test('one entry per image; another k, seed or rare type, and a README beside the data, extract nothing; the features are the cold run’s', async () => {
    const dir = join(tmp, 'c1');
    const cold = await plan(input, dir);
    assert.equal(cold.cache.extracted, 3);
    assert.equal((await entries(dir)).length, 3);
    const none = await plan(input, 'none');
    assert.deepEqual(cold.features, none.features, 'cached or not, the same rows');
    // Worker threads hand each image's rows back as it finishes; the entries are the same.
    const threaded = join(tmp, 'c1-workers');
    assert.deepEqual((await plan(input, threaded, { workers: 2 })).features, cold.features);
    assert.equal((await entries(threaded)).length, 3);
    assert.deepEqual((await plan(input, threaded)).features, cold.features);

    const again = await plan(input, dir, { k: 2, seed: 9 });
    assert.equal(again.cache.hit, true);
    assert.equal(again.cache.extracted, 0);
    assert.deepEqual(again.features, cold.features);
    // Another rare type needs the same nuclei (every non-rare one is a major): nothing to extract.
    const other = await plan(input, dir, { rareTypes: [2] });
    assert.equal(other.cache.extracted, 0);
    assert.deepEqual(other.features.features, (await plan(input, 'none', { rareTypes: [2] })).features.features);

    // A README (or any file that is not an image's) changes no image: nothing is extracted.
    const copy = join(tmp, 'with-readme');
    await cp(input.root, copy, { recursive: true });
    await writeFile(join(copy, 'README.md'), '# notes about this data\n');
    const readme = await plan(await openDataset(copy), dir);
    assert.equal(readme.cache.extracted, 0);
    assert.deepEqual(readme.insertions, cold.insertions);

    // A setting the features depend on is another entry.
    assert.equal((await plan(input, dir, { removal: 'none' })).cache.extracted, 3);
  });

  test('one image added: only it is extracted; a run that needs more nuclei of an image describes only those', async () => {
    const dir = join(tmp, 'c2');
    await plan(input, dir);
    const grown = await writeDataset(join(tmp, 'grown'), consep, generateDataset({ images: 4, width: 256, height: 256, seed: 7 }));
    const four = await openDataset(grown);
    const added = await plan(four, dir);
    assert.equal(added.cache.extracted, 1);
    assert.deepEqual(added.features, (await plan(four, 'none')).features);

    // First only type-2 majors, then every major: the second run fills in the other nuclei, and gets the cold rows.
    const dir3 = join(tmp, 'c3');
    const narrow = await plan(input, dir3, { majorTypes: [2] });
    assert.equal(narrow.cache.extracted, 3);
    const wide = await plan(input, dir3);
    assert.equal(wide.cache.extracted, 3);
    assert.deepEqual(wide.features, (await plan(input, 'none')).features);
    assert.equal((await plan(input, dir3)).cache.extracted, 0);
  });

  test('entries are written as images finish: a run that fails on its last image keeps the others', async () => {
    const dir = join(tmp, 'c4');
    const last = input.names[input.names.length - 1];
    let reads = 0;
    // The planner reads each image once for its locations, then again to describe it: fail the second read of the last one.
    const failing: Dataset = {
      ...input,
      classes: input.classes,
      names: input.names,
      read: async (name) => {
        if (name === last && ++reads === 2) throw new Error('disk gone');
        return input.read(name);
      },
    };
    await assert.rejects(plan(failing, dir), /disk gone/);
    assert.equal((await entries(dir)).length, 2);
    const resumed = await plan(input, dir);
    assert.equal(resumed.cache.extracted, 1);
    assert.deepEqual(resumed.features, (await plan(input, 'none')).features);
  });

  test('a cached run known by its files decodes no image; a changed file is decoded again, alone; the plan is the decoding run’s', async () => {
    const dir = join(tmp, 'c6');
    const copy = join(tmp, 'by-files');
    await cp(input.root, copy, { recursive: true });
    const opened = await openDataset(copy);
    const reads: string[] = [];
    const counting: Dataset = { ...opened, classes: opened.classes, names: opened.names, read: (name) => (reads.push(name), opened.read(name)) };
    const cold = await plan(counting, dir, {}, await datasetFileHashes(copy));
    assert.equal(cold.cache.extracted, 3);
    assert.equal((await readdir(dir)).filter((f) => f.startsWith('sample-')).length, 3, 'one summary per image');
    reads.length = 0;
    const warm = await plan(counting, dir, { seed: 4 }, await datasetFileHashes(copy));
    assert.deepEqual(reads, [], 'nothing decoded');
    assert.deepEqual(warm.features, cold.features);
    assert.deepEqual(warm.insertions, (await plan(opened, join(tmp, 'c6-decoded'), { seed: 4 })).insertions, 'the plan of a run that decodes every image');

    // One label file rewritten with another nucleus type: that image alone is decoded, and its new types count.
    const name = opened.names[1];
    const sample = await opened.read(name);
    const types = sample.labels.types.map((t, i) => (i === 0 ? (t === 1 ? 2 : 1) : t));
    await writeDataset(join(tmp, 'changed'), consep, { classes: opened.classes, names: [name], read: async () => ({ ...sample, labels: { ...sample.labels, types }, stored: undefined }) });
    await cp(join(tmp, 'changed', 'Labels', `${name}.mat`), join(copy, 'Labels', `${name}.mat`));
    reads.length = 0;
    const changed = await plan(counting, dir, {}, await datasetFileHashes(copy));
    assert.ok(reads.length > 0 && reads.every((n) => n === name), `decoded: ${reads.join(', ')}`);
    assert.deepEqual(changed.features.byImage.map((b) => b.locations.length), (await plan(await openDataset(copy), 'none')).features.byImage.map((b) => b.locations.length));
    assert.deepEqual(changed.insertions, (await plan(await openDataset(copy), 'none')).insertions);
  });

  test('k = 0 reads no image and extracts nothing', async () => {
    const dir = join(tmp, 'c5');
    let reads = 0;
    const counting: Dataset = { ...input, classes: input.classes, names: input.names, read: (name) => (reads++, input.read(name)) };
    const zero = await plan(counting, dir, { k: 0 });
    assert.equal(zero.insertions.length, 0);
    assert.equal(reads, 0);
    assert.deepEqual(await entries(dir), []);
  });
});
