/**
 * The tissue behind the nuclei: where glands, lumens, vessels and stroma are, which way the
 * stroma's fibres run, and the background stain concentrations of every pixel.
 */
import type { Rng } from '../core/rng.ts';
import { bandThickness, drawGland, locate, maxRadius, pointAt, type Gland } from './glands.ts';
import { drawFibres } from './fibres.ts';
import { fractalNoise, lineIntegral, standardize, valueNoise } from './noise.ts';
import type { Scene } from './scene.ts';
import { MEASURED_CONCENTRATIONS as MC } from './stain.ts';

/** Region codes of {@link Tissue.region}. */
export const REGION = { stroma: 0, epithelium: 1, lumen: 2, vessel: 3 } as const;

/** A small blood vessel: an elliptical lumen full of red cells, lined by endothelium. */
export interface Vessel {
  cx: number;
  cy: number;
  angle: number;
  a: number;
  b: number;
}

export interface Tissue {
  width: number;
  height: number;
  /** H×W uint8 {@link REGION} codes. */
  region: Uint8Array;
  /** H×W float32 unit vectors: the axial direction of the stroma's fibres. */
  dirX: Float32Array;
  dirY: Float32Array;
  glands: Gland[];
  vessels: Vessel[];
  /** H×W float32 background concentrations of haematoxylin, eosin and the residual absorber. */
  h: Float32Array;
  e: Float32Array;
  r: Float32Array;
}

/** How far (px) outside a gland the stroma's fibres bend to wrap around it. */
const WRAP_DISTANCE = 45;

/** Lays out a tile's tissue as `scene` asks. */
export function layoutTissue(rng: Rng, width: number, height: number, scene: Scene): Tissue {
  const n = width * height;
  const region = new Uint8Array(n);

  // Fibre orientation as a doubled-angle vector field (orientations are axial), so that the
  // wrap around glands can be blended in by plain addition.
  const wobble = fractalNoise(rng.fork('flow'), width, height, 160, 3, 0.6);
  const c2 = new Float32Array(n);
  const s2 = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const t = 2 * (scene.flowAngle + 0.5 * wobble[p]);
    c2[p] = Math.cos(t);
    s2[p] = Math.sin(t);
  }

  const glands = placeGlands(rng.fork('glands'), width, height, scene.glandCover, region, c2, s2);
  const dirX = new Float32Array(n);
  const dirY = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const t = Math.atan2(s2[p], c2[p]) / 2;
    dirX[p] = Math.cos(t);
    dirY[p] = Math.sin(t);
  }
  const vessels = placeVessels(rng.fork('vessels'), width, height, scene.vesselCount, region, dirX, dirY);

  const tissue: Tissue = { width, height, region, dirX, dirY, glands, vessels, h: new Float32Array(n), e: new Float32Array(n), r: new Float32Array(n) };
  paintBackground(rng.fork('background'), tissue, scene);
  return tissue;
}

/**
 * Places non-overlapping glands until they cover `cover` of the tile, painting their
 * epithelium and lumen into `region` and bending the fibre field (c2, s2) around them.
 */
function placeGlands(rng: Rng, width: number, height: number, cover: number, region: Uint8Array, c2: Float32Array, s2: Float32Array): Gland[] {
  const glands: Gland[] = [];
  const total = width * height;
  let covered = 0;
  for (let attempt = 0; attempt < 150 && covered < cover * total; attempt++) {
    // Big glands first; smaller ones fill the gaps when big ones no longer fit.
    const size = rng.uniform(60, attempt < 50 ? 220 : 130);
    const g = drawGland(rng, rng.uniform(-0.15, 1.15) * width, rng.uniform(-0.15, 1.15) * height, size);
    const rg = maxRadius(g);
    if (glands.some((o) => glandsClash(g, o, GLAND_GAP))) continue;
    // A gland that misses the tile, or overshoots the target by far, is not worth keeping.
    const estimate = Math.PI * g.a * g.b * visibleFraction(g, rg, width, height);
    if (estimate < 0.02 * total || covered + estimate > (1.4 * cover + 0.03) * total) continue;
    covered += rasterGland(g, rg, width, height, region, c2, s2);
    glands.push(g);
  }
  return glands;
}

/** Closest two glands may come (px): back-to-back, with a sliver of stroma between. */
const GLAND_GAP = 8;

/**
 * True when glands g and o come within `gap` px of each other: a point of either's outline
 * lies within `gap` of the other, or one's centre lies inside the other.
 */
