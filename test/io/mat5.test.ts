import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import {
  CLASS_ARRAYS,
  castToClass,
  fromRowMajor2D,
  getArray,
  parseMat5,
  readMatFile,
  serializeMat5,
  serializeMat5Async,
  toRowMajor2D,
  writeMatFile,
  type MatArray,
  type MatClass,
  type MatData,
  type MatFile,
} from '../../src/io/mat-file.ts';
import { findPython } from '../helpers/python.ts';
import { assertSameData, expectedData } from '../helpers/mat.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'mat');

interface Expected {
  name: string;
  kind: 'array' | 'opaque';
  class?: MatClass;
  dims?: number[];
  data?: Array<number | string>;
  storage?: string | null;
  compressed: boolean;
  global?: boolean;
  what?: string;
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { header: string; files: Record<string, Expected[]> };
const V5_FIXTURES = Object.keys(EXPECTED.files).filter((f) => f !== 'v73.mat');

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}



function assertMatches(mat: MatFile, expected: Expected[], file: string): void {
  assert.deepEqual(mat.variables.map((v) => v.name), expected.map((e) => e.name), `${file}: variable names`);
  expected.forEach((e, i) => {
    const v = mat.variables[i];
    const what = `${file}:${e.name}`;
    assert.equal(v.kind, e.kind, `${what}: kind`);
    assert.equal(v.compressed, e.compressed, `${what}: compressed`);
    if (v.kind === 'opaque') {
      assert.equal(v.what, e.what, `${what}: what`);
      return;
    }
    assert.equal(v.class, e.class, `${what}: class`);
    assert.deepEqual(v.dims, e.dims, `${what}: dims`);
    assert.equal(v.storage, e.storage ?? undefined, `${what}: storage`);
    assert.equal(v.global, e.global, `${what}: global`);
    assertSameData(v.data, expectedData(e.class!, e.data!), what);
  });
}

test('reads the scipy and hand-built v5 fixtures exactly: class, dims, values, storage, compression', () => {
  assert.ok(V5_FIXTURES.length >= 9);
  for (const file of V5_FIXTURES) {
    const mat = parseMat5(fixture(file), file);
    assert.equal(mat.version, '5');
    assert.equal(mat.header, EXPECTED.header, file);
    assertMatches(mat, EXPECTED.files[file], file);
  }
});

test('a big-endian file reads the same as its little-endian twin, opaque bytes included', () => {
  const le = parseMat5(fixture('compact.mat'), 'compact.mat');
  const be = parseMat5(fixture('big_endian.mat'), 'big_endian.mat');
  assert.deepEqual(be, le);
  // Writing it is little-endian, byte for byte what the little-endian file writes.
  assert.deepEqual(serializeMat5(be), serializeMat5(le));
  assert.equal(Buffer.from(serializeMat5(be).subarray(126, 128)).toString('latin1'), 'IM');
});

test('CoNSeP-like label file: row-major matrices with known centroids', async () => {
  const mat = await readMatFile(join(FIXTURES, 'consep_like.mat'));
  const file = 'consep_like.mat';
  const inst = toRowMajor2D(getArray(mat, 'inst_map', file));
  assert.equal(inst.rows, 12);
  assert.equal(inst.cols, 10);
  // inst 1 fills rows 1..3, cols 1..4 (0-based); the row-major index is r*cols + c.
  assert.equal(inst.data[1 * 10 + 1], 1);
  assert.equal(inst.data[3 * 10 + 4], 1);
  assert.equal(inst.data[3 * 10 + 5], 0);
  assert.equal(inst.data[10 * 10 + 8], 3);
  const types = toRowMajor2D(getArray(mat, 'inst_type', file));
  assert.deepEqual([types.rows, types.cols, ...types.data], [3, 1, 2, 1, 4]);
  const cent = toRowMajor2D(getArray(mat, 'inst_centroid', file));
  assert.deepEqual([cent.rows, cent.cols], [3, 2]);
  assert.deepEqual(Array.from(cent.data), [2.5, 2, 2.5, 7.5, 7, 9]);
  const typeMap = toRowMajor2D(getArray(mat, 'type_map', file));
  for (let i = 0; i < inst.data.length; i++) assert.equal(typeMap.data[i], inst.data[i] === 0 ? 0 : [0, 2, 1, 4][inst.data[i]]);
});

