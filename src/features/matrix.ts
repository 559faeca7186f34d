/**
 * Feature matrices: n samples × d features, float64, row-major — sample i's feature j is at
 * `data[i * cols + j]`. The container every stage of context sampling passes on (descriptor
 * rows → standardisation → PCA → density model).
 */
import { check } from '../core/errors.ts';

export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A rows×cols matrix over `data` (zero-filled when omitted). */
export function createMatrix(rows: number, cols: number, data?: Float64Array): FeatureMatrix {
  check(Number.isInteger(rows) && rows >= 0 && Number.isInteger(cols) && cols >= 0, undefined, `bad matrix shape ${rows}×${cols}`);
  if (data !== undefined) {
    check(data.length === rows * cols, undefined, `matrix data has ${data.length} values, expected ${rows}×${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

/** Stacks equal-length rows into a matrix (copies). */
export function fromRows(rows: readonly ArrayLike<number>[], cols = rows[0]?.length ?? 0): FeatureMatrix {
  const out = createMatrix(rows.length, cols);
  rows.forEach((row, i) => {
    check(row.length === cols, undefined, `row ${i} has ${row.length} features, expected ${cols}`);
    for (let j = 0; j < cols; j++) out.data[i * cols + j] = row[j];
  });
  return out;
}

/** Row i as a view (no copy): writes go through to the matrix. */
export function rowOf(m: FeatureMatrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The rows listed in `indices`, in that order (copies). */
export function selectRows(m: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const out = createMatrix(indices.length, m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    check(Number.isInteger(i) && i >= 0 && i < m.rows, undefined, `row index ${i} outside 0..${m.rows - 1}`);
    out.data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return out;
}