function glandsClash(g: Gland, o: Gland, gap: number): boolean {
  if (Math.hypot(g.cx - o.cx, g.cy - o.cy) > maxRadius(g) + maxRadius(o) + gap) return false;
  if (locate(o, g.cx, g.cy).depth > -gap || locate(g, o.cx, o.cy).depth > -gap) return true;
  for (const [a, b] of [[g, o], [o, g]]) {
    for (let i = 0; i < 96; i++) {
      const [x, y] = pointAt(a, (2 * Math.PI * i) / 96, 0);
      if (locate(b, x, y).depth > -gap) return true;
    }
  }
  return false;
}

function visibleFraction(g: Gland, rg: number, width: number, height: number): number {
  const fx = Math.max(0, Math.min(width, g.cx + rg) - Math.max(0, g.cx - rg)) / (2 * rg);
  const fy = Math.max(0, Math.min(height, g.cy + rg) - Math.max(0, g.cy - rg)) / (2 * rg);
  return fx * fy;
}

/** Paints a gland into `region` and wraps the fibre field around it; returns pixels painted. */
function rasterGland(g: Gland, rg: number, width: number, height: number, region: Uint8Array, c2: Float32Array, s2: Float32Array): number {
  const reach = rg + WRAP_DISTANCE;
  const x0 = Math.max(0, Math.floor(g.cx - reach));
  const x1 = Math.min(width - 1, Math.ceil(g.cx + reach));
  const y0 = Math.max(0, Math.floor(g.cy - reach));
  const y1 = Math.min(height - 1, Math.ceil(g.cy + reach));
  let painted = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = y * width + x;
      const at = locate(g, x, y);
      if (at.depth >= 0) {
        region[p] = at.depth < at.band ? REGION.epithelium : REGION.lumen;
        painted++;
      } else if (at.depth > -WRAP_DISTANCE) {
        // Fibres near a gland run along its boundary: the tangent is the radial direction
        // turned by 90°, i.e. the doubled angle turned by 180°.
        const w = 1.5 * Math.exp(at.depth / 12);
        const t = 2 * Math.atan2(y - g.cy, x - g.cx) + Math.PI;
        c2[p] += w * Math.cos(t);
        s2[p] += w * Math.sin(t);
      }
    }
  }
  return painted;
}

/** Places small vessels in the stroma, elongated along the fibres. */
function placeVessels(rng: Rng, width: number, height: number, count: number, region: Uint8Array, dirX: Float32Array, dirY: Float32Array): Vessel[] {
  const vessels: Vessel[] = [];
  for (let attempt = 0; attempt < 20 * count && vessels.length < count; attempt++) {
    const cx = rng.uniform(0, width);
    const cy = rng.uniform(0, height);
    const p = Math.floor(cy) * width + Math.floor(cx);
    const v: Vessel = { cx, cy, angle: Math.atan2(dirY[p], dirX[p]), a: rng.uniform(10, 24), b: 0 };
    v.b = v.a * rng.uniform(0.35, 0.7);
    if (!ellipseIsStroma(v, 10, width, height, region)) continue;
    forEllipse(v, 0, width, height, (q) => {
      region[q] = REGION.vessel;
    });
    vessels.push(v);
  }
  return vessels;
}

function ellipseIsStroma(v: Vessel, margin: number, width: number, height: number, region: Uint8Array): boolean {
  let ok = true;
  forEllipse(v, margin, width, height, (q) => {
    if (region[q] !== REGION.stroma) ok = false;
  });
  return ok;
}

/** Calls `fn` for every in-image pixel within `margin` px outside the vessel's ellipse. */
export function forEllipse(v: Vessel, margin: number, width: number, height: number, fn: (p: number, d: number) => void): void {
  const reach = v.a + margin + 1;
  const c = Math.cos(v.angle);
  const s = Math.sin(v.angle);
  for (let y = Math.max(0, Math.floor(v.cy - reach)); y <= Math.min(height - 1, Math.ceil(v.cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(v.cx - reach)); x <= Math.min(width - 1, Math.ceil(v.cx + reach)); x++) {
      const u = c * (x - v.cx) + s * (y - v.cy);
      const w = -s * (x - v.cx) + c * (y - v.cy);
      const rho = Math.hypot(u / v.a, w / v.b);
      // Signed distance (px, approximate): < 0 inside.
      const d = (rho - 1) * Math.min(v.a, v.b * Math.max(1, rho));
      if (d < margin) fn(y * width + x, d);
    }
  }
}

/**
 * Background stain concentrations: fibrous eosinophilic stroma, finely granular purple
 * cytoplasm, near-white lumens with a little debris, vessels packed with red cells.
 */
