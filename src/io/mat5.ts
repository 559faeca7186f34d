/**
 * MAT v5 files (MATLAB -v6/-v7), read and written on node:zlib. Our own code because the only
 * npm MAT reader is GPL and loses dtypes; v5 is a simple tagged format (MathWorks' "MAT-File
 * Format" document), so a small codec that keeps every class and storage type exactly is less
 * work than adapting one.
 *
 * Layout: a 128-byte header (116 bytes text, 8 bytes subsystem offset, version 0x0100, endian
 * indicator 'IM' = little-endian), then data elements, each an 8-byte tag (type, byte count)
 * and its data padded to 8 bytes. A variable is an miMATRIX element (array flags, dims, name,
 * real part, ...), possibly wrapped in a zlib-compressed miCOMPRESSED element (not padded).
 * Elements of at most 4 bytes may use the "small data element" form: byte count and type packed
 * into the first 4 bytes, data in the next 4.
 */
import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import { constants as zlibConstants, deflate, deflateSync, inflate, inflateSync } from 'node:zlib';
import { NucleiMixError, namingSync } from '../core/errors.ts';
import type { MatArray, MatClass, MatData, MatFile, MatOpaque, MatVariable } from './mat-types.ts';

const miMATRIX = 14;
const miCOMPRESSED = 15;
const miINT8 = 1;
const miUINT32 = 6;
const miINT32 = 5;

type NumberArray = Exclude<MatData, BigInt64Array | BigUint64Array>;
type AnyArray = MatData;
type ArrayCtor = { new (n: number): AnyArray; new (buf: ArrayBuffer, off: number, len: number): AnyArray; BYTES_PER_ELEMENT: number };

/** The element types a numeric or char array's data may be stored as. */
interface Storage {
  code: number;
  name: string;
  size: number;
  Array: ArrayCtor;
}

const STORAGES: Storage[] = [
  { code: 1, name: 'miINT8', size: 1, Array: Int8Array },
  { code: 2, name: 'miUINT8', size: 1, Array: Uint8Array },
  { code: 3, name: 'miINT16', size: 2, Array: Int16Array },
  { code: 4, name: 'miUINT16', size: 2, Array: Uint16Array },
  { code: 5, name: 'miINT32', size: 4, Array: Int32Array },
  { code: 6, name: 'miUINT32', size: 4, Array: Uint32Array },
  { code: 7, name: 'miSINGLE', size: 4, Array: Float32Array },
  { code: 9, name: 'miDOUBLE', size: 8, Array: Float64Array },
  { code: 12, name: 'miINT64', size: 8, Array: BigInt64Array },
  { code: 13, name: 'miUINT64', size: 8, Array: BigUint64Array },
  { code: 16, name: 'miUTF8', size: 1, Array: Uint8Array },
  { code: 17, name: 'miUTF16', size: 2, Array: Uint16Array },
  { code: 18, name: 'miUTF32', size: 4, Array: Uint32Array },
] as Storage[];
const STORAGE_BY_CODE = new Map(STORAGES.map((s) => [s.code, s]));
const STORAGE_BY_NAME = new Map(STORAGES.map((s) => [s.name, s]));

/** mxCLASS codes of the classes nucleimix reads as arrays (logical is uint8 + the logical flag). */
const CLASS_BY_CODE: Record<number, MatClass> = {
  4: 'char', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const OPAQUE_CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 5: 'sparse', 16: 'function handle', 17: 'object (opaque class)',
};

interface ClassInfo {
  code: number;
  natural: string;
  Array: ArrayCtor;
}
const CLASS_INFO: Record<MatClass, ClassInfo> = {
  double: { code: 6, natural: 'miDOUBLE', Array: Float64Array },
  single: { code: 7, natural: 'miSINGLE', Array: Float32Array },
  int8: { code: 8, natural: 'miINT8', Array: Int8Array },
  uint8: { code: 9, natural: 'miUINT8', Array: Uint8Array },
  int16: { code: 10, natural: 'miINT16', Array: Int16Array },
  uint16: { code: 11, natural: 'miUINT16', Array: Uint16Array },
  int32: { code: 12, natural: 'miINT32', Array: Int32Array },
  uint32: { code: 13, natural: 'miUINT32', Array: Uint32Array },
  int64: { code: 14, natural: 'miINT64', Array: BigInt64Array },
  uint64: { code: 15, natural: 'miUINT64', Array: BigUint64Array },
  logical: { code: 9, natural: 'miUINT8', Array: Uint8Array },
  // MATLAB (v7) writes ASCII text as miUTF8 and other text as miUTF16; see defaultStorage.
  char: { code: 4, natural: 'miUTF8', Array: Uint16Array },
} as Record<MatClass, ClassInfo>;

