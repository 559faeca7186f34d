/**
 * The nuclear layer of a synthetic tile: the instance map being built, plus each pixel's
 * nuclear coverage (for soft edges), nuclear stain concentrations and halo clearing. Nuclei
 * are painted one at a time; one that would overlap earlier nuclei more than allowed is
 * refused, and one that is allowed only takes free pixels, so nuclei may touch (and flatten
 * against each other) but every pixel belongs to at most one instance.
 */
import { signedDistance, nucleusReach, type CellBody, type NucleusSpec } from './nuclei.ts';

export interface NucleusCanvas {
  width: number;
  height: number;
  /** H×W int32 instance ids, 0 = background. */
  inst: Int32Array;
  /** types[id − 1] is the type of instance `id`. */
  types: number[];
  /** H×W float32 in [0, 1]: how much of the pixel is nucleus (0.5 at the labelled boundary). */
  alpha: Float32Array;
  /** H×W float32 nuclear concentrations of H, E and the residual, where alpha > 0. */
  h: Float32Array;
  e: Float32Array;
  r: Float32Array;
  /** H×W float32 in [0, 1]: how much the background stain is cleared (halos). */
  clear: Float32Array;
  /** H×W float32 H and E added to the background by cell bodies (cytoplasm). */
  bodyH: Float32Array;
  bodyE: Float32Array;
  /** H×W float32 chromatin texture (mean 0, std 1) shared by all nuclei of the tile. */
  chromatin: Float32Array;
}

/** Smallest instance (px) the generator keeps. */
export const MIN_AREA = 12;
/** Width (px) of the linear ramp of a nucleus's coverage across its boundary. */
const EDGE = 1.2;

export function createCanvas(width: number, height: number, chromatin: Float32Array): NucleusCanvas {
  const n = width * height;
  return {
    width, height,
    inst: new Int32Array(n),
    types: [],
    alpha: new Float32Array(n),
    h: new Float32Array(n),
    e: new Float32Array(n),
    r: new Float32Array(n),
    clear: new Float32Array(n),
    bodyH: new Float32Array(n),
    bodyE: new Float32Array(n),
    chromatin,
  };
}

/**
 * Paints `spec` unless more than `maxOverlap` of its pixels already belong to other nuclei,
 * or what is left of it (its largest 4-connected free part) is under 75 % of its in-image
 * area or under {@link MIN_AREA}.
 *
 * @returns the new instance id, or 0 when the nucleus was refused.
 */
export function paintNucleus(canvas: NucleusCanvas, spec: NucleusSpec, maxOverlap: number): number {
  const { width, height, inst } = canvas;
  const reach = nucleusReach(spec) + spec.halo + EDGE + 1;
  const x0 = Math.max(0, Math.floor(spec.cx - reach));
  const x1 = Math.min(width - 1, Math.ceil(spec.cx + reach));
  const y0 = Math.max(0, Math.floor(spec.cy - reach));
  const y1 = Math.min(height - 1, Math.ceil(spec.cy + reach));
  if (x1 < x0 || y1 < y0) return 0;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const sd = new Float32Array(bw * bh);
  const c = Math.cos(spec.angle);
  const s = Math.sin(spec.angle);
  let inside = 0;
  let taken = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - spec.cx;
      const dy = y - spec.cy;
      const d = signedDistance(spec, c * dx + s * dy, -s * dx + c * dy);
      sd[(y - y0) * bw + (x - x0)] = d;
      if (d < 0) {
        inside++;
        if (inst[y * width + x] !== 0) taken++;
      }
    }
  }
  if (inside < MIN_AREA || taken > maxOverlap * inside) return 0;
  const keep = largestFreeComponent(sd, bw, bh, x0, y0, inst, width);
  if (keep.count < Math.max(MIN_AREA, 0.75 * inside)) return 0;

  canvas.types.push(spec.type);
  const id = canvas.types.length;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const q = (y - y0) * bw + (x - x0);
      const p = y * width + x;
      const d = sd[q];
      if (keep.mask[q]) {
        inst[p] = id;
      } else if (inst[p] !== 0) {
        continue;
      }
      if (d >= 0 && spec.halo > 0 && d < spec.halo) {
        canvas.clear[p] = Math.max(canvas.clear[p], Math.min(0.9, 2.5 * (1 - d / spec.halo)));
      }
      let a = 0.5 - d / EDGE;
      if (a <= 0) continue;
      if (a > 1) a = 1;
      // Pixels outside the kept part get only a soft fringe, never labelled coverage.
      if (!keep.mask[q]) {
        a = Math.min(a, 0.45);
        if (a <= canvas.alpha[p]) continue;
      }
      canvas.alpha[p] = a;
      stainPixel(canvas, spec, p, x, y, Math.max(0, -d), c, s);
    }
  }
  if (spec.body !== undefined) paintBody(canvas, spec, spec.body, c, s);
  return id;
}

