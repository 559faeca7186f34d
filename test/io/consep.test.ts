import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { consep } from '../../src/io/consep.ts';
import type { Sample } from '../../src/io/dataset.ts';
import { readMatFile, writeMatFile, type MatFile } from '../../src/io/mat-file.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { findPython } from '../helpers/python.ts';

let tmp: string;
let original: string;
const synth = generateDataset({ images: 2, width: 160, height: 128, seed: 3 });

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-consep-'));
  original = await writeDataset(join(tmp, 'original'), consep, synth);
});
after(() => rm(tmp, { recursive: true, force: true }));

function assertSameSample(a: Sample, b: Sample): void {
  assert.equal(a.name, b.name);
  assert.deepEqual([a.image.width, a.image.height], [b.image.width, b.image.height]);
  assert.ok(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)), 'pixels');
  assert.deepEqual(a.labels.inst.data, b.labels.inst.data);
  assert.deepEqual(a.labels.ids, b.labels.ids);
  assert.deepEqual(a.labels.types, b.labels.types);
  assert.deepEqual(a.labels.centroids, b.labels.centroids);
}

/** A copy of the written dataset whose one label file is replaced by `edit(mat)`. */
async function withEditedLabel(name: string, edit: (mat: MatFile) => void): Promise<string> {
  const dir = await mkdtemp(join(tmp, 'edited-'));
  await cp(original, dir, { recursive: true });
  const file = join(dir, 'Labels', `${name}.mat`);
  const mat = await readMatFile(file);
  edit(mat);
  await writeMatFile(file, mat);
  return dir;
}

function setVar(mat: MatFile, name: string, rows: number, cols: number, colMajor: number[] | Float64Array): void {
  const i = mat.variables.findIndex((v) => v.name === name);
  const v = { kind: 'array' as const, name, class: 'double' as const, dims: [rows, cols], data: Float64Array.from(colMajor), compressed: true };
  if (i < 0) mat.variables.push(v);
  else mat.variables[i] = v;
}

