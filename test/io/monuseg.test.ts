import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLASS_LISTS } from '../../src/core/classes.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { instanceStats, labelsFromMap } from '../../src/core/labels.ts';
import { createInstanceMap, type InstanceMap } from '../../src/core/raster.ts';
import { createRng, type Rng } from '../../src/core/rng.ts';
import type { Sample, SampleSource } from '../../src/io/dataset.ts';
import { writeImageFile } from '../../src/io/image-file.ts';
import { monusac } from '../../src/io/monusac.ts';
import { findXmlPairs, monuseg, xmlReadNotes } from '../../src/io/monuseg.ts';
import { randomImage } from '../helpers/random.ts';
import { tempFolders } from '../helpers/temp.ts';
import { memorySource, splitIntoPieces } from '../helpers/samples.ts';

const { fresh: freshDir } = tempFolders('nucleimix-monuseg-');

/**
 * Random non-overlapping instances (discs, rings with holes, walks, lines, single pixels),
 * then split so every instance is one 8-connected piece with ids 1..N in the order the
 * writer emits them: the maps that must come back with identical ids.
 */
function randomInstances(rng: Rng, w: number, h: number, count: number): InstanceMap {
  const raw = new Int32Array(w * h);
  const put = (id: number, x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < w && y < h && raw[y * w + x] === 0) raw[y * w + x] = id;
  };
  for (let id = 1; id <= count; id++) {
    const cx = rng.int(w);
    const cy = rng.int(h);
    const kind = id % 5;
    if (kind === 0) put(id, cx, cy);
    else if (kind === 1) for (let k = 0; k < 1 + rng.int(6); k++) put(id, cx, cy + k);
    else if (kind === 2) {
      let x = cx;
      let y = cy;
      for (let k = 0; k < 20; k++) {
        put(id, x, y);
        x += rng.int(3) - 1;
        y += rng.int(3) - 1;
      }
    } else {
      const r = rng.uniform(1.5, 5);
      const r0 = kind === 4 ? r / 2 : 0;
      for (let y = cy - 5; y <= cy + 5; y++) {
        for (let x = cx - 5; x <= cx + 5; x++) {
          const d = Math.hypot(x - cx, y - cy);
          if (d <= r && d >= r0) put(id, x, y);
        }
      }
    }
  }
  return splitIntoPieces(raw, w, h);
}


function makeSamples(seed: number, n: number): Sample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const w = 40 + rng.int(20);
    const h = 30 + rng.int(20);
    const inst = randomInstances(rng, w, h, 8 + rng.int(10));
    return { name: `img_${i + 1}`, image: randomImage(rng, w, h), labels: labelsFromMap(inst, () => 1) };
  });
}

function assertSameSample(got: Sample, want: Sample): void {
  assert.equal(got.name, want.name);
  assert.equal(got.image.width, want.image.width);
  assert.equal(got.image.height, want.image.height);
  assert.deepEqual(got.image.data, want.image.data, `${want.name}: pixels`);
  assert.deepEqual(got.labels.inst.data, want.labels.inst.data, `${want.name}: instance map`);
  assert.deepEqual(got.labels.ids, want.labels.ids);
  assert.deepEqual(got.labels.types, want.labels.types);
  assert.deepEqual(got.labels.centroids, want.labels.centroids);
}

