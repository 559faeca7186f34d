/**
 * Collagen fibres: thin, crimped strands traced along the stroma's fibre direction field and
 * splatted into a coverage field. Drawing strands (rather than only smearing noise) gives the
 * crisp, wavy 1–3 px fibres with pale gaps between them that real stroma shows at 40×.
 */
import type { Rng } from '../core/rng.ts';

export interface FibreField {
  width: number;
  height: number;
  /** H×W uint8: fibres are only drawn where `allowed[p] === allowValue`. */
  allowed: Uint8Array;
  allowValue: number;
  /** H×W float32 unit vectors of the (axial) fibre direction. */
  dirX: Float32Array;
  dirY: Float32Array;
}

/**
 * Draws `count` fibres, each starting at a random allowed pixel and traced both ways along the
 * direction field for a random length, with a sinusoidal crimp across it and tapered ends.
 *
 * @returns H×W float32 coverage (≈ 1 on a fibre's axis; overlapping fibres add up).
 */
export function drawFibres(rng: Rng, f: FibreField, count: number): Float32Array {
  const { width, height, allowed, allowValue, dirX, dirY } = f;
  const out = new Float32Array(width * height);
  const pathX: number[] = [];
  const pathY: number[] = [];
  for (let i = 0; i < count; i++) {
    let start = -1;
    for (let tries = 0; tries < 16 && start < 0; tries++) {
      const p = rng.int(width * height);
      if (allowed[p] === allowValue) start = p;
    }
    if (start < 0) continue;
    const half = rng.uniform(5, 28);
    const sigma = rng.uniform(0.5, 1);
    const amount = rng.uniform(0.5, 1);
    const crimp = rng.uniform(0.5, 2);
    const wavelength = rng.uniform(12, 30);
    const phase = rng.uniform(0, 2 * Math.PI);
    // Fibres stray a little from the field's direction, so they cross instead of combing.
    const turn = 0.25 * rng.normal();
    // Trace the centre line both ways from the start.
    pathX.length = 0;
    pathY.length = 0;
    const sx = (start % width) + rng.next();
    const sy = Math.floor(start / width) + rng.next();
    const back = trace(f, sx, sy, -1, half, turn);
    const fwd = trace(f, sx, sy, 1, half, turn);
    for (let k = back.length - 2; k >= 2; k -= 2) {
      pathX.push(back[k]);
      pathY.push(back[k + 1]);
    }
    for (let k = 0; k < fwd.length; k += 2) {
      pathX.push(fwd[k]);
      pathY.push(fwd[k + 1]);
    }
    const m = pathX.length;
    for (let k = 0; k < m; k++) {
      const p = Math.min(width * height - 1, Math.max(0, Math.round(pathY[k]) * width + Math.round(pathX[k])));
      const nx = -dirY[p];
      const ny = dirX[p];
      const off = crimp * Math.sin((2 * Math.PI * k) / wavelength + phase);
      const taper = Math.min(1, Math.min(k + 1, m - k) / 6);
      splat(out, width, height, pathX[k] + off * nx, pathY[k] + off * ny, sigma, amount * taper, allowed, allowValue);
    }
  }
  return out;
}

/**
 * Follows the axial direction field, turned by `turn` radians, from (x, y) for `length` 1-px
 * steps; returns x,y pairs.
 */
function trace(f: FibreField, x: number, y: number, sign: number, length: number, turn: number): number[] {
  const { width, height, allowed, allowValue } = f;
  const ct = Math.cos(turn);
  const st = Math.sin(turn);
  const dirAt = (q: number): [number, number] => [ct * f.dirX[q] - st * f.dirY[q], st * f.dirX[q] + ct * f.dirY[q]];
  const pts: number[] = [x, y];
  let p = Math.floor(y) * width + Math.floor(x);
  let [dx, dy] = dirAt(p);
  dx *= sign;
  dy *= sign;
  for (let s = 0; s < length; s++) {
    x += dx;
    y += dy;
    const ix = Math.round(x);
    const iy = Math.round(y);
    if (ix < 0 || iy < 0 || ix >= width || iy >= height) break;
    p = iy * width + ix;
    if (allowed[p] !== allowValue) break;
    pts.push(x, y);
    let [nx, ny] = dirAt(p);
    if (nx * dx + ny * dy < 0) {
      nx = -nx;
      ny = -ny;
    }
    dx = nx;
    dy = ny;
  }
  return pts;
}

/** Adds a Gaussian footprint of standard deviation `sigma` px at (x, y), allowed pixels only. */
function splat(out: Float32Array, width: number, height: number, x: number, y: number, sigma: number, amount: number, allowed: Uint8Array, allowValue: number): void {
  const r = Math.ceil(2 * sigma);
  const x0 = Math.max(0, Math.floor(x) - r);
  const x1 = Math.min(width - 1, Math.floor(x) + r + 1);
  const y0 = Math.max(0, Math.floor(y) - r);
  const y1 = Math.min(height - 1, Math.floor(y) + r + 1);
  // Per unit step of the path, so the sum along a fibre stays ≈ amount on its axis.
  const k = amount / (Math.sqrt(2 * Math.PI) * sigma);
  const inv = 1 / (2 * sigma * sigma);
  for (let yy = y0; yy <= y1; yy++) {
    for (let xx = x0; xx <= x1; xx++) {
      const p = yy * width + xx;
      if (allowed[p] !== allowValue) continue;
      const d2 = (xx - x) ** 2 + (yy - y) ** 2;
      out[p] += k * Math.exp(-d2 * inv);
    }
  }
}
