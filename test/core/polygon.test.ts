import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fillPolygon,
  instanceOutlines,
  instancePolygons,
  labelComponents,
  maskShapes,
  polygonArea,
  polygonLength,
  traceBoundary,
  type Polygon,
} from '../../src/core/polygon.ts';
import { createInstanceMap } from '../../src/core/raster.ts';
import { createRng, type Rng } from '../../src/core/rng.ts';

const P = (...xy: number[]): Polygon => Float64Array.from(xy);

/** The pixels of a fill as sorted "x,y" strings. */
function filled(poly: Polygon, w: number, h: number): string[] {
  const t = new Int32Array(w * h);
  const n = fillPolygon(t, w, h, poly, 7);
  const out: string[] = [];
  for (let p = 0; p < t.length; p++) if (t[p] === 7) out.push(`${p % w},${Math.floor(p / w)}`);
  assert.equal(n, out.length, 'returned count = distinct pixels painted');
  return out;
}

function pixels(list: [number, number][]): string[] {
  return list.map(([x, y]) => `${x},${y}`).sort();
}

function grid(test: (x: number, y: number) => boolean, w: number, h: number): string[] {
  const out: [number, number][] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (test(x, y)) out.push([x, y]);
  return pixels(out);
}

describe('fillPolygon: hand-computed fills', () => {
  it('fills an axis-aligned square with integer corners, edges included', () => {
    assert.deepEqual(filled(P(1, 1, 4, 1, 4, 4, 1, 4), 6, 6).sort(), grid((x, y) => x >= 1 && x <= 4 && y >= 1 && y <= 4, 6, 6));
  });

  it('fills a square with half-integer corners by centres only (3×3 for 0.5..3.5)', () => {
    assert.deepEqual(filled(P(0.5, 0.5, 3.5, 0.5, 3.5, 3.5, 0.5, 3.5), 6, 6).sort(), grid((x, y) => x >= 1 && x <= 3 && y >= 1 && y <= 3, 6, 6));
  });

  it('fills a right triangle including its hypotenuse pixels', () => {
    // (0,0), (4,0), (0,4): x, y >= 0 and x + y <= 4: 5+4+3+2+1 = 15 pixels.
    const got = filled(P(0, 0, 4, 0, 0, 4), 6, 6).sort();
    assert.equal(got.length, 15);
    assert.deepEqual(got, grid((x, y) => x + y <= 4, 6, 6));
  });

  it('fills a float triangle whose hypotenuse passes exactly through pixel centres', () => {
    // Hypotenuse x + y = 3 from (3.5,-0.5) to (-0.5,3.5): centres on it count (10 pixels).
    const got = filled(P(-0.5, -0.5, 3.5, -0.5, -0.5, 3.5), 6, 6).sort();
    assert.deepEqual(got, grid((x, y) => x + y <= 3, 6, 6));
    assert.equal(got.length, 10);
  });

  it('fills a float rectangle by the centres it contains', () => {
    assert.deepEqual(filled(P(0.2, 0.2, 3.8, 0.2, 3.8, 2.5, 0.2, 2.5), 6, 6).sort(), grid((x, y) => x >= 1 && x <= 3 && y >= 1 && y <= 2, 6, 6));
  });

  it('a one-vertex polygon is its pixel; a float point off-centre paints nothing', () => {
    assert.deepEqual(filled(P(2, 3), 5, 5), ['2,3']);
    assert.deepEqual(filled(P(2.3, 3.3), 5, 5), []);
    assert.deepEqual(filled(P(2, 3, 2, 3, 2, 3), 5, 5), ['2,3']);
  });

  it('thin lines: segments paint the pixel centres they pass through', () => {
    assert.deepEqual(filled(P(0, 1, 5, 1), 7, 3).sort(), pixels([[0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1]]));
    assert.deepEqual(filled(P(2, 0, 2, 4), 5, 5).sort(), pixels([[2, 0], [2, 1], [2, 2], [2, 3], [2, 4]]));
    assert.deepEqual(filled(P(0, 0, 3, 3), 5, 5).sort(), pixels([[0, 0], [1, 1], [2, 2], [3, 3]]));
    // Slope 1/2 passes through (0,0), (2,1), (4,2) only.
    assert.deepEqual(filled(P(0, 0, 4, 2), 5, 5).sort(), pixels([[0, 0], [2, 1], [4, 2]]));
    // A back-and-forth outline of a one-pixel-wide line: each pixel once.
    assert.deepEqual(filled(P(1, 2, 4, 2, 3, 2, 2, 2), 6, 4).sort(), pixels([[1, 2], [2, 2], [3, 2], [4, 2]]));
  });

  it('fills a concave U without its notch', () => {
    // U: x 0..4, y 0..4, notch x 2, y 0..2 cut down to the centre column.
    const u = P(0, 0, 1, 0, 1, 3, 3, 3, 3, 0, 4, 0, 4, 4, 0, 4);
    assert.deepEqual(filled(u, 5, 5).sort(), grid((x, y) => !(x === 2 && y <= 2), 5, 5));
  });

  it('uses the even-odd rule for self-intersecting outlines (bow tie keeps its crossing pixel)', () => {
    // Bow tie (0,0)-(4,4)-(4,0)-(0,4): two triangles meeting at (2,2).
    const got = filled(P(0, 0, 4, 4, 4, 0, 0, 4), 5, 5).sort();
    assert.deepEqual(got, grid((x, y) => (x <= y && x <= 4 - y) || (x >= y && x >= 4 - y), 5, 5));
    assert.equal(got.length, 9 + 9 - 1);
  });

  it('clips to the raster and honours the origin', () => {
    assert.deepEqual(filled(P(-2, -2, 1, -2, 1, 1, -2, 1), 3, 3).sort(), pixels([[0, 0], [1, 0], [0, 1], [1, 1]]));
    const t = new Uint8Array(4 * 3);
    // The square 10..11 × 20..21 in a 4×3 window whose pixel (0,0) is (10,20).
    assert.equal(fillPolygon(t, 4, 3, P(10, 20, 11, 20, 11, 21, 10, 21), 1, 10, 20), 4);
    assert.deepEqual(Array.from(t), [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    assert.equal(fillPolygon(t, 4, 3, P(100, 100, 101, 100, 101, 101), 1), 0);
  });

  it('area and length', () => {
    assert.equal(polygonArea(P(0, 0, 4, 0, 4, 3, 0, 3)), 12);
    assert.equal(polygonArea(P(0, 0, 0, 3, 4, 3, 4, 0)), 12);
    assert.equal(polygonArea(P(1, 1)), 0);
    assert.equal(polygonLength(P(0, 0, 4, 0, 4, 3, 0, 3)), 14);
    assert.equal(polygonLength(P(0, 0, 3, 4)), 10);
  });
});

/** Exact reference: pixel centre inside (crossing number) or on an edge. */
function referenceInside(poly: Polygon, px: number, py: number): boolean {
  const n = poly.length / 2;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i];
    const yi = poly[2 * i + 1];
    const xj = poly[2 * j];
    const yj = poly[2 * j + 1];
    const cross = (xj - xi) * (py - yi) - (yj - yi) * (px - xi);
    if (cross === 0 && px >= Math.min(xi, xj) && px <= Math.max(xi, xj) && py >= Math.min(yi, yj) && py <= Math.max(yi, yj)) return true;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

describe('fillPolygon agrees with an exact point-in-polygon reference', () => {
  it('on 400 random integer and float polygons, self-intersecting ones included', () => {
    const rng = createRng(11);
    const w = 24;
    const h = 20;
    for (let k = 0; k < 400; k++) {
      const n = 1 + rng.int(10);
      const float = k % 2 === 1;
      const poly = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        // Coordinates reach past the raster to exercise clipping.
        poly[2 * i] = float ? rng.uniform(-3, w + 2) : rng.int(w + 4) - 2;
        poly[2 * i + 1] = float ? rng.uniform(-3, h + 2) : rng.int(h + 4) - 2;
      }
      const got = filled(poly, w, h).sort();
      const want = grid((x, y) => referenceInside(poly, x, y), w, h);
      assert.deepEqual(got, want, `polygon ${k}: ${Array.from(poly).join(',')}`);
    }
  });
});

describe('traceBoundary', () => {
  const mask = (rows: string[]): { m: Uint8Array; w: number; h: number } => {
    const h = rows.length;
    const w = rows[0].length;
    const m = new Uint8Array(w * h);
    rows.forEach((r, y) => [...r].forEach((c, x) => (m[y * w + x] = c === '#' ? 1 : 0)));
    return { m, w, h };
  };

  it('traces one pixel as one vertex', () => {
    const { m, w, h } = mask(['...', '.#.', '...']);
    assert.deepEqual(Array.from(traceBoundary(m, w, h, 4)), [1, 1]);
  });

  it('traces a rectangle clockwise from its top-left pixel, corners only', () => {
    const { m, w, h } = mask(['.....', '.###.', '.###.', '.....']);
    assert.deepEqual(Array.from(traceBoundary(m, w, h, 6)), [1, 1, 3, 1, 3, 2, 1, 2]);
  });

  it('traces one-pixel-wide lines out and back', () => {
    const { m, w, h } = mask(['####', '....']);
    assert.deepEqual(Array.from(traceBoundary(m, w, h, 0)), [0, 0, 3, 0]);
    const d = mask(['#..', '.#.', '..#']);
    assert.deepEqual(Array.from(traceBoundary(d.m, d.w, d.h, 0)), [0, 0, 2, 2]);
  });

  it('traces an L and a caret shape through their pixel centres', () => {
    // 8-connected tracing cuts the inner corner (0,1)→(1,2) on the way out; (0,2) is on the way back.
    const l = mask(['#..', '#..', '###']);
    const lp = traceBoundary(l.m, l.w, l.h, 0);
    assert.deepEqual(Array.from(lp), [0, 0, 0, 1, 1, 2, 2, 2, 0, 2]);
    assert.deepEqual(filled(lp, 3, 3).sort(), pixels([[0, 0], [0, 1], [0, 2], [1, 2], [2, 2]]));
    // Caret: (1,0) with (0,1) and (2,1); the centre (1,1) is outside both spokes.
    const c = mask(['.#.', '#.#']);
    const poly = traceBoundary(c.m, c.w, c.h, 1);
    assert.deepEqual(Array.from(poly), [1, 0, 2, 1, 1, 0, 0, 1]);
    assert.deepEqual(filled(poly, 3, 2).sort(), pixels([[1, 0], [0, 1], [2, 1]]));
  });

  it('traces only the region of the start pixel’s value in a label image', () => {
    const labels = Int32Array.from([1, 1, 2, 1, 2, 2, 0, 0, 0]);
    assert.deepEqual(Array.from(traceBoundary(labels, 3, 3, 2)), [2, 0, 2, 1, 1, 1]);
  });

  it('refuses a start that is not the first pixel of its region', () => {
    const { m, w, h } = mask(['##', '##']);
    assert.throws(() => traceBoundary(m, w, h, 1), /first pixel/);
    assert.throws(() => traceBoundary(m, w, h, 3), /first pixel/);
  });
});

type Shaper = (rng: Rng, m: Uint8Array, w: number, h: number) => void;

const set = (m: Uint8Array, w: number, h: number, x: number, y: number): void => {
  if (x >= 0 && y >= 0 && x < w && y < h) m[y * w + x] = 1;
};

const SHAPERS: Record<string, Shaper> = {
  pixel: (rng, m, w, h) => set(m, w, h, 1 + rng.int(w - 2), 1 + rng.int(h - 2)),
  hline: (rng, m, w, h) => {
    const y = rng.int(h);
    const x0 = rng.int(w);
    const len = 1 + rng.int(w - x0);
    for (let x = x0; x < x0 + len; x++) set(m, w, h, x, y);
  },
  vline: (rng, m, w, h) => {
    const x = rng.int(w);
    const y0 = rng.int(h);
    for (let y = y0; y < h && y < y0 + 1 + rng.int(h); y++) set(m, w, h, x, y);
  },
  walk: (rng, m, w, h) => {
    // An 8-connected random walk: one-pixel-wide, diagonal, concave.
    let x = rng.int(w);
    let y = rng.int(h);
    for (let s = 0, n = 2 + rng.int(60); s < n; s++) {
      set(m, w, h, x, y);
      x = Math.min(w - 1, Math.max(0, x + rng.int(3) - 1));
      y = Math.min(h - 1, Math.max(0, y + rng.int(3) - 1));
    }
  },
  ellipse: (rng, m, w, h) => {
    const cx = rng.uniform(0, w);
    const cy = rng.uniform(0, h);
    const rx = rng.uniform(0.5, w / 2);
    const ry = rng.uniform(0.5, h / 2);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) set(m, w, h, x, y);
  },
  blobs: (rng, m, w, h) => {
    for (let k = 0, n = 2 + rng.int(4); k < n; k++) (rng.next() < 0.5 ? SHAPERS.ellipse : SHAPERS.walk)(rng, m, w, h);
  },
  ring: (rng, m, w, h) => {
    const cx = w / 2 + rng.uniform(-2, 2);
    const cy = h / 2 + rng.uniform(-2, 2);
    const r1 = rng.uniform(2, Math.min(w, h) / 2);
    const r0 = rng.uniform(0.5, r1 - 0.8);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (d <= r1 && d >= r0) set(m, w, h, x, y);
      }
    }
  },
  noise: (rng, m, w, h) => {
    // Dense noise: many components, holes, diagonal pinches, islands in holes.
    const p = rng.uniform(0.35, 0.75);
    for (let i = 0; i < m.length; i++) if (rng.next() < p) m[i] = 1;
  },
};

