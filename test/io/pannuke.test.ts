import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLASS_LISTS } from '../../src/core/classes.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { instanceStats, labelsFromMap, renumber, type Labels } from '../../src/core/labels.ts';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import type { Sample, SampleSource } from '../../src/io/dataset.ts';
import { readNpy, serializeNpy, serializeNpyHeader, type NpyArray } from '../../src/io/npy.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { isPannukeSource, locatePannuke, openPannuke, pannuke, pannukeMask, type PannukeStored } from '../../src/io/pannuke.ts';
import { findPython } from '../helpers/python.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { memorySource } from '../helpers/samples.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/npy/', import.meta.url));

interface ExpectedSet {
  n: number;
  height: number;
  width: number;
  image_descr: string;
  mask_descr: string;
  types_descr: string;
  tissues: string[];
  samples: Array<{ inst: number[]; instances: Array<{ id: number; type: number; centroid: [number, number]; area: number }>; renamed: number[][] }>;
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')).pannuke as Record<string, ExpectedSet>;

const tmp = mkdtempSync(join(tmpdir(), 'nucleimix-pannuke-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
function freshDir(): string {
  const d = join(tmp, `d${dirs++}`);
  mkdirSync(d, { recursive: true });
  return d;
}



async function readAll(source: SampleSource): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const name of source.names) out.push(await source.read(name));
  return out;
}

function assertSamplesEqual(got: Sample[], want: Sample[]): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const w = want[i];
    assert.equal(g.name, w.name);
    assert.deepEqual(g.image, w.image, `${w.name} image`);
    assert.deepEqual(g.labels.inst, w.labels.inst, `${w.name} instance map`);
    assert.deepEqual(g.labels.ids, w.labels.ids, `${w.name} ids`);
    assert.deepEqual(g.labels.types, w.labels.types, `${w.name} types`);
    assert.deepEqual(g.labels.centroids, w.labels.centroids, `${w.name} centroids`);
  });
}

/** Writes a PanNuke set from plain arrays (H×W×3 images, H×W×6 masks) with our serialiser. */
function writeSet(dir: string, images: NpyArray, masks: NpyArray, tissues?: string[]): void {
  writeFileSync(join(dir, 'images.npy'), serializeNpy(images));
  writeFileSync(join(dir, 'masks.npy'), serializeNpy(masks));
  if (tissues) writeFileSync(join(dir, 'types.npy'), serializeNpy({ descr: '<U10', shape: [tissues.length], data: tissues }));
}

/** A source of samples built in memory, with no PanNuke origin. */

function disk(width: number, height: number, cx: number, cy: number, r: number, id: number, into: Int32Array): void {
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) into[y * width + x] = id;
}

