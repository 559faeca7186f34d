/**
 * How much of each pixel around a donor nucleus is nucleus: the alpha with which NucleiMix's
 * stage 2 lays the donor's edge — its one-pixel contour r1 \ r0 and the transition zone
 * r3 \ r1 (Wang & Kwak 2024, §3.2) — onto the target's background.
 *
 * Near its boundary a pixel is a mix c = a·N + (1 − a)·B of the nucleus's colour N and the
 * background B it lies on, a ∈ [0, 1] its nuclear share: the scanner's blur, and labels that
 * do not follow the visible edge to the pixel (in CoNSeP a third of the nuclei show through
 * 2–3 px beyond their label). Pasting the contour as it is brings the donor's B along — a
 * retraction halo, a lumen, paler stroma — as a one-pixel line in the target's tissue: the
 * dotted white ring of issue 10 (CoNSeP k = 600: 11 % of the ring +1 pixels 15 grey levels
 * brighter than their surroundings, 4.5 % around real nuclei; the donors' surroundings are
 * 12.8 levels paler than the targets' on average). Keeping only a·N of the donor brings the
 * edge and not its background: the renderer lays (1 − a)·t + a·N, t the target's background.
 *
 * Estimates at a pixel q of the donor crop, within the square window of half-width
 * {@link WINDOW} around q: B(q) the per-channel median of the donor's pixels at a distance in
 * {@link BACKGROUND_BAND} from r0 (Euclidean, so beyond r3 in every direction: the donor's own
 * edge is not taken for background; a median, so a neighbouring nucleus filling less than
 * half of those pixels does not count); N(q) the mean of the donor's r0 pixels there;
 * a(q) = (g(B) − g(c))/(g(B) − g(N)) in grey levels g = (R + G + B)/3, clamped to [0, 1]. A pixel
 * brighter than its background (a halo) has a = 0.
 */
import { dilate4 } from '../core/labels.ts';
import type { DonorCut } from './donor.ts';

/** Half-width (px) of the window the donor's background and nucleus colours are taken from. */
export const WINDOW = 4;
/** Least grey-level difference between a nucleus and its background for a share to be estimated. */
export const MIN_CONTRAST = 10;
/** Distances (px, exclusive–inclusive) from r0 of the donor pixels that stand for its background: r3 reaches 3 px. */
export const BACKGROUND_BAND: readonly [number, number] = [3, 6];

/** A donor cut's edge: per pixel of the cut (w×h, row-major), its nuclear share and nucleus colour. */
export interface DonorEdge {
  /**
   * w×h float32: a, 1 in r0, 0 outside r3 \ r0 (r3: r1 grown by two 4-connected layers), and
   * NaN where it cannot be estimated — no background pixel in the window (a donor at an image
   * corner), or a nucleus within {@link MIN_CONTRAST} grey levels of its background.
   */
  share: Float32Array;
  /** w×h×3 float32: N, the mean colour of the donor's r0 pixels in the window (0 where `share` is not in (0, 1]). */
  nucleus: Float32Array;
}

/**
 * The edge of a donor cut: a and N at every pixel of its r3 \ r0. The cut must hold the
 * background band: `DONOR_PAD` ≥ {@link BACKGROUND_BAND}[1] − 1 (r1 reaches 1 px past r0).
 */
export function donorEdge(donor: DonorCut): DonorEdge {
  const { width: w, height: h, data: rgb } = donor.rgb;
  const n = w * h;
  // layer[p]: 0 in r0, k in the k-th 4-connected layer outside it up to r3, 255 beyond.
  const layer = new Uint8Array(n).fill(255);
  for (let p = 0; p < n; p++) if (donor.r0[p]) layer[p] = 0;
  let grown = donor.r1;
  for (let k = 1; k <= 3; k++) {
    if (k > 1) grown = dilate4(grown, w, h);
    for (let p = 0; p < n; p++) if (grown[p] && layer[p] === 255) layer[p] = k;
  }
  const background = inBand(donor.r0, w, h);
  const share = new Float32Array(n);
  const colour = new Float32Array(3 * n);
  // Background values per channel within a window, sorted natively as bytes for their medians.
  const side = 2 * WINDOW + 1;
  const back = [new Uint8Array(side * side), new Uint8Array(side * side), new Uint8Array(side * side)];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (layer[p] === 0) share[p] = 1;
      if (layer[p] === 0 || layer[p] > 3) continue;
      const nucleus = [0, 0, 0];
      let count = 0;
      let nb = 0;
      for (let v = Math.max(0, y - WINDOW); v <= Math.min(h - 1, y + WINDOW); v++) {
        for (let u = Math.max(0, x - WINDOW); u <= Math.min(w - 1, x + WINDOW); u++) {
          const o = v * w + u;
          const l = layer[o];
          if (l === 0) {
            for (let c = 0; c < 3; c++) nucleus[c] += rgb[3 * o + c];
            count++;
          } else if (background[o]) {
            for (let c = 0; c < 3; c++) back[c][nb] = rgb[3 * o + c];
            nb++;
          }
        }
      }
      const gB = nb > 0 ? (median(back[0].subarray(0, nb)) + median(back[1].subarray(0, nb)) + median(back[2].subarray(0, nb))) / 3 : NaN;
      const gN = count > 0 ? (nucleus[0] + nucleus[1] + nucleus[2]) / (3 * count) : NaN;
      const gc = (rgb[3 * p] + rgb[3 * p + 1] + rgb[3 * p + 2]) / 3;
      // NaN comparisons are false: no background or no nucleus in the window gives NaN too.
      share[p] = gB - gN >= MIN_CONTRAST ? Math.min(1, Math.max(0, (gB - gc) / (gB - gN))) : NaN;
      if (share[p] > 0) for (let c = 0; c < 3; c++) colour[3 * p + c] = nucleus[c] / count;
    }
  }
  return { share, nucleus: colour };
}

/** 1 where a pixel's distance to the nearest r0 pixel centre lies in {@link BACKGROUND_BAND} (w×h; exact: a brute-force search of r0's edge pixels, a few dozen, over a crop of a few hundred pixels). */
function inBand(r0: Uint8Array, w: number, h: number): Uint8Array {
  const [lo, hi] = BACKGROUND_BAND;
  const xs: number[] = [];
  const ys: number[] = [];
  // The nearest r0 pixel to a pixel outside is on r0's edge: only those are searched.
  for (let p = 0; p < w * h; p++) {
    if (!r0[p]) continue;
    const x = p % w;
    const y = (p - x) / w;
    if (x > 0 && r0[p - 1] && x < w - 1 && r0[p + 1] && y > 0 && r0[p - w] && y < h - 1 && r0[p + w]) continue;
    xs.push(x);
    ys.push(y);
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let d2 = Infinity;
      for (let i = 0; i < xs.length && d2 > lo * lo; i++) d2 = Math.min(d2, (xs[i] - x) ** 2 + (ys[i] - y) ** 2);
      if (d2 > lo * lo && d2 <= hi * hi) out[y * w + x] = 1;
    }
  }
  return out;
}

/** Median of a non-empty list of bytes (sorts it in place). */
function median(v: Uint8Array): number {
  v.sort();
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}
