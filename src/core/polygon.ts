/**
 * Polygons on the pixel grid: filling (rasterising) them and tracing them back out of masks.
 * Pure geometry, no I/O; the Aperio/MoNuSeg/MoNuSAC XML reader and writer build on it.
 *
 * Conventions
 * - A polygon is a flat Float64Array `x0, y0, x1, y1, …` of vertices in pixel coordinates,
 *   pixel centres at integers (pixel (x, y) is the unit square centred on (x, y)), x to the
 *   right, y downwards. It is closed implicitly: the last vertex joins the first. Vertices may
 *   be fractional; one vertex (a point) and two (a segment) are valid polygons.
 * - Inclusion: pixel (x, y) belongs to a polygon when its centre is inside the polygon
 *   (even–odd rule) OR on its boundary. The boundary test is exact for integer vertices, which
 *   is what makes a traced outline fill back to exactly the pixels it came from, and it
 *   matches cv2.fillPoly, which also paints the pixels the outline passes through. (Tools that
 *   test the centre only, like skimage.draw.polygon, give the same interior and differ on the
 *   outline.)
 * - Tracing: an outline runs through the centres of the boundary pixels in the order boundary
 *   tracing visits them (clockwise on screen where the region is thicker than a pixel; out and
 *   back along one-pixel-wide parts), starting at the region's first pixel in raster order,
 *   with collinear in-between vertices dropped.
 *
 * Why written here: no installed library rasterises or traces polygons (sharp renders SVG with
 * anti-aliasing and no exact inclusion rule), and the exact trace→fill round trip the dataset
 * writers promise needs both halves to agree on one convention.
 */
import { instanceStats } from './labels.ts';
import type { InstanceMap } from './raster.ts';

/** Vertices `x0, y0, x1, y1, …` in pixel coordinates (see the module conventions). */
export type Polygon = Float64Array;

/** An outer outline with the outlines of its holes (pixels to take back out of it). */
export interface Shape {
  outer: Polygon;
  holes: Polygon[];
}

/** Absolute area (shoelace formula) in square pixels; 0 for points and segments. */
export function polygonArea(poly: Polygon): number {
  const n = poly.length >> 1;
  let twice = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) twice += poly[2 * j] * poly[2 * i + 1] - poly[2 * i] * poly[2 * j + 1];
  return Math.abs(twice) / 2;
}

/** Perimeter in pixels, closing edge included; a segment counts both ways. */
export function polygonLength(poly: Polygon): number {
  const n = poly.length >> 1;
  if (n < 2) return 0;
  let len = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) len += Math.hypot(poly[2 * i] - poly[2 * j], poly[2 * i + 1] - poly[2 * j + 1]);
  return len;
}