function paintBackground(rng: Rng, t: Tissue, scene: Scene): void {
  const { width, height, region, h, e, r } = t;
  const n = width * height;
  // Crisp collagen strands over a faint, mottled matrix; open (white) spaces from coarse
  // noise smeared along the fibres, so that gaps are elongated the same way.
  let stromaPixels = 0;
  for (let p = 0; p < n; p++) if (region[p] === REGION.stroma) stromaPixels++;
  const strands = drawFibres(rng, { width, height, allowed: region, allowValue: REGION.stroma, dirX: t.dirX, dirY: t.dirY }, Math.round((stromaPixels * scene.stromaDensity) / 150));
  const gap = smearedNoise(rng, t, 6, 15);
  const density = fractalNoise(rng, width, height, 100, 3);
  // Regions never share a pixel, so one fine texture serves as stroma matrix and cytoplasm
  // grain, and one blotchy field as stromal cell bodies and luminal debris.
  const texture = fractalNoise(rng, width, height, 4, 2);
  const blotch = fractalNoise(rng, width, height, 14, 3);

  const [lh, le, lr] = MC.lumen;
  const [sh, se, sr] = MC.stroma;
  const [ch, ce, cr] = MC.cytoplasm;
  for (let p = 0; p < n; p++) {
    switch (region[p]) {
      case REGION.stroma: {
        const d = clamp(scene.stromaDensity * (1 + 0.3 * density[p]), 0.3, 1.6);
        const open = smoothstep(-0.65, 0.8, 0.8 * gap[p] + 1.2 * (1 - d));
        const m = clamp(0.5 + 0.25 * texture[p], 0, 1);
        const f = Math.min(1.4, strands[p]);
        // Purple patches where fibroblast and inflammatory cytoplasm lie in the stroma.
        const cells = 0.12 * Math.max(0, blotch[p] - 0.7);
        h[p] = (sh * (0.6 + 0.7 * m) + cells) * (1 - 0.85 * open) + 0.15 * f;
        e[p] = se * d * ((0.45 + 0.6 * m) * (1 - 0.92 * open) + 0.65 * f);
        r[p] = sr * ((0.5 + 0.5 * m) * (1 - 0.75 * open) + 0.5 * f);
        break;
      }
      case REGION.epithelium:
        // Granular cytoplasm, denser in some cells than others.
        h[p] = ch * (1 + 0.15 * texture[p] + 0.1 * blotch[p]);
        e[p] = ce * (1 + 0.2 * texture[p] + 0.08 * blotch[p]);
        r[p] = cr;
        break;
      default: {
        const extra = Math.max(0, blotch[p] - 1.1);
        h[p] = lh + 0.08 * extra;
        e[p] = le + 0.16 * extra;
        r[p] = lr + 0.04 * extra;
      }
    }
  }
  for (const g of t.glands) paintGlandDetails(rng, t, g);
  for (const v of t.vessels) paintVessel(rng, t, v);
}

/**
 * Value noise of cell `cell` px smeared `reach` px each way along the fibres (standardised).
 * Computed at half resolution and upsampled: the result is smooth at that scale anyway, and
 * the smear is the costliest step of a tile.
 */
function smearedNoise(rng: Rng, t: Tissue, cell: number, reach: number): Float32Array {
  const hw = Math.ceil(t.width / 2);
  const hh = Math.ceil(t.height / 2);
  const dx = new Float32Array(hw * hh);
  const dy = new Float32Array(hw * hh);
  for (let y = 0; y < hh; y++) {
    for (let x = 0; x < hw; x++) {
      const p = Math.min(2 * y, t.height - 1) * t.width + Math.min(2 * x, t.width - 1);
      dx[y * hw + x] = t.dirX[p];
      dy[y * hw + x] = t.dirY[p];
    }
  }
  const steps = 6;
  const half = lineIntegral(valueNoise(rng, hw, hh, cell / 2), dx, dy, hw, hh, steps, reach / 2 / steps);
  return standardize(upsample2(half, hw, hh, t.width, t.height));
}

