/**
 * Nucleus shapes and stains per type. A nucleus is one or more wobbly ellipses ("lobes") in
 * its own frame (u along `angle`, v across), optionally bent, with a haematoxylin level, a
 * darker rim, chromatin texture and a few dark dots (chromatin clumps, nucleoli).
 *
 * Sizes are from CoNSeP train (27 images, 0.25 µm/px), median area (p10–p90) in px:
 * other 80 (27–260), inflammatory 184 (88–268), epithelial 347 (123–822), spindle 184
 * (77–452); median elongation √(λ₁/λ₂) of the pixel covariance: 1.69, 1.31, 1.69, 1.82.
 * Types 2–4 keep those sizes but exaggerate their shape differences a little (rounder
 * lymphocytes, thinner spindles). CoNSeP's "other" is a mixed bag (debris, apoptotic and
 * unclassifiable cells), so the rare type is made deliberately distinct instead: a dark,
 * 3–5-lobed nucleus in a clear halo, like a neutrophil or an apoptotic cell, larger than
 * CoNSeP's. Measured on 40 generated 512² tiles, types 1–4: median area 217 / 183 / 332 /
 * 166 px, median elongation 1.13 / 1.14 / 1.90 / 2.80.
 */
import type { Rng } from '../core/rng.ts';
import { MEASURED_CONCENTRATIONS as MC } from './stain.ts';

/** Type ids of CLASS_LISTS['consep-merged']. */
export const TYPE = { other: 1, inflammatory: 2, epithelial: 3, spindle: 4 } as const;

export interface Lobe {
  /** Centre offset (px) in the nucleus frame. */
  u: number;
  v: number;
  /** Semi-axes (px) along u and v. */
  a: number;
  b: number;
}

/** A dark Gaussian dot in the nucleus frame (chromatin clump or nucleolus). */
export interface Dot {
  u: number;
  v: number;
  sigma: number;
  /** Added haematoxylin concentration at the dot's centre. */
  amount: number;
}

export interface NucleusSpec {
  type: number;
  cx: number;
  cy: number;
  /** Direction (radians, image frame) of the nucleus's u axis. */
  angle: number;
  lobes: Lobe[];
  /** Outline wobble: [amplitude, phase] pairs for harmonics k = 2, 3, …. */
  outline: number[];
  /** Bend: v is shifted by bend·u² (px⁻¹), giving banana-shaped spindles. */
  bend: number;
  /** Concentrations of haematoxylin, eosin and the residual absorber inside. */
  h: number;
  e: number;
  r: number;
  /** Extra haematoxylin at the edge, relative to `h` (the nuclear membrane). */
  rim: number;
  /** Depth (px) over which the rim fades into the interior. */
  rimWidth: number;
  /** Relative amplitude of the chromatin texture. */
  chromatin: number;
  /** Chromatin clumps: the texture is thresholded into blobs rather than kept smooth. */
  clumped: boolean;
  dots: Dot[];
  /** Width (px) of a clear halo of cytoplasm around the nucleus, 0 for none. */
  halo: number;
  /** The cell body around the nucleus, if it shows: an unlabelled ellipse of cytoplasm. */
  body?: CellBody;
}

/** Cytoplasm around a nucleus: semi-axes (px, nucleus frame) and the stain it adds. */
export interface CellBody {
  along: number;
  across: number;
  h: number;
  e: number;
}

/** Draws a nucleus of `type` centred at (cx, cy) with its long axis along `angle`. */
export function drawNucleus(rng: Rng, type: number, cx: number, cy: number, angle: number): NucleusSpec {
  switch (type) {
    case TYPE.inflammatory:
      return lymphocyte(rng, cx, cy, angle);
    case TYPE.epithelial:
      return epithelial(rng, cx, cy, angle);
    case TYPE.spindle:
      return spindle(rng, cx, cy, angle);
    default:
      return rare(rng, cx, cy, angle);
  }
}