test('read, write, read reproduces every fixture; uncompressed scipy files come back byte for byte', async () => {
  for (const file of V5_FIXTURES) {
    const bytes = fixture(file);
    const mat = parseMat5(bytes, file);
    const out = serializeMat5(mat);
    assert.deepEqual(parseMat5(out, 'out.mat'), mat, file);
    assert.deepEqual(await serializeMat5Async(mat), out, `${file}: the thread pool's deflate writes the same bytes`);
    if (['numeric.mat', 'ints.mat', 'opaque.mat'].includes(file)) assert.ok(Buffer.from(out).equals(Buffer.from(bytes)), `${file} not byte-identical`);
  }
});

test('opaque variables keep their exact element bytes, compressed or not', () => {
  const plain = parseMat5(fixture('opaque.mat'), 'opaque.mat');
  const packed = parseMat5(fixture('opaque_z.mat'), 'opaque_z.mat');
  const bytes = fixture('opaque.mat');
  for (const name of ['a_struct', 'a_cell', 'a_sparse', 'a_complex']) {
    const a = plain.variables.find((v) => v.name === name)!;
    const b = packed.variables.find((v) => v.name === name)!;
    assert.ok(a.kind === 'opaque' && b.kind === 'opaque');
    // The raw element is somewhere in the uncompressed file, verbatim...
    assert.ok(Buffer.from(bytes).indexOf(Buffer.from(a.raw)) >= 128, name);
    // ...and the compressed file holds the same element inside its zlib stream.
    assert.deepEqual(b.raw, a.raw, name);
  }
});

/** Deterministic values of a class that exercise its range. */
function sampleData(cls: MatClass, n: number, seed: number): MatData {
  const rng = createRng(seed);
  const Ctor = CLASS_ARRAYS[cls];
  if (cls === 'int64') return BigInt64Array.from({ length: n }, (_, i) => (i === 0 ? -(2n ** 63n) : i === 1 ? 2n ** 63n - 1n : BigInt(rng.int(2000000) - 1000000) * 1234567n));
  if (cls === 'uint64') return BigUint64Array.from({ length: n }, (_, i) => (i === 0 ? 2n ** 64n - 1n : BigInt(rng.int(2000000)) * 7654321n));
  const out = new Ctor(n) as Float64Array;
  for (let i = 0; i < n; i++) {
    if (cls === 'double') out[i] = i === 0 ? NaN : i === 1 ? -0 : rng.normal() * 1e6;
    else if (cls === 'single') out[i] = Math.fround(i === 0 ? Infinity : rng.normal() * 100);
    else if (cls === 'logical') out[i] = rng.int(2);
    else if (cls === 'char') out[i] = i === 0 ? 0xe9 : 0x41 + rng.int(26);
    else {
      const bits = Ctor.BYTES_PER_ELEMENT * 8;
      const signed = cls.startsWith('int');
      const lo = signed ? -(2 ** (bits - 1)) : 0;
      out[i] = i === 0 ? lo : i === 1 ? lo + 2 ** bits - 1 : lo + rng.int(2 ** Math.min(bits, 31));
    }
  }
  return out;
}

