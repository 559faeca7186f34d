/**
 * MAT v7.3 files: HDF5 with a 512-byte user block whose first 128 bytes are the MATLAB header
 * (116 bytes text, 8 bytes subsystem offset, version 0x0200, 'IM'). Each variable is a
 * dataset at the root with a `MATLAB_class` attribute; MATLAB writes arrays transposed, so the
 * HDF5 shape is the MATLAB dims reversed and the data in C order of that shape is MATLAB's
 * column-major order. Empty arrays are a uint64 dataset of their dims with `MATLAB_empty` = 1.
 *
 * HDF5 itself goes through h5wasm (the HDF5 C library compiled to WebAssembly), which works on
 * files in its Emscripten file system (the host's, in Node), so bytes pass through a temporary
 * file. h5wasm cannot set a user block when creating a file, so the writer prepends one and
 * moves the superblock's base address (and absolute end-of-file address) by 512, which is
 * exactly what HDF5 writes for a file created with a 512-byte user block.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ready, File as H5File, Dataset as H5Dataset, Group as H5Group } from 'h5wasm/node';
import { NucleiMixError } from '../core/errors.ts';
import { convertArray } from './mat5.ts';
import { CLASS_ARRAYS, MAT_CLASSES, hasHdf5Signature, numel, type MatArray, type MatClass, type MatData, type MatFile } from './mat-types.ts';

type H5Module = Awaited<typeof ready>;

let modulePromise: Promise<H5Module> | undefined;

/** The h5wasm module, with HDF5 errors thrown as exceptions rather than printed to stderr. */
function h5(): Promise<H5Module> {
  modulePromise ??= ready.then((m) => {
    m.activate_throwing_error_handler();
    return m;
  });
  return modulePromise;
}

const USER_BLOCK = 512;
/** The most deflate can expand data (zlib's technical notes: 1032:1), for bounding filtered datasets. */
const MAX_FILTER_RATIO = 1032;
const DEFAULT_HEADER = 'MATLAB 7.3 MAT-file, written by nucleimix, HDF5 schema 1.00 .';

/** HDF5 dtype strings (h5wasm's notation) of each class as MATLAB stores it. */
const DTYPES: Record<MatClass, string> = {
  double: '<d', single: '<f', int8: '<b', uint8: '<B', int16: '<h', uint16: '<H', int32: '<i', uint32: '<I',
  int64: '<q', uint64: '<Q', logical: '<B', char: '<H',
};

/** `MATLAB_int_decode` values: how MATLAB turns the stored integers back into logical or char. */
const INT_DECODE: Partial<Record<MatClass, number>> = { logical: 1, char: 2 };

let tempCounter = 0;
function tempPath(): string {
  return join(tmpdir(), `nucleimix-mat73-${process.pid}-${tempCounter++}-${randomBytes(4).toString('hex')}.h5`);
}

