import assert from 'node:assert/strict';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { consep } from '../../src/io/consep.ts';
import { datasetFileHashes } from '../../src/io/file-hashes.ts';
import { matVariable } from '../../src/io/mat-arrays.ts';
import { writeMatFile } from '../../src/io/mat-file.ts';
import { detectFormat, openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';

const temp = tempFolders('nucleimix-open-');
const synth = generateDataset({ images: 2, width: 128, height: 128, seed: 3 });

/** The first line of the error `detectFormat(root)` throws: the diagnosis, before the layout list. */
async function diagnosis(root: string): Promise<string> {
  try {
    await detectFormat(root);
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
  assert.fail(`${root} was detected`);
}

test('auto-detection says why a folder that almost matches a layout was rejected', { timeout: 60_000 }, async () => {
  const empty = await temp.fresh();
  assert.match(await diagnosis(empty), /not a dataset nucleimix recognises: the folder is empty; the layouts it reads are:$/);

  const unrelated = await temp.fresh();
  await writeFile(join(unrelated, 'notes.txt'), 'hello');
  assert.match(await diagnosis(unrelated), /it holds none of the folders or files of any layout/);

  // Images/ without Labels/.
  const noLabels = await writeDataset(join(await temp.fresh(), 'd'), consep, synth);
  await rm(join(noLabels, 'Labels'), { recursive: true });
  assert.match(await diagnosis(noLabels), /as consep or lizard, has Images\/ but no Labels\/ folder beside it;/);

  // A .mat with other keys.
  const otherKeys = await writeDataset(join(await temp.fresh(), 'd'), consep, synth);
  for (const name of synth.names) {
    await writeMatFile(join(otherKeys, 'Labels', `${name}.mat`), {
      version: '5',
      header: 'MATLAB 5.0 MAT-file',
      variables: [matVariable('instance_map', 2, 2, [0, 1, 1, 0], undefined, 'double', false), matVariable('classes', 1, 1, [1], undefined, 'double', false)],
    });
  }
  assert.match(await diagnosis(otherKeys), /as consep or lizard, Labels\/synth_1\.mat has no variables 'inst_map' and 'inst_type' \(it holds instance_map, classes\)/);

  // A label file whose image is missing: the pairing error, relative to the root.
  const unpaired = await writeDataset(join(await temp.fresh(), 'd'), consep, synth);
  await rm(join(unpaired, 'Images', 'synth_2.png'));
  assert.match(await diagnosis(unpaired), /as consep or lizard, Labels\/synth_2\.mat: label file has no image 'synth_2\.\*'/);

  // PanNuke: images.npy without masks.npy.
  const halfPannuke = await temp.fresh();
  await mkdir(join(halfPannuke, 'fold1'));
  await writeFile(join(halfPannuke, 'fold1', 'images.npy'), 'x');
  assert.match(await diagnosis(halfPannuke), /as pannuke, has fold1\/images\.npy but no masks\.npy/);

  // MoNuSeg / MoNuSAC: an XML without its image.
  const xml = await temp.fresh();
  await writeFile(join(xml, 'a.xml'), '<Annotations><Annotation><Regions/></Annotation></Annotations>');
  assert.match(await diagnosis(xml), /as monusac or monuseg, a\.xml: annotation file has no image 'a'/);

  // openDataset reports the same diagnosis.
  await rejectsNucleiMix(openDataset(noLabels), /no Labels\/ folder/);
});

test('symbolic links to images, label files and folders are followed; a broken one is named', { timeout: 60_000 }, async () => {
  const real = await writeDataset(join(await temp.fresh(), 'real'), consep, synth);
  const want = await (await openDataset(real)).read('synth_1');

  // Images/*.png and Labels/*.mat as links to the files.
  const linked = join(await temp.fresh(), 'linked');
  for (const sub of ['Images', 'Labels']) {
    await mkdir(join(linked, sub), { recursive: true });
    for (const f of await readdir(join(real, sub))) await symlink(join(real, sub, f), join(linked, sub, f));
  }
  const ds = await openDataset(linked);
  assert.equal(ds.format, 'consep');
  assert.deepEqual(ds.names, ['synth_1', 'synth_2']);
  const got = await ds.read('synth_1');
  assert.deepEqual(got.image.data, want.image.data);
  assert.deepEqual(got.labels.inst.data, want.labels.inst.data);
  // The dataset's content hashes count linked files like files.
  assert.deepEqual(Object.keys(await datasetFileHashes(linked)).sort(), Object.keys(await datasetFileHashes(real)).filter((k) => k !== 'classes.json').sort());

  // Images/ and Labels/ themselves as links to folders.
  const linkedDirs = join(await temp.fresh(), 'dirs');
  await mkdir(linkedDirs);
  await symlink(join(real, 'Images'), join(linkedDirs, 'Images'));
  await symlink(join(real, 'Labels'), join(linkedDirs, 'Labels'));
  assert.deepEqual((await openDataset(linkedDirs)).names, ['synth_1', 'synth_2']);

  // A broken link is named, with its target, by detection and by --format.
  await rm(join(linked, 'Images', 'synth_2.png'));
  await symlink(join(real, 'Images', 'gone.png'), join(linked, 'Images', 'synth_2.png'));
  await rejectsNucleiMix(openDataset(linked), /Images\/synth_2\.png: a broken symbolic link \(to .*gone\.png\)/);
  await rejectsNucleiMix(openDataset(linked, { format: 'consep' }), /linked\/Images\/synth_2\.png: a broken symbolic link \(to .*gone\.png\)/);
});

test('--merge refuses data that is merged already (classes.json, --classes, or types that cannot be raw)', { timeout: 60_000 }, async () => {
  // Generated data uses the merged CoNSeP classes (types 1..4) and writes classes.json.
  const merged = await writeDataset(join(await temp.fresh(), 'merged'), consep, synth);
  await rejectsNucleiMix(openDataset(merged, { merge: 'consep' }), /--merge consep: classes\.json names the classes other, inflammatory, epithelial, spindle, so the data is merged already; drop --merge/);
  await rejectsNucleiMix(openDataset(merged, { merge: 'consep', classes: 'consep-merged' }), /--classes consep-merged names the classes .*merged already/);
  await rejectsNucleiMix(openDataset(merged, { merge: 'consep', classes: 'pannuke' }), /the merge expects the raw classes \(other, inflammatory, healthy epithelial/);
  // Without classes.json (like the shared CoNSeP split): types 1..4 only cannot be raw CoNSeP.
  await rm(join(merged, 'classes.json'));
  await rejectsNucleiMix(openDataset(merged, { merge: 'consep' }), /--merge consep: the data uses no type above 4.*pass --classes consep to state that it is raw/);
  // Stating the raw classes overrides the data check (and merges as asked).
  const forced = await openDataset(merged, { merge: 'consep', classes: 'consep' });
  assert.equal(forced.classes.length, 4);
  // Opening without --merge is unaffected.
  assert.equal((await openDataset(merged)).classes.length, 4);
});