/** Bilinear ×2 upsampling of an hw×hh field to width×height (pixel centres aligned). */
function upsample2(src: Float32Array, hw: number, hh: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(hh - 1, Math.max(0, (y - 0.5) / 2));
    const y0 = Math.floor(sy);
    const y1 = Math.min(hh - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(hw - 1, Math.max(0, (x - 0.5) / 2));
      const x0 = Math.floor(sx);
      const x1 = Math.min(hw - 1, x0 + 1);
      const fx = sx - x0;
      const top = src[y0 * hw + x0] + (src[y0 * hw + x1] - src[y0 * hw + x0]) * fx;
      const bottom = src[y1 * hw + x0] + (src[y1 * hw + x1] - src[y1 * hw + x0]) * fx;
      out[y * width + x] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/** The pink apical border along the lumen and a few pale mucin vacuoles (goblet cells). */
function paintGlandDetails(rng: Rng, t: Tissue, g: Gland): void {
  const { width, height, region, h, e } = t;
  const rg = maxRadius(g);
  const cellWidth = rng.uniform(11, 16);
  const cells = Math.round((Math.PI * (g.a + g.b)) / cellWidth);
  const x0 = Math.max(0, Math.floor(g.cx - rg));
  const x1 = Math.min(width - 1, Math.ceil(g.cx + rg));
  const y0 = Math.max(0, Math.floor(g.cy - rg));
  const y1 = Math.min(height - 1, Math.ceil(g.cy + rg));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = y * width + x;
      if (region[p] !== REGION.epithelium) continue;
      const at = locate(g, x, y);
      const toLumen = at.band - at.depth;
      if (toLumen < 3) {
        e[p] += 0.14 * (1 - toLumen / 3);
        h[p] += 0.04 * (1 - toLumen / 3);
      }
      // Faint membranes between the columnar cells: radial lines every ~`cellWidth` px.
      const pos = (at.phi / (2 * Math.PI)) * cells + 0.12 * Math.sin(at.depth / 9 + at.phi * 7);
      const off = pos - Math.round(pos);
      const membrane = Math.exp(-((off * cellWidth) ** 2) / 1.2);
      e[p] += 0.1 * membrane;
      h[p] += 0.03 * membrane;
    }
  }
  const perimeter = Math.PI * (g.a + g.b);
  const vacuoles = Math.round((perimeter / 80) * rng.uniform(0, 2));
  for (let i = 0; i < vacuoles; i++) {
    const phi = rng.uniform(-Math.PI, Math.PI);
    const depthFrac = rng.uniform(0.55, 0.8);
    const rad = rng.uniform(4, 8);
    const [vx, vy] = pointAt(g, phi, depthFrac * bandThickness(g, phi));
    paintDisc(t, vx, vy, rad, 0.12, 0.05, 0.02, REGION.epithelium);
  }
}

/** Blends a soft-edged disc of concentrations (ch, ce, cr) into pixels of region `only`. */
function paintDisc(t: Tissue, cx: number, cy: number, rad: number, ch: number, ce: number, cr: number, only: number): void {
  const { width, height, region, h, e, r } = t;
  for (let y = Math.max(0, Math.floor(cy - rad - 1)); y <= Math.min(height - 1, Math.ceil(cy + rad + 1)); y++) {
    for (let x = Math.max(0, Math.floor(cx - rad - 1)); x <= Math.min(width - 1, Math.ceil(cx + rad + 1)); x++) {
      const p = y * width + x;
      if (region[p] !== only) continue;
      const w = clamp(rad + 0.5 - Math.hypot(x - cx, y - cy), 0, 1);
      if (w === 0) continue;
      h[p] += (ch - h[p]) * w;
      e[p] += (ce - e[p]) * w;
      r[p] += (cr - r[p]) * w;
    }
  }
}

/** A vessel: pale lumen packed with red blood cells, inside a thin eosinophilic wall. */
function paintVessel(rng: Rng, t: Tissue, v: Vessel): void {
  const { width, height, h, e } = t;
  forEllipse(v, 2.5, width, height, (p, d) => {
    if (d >= 0) {
      e[p] += 0.25;
      h[p] += 0.05;
    }
  });
  const cells = Math.round(((v.a * v.b) / 7) * rng.uniform(0.5, 1));
  const c = Math.cos(v.angle);
  const s = Math.sin(v.angle);
  for (let i = 0; i < cells; i++) {
    const rho = Math.sqrt(rng.next()) * 0.85;
    const th = rng.uniform(0, 2 * Math.PI);
    const u = rho * v.a * Math.cos(th);
    const w = rho * v.b * Math.sin(th);
    // Red cells: eosin plus blue-absorbing haemoglobin (residual vector), fitted to CoNSeP's
    // red cells, RGB ≈ (218, 142, 182).
    paintDisc(t, v.cx + c * u - s * w, v.cy + s * u + c * w, rng.uniform(2.8, 3.8), 0.05, 0.42, 0.42, REGION.vessel);
  }
}

/** A random pixel index of region `code`, or -1 after `tries` misses. */
export function randomPixelIn(rng: Rng, t: Tissue, code: number, tries = 64): number {
  for (let i = 0; i < tries; i++) {
    const p = rng.int(t.width * t.height);
    if (t.region[p] === code) return p;
  }
  return -1;
}

function smoothstep(lo: number, hi: number, v: number): number {
  const t = clamp((v - lo) / (hi - lo), 0, 1);
  return t * t * (3 - 2 * t);
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