describe('CoNSeP format', () => {
  test('generated data round-trips exactly: pixels, ids, types, centroids', async () => {
    const ds = await openDataset(original);
    assert.equal(ds.format, 'consep');
    assert.deepEqual(ds.names, ['synth_1', 'synth_2']);
    for (const name of ds.names) assertSameSample(await ds.read(name), await synth.read(name));
    const copy = await openDataset(await writeDataset(join(tmp, 'copy'), consep, ds, { inputs: [original] }));
    for (const name of ds.names) assertSameSample(await copy.read(name), await ds.read(name));
  });

  test('files keep the input dtypes and compression on rewrite', async () => {
    const dir = await withEditedLabel('synth_1', (mat) => {
      for (const v of mat.variables) {
        if (v.kind !== 'array') continue;
        if (v.name === 'inst_map') Object.assign(v, { class: 'uint16', data: Uint16Array.from(v.data as Float64Array), compressed: false });
        if (v.name === 'inst_type') Object.assign(v, { class: 'int32', data: Int32Array.from(v.data as Float64Array) });
      }
    });
    const ds = await openDataset(dir);
    const out = await writeDataset(join(tmp, 'dtypes'), consep, ds, { inputs: [dir] });
    const mat = await readMatFile(join(out, 'Labels', 'synth_1.mat'));
    const byName = Object.fromEntries(mat.variables.map((v) => [v.name, v]));
    assert.equal(byName.inst_map.kind === 'array' && byName.inst_map.class, 'uint16');
    assert.equal(byName.inst_map.compressed, false);
    assert.equal(byName.inst_type.kind === 'array' && byName.inst_type.class, 'int32');
    assert.equal(byName.type_map.kind === 'array' && byName.type_map.class, 'double');
    assertSameSample(await (await openDataset(out)).read('synth_1'), await ds.read('synth_1'));
  });

  test('scipy reads what the writer writes, with HoVer-Net conventions', async (t) => {
    const py = findPython('numpy, scipy.io');
    if (py === null) return t.skip('no python with numpy and scipy');
    const script = String.raw`
import sys, json, numpy as np, scipy.io as sio
m = sio.loadmat(sys.argv[1])
inst = m['inst_map']; it = m['inst_type']; ic = m['inst_centroid']; tm = m['type_map']
ids = np.unique(inst)[1:]
ok_ids = bool((ids == np.arange(1, len(ids) + 1)).all())
ok_type = all(int(tm[inst == i][0]) == int(it[int(i) - 1, 0]) for i in ids)
cent = [[float(np.nonzero(inst == i)[1].mean()), float(np.nonzero(inst == i)[0].mean())] for i in ids]
print(json.dumps({'dtypes': [str(inst.dtype), str(it.dtype), str(ic.dtype), str(tm.dtype)], 'shape': [list(inst.shape), list(it.shape), list(ic.shape)],
  'ok_ids': ok_ids, 'ok_type': ok_type, 'cent_err': float(np.abs(np.array(cent) - ic).max()), 'types': it[:, 0].astype(int).tolist()}))
`;
    const r = spawnSync(py, ['-c', script, join(original, 'Labels', 'synth_1.mat')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    const s = await synth.read('synth_1');
    assert.deepEqual(got.dtypes, ['float64', 'float64', 'float64', 'float64']);
    assert.deepEqual(got.shape, [[128, 160], [s.labels.ids.length, 1], [s.labels.ids.length, 2]]);
    assert.equal(got.ok_ids, true);
    assert.equal(got.ok_type, true);
    assert.ok(got.cent_err < 1e-9);
    assert.deepEqual(got.types, Array.from(s.labels.types));
  });

  test('bad input: one clear error naming the file and the problem', async () => {
    const label = (name: string) => new RegExp(`Labels/${name}\\.mat: `);
    // inst_type shorter than the number of ids
    let dir = await withEditedLabel('synth_1', (mat) => setVar(mat, 'inst_type', 3, 1, [1, 2, 3]));
    await rejectsNucleiMix((await openDataset(dir, { classes: 'consep-merged' })).read('synth_1'), /instance id \d+ has no type: inst_type has 3 rows/);
    // non-integer labels
    dir = await withEditedLabel('synth_2', (mat) => {
      const v = mat.variables.find((x) => x.name === 'inst_map')!;
      if (v.kind === 'array') (v.data as Float64Array)[5] = 2.5;
    });
    await rejectsNucleiMix((await openDataset(dir)).read('synth_2'), /'inst_map' holds 2.5 .*expected non-negative integers/);
    // map and image of different sizes
    dir = await withEditedLabel('synth_1', (mat) => {
      setVar(mat, 'inst_map', 2, 2, [0, 0, 0, 0]);
    });
    await rejectsNucleiMix((await openDataset(dir, { classes: 'consep-merged' })).read('synth_1'), /inst_map is 2×2 but the image is 128×160/);
    // a type outside the class list
    dir = await withEditedLabel('synth_1', (mat) => {
      const v = mat.variables.find((x) => x.name === 'inst_type')!;
      if (v.kind === 'array') (v.data as Float64Array)[0] = 9;
    });
    await rejectsNucleiMix((await openDataset(dir, { classes: 'consep-merged' })).read('synth_1'), /instance 1 has type 9, which is not in the class list/);
    // extra inst_type rows
    dir = await withEditedLabel('synth_2', (mat) => {
      const v = mat.variables.find((x) => x.name === 'inst_type')!;
      if (v.kind === 'array') setVar(mat, 'inst_type', v.dims[0] + 1, 1, [...(v.data as Float64Array), 1]);
    });
    await rejectsNucleiMix((await openDataset(dir)).read('synth_2'), /inst_type has \d+ rows but inst_map has \d+ instances/);
    // a missing label file
    dir = await mkdtemp(join(tmp, 'missing-'));
    await cp(original, dir, { recursive: true });
    await rm(join(dir, 'Labels', 'synth_2.mat'));
    await rejectsNucleiMix(openDataset(dir, { format: 'consep' }), /Images\/synth_2\.png: image has no label file/);
    // a truncated label file
    dir = await withEditedLabel('synth_1', () => {});
    const f = join(dir, 'Labels', 'synth_1.mat');
    await writeFile(f, (await readFile(f)).subarray(0, 300));
    await rejectsNucleiMix((await openDataset(dir, { classes: 'consep-merged' })).read('synth_1'), label('synth_1'));
    // a corrupt image
    dir = await withEditedLabel('synth_1', () => {});
    await writeFile(join(dir, 'Images', 'synth_1.png'), 'not a png');
    await rejectsNucleiMix((await openDataset(dir)).read('synth_1'), /Images\/synth_1\.png: not a readable image/);
  });

  test('class lists: classes.json, inferred from the largest type, and merges', async () => {
    assert.deepEqual((await openDataset(original)).classes.map((c) => c.name), ['other', 'inflammatory', 'epithelial', 'spindle']);
    const dir = await mkdtemp(join(tmp, 'raw-'));
    await cp(original, dir, { recursive: true });
    await rm(join(dir, 'classes.json'));
    // Types 1..4 with no classes.json: the usual merged CoNSeP list.
    assert.equal((await openDataset(dir)).classes.length, 4);
    // Rewrite types as raw 7-class CoNSeP (4 → 7): the raw list, and --merge brings them back.
    const raw = await withEditedLabel('synth_2', (mat) => {
      const v = mat.variables.find((x) => x.name === 'inst_type')!;
      if (v.kind === 'array') (v.data as Float64Array).forEach((t, i, a) => (a[i] = t === 4 ? 7 : t === 3 ? 4 : t));
    });
    await rm(join(raw, 'classes.json'));
    const rawDs = await openDataset(raw);
    assert.equal(rawDs.classes.length, 7);
    const merged = await openDataset(raw, { merge: 'consep' });
    assert.deepEqual(merged.classes.map((c) => c.name), ['other', 'inflammatory', 'epithelial', 'spindle']);
    const m = await merged.read('synth_2');
    assert.deepEqual(m.labels.types, (await synth.read('synth_2')).labels.types);
    assert.ok(m.labels.types.includes(4), 'the test needs spindle nuclei to mean anything');
  });
});

describe('derived arrays that disagree with inst_map / inst_type (fuzzing found these read silently)', () => {
  /** Runs `fn`, collecting the NUCLEIMIX_DERIVED_LABELS warnings it causes. */
  async function warningsOf(fn: () => Promise<unknown>): Promise<string[]> {
    const got: string[] = [];
    const on = (w: Error & { code?: string }) => {
      if (w.code === 'NUCLEIMIX_DERIVED_LABELS') got.push(w.message);
    };
    process.on('warning', on);
    try {
      await fn();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', on);
    }
    return got;
  }

  test('a type_map that disagrees with inst_type: inst_type wins, a warning counts the nuclei, writing repaints type_map', async () => {
    const want = await synth.read('synth_1');
    const dir = await withEditedLabel('synth_1', (mat) => {
      const v = mat.variables.find((x) => x.name === 'type_map')!;
      if (v.kind !== 'array') return;
      const t = v.data as Float64Array;
      // Retype every pixel of the first two instances (column-major storage, same pixel set).
      const inst = want.labels.inst;
      for (let p = 0; p < inst.data.length; p++) {
        const id = inst.data[p];
        if (id === want.labels.ids[0] || id === want.labels.ids[1]) t[(p % inst.width) * inst.height + Math.floor(p / inst.width)] = 9;
      }
    });
    let sample: Sample | undefined;
    const warnings = await warningsOf(async () => (sample = await (await openDataset(dir)).read('synth_1')));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`Labels/synth_1\\.mat: type_map disagrees with inst_type for 2 of ${want.labels.ids.length} nuclei; inst_type is used`));
    assert.deepEqual(sample!.labels.types, want.labels.types);
    // Written back, the type map agrees with the types again.
    const out = await writeDataset(join(tmp, `retyped-${Date.now()}`), consep, { ...(await openDataset(dir)), names: ['synth_1'] });
    const again = await warningsOf(async () => (await openDataset(out)).read('synth_1'));
    assert.deepEqual(again, []);
  });

  test('NaN, infinite or moved centroids are recomputed from inst_map, with a warning', async () => {
    const want = await synth.read('synth_2');
    const n = want.labels.ids.length;
    const dir = await withEditedLabel('synth_2', (mat) => {
      const c = Float64Array.from(want.labels.centroids);
      c[0] = NaN; // x of instance 1
      c[3] = Infinity; // y of instance 2
      c[4] += 40; // instance 3 moved 40 px
      const colMajor = [...Array.from({ length: n }, (_, i) => c[2 * i]), ...Array.from({ length: n }, (_, i) => c[2 * i + 1])];
      setVar(mat, 'inst_centroid', n, 2, colMajor);
    });
    let sample: Sample | undefined;
    const warnings = await warningsOf(async () => (sample = await (await openDataset(dir)).read('synth_2')));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`synth_2\\.mat: inst_centroid disagrees with inst_map for 3 of ${n} nuclei \\(not finite, or more than 2 px`));
    for (let i = 0; i < 2 * n; i++) assert.ok(Math.abs(sample!.labels.centroids[i] - want.labels.centroids[i]) < 1e-9, `centroid value ${i}`);
    // A consistent file reads without a warning.
    assert.deepEqual(await warningsOf(async () => (await openDataset(original)).read('synth_2')), []);
  });

  test('a type of 65,535 makes no 65,535-class list: refused naming the file, unless classes.json names the classes', async () => {
    const dir = await withEditedLabel('synth_1', (mat) => {
      const v = mat.variables.find((x) => x.name === 'inst_type')!;
      if (v.kind === 'array') (v.data as Float64Array)[0] = 65535;
    });
    await rm(join(dir, 'classes.json'));
    await rejectsNucleiMix(openDataset(dir), /Labels\/synth_1\.mat: inst_type holds type 65535, beyond the 10 types nucleimix infers a class list for .*classes\.json/);
    // --classes with a list that lacks the type: refused at reading, naming the file.
    await rejectsNucleiMix((await openDataset(dir, { classes: 'glysac' })).read('synth_1'), /synth_1\.mat: instance 1 has type 65535, which is not in the class list/);
  });
});

