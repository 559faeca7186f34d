/**
 * The MAT file model shared by the v5 and v7.3 codecs and the file-level API (`mat-file.ts`):
 * classes, arrays, variables. Apart from `mat-file.ts` so that the codecs and the API that
 * dispatches to them do not import each other.
 */
export type MatClass =
  | 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'logical' | 'char';

export type MatData =
  | Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

/** A numeric, logical or char array. `dims` in MATLAB order (rows, cols, ...); `data` in column-major order, as MATLAB stores it. */
export interface MatArray {
  kind: 'array';
  name: string;
  class: MatClass;
  dims: number[];
  /**
   * The values, in the typed array of the class: logical is Uint8Array (0/1), char is
   * Uint16Array (UTF-16 code units).
   */
  data: MatData;
  /**
   * v5 only: the on-disk element type (miINT8...) when MATLAB stored the class compactly, e.g. a
   * double array stored as miUINT8, or a char array stored as miUTF8; the writer reuses it so
   * files round-trip (and falls back to the class's own type when the values no longer fit it).
   */
  storage?: string;
  /** v5 only: MATLAB's global-variable flag, kept so that writing the file back keeps it. */
  global?: boolean;
}

/** A variable nucleimix does not interpret (struct, cell, sparse, complex, object, function handle...). Kept as raw bytes so that writing the file back keeps it. */
export interface MatOpaque {
  kind: 'opaque';
  name: string;
  /** e.g. 'struct', 'cell', 'sparse', 'complex double', 'subsystem' */
  what: string;
  /**
   * v5: the whole miMATRIX data element (tag included, uncompressed, little-endian: elements of
   * big-endian files are byte-swapped on reading). Empty for v7.3 files, whose opaque variables
   * cannot be written back.
   */
  raw: Uint8Array;
}

export type MatVariable = MatArray | MatOpaque;

export interface MatFile {
  version: '5' | '7.3';
  /** the 116-byte descriptive header text, trimmed */
  header: string;
  /** v5: per-variable whether it was in a miCOMPRESSED element; v7.3: whether its dataset was deflated. */
  variables: Array<MatVariable & { compressed: boolean }>;
}

/** Bytes per element and the typed array of each class. */
export const CLASS_ARRAYS: Record<MatClass, { new (n: number): MatData; BYTES_PER_ELEMENT: number }> = {
  double: Float64Array,
  single: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  logical: Uint8Array,
  char: Uint16Array,
};

export const MAT_CLASSES = Object.keys(CLASS_ARRAYS) as MatClass[];

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` holds the HDF5 signature at `offset`. */
export function hasHdf5Signature(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length < offset + 8) return false;
  return HDF5_SIGNATURE.every((b, i) => bytes[offset + i] === b);
}

/** Number of elements of an array with these dims. */
export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