/** [minX, minY, maxX, maxY] of the vertices; all NaN for an empty polygon. */
export function polygonBounds(poly: Polygon): [number, number, number, number] {
  if (poly.length < 2) return [NaN, NaN, NaN, NaN];
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < poly.length; i += 2) {
    const x = poly[i];
    const y = poly[i + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

/** A copy of `poly` moved by (dx, dy). */
export function translatePolygon(poly: Polygon, dx: number, dy: number): Polygon {
  const out = new Float64Array(poly.length);
  for (let i = 0; i < poly.length; i += 2) {
    out[i] = poly[i] + dx;
    out[i + 1] = poly[i + 1] + dy;
  }
  return out;
}

/**
 * Paints every pixel of `poly` (inside or on the boundary, see the module conventions) with
 * `value` in `target`, an H×W row-major raster whose pixel (0, 0) sits at polygon coordinates
 * (originX, originY): pixel (x, y) of the polygon is `target[(y - originY) * width + x - originX]`.
 * Pixels falling outside the raster are skipped. Work is proportional to the polygon's
 * bounding box (clipped to the raster) and its vertex count, never to the whole raster.
 *
 * @returns the number of distinct pixels painted.
 */
export function fillPolygon(
  target: Int32Array | Uint8Array,
  width: number,
  height: number,
  poly: Polygon,
  value: number,
  originX = 0,
  originY = 0,
): number {
  const n = poly.length >> 1;
  if (n === 0) return 0;
  const [bx0, by0, bx1, by1] = polygonBounds(poly);
  const rowLo = Math.max(Math.ceil(by0), originY);
  const rowHi = Math.min(Math.floor(by1), originY + height - 1);
  const colLo = originX;
  const colHi = originX + width - 1;
  if (rowLo > rowHi || Math.ceil(bx0) > colHi || Math.floor(bx1) < colLo) return 0;

  // Edges ordered by their top row, swept with an active list: each row costs the edges that
  // reach it rather than all of them.
  const order = Array.from({ length: n }, (_, i) => i);
  const edgeTop = (i: number): number => Math.min(poly[2 * i + 1], poly[2 * ((i + 1) % n) + 1]);
  order.sort((a, b) => edgeTop(a) - edgeTop(b));
  let next = 0;
  let active: number[] = [];
  const crossings: number[] = [];
  const spans: number[] = []; // lo, hi pairs, inclusive
  let painted = 0;

  for (let y = rowLo; y <= rowHi; y++) {
    while (next < n && edgeTop(order[next]) <= y) active.push(order[next++]);
    active = active.filter((i) => Math.max(poly[2 * i + 1], poly[2 * ((i + 1) % n) + 1]) >= y);
    crossings.length = 0;
    spans.length = 0;
    for (const i of active) {
      const j = (i + 1) % n;
      const xa = poly[2 * i];
      const ya = poly[2 * i + 1];
      const xb = poly[2 * j];
      const yb = poly[2 * j + 1];
      if (ya === yb) {
        // A horizontal edge on this row is all boundary; it never counts as a crossing.
        if (ya === y) spans.push(Math.ceil(Math.min(xa, xb)), Math.floor(Math.max(xa, xb)));
        continue;
      }
      // Exact for integer vertices: the product is an exact integer and a division whose
      // true result is an integer returns it exactly. End rows use the vertex itself so that
      // float vertices are not nudged off an integer by rounding.
      const x = y === ya ? xa : y === yb ? xb : xa + ((y - ya) * (xb - xa)) / (yb - ya);
      // Half-open in y so that a vertex on the row counts once (or twice/never at an extremum),
      // which gives the even–odd parity just below the row: the right answer for every centre
      // not on the boundary. Centres on the boundary are added separately below.
      if (y >= Math.min(ya, yb) && y < Math.max(ya, yb)) crossings.push(x);
      if (Number.isInteger(x)) spans.push(x, x);
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) spans.push(Math.ceil(crossings[k]), Math.floor(crossings[k + 1]));
    painted += paintSpans(target, (y - originY) * width - originX, spans, colLo, colHi, value);
  }
  return painted;
}

/** Paints the union of inclusive [lo, hi] spans, clipped to [colLo, colHi]; returns its size. */
function paintSpans(target: Int32Array | Uint8Array, rowOffset: number, spans: number[], colLo: number, colHi: number, value: number): number {
  const m = spans.length >> 1;
  if (m === 0) return 0;
  const idx = Array.from({ length: m }, (_, k) => k).sort((a, b) => spans[2 * a] - spans[2 * b]);
  let count = 0;
  let end = colLo - 1; // last column painted so far on this row
  for (const k of idx) {
    const lo = Math.max(spans[2 * k], end + 1, colLo);
    const hi = Math.min(spans[2 * k + 1], colHi);
    for (let x = lo; x <= hi; x++) target[rowOffset + x] = value;
    if (hi >= lo) {
      count += hi - lo + 1;
      end = hi;
    }
  }
  return count;
}

// Neighbour directions clockwise on screen (y down). 8: E SE S SW W NW N NE; 4: E S W N.
const DX8 = [1, 1, 0, -1, -1, -1, 0, 1];
const DY8 = [0, 1, 1, 1, 0, -1, -1, -1];
const DX4 = [1, 0, -1, 0];
const DY4 = [0, 1, 0, -1];

/**
 * Traces the outer boundary of the connected region of `mask` (H×W, row-major) that contains
 * pixel index `start`; the region is the pixels whose value equals `mask[start]` and that are
 * 8-connected (or 4-connected) to it. `start` must be the region's first pixel in raster order.
 *
 * With `connectivity` 8 this is Moore-neighbour tracing; with 4 it is left-hand wall following
 * with 4-neighbour steps. Both stop when the walk is about to repeat its first step (Jacob's
 * criterion alone misses parts of some shapes). The outline's vertices are pixel centres.
 *
 * What the outline fills back (inside or on it): with 8, the region plus the pixels it encloses
 * (those with no 4-connected path to the outside avoiding it); with 4, the region plus the
 * pixels with no 8-connected path out. So an 8-region without holes fills back exactly.
 *
 * @returns the outline with collinear in-between vertices dropped; one vertex for one pixel.
 */
export function traceBoundary(mask: ArrayLike<number>, width: number, height: number, start: number, connectivity: 4 | 8 = 8): Polygon {
  const v = mask[start];
  const sx = start % width;
  const sy = (start - sx) / width;
  const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] === v;
  if (inside(sx - 1, sy) || inside(sx, sy - 1) || (connectivity === 8 && (inside(sx - 1, sy - 1) || inside(sx + 1, sy - 1)))) {
    throw new Error(`traceBoundary: pixel ${start} is not the first pixel of its region in raster order`);
  }
  const dirs = connectivity === 8 ? 8 : 4;
  const dx = connectivity === 8 ? DX8 : DX4;
  const dy = connectivity === 8 ? DY8 : DY4;
  // Where the clockwise sweep around a pixel begins, given the step that reached it: just
  // after the neighbour known to be outside (Moore's backtrack pixel / the left-hand wall).
  const sweepStart = (d: number): number => (connectivity === 8 ? (d & 1 ? d + 6 : d + 7) : d + 3) % dirs;
  const step = (x: number, y: number, d: number): number => {
    const s = sweepStart(d);
    for (let k = 0; k < dirs; k++) {
      const e = (s + k) % dirs;
      if (inside(x + dx[e], y + dy[e])) return e;
    }
    return -1;
  };

  const xs: number[] = [sx];
  const ys: number[] = [sy];
  const moves: number[] = [];
  const first = step(sx, sy, 0); // as if reached by a step east: W and the row above are outside
  if (first >= 0) {
    let x = sx + dx[first];
    let y = sy + dy[first];
    let d = first;
    moves.push(first);
    // Each pixel is left at most once per direction, so this bounds any walk that is correct.
    const limit = dirs * 4 * width * height + 8;
    for (let guard = 0; ; guard++) {
      if (guard > limit) throw new Error('traceBoundary: walk did not close (bug)');
      const e = step(x, y, d);
      if (x === sx && y === sy && e === first) break;
      xs.push(x);
      ys.push(y);
      moves.push(e);
      x += dx[e];
      y += dy[e];
      d = e;
    }
  }
  return dropCollinear(xs, ys, moves);
}

/** Keeps vertex i unless the step into it and the step out of it go the same way. */
function dropCollinear(xs: number[], ys: number[], moves: number[]): Polygon {
  const n = xs.length;
  if (n === 1) return Float64Array.of(xs[0], ys[0]);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    const inMove = moves[(i + n - 1) % n];
    const outMove = moves[i];
    if (inMove !== outMove) keep.push(xs[i], ys[i]);
  }
  return Float64Array.from(keep);
}

