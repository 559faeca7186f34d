/**
 * Pictures of what was inserted where: an overlay of the augmented image with the inserted
 * nuclei outlined, and a contact sheet of before/after crops around each insertion. Both are
 * plain RgbImages; the caller writes them with `writeImageFile`.
 */
import { NucleiMixError } from '../core/errors.ts';
import { cropReflect } from '../core/crop.ts';
import type { Labels } from '../core/labels.ts';
import { cloneRaster, createImage, type RgbImage } from '../core/raster.ts';
import { LAYER, type AppliedEdit } from './applied-edit.ts';

/** Outline colours of {@link overlay}. */
export const INSERTED_COLOUR: readonly [number, number, number] = [0, 255, 0];
export const REPLACED_COLOUR: readonly [number, number, number] = [255, 0, 0];

/**
 * The augmented `image` with, for each applied edit, the 1-px outline of the inserted nucleus
 * (its pixels in `labels` that touch, 4-connected, a pixel outside it) in bright green and
 * the former outline of the nucleus it replaced as a dashed red line (2 px on, 2 off), under
 * the green. Every other pixel is the image's.
 *
 * @param labels the augmented labels, which `applied[i].newId` refers to.
 */
export function overlay(image: RgbImage, labels: Labels, applied: readonly AppliedEdit[]): RgbImage {
  const { width: W, height: H } = image;
  if (labels.inst.width !== W || labels.inst.height !== H) {
    throw new NucleiMixError(`overlay: labels are ${labels.inst.width}×${labels.inst.height} but the image is ${W}×${H}`);
  }
  const out = cloneRaster(image);
  const inst = labels.inst.data;
  for (const a of applied) {
    const [x0, y0, x1, y1] = a.bbox;
    const bw = x1 - x0;
    const former = (x: number, y: number): boolean =>
      x >= x0 && y >= y0 && x < x1 && y < y1 && (a.layers[(y - y0) * bw + x - x0] & LAYER.former) !== 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        if (!former(x, y) || ((x + y) >> 1) % 2 !== 0) continue;
        if (!former(x - 1, y) || !former(x + 1, y) || !former(x, y - 1) || !former(x, y + 1)) paint(out, x, y, REPLACED_COLOUR);
      }
    }
  }
  for (const a of applied) {
    const [x0, y0, x1, y1] = a.bbox;
    const id = a.newId;
    const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < W && y < H && inst[y * W + x] === id;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        if (!inside(x, y)) continue;
        if (!inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1)) paint(out, x, y, INSERTED_COLOUR);
      }
    }
  }
  return out;
}

function paint(img: RgbImage, x: number, y: number, c: readonly [number, number, number]): void {
  const o = 3 * (y * img.width + x);
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
}

/** One cell of a contact sheet. */
export interface BeforeAfter {
  before: RgbImage;
  after: RgbImage;
  /** A caption; letters are drawn upper-case, characters without a glyph as `?`. */
  label: string;
}

export interface SheetOptions {
  /** Pairs per row (default 4). */
  columns?: number;
  /** Nearest-neighbour magnification of the crops (default 2). */
  scale?: number;
}

const SHEET_BACKGROUND = 24;
const TEXT_COLOUR = 235;
const GAP = 8;
const TEXT_SCALE = 2;

/**
 * A contact sheet: one cell per pair, `before` and `after` side by side, magnified by `scale`
 * (nearest neighbour), its caption above, cells in rows of `columns` on a dark background.
 * Cells are as large as the largest pair.
 */
export function beforeAfterSheet(pairs: readonly BeforeAfter[], options: SheetOptions = {}): RgbImage {
  const columns = options.columns ?? 4;
  const scale = options.scale ?? 2;
  if (pairs.length === 0) throw new NucleiMixError('beforeAfterSheet: no pairs to draw');
  if (!Number.isInteger(columns) || columns < 1) throw new NucleiMixError(`beforeAfterSheet: columns must be a positive integer, got ${columns}`);
  if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new NucleiMixError(`beforeAfterSheet: scale must be an integer from 1 to 16, got ${scale}`);
  let pw = 0;
  let ph = 0;
  for (const p of pairs) {
    pw = Math.max(pw, p.before.width, p.after.width);
    ph = Math.max(ph, p.before.height, p.after.height);
  }
  const textH = GLYPH_H * TEXT_SCALE;
  const cellW = 2 * pw * scale + GAP;
  const cellH = textH + GAP / 2 + ph * scale;
  const cols = Math.min(columns, pairs.length);
  const rows = Math.ceil(pairs.length / cols);
  const sheet = createImage(cols * cellW + (cols + 1) * GAP, rows * cellH + (rows + 1) * GAP);
  sheet.data.fill(SHEET_BACKGROUND);
  pairs.forEach((p, i) => {
    const cx = GAP + (i % cols) * (cellW + GAP);
    const cy = GAP + Math.floor(i / cols) * (cellH + GAP);
    drawText(sheet, p.label, cx, cy, cellW);
    blitScaled(sheet, p.before, cx, cy + textH + GAP / 2, scale);
    blitScaled(sheet, p.after, cx + pw * scale + GAP, cy + textH + GAP / 2, scale);
  });
  return sheet;
}

export interface PairOptions {
  /** Side of the square crops in pixels (default 96). */
  size?: number;
}

/**
 * Before/after crops around each applied edit, for {@link beforeAfterSheet}: `size`×`size`
 * windows centred on the edit region, shifted to stay inside the image where it is large
 * enough (reflect-padded only where it is not). Captions read `<index>: REPLACE <id>, TYPE <t>`
 * or `<index>: PASTE, TYPE <t>`, ids as read.
 */
