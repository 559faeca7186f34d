/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0): header parsing, reads of whole files
 * and of row ranges by file offset, serialisation and a streaming writer.
 *
 * Written here rather than taken from npm because the packages there load the whole file
 * into memory, while PanNuke's arrays exceed 2 GiB: readers here touch only the header and
 * the bytes of the rows asked for, in bounded chunks, at any file offset.
 *
 * Arrays are returned in C (row-major) order whatever the file's order. Numeric data come as
 * the typed array of the dtype (`|b1` as 0/1 bytes in a Uint8Array, 64-bit integers as
 * BigInt64Array/BigUint64Array), strings (`U`, `S`) as a string[] with numpy's trailing NULs
 * stripped.
 */
import { constants as bufferConstants } from 'node:buffer';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { NucleiMixError, naming } from '../core/errors.ts';

export type NpyNumericData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

export type NpyData = NpyNumericData | string[];

export interface NpyHeader {
  /** The dtype as the file spells it, e.g. `<f8`, `|u1`, `<U13`. */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first data byte. */
  dataOffset: number;
  /** Bytes per element. */
  itemSize: number;
  /** Format version, e.g. [1, 0]. */
  version: [number, number];
}

export interface NpyArray {
  descr: string;
  shape: number[];
  /** product(shape) elements in C order. */
  data: NpyData;
}

export interface NpyReadOptions {
  /** Largest single read from the file, in bytes (default 8 MiB). */
  chunkBytes?: number;
  /** Called before every read from the file with its byte position and length. */
  onRead?: (position: number, length: number) => void;
}

/** A parsed dtype. `kind`: b bool, i/u integer, f float, U UTF-32 string, S byte string. */
export interface NpyDType {
  kind: 'b' | 'i' | 'u' | 'f' | 'U' | 'S';
  /** Bytes per element. */
  itemSize: number;
  bigEndian: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers over 10 000 bytes by default; this leaves room and bounds reads. */
const MAX_HEADER_BYTES = 1 << 20;
const DEFAULT_CHUNK_BYTES = 8 << 20;
const HOST_BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
const SUPPORTED = '|b1 |u1 |i1 <u2 <i2 <u4 <i4 <u8 <i8 <f4 <f8 (or > big-endian), <U{n}, |S{n}';

type NumericCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => NpyNumericData;

const CTORS: Record<string, NumericCtor & { new (length: number): NpyNumericData }> = {
  b1: Uint8Array,
  u1: Uint8Array,
  i1: Int8Array,
  u2: Uint16Array,
  i2: Int16Array,
  u4: Uint32Array,
  i4: Int32Array,
  u8: BigUint64Array,
  i8: BigInt64Array,
  f4: Float32Array,
  f8: Float64Array,
};

/** Parses a dtype string; an unsupported one is a NucleiMixError (naming `file` when given). */
export function parseDescr(descr: string, file?: string): NpyDType {
  const m = /^([<>|=]?)([biufUS])(\d{1,9})$/.exec(descr);
  const fail = () => new NucleiMixError(`unsupported dtype '${descr}'; supported: ${SUPPORTED}`, file);
  if (m === null) throw fail();
  const [, order, kind, digits] = m;
  const n = Number(digits);
  if (kind === 'U' || kind === 'S') {
    if (n < 1) throw fail();
    if (kind === 'S' && order !== '|' && order !== '') throw fail();
    return { kind, itemSize: kind === 'U' ? 4 * n : n, bigEndian: kind === 'U' && (order === '>' || (order === '=' && HOST_BIG_ENDIAN)) };
  }
  if (CTORS[kind + digits] === undefined || (kind === 'b' && n !== 1)) throw fail();
  // '|' means "byte order does not apply", which numpy writes only for one-byte types.
  if (n > 1 && (order === '|' || order === '')) throw fail();
  return { kind: kind as NpyDType['kind'], itemSize: n, bigEndian: order === '>' || (order === '=' && HOST_BIG_ENDIAN) };
}

/** A zeroed typed array for a numeric dtype (byte order is applied on writing, not here). */
export function npyTypedArray(descr: string, length: number): NpyNumericData {
  const dt = parseDescr(descr);
  const ctor = CTORS[dt.kind + dt.itemSize];
  if (ctor === undefined) throw new NucleiMixError(`dtype '${descr}' is not numeric`);
  return new ctor(length);
}

const INT_RANGES: Record<string, [number, number]> = {
  b1: [0, 1],
  u1: [0, 255],
  i1: [-128, 127],
  u2: [0, 65535],
  i2: [-32768, 32767],
  u4: [0, 4294967295],
  i4: [-2147483648, 2147483647],
  u8: [0, Number.MAX_SAFE_INTEGER],
  i8: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Converts numbers to a numeric dtype's typed array. Integer dtypes take only integers in
 * their range (a silent wrap would corrupt ids): anything else is a NucleiMixError saying
 * which element.
 */
export function npyFromNumbers(descr: string, values: ArrayLike<number>): NpyNumericData {
  const out = npyTypedArray(descr, values.length);
  const dt = parseDescr(descr);
  if (dt.kind === 'f') {
    (out as Float64Array).set(values);
    return out;
  }
  const [lo, hi] = INT_RANGES[dt.kind + dt.itemSize];
  const big = dt.itemSize === 8;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new NucleiMixError(`value ${v} at element ${i} does not fit dtype '${descr}' (integers ${lo}..${hi})`);
    }
    if (big) (out as BigInt64Array)[i] = BigInt(v);
    else (out as Int32Array)[i] = v;
  }
  return out;
}