/** Pixels not in `comp` with no 4-connected path to the outside avoiding it. */
function enclosed(comp: Uint8Array, w: number, h: number): number {
  const W = w + 2;
  const H = h + 2;
  const seen = new Uint8Array(W * H);
  const isFg = (x: number, y: number) => x >= 1 && y >= 1 && x <= w && y <= h && comp[(y - 1) * w + x - 1] === 1;
  const stack = [0];
  seen[0] = 1;
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % W;
    const y = (p - x) / W;
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
      const qx = x + dx;
      const qy = y + dy;
      if (qx < 0 || qy < 0 || qx >= W || qy >= H || seen[qy * W + qx] || isFg(qx, qy)) continue;
      seen[qy * W + qx] = 1;
      stack.push(qy * W + qx);
    }
  }
  let count = 0;
  for (let y = 1; y <= h; y++) for (let x = 1; x <= w; x++) if (!isFg(x, y) && !seen[y * W + x]) count++;
  return count;
}

describe('trace → fill round trip on random masks', () => {
  it('reproduces every 8-connected component exactly, holes included (1000 seeded masks)', () => {
    const rng = createRng(2024);
    const names = Object.keys(SHAPERS);
    let shapes = 0;
    let withHoles = 0;
    let holeFree = 0;
    for (let k = 0; k < 1000; k++) {
      const w = 1 + rng.int(24);
      const h = 1 + rng.int(24);
      const m = new Uint8Array(w * h);
      const kind = names[k % names.length];
      if (w >= 3 && h >= 3) SHAPERS[kind](rng, m, w, h);
      else m[rng.int(m.length)] = 1;
      const comps = labelComponents(m, w, h, 8);
      const r = maskShapes(m, w, h);
      assert.equal(r.mismatched, 0, `mask ${k} (${kind})`);
      assert.equal(r.shapes.length, comps.count);
      const back = new Uint8Array(w * h);
      r.shapes.forEach((s, i) => {
        const comp = Uint8Array.from(comps.labels, (v) => (v === i + 1 ? 1 : 0));
        const one = new Uint8Array(w * h);
        fillPolygon(one, w, h, s.outer, 1);
        // Without holes the outer outline alone fills back exactly.
        if (enclosed(comp, w, h) === 0) {
          holeFree++;
          assert.equal(s.holes.length, 0, `mask ${k} component ${i + 1}`);
          assert.deepEqual(one, comp, `mask ${k} (${kind}) component ${i + 1}`);
        } else {
          withHoles++;
          assert.ok(s.holes.length > 0);
        }
        for (const hole of s.holes) fillPolygon(one, w, h, hole, 0);
        assert.deepEqual(one, comp, `mask ${k} (${kind}) component ${i + 1} with holes`);
        for (let p = 0; p < one.length; p++) if (one[p]) back[p] = 1;
        // Every vertex is the centre of a pixel of the component.
        for (const poly of [s.outer]) for (let v = 0; v < poly.length; v += 2) assert.equal(comp[poly[v + 1] * w + poly[v]], 1);
        shapes++;
      });
      assert.deepEqual(back, m, `mask ${k}`);
    }
    assert.ok(shapes > 1200 && withHoles > 200 && holeFree > 1000, `${shapes} shapes, ${withHoles} with holes, ${holeFree} hole-free`);
  });

  it('handles an island inside a hole and a ring pinched diagonally', () => {
    const rows = ['#######', '#.....#', '#.###.#', '#.#.#.#', '#.###.#', '#.....#', '#######', '.......', '##.....', '.#.....', '#......'];
    const w = rows[0].length;
    const h = rows.length;
    const m = new Uint8Array(w * h);
    rows.forEach((r, y) => [...r].forEach((c, x) => (m[y * w + x] = c === '#' ? 1 : 0)));
    const r = maskShapes(m, w, h);
    assert.equal(r.mismatched, 0);
    // Outer ring (one hole), inner ring (one hole), and the zigzag below.
    assert.deepEqual(r.shapes.map((s) => s.holes.length), [1, 1, 0]);
  });
});