export function editPairs(before: RgbImage, after: RgbImage, applied: readonly AppliedEdit[], options: PairOptions = {}): BeforeAfter[] {
  const size = options.size ?? 96;
  if (!Number.isInteger(size) || size < 1) throw new NucleiMixError(`editPairs: size must be a positive integer, got ${size}`);
  if (before.width !== after.width || before.height !== after.height) {
    throw new NucleiMixError(`editPairs: before is ${before.width}×${before.height} but after is ${after.width}×${after.height}`);
  }
  const origin = (centre: number, n: number): number => {
    const o = Math.round(centre - size / 2);
    return n >= size ? Math.min(Math.max(o, 0), n - size) : o;
  };
  return applied.map((a) => {
    const x0 = origin((a.bbox[0] + a.bbox[2]) / 2, before.width);
    const y0 = origin((a.bbox[1] + a.bbox[3]) / 2, before.height);
    const what = a.kind === 'major' ? `REPLACE ${a.replacedId},` : 'PASTE,';
    return {
      before: cropReflect(before, x0, y0, size, size) as RgbImage,
      after: cropReflect(after, x0, y0, size, size) as RgbImage,
      label: `${a.index}: ${what} TYPE ${a.type}`,
    };
  });
}

function blitScaled(dst: RgbImage, src: RgbImage, x0: number, y0: number, scale: number): void {
  for (let y = 0; y < src.height * scale; y++) {
    const sy = Math.floor(y / scale);
    for (let x = 0; x < src.width * scale; x++) {
      const s = 3 * (sy * src.width + Math.floor(x / scale));
      const d = 3 * ((y0 + y) * dst.width + x0 + x);
      dst.data[d] = src.data[s];
      dst.data[d + 1] = src.data[s + 1];
      dst.data[d + 2] = src.data[s + 2];
    }
  }
}

// A 3×5 pixel font for captions. Hand-drawn here rather than rendered with sharp's text
// support because that depends on the system's fonts (absent on CI) and would make the sheet's
// bytes differ between machines.
const GLYPH_W = 3;
const GLYPH_H = 5;
const FONT: Readonly<Record<string, string>> = {
  '0': '###|#.#|#.#|#.#|###', '1': '.#.|##.|.#.|.#.|###', '2': '###|..#|###|#..|###',
  '3': '###|..#|.##|..#|###', '4': '#.#|#.#|###|..#|..#', '5': '###|#..|###|..#|###',
  '6': '###|#..|###|#.#|###', '7': '###|..#|..#|.#.|.#.', '8': '###|#.#|###|#.#|###',
  '9': '###|#.#|###|..#|###', A: '.#.|#.#|###|#.#|#.#', B: '##.|#.#|##.|#.#|##.',
  C: '.##|#..|#..|#..|.##', D: '##.|#.#|#.#|#.#|##.', E: '###|#..|##.|#..|###',
  F: '###|#..|##.|#..|#..', G: '.##|#..|#.#|#.#|.##', H: '#.#|#.#|###|#.#|#.#',
  I: '###|.#.|.#.|.#.|###', J: '..#|..#|..#|#.#|.#.', K: '#.#|#.#|##.|#.#|#.#',
  L: '#..|#..|#..|#..|###', M: '#.#|###|###|#.#|#.#', N: '##.|#.#|#.#|#.#|#.#',
  O: '.#.|#.#|#.#|#.#|.#.', P: '##.|#.#|##.|#..|#..', Q: '.#.|#.#|#.#|##.|.##',
  R: '##.|#.#|##.|#.#|#.#', S: '.##|#..|.#.|..#|##.', T: '###|.#.|.#.|.#.|.#.',
  U: '#.#|#.#|#.#|#.#|###', V: '#.#|#.#|#.#|#.#|.#.', W: '#.#|#.#|###|###|#.#',
  X: '#.#|#.#|.#.|#.#|#.#', Y: '#.#|#.#|.#.|.#.|.#.', Z: '###|..#|.#.|#..|###',
  ' ': '...|...|...|...|...', '.': '...|...|...|...|.#.', ',': '...|...|...|.#.|#..',
  ':': '...|.#.|...|.#.|...', '-': '...|...|###|...|...', _: '...|...|...|...|###',
  '#': '#.#|###|#.#|###|#.#', '/': '..#|..#|.#.|#..|#..', '(': '.#.|#..|#..|#..|.#.',
  ')': '.#.|..#|..#|..#|.#.', '+': '...|.#.|###|.#.|...', '=': '...|###|...|###|...',
  '>': '#..|.#.|..#|.#.|#..', '<': '..#|.#.|#..|.#.|..#', '?': '##.|..#|.#.|...|.#.',
};

/** Draws `text` with its top-left at (x0, y0), clipped to `maxWidth` pixels. */
function drawText(img: RgbImage, text: string, x0: number, y0: number, maxWidth: number): void {
  const advance = (GLYPH_W + 1) * TEXT_SCALE;
  const fit = Math.floor((maxWidth + TEXT_SCALE) / advance);
  [...text.toUpperCase()].slice(0, fit).forEach((ch, i) => {
    const rows = (FONT[ch] ?? FONT['?']).split('|');
    for (let gy = 0; gy < GLYPH_H; gy++) {
      for (let gx = 0; gx < GLYPH_W; gx++) {
        if (rows[gy][gx] !== '#') continue;
        for (let dy = 0; dy < TEXT_SCALE; dy++) {
          for (let dx = 0; dx < TEXT_SCALE; dx++) {
            const o = 3 * ((y0 + gy * TEXT_SCALE + dy) * img.width + x0 + i * advance + gx * TEXT_SCALE + dx);
            img.data[o] = img.data[o + 1] = img.data[o + 2] = TEXT_COLOUR;
          }
        }
      }
    }
  });
}
