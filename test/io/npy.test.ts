import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import {
  createNpyWriter,
  npyFromNumbers,
  readNpy,
  readNpyHeader,
  readNpySlice,
  serializeNpy,
  serializeNpyHeader,
  type NpyArray,
  type NpyData,
} from '../../src/io/npy.ts';
import { findPython } from '../helpers/python.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/npy/', import.meta.url));
const ARRAYS = join(FIXTURES, 'arrays');

type Json = number | string | boolean;
interface ExpectedArray {
  descr: string;
  fortran_order: boolean;
  shape: number[];
  version: [number, number];
  values: Json[];
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')).arrays as Record<string, ExpectedArray>;

const tmp = mkdtempSync(join(tmpdir(), 'nucleimix-npy-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Asserts that element i of `data` is what numpy read (see scripts/fixtures_npy.py for the encoding). */
function assertValue(data: NpyData, i: number, want: Json, what: string): void {
  const got = data[i];
  if (typeof got === 'bigint') assert.equal(got, BigInt(want as number | string), what);
  else if (typeof got === 'string') assert.equal(got, want, what);
  else if (typeof want === 'boolean') assert.equal(got, want ? 1 : 0, what);
  else if (want === 'nan') assert.ok(Number.isNaN(got), `${what}: ${got} is not NaN`);
  else if (want === 'inf' || want === '-inf') assert.equal(got, want === 'inf' ? Infinity : -Infinity, what);
  else assert.equal(got, want, what); // Object.is: -0 and 0 differ, float32 values are exact doubles
}

function assertValues(data: NpyData, want: Json[], what: string): void {
  assert.equal(data.length, want.length, `${what}: element count`);
  for (let i = 0; i < want.length; i++) assertValue(data, i, want[i], `${what}[${i}]`);
}



describe('reading numpy-written files', () => {
  test('fixture list matches expected.json', () => {
    const files = readdirSync(ARRAYS).map((f) => f.replace(/\.npy$/, '')).sort();
    assert.deepEqual(files, Object.keys(EXPECTED).sort());
    assert.ok(files.length >= 25);
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    test(`${name}: header and every value as numpy reads them`, async () => {
      const path = join(ARRAYS, `${name}.npy`);
      const h = await readNpyHeader(path);
      assert.equal(h.descr, want.descr);
      assert.equal(h.fortranOrder, want.fortran_order);
      assert.deepEqual(h.shape, want.shape);
      assert.deepEqual(h.version, want.version);
      assert.equal(h.dataOffset % 64, 0, 'numpy aligns data to 64 bytes');
      assert.equal(statSync(path).size, h.dataOffset + want.values.length * h.itemSize);
      const arr = await readNpy(path);
      assert.equal(arr.descr, want.descr);
      assert.deepEqual(arr.shape, want.shape);
      assertValues(arr.data, want.values, name);
    });
  }

  test('covers every supported dtype, both byte orders, Fortran order and all three versions', () => {
    const descrs = new Set(Object.values(EXPECTED).map((e) => e.descr));
    for (const d of ['|u1', '|i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8', '<f4', '<f8', '|b1', '>u2', '>i4', '>u8', '>f4', '>f8', '<U9', '>U3', '|S4']) {
      assert.ok(descrs.has(d), d);
    }
    const versions = new Set(Object.values(EXPECTED).map((e) => e.version.join('.')));
    assert.deepEqual([...versions].sort(), ['1.0', '2.0', '3.0']);
    assert.ok(Object.values(EXPECTED).filter((e) => e.fortran_order && e.shape.length > 1).length >= 3);
  });
});

describe('slices', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    if (want.shape.length === 0) continue;
    test(`${name}: every row range equals numpy's rows, with tiny and default chunks`, async () => {
      const path = join(ARRAYS, `${name}.npy`);
      const h = await readNpyHeader(path);
      const n = want.shape[0];
      const row = want.shape.slice(1).reduce((a, b) => a * b, 1);
      for (const chunkBytes of [undefined, 3, h.itemSize * 2 + 1]) {
        for (let start = 0; start <= n; start++) {
          for (let count = 0; start + count <= n; count++) {
            const reads: number[][] = [];
            const s = await readNpySlice(path, h, start, count, { chunkBytes, onRead: (pos, len) => reads.push([pos, len]) });
            assert.deepEqual(s.shape, [count, ...want.shape.slice(1)]);
            assertValues(s.data, want.values.slice(start * row, (start + count) * row), `${name}[${start}:${start + count}]`);
            for (const [pos, len] of reads) {
              assert.ok(pos >= h.dataOffset && pos + len <= h.dataOffset + n * row * h.itemSize, 'reads stay inside the data');
              if (chunkBytes !== undefined) assert.ok(len <= chunkBytes, `read of ${len} bytes exceeds the ${chunkBytes}-byte chunk`);
            }
            if (!h.fortranOrder) {
              // A C-order slice is one contiguous range: exactly its bytes are read.
              assert.equal(reads.reduce((a, [, len]) => a + len, 0), count * row * h.itemSize);
              if (reads.length > 0) assert.equal(reads[0][0], h.dataOffset + start * row * h.itemSize);
            }
          }
        }
      }
    });
  }

  test('a slice of a file larger than the chunk reads only its rows, chunk by chunk', async () => {
    const path = join(tmp, 'large.npy');
    const shape = [64, 50, 3];
    const w = await createNpyWriter(path, '<f8', shape);
    for (let r = 0; r < 64; r++) await w.append(Float64Array.from({ length: 150 }, (_, k) => r * 1000 + k + 0.5));
    await w.close();
    const h = await readNpyHeader(path);
    assert.ok(statSync(path).size > 20 * 1000);
    const reads: Array<[number, number]> = [];
    const s = await readNpySlice(path, h, 17, 5, { chunkBytes: 1000, onRead: (p, l) => reads.push([p, l]) });
    const rowBytes = 150 * 8;
    let expectPos = h.dataOffset + 17 * rowBytes;
    for (const [p, l] of reads) {
      assert.equal(p, expectPos, 'reads are consecutive');
      assert.ok(l <= 1000);
      expectPos += l;
    }
    assert.equal(expectPos, h.dataOffset + 22 * rowBytes, 'exactly the 5 rows were read');
    assert.equal(reads.length, Math.ceil((5 * rowBytes) / 1000));
    const data = s.data as Float64Array;
    for (let r = 0; r < 5; r++) for (let k = 0; k < 150; k++) assert.equal(data[r * 150 + k], (17 + r) * 1000 + k + 0.5);
  });

  test('rows beyond 4 GiB of a sparse file are read by offset', async (t) => {
    const path = join(tmp, 'sparse.npy');
    const rows = 1_200_000;
    const rowItems = 1024;
    const head = serializeNpyHeader('<i4', [rows, rowItems]);
    const size = head.length + rows * rowItems * 4;
    assert.ok(size > 2 ** 32 + 2 ** 28);
    const fh = await open(path, 'w');
    try {
      await fh.write(head, 0, head.length, 0);
      await fh.truncate(size);
      const last = Int32Array.from({ length: 2 * rowItems }, (_, k) => k - 7);
      await fh.write(new Uint8Array(last.buffer), 0, last.byteLength, size - last.byteLength);
    } finally {
      await fh.close();
    }
    if (statSync(path).blocks * 512 > 64 << 20) {
      rmSync(path);
      t.skip('the temp file system does not keep sparse files');
      return;
    }
    const h = await readNpyHeader(path);
    assert.deepEqual(h.shape, [rows, rowItems]);
    const reads: number[] = [];
    const s = await readNpySlice(path, h, rows - 3, 3, { onRead: (p) => reads.push(p) });
    assert.ok(reads[0] > 2 ** 32, 'the read position is past 4 GiB');
    const data = s.data as Int32Array;
    for (let k = 0; k < rowItems; k++) assert.equal(data[k], 0);
    for (let k = 0; k < 2 * rowItems; k++) assert.equal(data[rowItems + k], k - 7);
    rmSync(path);
  });
});

describe('writing', () => {
  test('serializeNpy reproduces numpy 1.24 files byte for byte (C order, v1.0)', async () => {
    let compared = 0;
    for (const [name, want] of Object.entries(EXPECTED)) {
      const path = join(ARRAYS, `${name}.npy`);
      const arr = await readNpy(path);
      const bytes = serializeNpy(arr);
      if (!want.fortran_order && want.version[0] === 1) {
        assert.deepEqual(Buffer.from(bytes), readFileSync(path), name);
        compared++;
      }
      // Every file, Fortran and v2/v3 included, survives serialise → read with equal values.
      const back = join(tmp, `back-${name}.npy`);
      writeFileSync(back, bytes);
      const again = await readNpy(back);
      assert.deepEqual(again.shape, want.shape);
      assertValues(again.data, want.values, `${name} re-read`);
    }
    assert.ok(compared >= 20);
  });

  test('the streaming writer takes rows in pieces and checks the count', async () => {
    const path = join(tmp, 'stream.npy');
    const w = await createNpyWriter(path, '>i2', [3, 2]);
    await w.append(Int16Array.of(1, -2));
    await w.append(Int16Array.of(300, -400, 5));
    await w.append(Int16Array.of(32767));
    await w.close();
    const arr = await readNpy(path);
    assert.equal(arr.descr, '>i2');
    assert.deepEqual(Array.from(arr.data as Int16Array), [1, -2, 300, -400, 5, 32767]);

    const short = await createNpyWriter(join(tmp, 'short.npy'), '<f8', [2, 2]);
    await short.append(Float64Array.of(1, 2, 3));
    await rejectsNucleiMix(short.append(Float64Array.of(4, 5)), /too many elements/);
    await rejectsNucleiMix(short.close(), /closed after 3 of the 4 elements/);

    const wrong = await createNpyWriter(join(tmp, 'wrong.npy'), '<f8', [2]);
    await rejectsNucleiMix(wrong.append(Float32Array.of(1, 2)), /needs a Float64Array/);
    await rejectsNucleiMix(wrong.close());
    await rejectsNucleiMix(createNpyWriter(join(tmp, 'no-such-dir', 'x.npy'), '<f8', [1]), /cannot be created/);
    await rejectsNucleiMix(createNpyWriter(join(tmp, 'c.npy'), '<c16', [1]), /unsupported dtype/);
  });

  test('a header too long for version 1.0 is written as 2.0 and read back', async () => {
    const shape = Array.from({ length: 25_000 }, (_, i) => (i === 0 ? 2 : 1));
    const bytes = serializeNpy({ descr: '<i2', shape, data: Int16Array.of(-3, 4) });
    assert.equal(bytes[6], 2);
    const path = join(tmp, 'long-header.npy');
    writeFileSync(path, bytes);
    const h = await readNpyHeader(path);
    assert.deepEqual(h.version, [2, 0]);
    assert.equal(h.dataOffset % 64, 0);
    assert.deepEqual(h.shape, shape);
    assert.deepEqual(Array.from((await readNpy(path)).data as Int16Array), [-3, 4]);
  });

  test('npyFromNumbers refuses values an integer dtype cannot hold', () => {
    assert.deepEqual(Array.from(npyFromNumbers('|u1', [0, 255]) as ArrayLike<unknown>), [0, 255]);
    assert.deepEqual(Array.from(npyFromNumbers('<u8', [0, 2 ** 40]) as ArrayLike<unknown>), [0n, 2n ** 40n]);
    assert.deepEqual(Array.from(npyFromNumbers('<f4', [0.5, -1]) as ArrayLike<unknown>), [0.5, -1]);
    assert.throws(() => npyFromNumbers('|u1', [256]), NucleiMixError);
    assert.throws(() => npyFromNumbers('<i2', [1.5]), NucleiMixError);
    assert.throws(() => npyFromNumbers('<u4', [-1]), NucleiMixError);
  });

  test('serializeNpy refuses data that does not match the dtype or shape', () => {
    assert.throws(() => serializeNpy({ descr: '<f8', shape: [3], data: new Float64Array(2) }), NucleiMixError);
    assert.throws(() => serializeNpy({ descr: '<U2', shape: [1], data: ['abc'] }), NucleiMixError);
    assert.throws(() => serializeNpy({ descr: '|S2', shape: [1], data: ['é€'] }), NucleiMixError);
    assert.throws(() => serializeNpy({ descr: '<i4', shape: [1], data: ['x'] }), NucleiMixError);
    assert.throws(() => serializeNpy({ descr: '<m8', shape: [1], data: new BigInt64Array(1) }), NucleiMixError);
  });

  test('numpy reads what serializeNpy and the streaming writer write', async (t) => {
    const py = (findPython('numpy') ?? undefined);
    if (py === undefined) {
      t.skip('no python3 with numpy');
      return;
    }
    const arrays: Record<string, NpyArray> = {
      u1: { descr: '|u1', shape: [2, 3], data: Uint8Array.of(0, 1, 2, 253, 254, 255) },
      i1: { descr: '|i1', shape: [3], data: Int8Array.of(-128, 0, 127) },
      be_i2: { descr: '>i2', shape: [2, 2], data: Int16Array.of(-32768, 1, 258, 32767) },
      u4: { descr: '<u4', shape: [2], data: Uint32Array.of(0, 4294967295) },
      be_u8: { descr: '>u8', shape: [2], data: BigUint64Array.of(1n, 2n ** 64n - 1n) },
      i8: { descr: '<i8', shape: [1, 2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n) },
      f4: { descr: '<f4', shape: [2], data: Float32Array.of(0.1, -3e38) },
      be_f8: { descr: '>f8', shape: [3], data: Float64Array.of(Math.PI, -0, 1e-310) },
      b1: { descr: '|b1', shape: [3], data: Uint8Array.of(1, 0, 1) },
      unicode: { descr: '<U6', shape: [3], data: ['Breast', '', '😀Σ'] },
      be_unicode: { descr: '>U2', shape: [2], data: ['ab', 'é'] },
      bytes: { descr: '|S3', shape: [2], data: ['ab', 'xyz'] },
      scalar: { descr: '<f8', shape: [], data: Float64Array.of(2.5) },
      empty: { descr: '<i4', shape: [0, 4], data: new Int32Array(0) },
    };
    for (const [name, arr] of Object.entries(arrays)) writeFileSync(join(tmp, `py-${name}.npy`), serializeNpy(arr));
    const w = await createNpyWriter(join(tmp, 'py-streamed.npy'), '<f8', [4, 3]);
    for (let r = 0; r < 4; r++) await w.append(Float64Array.of(r, r + 0.25, -r));
    await w.close();
    arrays.streamed = { descr: '<f8', shape: [4, 3], data: Float64Array.from({ length: 12 }, (_, k) => [Math.floor(k / 3), Math.floor(k / 3) + 0.25, -Math.floor(k / 3)][k % 3]) };
    const script = `
import json, sys, numpy as np
out = {}
for name in sys.argv[2:]:
    a = np.load(sys.argv[1] + '/py-' + name + '.npy')
    vals = [x.decode('latin1') if isinstance(x, bytes) else (str(x) if isinstance(x, int) and not isinstance(x, bool) else x) for x in a.ravel().tolist()]
    out[name] = {'descr': np.lib.format.dtype_to_descr(a.dtype), 'shape': list(a.shape), 'values': vals}
print(json.dumps(out))`;
    const r = spawnSync(py, ['-c', script, tmp, ...Object.keys(arrays)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, { descr: string; shape: number[]; values: Json[] }>;
    for (const [name, arr] of Object.entries(arrays)) {
      assert.equal(got[name].descr, arr.descr, name);
      assert.deepEqual(got[name].shape, arr.shape, name);
      const values = Array.from(arr.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? String(v) : v));
      const want = arr.descr === '|b1' ? values.map((v) => v === 1) : values.map((v) => (typeof v === 'number' && arr.descr[1] !== 'f' ? String(v) : v));
      assert.deepEqual(got[name].values, want, name);
    }
  });
});

/** A .npy file from a literal header text, with optional version and magic. */
function rawNpy(header: string, data: Uint8Array, opts: { major?: number; magic?: string } = {}): Uint8Array {
  const major = opts.major ?? 1;
  const pre = major === 1 ? 10 : 12;
  const text = new TextEncoder().encode(header + '\n');
  const out = new Uint8Array(pre + text.length + data.length);
  out.set([0x93, ...Array.from(opts.magic ?? 'NUMPY', (c) => c.charCodeAt(0))], 0);
  out[6] = major;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(data, pre + text.length);
  return out;
}

describe('bad files', () => {
  const dict = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty file', new Uint8Array(0), /too short/],
    ['bad magic', rawNpy(dict('<f8', '(1,)'), new Uint8Array(8), { magic: 'NUMPX' }), /bad magic/],
    ['version 4.0', rawNpy(dict('<f8', '(1,)'), new Uint8Array(8), { major: 4 }), /version 4\.0/],
    ['header longer than the file', rawNpy(dict('<f8', '(1,)'), new Uint8Array(8)).slice(0, 40), /runs past the end/],
    ['unparseable dictionary', rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4 }", new Uint8Array(96)), /unparseable header/],
    ['unterminated string', rawNpy("{'descr': '<f8, 'fortran_order': False, 'shape': (1,) }", new Uint8Array(8)), /unparseable header/],
    ['not a dictionary', rawNpy('(1, 2)', new Uint8Array(8)), /not a dictionary/],
    ['missing key', rawNpy("{'descr': '<f8', 'shape': (1,), }", new Uint8Array(8)), /expected descr, fortran_order, shape/],
    ['extra key', rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", new Uint8Array(8)), /keys/],
    ['shape as a list', rawNpy(dict('<f8', '[1]'), new Uint8Array(8)), /shape is not a tuple/],
    ['shape (3) is not a tuple', rawNpy(dict('<f8', '(3)'), new Uint8Array(24)), /shape is not a tuple/],
    ['negative shape', rawNpy(dict('<f8', '(-1,)'), new Uint8Array(8)), /shape is not a tuple of non-negative/],
    ['fortran_order not a bool', rawNpy(dict('<f8', '(1,)', '0'), new Uint8Array(8)), /fortran_order/],
    ['structured dtype', rawNpy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /structured/],
    ['complex dtype', rawNpy(dict('<c16', '(1,)'), new Uint8Array(16)), /unsupported dtype '<c16'/],
    ['object dtype', rawNpy(dict('|O', '(1,)'), new Uint8Array(8)), /unsupported dtype/],
    ['multi-byte dtype without byte order', rawNpy(dict('|f8', '(1,)'), new Uint8Array(8)), /unsupported dtype/],
    ['truncated data', rawNpy(dict('<f8', '(3, 4)'), new Uint8Array(95)), /truncated.*96 bytes.*95/],
    ['trailing bytes', rawNpy(dict('<u1', '(3,)'), new Uint8Array(5)), /2 unexpected bytes/],
    ['astronomical shape', rawNpy(dict('<f8', '(1099511627776, 1099511627776)'), new Uint8Array(8)), /too large|truncated/],
    ['nesting too deep', rawNpy('('.repeat(5000) + ')'.repeat(5000), new Uint8Array(0)), /nesting too deep/],
    ['invalid UTF-8 in a v3.0 header', rawNpy(dict('<f8', '(1,)'), new Uint8Array(8), { major: 3 }).map((b, i) => (i === 13 ? 0xff : b)), /UTF-8/],
    ['invalid code point in <U data', rawNpy(dict('<U1', '(1,)'), Uint8Array.of(0, 0, 0x11, 0)), /not a Unicode code point/],
  ];
  for (const [name, bytes, pattern] of cases) {
    test(name, async () => {
      const path = join(tmp, `bad-${name.replace(/\W+/g, '-')}.npy`);
      writeFileSync(path, bytes);
      await rejectsNucleiMix(readNpy(path), pattern);
      await assert.rejects(readNpy(path), (err: NucleiMixError) => err.file === path && err.message.startsWith(path));
    });
  }

  test('a missing file and an out-of-range slice are NucleiMixErrors', async () => {
    await rejectsNucleiMix(readNpyHeader(join(tmp, 'nope.npy')), /cannot be opened \(ENOENT\)/);
    await rejectsNucleiMix(readNpyHeader(tmp), /is not a regular file/);
    const path = join(ARRAYS, 'c3d.npy');
    const h = await readNpyHeader(path);
    await rejectsNucleiMix(readNpySlice(path, h, 4, 2), /outside the array's 5 rows/);
    await rejectsNucleiMix(readNpySlice(path, h, -1, 1), /outside/);
    await rejectsNucleiMix(readNpySlice(path, h, 0.5, 1), /outside/);
    const scalar = join(ARRAYS, 'scalar.npy');
    await rejectsNucleiMix(readNpySlice(scalar, await readNpyHeader(scalar), 0, 1), /0-d/);
    await rejectsNucleiMix(readNpySlice(path, h, 0, 1, { chunkBytes: 0 }), /chunk size/);
  });

  test('a file truncated after its header was read is a NucleiMixError', async () => {
    const path = join(tmp, 'shrinks.npy');
    writeFileSync(path, readFileSync(join(ARRAYS, 'c3d.npy')));
    const h = await readNpyHeader(path);
    writeFileSync(path, readFileSync(join(ARRAYS, 'c3d.npy')).subarray(0, h.dataOffset + 10));
    await rejectsNucleiMix(readNpySlice(path, h, 1, 2), /truncated/);
  });

  test('fuzz: truncated and bit-flipped files either read or throw NucleiMixError, never hang', { timeout: 60_000 }, async () => {
    const rng = createRng(20240607);
    const files = ['f8', 'c3d', 'unicode', 'be_unicode', 'fortran_4d', 'v2', 'v3', 'be_i4', 'i8', 'bytes', 'scalar'];
    const path = join(tmp, 'fuzz.npy');
    let ok = 0;
    let failed = 0;
    for (const name of files) {
      const original = readFileSync(join(ARRAYS, `${name}.npy`));
      const { dataOffset } = await readNpyHeader(join(ARRAYS, `${name}.npy`));
      for (let v = 0; v < 200; v++) {
        const truncate = v % 2 === 0;
        const bytes = truncate ? original.subarray(0, rng.int(original.length)) : Buffer.from(original);
        if (!truncate) {
          const flips = 1 + rng.int(4);
          for (let f = 0; f < flips; f++) {
            const pos = rng.next() < 0.5 ? rng.int(dataOffset) : dataOffset + rng.int(bytes.length - dataOffset);
            bytes[pos] ^= 1 << rng.int(8);
          }
        }
        writeFileSync(path, bytes);
        try {
          const h = await readNpyHeader(path);
          await readNpy(path, { chunkBytes: 1 + rng.int(64) });
          if (h.shape.length > 0 && h.shape[0] > 0) await readNpySlice(path, h, h.shape[0] - 1, 1);
          assert.ok(!truncate, `${name} truncated to ${bytes.length} of ${original.length} bytes was accepted`);
          ok++;
        } catch (err) {
          if (!(err instanceof NucleiMixError)) throw new Error(`${name} variant ${v}: ${(err as Error).name}: ${(err as Error).message}`);
          assert.ok(err.message.includes(path), err.message);
          failed++;
        }
      }
    }
    // Flips in the data of most files leave a valid array, flips in the header mostly do not.
    assert.ok(ok > 150 && failed > 1100, `ok ${ok}, failed ${failed}`);
  });
});
