/**
 * Where each type of nucleus goes: epithelial nuclei in touching, radially oriented rows
 * along the basal half of every gland's epithelium; lymphocytes in clusters (and a few
 * strays) in the stroma; spindle nuclei scattered through the stroma along its fibres and
 * lining vessels; the rare type scattered in the stroma.
 */
import type { Rng } from '../core/rng.ts';
import { paintNucleus, type NucleusCanvas } from './canvas.ts';
import { bandThickness, outerRadius, pointAt, type Gland } from './glands.ts';
import { drawNucleus, TYPE } from './nuclei.ts';
import type { Scene } from './scene.ts';
import { randomPixelIn, REGION, type Tissue, type Vessel } from './tissue.ts';

/** Places every nucleus of the tile, rare ones first so that their quota is always met. */
export function placeNuclei(rng: Rng, canvas: NucleusCanvas, tissue: Tissue, scene: Scene): void {
  placeRare(rng.fork('rare'), canvas, tissue, scene.rareCount);
  const gr = rng.fork('epithelium');
  for (const g of tissue.glands) placeGlandNuclei(gr, canvas, tissue, g);
  const vr = rng.fork('vessels');
  for (const v of tissue.vessels) placeEndothelium(vr, canvas, v);
  const stromaMpx = countRegion(tissue, REGION.stroma) / 1e6;
  placeInflammatory(rng.fork('inflammatory'), canvas, tissue, Math.round(scene.inflammatoryDensity * stromaMpx), scene.clusterSpread);
  placeSpindle(rng.fork('spindle'), canvas, tissue, Math.round(scene.spindleDensity * stromaMpx));
}

function countRegion(t: Tissue, code: number): number {
  let n = 0;
  for (let p = 0; p < t.region.length; p++) if (t.region[p] === code) n++;
  return n;
}

function fibreAngle(t: Tissue, p: number): number {
  return Math.atan2(t.dirY[p], t.dirX[p]);
}

/**
 * Rare nuclei: in the stroma, touching nothing; where the stroma is too small for them, in
 * stroma or epithelium, and as a last resort anywhere at all.
 */
function placeRare(rng: Rng, canvas: NucleusCanvas, t: Tissue, count: number): void {
  const { width, height } = t;
  let placed = 0;
  for (let attempt = 0; attempt < 400 && placed < count; attempt++) {
    const x = rng.uniform(8, width - 8);
    const y = rng.uniform(8, height - 8);
    const code = t.region[Math.floor(y) * width + Math.floor(x)];
    const acceptable = attempt < 200 ? code === REGION.stroma : attempt < 300 ? code <= REGION.epithelium : true;
    if (!acceptable) continue;
    if (paintNucleus(canvas, drawNucleus(rng, TYPE.other, x, y, rng.uniform(0, Math.PI)), 0) !== 0) placed++;
  }
}

/**
 * Epithelial nuclei along a gland: one row (two where the band is thick), each nucleus
 * pointing at the lumen, spaced by about its own width so that neighbours touch or nearly.
 */
function placeGlandNuclei(rng: Rng, canvas: NucleusCanvas, t: Tissue, g: Gland): void {
  // Rows of nuclei ~25 px long, the first just off the basement membrane, the next ones
  // crowded towards the lumen (pseudostratified, overlapping rows) while they fit in the band.
  const rows: number[] = [];
  for (let depth = rng.uniform(14, 18); rows.length < 2 && (depth + 12 <= g.thickness - 4 || rows.length === 0); depth += rng.uniform(19, 23)) rows.push(depth);
  for (const rowDepth of rows) {
    const frac = rowDepth / g.thickness;
    let phi = rng.uniform(-Math.PI, Math.PI);
    const end = phi + 2 * Math.PI;
    while (phi < end) {
      const depth = Math.min(frac, 0.6) * bandThickness(g, phi) + 4 * rng.normal();
      const [x, y] = pointAt(g, phi, depth);
      // Radial direction at this point of the gland, in the image frame.
      const radial = Math.atan2(y - g.cy, x - g.cx) + 0.3 * rng.normal();
      const spec = drawNucleus(rng, TYPE.epithelial, x, y, radial);
      const width = 2 * spec.lobes[0].b;
      if (rng.next() > 0.06 && x > -20 && y > -20 && x < t.width + 20 && y < t.height + 20) paintNucleus(canvas, spec, 0.3);
      const radius = Math.max(10, outerRadius(g, phi) - depth);
      phi += (width * rng.uniform(0.95, 1.25)) / radius;
    }
  }
}