/**
 * The element type the writer uses for an array without a remembered storage type; the reader
 * remembers a file's type exactly when it differs from this, so that writing reproduces it.
 */
function defaultStorage(cls: MatClass, data: AnyArray): string {
  if (cls === 'char') return (data as Uint16Array).some((c) => c > 0x7f) ? 'miUTF16' : 'miUTF8';
  return CLASS_INFO[cls].natural;
}

const FLAG_LOGICAL = 0x200;
const FLAG_GLOBAL = 0x400;
const FLAG_COMPLEX = 0x800;

/** Nesting depth beyond which an element tree is taken as corrupt (MATLAB files nest a few levels). */
const MAX_DEPTH = 200;

/** The largest element a compressed one can hold (its byte count is a uint32), so a corrupt stream cannot inflate without bound. */
const MAX_INFLATED = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32 + 8);
/** The most deflate can expand data (zlib's technical notes: 1032:1). */
const MAX_DEFLATE_RATIO = 1032;

/** The most `n` compressed bytes can inflate to: bounds the memory and time a corrupt stream costs. */
function inflateLimit(n: number): number {
  return Math.min(MAX_INFLATED, MAX_DEFLATE_RATIO * n + 1024);
}

/**
 * Output chunk for inflating `n` compressed bytes on the thread pool: zlib's default 16 KiB
 * makes a label map of 8 MB (CoNSeP's doubles, ~100 KB deflated) cost ~500 round trips to the
 * main thread, each copying; 64× the input, within 64 KiB–4 MiB, makes it a handful.
 */
function inflateChunk(n: number): number {
  return Math.min(4 << 20, Math.max(64 << 10, 64 * n));
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const pad8 = (n: number) => (n + 7) & ~7;

/** A copy in a fresh buffer (`Buffer#slice` would return a view of the same memory). */
function copyBytes(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b);
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function isBig(a: AnyArray): a is BigInt64Array | BigUint64Array {
  return a instanceof BigInt64Array || a instanceof BigUint64Array;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

// ----------------------------------------------------------------------------------------------
// Reading

interface Element {
  type: number;
  data: Uint8Array;
  /** Offset just past the element and its padding. */
  end: number;
}

/** One data element at `pos` of `buf`; every length is checked against the bytes there are. */
function readElement(buf: Uint8Array, dv: DataView, pos: number, le: boolean, fail: (m: string) => never): Element {
  if (buf.length - pos < 8) fail(`truncated element tag at byte ${pos} of its parent`);
  const first = dv.getUint32(pos, le);
  if (first >>> 16 !== 0) {
    const n = first >>> 16;
    if (n > 4) fail(`small data element at byte ${pos} claims ${n} bytes (at most 4)`);
    return { type: first & 0xffff, data: buf.subarray(pos + 4, pos + 4 + n), end: pos + 8 };
  }
  const n = dv.getUint32(pos + 4, le);
  const left = buf.length - pos - 8;
  if (n > left) fail(`element at byte ${pos} claims ${n} bytes but only ${left} follow`);
  return { type: first, data: buf.subarray(pos + 8, pos + 8 + n), end: Math.min(pos + 8 + pad8(n), buf.length) };
}

/** `bytes` as a typed array of `storage` in host byte order: a view of them where it can be, else a copy. */
function typedFromBytes(bytes: Uint8Array, storage: Storage, le: boolean): AnyArray {
  // In the host's byte order and aligned (MAT pads every element to 8 bytes, and inflated
  // elements start a buffer of their own): a view, not a copy — label maps are 8 MB each, read
  // for every image. Views of one element never overlap another variable's bytes.
  if (le === HOST_LE && bytes.byteOffset % storage.size === 0) return new storage.Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, Math.floor(bytes.length / storage.size));
  const copy = copyBytes(bytes);
  if (le !== HOST_LE && storage.size > 1) swapWords(copy, 0, copy.length, storage.size);
  return new storage.Array(copy.buffer, 0, copy.length / storage.size);
}

function swapWords(b: Uint8Array, start: number, end: number, size: number): void {
  for (let i = start; i + size <= end; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) {
      const t = b[a];
      b[a] = b[z];
      b[z] = t;
    }
  }
}