describe('layout detection', () => {
  const flat = join(FIXTURES, 'pannuke');

  /** PanNuke/Fold k/{images,masks}/foldk/…, types.npy in images/ (as distributed) or masks/ (as some copies have it). */
  function nested(root: string, fold: number, typesIn: 'images' | 'masks'): string {
    const imgDir = join(root, `Fold ${fold}`, 'images', `fold${fold}`);
    const mskDir = join(root, `Fold ${fold}`, 'masks', `fold${fold}`);
    mkdirSync(imgDir, { recursive: true });
    mkdirSync(mskDir, { recursive: true });
    copyFileSync(join(flat, 'images.npy'), join(imgDir, 'images.npy'));
    copyFileSync(join(flat, 'masks.npy'), join(mskDir, 'masks.npy'));
    copyFileSync(join(flat, 'types.npy'), join(typesIn === 'images' ? imgDir : mskDir, 'types.npy'));
    return join(root, `Fold ${fold}`);
  }

  test('flat layout', async () => {
    assert.equal(await pannuke.detect(flat), true);
    assert.deepEqual(await locatePannuke(flat), { images: join(flat, 'images.npy'), masks: join(flat, 'masks.npy'), types: join(flat, 'types.npy') });
  });

  for (const typesIn of ['images', 'masks'] as const) {
    test(`nested 'Fold 1/…/fold1' layout with types.npy under ${typesIn}/, from the fold and from its parent`, async () => {
      const root = freshDir();
      const fold = nested(root, 1, typesIn);
      const want = await readAll(await pannuke.open(flat));
      for (const r of [root, fold]) {
        assert.equal(await pannuke.detect(r), true, r);
        const ds = await pannuke.open(r);
        assert.equal(ds.root, r);
        assertSamplesEqual(await readAll(ds), want);
        const tissues = (await readAll(ds)).map((s) => (isPannukeSource(s.source) ? s.source.tissue : undefined));
        assert.deepEqual(tissues, ['Breast', 'Adrenal_gland', 'Colon']);
      }
    });
  }

  test('a root with several folds is not one dataset', async () => {
    const root = freshDir();
    nested(root, 1, 'images');
    nested(root, 2, 'images');
    assert.equal(await pannuke.detect(root), false);
    await rejectsNucleiMix(pannuke.open(root), /holds 2 PanNuke sets \(Fold 1.*Fold 2.*\); open one/);
    assert.equal(await pannuke.detect(join(root, 'Fold 2')), true);
  });

  test('folders without a set, missing paths and files are not PanNuke', async () => {
    const empty = freshDir();
    assert.equal(await pannuke.detect(empty), false);
    await rejectsNucleiMix(pannuke.open(empty), /holds no PanNuke set/);
    const onlyImages = freshDir();
    copyFileSync(join(flat, 'images.npy'), join(onlyImages, 'images.npy'));
    assert.equal(await pannuke.detect(onlyImages), false);
    assert.equal(await pannuke.detect(join(tmp, 'does-not-exist')), false);
    assert.equal(await pannuke.detect(join(flat, 'images.npy')), false);
    await rejectsNucleiMix(pannuke.open(join(flat, 'images.npy')), /is not a folder/);
  });
});