/** Semi-axes (a, b) of an ellipse of area π·r² and axis ratio `ratio` ≥ 1. */
function axes(r: number, ratio: number): [number, number] {
  const s = Math.sqrt(ratio);
  return [r * s, r / s];
}

function outline(rng: Rng, amplitude: number, harmonics: number): number[] {
  const out: number[] = [];
  for (let k = 2; k < 2 + harmonics; k++) out.push(amplitude * rng.uniform(0, 1) / (k - 1), rng.uniform(0, 2 * Math.PI));
  return out;
}

function dots(rng: Rng, count: number, a: number, b: number, sigma: [number, number], amount: [number, number]): Dot[] {
  const out: Dot[] = [];
  for (let i = 0; i < count; i++) {
    const rho = Math.sqrt(rng.next()) * 0.65;
    const th = rng.uniform(0, 2 * Math.PI);
    out.push({ u: rho * a * Math.cos(th), v: rho * b * Math.sin(th), sigma: rng.uniform(...sigma), amount: rng.uniform(...amount) });
  }
  return out;
}

function clampTo(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Lymphocyte: small, round, densely and evenly dark. */
function lymphocyte(rng: Rng, cx: number, cy: number, angle: number): NucleusSpec {
  const r = clampTo(7.7 * Math.exp(0.12 * rng.normal()), 5.5, 10);
  const [a, b] = axes(r, 1 + Math.abs(0.12 * rng.normal()));
  return {
    type: TYPE.inflammatory,
    cx, cy, angle,
    lobes: [{ u: 0, v: 0, a, b }],
    outline: outline(rng, 0.09, 3),
    bend: 0,
    h: MC.inflammatory[0] * Math.exp(0.1 * rng.normal()),
    e: MC.inflammatory[1],
    r: MC.inflammatory[2],
    rim: 0.1,
    rimWidth: 1.6,
    chromatin: 0.18,
    clumped: false,
    dots: dots(rng, 2 + rng.int(4), a, b, [0.8, 1.3], [0.25, 0.5]),
    halo: 0,
    // A thin rim of cytoplasm shows around some lymphocytes.
    body: rng.next() < 0.5 ? { along: a + 2, across: b + 2, h: 0.1, e: 0.08 } : undefined,
  };
}

/** Epithelial (tumour) nucleus: large, oval, pale and vesicular, with clumped chromatin and nucleoli. */
function epithelial(rng: Rng, cx: number, cy: number, angle: number): NucleusSpec {
  const r = clampTo(11 * Math.exp(0.25 * rng.normal()), 7.5, 18);
  const [a, b] = axes(r, clampTo(1.9 * Math.exp(0.18 * rng.normal()), 1.25, 3));
  return {
    type: TYPE.epithelial,
    cx, cy, angle,
    lobes: [{ u: 0, v: 0, a, b }],
    outline: outline(rng, 0.1, 4),
    bend: 0.006 * rng.normal(),
    h: MC.epithelial[0] * 0.75 * Math.exp(0.22 * rng.normal()),
    e: MC.epithelial[1],
    r: MC.epithelial[2],
    rim: 0.75,
    rimWidth: 1.3,
    chromatin: 0.35,
    clumped: true,
    dots: dots(rng, 1 + rng.int(2), a, b, [1.0, 1.6], [0.5, 0.9]),
    halo: 0,
  };
}

/** Spindle (fibroblast, smooth muscle, endothelium): long, thin, often slightly bent. */
function spindle(rng: Rng, cx: number, cy: number, angle: number): NucleusSpec {
  const r = clampTo(7.4 * Math.exp(0.2 * rng.normal()), 5, 12);
  const [a, b] = axes(r, clampTo(2.9 * Math.exp(0.22 * rng.normal()), 2.1, 5.5));
  return {
    type: TYPE.spindle,
    cx, cy, angle,
    lobes: [{ u: 0, v: 0, a, b }],
    outline: outline(rng, 0.06, 3),
    bend: 0.012 * rng.normal(),
    h: MC.spindle[0] * 1.1 * Math.exp(0.15 * rng.normal()),
    e: MC.spindle[1],
    r: MC.spindle[2],
    rim: 0.45,
    rimWidth: 1.3,
    chromatin: 0.45,
    clumped: true,
    dots: dots(rng, rng.int(3), a, b, [0.8, 1.2], [0.2, 0.4]),
    halo: 0,
    // Fibroblast cytoplasm tapering out along the fibres.
    body: { along: a + rng.uniform(5, 16), across: b + rng.uniform(1.5, 3.5), h: 0.12, e: 0.1 },
  };
}

/** The rare type: a dark nucleus of 3–5 lobes in a ring, inside a clear halo. */
function rare(rng: Rng, cx: number, cy: number, angle: number): NucleusSpec {
  const count = 3 + rng.int(3);
  const lobes: Lobe[] = [];
  const radii = Array.from({ length: count }, () => rng.uniform(3.8, 5.2));
  // Neighbouring lobes must overlap (the instance has to stay connected): their centres
  // are 2·spread·sin(π/count) apart, kept under 1.7 × the smallest lobe radius.
  const spread = Math.min(rng.uniform(4.5, 7), (0.85 * Math.min(...radii)) / Math.sin(Math.PI / count));
  const start = rng.uniform(0, 2 * Math.PI);
  for (let i = 0; i < count; i++) {
    const th = start + (2 * Math.PI * i) / count + 0.15 * rng.normal();
    const [a, b] = axes(radii[i], rng.uniform(1, 1.5));
    lobes.push({ u: spread * Math.cos(th), v: spread * Math.sin(th), a, b });
  }
  return {
    type: TYPE.other,
    cx, cy, angle,
    lobes,
    outline: outline(rng, 0.06, 3),
    bend: 0,
    h: MC.other[0] * 1.2 * Math.exp(0.08 * rng.normal()),
    e: MC.other[1],
    r: MC.other[2],
    rim: 0.1,
    rimWidth: 1.6,
    chromatin: 0.15,
    clumped: false,
    dots: dots(rng, 2, spread + 4, spread + 4, [1, 1.5], [0.3, 0.5]),
    halo: rng.uniform(5, 8),
  };
}

/** Radius (px) of a circle around (cx, cy) that holds the whole nucleus, halo excluded. */
export function nucleusReach(spec: NucleusSpec): number {
  let amp = 0;
  for (let i = 0; i < spec.outline.length; i += 2) amp += Math.abs(spec.outline[i]);
  let reach = 0;
  for (const l of spec.lobes) reach = Math.max(reach, Math.hypot(l.u, l.v) + Math.max(l.a, l.b) * (1 + amp));
  return reach + Math.abs(spec.bend) * reach * reach;
}

/**
 * Approximate signed distance (px) from local point (u, v) to the nucleus boundary:
 * negative inside. Exact for circles; for ellipses it scales the radial overshoot by the
 * local radius, which is all that soft edges and a pixel mask need.
 */
export function signedDistance(spec: NucleusSpec, u: number, v: number): number {
  const vb = v - spec.bend * u * u;
  let best = Infinity;
  for (const l of spec.lobes) {
    const du = u - l.u;
    const dv = vb - l.v;
    const qu = du / l.a;
    const qv = dv / l.b;
    const rho = Math.hypot(qu, qv);
    const phi = Math.atan2(qv, qu);
    let wob = 1;
    for (let i = 0; i < spec.outline.length; i += 2) wob += spec.outline[i] * Math.cos((2 + i / 2) * phi + spec.outline[i + 1]);
    const local = wob * Math.hypot(l.a * Math.cos(phi), l.b * Math.sin(phi));
    const d = (rho / wob - 1) * local;
    if (d < best) best = d;
  }
  return best;
}