/** `src` converted element-wise to `Ctor` (numbers ↔ bigints where needed). Returns undefined if a value is not an integer where one is needed. */
export function convertArray(src: AnyArray, Ctor: new (n: number) => AnyArray): AnyArray | undefined {
  if (src instanceof Ctor) return src;
  const out = new Ctor(src.length);
  if (isBig(src) === isBig(out)) {
    (out as NumberArray).set(src as NumberArray);
  } else if (isBig(out)) {
    for (let i = 0; i < src.length; i++) {
      const v = src[i] as number;
      if (!Number.isInteger(v)) return undefined;
      out[i] = BigInt(v);
    }
  } else {
    for (let i = 0; i < src.length; i++) (out as NumberArray)[i] = Number(src[i]);
  }
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Char data as UTF-16 code units, whatever element type stores it. */
function decodeChars(bytes: Uint8Array, storage: Storage, le: boolean, count: number, fail: (m: string) => never): Uint16Array {
  let text: string | undefined;
  if (storage.name === 'miUTF8') {
    try {
      text = utf8Decoder.decode(bytes);
    } catch {
      fail('char data is not valid UTF-8');
    }
  } else if (storage.name === 'miUTF32') {
    if (bytes.length % 4 !== 0) fail(`miUTF32 char data of ${bytes.length} bytes`);
    const points = typedFromBytes(bytes, storage, le) as Uint32Array;
    text = '';
    for (const p of points) {
      if (p > 0x10ffff) fail(`char data holds code point ${p}`);
      text += String.fromCodePoint(p);
    }
  }
  if (text !== undefined) {
    if (text.length !== count) fail(`char data holds ${text.length} characters; its dims say ${count}`);
    const out = new Uint16Array(count);
    for (let i = 0; i < count; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  if (bytes.length % storage.size !== 0) fail(`${storage.name} data of ${bytes.length} bytes`);
  const values = typedFromBytes(bytes, storage, le);
  if (values.length !== count) fail(`holds ${values.length} characters; its dims say ${count}`);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) fail(`char data holds ${v}, not a UTF-16 code unit`);
    out[i] = v;
  }
  return out;
}

/** The name sub-element's text. */
function decodeName(el: Element, fail: (m: string) => never): string {
  if (el.type === 16) {
    try {
      return utf8Decoder.decode(el.data);
    } catch {
      fail('variable name is not valid UTF-8');
    }
  }
  if (el.type !== miINT8 && el.type !== 2) fail(`variable name stored as element type ${el.type}`);
  return latin1(el.data);
}

/**
 * A copy of the miMATRIX element `el` (from a file of byte order `le`) as little-endian bytes:
 * every sub-element's tag and data words are swapped; nested miMATRIX elements (cell contents,
 * struct fields) are walked recursively.
 */
function elementToLittleEndian(el: Uint8Array, le: boolean, fail: (m: string) => never): Uint8Array {
  const out = copyBytes(el);
  if (le) return out;
  const src = viewOf(el);
  const dst = viewOf(out);
  const walk = (start: number, end: number, depth: number): void => {
    if (depth > MAX_DEPTH) fail('elements nested too deeply');
    let pos = start;
    while (pos < end) {
      if (end - pos < 8) {
        if (el.subarray(pos, end).some((b) => b !== 0)) fail(`stray bytes at byte ${pos}`);
        return;
      }
      const first = src.getUint32(pos, false);
      let type: number;
      let dataStart: number;
      let n: number;
      let next: number;
      if (first >>> 16 !== 0) {
        n = first >>> 16;
        type = first & 0xffff;
        if (n > 4) fail(`small data element at byte ${pos} claims ${n} bytes`);
        dst.setUint32(pos, first, true);
        dataStart = pos + 4;
        next = pos + 8;
      } else {
        type = first;
        n = src.getUint32(pos + 4, false);
        if (n > end - pos - 8) fail(`element at byte ${pos} claims ${n} bytes but only ${end - pos - 8} follow`);
        dst.setUint32(pos, type, true);
        dst.setUint32(pos + 4, n, true);
        dataStart = pos + 8;
        next = Math.min(pos + 8 + pad8(n), end);
      }
      if (type === miMATRIX) {
        walk(dataStart, dataStart + n, depth + 1);
      } else {
        const storage = STORAGE_BY_CODE.get(type);
        if (storage === undefined) fail(`element of unknown type ${type} at byte ${pos}`);
        swapWords(out, dataStart, dataStart + n, storage.size);
      }
      pos = next;
    }
  };
  walk(0, el.length, 0);
  return out;
}

/**
 * Parses one miMATRIX element (tag included). `subsystem` marks the element the header's
 * subsystem offset points at, which is kept opaque whatever it holds.
 */
function parseMatrix(el: Uint8Array, le: boolean, fail: (m: string) => never, subsystem: boolean): MatVariable {
  const dv = viewOf(el);
  const n = dv.getUint32(4, le);
  if (n > el.length - 8) fail(`miMATRIX element claims ${n} bytes but only ${el.length - 8} follow`);
  const body = el.subarray(8, 8 + n);
  const bdv = viewOf(body);
  const opaque = (name: string, what: string): MatOpaque => ({
    kind: 'opaque',
    name,
    what,
    raw: elementToLittleEndian(el.subarray(0, 8 + n), le, fail),
  });
  if (n === 0) return opaque('', 'empty element');

  const flagsEl = readElement(body, bdv, 0, le, fail);
  if ((flagsEl.type !== miUINT32 && flagsEl.type !== miINT32) || flagsEl.data.length < 4) fail('array flags missing');
  const flags = viewOf(flagsEl.data).getUint32(0, le);
  const code = flags & 0xff;
  if (code === 17) {
    // MCOS objects (string, table, ...): flags, then the name, then class strings; no dims.
    const nameEl = readElement(body, bdv, flagsEl.end, le, fail);
    return opaque(decodeName(nameEl, fail), OPAQUE_CLASS_NAMES[code]);
  }
  const dimsEl = readElement(body, bdv, flagsEl.end, le, fail);
  if ((dimsEl.type !== miINT32 && dimsEl.type !== miUINT32) || dimsEl.data.length % 4 !== 0) fail('dimensions missing');
  const ndims = dimsEl.data.length / 4;
  const ddv = viewOf(dimsEl.data);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) {
    const d = ddv.getInt32(4 * i, le);
    if (d < 0) fail(`dimension ${i + 1} is ${d}`);
    dims.push(d);
  }
  const nameEl = readElement(body, bdv, dimsEl.end, le, fail);
  const name = decodeName(nameEl, fail);
  const where: (m: string) => never = (m) => fail(`variable '${name}': ${m}`);

  const isLogical = (flags & FLAG_LOGICAL) !== 0;
  const isComplex = (flags & FLAG_COMPLEX) !== 0;
  const base = CLASS_BY_CODE[code];
  let what: string | undefined;
  if (subsystem) what = 'subsystem';
  else if (code === 5) what = `${isComplex ? 'complex ' : ''}sparse${isLogical ? ' logical' : ''}`;
  else if (base === undefined) what = OPAQUE_CLASS_NAMES[code] ?? `unknown class ${code}`;
  else if (isComplex) what = `complex ${base}`;
  else if (isLogical && base !== 'uint8') what = `logical stored as ${base}`;
  if (what !== undefined) return opaque(name, what);

  if (ndims < 2) where(`has ${ndims} dimension(s); MATLAB arrays have at least 2`);
  let count = 1;
  for (const d of dims) count *= d;
  const cls: MatClass = isLogical ? 'logical' : base!;
  const info = CLASS_INFO[cls];
  let dataEl: Element | undefined;
  if (nameEl.end < body.length) dataEl = readElement(body, bdv, nameEl.end, le, fail);
  if (dataEl === undefined) {
    if (count !== 0) where(`has no data for ${dims.join('×')} values`);
    return { kind: 'array', name, class: cls, dims, data: new info.Array(0) };
  }
  // Every element takes at least one byte, so a count beyond the bytes is corrupt; checked
  // before anything is allocated from it.
  if (cls === 'char' && count > dataEl.data.length && count > 0) where(`dims ${dims.join('×')} need more values than its ${dataEl.data.length} data bytes hold`);
  const storage = STORAGE_BY_CODE.get(dataEl.type);
  if (storage === undefined) where(`data stored as element type ${dataEl.type}`);
  // dims × element size against the bytes there are, before allocating anything from dims.
  if (cls !== 'char' && count * storage.size > dataEl.data.length) where(`dims ${dims.join('×')} of ${storage.size}-byte ${storage.name} values need ${count * storage.size} bytes, but its data holds ${dataEl.data.length}`);
  let data: AnyArray;
  if (cls === 'char') {
    data = decodeChars(dataEl.data, storage, le, count, where);
  } else {
    if (dataEl.data.length % storage.size !== 0) where(`${storage.name} data of ${dataEl.data.length} bytes`);
    const values = typedFromBytes(dataEl.data, storage, le);
    if (values.length !== count) where(`holds ${values.length} values; its dims ${dims.join('×')} say ${count}`);
    const converted = convertArray(values, info.Array);
    if (converted === undefined) where(`${storage.name} data holds non-integers for class ${cls}`);
    data = converted;
  }
  const arr: MatArray = { kind: 'array', name, class: cls, dims, data };
  if (storage.name !== defaultStorage(cls, data)) arr.storage = storage.name;
  if ((flags & FLAG_GLOBAL) !== 0) arr.global = true;
  return arr;
}