/** The innermost cause in an HDF5 error stack ("file signature not found"), or the message itself. */
function h5Problem(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const causes = [...text.matchAll(/#\d+: .*?\(\): (.*)$/gm)].map((m) => m[1].trim());
  return causes.length > 0 ? causes[causes.length - 1] : text.split('\n')[0];
}

function attrNames(obj: H5Dataset | H5Group): string[] {
  return Object.keys(obj.attrs);
}

function stringAttr(obj: H5Dataset | H5Group, name: string): string | undefined {
  if (!attrNames(obj).includes(name)) return undefined;
  const v = obj.get_attribute(name, false);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

function numberAttr(obj: H5Dataset | H5Group, name: string): number | undefined {
  if (!attrNames(obj).includes(name)) return undefined;
  const v = obj.get_attribute(name, false);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return Number(v);
  if (ArrayBuffer.isView(v) && (v as ArrayLike<number | bigint>).length > 0) return Number((v as ArrayLike<number | bigint>)[0]);
  return undefined;
}

/** The class of a dataset without a `MATLAB_class` attribute (a plain HDF5 file), from its element type. */
function classFromType(meta: { type: number; size: number; signed: boolean }): MatClass | undefined {
  if (meta.type === 1) return meta.size === 8 ? 'double' : meta.size === 4 ? 'single' : undefined;
  if (meta.type !== 0) return undefined;
  const bits = meta.size * 8;
  const cls = `${meta.signed ? 'int' : 'uint'}${bits}`;
  return (MAT_CLASSES as string[]).includes(cls) ? (cls as MatClass) : undefined;
}

function readDataset(ds: H5Dataset, name: string, fileBytes: number, fail: (m: string) => never): MatFile['variables'][number] {
  const meta = ds.metadata;
  const compressed = ds.filters.some((f) => f.id === 1);
  const matlabClass = stringAttr(ds, 'MATLAB_class');
  const numeric = meta.type === 0 || meta.type === 1;
  let cls: MatClass | undefined;
  if (matlabClass !== undefined) {
    if ((MAT_CLASSES as string[]).includes(matlabClass) && numeric) cls = matlabClass as MatClass;
  } else if (numeric) {
    cls = classFromType(meta);
  }
  if (cls === undefined) {
    const what = meta.type === 6 ? `complex ${matlabClass ?? 'compound'}` : matlabClass ?? `HDF5 dataset of type class ${meta.type}`;
    return { kind: 'opaque', name, what, raw: new Uint8Array(0), compressed };
  }
  const where: (m: string) => never = (m) => fail(`variable '${name}': ${m}`);
  const shape = meta.shape ?? [];
  // Bound the work before HDF5 allocates: the values must fit in the file, or in what its
  // filters (deflate: at most ~1032:1) can expand it to. Unwritten chunks read as a fill
  // value, so a tiny corrupt file could otherwise claim billions of elements.
  const needed = numel(shape) * meta.size;
  const budget = ds.filters.length > 0 ? MAX_FILTER_RATIO * fileBytes + (1 << 20) : fileBytes;
  if (!(needed <= budget)) where(`dims ${shape.slice().reverse().join('×')} of ${meta.size}-byte values need ${needed.toLocaleString('en-US')} bytes, more than this ${fileBytes.toLocaleString('en-US')}-byte file can hold`);
  const value = ds.value;
  if (!ArrayBuffer.isView(value)) where('data could not be read as numbers');
  const values = value as MatData;
  if (numberAttr(ds, 'MATLAB_empty')) {
    // An empty array: the dataset holds its MATLAB dims rather than data.
    const dims = Array.from(values as ArrayLike<number | bigint>, Number);
    if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 0 || d > 0x7fffffff) || numel(dims) !== 0) {
      where(`MATLAB_empty dataset holds dims [${dims.join(', ')}]`);
    }
    return { kind: 'array', name, class: cls, dims, data: new CLASS_ARRAYS[cls](0), compressed };
  }
  const dims = shape.slice().reverse();
  while (dims.length < 2) dims.push(1);
  const data = convertArray(values, CLASS_ARRAYS[cls]);
  if (data === undefined) where(`stored values do not fit class ${cls}`);
  if (data.length !== numel(dims)) where(`holds ${data.length} values for dims ${dims.join('×')}`);
  const arr: MatArray = { kind: 'array', name, class: cls, dims, data };
  return { ...arr, compressed };
}

/**
 * Parses a MAT v7.3 file from its bytes. Numeric, logical and char datasets at the root become
 * arrays; structs, cells, sparse, complex and objects become opaque variables with no bytes (they
 * are listed, but cannot be written back). MATLAB's internal `#refs#`/`#subsystem#` groups are
 * skipped.
 */
export async function parseMat73(bytes: Uint8Array, file: string): Promise<MatFile> {
  const fail: (m: string) => never = (m) => {
    throw new NucleiMixError(m, file);
  };
  const hasUserBlock = hasHdf5Signature(bytes, USER_BLOCK);
  if (!hasUserBlock && !hasHdf5Signature(bytes, 0)) fail('is not a MAT v7.3 file (no HDF5 signature at byte 512)');
  const header = hasUserBlock ? String.fromCharCode(...bytes.subarray(0, 116)).replace(/[\s\0]+$/, '') : '';

  const m = await h5();
  const tmp = tempPath();
  let f: H5File | undefined;
  let current: string | undefined; // the variable being read, for errors
  try {
    m.FS.writeFile(tmp, bytes);
    f = new H5File(tmp, 'r');
    if (f.file_id < 0n) fail('is not a readable HDF5 file');
    const variables: MatFile['variables'] = [];
    for (const name of f.keys()) {
      if (name.startsWith('#')) continue;
      current = name;
      const ent = f.get(name);
      if (ent instanceof H5Dataset) {
        variables.push(readDataset(ent, name, bytes.length, fail));
      } else if (ent instanceof H5Group) {
        const what = attrNames(ent).includes('MATLAB_sparse') ? 'sparse' : stringAttr(ent, 'MATLAB_class') ?? 'group';
        variables.push({ kind: 'opaque', name, what, raw: new Uint8Array(0), compressed: false });
      } else {
        variables.push({ kind: 'opaque', name, what: 'link', raw: new Uint8Array(0), compressed: false });
      }
    }
    current = undefined;
    return { version: '7.3', header, variables };
  } catch (err) {
    if (err instanceof NucleiMixError) throw err;
    // HDF5 reads a dataset's layout only when its values are read, so most corruption
    // surfaces inside one variable ("integer offset+precision out of bounds"): name it.
    const where = current === undefined ? '' : `variable '${current}': `;
    throw new NucleiMixError(`${where}corrupt or unreadable MAT v7.3 (HDF5) file (${h5Problem(err)})`, file);
  } finally {
    release(m, f, tmp);
  }
}

/** Chunk shape for a deflated dataset: whole rows of the slowest axis, about 1 MiB per chunk. */
function chunkShape(shape: number[], itemSize: number): number[] {
  const chunk = shape.slice();
  for (let axis = 0; axis < chunk.length; axis++) {
    while (numel(chunk) * itemSize > 1 << 20 && chunk[axis] > 1) chunk[axis] = Math.ceil(chunk[axis] / 2);
  }
  return chunk;
}

function writeArray(f: H5File, a: MatArray & { compressed?: boolean }): void {
  const bad: (m: string) => never = (m) => {
    throw new NucleiMixError(`variable '${a.name}': ${m}`);
  };
  const Ctor = CLASS_ARRAYS[a.class];
  if (Ctor === undefined) bad(`unknown class '${String(a.class)}'`);
  if (!(a.data instanceof Ctor)) bad(`class ${a.class} needs a ${Ctor.name}, got ${a.data?.constructor?.name}`);
  if (!Array.isArray(a.dims) || a.dims.length < 2) bad('needs at least 2 dims');
  for (const d of a.dims) if (!Number.isInteger(d) || d < 0 || d > 0x7fffffff) bad(`bad dimension ${d}`);
  const count = numel(a.dims);
  if (count !== a.data.length) bad(`holds ${a.data.length} values; its dims ${a.dims.join('×')} say ${count}`);
  if (a.name === '' || a.name.includes('/') || a.name.startsWith('#') || a.name === '.') bad('is not a valid v7.3 variable name');
  if (f.keys().includes(a.name)) bad('appears twice');

  let ds: H5Dataset;
  if (count === 0) {
    ds = f.create_dataset({ name: a.name, data: BigUint64Array.from(a.dims, BigInt), shape: [a.dims.length], dtype: '<Q' });
    ds.create_attribute('MATLAB_empty', new Uint8Array([1]), [], '<B');
  } else {
    const shape = a.dims.slice().reverse();
    const compression = a.compressed ? { chunks: chunkShape(shape, Ctor.BYTES_PER_ELEMENT), compression: 'gzip' as const, compression_opts: 3 } : {};
    ds = f.create_dataset({ name: a.name, data: a.data, shape, dtype: DTYPES[a.class], ...compression });
  }
  ds.create_attribute('MATLAB_class', a.class, null, `A${a.class.length}`);
  const decode = INT_DECODE[a.class];
  if (decode !== undefined) ds.create_attribute('MATLAB_int_decode', new Int32Array([decode]), [], '<i');
}

/**
 * Moves an HDF5 file written at offset 0 behind a user block: its superblock's base address and
 * end-of-file address are absolute, every other address is relative to the base.
 */
function relocate(h5bytes: Uint8Array, userBlock: Uint8Array): Uint8Array {
  const problem = (m: string) => new NucleiMixError(`cannot add the MATLAB header to the HDF5 file h5wasm wrote (${m})`);
  if (!hasHdf5Signature(h5bytes, 0)) throw problem('no superblock at byte 0');
  const version = h5bytes[8];
  if (version > 1) throw problem(`superblock version ${version}`);
  if (h5bytes[13] !== 8) throw problem(`${h5bytes[13]}-byte addresses`);
  const baseAt = version === 0 ? 24 : 28;
  const eofAt = baseAt + 16;
  const dv = new DataView(h5bytes.buffer, h5bytes.byteOffset, h5bytes.byteLength);
  if (dv.getBigUint64(baseAt, true) !== 0n) throw problem('non-zero base address');
  const out = new Uint8Array(userBlock.length + h5bytes.length);
  out.set(userBlock);
  out.set(h5bytes, userBlock.length);
  const odv = new DataView(out.buffer);
  odv.setBigUint64(userBlock.length + baseAt, BigInt(userBlock.length), true);
  odv.setBigUint64(userBlock.length + eofAt, dv.getBigUint64(eofAt, true) + BigInt(userBlock.length), true);
  return out;
}

/** The MATLAB header as a 512-byte user block. */
function userBlock(text: string): Uint8Array {
  const block = new Uint8Array(USER_BLOCK);
  block.fill(0x20, 0, 116);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new NucleiMixError('header text has a character outside Latin-1');
    block[i] = c;
  }
  if (text.length > 116) throw new NucleiMixError(`header text is ${text.length} bytes; at most 116 fit`);
  new DataView(block.buffer).setUint16(124, 0x0200, true);
  block[126] = 0x49; // 'I'
  block[127] = 0x4d; // 'M'
  return block;
}