describe('reading the numpy-written fixtures', () => {
  for (const [set, want] of Object.entries(EXPECTED)) {
    test(`${set}: pixels, instance ids, types, centroids and sources`, async () => {
      const root = join(FIXTURES, set);
      const ds = await pannuke.open(root);
      assert.equal(ds.format, 'pannuke');
      assert.equal(ds.classes, CLASS_LISTS.pannuke);
      assert.deepEqual(ds.names, Array.from({ length: want.n }, (_, i) => `pannuke_0000${i}`));
      const images = await readNpy(join(root, 'images.npy'));
      const px = want.height * want.width * 3;
      for (let i = 0; i < want.n; i++) {
        const s = await ds.read(ds.names[i]);
        const w = want.samples[i];
        assert.equal(s.image.width, want.width);
        assert.equal(s.image.height, want.height);
        assert.deepEqual(Array.from(s.image.data), Array.from(images.data.slice(i * px, (i + 1) * px) as ArrayLike<number>, Number));
        assert.deepEqual(Array.from(s.labels.inst.data), w.inst);
        assert.deepEqual(Array.from(s.labels.ids), w.instances.map((x) => x.id));
        assert.deepEqual(Array.from(s.labels.types), w.instances.map((x) => x.type));
        w.instances.forEach((x, k) => {
          assert.ok(Math.abs(s.labels.centroids[2 * k] - x.centroid[0]) < 1e-12);
          assert.ok(Math.abs(s.labels.centroids[2 * k + 1] - x.centroid[1]) < 1e-12);
        });
        assert.deepEqual(Array.from(instanceStats(s.labels.inst).areas), w.instances.map((x) => x.area));
        assert.deepEqual(Array.from((s.stored as PannukeStored).renamed), w.renamed.flat());
        assert.deepEqual(s.source, { format: 'pannuke', index: i, tissue: want.tissues[i], imageDescr: want.image_descr, maskDescr: want.mask_descr, typesDescr: want.types_descr });
        assert.equal(s.origin, join(root, 'masks.npy'));
      }
    });
  }

  test('the fixtures exercise a shared id, an overlap, a fully covered instance and an empty image', () => {
    const s = EXPECTED.pannuke.samples;
    assert.deepEqual(s[0].renamed, [[42, 12]]);
    assert.deepEqual(s[1].renamed, [[21, 5]]);
    assert.ok(!s[1].instances.some((x) => x.id === 20), 'instance 20 lies under instance 5');
    assert.equal(s[1].instances.find((x) => x.id === 9)!.area, 20, 'instance 9 loses 9 of its 29 pixels to 5');
    assert.equal(s[2].instances.length, 0);
    assert.equal(EXPECTED['pannuke-u8'].image_descr, '|u1');
  });

  test('reading a sample reads only its slices, in bounded chunks', async () => {
    const root = freshDir();
    const n = 30;
    const [h, w] = [32, 40];
    const images = Float64Array.from({ length: n * h * w * 3 }, (_, k) => (k * 7) % 256);
    const masks = new Float64Array(n * h * w * 6);
    const inst = new Int32Array(h * w);
    disk(w, h, 20, 10, 5, 77, inst);
    for (let p = 0; p < h * w; p++) {
      masks[(17 * h * w + p) * 6 + 2] = inst[p];
      masks[(17 * h * w + p) * 6 + 5] = inst[p] === 0 ? 1 : 0;
    }
    writeSet(root, { descr: '<f8', shape: [n, h, w, 3], data: images }, { descr: '<f8', shape: [n, h, w, 6], data: masks });
    const reads: Array<[number, number]> = [];
    const ds = await openPannuke(root, undefined, { chunkBytes: 4096, onRead: (p, l) => reads.push([p, l]) });
    assert.equal(reads.length, 0, 'opening reads headers only');
    const s = await ds.read('pannuke_00017');
    assert.ok(reads.every(([, l]) => l <= 4096));
    assert.equal(reads.reduce((a, [, l]) => a + l, 0), h * w * 3 * 8 + h * w * 6 * 8, 'one image row and one mask row');
    assert.ok(statSync(join(root, 'masks.npy')).size > 20 * h * w * 6 * 8);
    assert.deepEqual(Array.from(s.labels.ids), [77]);
    assert.deepEqual(Array.from(s.labels.types), [3]);
    assert.deepEqual(s.labels.inst.data, inst);
    assert.deepEqual(Array.from(s.image.data), Array.from(images.subarray(17 * h * w * 3, 18 * h * w * 3)));
    assert.equal(s.source && isPannukeSource(s.source) && s.source.tissue, '');
  });

  test('the last sample of a set past 4 GiB (sparse files) is read by offset', async (t) => {
    const root = freshDir();
    const [n, h, w] = [2800, 256, 256];
    const imgHead = serializeNpyHeader('<f8', [n, h, w, 3]);
    const mskHead = serializeNpyHeader('<f8', [n, h, w, 6]);
    const inst = new Int32Array(h * w);
    disk(w, h, 100, 200, 6, 4321, inst);
    const mask = new Float64Array(h * w * 6);
    for (let p = 0; p < h * w; p++) {
      mask[p * 6 + 4] = inst[p];
      mask[p * 6 + 5] = inst[p] === 0 ? 1 : 0;
    }
    const image = Float64Array.from({ length: h * w * 3 }, (_, k) => k % 251);
    for (const [file, head, rowBytes, last] of [
      ['images.npy', imgHead, h * w * 3 * 8, image],
      ['masks.npy', mskHead, h * w * 6 * 8, mask],
    ] as const) {
      const fh = await open(join(root, file), 'w');
      try {
        await fh.write(head, 0, head.length, 0);
        await fh.truncate(head.length + n * rowBytes);
        await fh.write(new Uint8Array(last.buffer), 0, rowBytes, head.length + (n - 1) * rowBytes);
      } finally {
        await fh.close();
      }
    }
    const size = statSync(join(root, 'masks.npy'));
    if (size.blocks * 512 > 64 << 20) {
      t.skip('the temp file system does not keep sparse files');
      return;
    }
    assert.ok(size.size > 2 ** 33);
    const ds = await pannuke.open(root);
    assert.equal(ds.names.length, n);
    const s = await ds.read('pannuke_02799');
    assert.deepEqual(Array.from(s.labels.ids), [4321]);
    assert.deepEqual(Array.from(s.labels.types), [5]);
    assert.deepEqual(s.labels.inst.data, inst);
    assert.deepEqual(Array.from(s.image.data), Array.from(image));
    const first = await ds.read('pannuke_00000');
    assert.equal(first.labels.ids.length, 0);
    rmSync(root, { recursive: true });
  });
});