/** Endothelial (spindle) nuclei lining a vessel, lying along its wall. */
function placeEndothelium(rng: Rng, canvas: NucleusCanvas, v: Vessel): void {
  const count = 1 + rng.int(3);
  const c = Math.cos(v.angle);
  const s = Math.sin(v.angle);
  for (let i = 0; i < count; i++) {
    const th = rng.uniform(0, 2 * Math.PI);
    const u = (v.a + 3) * Math.cos(th);
    const w = (v.b + 3) * Math.sin(th);
    // Tangent of the ellipse at th, in the image frame.
    const tu = -v.a * Math.sin(th);
    const tw = v.b * Math.cos(th);
    const angle = Math.atan2(s * tu + c * tw, c * tu - s * tw);
    paintNucleus(canvas, drawNucleus(rng, TYPE.spindle, v.cx + c * u - s * w, v.cy + s * u + c * w, angle), 0.05);
  }
}

/** Lymphocytes: about 70 % in Gaussian clusters of spread `spread` px, the rest scattered. */
function placeInflammatory(rng: Rng, canvas: NucleusCanvas, t: Tissue, count: number, spread: number): void {
  const clustered = Math.round(0.7 * count);
  let placed = 0;
  const centres: [number, number][] = [];
  const nClusters = Math.max(1, Math.round(clustered / rng.uniform(10, 30)));
  for (let i = 0; i < nClusters; i++) {
    const p = randomPixelIn(rng, t, REGION.stroma);
    if (p >= 0) centres.push([p % t.width, Math.floor(p / t.width)]);
  }
  for (let attempt = 0; attempt < 6 * clustered && placed < clustered && centres.length > 0; attempt++) {
    const [cx, cy] = centres[rng.int(centres.length)];
    const x = cx + spread * rng.normal();
    const y = cy + spread * rng.normal();
    if (placeLymphocyte(rng, canvas, t, x, y)) placed++;
  }
  for (let attempt = 0; attempt < 6 * count && placed < count; attempt++) {
    if (placeLymphocyte(rng, canvas, t, rng.uniform(0, t.width), rng.uniform(0, t.height))) placed++;
  }
}

function placeLymphocyte(rng: Rng, canvas: NucleusCanvas, t: Tissue, x: number, y: number): boolean {
  if (x < -4 || y < -4 || x >= t.width + 4 || y >= t.height + 4) return false;
  const p = clampIndex(t, x, y);
  // A few lymphocytes migrate into the epithelium; none float in lumens or vessels.
  const code = t.region[p];
  if (code !== REGION.stroma && !(code === REGION.epithelium && rng.next() < 0.04)) return false;
  return paintNucleus(canvas, drawNucleus(rng, TYPE.inflammatory, x, y, rng.uniform(0, Math.PI)), 0.06) !== 0;
}

/** Spindle nuclei through the stroma, aligned with the fibres; both tips must be in stroma. */
function placeSpindle(rng: Rng, canvas: NucleusCanvas, t: Tissue, count: number): void {
  let placed = 0;
  for (let attempt = 0; attempt < 6 * count && placed < count; attempt++) {
    const p = randomPixelIn(rng, t, REGION.stroma);
    if (p < 0) return;
    const x = (p % t.width) + rng.next();
    const y = Math.floor(p / t.width) + rng.next();
    const spec = drawNucleus(rng, TYPE.spindle, x, y, fibreAngle(t, p) + 0.12 * rng.normal());
    const a = spec.lobes[0].a;
    const tipsInStroma = [-1, 1].every((sgn) => t.region[clampIndex(t, x + sgn * a * Math.cos(spec.angle), y + sgn * a * Math.sin(spec.angle))] === REGION.stroma);
    if (tipsInStroma && paintNucleus(canvas, spec, 0.04) !== 0) placed++;
  }
}

function clampIndex(t: Tissue, x: number, y: number): number {
  const xi = Math.min(t.width - 1, Math.max(0, Math.floor(x)));
  const yi = Math.min(t.height - 1, Math.max(0, Math.floor(y)));
  return yi * t.width + xi;
}