/** Number of elements of a shape; a NucleiMixError when it is not a safe integer. */
function elementCount(shape: readonly number[], file?: string): number {
  let n = 1;
  for (const s of shape) {
    if (!Number.isSafeInteger(s) || s < 0) throw new NucleiMixError(`invalid shape (${shape.join(', ')})`, file);
    n *= s;
  }
  if (!Number.isSafeInteger(n)) throw new NucleiMixError(`shape (${shape.join(', ')}) is too large`, file);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Header dictionary: a Python literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }

type PyValue = string | number | boolean | null | PyValue[] | { tuple: PyValue[] } | Map<PyValue, PyValue>;

/**
 * Parses the Python literal numpy writes as the header (dicts, tuples, lists, strings,
 * integers, True/False/None) — the subset numpy's own `safe_eval` accepts that headers use.
 */
function parsePyLiteral(text: string, file: string): PyValue {
  let pos = 0;
  const fail = (why: string): never => {
    const shown = text.length > 120 ? text.slice(0, 120) + '…' : text;
    throw new NucleiMixError(`unparseable header ${JSON.stringify(shown)}: ${why} at character ${pos}`, file);
  };
  const skip = () => {
    while (pos < text.length && ' \t\r\n'.includes(text[pos])) pos++;
  };
  const expect = (ch: string) => {
    skip();
    if (text[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };
  const sequence = (close: string, depth: number): { items: PyValue[]; trailingComma: boolean } => {
    const items: PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      skip();
      if (text[pos] === close) break;
      items.push(value(depth + 1));
      skip();
      trailingComma = false;
      if (text[pos] === ',') {
        pos++;
        trailingComma = true;
      } else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
    pos++;
    return { items, trailingComma };
  };
  const str = (): string => {
    const quote = text[pos++];
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text[pos++];
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'x' || e === 'u') {
        const len = e === 'x' ? 2 : 4;
        const hex = text.slice(pos, pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('bad escape');
        out += String.fromCharCode(parseInt(hex, 16));
        pos += len;
      } else out += '\\' + (e ?? '');
    }
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) fail('nesting too deep');
    skip();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const map = new Map<PyValue, PyValue>();
      for (;;) {
        skip();
        if (text[pos] === '}') break;
        const k = value(depth + 1);
        expect(':');
        map.set(k, value(depth + 1));
        skip();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') fail("expected ',' or '}'");
      }
      pos++;
      return map;
    }
    if (c === '(') {
      pos++;
      const { items, trailingComma } = sequence(')', depth);
      // "(3)" is just 3 in Python; only "(3,)" is a one-tuple.
      return items.length === 1 && !trailingComma ? items[0] : { tuple: items };
    }
    if (c === '[') {
      pos++;
      return sequence(']', depth).items;
    }
    if (c === "'" || c === '"') return str();
    const num = /^[+-]?\d+L?/.exec(text.slice(pos, pos + 40));
    if (num !== null) {
      pos += num[0].length;
      const v = Number(num[0].replace('L', ''));
      if (!Number.isSafeInteger(v)) fail('integer too large');
      return v;
    }
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    return fail('unexpected character');
  };
  const result = value(0);
  skip();
  if (pos < text.length) fail('unexpected text after the dictionary');
  return result;
}

