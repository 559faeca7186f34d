/**
 * Colonic glands: a wobbly ellipse of epithelium (a band `thickness` px deep, measured inward
 * from the outer, basal boundary) around a lumen. Sizes are in pixels at CoNSeP's
 * 0.25 µm/px, where tumour glands are roughly 100–300 px across.
 */
import type { Rng } from '../core/rng.ts';

export interface Gland {
  /** Centre (px). */
  cx: number;
  cy: number;
  /** Direction (radians) of the `a` semi-axis. */
  angle: number;
  /** Outer semi-axes (px), a ≥ b. */
  a: number;
  b: number;
  /** Outline wobble: [amplitude, phase] pairs for harmonics k = 2, 3, …. */
  outline: number[];
  /** Depth (px) of the epithelial band. */
  thickness: number;
  /** Wobble of the lumen's edge, relative to `thickness`: [amplitude, phase] for k = 3, 4, …. */
  lumenEdge: number[];
  /** Outer radius and band thickness tabulated at {@link TABLE_SIZE} angles over a turn (speed). */
  radiusTable: Float32Array;
  bandTable: Float32Array;
}

/** Angular resolution of the gland tables: 0.5° keeps the outline error far below a pixel. */
const TABLE_SIZE = 720;

/** Where a point lies relative to a gland. */
export interface GlandPoint {
  /** Angle (radians) around the gland, in the gland's own frame. */
  phi: number;
  /** Distance (px) inward from the outer boundary: < 0 outside the gland. */
  depth: number;
  /** Local band thickness (px) at this angle: depth ≥ this is lumen. */
  band: number;
}

/** Outer radius (px) of a gland along angle `phi` of its own frame. */
export function outerRadius(g: Gland, phi: number): number {
  return lookup(g.radiusTable, phi);
}

/** Band thickness (px) along angle `phi`. */
export function bandThickness(g: Gland, phi: number): number {
  return lookup(g.bandTable, phi);
}

function lookup(table: Float32Array, phi: number): number {
  let t = (phi / (2 * Math.PI)) * TABLE_SIZE;
  t -= Math.floor(t / TABLE_SIZE) * TABLE_SIZE;
  const i = Math.floor(t);
  const f = t - i;
  const j = i + 1 === TABLE_SIZE ? 0 : i + 1;
  return table[i] + (table[j] - table[i]) * f;
}

function tabulate(fn: (phi: number) => number): Float32Array {
  return Float32Array.from({ length: TABLE_SIZE }, (_, i) => fn((2 * Math.PI * i) / TABLE_SIZE));
}

function harmonics(pairs: number[], phi: number, firstK: number): number {
  let s = 0;
  for (let i = 0; i < pairs.length; i += 2) s += pairs[i] * Math.cos((firstK + i / 2) * phi + pairs[i + 1]);
  return s;
}

/** Locates image point (x, y) relative to gland `g`. */
export function locate(g: Gland, x: number, y: number): GlandPoint {
  const dx = x - g.cx;
  const dy = y - g.cy;
  const c = Math.cos(g.angle);
  const s = Math.sin(g.angle);
  const u = c * dx + s * dy;
  const v = -s * dx + c * dy;
  const phi = Math.atan2(v, u);
  return { phi, depth: outerRadius(g, phi) - Math.hypot(u, v), band: bandThickness(g, phi) };
}

/** The image point at angle `phi` (gland frame) and `depth` px inside the outer boundary. */
export function pointAt(g: Gland, phi: number, depth: number): [number, number] {
  const r = outerRadius(g, phi) - depth;
  const u = r * Math.cos(phi);
  const v = r * Math.sin(phi);
  const c = Math.cos(g.angle);
  const s = Math.sin(g.angle);
  return [g.cx + c * u - s * v, g.cy + s * u + c * v];
}

/** Radius (px) of a circle around the centre that holds the whole gland. */
export function maxRadius(g: Gland): number {
  let amp = 0;
  for (let i = 0; i < g.outline.length; i += 2) amp += Math.abs(g.outline[i]);
  return g.a * (1 + amp);
}

/** A random gland centred at (cx, cy) with outer semi-major axis about `size` px. */
export function drawGland(rng: Rng, cx: number, cy: number, size: number): Gland {
  const a = size;
  const b = a / rng.uniform(1, 1.8);
  const outline: number[] = [];
  for (let k = 2; k <= 5; k++) outline.push(rng.uniform(0, 0.09 / (k - 1)), rng.uniform(0, 2 * Math.PI));
  const lumenEdge: number[] = [];
  for (let k = 3; k <= 8; k++) lumenEdge.push(rng.uniform(0, 0.14) / (k - 2), rng.uniform(0, 2 * Math.PI));
  // Leave room for a lumen, if only a slit: the band takes at most ~80 % of the short semi-axis.
  const thickness = Math.min(rng.uniform(45, 110), 0.8 * b * (1 - outline[0] - outline[2]));
  const radiusTable = tabulate((phi) => {
    const ellipse = (a * b) / Math.hypot(b * Math.cos(phi), a * Math.sin(phi));
    return ellipse * (1 + harmonics(outline, phi, 2));
  });
  const bandTable = tabulate((phi) => thickness * (1 + harmonics(lumenEdge, phi, 3)));
  return { cx, cy, angle: rng.uniform(0, Math.PI), a, b, outline, thickness, lumenEdge, radiusTable, bandTable };
}