describe('MoNuSeg write → read', () => {
  it('reads back a generated dataset exactly: pixels, ids, types', async () => {
    const dir = await freshDir();
    const samples = makeSamples(1, 3);
    await monuseg.write(dir, memorySource(samples, CLASS_LISTS.monuseg));
    assert.deepEqual((await readdir(dir)).sort(), ['img_1.tif', 'img_1.xml', 'img_2.tif', 'img_2.xml', 'img_3.tif', 'img_3.xml']);
    assert.equal(await monuseg.detect(dir), true);
    assert.equal(await monusac.detect(dir), false);
    const ds = await monuseg.open(dir);
    assert.equal(ds.format, 'monuseg');
    assert.deepEqual(ds.classes, CLASS_LISTS.monuseg);
    assert.deepEqual(ds.names, ['img_1', 'img_2', 'img_3']);
    for (const want of samples) {
      const got = await ds.read(want.name);
      assertSameSample(got, want);
      assert.equal(got.origin, join(dir, `${want.name}.xml`));
      assert.deepEqual(xmlReadNotes(got), { warnings: [], lost: [] });
    }
    // Rings were written with holes.
    assert.match(await readFile(join(dir, 'img_1.xml'), 'utf8'), /NegativeROA="1"/);
  });

  it('stores no types: every instance reads back as type 1', async () => {
    const dir = await freshDir();
    const [s] = makeSamples(2, 1);
    const typed = { ...s, labels: { ...s.labels, types: s.labels.types.map((_, i) => 1 + (i % 3)) } };
    await monuseg.write(dir, memorySource([typed], CLASS_LISTS.monuseg));
    const got = await (await monuseg.open(dir)).read(s.name);
    assert.deepEqual(got.labels.inst.data, s.labels.inst.data);
    assert.ok(got.labels.types.every((t) => t === 1));
  });

  it('writes an unedited sample back byte for byte, and an edited one by tracing', async () => {
    const a = await freshDir();
    await monuseg.write(a, memorySource(makeSamples(3, 2), CLASS_LISTS.monuseg));
    const dsA = await monuseg.open(a);
    const b = await freshDir();
    await monuseg.write(b, dsA);
    for (const name of dsA.names) assert.equal(await readFile(join(b, `${name}.xml`), 'utf8'), await readFile(join(a, `${name}.xml`), 'utf8'));

    // Edit: drop the last instance (and with it the stored file, as the Sample contract says).
    const c = await freshDir();
    const edited: SampleSource = {
      classes: dsA.classes,
      names: dsA.names,
      read: async (name) => {
        const s = await dsA.read(name);
        const last = s.labels.ids[s.labels.ids.length - 1];
        const inst = createInstanceMap(s.labels.inst.width, s.labels.inst.height, s.labels.inst.data.map((v) => (v === last ? 0 : v)));
        return { ...s, labels: labelsFromMap(inst, () => 1), stored: undefined };
      },
    };
    await monuseg.write(c, edited);
    for (const name of dsA.names) {
      const want = await edited.read(name);
      const got = await (await monuseg.open(c)).read(name);
      assertSameSample(got, want);
    }
  });

  it('keeps the image extension (.png, .tiff) and the root attributes', async () => {
    const dir = await freshDir();
    const rng = createRng(4);
    const image = randomImage(rng, 12, 10);
    await writeImageFile(join(dir, 'a.png'), image);
    await writeFile(join(dir, 'a.xml'), '<Annotations MicronsPerPixel="0.25"><Annotation Id="1"><Attributes/><Regions><Region Id="1"><Vertices><Vertex X="2" Y="2"/><Vertex X="5.5" Y="2"/><Vertex X="5.5" Y="4"/></Vertices></Region></Regions></Annotation></Annotations>');
    await writeImageFile(join(dir, 'b.tiff'), image);
    await writeFile(join(dir, 'b.xml'), '<Annotations/>');
    const ds = await monuseg.open(dir);
    const a = await ds.read('a');
    assert.deepEqual(Array.from(a.labels.ids), [1]);
    // Row 2: x 2..5.5 → 4 pixels; row 3: x 3.75..5.5 → 2; row 4: only x = 5.5, no centre.
    assert.equal(instanceStats(a.labels.inst).areas[0], 6);
    assert.equal((await ds.read('b')).labels.ids.length, 0);
    const out = await freshDir();
    const edited: SampleSource = { ...ds, read: async (n) => ({ ...(await ds.read(n)), stored: undefined }) };
    await monuseg.write(out, edited);
    assert.deepEqual((await readdir(out)).sort(), ['a.png', 'a.xml', 'b.tiff', 'b.xml']);
    assert.match(await readFile(join(out, 'a.xml'), 'utf8'), /^<Annotations MicronsPerPixel="0.25">/);
  });
});