/**
 * Parses a MAT v5 file (either byte order). Structs, cells, sparse, complex and object
 * variables come back as {@link MatOpaque} with their bytes; corrupt input throws a
 * NucleiMixError naming `file` and the problem.
 */
export function parseMat5(bytes: Uint8Array, file: string): MatFile {
  return namingSync(file, () => parse(bytes, file));
}

const inflateAsync = promisify(inflate);

/**
 * {@link parseMat5}, with every compressed element inflated on libuv's thread pool at once:
 * label files are mostly zlib streams of large double arrays, and inflating them in parallel
 * is what makes reading a dataset use every core.
 *
 * `only`: the variables wanted. A compressed variable whose name (read from its first
 * inflated bytes) is not among them is skipped, neither inflated nor parsed, and is missing
 * from the result; uncompressed variables are all kept. For reading one small variable of
 * every file of a dataset (CoNSeP's `inst_type` to infer its class list) without inflating
 * megabytes of label maps.
 */
export async function parseMat5Async(bytes: Uint8Array, file: string, only?: readonly string[]): Promise<MatFile> {
  const pre = new Map<number, Uint8Array | Error>();
  const skip = new Set<number>();
  if (bytes.length >= 128) {
    const le = latin1(bytes.subarray(126, 128)) === 'IM';
    const dv = viewOf(bytes);
    const jobs: Promise<void>[] = [];
    // A cheap walk over the element tags; anything odd is left to parse() to report.
    for (let pos = 128; pos + 8 <= bytes.length; ) {
      const type = dv.getUint32(pos, le);
      const n = dv.getUint32(pos + 4, le);
      if (n > bytes.length - pos - 8) break;
      if (type === miCOMPRESSED) {
        const at = pos;
        const z = bytes.subarray(pos + 8, pos + 8 + n);
        const name = only === undefined ? undefined : compressedName(z, le);
        if (name !== undefined && !only!.includes(name)) {
          skip.add(at);
        } else {
          jobs.push(
            inflateAsync(z, { maxOutputLength: inflateLimit(n), chunkSize: inflateChunk(n) }).then(
              (out) => void pre.set(at, out),
              (err: Error) => void pre.set(at, err),
            ),
          );
        }
        pos += 8 + n;
      } else {
        pos += 8 + pad8(n);
      }
    }
    await Promise.all(jobs);
  }
  return namingSync(file, () => parse(bytes, file, pre, skip));
}