/**
 * Adds a cell body's cytoplasm to the background layers: strongest at the nucleus, fading
 * to nothing at the body's edge, mottled by the chromatin texture so it is not a clean oval.
 * Overlapping bodies take the larger value rather than adding up.
 */
function paintBody(canvas: NucleusCanvas, spec: NucleusSpec, body: CellBody, c: number, s: number): void {
  const { width, height } = canvas;
  const reach = Math.max(body.along, body.across) + 1;
  for (let y = Math.max(0, Math.floor(spec.cy - reach)); y <= Math.min(height - 1, Math.ceil(spec.cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(spec.cx - reach)); x <= Math.min(width - 1, Math.ceil(spec.cx + reach)); x++) {
      const dx = x - spec.cx;
      const dy = y - spec.cy;
      const u = (c * dx + s * dy) / body.along;
      const v = (-s * dx + c * dy) / body.across;
      const q = 1 - (u * u + v * v);
      if (q <= 0) continue;
      const p = y * width + x;
      const w = Math.min(1, 1.8 * q) * (0.75 + 0.25 * Math.max(-1, Math.min(1, canvas.chromatin[p])));
      if (body.h * w > canvas.bodyH[p]) canvas.bodyH[p] = body.h * w;
      if (body.e * w > canvas.bodyE[p]) canvas.bodyE[p] = body.e * w;
    }
  }
}

/** Writes the nucleus's concentrations at pixel p, `depth` px inside its boundary. */
function stainPixel(canvas: NucleusCanvas, spec: NucleusSpec, p: number, x: number, y: number, depth: number, c: number, s: number): void {
  let tex = canvas.chromatin[p];
  if (tex > 2.5) tex = 2.5;
  else if (tex < -2.5) tex = -2.5;
  // Clumped chromatin: dark blobs on a pale (vesicular) nucleoplasm.
  if (spec.clumped) tex = tex > 0.25 ? 1.4 * (tex - 0.25) : 0.4 * (tex - 0.25);
  let h = spec.h * (1 + spec.rim * Math.exp(-depth / spec.rimWidth) + spec.chromatin * tex);
  if (spec.dots.length > 0) {
    const dx = x - spec.cx;
    const dy = y - spec.cy;
    const u = c * dx + s * dy;
    const v = -s * dx + c * dy;
    for (const dot of spec.dots) {
      const r2 = (u - dot.u) ** 2 + (v - dot.v) ** 2;
      h += dot.amount * Math.exp(-r2 / (2 * dot.sigma * dot.sigma));
    }
  }
  canvas.h[p] = Math.max(0.15 * spec.h, h);
  canvas.e[p] = spec.e * (1 + 0.3 * spec.chromatin * tex);
  canvas.r[p] = spec.r;
}

/**
 * The largest 4-connected set of box pixels that are inside the nucleus (sd < 0) and still
 * free in `inst`, as a box-sized 0/1 mask.
 */
function largestFreeComponent(sd: Float32Array, bw: number, bh: number, x0: number, y0: number, inst: Int32Array, width: number): { mask: Uint8Array; count: number } {
  const label = new Int32Array(bw * bh);
  const stack = new Int32Array(bw * bh);
  let best = 0;
  let bestCount = 0;
  let next = 0;
  for (let q = 0; q < bw * bh; q++) {
    if (label[q] !== 0 || !(sd[q] < 0) || inst[(y0 + Math.floor(q / bw)) * width + x0 + (q % bw)] !== 0) continue;
    next++;
    let count = 0;
    let top = 0;
    stack[top++] = q;
    label[q] = next;
    while (top > 0) {
      const cur = stack[--top];
      count++;
      const cx = cur % bw;
      const cy = (cur - cx) / bw;
      const visit = (nq: number, nx: number, ny: number): void => {
        if (label[nq] !== 0 || !(sd[nq] < 0) || inst[(y0 + ny) * width + x0 + nx] !== 0) return;
        label[nq] = next;
        stack[top++] = nq;
      };
      if (cx > 0) visit(cur - 1, cx - 1, cy);
      if (cx < bw - 1) visit(cur + 1, cx + 1, cy);
      if (cy > 0) visit(cur - bw, cx, cy - 1);
      if (cy < bh - 1) visit(cur + bw, cx, cy + 1);
    }
    if (count > bestCount) {
      best = next;
      bestCount = count;
    }
  }
  const mask = new Uint8Array(bw * bh);
  for (let q = 0; q < mask.length; q++) if (label[q] === best && best !== 0) mask[q] = 1;
  return { mask, count: bestCount };
}
