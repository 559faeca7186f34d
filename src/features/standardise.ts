/**
 * Z-scoring of feature columns. The descriptor mixes units (8-bit levels, optical densities,
 * pixel counts, probabilities), and PCA on raw values would be dominated by whichever column
 * has the largest numbers; z-scoring gives every feature an equal say before PCA.
 */
import { check } from '../core/errors.ts';
import { createMatrix, type FeatureMatrix } from './matrix.ts';

export interface Standardiser {
  /** Per-column mean of the fitting set (length d). */
  readonly mean: Float64Array;
  /** Per-column population standard deviation (/n, as sklearn's StandardScaler), 1 where the column is constant. */
  readonly std: Float64Array;
}

/**
 * Fits column means and standard deviations on `x` (n×d, n ≥ 1). A column whose spread is
 * at rounding level (std ≤ 1e-12·max(1, |mean|)) gets std 1, so it maps to 0 instead of
 * blowing up rounding noise into huge values.
 */
export function fitStandardiser(x: FeatureMatrix): Standardiser {
  const { rows: n, cols: d, data } = x;
  check(n >= 1, undefined, 'cannot standardise features: no rows to fit on');
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Two passes (mean first, then squared deviations): no cancellation for large-offset columns.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j] - mean[j];
      std[j] += v * v;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] / n);
    check(Number.isFinite(s), undefined, `feature column ${j} has non-finite values`);
    std[j] = s <= 1e-12 * Math.max(1, Math.abs(mean[j])) ? 1 : s;
  }
  return { mean, std };
}

/** (row − mean) / std into `out` (allocated when omitted). */
export function standardiseRow(s: Standardiser, row: ArrayLike<number>, out: Float64Array = new Float64Array(s.mean.length)): Float64Array {
  const d = s.mean.length;
  check(row.length === d, undefined, `feature row has ${row.length} values, the standardiser was fitted on ${d}`);
  for (let j = 0; j < d; j++) out[j] = (row[j] - s.mean[j]) / s.std[j];
  return out;
}

/** Standardises every row of `x` (a new matrix). */
export function standardise(s: Standardiser, x: FeatureMatrix): FeatureMatrix {
  const d = s.mean.length;
  check(x.cols === d, undefined, `feature matrix has ${x.cols} columns, the standardiser was fitted on ${d}`);
  const out = createMatrix(x.rows, d);
  for (let i = 0; i < x.rows; i++) standardiseRow(s, x.data.subarray(i * d, (i + 1) * d), out.data.subarray(i * d, (i + 1) * d));
  return out;
}