/**
 * The name of the variable in compressed element data `z`, from its first inflated bytes;
 * undefined when they do not tell (the whole element is then inflated and parsed, and any
 * problem reported there).
 */
function compressedName(z: Uint8Array, le: boolean): string | undefined {
  const fail = (m: string): never => {
    throw new Error(m);
  };
  try {
    // The header (flags, dims, name) is ~100 bytes; a sync flush yields what 1 KiB of input holds.
    const head = inflateSync(z.subarray(0, Math.min(z.length, 1024)), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    if (head.length < 8 || viewOf(head).getUint32(0, le) !== miMATRIX) return undefined;
    const body = head.subarray(8);
    const bdv = viewOf(body);
    const flags = readElement(body, bdv, 0, le, fail);
    if (flags.data.length < 4) return undefined;
    // MCOS objects (class 17) have no dims before their name.
    const afterDims = (viewOf(flags.data).getUint32(0, le) & 0xff) === 17 ? flags.end : readElement(body, bdv, flags.end, le, fail).end;
    return decodeName(readElement(body, bdv, afterDims, le, fail), fail);
  } catch {
    return undefined;
  }
}

function parse(bytes: Uint8Array, file: string, inflated?: Map<number, Uint8Array | Error>, skip?: ReadonlySet<number>): MatFile {
  const fail: (m: string) => never = (m) => {
    throw new NucleiMixError(m, file);
  };
  const isHdf5At = (o: number) => bytes.length >= o + 8 && latin1(bytes.subarray(o + 1, o + 4)) === 'HDF' && bytes[o] === 0x89;
  if (isHdf5At(512) || isHdf5At(0)) fail('is a MAT v7.3 (HDF5) file, not MAT v5');
  if (bytes.length < 128) fail(`is too short for a MAT v5 file (${bytes.length} bytes; the header alone is 128)`);
  const indicator = latin1(bytes.subarray(126, 128));
  if (indicator !== 'IM' && indicator !== 'MI') {
    fail("is not a MAT v5 file (no 'IM'/'MI' endian indicator at byte 126; MAT v4 files are not supported)");
  }
  const le = indicator === 'IM';
  const dv = viewOf(bytes);
  const version = dv.getUint16(124, le);
  if (version !== 0x0100) fail(`has MAT version 0x${version.toString(16).padStart(4, '0')} in its header; expected 0x0100 (v5)`);
  const header = latin1(bytes.subarray(0, 116)).replace(/[\s\0]+$/, '');
  const subsysBytes = bytes.subarray(116, 124);
  const subsys = subsysBytes.every((b) => b === 0) || subsysBytes.every((b) => b === 0x20) ? undefined : Number(dv.getBigUint64(116, le));

  const variables: MatFile['variables'] = [];
  let pos = 128;
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    if (left < 8) {
      if (bytes.subarray(pos).every((b) => b === 0)) break;
      fail(`has ${left} stray bytes at its end (byte ${pos})`);
    }
    const at: (m: string) => never = (m) => fail(`element at byte ${pos}: ${m}`);
    const type = dv.getUint32(pos, le);
    const n = dv.getUint32(pos + 4, le);
    if (type >>> 16 !== 0) at('a small data element cannot hold a variable');
    if (n > left - 8) at(`claims ${n} bytes but only ${left - 8} follow (file truncated?)`);
    const isSubsystem = subsys === pos;
    if (type === miCOMPRESSED && skip?.has(pos)) {
      pos += 8 + n;
    } else if (type === miCOMPRESSED) {
      let inner: Uint8Array;
      try {
        const done = inflated?.get(pos);
        if (done instanceof Error) throw done;
        inner = done ?? inflateSync(bytes.subarray(pos + 8, pos + 8 + n), { maxOutputLength: inflateLimit(n) });
      } catch (err) {
        return at(`compressed data is not a valid zlib stream (${(err as Error).message})`);
      }
      if (inner.length < 8) at(`compressed data holds only ${inner.length} bytes`);
      const idv = viewOf(inner);
      const innerType = idv.getUint32(0, le);
      if (innerType !== miMATRIX) at(`compressed data holds an element of type ${innerType}; expected miMATRIX (14)`);
      const v = parseMatrix(inner, le, at, isSubsystem);
      variables.push({ ...v, compressed: true });
      pos += 8 + n;
    } else if (type === miMATRIX) {
      const v = parseMatrix(bytes.subarray(pos, pos + 8 + n), le, at, isSubsystem);
      variables.push({ ...v, compressed: false });
      pos += 8 + pad8(n);
    } else {
      at(`has type ${type}; expected miMATRIX (14) or miCOMPRESSED (15)`);
    }
  }
  return { version: '5', header, variables };
}

