/**
 * MATLAB .mat files: the shared types, version dispatch, and helpers for turning variables into
 * row-major matrices and back. The v5 codec lives in mat5.ts, the v7.3 (HDF5) one in mat73.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { NucleiMixError, naming } from '../core/errors.ts';
import { parseMat5, parseMat5Async, serializeMat5, serializeMat5Async } from './mat5.ts';

export { parseMat5, serializeMat5, serializeMat5Async };
export { CLASS_ARRAYS, MAT_CLASSES, hasHdf5Signature, numel, type MatArray, type MatClass, type MatData, type MatFile, type MatOpaque, type MatVariable } from './mat-types.ts';
import { CLASS_ARRAYS, hasHdf5Signature, type MatArray, type MatClass, type MatData, type MatFile } from './mat-types.ts';

/**
 * Reads a MAT file: v5 (compressed or not, either byte order) or v7.3 (HDF5, recognised by the
 * HDF5 signature after the 512-byte MATLAB user block, or at 0 for a plain HDF5 file).
 * `only`: the variables wanted; v5 files may then leave out others (see `parseMat5Async`).
 */
export async function readMatFile(path: string, only?: readonly string[]): Promise<MatFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new NucleiMixError(`cannot read file (${(err as Error).message})`, path);
  }
  if (hasHdf5Signature(bytes, 512) || hasHdf5Signature(bytes, 0)) {
    const { parseMat73 } = await import('./mat73.ts');
    return parseMat73(bytes, path);
  }
  return naming(path, () => parseMat5Async(bytes, path, only));
}

/** Writes `mat` as v5 (little-endian) or v7.3 (HDF5 with the MATLAB user block), per `mat.version`. */
export async function writeMatFile(path: string, mat: MatFile): Promise<void> {
  let bytes: Uint8Array;
  if (mat.version === '7.3') {
    const { serializeMat73 } = await import('./mat73.ts');
    bytes = await serializeMat73(mat, path);
  } else if (mat.version === '5') {
    bytes = await naming(path, () => serializeMat5Async(mat));
  } else {
    throw new NucleiMixError(`cannot write MAT version ${String(mat.version)}; expected '5' or '7.3'`, path);
  }
  try {
    await writeFile(path, bytes);
  } catch (err) {
    throw new NucleiMixError(`cannot write file (${(err as Error).message})`, path);
  }
}

/** The numeric variable `name`; a NucleiMixError naming the file and variable if it is missing or not a plain array. */
export function getArray(mat: MatFile, name: string, file: string): MatArray {
  const v = mat.variables.find((x) => x.name === name);
  if (v === undefined) {
    const names = mat.variables.map((x) => x.name).filter((n) => n !== '');
    throw new NucleiMixError(`has no variable '${name}' (it holds ${names.length ? names.join(', ') : 'no variables'})`, file);
  }
  if (v.kind !== 'array') throw new NucleiMixError(`variable '${name}' is a ${v.what}, not a numeric array`, file);
  return v;
}


/**
 * A 2-D array as row-major float64 (rows×cols). int64/uint64 values are converted to numbers
 * (an error if one is beyond ±2^53); chars give their UTF-16 code units.
 */
export function toRowMajor2D(a: MatArray): { rows: number; cols: number; data: Float64Array } {
  if (a.dims.length !== 2) {
    throw new NucleiMixError(`variable '${a.name}' has ${a.dims.length} dimensions (${a.dims.join('×')}); expected a 2-D matrix`);
  }
  const [rows, cols] = a.dims;
  if (a.data.length !== rows * cols) {
    throw new NucleiMixError(`variable '${a.name}' holds ${a.data.length} values for ${rows}×${cols}`);
  }
  const out = new Float64Array(rows * cols);
  const src = a.data;
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < rows; r++) {
        const v = src[c * rows + r];
        const n = Number(v);
        if (!Number.isSafeInteger(n)) {
          throw new NucleiMixError(`variable '${a.name}' holds ${v} at row ${r + 1}, column ${c + 1}, beyond the range of exact numbers`);
        }
        out[r * cols + c] = n;
      }
    }
  } else {
    for (let c = 0; c < cols; c++) {
      const base = c * rows;
      for (let r = 0; r < rows; r++) out[r * cols + c] = src[base + r];
    }
  }
  return { rows, cols, data: out };
}

/** A column-major MatArray of class `cls` from a row-major rows×cols matrix; an error if a value does not fit the class exactly. */
export function fromRowMajor2D(name: string, cls: MatClass, rows: number, cols: number, rowMajor: ArrayLike<number>): MatArray {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new NucleiMixError(`variable '${name}': bad size ${rows}×${cols}`);
  }
  if (rowMajor.length !== rows * cols) {
    throw new NucleiMixError(`variable '${name}': ${rowMajor.length} values for ${rows}×${cols}`);
  }
  const colMajor = new Float64Array(rows * cols);
  transpose(rowMajor, colMajor, rows, cols);
  let data: MatData;
  try {
    // A double array is the transposed copy itself (it is ours; no second copy).
    data = cls === 'double' ? colMajor : castToClass(colMajor, cls);
  } catch (err) {
    throw new NucleiMixError(`variable '${name}': ${(err as Error).message}`);
  }
  return { kind: 'array', name, class: cls, dims: [rows, cols], data };
}

/**
 * Writes the transpose of `src`, a rows×cols row-major matrix, into `dst` (cols×rows,
 * row-major): dst[c·rows + r] = src[r·cols + c]. MATLAB's column-major arrays to row-major and
 * back are this. In 32×32 tiles, so that both the strided side and the sequential side stay in
 * cache: label maps are millions of values, on the path of every read and write.
 */
export function transpose(src: ArrayLike<number>, dst: { [i: number]: number }, rows: number, cols: number): void {
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        const base = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[base + c];
      }
    }
  }
}

const INT_RANGES: Partial<Record<MatClass, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  logical: [0, 1],
  char: [0, 65535],
};

/**
 * `values` as the typed array of class `cls`. A NucleiMixError if a value does not fit exactly:
 * a fraction, NaN or out-of-range value for an integer class, logical or char, or a double that
 * single precision cannot hold.
 */
export function castToClass(values: ArrayLike<number>, cls: MatClass): MatData {
  const Ctor = CLASS_ARRAYS[cls];
  if (Ctor === undefined) throw new NucleiMixError(`unknown MATLAB class '${String(cls)}'`);
  const n = values.length;
  if (cls === 'double') return Float64Array.from(values);
  if (cls === 'single') {
    const out = Float32Array.from(values);
    for (let i = 0; i < n; i++) {
      if (!Object.is(out[i], values[i]) && !Number.isNaN(values[i])) {
        throw new NucleiMixError(`value ${values[i]} at index ${i} does not fit class single exactly`);
      }
    }
    return out;
  }
  const [lo, hi] = INT_RANGES[cls]!;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new NucleiMixError(`value ${v} at index ${i} does not fit class ${cls}`);
    }
  }
  if (cls === 'int64' || cls === 'uint64') {
    const out = cls === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(values[i]);
    return out;
  }
  const out = new Ctor(n) as Exclude<MatData, BigInt64Array | BigUint64Array>;
  for (let i = 0; i < n; i++) out[i] = values[i];
  return out;
}