/**
 * Labels the connected components of the pixels where `mask` is non-zero, in raster order of
 * their first pixel.
 *
 * @returns H×W int32 labels (0 outside, 1..count) and, for each component k, its first pixel
 *   `firsts[k-1]` and bounding box `boxes[4(k-1) ..]` = x0, y0, x1, y1 (inclusive).
 */
export function labelComponents(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  connectivity: 4 | 8,
): { labels: Int32Array; count: number; firsts: number[]; boxes: number[] } {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const firsts: number[] = [];
  const boxes: number[] = [];
  const dirs = connectivity === 8 ? 8 : 4;
  const dx = connectivity === 8 ? DX8 : DX4;
  const dy = connectivity === 8 ? DY8 : DY4;
  let count = 0;
  for (let p0 = 0; p0 < labels.length; p0++) {
    if (!mask[p0] || labels[p0]) continue;
    const k = ++count;
    firsts.push(p0);
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let top = 0;
    stack[top++] = p0;
    labels[p0] = k;
    while (top > 0) {
      const p = stack[--top];
      const x = p % width;
      const y = (p - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let e = 0; e < dirs; e++) {
        const qx = x + dx[e];
        const qy = y + dy[e];
        if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
        const q = qy * width + qx;
        if (mask[q] && !labels[q]) {
          labels[q] = k;
          stack[top++] = q;
        }
      }
    }
    boxes.push(x0, y0, x1, y1);
  }
  return { labels, count, firsts, boxes };
}