// ----------------------------------------------------------------------------------------------
// Writing

/** A tag plus data, padded to 8 bytes; the packed small form when the data fits in 4 bytes. */
function element(type: number, data: Uint8Array): Uint8Array {
  if (data.length <= 4) {
    const out = new Uint8Array(8);
    viewOf(out).setUint32(0, ((data.length << 16) | type) >>> 0, true);
    out.set(data, 4);
    return out;
  }
  const out = new Uint8Array(8 + pad8(data.length));
  const dv = viewOf(out);
  dv.setUint32(0, type, true);
  dv.setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function littleEndianBytes(a: AnyArray): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (HOST_LE || a.BYTES_PER_ELEMENT === 1) return b;
  const copy = b.slice();
  swapWords(copy, 0, copy.length, a.BYTES_PER_ELEMENT);
  return copy;
}

function latin1Bytes(s: string, what: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new NucleiMixError(`${what} '${s}' has a character outside Latin-1`);
    out[i] = c;
  }
  return out;
}

/** `data` (of a class) encoded as `storage`, or undefined when a value would not survive exactly. */
function encodeAs(data: AnyArray, cls: MatClass, storage: Storage): Uint8Array | undefined {
  if (cls === 'char' && (storage.name === 'miUTF8' || storage.name === 'miUTF32')) {
    let text = '';
    for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...(data as Uint16Array).subarray(i, i + 8192));
    if (storage.name === 'miUTF8') {
      const bytes = new TextEncoder().encode(text);
      return new TextDecoder().decode(bytes) === text ? bytes : undefined;
    }
    const points: number[] = [];
    for (const ch of text) points.push(ch.codePointAt(0)!);
    if (points.length !== data.length) return undefined; // MATLAB's dims count code units
    return littleEndianBytes(Uint32Array.from(points));
  }
  const stored = convertArray(data, storage.Array);
  if (stored === undefined) return undefined;
  const back = convertArray(stored, CLASS_INFO[cls].Array);
  if (back === undefined) return undefined;
  for (let i = 0; i < data.length; i++) if (!Object.is(back[i], data[i])) return undefined;
  return littleEndianBytes(stored);
}

