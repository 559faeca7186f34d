/**
 * Principal component analysis of context features: fitted on the rare type's
 * features only (as the official code does), then used to project every candidate to p = 16
 * dimensions, where the density model is fitted and donor distances are measured.
 *
 * The components come from the SVD of the centred data (ml-matrix), like sklearn's PCA:
 * X − mean = U S Vᵀ, components = the first p rows of Vᵀ, explained variance = S² / (n − 1).
 * Signs follow sklearn's `svd_flip(u_based_decision=False)`: each component's largest-|value|
 * loading is made positive (the first such loading on ties), so a refit on the same data
 * gives the same projection, bit for bit.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { check } from '../core/errors.ts';
import { createMatrix, type FeatureMatrix } from '../features/matrix.ts';

/** The paper's and the official code's dimension. */
export const DEFAULT_PCA_DIMS = 16;

export interface Pca {
  /** Input dimension d. */
  readonly inputDims: number;
  /** Output dimension p. */
  readonly dims: number;
  /** Column means of the fitting set (length d). */
  readonly mean: Float64Array;
  /** p×d row-major, orthonormal rows: row k is component k. */
  readonly components: Float64Array;
  /** Variance of the fitting set along each component (length p, descending, /(n − 1)). */
  readonly explainedVariance: Float64Array;
  /** explainedVariance / total variance of the fitting set (length p). */
  readonly explainedVarianceRatio: Float64Array;
}

/**
 * Fits a PCA to the rows of `x` (n×d, n ≥ 2) keeping p = min(dims, n − 1, d) components:
 * centred data have rank at most n − 1, so further components would carry no variance and
 * have arbitrary directions. With few rare nuclei the projection is therefore shorter than
 * `dims`; callers size everything downstream from `pca.dims`.
 */
export function fitPca(x: FeatureMatrix, dims = DEFAULT_PCA_DIMS): Pca {
  const { rows: n, cols: d, data } = x;
  check(Number.isInteger(dims) && dims >= 1, undefined, `PCA dimension must be a positive integer, got ${dims}`);
  check(n >= 2, undefined, `PCA needs at least 2 samples to fit, got ${n}`);
  check(d >= 1, undefined, 'PCA needs at least 1 feature');
  for (let i = 0; i < data.length; i++) check(Number.isFinite(data[i]), undefined, `PCA input has a non-finite value at row ${Math.floor(i / d)}, column ${i % d}`);
  const p = Math.min(dims, n - 1, d);

  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const centred = new Matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred.set(i, j, data[i * d + j] - mean[j]);

  const svd = new SingularValueDecomposition(centred, { computeLeftSingularVectors: false, computeRightSingularVectors: true, autoTranspose: true });
  const s = svd.diagonal;
  const v = svd.rightSingularVectors; // d × r, column k ↔ s[k]
  const order = Array.from(s.keys()).sort((a, b) => s[b] - s[a] || a - b);

  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const c = data[i * d + j] - mean[j];
      total += c * c;
    }
  }
  total /= n - 1;

  const components = new Float64Array(p * d);
  const explainedVariance = new Float64Array(p);
  const explainedVarianceRatio = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    const col = order[k];
    let maxAbs = -1;
    let sign = 1;
    for (let j = 0; j < d; j++) {
      const a = Math.abs(v.get(j, col));
      if (a > maxAbs) {
        maxAbs = a;
        sign = v.get(j, col) < 0 ? -1 : 1;
      }
    }
    for (let j = 0; j < d; j++) components[k * d + j] = sign * v.get(j, col);
    explainedVariance[k] = (s[col] * s[col]) / (n - 1);
    explainedVarianceRatio[k] = total > 0 ? explainedVariance[k] / total : 0;
  }
  return { inputDims: d, dims: p, mean, components, explainedVariance, explainedVarianceRatio };
}

/** Projects one row (length d) onto the components: (row − mean)·componentsᵀ, length p. */
export function projectRow(pca: Pca, row: ArrayLike<number>, out: Float64Array = new Float64Array(pca.dims)): Float64Array {
  const { inputDims: d, dims: p, mean, components } = pca;
  check(row.length === d, undefined, `feature row has ${row.length} values, the PCA was fitted on ${d}`);
  for (let k = 0; k < p; k++) {
    let acc = 0;
    const base = k * d;
    for (let j = 0; j < d; j++) acc += (row[j] - mean[j]) * components[base + j];
    out[k] = acc;
  }
  return out;
}

/** Projects every row of `x` (n×d) to n×p. */
export function project(pca: Pca, x: FeatureMatrix): FeatureMatrix {
  check(x.cols === pca.inputDims, undefined, `feature matrix has ${x.cols} columns, the PCA was fitted on ${pca.inputDims}`);
  const out = createMatrix(x.rows, pca.dims);
  const d = x.cols;
  for (let i = 0; i < x.rows; i++) projectRow(pca, x.data.subarray(i * d, (i + 1) * d), out.data.subarray(i * pca.dims, (i + 1) * pca.dims));
  return out;
}