describe('writing', () => {
  for (const set of Object.keys(EXPECTED)) {
    test(`${set}: read → write → read is exact, and the files equal numpy's byte for byte`, async () => {
      const root = join(FIXTURES, set);
      const ds = await pannuke.open(root);
      const out = freshDir();
      await pannuke.write(out, ds);
      for (const f of ['images.npy', 'masks.npy', 'types.npy']) {
        assert.deepEqual(readFileSync(join(out, f)), readFileSync(join(root, f)), f);
      }
      const a = await readAll(ds);
      const b = await readAll(await pannuke.open(out));
      assertSamplesEqual(b, a);
      assert.deepEqual(b.map((s) => s.source), a.map((s) => s.source));
      assert.deepEqual(b.map((s) => s.stored), a.map((s) => s.stored));
    });
  }

  test('edited labels (stored dropped) are written with their own ids; numpy reads them', async (t) => {
    const ds = await pannuke.open(join(FIXTURES, 'pannuke'));
    const original = await readAll(ds);
    const edited = original.map((s) => ({ ...s, labels: renumber(s.labels), stored: undefined }));
    const out = freshDir();
    await pannuke.write(out, memorySource(edited, CLASS_LISTS.pannuke));
    const back = await readAll(await pannuke.open(out));
    assertSamplesEqual(back, edited);
    // The instance that lay entirely under another is gone: edited labels have no trace of it.
    assert.deepEqual(back.map((s) => (s.stored as PannukeStored).hidden.length), [0, 0, 0]);
    assert.deepEqual(Array.from(back[1].labels.ids), [1, 2, 3, 4]);

    const py = (findPython('numpy') ?? undefined);
    if (py === undefined) {
      t.skip('no python3 with numpy');
      return;
    }
    const script = `
import json, sys, numpy as np
d = sys.argv[1]
im, m, ty = np.load(d + '/images.npy'), np.load(d + '/masks.npy'), np.load(d + '/types.npy')
print(json.dumps({'dtypes': [im.dtype.str, m.dtype.str, ty.dtype.str], 'shapes': [im.shape, m.shape, ty.shape],
  'images': im.ravel().tolist(), 'masks': m.ravel().tolist(), 'types': ty.tolist()}))`;
    const r = spawnSync(py, ['-c', script, out], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    const [h, w] = [24, 20];
    assert.deepEqual(got.dtypes, ['<f8', '<f8', '<U13']);
    assert.deepEqual(got.shapes, [[3, h, w, 3], [3, h, w, 6], [3]]);
    assert.deepEqual(got.types, ['Breast', 'Adrenal_gland', 'Colon']);
    assert.deepEqual(got.images, edited.flatMap((s) => Array.from(s.image.data)));
    edited.forEach((s, i) => {
      const m = got.masks.slice(i * h * w * 6, (i + 1) * h * w * 6) as number[];
      const typeOf = new Map(Array.from(s.labels.ids, (id, k) => [id, s.labels.types[k]]));
      for (let p = 0; p < h * w; p++) {
        const id = s.labels.inst.data[p];
        const want = [0, 0, 0, 0, 0, id === 0 ? 1 : 0];
        if (id !== 0) want[typeOf.get(id)! - 1] = id;
        assert.deepEqual(m.slice(p * 6, p * 6 + 6), want, `image ${i} pixel ${p}`);
      }
    });
  });

  test('samples from another format: float64 files, tissue Unknown, ids and types kept', async (t) => {
    const [w, h] = [12, 10];
    const samples: Sample[] = [0, 1].map((i) => {
      const inst = new Int32Array(w * h);
      disk(w, h, 3, 3, 2, 5 + i, inst);
      disk(w, h, 8, 6, 2, 9, inst);
      const labels = labelsFromMap(createInstanceMap(w, h, inst), (id) => (id === 9 ? 5 : 1 + i));
      const image = createImage(w, h, Uint8Array.from({ length: w * h * 3 }, (_, k) => (k * 13 + i) % 256));
      return { name: `other_${i}`, image, labels, source: { format: 'consep' }, stored: { whatever: 1 } };
    });
    const out = freshDir();
    await pannuke.write(out, memorySource(samples, CLASS_LISTS.pannuke));
    const back = await readAll(await pannuke.open(out));
    assertSamplesEqual(back, samples.map((s, i) => ({ ...s, name: `pannuke_0000${i}` })));
    for (const s of back) {
      assert.ok(isPannukeSource(s.source));
      assert.equal(s.source.tissue, 'Unknown');
      assert.equal(s.source.imageDescr, '<f8');
      assert.equal(s.source.maskDescr, '<f8');
    }
    const py = (findPython('numpy') ?? undefined);
    if (py === undefined) {
      t.skip('no python3 with numpy');
      return;
    }
    const r = spawnSync(py, ['-c', 'import sys, numpy as np; t = np.load(sys.argv[1]); print(t.dtype.str, t.tolist())', join(out, 'types.npy')], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), "<U13 ['Unknown', 'Unknown']", 'the distribution\'s <U13 unless names are longer');
  });

  test('types go to the channel of their class by name; other names take the free channels, with a warning naming the mapping', { timeout: 60_000 }, async () => {
    const [w, h] = [16, 8];
    // One nucleus of each type 1..4, in columns 4t−4..4t−1.
    const inst = new Int32Array(w * h);
    for (let p = 0; p < w * h; p++) if (p % w % 4 !== 3 && Math.floor(p / w) % 8 >= 2 && Math.floor(p / w) % 8 < 6) inst[p] = 1 + Math.floor((p % w) / 4);
    const labels = labelsFromMap(createInstanceMap(w, h, inst), (id) => id);
    const sample: Sample = { name: 's', image: createImage(w, h), labels };
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'NUCLEIMIX_PANNUKE_CHANNELS') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const channelOfType = async (classes: typeof CLASS_LISTS.pannuke): Promise<{ channels: number[]; written: string[] }> => {
        const out = join(freshDir(), 'out');
        await writeDataset(out, pannuke, memorySource([sample], classes));
        await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
        const masks = await readNpy(join(out, 'masks.npy'));
        const data = masks.data as Float64Array;
        const channels = [1, 2, 3, 4].map((id) => {
          const p = inst.indexOf(id);
          return [0, 1, 2, 3, 4].filter((c) => data[p * 6 + c] === id)[0];
        });
        const written = JSON.parse(readFileSync(join(out, 'classes.json'), 'utf8')).classes.map((c: { name: string }) => c.name);
        // Reading the written set back (with its classes.json) gives every nucleus its class again.
        const back = await openDataset(out);
        const got = (await back.read('pannuke_00000')).labels;
        for (const id of [1, 2, 3, 4]) {
          const t = got.types[got.ids.indexOf(got.inst.data[inst.indexOf(id)])];
          assert.equal(back.classes.find((c) => c.id === t)?.name, classes.find((c) => c.id === id)?.name);
        }
        return { channels, written };
      };

      // CoNSeP's merged classes: inflammatory and epithelial by name; other and spindle take
      // the free channels 0 (neoplastic) and 2 (connective), and the warning says so.
      const merged = await channelOfType(CLASS_LISTS['consep-merged']);
      assert.deepEqual(merged.channels, [0, 1, 4, 2]);
      assert.deepEqual(merged.written, ['other', 'inflammatory', 'spindle', 'dead', 'epithelial']);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /masks\.npy: PanNuke's mask channels 0–4 mean neoplastic, inflammatory, connective, dead, epithelial; the class list's other, spindle are not among them, so types were placed 1 other → channel 0 \(neoplastic\), 2 inflammatory → channel 1 \(inflammatory\), 3 epithelial → channel 4 \(epithelial\), 4 spindle → channel 2 \(connective\)/);

      // PanNuke's names in another order: placed by name, no warning.
      const shuffled = [{ id: 1, name: 'Epithelial' }, { id: 2, name: 'dead' }, { id: 3, name: 'neoplastic' }, { id: 4, name: 'inflammatory' }, { id: 5, name: 'connective' }];
      const byName = await channelOfType(shuffled);
      assert.deepEqual(byName.channels, [4, 3, 0, 1]);
      assert.deepEqual(byName.written, ['neoplastic', 'inflammatory', 'connective', 'dead', 'Epithelial']);
      // PanNuke's own list: channel type−1.
      assert.deepEqual((await channelOfType(CLASS_LISTS.pannuke)).channels, [0, 1, 2, 3]);
      assert.equal(warnings.length, 1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('an empty source writes empty arrays', async () => {
    const out = freshDir();
    await pannuke.write(out, memorySource([], CLASS_LISTS.pannuke));
    const ds = await pannuke.open(out);
    assert.equal(ds.names.length, 0);
    assert.deepEqual((await readNpy(join(out, 'masks.npy'))).shape, [0, 256, 256, 6]);
  });

  test('pannukeMask: channel type−1, background channel, stored ids restored', () => {
    const [w, h] = [4, 3];
    const inst = createInstanceMap(w, h, Int32Array.of(0, 8, 8, 0, 0, 3, 0, 0, 0, 0, 0, 0));
    const labels: Labels = labelsFromMap(inst, (id) => (id === 8 ? 2 : 5));
    const m = pannukeMask(labels, undefined, 's', 'f');
    assert.deepEqual(Array.from(m.subarray(6, 12)), [0, 8, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(m.subarray(30, 36)), [0, 0, 0, 0, 3, 0]);
    assert.deepEqual(Array.from(m.subarray(0, 6)), [0, 0, 0, 0, 0, 1]);
    const stored: PannukeStored = { renamed: Int32Array.of(8, 2), hidden: Int32Array.of(5, 0, 11) };
    const r = pannukeMask(labels, stored, 's', 'f');
    assert.deepEqual(Array.from(r.subarray(6, 12)), [0, 2, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(r.subarray(30, 36)), [11, 0, 0, 0, 3, 0]);
  });
});

describe('bad input', () => {
  const [h, w] = [4, 5];
  const goodImages = (n: number): NpyArray => ({ descr: '<f8', shape: [n, h, w, 3], data: new Float64Array(n * h * w * 3).fill(10) });
  const goodMasks = (n: number): NpyArray => ({ descr: '<f8', shape: [n, h, w, 6], data: new Float64Array(n * h * w * 6) });

  test('a non-integer or out-of-range image value names the image', async () => {
    for (const [v, pattern] of [
      [0.5, /image 1 \(pannuke_00001\): image value 0\.5 at row 2, column 3, channel 1; expected integers 0\.\.255/],
      [256, /image value 256/],
      [-1, /image value -1/],
      [NaN, /image value NaN/],
    ] as const) {
      const root = freshDir();
      const images = goodImages(2);
      (images.data as Float64Array)[(h * w + 2 * w + 3) * 3 + 1] = v;
      writeSet(root, images, goodMasks(2));
      const ds = await pannuke.open(root);
      await ds.read('pannuke_00000');
      await rejectsNucleiMix(ds.read('pannuke_00001'), pattern);
    }
  });

  test('bad mask ids name the image and pixel', async () => {
    for (const [v, pattern] of [
      [-3, /image 0 \(pannuke_00000\): mask value -3 at row 1, column 2, channel 4; instance ids must be integers/],
      [2.5, /mask value 2\.5/],
      [2 ** 31, /mask value 2147483648/],
    ] as const) {
      const root = freshDir();
      const masks = goodMasks(1);
      (masks.data as Float64Array)[(w + 2) * 6 + 4] = v;
      writeSet(root, goodImages(1), masks);
      await rejectsNucleiMix((await pannuke.open(root)).read('pannuke_00000'), pattern);
    }
  });

  test('inconsistent shapes and dtypes are refused on opening', async () => {
    const cases: Array<[NpyArray, NpyArray, string[] | undefined, RegExp]> = [
      [goodImages(2), goodMasks(3), undefined, /masks\.npy: has shape \(3, 4, 5, 6\) but images\.npy is \(2, 4, 5, 3\)/],
      [{ descr: '<f8', shape: [1, h, w, 4], data: new Float64Array(h * w * 4) }, goodMasks(1), undefined, /images\.npy: has shape \(1, 4, 5, 4\); expected \(N, H, W, 3\)/],
      [goodImages(1), { descr: '<f8', shape: [1, h, w, 4], data: new Float64Array(h * w * 4) }, undefined, /expected \(N, H, W, 6\)/],
      [{ descr: '<U1', shape: [1, h, w, 3], data: new Array(h * w * 3).fill('a') }, goodMasks(1), undefined, /holds <U1; expected numbers/],
      [goodImages(2), goodMasks(2), ['Skin'], /types\.npy: has shape \(1,\); expected \(2,\)/],
    ];
    for (const [images, masks, tissues, pattern] of cases) {
      const root = freshDir();
      writeSet(root, images, masks, tissues);
      await rejectsNucleiMix(pannuke.open(root), pattern);
    }
    const root = freshDir();
    writeSet(root, goodImages(1), goodMasks(1));
    writeFileSync(join(root, 'types.npy'), serializeNpy({ descr: '<i4', shape: [1], data: Int32Array.of(3) }));
    await rejectsNucleiMix(pannuke.open(root), /types\.npy: holds <i4; expected strings/);
    writeFileSync(join(root, 'types.npy'), 'not numpy at all');
    await rejectsNucleiMix(pannuke.open(root), /types\.npy: is not a \.npy file/);
  });

  test('unknown sample names', async () => {
    const ds = await pannuke.open(join(FIXTURES, 'pannuke'));
    await rejectsNucleiMix(ds.read('pannuke_00003'), /no image named 'pannuke_00003'/);
  });

  test('writing refuses types outside 1..5, mixed image sizes and ids the mask dtype cannot hold', async () => {
    const ds = await pannuke.open(join(FIXTURES, 'pannuke'));
    const samples = await readAll(ds);
    const bad = { ...samples[1], labels: { ...samples[1].labels, types: samples[1].labels.types.map((t, i) => (i === 2 ? 6 : t)) }, stored: undefined };
    await rejectsNucleiMix(pannuke.write(freshDir(), memorySource([samples[0], bad], CLASS_LISTS.pannuke)), /sample 1 \(pannuke_00001\): instance 9 has type 6, which has no PanNuke channel; PanNuke holds five classes/);

    const small = { ...samples[2], image: createImage(3, 3), labels: labelsFromMap(createInstanceMap(3, 3), () => 1) };
    await rejectsNucleiMix(pannuke.write(freshDir(), memorySource([samples[0], small], CLASS_LISTS.pannuke)), /sample 1 \(pannuke_00002\) is 3×3 but the first is 20×24/);

    const big = await readAll(await pannuke.open(join(FIXTURES, 'pannuke-u8')));
    const u8 = big.map((s) => ({ ...s, source: { ...(s.source as object), maskDescr: '|u1' } }));
    await rejectsNucleiMix(pannuke.write(freshDir(), memorySource(u8, CLASS_LISTS.pannuke)), /masks\.npy: sample 0 \(pannuke_00000\): value 1025 at element \d+ does not fit dtype '\|u1'/);
  });

  test('fuzz: damaged masks.npy, images.npy and types.npy give NucleiMixError or a dataset, never another error', { timeout: 60_000 }, async () => {
    const { createRng } = await import('../../src/core/rng.ts');
    const rng = createRng(7);
    const src = join(FIXTURES, 'pannuke');
    const root = freshDir();
    let ok = 0;
    let failed = 0;
    for (let v = 0; v < 150; v++) {
      for (const f of ['images.npy', 'masks.npy', 'types.npy']) copyFileSync(join(src, f), join(root, f));
      const target = ['images.npy', 'masks.npy', 'types.npy'][v % 3];
      const bytes = readFileSync(join(src, target));
      let damaged: Buffer;
      if (rng.next() < 0.3) damaged = bytes.subarray(0, rng.int(bytes.length));
      else {
        damaged = Buffer.from(bytes);
        for (let k = 0, n = 1 + rng.int(6); k < n; k++) {
          // Flip header bytes half the time, else high bytes of float64 values (sign/exponent).
          const pos = rng.next() < 0.5 ? rng.int(128) : target === 'types.npy' ? 128 + rng.int(bytes.length - 128) : 128 + 8 * rng.int((bytes.length - 128) / 8) + 6 + rng.int(2);
          damaged[pos] ^= 1 << rng.int(8);
        }
      }
      writeFileSync(join(root, target), damaged);
      try {
        const ds = await pannuke.open(root);
        for (const name of ds.names) await ds.read(name);
        ok++;
      } catch (err) {
        if (!(err instanceof NucleiMixError)) throw new Error(`variant ${v} of ${target}: ${(err as Error).name}: ${(err as Error).message}`);
        failed++;
      }
    }
    assert.ok(ok > 5 && failed > 50, `ok ${ok}, failed ${failed}`);
  });
});