describe('instancePolygons', () => {
  it('outlines each instance by id, each component separately, in image coordinates', () => {
    const w = 8;
    const h = 6;
    const inst = createInstanceMap(w, h);
    const put = (id: number, xy: [number, number][]) => xy.forEach(([x, y]) => (inst.data[y * w + x] = id));
    put(5, [[1, 1], [2, 1], [1, 2], [2, 2]]);
    put(2, [[6, 0], [6, 4]]); // two one-pixel components
    put(9, [[4, 1], [5, 1], [6, 1], [4, 2], [6, 2], [4, 3], [5, 3], [6, 3]]); // ring around (5,2)
    const { shapes, warnings } = instancePolygons(inst);
    assert.deepEqual(warnings, []);
    assert.deepEqual([...shapes.keys()], [2, 5, 9]);
    assert.deepEqual(shapes.get(2)!.map((s) => Array.from(s.outer)), [[6, 0], [6, 4]]);
    assert.deepEqual(Array.from(shapes.get(5)![0].outer), [1, 1, 2, 1, 2, 2, 1, 2]);
    const ring = shapes.get(9)!;
    assert.equal(ring.length, 1);
    assert.deepEqual(ring[0].holes.map((p) => Array.from(p)), [[5, 2]]);
    assert.deepEqual([...instanceOutlines(inst).keys()], [2, 5, 9]);
  });
});
