import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { CLASS_ARRAYS, readMatFile, writeMatFile, type MatArray, type MatClass, type MatData, type MatFile } from '../../src/io/mat-file.ts';
import { findPython } from '../helpers/python.ts';
import { assertSameData, expectedData } from '../helpers/mat.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'mat');
const V73 = join(FIXTURES, 'v73.mat');

interface Expected {
  name: string;
  kind: 'array' | 'opaque';
  class?: MatClass;
  dims?: number[];
  data?: Array<number | string>;
  compressed: boolean;
  what?: string;
}
const EXPECTED = (JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { files: Record<string, Expected[]> }).files;



function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'nucleimix-mat73-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('reads the h5py-written v7.3 fixture exactly: MATLAB order, classes, empties, compression, opaque groups', async () => {
  const mat = await readMatFile(V73);
  assert.equal(mat.version, '7.3');
  assert.equal(mat.header, 'MATLAB 7.3 MAT-file, Platform: nucleimix fixtures, Created on: fixed date HDF5 schema 1.00 .');
  const expected = EXPECTED['v73.mat'];
  // '#refs#' (the cell's contents) is MATLAB's internal storage, not a variable.
  assert.deepEqual(mat.variables.map((v) => v.name), expected.map((e) => e.name));
  expected.forEach((e, i) => {
    const v = mat.variables[i];
    assert.equal(v.kind, e.kind, e.name);
    assert.equal(v.compressed, e.compressed, e.name);
    if (v.kind === 'opaque') {
      assert.equal(v.what, e.what);
      return;
    }
    assert.equal(v.class, e.class, e.name);
    assert.deepEqual(v.dims, e.dims, e.name);
    assert.equal(v.storage, undefined);
    assertSameData(v.data, expectedData(e.class!, e.data!), e.name);
  });
  // The 3-D array: MATLAB's cube(i,j,k) = (i-1) + 2(j-1) + 6(k-1), stored column-major.
  const cube = mat.variables.find((v) => v.name === 'cube') as MatArray;
  assert.deepEqual(cube.dims, [2, 3, 4]);
  assert.deepEqual(Array.from(cube.data as Float64Array), Array.from({ length: 24 }, (_, i) => i));
});

const ALL_CLASSES: MatClass[] = ['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'logical', 'char'];

function sampleData(cls: MatClass, n: number, seed: number): MatData {
  const rng = createRng(seed);
  if (cls === 'int64') return BigInt64Array.from({ length: n }, (_, i) => (i === 0 ? -(2n ** 63n) : BigInt(rng.int(1 << 30)) * 99991n));
  if (cls === 'uint64') return BigUint64Array.from({ length: n }, (_, i) => (i === 0 ? 2n ** 64n - 1n : BigInt(rng.int(1 << 30)) * 99991n));
  const out = new CLASS_ARRAYS[cls](n) as Float64Array;
  const bits = out.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < n; i++) {
    if (cls === 'double') out[i] = i === 0 ? NaN : i === 1 ? -0 : rng.normal() * 1e9;
    else if (cls === 'single') out[i] = Math.fround(i === 0 ? -Infinity : rng.normal());
    else if (cls === 'logical') out[i] = rng.int(2);
    else if (cls === 'char') out[i] = i === 0 ? 0x3b1 : 0x61 + rng.int(26);
    else out[i] = (cls.startsWith('int') ? -(2 ** (bits - 1)) : 0) + rng.int(2 ** Math.min(bits, 31));
  }
  return out;
}

function everyClass(compressed: boolean): MatFile['variables'] {
  const vars: MatFile['variables'] = [];
  ALL_CLASSES.forEach((cls, k) => {
    vars.push({ kind: 'array', name: `m_${cls}`, class: cls, dims: [3, 5], data: sampleData(cls, 15, k), compressed });
    vars.push({ kind: 'array', name: `nd_${cls}`, class: cls, dims: [2, 3, 2], data: sampleData(cls, 12, 50 + k), compressed });
    vars.push({ kind: 'array', name: `e_${cls}`, class: cls, dims: [0, 4], data: new CLASS_ARRAYS[cls](0), compressed: false });
    vars.push({ kind: 'array', name: `s_${cls}`, class: cls, dims: [1, 1], data: sampleData(cls, 1, 90 + k), compressed });
  });
  return vars;
}

