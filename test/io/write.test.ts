import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { consep } from '../../src/io/consep.ts';
import type { SampleSource } from '../../src/io/dataset.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';

let tmp: string;
const synth = generateDataset({ images: 2, width: 128, height: 128, seed: 1 });

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-write-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

test('a failing write leaves no output folder and no temporary folder behind', async () => {
  const failing: SampleSource = {
    ...synth,
    read: async (name) => {
      if (name === 'synth_2') throw new Error('disk on fire');
      return synth.read(name);
    },
  };
  await assert.rejects(writeDataset(join(tmp, 'out'), consep, failing), /disk on fire/);
  assert.deepEqual(await readdir(tmp), []);
});

test('refuses to write into, over or around an input dataset, and over an existing folder', async () => {
  const input = await writeDataset(join(tmp, 'input'), consep, synth);
  const before = await readdir(join(input, 'Labels'));
  await rejectsNucleiMix(writeDataset(input, consep, synth, { inputs: [input], overwrite: true }), /refusing to write the output into or over the input dataset/);
  await rejectsNucleiMix(writeDataset(join(input, 'sub'), consep, synth, { inputs: [input] }), /refusing/);
  await rejectsNucleiMix(writeDataset(tmp, consep, synth, { inputs: [input], overwrite: true }), /refusing/);
  assert.deepEqual(await readdir(join(input, 'Labels')), before);
  await rejectsNucleiMix(writeDataset(input, consep, synth), /already exists; choose another output folder or pass --overwrite/);
});

test('--overwrite replaces an existing output completely', async () => {
  const out = join(tmp, 'replace');
  await mkdir(out);
  await writeFile(join(out, 'stale.txt'), 'old');
  await writeDataset(out, consep, synth, { overwrite: true });
  assert.deepEqual((await readdir(out)).sort(), ['Images', 'Labels', 'classes.json']);
});

test('the same samples give byte-identical files', async () => {
  const a = await writeDataset(join(tmp, 'a'), consep, synth);
  const b = await writeDataset(join(tmp, 'b'), consep, synth);
  for (const sub of ['Images', 'Labels']) {
    for (const f of await readdir(join(a, sub))) {
      assert.ok((await readFile(join(a, sub, f))).equals(await readFile(join(b, sub, f))), `${sub}/${f} differs`);
    }
  }
  const classes = JSON.parse(await readFile(join(a, 'classes.json'), 'utf8'));
  assert.deepEqual(classes.classes.map((c: { name: string }) => c.name), ['other', 'inflammatory', 'epithelial', 'spindle']);
});

test('openDataset: a missing path, an unknown layout and unknown options are clear errors', async () => {
  await rejectsNucleiMix(openDataset(join(tmp, 'nope')), /nope: no such file or folder/);
  const empty = join(tmp, 'empty');
  await mkdir(empty);
  await rejectsNucleiMix(openDataset(empty), /not a dataset nucleimix recognises/);
  const input = await writeDataset(join(tmp, 'opts'), consep, synth);
  await rejectsNucleiMix(openDataset(input, { merge: 'nope' }), /unknown class merge 'nope'/);
  await rejectsNucleiMix(openDataset(input, { classes: 'nope' }), /unknown class list 'nope'/);
  await writeFile(join(input, 'classes.json'), '{"classes": [{"id": 1}]}');
  await rejectsNucleiMix(openDataset(input), /classes\.json: entry 1 needs a positive integer "id" and a string "name"/);
});
