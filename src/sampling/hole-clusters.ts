/**
 * Groups the unknown pixels of an inpainting mask into clusters that lie too far apart to
 * influence one another's fill, so that each cluster can be inpainted on its own small crop
 * (see fill-by-clusters.ts). Two unknown pixels belong to the same cluster when a chain of
 * unknown pixels joins them in which each step spans at most `link` pixels in both x and y
 * (Chebyshev distance ≤ link).
 *
 * The mask is handled as horizontal runs of unknown pixels, joined by union–find: memory
 * grows with the number of runs, not with the image, so an 8000×8000 mask costs a few MB.
 */

/** One cluster: its bounding box and its pixels as runs. */
export interface HoleCluster {
  /** Bounding box x0, y0, x1, y1 (exclusive) of the cluster's pixels. */
  bbox: [number, number, number, number];
  /** Its pixels as runs, flat triples (y, x0, x1) with x1 exclusive, in raster order. */
  runs: Int32Array;
  /** Number of pixels. */
  pixels: number;
}

/** Maximal horizontal runs of non-zero pixels of an H×W mask, in raster order. */
interface Runs {
  /** H + 1 offsets: the runs of row y are indices rowStart[y] .. rowStart[y + 1] − 1. */
  rowStart: Int32Array;
  x0: Int32Array;
  /** Exclusive. */
  x1: Int32Array;
}

function maskRuns(mask: Uint8Array, width: number, height: number): Runs {
  const rowStart = new Int32Array(height + 1);
  let x0 = new Int32Array(1024);
  let x1 = new Int32Array(1024);
  let n = 0;
  for (let y = 0; y < height; y++) {
    rowStart[y] = n;
    const row = y * width;
    let x = 0;
    while (x < width) {
      if (mask[row + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && mask[row + x] !== 0) x++;
      if (n === x0.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        x0 = grow(x0);
        x1 = grow(x1);
      }
      x0[n] = start;
      x1[n] = x;
      n++;
    }
  }
  rowStart[height] = n;
  return { rowStart, x0: x0.subarray(0, n), x1: x1.subarray(0, n) };
}

/**
 * The clusters of the non-zero pixels of `mask` (H×W uint8), ordered by their first pixel in
 * raster order; runs within a cluster are in raster order too.
 *
 * @param link largest Chebyshev distance (px) between two pixels that ties them together, ≥ 1.
 */
export function holeClusters(mask: Uint8Array, width: number, height: number, link: number): HoleCluster[] {
  if (!Number.isInteger(link) || link < 1) throw new RangeError(`cluster link distance must be a positive integer, got ${link}`);
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} values, expected ${height}×${width}`);
  const { rowStart, x0, x1 } = maskRuns(mask, width, height);
  const n = x0.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    // The smaller index stays the root, so a cluster's root is its first run.
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
  };

  for (let y = 0; y < height; y++) {
    const a0 = rowStart[y];
    const a1 = rowStart[y + 1];
    if (a0 === a1) continue;
    // Same row: neighbouring runs with a gap of at most link − 1 pixels.
    for (let i = a0; i + 1 < a1; i++) if (x0[i + 1] - (x1[i] - 1) <= link) union(i, i + 1);
    // Rows below, up to link away: runs whose x ranges come within link of each other.
    for (let dy = 1; dy <= link && y + dy < height; dy++) {
      const b0 = rowStart[y + dy];
      const b1 = rowStart[y + dy + 1];
      let j = b0;
      for (let i = a0; i < a1; i++) {
        const lo = x0[i] - link;
        const hi = x1[i] - 1 + link;
        while (j < b1 && x1[j] - 1 < lo) j++;
        for (let k = j; k < b1 && x0[k] <= hi; k++) union(i, k);
      }
    }
  }

  // Gather each cluster's runs, in raster order (runs are already in it).
  const clusterOf = new Int32Array(n);
  const firstRun: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (r === i) {
      clusterOf[i] = firstRun.length;
      firstRun.push(i);
      counts.push(0);
    } else {
      clusterOf[i] = clusterOf[r];
    }
    counts[clusterOf[i]]++;
  }
  const clusters: HoleCluster[] = counts.map((c) => ({ bbox: [width, height, 0, 0], runs: new Int32Array(3 * c), pixels: 0 }));
  const filled = new Int32Array(clusters.length);
  for (let y = 0; y < height; y++) {
    for (let i = rowStart[y]; i < rowStart[y + 1]; i++) {
      const c = clusters[clusterOf[i]];
      const f = filled[clusterOf[i]]++;
      c.runs[3 * f] = y;
      c.runs[3 * f + 1] = x0[i];
      c.runs[3 * f + 2] = x1[i];
      c.pixels += x1[i] - x0[i];
      const b = c.bbox;
      if (x0[i] < b[0]) b[0] = x0[i];
      if (y < b[1]) b[1] = y;
      if (x1[i] > b[2]) b[2] = x1[i];
      b[3] = y + 1;
    }
  }
  return clusters;
}