test('write then read round-trips every class, compressed and not, N-D, empty and scalar', async () => {
  await withTempDir(async (dir) => {
    for (const compressed of [false, true]) {
      const mat: MatFile = { version: '7.3', header: `round trip ${compressed}`, variables: everyClass(compressed) };
      const path = join(dir, `rt_${compressed}.mat`);
      await writeMatFile(path, mat);
      const back = await readMatFile(path);
      assert.equal(back.version, '7.3');
      assert.equal(back.header, mat.header);
      // HDF5 lists a group's members in name order.
      const byName = [...mat.variables].sort((a, b) => (a.name < b.name ? -1 : 1));
      assert.deepEqual(back.variables.map((v) => v.name), byName.map((v) => v.name));
      byName.forEach((v, i) => {
        const b = back.variables[i];
        assert.ok(v.kind === 'array' && b.kind === 'array');
        assert.equal(b.class, v.class, v.name);
        assert.deepEqual(b.dims, v.dims, v.name);
        assert.equal(b.compressed, v.compressed, v.name);
        assertSameData(b.data, v.data, v.name);
      });
    }
  });
});

test('v7.3 and v5 convert into each other without changing an array', async () => {
  await withTempDir(async (dir) => {
    const v73 = await readMatFile(V73);
    const arrays = v73.variables.filter((v) => v.kind === 'array');
    await writeMatFile(join(dir, 'as5.mat'), { version: '5', header: '', variables: arrays });
    const as5 = await readMatFile(join(dir, 'as5.mat'));
    assert.equal(as5.version, '5');
    assert.deepEqual(as5.variables, arrays);

    const v5 = await readMatFile(join(FIXTURES, 'numeric_z.mat'));
    // v7.3 has no storage types: text comes back as plain char.
    const plain = v5.variables.map((v) => (v.kind === 'array' ? { ...v, storage: undefined } : v));
    await writeMatFile(join(dir, 'as73.mat'), { ...v5, version: '7.3', variables: plain });
    const as73 = await readMatFile(join(dir, 'as73.mat'));
    assert.equal(as73.header, v5.header);
    for (const v of plain) {
      const b = as73.variables.find((x) => x.name === v.name)!;
      assert.ok(v.kind === 'array' && b.kind === 'array');
      assert.deepEqual([b.class, b.dims], [v.class, v.dims], v.name);
      // Empty arrays are stored as their dims, never deflated.
      assert.equal(b.compressed, v.data.length > 0, v.name);
      assertSameData(b.data, v.data, v.name);
    }
  });
});

test('errors name the file: opaque variables cannot be written to v7.3, corrupt HDF5 is refused', async () => {
  await withTempDir(async (dir) => {
    const mat = await readMatFile(V73);
    const out = join(dir, 'x.mat');
    await assert.rejects(writeMatFile(out, mat), (e: Error) => e instanceof NucleiMixError && e.message === `${out}: variable 'a_cell' is a cell, which nucleimix cannot write to a v7.3 file`);
    const bad: MatArray & { compressed: boolean } = { kind: 'array', name: 'a', class: 'uint8', dims: [2, 2], data: new Uint8Array(3), compressed: false };
    await assert.rejects(writeMatFile(out, { version: '7.3', header: '', variables: [bad] }), new RegExp(`^NucleiMixError: ${out}: variable 'a': holds 3 values`));
    const twice = { ...bad, data: new Uint8Array(4) };
    await assert.rejects(writeMatFile(out, { version: '7.3', header: '', variables: [twice, twice] }), /variable 'a': appears twice/);
    // An HDF5 signature followed by junk.
    const junk = new Uint8Array(2048).fill(0xab);
    junk.set(readFileSync(V73).subarray(0, 520));
    const path = join(dir, 'junk.mat');
    writeFileSync(path, junk);
    await assert.rejects(readMatFile(path), (e: Error) => e instanceof NucleiMixError && e.message.startsWith(`${path}: corrupt or unreadable MAT v7.3 (HDF5) file (`));
  });
});


