/**
 * Procedural noise for the synthetic tissue: value noise, its fractal sum, and line-integral
 * convolution (LIC) along a direction field, which turns isotropic noise into the streaky
 * texture of collagen fibres.
 *
 * Written here because no installed package generates seeded noise, and every lattice value
 * must come from the run's {@link Rng} so that the same seed gives the same bytes.
 * All fields are H×W float32, row-major.
 */
import type { Rng } from '../core/rng.ts';

/**
 * Value noise: uniform random values on a lattice every `cell` pixels (at a random sub-cell
 * offset), interpolated with a quintic fade so no lattice edges show.
 *
 * @returns H×W float32 in [0, 1), mean ≈ 0.5.
 */
export function valueNoise(rng: Rng, width: number, height: number, cell: number): Float32Array {
  const ox = rng.next();
  const oy = rng.next();
  const gw = Math.floor(width / cell + ox) + 2;
  const gh = Math.floor(height / cell + oy) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const ix = new Int32Array(width);
  const fx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const g = x / cell + ox;
    ix[x] = Math.floor(g);
    fx[x] = fade(g - ix[x]);
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const g = y / cell + oy;
    const iy = Math.floor(g);
    const fy = fade(g - iy);
    const r0 = iy * gw;
    const r1 = r0 + gw;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = ix[x];
      const t = fx[x];
      const top = grid[r0 + i] + (grid[r0 + i + 1] - grid[r0 + i]) * t;
      const bottom = grid[r1 + i] + (grid[r1 + i + 1] - grid[r1 + i]) * t;
      out[row + x] = top + (bottom - top) * fy;
    }
  }
  return out;
}

function fade(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

/**
 * Fractal (fBm) value noise: `octaves` layers, each with half the cell size and `gain` times
 * the amplitude of the previous one, standardised to mean 0 and standard deviation 1 so that
 * callers set contrast explicitly.
 *
 * @returns H×W float32, mean 0, std 1.
 */
export function fractalNoise(rng: Rng, width: number, height: number, cell: number, octaves: number, gain = 0.5): Float32Array {
  const out = new Float32Array(width * height);
  let amp = 1;
  for (let o = 0; o < octaves; o++) {
    const layer = valueNoise(rng, width, height, Math.max(cell / 2 ** o, 1));
    for (let p = 0; p < out.length; p++) out[p] += amp * layer[p];
    amp *= gain;
  }
  return standardize(out);
}

/** Shifts and scales `field` in place to mean 0, standard deviation 1 (a flat field becomes 0). */
export function standardize(field: Float32Array): Float32Array {
  const n = field.length;
  let sum = 0;
  for (let p = 0; p < n; p++) sum += field[p];
  const mean = sum / n;
  let sq = 0;
  for (let p = 0; p < n; p++) sq += (field[p] - mean) ** 2;
  const sd = Math.sqrt(sq / n);
  const k = sd > 1e-12 ? 1 / sd : 0;
  for (let p = 0; p < n; p++) field[p] = (field[p] - mean) * k;
  return field;
}

/**
 * Line-integral convolution: each output pixel is the mean of `source` along the streamline
 * of the axial direction field (dirX, dirY), `length` steps of `step` px each way. Directions are
 * axial (θ and θ+π are the same fibre), so each step keeps the sign closest to the last one.
 *
 * @param source H×W float32 noise to smear.
 * @param dirX H×W float32 unit direction x-components.
 * @param dirY H×W float32 unit direction y-components.
 * @returns H×W float32.
 */
export function lineIntegral(source: Float32Array, dirX: Float32Array, dirY: Float32Array, width: number, height: number, length: number, step = 1): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p0 = y * width + x;
      let sum = source[p0];
      let count = 1;
      for (let sign = -1; sign <= 1; sign += 2) {
        let px = x;
        let py = y;
        let dx = sign * dirX[p0];
        let dy = sign * dirY[p0];
        for (let s = 0; s < length; s++) {
          px += step * dx;
          py += step * dy;
          const ix = Math.round(px);
          const iy = Math.round(py);
          if (ix < 0 || iy < 0 || ix >= width || iy >= height) break;
          const p = iy * width + ix;
          sum += source[p];
          count++;
          let nx = dirX[p];
          let ny = dirY[p];
          if (nx * dx + ny * dy < 0) {
            nx = -nx;
            ny = -ny;
          }
          dx = nx;
          dy = ny;
        }
      }
      out[p0] = sum / count;
    }
  }
  return out;
}