/** The miMATRIX element of a numeric, logical or char array. */
function arrayElement(a: MatArray): Uint8Array {
  const bad: (m: string) => never = (m) => {
    throw new NucleiMixError(`variable '${a.name}': ${m}`);
  };
  const info = CLASS_INFO[a.class];
  if (info === undefined) bad(`unknown class '${String(a.class)}'`);
  if (!(a.data instanceof info.Array)) bad(`class ${a.class} needs a ${info.Array.name}, got ${a.data?.constructor?.name}`);
  if (!Array.isArray(a.dims) || a.dims.length < 2) bad('needs at least 2 dims');
  for (const d of a.dims) if (!Number.isInteger(d) || d < 0 || d > 0x7fffffff) bad(`bad dimension ${d}`);
  const count = a.dims.reduce((x, y) => x * y, 1);
  if (count !== a.data.length) bad(`holds ${a.data.length} values; its dims ${a.dims.join('×')} say ${count}`);

  let storage = STORAGE_BY_NAME.get(defaultStorage(a.class, a.data))!;
  let payload: Uint8Array | undefined;
  const wanted = a.storage === undefined ? undefined : STORAGE_BY_NAME.get(a.storage);
  if (a.storage !== undefined && wanted === undefined) bad(`unknown storage type '${a.storage}'`);
  if (wanted !== undefined && wanted !== storage) {
    // The remembered compact type is reused only while every value still fits it exactly.
    payload = encodeAs(a.data, a.class, wanted);
    if (payload !== undefined) storage = wanted;
  }
  // Without a storage type that fits, the class's own type: its typed array's bytes, except for
  // ASCII text, which MATLAB stores one byte per character (miUTF8).
  payload ??= storage.name === 'miUTF8' ? Uint8Array.from(a.data as Uint16Array) : littleEndianBytes(a.data);

  const flags = new Uint8Array(8);
  viewOf(flags).setUint32(0, info.code | (a.class === 'logical' ? FLAG_LOGICAL : 0) | (a.global ? FLAG_GLOBAL : 0), true);
  const dims = new Uint8Array(4 * a.dims.length);
  a.dims.forEach((d, i) => viewOf(dims).setInt32(4 * i, d, true));
  // The miMATRIX tag, the small sub-elements, then the payload's element written straight into
  // the result: a label map's payload is megabytes, and is copied once here, not three times.
  const head = concat([new Uint8Array(8), element(miUINT32, flags), element(miINT32, dims), element(miINT8, latin1Bytes(a.name, 'variable name'))]);
  const small = payload.length <= 4;
  const out = new Uint8Array(head.length + (small ? 8 : 8 + pad8(payload.length)));
  out.set(head);
  if (small) {
    out.set(element(storage.code, payload), head.length);
  } else {
    viewOf(out).setUint32(head.length, storage.code, true);
    viewOf(out).setUint32(head.length + 4, payload.length, true);
    out.set(payload, head.length + 8);
  }
  viewOf(out).setUint32(0, miMATRIX, true);
  viewOf(out).setUint32(4, out.length - 8, true);
  return out;
}