test('h5py reads what the writer writes: user block, MATLAB attributes, transposed data; scipy sees v7.3', async (t) => {
  if (findPython('numpy, h5py, scipy.io') === null) return t.skip('no python with numpy, h5py and scipy');
  await withTempDir(async (dir) => {
    const mat: MatFile = { version: '7.3', header: 'MATLAB 7.3 MAT-file, nucleimix test', variables: [...everyClass(true).filter((v) => v.name.startsWith('m_')), ...everyClass(false)] };
    mat.variables = mat.variables.map((v, i) => ({ ...v, name: `${v.name}_${i}` }));
    const path = join(dir, 'w.mat');
    await writeMatFile(path, mat);
    const code = String.raw`
import json, struct, sys, h5py, numpy as np, scipy.io as sio
path = sys.argv[1]
head = open(path, 'rb').read(128)
out = {'text': head[:116].decode('latin1').rstrip(), 'version': struct.unpack('<H', head[124:126])[0], 'endian': head[126:128].decode()}
try:
    sio.loadmat(path)
    out['scipy'] = 'loaded'
except NotImplementedError as e:
    out['scipy'] = str(e)
with h5py.File(path, 'r') as f:
    out['userblock'] = f.userblock_size
    out['vars'] = {}
    for k, ds in f.items():
        a = ds[()]
        kind = a.dtype.kind
        vals = [str(int(x)) if a.dtype.itemsize == 8 and kind in 'iu' else ('NaN' if x != x else float(x) if kind == 'f' else int(x)) for x in a.flatten(order='C')]
        vals = [('Infinity' if v == float('inf') else '-Infinity' if v == float('-inf') else '-0' if v == 0 and str(v).startswith('-') else v) if isinstance(v, float) else v for v in vals]
        out['vars'][k] = {'dtype': a.dtype.name, 'shape': list(a.shape), 'data': vals,
                          'attrs': {n: (v.decode() if isinstance(v, bytes) else int(v)) for n, v in ds.attrs.items()},
                          'compression': ds.compression}
print(json.dumps(out))
`;
    const r = spawnSync(findPython('numpy, h5py, scipy.io')!, ['-c', code, path], { encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got.text, mat.header);
    assert.equal(got.version, 0x0200);
    assert.equal(got.endian, 'IM');
    assert.equal(got.userblock, 512);
    assert.match(got.scipy, /v7\.3/);
    const H5_DTYPE: Record<MatClass, string> = {
      double: 'float64', single: 'float32', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32',
      int64: 'int64', uint64: 'uint64', logical: 'uint8', char: 'uint16',
    };
    for (const v of mat.variables) {
      assert.ok(v.kind === 'array');
      const h = got.vars[v.name];
      assert.ok(h, v.name);
      assert.equal(h.attrs.MATLAB_class, v.class, v.name);
      assert.equal(h.attrs.MATLAB_int_decode, v.class === 'logical' ? 1 : v.class === 'char' ? 2 : undefined, v.name);
      if (v.data.length === 0) {
        assert.equal(h.attrs.MATLAB_empty, 1);
        assert.deepEqual(h.data, v.dims.map(String), v.name);
        continue;
      }
      assert.equal(h.dtype, H5_DTYPE[v.class], v.name);
      assert.deepEqual(h.shape, [...v.dims].reverse(), v.name);
      assert.equal(h.compression, v.compressed ? 'gzip' : null, v.name);
      const want = Array.from(v.data as ArrayLike<number | bigint>, (x) =>
        typeof x === 'bigint' ? String(x) : Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : Object.is(x, -0) ? '-0' : x,
      );
      assert.deepEqual(h.data, want, v.name);
    }
  });
});

test('truncated and bit-flipped v7.3 files either read or throw NucleiMixError, never anything else', async () => {
  await withTempDir(async (dir) => {
    const bytes = new Uint8Array(readFileSync(V73));
    const rng = createRng(0x6d617437);
    let failures = 0;
    let successes = 0;
    for (let k = 0; k < 200; k++) {
      let variant: Uint8Array;
      if (k % 4 === 0) {
        variant = bytes.subarray(0, 512 + rng.int(bytes.length - 512));
      } else {
        variant = bytes.slice();
        const flips = 1 + rng.int(8);
        // k % 4 === 2 aims at the superblock, root group and object headers near the start.
        for (let f = 0; f < flips; f++) variant[512 + rng.int(k % 4 === 2 ? 2048 : bytes.length - 512)] ^= 1 << rng.int(8);
      }
      const path = join(dir, `v${k}.mat`);
      writeFileSync(path, variant);
      try {
        await readMatFile(path);
        successes++;
      } catch (err) {
        assert.ok(err instanceof NucleiMixError, `#${k}: ${(err as Error).stack}`);
        assert.ok((err as Error).message.startsWith(`${path}: `), (err as Error).message);
        failures++;
      }
    }
    assert.ok(failures > 50 && successes > 20, `${failures} failures, ${successes} successes`);
    // The HDF5 library is still usable afterwards.
    assert.equal((await readMatFile(V73)).variables.length, EXPECTED['v73.mat'].length);
  });
});