/** The header fields from the dictionary text, validated as numpy does. */
function headerFields(text: string, file: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const d = parsePyLiteral(text, file);
  if (!(d instanceof Map)) throw new NucleiMixError(`header is not a dictionary: ${JSON.stringify(text.slice(0, 120))}`, file);
  const keys = [...d.keys()].map(String).sort().join(', ');
  if (d.size !== 3 || keys !== 'descr, fortran_order, shape') {
    throw new NucleiMixError(`header has keys {${keys}}; expected descr, fortran_order, shape`, file);
  }
  const descr = d.get('descr');
  const fortranOrder = d.get('fortran_order');
  const shape = d.get('shape');
  if (typeof descr !== 'string') throw new NucleiMixError('structured (record) dtypes are not supported; descr must be a simple dtype string', file);
  if (typeof fortranOrder !== 'boolean') throw new NucleiMixError(`header fortran_order is ${JSON.stringify(fortranOrder)}; expected True or False`, file);
  if (shape === null || typeof shape !== 'object' || !('tuple' in shape) || !shape.tuple.every((s) => typeof s === 'number' && s >= 0)) {
    throw new NucleiMixError('header shape is not a tuple of non-negative integers', file);
  }
  return { descr, fortranOrder, shape: shape.tuple as number[] };
}

// ---------------------------------------------------------------------------------------------
// Reading

