import { NucleiMixError, namingSync } from '../core/errors.ts';
import { castToClass, fromRowMajor2D, getArray, toRowMajor2D, transpose, type MatArray, type MatClass, type MatFile } from './mat-file.ts';

/** A 2-D integer array in row-major order, as label formats use them. */
export interface IntMatrix {
  rows: number;
  cols: number;
  data: Int32Array;
}

/**
 * Reads variable `name` as a 2-D matrix of integers (any numeric class), row-major.
 * Non-integer, negative (unless allowed) or out-of-int32 values are an error naming the file,
 * the variable and the first offending element.
 */
export function intMatrix(mat: MatFile, name: string, file: string, allowNegative = false): IntMatrix {
  const a = getArray(mat, name, file);
  if (a.data instanceof BigInt64Array || a.data instanceof BigUint64Array) {
    const { rows, cols, data } = namingSync(file, () => toRowMajor2D(a));
    return { rows, cols, data: toInt32(data, name, file, cols, allowNegative) };
  }
  if (a.dims.length !== 2) throw new NucleiMixError(`'${name}' has ${a.dims.length} dimensions (${a.dims.join('×')}); expected a 2-D matrix`, file);
  const [rows, cols] = a.dims;
  const src = a.data;
  if (src.length !== rows * cols) throw new NucleiMixError(`'${name}' holds ${src.length} values for ${rows}×${cols}`, file);
  // Checked in MATLAB's order first (a sequential pass), then transposed: label maps are
  // millions of doubles, and this is on the path of every read.
  const min = allowNegative ? -2147483648 : 0;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!(v >= min && v <= 2147483647 && (v | 0) === v)) throw badValue(name, file, v, i % rows, Math.floor(i / rows), allowNegative);
  }
  const out = new Int32Array(rows * cols);
  transpose(src, out, cols, rows);
  return { rows, cols, data: out };
}

function badValue(name: string, file: string, v: number, r: number, c: number, allowNegative: boolean): NucleiMixError {
  return new NucleiMixError(`'${name}' holds ${v} at row ${r + 1}, column ${c + 1}; expected ${allowNegative ? '' : 'non-negative '}integers`, file);
}

function toInt32(data: Float64Array, name: string, file: string, cols: number, allowNegative: boolean): Int32Array {
  const out = new Int32Array(data.length);
  const min = allowNegative ? -2147483648 : 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= min && v <= 2147483647 && (v | 0) === v)) throw badValue(name, file, v, Math.floor(i / cols), i % cols, allowNegative);
    out[i] = v;
  }
  return out;
}

/** Reads variable `name` as a vector (N×1 or 1×N) of integers. */
export function intVector(mat: MatFile, name: string, file: string): Int32Array {
  const m = intMatrix(mat, name, file, true);
  if (m.rows !== 1 && m.cols !== 1 && m.data.length > 0) {
    throw new NucleiMixError(`'${name}' is ${m.rows}×${m.cols}; expected a vector (N×1)`, file);
  }
  return m.data;
}

/** Reads variable `name` as an N×`cols` matrix of floats, row-major; checks its shape. */
export function floatRows(mat: MatFile, name: string, file: string, rows: number, cols: number): Float64Array {
  const m = namingSync(file, () => toRowMajor2D(getArray(mat, name, file)));
  if (m.data.length === 0 && rows === 0) return new Float64Array(0);
  if (m.rows !== rows || m.cols !== cols) {
    throw new NucleiMixError(`'${name}' is ${m.rows}×${m.cols}; expected ${rows}×${cols}`, file);
  }
  return m.data;
}

export function hasVariable(mat: MatFile, name: string): boolean {
  return mat.variables.some((v) => v.name === name);
}

/** The stored class of a variable, if the file had it as a plain array. */
export function classOf(mat: MatFile | undefined, name: string): MatArray | undefined {
  const v = mat?.variables.find((x) => x.name === name);
  return v?.kind === 'array' ? v : undefined;
}

/**
 * Builds a variable for writing that keeps the class, storage type and compression the input
 * file had for it (`like`), or `fallback` for a file nucleimix creates. Values that do not fit
 * the remembered class exactly (a centroid that became fractional) fall back to double rather
 * than being rounded.
 */
export function matVariable(
  name: string,
  rows: number,
  cols: number,
  rowMajor: ArrayLike<number>,
  like: (MatArray & { compressed?: boolean }) | undefined,
  fallback: MatClass,
  compressed: boolean,
): MatArray & { compressed: boolean } {
  let cls: MatClass = like?.class ?? fallback;
  // Every number fits double: only other classes are tried (a trial copy of a label map is 8 MB).
  if (cls !== 'double') {
    try {
      castToClass(rowMajor, cls);
    } catch {
      cls = 'double';
    }
  }
  const arr = fromRowMajor2D(name, cls, rows, cols, rowMajor);
  if (like !== undefined && like.class === cls && like.storage !== undefined) arr.storage = like.storage;
  return { ...arr, compressed: like?.compressed ?? compressed };
}