/**
 * The bytes of a MAT v7.3 file holding `mat`'s arrays (deflated where `compressed`). Opaque
 * variables cannot be written to v7.3 and are an error; `file` names the destination in errors.
 */
export async function serializeMat73(mat: MatFile, file: string): Promise<Uint8Array> {
  const block = (() => {
    try {
      return userBlock(mat.header || DEFAULT_HEADER);
    } catch (err) {
      throw new NucleiMixError((err as Error).message, file);
    }
  })();
  const m = await h5();
  const tmp = tempPath();
  let f: H5File | undefined;
  try {
    // Earliest file-format bounds: a version-0 superblock and object headers every MATLAB
    // release with v7.3 support can read.
    f = new H5File(tmp, 'w', { libver: ['earliest', 'v108'] });
    for (const v of mat.variables) {
      if (v.kind !== 'array') throw new NucleiMixError(`variable '${v.name}' is a ${v.what}, which nucleimix cannot write to a v7.3 file`);
      writeArray(f, v);
    }
    f.close();
    f = undefined;
    return relocate(m.FS.readFile(tmp), block);
  } catch (err) {
    if (err instanceof NucleiMixError) throw err.file === undefined ? new NucleiMixError(err.message, file) : err;
    throw new NucleiMixError(`cannot write MAT v7.3 file (${h5Problem(err)})`, file);
  } finally {
    release(m, f, tmp);
  }
}

/**
 * Closes `f` and removes its file from h5wasm's virtual file system, whatever state they are
 * in: a file HDF5 could not fully open may refuse to close (the handle dies with the module),
 * and the file may never have been created.
 */
function release(m: H5Module, f: H5File | undefined, tmp: string): void {
  try {
    f?.close();
  } catch {
    // see above
  }
  try {
    m.FS.unlink(tmp);
  } catch {
    // see above
  }
}