async function openForReading(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    // Checked before opening: opening a FIFO for reading would block forever.
    if (!(await stat(path)).isFile()) throw new NucleiMixError('is not a regular file', path);
    fh = await open(path, 'r');
  } catch (err) {
    if (err instanceof NucleiMixError) throw err;
    throw new NucleiMixError(`cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  return fh;
}

/** Fills dst[offset, offset+length) from the file at `position`, in reads of at most `chunk` bytes. */
async function readFully(fh: FileHandle, path: string, dst: Uint8Array, offset: number, length: number, position: number, options: NpyReadOptions): Promise<void> {
  const chunk = chunkBytesOf(options);
  let done = 0;
  while (done < length) {
    const n = Math.min(chunk, length - done);
    options.onRead?.(position + done, n);
    const { bytesRead } = await fh.read(dst, offset + done, n, position + done);
    if (bytesRead === 0) throw new NucleiMixError(`ended at byte ${position + done} while reading; was the file truncated?`, path);
    done += bytesRead;
  }
}

function chunkBytesOf(options: NpyReadOptions): number {
  const c = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(c) || c < 1) throw new NucleiMixError(`chunk size ${c} must be a positive integer`);
  return c;
}

async function headerOf(fh: FileHandle, path: string): Promise<NpyHeader> {
  const size = (await fh.stat()).size;
  if (size < 10) throw new NucleiMixError(`is ${size} bytes, too short to be a .npy file`, path);
  const pre = new Uint8Array(12);
  await readFully(fh, path, pre, 0, Math.min(12, size), 0, {});
  if (!MAGIC.every((b, i) => pre[i] === b)) throw new NucleiMixError('is not a .npy file (bad magic bytes)', path);
  const major = pre[6];
  const minor = pre[7];
  if (major < 1 || major > 3 || minor !== 0) throw new NucleiMixError(`uses .npy format version ${major}.${minor}; supported: 1.0, 2.0, 3.0`, path);
  const view = new DataView(pre.buffer);
  const preamble = major === 1 ? 10 : 12;
  if (size < preamble) throw new NucleiMixError(`is ${size} bytes, too short for a version ${major}.0 header`, path);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER_BYTES) throw new NucleiMixError(`header length ${headerLen} is implausibly large (corrupt file?)`, path);
  if (preamble + headerLen > size) throw new NucleiMixError(`header length ${headerLen} runs past the end of the file (${size} bytes)`, path);
  const raw = new Uint8Array(headerLen);
  await readFully(fh, path, raw, 0, headerLen, preamble, {});
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(raw);
  } catch {
    throw new NucleiMixError('header is not valid UTF-8', path);
  }
  const { descr, fortranOrder, shape } = headerFields(text, path);
  const dtype = parseDescr(descr, path);
  const count = elementCount(shape, path);
  const dataOffset = preamble + headerLen;
  const expected = count * dtype.itemSize;
  const actual = size - dataOffset;
  const what = `shape (${shape.join(', ')}) of ${descr} needs ${expected} bytes of data`;
  if (!Number.isSafeInteger(expected) || actual < expected) throw new NucleiMixError(`is truncated: ${what} but only ${actual} follow the header`, path);
  if (actual > expected) throw new NucleiMixError(`has ${actual - expected} unexpected bytes after the data (${what})`, path);
  return { descr, fortranOrder, shape, dataOffset, itemSize: dtype.itemSize, version: [major, minor] };
}

/** Reads and validates the header of a .npy file (including that the data size matches). */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  return naming(path, async () => {
    const fh = await openForReading(path);
    try {
      return await headerOf(fh, path);
    } finally {
      await fh.close();
    }
  });
}

/** Reverses the byte order of each `size`-byte element in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Turns raw element bytes (a fresh buffer, offset 0) into the dtype's JS representation. */
function decode(raw: Uint8Array, dt: NpyDType, count: number, path: string): NpyData {
  if (dt.kind === 'U' || dt.kind === 'S') {
    const out = new Array<string>(count);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      const base = i * dt.itemSize;
      let s = '';
      if (dt.kind === 'S') {
        let end = dt.itemSize;
        while (end > 0 && raw[base + end - 1] === 0) end--;
        for (let k = 0; k < end; k++) s += String.fromCharCode(raw[base + k]);
      } else {
        const units = dt.itemSize / 4;
        let end = units;
        while (end > 0 && view.getUint32(base + 4 * (end - 1), !dt.bigEndian) === 0) end--;
        for (let k = 0; k < end; k++) {
          const cp = view.getUint32(base + 4 * k, !dt.bigEndian);
          if (cp > 0x10ffff) throw new NucleiMixError(`string element ${i} holds ${cp}, which is not a Unicode code point`, path);
          s += String.fromCodePoint(cp);
        }
      }
      out[i] = s;
    }
    return out;
  }
  if (dt.itemSize > 1 && dt.bigEndian !== HOST_BIG_ENDIAN) swapBytes(raw, dt.itemSize);
  return new CTORS[dt.kind + dt.itemSize](raw.buffer as ArrayBuffer, raw.byteOffset, count);
}

/**
 * Copies the elements of rows [start, start+count) of a Fortran-ordered array into `dst` in
 * C order. In Fortran order axis 0 varies fastest, so the wanted elements are `P` runs of
 * `count` elements (P = product of the other axes), one run per position on the other axes;
 * the file is read in windows of at most the chunk size, skipping the gaps between runs.
 */
async function gatherFortran(fh: FileHandle, path: string, header: NpyHeader, start: number, count: number, dst: Uint8Array, options: NpyReadOptions): Promise<void> {
  const { shape, itemSize: is, dataOffset } = header;
  const s0 = shape[0];
  const rest = shape.slice(1);
  const P = elementCount(rest);
  if (count === 0 || P === 0) return;
  // C-order strides of the other axes, so that each run knows where its elements go.
  const cStride = rest.map((_, m) => rest.slice(m + 1).reduce((a, b) => a * b, 1));
  const idx = rest.map(() => 0);
  let cj = 0;
  const windowItems = Math.max(1, Math.floor(chunkBytesOf(options) / is));
  const window = new Uint8Array(Math.min(windowItems, (P - 1) * s0 + count) * is);
  const end = (P - 1) * s0 + start + count;
  let j = 0;
  let a = start;
  while (j < P) {
    const b = Math.min(a + windowItems, end);
    await readFully(fh, path, window, 0, (b - a) * is, dataOffset + a * is, options);
    while (j < P) {
      const rs = j * s0 + start;
      if (rs >= b) break;
      const re = rs + count;
      const lo = Math.max(rs, a);
      const hi = Math.min(re, b);
      for (let item = lo; item < hi; item++) {
        const d = ((item - rs) * P + cj) * is;
        dst.set(window.subarray((item - a) * is, (item - a + 1) * is), d);
      }
      if (re > b) break;
      j++;
      // Advance the multi-index of the other axes, first axis fastest (Fortran order).
      for (let m = 0; m < idx.length; m++) {
        idx[m]++;
        cj += cStride[m];
        if (idx[m] < rest[m]) break;
        cj -= idx[m] * cStride[m];
        idx[m] = 0;
      }
    }
    a = j < P ? Math.max(b, j * s0 + start) : b;
  }
}

async function readRows(fh: FileHandle, path: string, header: NpyHeader, start: number, count: number, options: NpyReadOptions): Promise<NpyArray> {
  const { shape, descr, itemSize, dataOffset } = header;
  const dt = parseDescr(descr, path);
  const rowItems = elementCount(shape.slice(1), path);
  const items = count * rowItems;
  const bytes = items * itemSize;
  if (bytes > bufferConstants.MAX_LENGTH) throw new NucleiMixError(`${count} rows are ${bytes} bytes, too many to hold in memory at once; read fewer`, path);
  const raw = new Uint8Array(bytes);
  if (header.fortranOrder && shape.length > 1) await gatherFortran(fh, path, header, start, count, raw, options);
  else await readFully(fh, path, raw, 0, bytes, dataOffset + start * rowItems * itemSize, options);
  return { descr, shape: [count, ...shape.slice(1)], data: decode(raw, dt, items, path) };
}

/**
 * Reads rows [start, start+count) along axis 0 (C order in the result, whatever the file's
 * order), reading only their bytes, in chunks of at most `options.chunkBytes`.
 *
 * @returns an array of shape [count, ...header.shape.slice(1)].
 */
export async function readNpySlice(path: string, header: NpyHeader, start: number, count: number, options: NpyReadOptions = {}): Promise<NpyArray> {
  return naming(path, async () => {
    if (header.shape.length === 0) throw new NucleiMixError('is a 0-d array; it has no rows to slice', path);
    const n = header.shape[0];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > n) {
      throw new NucleiMixError(`rows [${start}, ${start + count}) are outside the array's ${n} rows`, path);
    }
    const fh = await openForReading(path);
    try {
      return await readRows(fh, path, header, start, count, options);
    } finally {
      await fh.close();
    }
  });
}