describe('label-only folders (a model\'s predictions, HoVer-Net style mat/*.mat)', () => {
  test('open for evaluation only; untyped (type 0) instances accepted; labels read exactly', async () => {
    const pred = await mkdtemp(join(tmp, 'pred-'));
    await mkdir(join(pred, 'mat'));
    await cp(join(original, 'Labels'), join(pred, 'mat'), { recursive: true });
    const file = join(pred, 'mat', 'synth_2.mat');
    const mat = await readMatFile(file);
    const v = mat.variables.find((x) => x.name === 'inst_type')!;
    if (v.kind === 'array') (v.data as Float64Array)[0] = 0;
    await writeMatFile(file, mat);
    await rejectsNucleiMix(openDataset(pred), /holds label files but no images; only `nucleimix eval --pred` reads such folders/);
    const ds = await openDataset(pred, { labelsOnly: true });
    assert.equal(ds.labelsOnly, true);
    assert.deepEqual(ds.names, ['synth_1', 'synth_2']);
    const a = await ds.read('synth_2');
    const b = await synth.read('synth_2');
    assert.deepEqual(a.labels.inst.data, b.labels.inst.data);
    assert.equal(a.labels.types[0], 0);
    assert.deepEqual(a.labels.types.subarray(1), b.labels.types.subarray(1));
    assert.deepEqual([a.image.width, a.image.height], [160, 128]);
  });
});