const ALL_CLASSES: MatClass[] = ['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'logical', 'char'];

function arraysOfEveryClass(): MatArray[] {
  const arrays: MatArray[] = [];
  ALL_CLASSES.forEach((cls, k) => {
    arrays.push({ kind: 'array', name: `m_${cls}`, class: cls, dims: [3, 4], data: sampleData(cls, 12, k) });
    arrays.push({ kind: 'array', name: `nd_${cls}`, class: cls, dims: [2, 3, 2, 2], data: sampleData(cls, 24, 100 + k) });
    arrays.push({ kind: 'array', name: `e_${cls}`, class: cls, dims: [0, 5], data: new CLASS_ARRAYS[cls](0) });
    arrays.push({ kind: 'array', name: `s_${cls}`, class: cls, dims: [1, 1], data: sampleData(cls, 1, 200 + k) });
  });
  return arrays;
}

test('write then read round-trips every class, compressed and not, 2-D, N-D, empty and scalar', () => {
  for (const compressed of [false, true]) {
    const mat: MatFile = { version: '5', header: 'round trip', variables: arraysOfEveryClass().map((a) => ({ ...a, compressed })) };
    const back = parseMat5(serializeMat5(mat), 'rt.mat');
    assert.equal(back.header, 'round trip');
    assert.equal(back.variables.length, mat.variables.length);
    mat.variables.forEach((v, i) => {
      const b = back.variables[i];
      assert.ok(v.kind === 'array' && b.kind === 'array');
      assert.equal(b.name, v.name);
      assert.equal(b.class, v.class, v.name);
      assert.deepEqual(b.dims, v.dims, v.name);
      assert.equal(b.compressed, compressed);
      assert.equal(b.storage, undefined, v.name);
      assertSameData(b.data, v.data, v.name);
    });
  }
});

test('the remembered storage type is reused while the values fit it, and dropped when they do not', () => {
  const mat = parseMat5(fixture('compact.mat'), 'compact.mat');
  const u8 = getArray(mat, 'compact_u8', 'compact.mat');
  assert.equal(u8.storage, 'miUINT8');
  const again = getArray(parseMat5(serializeMat5(mat), 'a.mat'), 'compact_u8', 'a.mat');
  assert.equal(again.storage, 'miUINT8');
  // A new instance id beyond 255 cannot be stored as miUINT8: the writer falls back to double.
  (u8.data as Float64Array)[0] = 300;
  const widened = getArray(parseMat5(serializeMat5(mat), 'b.mat'), 'compact_u8', 'b.mat');
  assert.equal(widened.storage, undefined);
  assert.equal(widened.data[0], 300);
  (u8.data as Float64Array)[0] = 2.5;
  assert.equal(getArray(parseMat5(serializeMat5(mat), 'c.mat'), 'compact_u8', 'c.mat').data[0], 2.5);
  // Chars: miUTF8 with a non-ASCII character, and a lone surrogate UTF-8 cannot carry.
  const text = 'né';
  const chars: MatArray = { kind: 'array', name: 't', class: 'char', dims: [1, 2], data: Uint16Array.from(text, (c) => c.charCodeAt(0)), storage: 'miUTF8' };
  const t = getArray(parseMat5(serializeMat5({ version: '5', header: '', variables: [{ ...chars, compressed: false }] }), 't.mat'), 't', 't.mat');
  assert.equal(t.storage, 'miUTF8');
  assert.deepEqual(Array.from(t.data as Uint16Array), [0x6e, 0xe9]);
  chars.data = Uint16Array.of(0xd800, 0x41);
  const s = getArray(parseMat5(serializeMat5({ version: '5', header: '', variables: [{ ...chars, compressed: true }] }), 's.mat'), 't', 's.mat');
  assert.equal(s.storage, undefined);
  assert.deepEqual(Array.from(s.data as Uint16Array), [0xd800, 0x41]);
});

test('writeMatFile and readMatFile go through the file system; the global flag survives', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nucleimix-mat5-'));
  try {
    const mat = parseMat5(fixture('compact.mat'), 'compact.mat');
    const path = join(dir, 'x.mat');
    await writeMatFile(path, mat);
    const back = await readMatFile(path);
    assert.deepEqual(back, mat);
    assert.equal(getArray(back, 'glob', path).global, true);
    await assert.rejects(readMatFile(join(dir, 'missing.mat')), (e: Error) => e instanceof NucleiMixError && e.message.includes('missing.mat'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Rewrites `bytes` with `edit` applied to a copy. */
function edited(bytes: Uint8Array, edit: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = new Uint8Array(bytes);
  edit(b, new DataView(b.buffer));
  return b;
}

function assertMatError(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof NucleiMixError, `${e.name}: ${e.message}`);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('corrupt input is a NucleiMixError naming the file and the problem', () => {
  const ints = fixture('ints.mat');
  assertMatError(() => parseMat5(ints.subarray(0, 100), 'a.mat'), 'a.mat', /too short/);
  assertMatError(() => parseMat5(edited(ints, (b) => (b[126] = 0x41)), 'b.mat'), 'b.mat', /endian indicator/);
  assertMatError(() => parseMat5(edited(ints, (b, dv) => dv.setUint16(124, 0x0200, true)), 'c.mat'), 'c.mat', /version 0x0200/);
  assertMatError(() => parseMat5(ints.subarray(0, ints.length - 20), 'd.mat'), 'd.mat', /claims \d+ bytes but only \d+ follow/);
  // label_u16 is 2×3; claim 2×4 in its dims element (flags at 136, dims data at 160).
  assert.equal(new DataView(ints.buffer, ints.byteOffset).getInt32(164, true), 3);
  assertMatError(() => parseMat5(edited(ints, (b, dv) => dv.setInt32(164, 4, true)), 'e.mat'), 'e.mat', /label_u16.*dims 2×4/);
  assertMatError(() => parseMat5(edited(ints, (b, dv) => dv.setInt32(164, -4, true)), 'f.mat'), 'f.mat', /dimension 2 is -4/);
  // dims × element size is checked against the data's bytes before anything is allocated.
  assertMatError(() => parseMat5(edited(ints, (b, dv) => dv.setInt32(164, 100_000, true)), 'e2.mat'), 'e2.mat', /label_u16.*dims 2×100000 of 2-byte \w+ values need 400000 bytes, but its data holds 12/);
  assertMatError(() => parseMat5(edited(ints, (b, dv) => dv.setUint32(128, 99, true)), 'g.mat'), 'g.mat', /type 99/);
  const z = fixture('consep_like.mat');
  assertMatError(() => parseMat5(edited(z, (b) => b.fill(0x55, 140, 160)), 'h.mat'), 'h.mat', /not a valid zlib stream/);
  assertMatError(() => parseMat5(fixture('v73.mat'), 'i.mat'), 'i.mat', /v7\.3/);
  // A compressed element whose stream holds something other than a matrix.
  const stray = new Uint8Array(16);
  new DataView(stray.buffer).setUint32(0, 9, true);
  const zs = deflateSync(stray);
  const file = new Uint8Array(128 + 8 + zs.length);
  file.set(ints.subarray(0, 128));
  new DataView(file.buffer).setUint32(128, 15, true);
  new DataView(file.buffer).setUint32(132, zs.length, true);
  file.set(zs, 136);
  assertMatError(() => parseMat5(file, 'j.mat'), 'j.mat', /expected miMATRIX/);
});

test('the writer refuses arrays it cannot write faithfully', () => {
  const write = (v: MatFile['variables'][number]) => serializeMat5({ version: '5', header: '', variables: [v] });
  const base = { kind: 'array' as const, name: 'x', compressed: false };
  assert.throws(() => write({ ...base, class: 'double', dims: [2, 2], data: new Float64Array(3) }), /'x': holds 3 values; its dims 2×2 say 4/);
  assert.throws(() => write({ ...base, class: 'int16', dims: [1, 2], data: new Int32Array(2) }), /needs a Int16Array/);
  assert.throws(() => write({ ...base, class: 'double', dims: [4], data: new Float64Array(4) }), /at least 2 dims/);
  assert.throws(() => write({ kind: 'opaque', name: 's', what: 'struct', raw: new Uint8Array(0), compressed: false }), /'s' \(struct\) has no MAT v5 bytes/);
  assert.throws(() => serializeMat5({ version: '5', header: 'x'.repeat(117), variables: [] }), /at most 116/);
});

test('helpers: row-major conversion, class casting, variable lookup', () => {
  const a = fromRowMajor2D('m', 'int16', 2, 3, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(a.dims, [2, 3]);
  assert.deepEqual(Array.from(a.data as Int16Array), [1, 4, 2, 5, 3, 6]);
  assert.ok(a.data instanceof Int16Array);
  assert.deepEqual(toRowMajor2D(a), { rows: 2, cols: 3, data: Float64Array.of(1, 2, 3, 4, 5, 6) });
  const big: MatArray = { kind: 'array', name: 'b', class: 'int64', dims: [1, 2], data: BigInt64Array.of(5n, 2n ** 60n) };
  assert.throws(() => toRowMajor2D(big), (e: Error) => e instanceof NucleiMixError && /1152921504606846976 at row 1, column 2/.test(e.message));
  assert.throws(() => toRowMajor2D({ ...a, dims: [1, 2, 3] }), /3 dimensions/);
  assert.deepEqual(castToClass([1, 2], 'uint64'), BigUint64Array.of(1n, 2n));
  assert.deepEqual(castToClass([0.5, NaN], 'single'), Float32Array.of(0.5, NaN));
  assert.throws(() => castToClass([0.1], 'single'), /0.1 at index 0 does not fit class single/);
  assert.throws(() => castToClass([1, 1.5], 'int32'), /1.5 at index 1 does not fit class int32/);
  assert.throws(() => castToClass([256], 'uint8'), /256 .* uint8/);
  assert.throws(() => castToClass([2], 'logical'), /logical/);
  assert.throws(() => castToClass([2 ** 53 + 2], 'int64'), /int64/);
  assert.throws(() => fromRowMajor2D('m', 'uint8', 1, 2, [1, -1]), (e: Error) => e instanceof NucleiMixError && /'m': value -1/.test(e.message));
  const mat = parseMat5(fixture('opaque.mat'), 'o.mat');
  assert.throws(() => getArray(mat, 'nope', 'o.mat'), /o\.mat: has no variable 'nope' \(it holds before, a_struct/);
  assert.throws(() => getArray(mat, 'a_struct', 'o.mat'), /o\.mat: variable 'a_struct' is a struct, not a numeric array/);
});

// ----------------------------------------------------------------------------------------------
// Checks against scipy itself


/** Runs `code` with `input` on stdin (JSON) and returns its stdout parsed as JSON. */
function runPython(code: string, input: unknown): any {
  const r = spawnSync(findPython('numpy, scipy.io')!, ['-c', code], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Python that loads MAT files with scipy and prints each array's dtype, shape and column-major values in our JSON encoding. */
const DUMP_PY = String.raw`
import json, math, sys, numpy as np, scipy.io as sio
def enc(v, kind):
    if kind in 'iub' or isinstance(v, (np.integer, np.bool_)):
        return str(int(v)) if kind in 'iu' and np.dtype(type(v)).itemsize == 8 else int(v)
    f = float(v)
    if math.isnan(f): return 'NaN'
    if math.isinf(f): return 'Infinity' if f > 0 else '-Infinity'
    if f == 0 and math.copysign(1, f) < 0: return '-0'
    return f
out = {}
for path in json.load(sys.stdin):
    m = sio.loadmat(path, mat_dtype=True)
    vars_ = {}
    for k, a in m.items():
        if k.startswith('__'): continue
        if not isinstance(a, np.ndarray):
            vars_[k] = {'dtype': type(a).__name__}
        elif a.dtype.kind == 'U':
            vars_[k] = {'dtype': 'char', 'shape': list(a.shape), 'text': [str(s) for s in a.flatten(order='F')]}
        elif a.dtype.kind in 'iufb':
            vars_[k] = {'dtype': a.dtype.name, 'shape': list(a.shape), 'data': [enc(v, a.dtype.kind) for v in a.flatten(order='F')]}
        else:
            vars_[k] = {'dtype': a.dtype.kind, 'shape': list(a.shape)}
    out[path] = {'vars': vars_, 'globals': [str(g) for g in m.get('__globals__', [])]}
print(json.dumps(out))
`;

const SCIPY_DTYPE: Record<MatClass, string> = {
  double: 'float64', single: 'float32', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32',
  int64: 'int64', uint64: 'uint64', logical: 'bool', char: 'char',
};

function encodeForPython(a: MatArray): Array<number | string> {
  return Array.from(a.data as ArrayLike<number | bigint>, (v) => {
    if (typeof v === 'bigint') return String(v);
    if (a.class === 'double' || a.class === 'single') {
      if (Number.isNaN(v)) return 'NaN';
      if (v === Infinity) return 'Infinity';
      if (v === -Infinity) return '-Infinity';
      if (Object.is(v, -0)) return '-0';
    }
    return v;
  });
}

test('scipy.io.loadmat reads what the writer writes, with the same dtypes and values', (t) => {
  if (findPython('numpy, scipy.io') === null) return t.skip('no python with numpy and scipy');
  const dir = mkdtempSync(join(tmpdir(), 'nucleimix-mat5-scipy-'));
  try {
    const files: Record<string, MatFile> = {};
    for (const compressed of [false, true]) {
      // scipy reads empty text as '' and N-D text its own way; those are left out.
      const arrays = arraysOfEveryClass().filter((a) => !(a.class === 'char' && (a.data.length === 0 || a.dims.length > 2)));
      files[join(dir, `all_${compressed}.mat`)] = { version: '5', header: 'nucleimix test', variables: arrays.map((a) => ({ ...a, compressed })) };
    }
    for (const f of ['compact.mat', 'big_endian.mat', 'numeric_z.mat']) files[join(dir, f)] = parseMat5(fixture(f), f);
    for (const [path, mat] of Object.entries(files)) writeFileSync(path, serializeMat5(mat));
    const got = runPython(DUMP_PY, Object.keys(files));
    for (const [path, mat] of Object.entries(files)) {
      const py = got[path];
      for (const v of mat.variables) {
        if (v.kind !== 'array') continue;
        const p = py.vars[v.name];
        assert.ok(p, `${path}:${v.name} missing in scipy`);
        assert.equal(p.dtype, SCIPY_DTYPE[v.class], `${path}:${v.name} dtype`);
        if (v.class === 'char') {
          // scipy gives one string per row.
          const [rows, cols] = v.dims;
          const text = Array.from({ length: rows }, (_, r) => String.fromCharCode(...Array.from({ length: cols }, (_, c) => v.data[c * rows + r] as number)));
          assert.deepEqual(p.text, text, `${path}:${v.name}`);
          continue;
        }
        assert.deepEqual(p.shape, v.dims, `${path}:${v.name} shape`);
        assert.deepEqual(p.data, encodeForPython(v), `${path}:${v.name} values`);
        if (v.global) assert.ok(py.globals.includes(v.name));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scipy reads opaque variables we wrote back (struct, cell, sparse, complex) equal to the originals', (t) => {
  if (findPython('numpy, scipy.io') === null) return t.skip('no python with numpy and scipy');
  const dir = mkdtempSync(join(tmpdir(), 'nucleimix-mat5-opaque-'));
  try {
    const pairs: Array<[string, string]> = [];
    for (const f of ['opaque.mat', 'opaque_z.mat', 'big_endian.mat']) {
      const out = join(dir, f);
      writeFileSync(out, serializeMat5(parseMat5(fixture(f), f)));
      pairs.push([join(FIXTURES, f), out]);
    }
    const code = String.raw`
import json, sys, numpy as np, scipy.io as sio, scipy.sparse as sp
def same(a, b):
    if sp.issparse(a) or sp.issparse(b):
        return sp.issparse(a) and sp.issparse(b) and (a != b).nnz == 0 and a.dtype.kind == b.dtype.kind
    if isinstance(a, np.ndarray) and a.dtype.names:
        return b.dtype.names == a.dtype.names and a.shape == b.shape and all(same(a[n][i], b[n][i]) for n in a.dtype.names for i in np.ndindex(a.shape))
    if isinstance(a, np.ndarray) and a.dtype == object:
        return b.dtype == object and a.shape == b.shape and all(same(x, y) for x, y in zip(a.flat, b.flat))
    # dtypes compared without byte order: the originals may be big-endian, ours are not.
    return type(a) == type(b) and a.dtype.kind == b.dtype.kind and a.dtype.itemsize == b.dtype.itemsize and np.array_equal(a, b)
res = {}
for orig, ours in json.load(sys.stdin):
    a, b = sio.loadmat(orig), sio.loadmat(ours)
    res[ours] = {k: bool(same(a[k], b[k])) for k in a if not k.startswith('__')}
print(json.dumps(res))
`;
    const got = runPython(code, pairs);
    for (const [, ours] of pairs) {
      const r = got[ours] as Record<string, boolean>;
      assert.ok(Object.keys(r).length >= 6, ours);
      for (const [k, ok] of Object.entries(r)) assert.ok(ok, `${ours}: ${k} differs after the round trip`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MATLAB-written files shipped with scipy read as scipy reads them', async (t) => {
  if (findPython('numpy, scipy.io') === null) return t.skip('no python with numpy and scipy');
  const dataDir = spawnSync(findPython('numpy, scipy.io')!, ['-c', 'import os, scipy.io.matlab as m; print(os.path.join(os.path.dirname(m.__file__), "tests", "data"))'], { encoding: 'utf8' }).stdout.trim();
  let names: string[];
  try {
    // Files MATLAB 6 and 7 wrote (the 4.x ones are MAT v4), both byte orders, and function
    // handles with their subsystem workspace.
    names = readdirSync(dataDir).filter((f) => /^test\w*_(6|7)\.\d.*\.mat$|^(big|little)_endian\.mat$|^(some_functions|parabola|sqr)\.mat$/.test(f) && !f.includes('hdf5'));
  } catch {
    return t.skip(`scipy's test data not installed (${dataDir})`);
  }
  if (names.length === 0) return t.skip(`no MATLAB files in ${dataDir}`);
  const paths = names.map((n) => join(dataDir, n));
  const got = runPython(DUMP_PY, paths);
  let compared = 0;
  let compact = 0;
  let subsystems = 0;
  for (const path of paths) {
    const mat = parseMat5(readFileSync(path), path);
    for (const v of mat.variables) {
      const p = got[path].vars[v.name];
      if (v.kind !== 'array' || p === undefined) continue;
      assert.equal(p.dtype, SCIPY_DTYPE[v.class], `${path}:${v.name}`);
      if (v.class === 'char') {
        const [rows, cols] = v.dims;
        const text = Array.from({ length: rows }, (_, r) => String.fromCharCode(...Array.from({ length: cols }, (_, c) => v.data[c * rows + r] as number)));
        assert.deepEqual(p.text, text, `${path}:${v.name}`);
      } else {
        assert.deepEqual(p.shape, v.dims, `${path}:${v.name}`);
        assert.deepEqual(p.data, encodeForPython(v), `${path}:${v.name}`);
      }
      compared++;
      if (v.storage !== undefined) compact++;
    }
    // And each one writes back to the same arrays and opaque bytes, the subsystem data where the
    // header says it is.
    const again = serializeMat5(mat);
    assert.deepEqual(parseMat5(again, 'again.mat'), mat, path);
    // Deflated on the thread pool: the same bytes (the subsystem's offset included).
    assert.deepEqual(await serializeMat5Async(mat), again, path);
    if (mat.variables.some((v) => v.kind === 'opaque' && v.what === 'subsystem')) subsystems++;
  }
  assert.ok(compared >= 20, `compared ${compared}`);
  assert.ok(compact >= 5, `compact storage seen ${compact} times`);
  assert.equal(subsystems, 3);
});

// ----------------------------------------------------------------------------------------------
// Fuzzing

test('truncated and bit-flipped files either parse or throw NucleiMixError, never anything else', () => {
  const files = ['numeric.mat', 'numeric_z.mat', 'opaque.mat', 'compact.mat', 'big_endian.mat', 'nd.mat'];
  const rng = createRng(0x6d617435);
  let failures = 0;
  let successes = 0;
  for (const file of files) {
    const bytes = fixture(file);
    for (let k = 0; k < 200; k++) {
      let variant: Uint8Array;
      const mode = k % 4;
      if (mode === 0) {
        variant = bytes.subarray(0, rng.int(bytes.length));
      } else {
        variant = bytes.slice();
        const flips = 1 + rng.int(8);
        for (let f = 0; f < flips; f++) {
          // mode 2 aims at the first elements' tags and headers, where lengths live.
          const at = mode === 2 ? 120 + rng.int(Math.min(120, bytes.length - 120)) : rng.int(bytes.length);
          if (mode === 3) variant[at] = rng.int(256);
          else variant[at] ^= 1 << rng.int(8);
        }
      }
      try {
        const mat = parseMat5(variant, `${file}#${k}`);
        successes++;
        // Whatever parsed must also write, or refuse with a NucleiMixError.
        try {
          const again = parseMat5(serializeMat5(mat), 'rewritten.mat');
          assert.equal(again.variables.length, mat.variables.length);
        } catch (err) {
          assert.ok(err instanceof NucleiMixError, `${file}#${k} rewrite: ${(err as Error).stack}`);
        }
      } catch (err) {
        assert.ok(err instanceof NucleiMixError, `${file}#${k}: ${(err as Error).stack}`);
        assert.ok((err as Error).message.startsWith(`${file}#${k}: `));
        failures++;
      }
    }
  }
  // Both outcomes occur: the variants are neither all harmless nor all fatal.
  assert.ok(failures > 500 && successes > 50, `${failures} failures, ${successes} successes`);
});

test('reading only some variables skips the other compressed ones unread; what is read is what a full read gives', async () => {
  const arr = (name: string, values: number[], compressed: boolean) => ({ ...fromRowMajor2D(name, 'double', values.length, 1, values), compressed });
  const mat: MatFile = { version: '5', header: '', variables: [arr('inst_map', Array.from({ length: 20000 }, (_, i) => (i * 7919) % 1009), true), arr('inst_type', [1, 2, 4], true), arr('plain', [9], false)] };
  const bytes = serializeMat5(mat);
  const dir = mkdtempSync(join(tmpdir(), 'nucleimix-mat-only-'));
  try {
    const path = join(dir, 'a.mat');
    writeFileSync(path, bytes);
    const full = await readMatFile(path);
    const some = await readMatFile(path, ['inst_type']);
    assert.deepEqual(some.variables.map((v) => v.name), ['inst_type', 'plain']);
    assert.deepEqual(some.variables[0], full.variables[1]);
    // A broken stream in a skipped variable goes unread; in a wanted one it is still an error naming the file.
    // Flip a byte near the end of inst_map's compressed data (the first element, after the
    // 128-byte header), past the first KiB that tells its name.
    const broken = Uint8Array.from(bytes);
    const n = new DataView(broken.buffer).getUint32(128 + 4, true);
    assert.ok(n > 2048, `inst_map deflates to ${n} bytes`);
    broken[128 + 8 + n - 100] ^= 0xff;
    writeFileSync(path, broken);
    assert.deepEqual((await readMatFile(path, ['inst_type'])).variables[0], full.variables[1]);
    await assert.rejects(readMatFile(path, ['inst_map']), (e: Error) => e instanceof NucleiMixError && e.message.includes('a.mat') && /zlib|compressed/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