describe('MoNuSeg layouts', () => {
  it('reads Annotations/ + Tissue Images/ and writes that layout back', async () => {
    const dir = await freshDir();
    const samples = makeSamples(5, 2);
    await monuseg.write(dir, memorySource(samples, CLASS_LISTS.monuseg));
    await mkdir(join(dir, 'Annotations'));
    await mkdir(join(dir, 'Tissue Images'));
    for (const s of samples) {
      await rename(join(dir, `${s.name}.xml`), join(dir, 'Annotations', `${s.name}.xml`));
      await rename(join(dir, `${s.name}.tif`), join(dir, 'Tissue Images', `${s.name}.tif`));
    }
    assert.equal(await monuseg.detect(dir), true);
    const pairs = await findXmlPairs(dir);
    assert.deepEqual(pairs.map((p) => [p.name, p.xmlDir, p.imageDir]), [['img_1', 'Annotations', 'Tissue Images'], ['img_2', 'Annotations', 'Tissue Images']]);
    const ds = await monuseg.open(dir);
    for (const s of samples) assertSameSample(await ds.read(s.name), s);
    const out = await freshDir();
    await monuseg.write(out, ds);
    assert.deepEqual((await readdir(out)).sort(), ['Annotations', 'Tissue Images']);
    assert.deepEqual((await readdir(join(out, 'Tissue Images'))).sort(), ['img_1.tif', 'img_2.tif']);
  });

  const refusal = (file: string, message: RegExp) => (err: unknown) => err instanceof NucleiMixError && err.file === file && message.test(err.message);

  it('refuses an XML without its image, naming the XML', async () => {
    const dir = await freshDir();
    await monuseg.write(dir, memorySource(makeSamples(6, 2), CLASS_LISTS.monuseg));
    await rm(join(dir, 'img_2.tif'));
    await assert.rejects(monuseg.open(dir), refusal(join(dir, 'img_2.xml'), /has no image 'img_2'/));
    assert.equal(await monuseg.detect(dir), true); // img_1 still looks like MoNuSeg
  });

  it('refuses an image without its XML, naming the image', async () => {
    const dir = await freshDir();
    await monuseg.write(dir, memorySource(makeSamples(7, 2), CLASS_LISTS.monuseg));
    await rm(join(dir, 'img_1.xml'));
    await assert.rejects(monuseg.open(dir), refusal(join(dir, 'img_1.tif'), /has no annotation file 'img_1.xml'/));
  });

  it('refuses two annotation files for one name, an empty folder, a file, and unknown names', async () => {
    const dir = await freshDir();
    await monuseg.write(dir, memorySource(makeSamples(8, 1), CLASS_LISTS.monuseg));
    await mkdir(join(dir, 'copy'));
    await writeFile(join(dir, 'copy', 'img_1.xml'), '<Annotations/>');
    await assert.rejects(monuseg.open(dir), /two annotation files for sample 'img_1'/);
    const empty = await freshDir();
    await assert.rejects(monuseg.open(empty), refusal(empty, /no \.xml annotation files/));
    assert.equal(await monuseg.detect(empty), false);
    assert.equal(await monuseg.detect(join(empty, 'missing')), false);
    await assert.rejects(monuseg.open(join(dir, 'img_1.xml')), /not a folder/);
    const ok = await freshDir();
    await monuseg.write(ok, memorySource(makeSamples(9, 1), CLASS_LISTS.monuseg));
    await assert.rejects((await monuseg.open(ok)).read('nope'), /no sample named 'nope'/);
  });

  it('does not take other XML beside images (Pascal VOC) for MoNuSeg or MoNuSAC', async () => {
    const dir = await freshDir();
    await writeImageFile(join(dir, 'a.png'), randomImage(createRng(12), 8, 8));
    await writeFile(join(dir, 'a.xml'), '<?xml version="1.0"?>\n<annotation><object><name>cell</name></object></annotation>');
    assert.equal(await monuseg.detect(dir), false);
    assert.equal(await monusac.detect(dir), false);
    await writeFile(join(dir, 'a.xml'), '<?xml version="1.0"?>\n<!-- exported -->\n<Annotations MicronsPerPixel="0.25"/>');
    assert.equal(await monuseg.detect(dir), true);
  });

  it('refuses a corrupt XML with a NucleiMixError naming it', async () => {
    const dir = await freshDir();
    await monuseg.write(dir, memorySource(makeSamples(10, 1), CLASS_LISTS.monuseg));
    const path = join(dir, 'img_1.xml');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length >> 1));
    await assert.rejects((await monuseg.open(dir)).read('img_1'), refusal(path, /malformed XML/));
  });

  it('refuses sample names that are not file names', async () => {
    const [s] = makeSamples(11, 1);
    await assert.rejects(monuseg.write(await freshDir(), memorySource([{ ...s, name: '../evil' }], CLASS_LISTS.monuseg)), /cannot be used as a file name/);
  });
});