/** Reads a whole .npy file. For small files: PanNuke-size arrays should be read by slices. */
export async function readNpy(path: string, options: NpyReadOptions = {}): Promise<NpyArray> {
  return naming(path, async () => {
    const fh = await openForReading(path);
    try {
      const header = await headerOf(fh, path);
      if (header.shape.length > 0) return await readRows(fh, path, header, 0, header.shape[0], options);
      const rows = await readRows(fh, path, { ...header, shape: [1] }, 0, 1, options);
      return { ...rows, shape: [] };
    } finally {
      await fh.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * The header (magic, version, length, dictionary, padding) numpy 1.24 writes for a C-order
 * array of this dtype and shape, byte for byte, so that our files compare equal to numpy's.
 * Followed by product(shape) × itemsize data bytes it makes a .npy file.
 */
export function serializeNpyHeader(descr: string, shape: readonly number[]): Uint8Array {
  parseDescr(descr);
  elementCount(shape);
  return headerBytes(descr, shape);
}

function headerBytes(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy leaves room to grow axis 0 in place (GROWTH_AXIS_MAX_DIGITS = 21).
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, 21 - String(shape[0]).length));
  const hlen = dict.length + 1;
  // Version 1.0 unless its 16-bit header length cannot hold the (padded) header, as numpy does.
  const padFor = (preamble: number) => 64 - ((preamble + hlen) % 64);
  const major = hlen + padFor(10) <= 65535 ? 1 : 2;
  const preamble = major === 1 ? 10 : 12;
  const pad = padFor(preamble);
  const total = preamble + hlen + pad;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, total - preamble, true);
  else view.setUint32(8, total - preamble, true);
  const text = dict + ' '.repeat(pad) + '\n';
  for (let i = 0; i < text.length; i++) out[preamble + i] = text.charCodeAt(i);
  return out;
}

/** The file bytes of `data` (a whole number of elements) in dtype `dt`. */
function encode(descr: string, dt: NpyDType, data: NpyData): Uint8Array {
  if (dt.kind === 'U' || dt.kind === 'S') {
    if (!Array.isArray(data)) throw new NucleiMixError(`dtype '${descr}' needs an array of strings`);
    const out = new Uint8Array(data.length * dt.itemSize);
    const view = new DataView(out.buffer);
    data.forEach((s, i) => {
      const cps = Array.from(s, (ch) => ch.codePointAt(0)!);
      const room = dt.kind === 'U' ? dt.itemSize / 4 : dt.itemSize;
      if (cps.length > room) throw new NucleiMixError(`string ${JSON.stringify(s)} is longer than dtype '${descr}' holds`);
      cps.forEach((cp, k) => {
        if (dt.kind === 'U') view.setUint32(i * dt.itemSize + 4 * k, cp, !dt.bigEndian);
        else if (cp > 255) throw new NucleiMixError(`string ${JSON.stringify(s)} has characters that dtype '${descr}' (bytes) cannot hold`);
        else out[i * dt.itemSize + k] = cp;
      });
    });
    return out;
  }
  const ctor = CTORS[dt.kind + dt.itemSize];
  if (Array.isArray(data) || data.constructor !== ctor) {
    throw new NucleiMixError(`dtype '${descr}' needs a ${ctor.name}, got ${Array.isArray(data) ? 'strings' : data.constructor.name}`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (dt.itemSize === 1 || dt.bigEndian === HOST_BIG_ENDIAN) return bytes;
  const swapped = bytes.slice();
  swapBytes(swapped, dt.itemSize);
  return swapped;
}

/** The bytes of a .npy file (C order) holding `arr`; the header is what numpy would write. */
export function serializeNpy(arr: NpyArray): Uint8Array {
  const dt = parseDescr(arr.descr);
  const n = elementCount(arr.shape);
  if (arr.data.length !== n) throw new NucleiMixError(`array of shape (${arr.shape.join(', ')}) needs ${n} elements, got ${arr.data.length}`);
  const head = headerBytes(arr.descr, arr.shape);
  const body = encode(arr.descr, dt, arr.data);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

export interface NpyWriter {
  /** Appends elements in C order (typically whole rows): the dtype's typed array, or strings. */
  append(values: NpyData): Promise<void>;
  /** Closes the file; a NucleiMixError when fewer elements than the shape needs were appended. */
  close(): Promise<void>;
}

/**
 * Opens `path` for writing an array of known `shape` and dtype `descr` (C order), to be
 * filled by appending elements in order — for arrays too large to hold at once.
 */
export async function createNpyWriter(path: string, descr: string, shape: readonly number[]): Promise<NpyWriter> {
  const dt = parseDescr(descr, path);
  const total = elementCount(shape, path);
  let fh: FileHandle;
  try {
    fh = await open(path, 'w');
  } catch (err) {
    throw new NucleiMixError(`cannot be created (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  const head = headerBytes(descr, shape);
  let position = 0;
  let written = 0;
  let closed = false;
  const put = async (bytes: Uint8Array) => {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
    position += bytes.length;
  };
  try {
    await put(head);
  } catch (err) {
    await fh.close();
    throw new NucleiMixError(`cannot be written (${(err as Error).message})`, path);
  }
  return {
    async append(values) {
      if (closed) throw new NucleiMixError('append after close', path);
      if (written + values.length > total) {
        throw new NucleiMixError(`too many elements appended: shape (${shape.join(', ')}) holds ${total}, got ${written + values.length}`, path);
      }
      const bytes = await naming(path, () => encode(descr, dt, values));
      await naming(path, () => put(bytes));
      written += values.length;
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
      if (written !== total) throw new NucleiMixError(`closed after ${written} of the ${total} elements of shape (${shape.join(', ')})`, path);
    },
  };
}
