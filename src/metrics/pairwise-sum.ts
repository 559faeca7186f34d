/**
 * Sums and means with NumPy's summation order (pairwise summation, 8-way unrolled blocks of
 * up to 128 values), so that the means of per-image scores and the SQ sums come out
 * bit-identical to the reference's `np.sum` / `np.mean` / `np.nanmean`, not merely close.
 */

const BLOCK = 128;

function pairwise(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= BLOCK) {
    const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    // prettier-ignore
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}

/** `np.sum` of a 1-D float64 array; 0 when empty. */
export function numpySum(values: ArrayLike<number>): number {
  return 0 + pairwise(values, 0, values.length);
}

/** `np.mean`; NaN when empty. */
export function numpyMean(values: ArrayLike<number>): number {
  return numpySum(values) / values.length;
}

/** `np.nanmean`: NaNs count as absent (summed as 0, not counted); NaN when all are NaN. */
export function numpyNanMean(values: ArrayLike<number>): number {
  const zeroed = Float64Array.from(values, (x) => (Number.isNaN(x) ? 0 : x));
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) count++;
  return numpySum(zeroed) / count;
}