/**
 * The outlines of one binary region, one {@link Shape} per 8-connected component, in raster
 * order of their first pixels. `mask` is H×W, non-zero inside. Holes (4-connected pixels not
 * in the component that its outer outline encloses) get 4-connected outlines, so that
 * `fill(outer) \ fill(holes)` is exactly the component: the 4-outline of a hole never takes
 * in a pixel that is 8-connected to the component's outside, and every component pixel is.
 *
 * @returns the shapes (coordinates in the mask's pixel frame) and the number of pixels where
 *   refilling a shape did not reproduce its component (always 0 unless there is a bug; the
 *   callers check it rather than trust the argument above).
 */
export function maskShapes(mask: ArrayLike<number>, width: number, height: number): { shapes: Shape[]; mismatched: number } {
  const comps = labelComponents(mask, width, height, 8);
  const shapes: Shape[] = [];
  let mismatched = 0;
  for (let k = 1; k <= comps.count; k++) {
    const [x0, y0, x1, y1] = comps.boxes.slice(4 * (k - 1), 4 * k);
    // Work in the component's box grown by one pixel, so cost follows the component's size.
    const w = x1 - x0 + 3;
    const h = y1 - y0 + 3;
    const local = new Uint8Array(w * h);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) if (comps.labels[y * width + x] === k) local[(y - y0 + 1) * w + x - x0 + 1] = 1;
    }
    const f = comps.firsts[k - 1];
    const fx = f % width;
    const start = ((f - fx) / width - y0 + 1) * w + fx - x0 + 1;
    const outer = traceBoundary(local, w, h, start, 8);
    const filled = new Uint8Array(w * h);
    fillPolygon(filled, w, h, outer, 1);
    const enclosed = new Uint8Array(w * h);
    let anyHole = false;
    for (let p = 0; p < filled.length; p++) {
      if (filled[p] && !local[p]) {
        enclosed[p] = 1;
        anyHole = true;
      }
    }
    const holes: Polygon[] = [];
    if (anyHole) {
      const hc = labelComponents(enclosed, w, h, 4);
      for (let j = 1; j <= hc.count; j++) {
        const hole = traceBoundary(hc.labels, w, h, hc.firsts[j - 1], 4);
        fillPolygon(filled, w, h, hole, 0);
        holes.push(translatePolygon(hole, x0 - 1, y0 - 1));
      }
    }
    for (let p = 0; p < filled.length; p++) if (filled[p] !== local[p]) mismatched++;
    shapes.push({ outer: translatePolygon(outer, x0 - 1, y0 - 1), holes });
  }
  return { shapes, mismatched };
}

/**
 * The outlines of every instance of an instance map: for each id (ascending), one
 * {@link Shape} per 8-connected component of its pixels, in raster order. Work per instance
 * is proportional to its bounding box.
 *
 * @returns the shapes by id, and warnings for any instance whose outlines do not refill to
 *   exactly its pixels (none expected; see {@link maskShapes}).
 */
export function instancePolygons(inst: InstanceMap): { shapes: Map<number, Shape[]>; warnings: string[] } {
  const { width, data } = inst;
  const stats = instanceStats(inst);
  const shapes = new Map<number, Shape[]>();
  const warnings: string[] = [];
  stats.ids.forEach((id, i) => {
    const [x0, y0, x1, y1] = stats.bboxes.subarray(4 * i, 4 * i + 4);
    const w = x1 - x0;
    const h = y1 - y0;
    const local = new Uint8Array(w * h);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) if (data[y * width + x] === id) local[(y - y0) * w + x - x0] = 1;
    }
    const r = maskShapes(local, w, h);
    if (r.mismatched > 0) warnings.push(`instance ${id}: its outline refills ${r.mismatched} pixel(s) differently`);
    shapes.set(
      id,
      r.shapes.map((s) => ({ outer: translatePolygon(s.outer, x0, y0), holes: s.holes.map((p) => translatePolygon(p, x0, y0)) })),
    );
  });
  return { shapes, warnings };
}

/** The outer outlines of every instance (holes left out); see {@link instancePolygons}. */
export function instanceOutlines(inst: InstanceMap): Map<number, Polygon[]> {
  const out = new Map<number, Polygon[]>();
  for (const [id, list] of instancePolygons(inst).shapes) out.set(id, list.map((s) => s.outer));
  return out;
}