function opaqueElement(v: MatOpaque): Uint8Array {
  const raw = v.raw;
  const ok = raw instanceof Uint8Array && raw.length >= 8 && viewOf(raw).getUint32(0, true) === miMATRIX && viewOf(raw).getUint32(4, true) === raw.length - 8;
  if (!ok) throw new NucleiMixError(`variable '${v.name}' (${v.what}) has no MAT v5 bytes to write (was it read from a v7.3 file?)`);
  if (raw.length % 8 === 0) return raw;
  const out = new Uint8Array(pad8(raw.length));
  out.set(raw);
  return out;
}

const DEFAULT_HEADER = 'MATLAB 5.0 MAT-file, written by nucleimix';

/**
 * A little-endian MAT v5 file holding `mat.variables` in order, each compressed or not per its
 * `compressed` flag, arrays in their class and (where the values still fit it) their remembered
 * storage type, opaque variables as their raw bytes. `mat.version` is not consulted.
 */
export function serializeMat5(mat: MatFile): Uint8Array {
  const layout = mat5Layout(mat);
  return assemble(layout, layout.elements.map((e) => (e.compressed ? deflateSync(e.bytes) : undefined)));
}

const deflateAsync = promisify(deflate);

/**
 * {@link serializeMat5}, the same bytes, with the compressed elements deflated on libuv's
 * thread pool: a label file is mostly deflate time (CoNSeP: ~40 ms of ~50), which then runs
 * beside the main thread's work (the next image's rendering) instead of blocking it.
 */
export async function serializeMat5Async(mat: MatFile): Promise<Uint8Array> {
  const layout = mat5Layout(mat);
  return assemble(layout, await Promise.all(layout.elements.map((e) => (e.compressed ? deflateAsync(e.bytes) : undefined))));
}

/** The file's header and each variable's element, uncompressed, in order. */
interface Mat5Layout {
  header: Uint8Array;
  elements: { bytes: Uint8Array; compressed: boolean; subsystem: boolean }[];
}

function mat5Layout(mat: MatFile): Mat5Layout {
  const header = new Uint8Array(128).fill(0x20);
  const text = latin1Bytes(mat.header || DEFAULT_HEADER, 'header');
  if (text.length > 116) throw new NucleiMixError(`header text is ${text.length} bytes; at most 116 fit`);
  header.set(text);
  header.fill(0, 116, 124);
  viewOf(header).setUint16(124, 0x0100, true);
  header[126] = 0x49; // 'I'
  header[127] = 0x4d; // 'M'
  const elements = mat.variables.map((v) => ({
    bytes: v.kind === 'opaque' ? opaqueElement(v) : arrayElement(v),
    compressed: v.compressed === true,
    subsystem: v.kind === 'opaque' && v.what === 'subsystem',
  }));
  return { header, elements };
}

/** The file from its layout and each compressed element's deflated bytes (undefined for the others). */
function assemble(layout: Mat5Layout, deflated: readonly (Uint8Array | undefined)[]): Uint8Array {
  const { header } = layout;
  const parts: Uint8Array[] = [header];
  let offset = 128;
  layout.elements.forEach((e, i) => {
    // The header points at the subsystem's element (its offset depends on the compressed sizes before it).
    if (e.subsystem) viewOf(header).setBigUint64(116, BigInt(offset), true);
    const z = deflated[i];
    if (z !== undefined) {
      const tag = new Uint8Array(8);
      viewOf(tag).setUint32(0, miCOMPRESSED, true);
      viewOf(tag).setUint32(4, z.length, true);
      parts.push(tag, z);
      offset += 8 + z.length;
    } else {
      parts.push(e.bytes);
      offset += e.bytes.length;
    }
  });
  return concat(parts);
}
