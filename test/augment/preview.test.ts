import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutDonor } from '../../src/augment/donor.ts';
import type { Insertion } from '../../src/augment/manifest.ts';
import { beforeAfterSheet, editPairs, INSERTED_COLOUR, overlay, REPLACED_COLOUR } from '../../src/augment/preview.ts';
import { renderProgressive, type Edit } from '../../src/augment/progressive.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { indexOfId } from '../../src/core/labels.ts';
import { createImage } from '../../src/core/raster.ts';
import { direct, makeSample, meanEngine } from './fixtures.ts';

const W = 100;
const H = 80;
const TARGET = makeSample('target', W, H, [
  { id: 1, type: 4, cx: 30, cy: 40, rx: 8, ry: 5, rgb: [80, 50, 110] },
  { id: 2, type: 3, cx: 40, cy: 40, rx: 4, ry: 4, rgb: [100, 40, 130] },
  { id: 3, type: 2, cx: 80, cy: 20, rx: 4, ry: 4, rgb: [50, 20, 90] },
]);
const DONORS = makeSample('donors', 60, 60, [{ id: 5, type: 1, cx: 30, cy: 30, rx: 5, ry: 3.5, angle: 40, rgb: [60, 30, 100] }]);

function edit(index: number, kind: 'major' | 'background', x: number, y: number, replacedId?: number): Edit {
  const t = { flipH: false, flipV: false, rotation: 0 };
  const insertion: Insertion = {
    index,
    rareType: 1,
    target: { image: 'target', kind, x, y, replacedId, logLikelihood: 0, probability: 1 },
    donor: { image: 'donors', id: 5, type: 1, distance: 0, probability: 1, ...t },
  };
  return { insertion, donor: cutDonor(DONORS, 5, t) };
}

async function rendered() {
  const j = indexOfId(TARGET.labels, 1);
  const edits = [edit(0, 'major', TARGET.labels.centroids[2 * j], TARGET.labels.centroids[2 * j + 1], 1), edit(1, 'background', 70, 55)];
  return renderProgressive(TARGET, edits, direct(meanEngine()));
}

const is = (img: Uint8Array, p: number, c: readonly number[]): boolean => img[3 * p] === c[0] && img[3 * p + 1] === c[1] && img[3 * p + 2] === c[2];

test('overlay: green exactly on the new nuclei’s boundary, red dashes on the replaced outline, the image elsewhere', async () => {
  const { sample, applied } = await rendered();
  const pic = overlay(sample.image, sample.labels, applied);
  assert.notEqual(pic.data, sample.image.data, 'a new image');
  const inst = sample.labels.inst.data;
  const fresh = new Set(applied.map((a) => a.newId));
  const old = TARGET.labels.inst.data;
  let green = 0;
  let red = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const id = inst[p];
      const at = (xx: number, yy: number, m: Int32Array, v: number): boolean => xx >= 0 && yy >= 0 && xx < W && yy < H && m[yy * W + xx] === v;
      const boundary = fresh.has(id) && (!at(x - 1, y, inst, id) || !at(x + 1, y, inst, id) || !at(x, y - 1, inst, id) || !at(x, y + 1, inst, id));
      const formerEdge = old[p] === 1 && (!at(x - 1, y, old, 1) || !at(x + 1, y, old, 1) || !at(x, y - 1, old, 1) || !at(x, y + 1, old, 1));
      if (boundary) {
        assert.ok(is(pic.data, p, INSERTED_COLOUR), `green at ${x},${y}`);
        green++;
      } else if (formerEdge && ((x + y) >> 1) % 2 === 0) {
        assert.ok(is(pic.data, p, REPLACED_COLOUR), `red at ${x},${y}`);
        red++;
      } else {
        for (let c = 0; c < 3; c++) assert.equal(pic.data[3 * p + c], sample.image.data[3 * p + c], `untouched at ${x},${y}`);
      }
    }
  }
  assert.ok(green > 20 && red > 5, `${green} green, ${red} red`);
  // Both inserted nuclei are outlined.
  for (const a of applied) assert.ok(inst.some((v, p) => v === a.newId && is(pic.data, p, INSERTED_COLOUR)));
});

test('before/after sheet: crops around each edit, magnified, in rows, captioned', async () => {
  const { sample, applied } = await rendered();
  const pairs = editPairs(TARGET.image, sample.image, applied, { size: 32 });
  assert.equal(pairs.length, 2);
  assert.equal(pairs[0].label, '0: REPLACE 1, TYPE 1');
  assert.equal(pairs[1].label, '1: PASTE, TYPE 1');
  // The crop is centred on the edit region, and the after crop shows the change.
  const [x0, y0, x1, y1] = applied[0].bbox;
  const cx = Math.round((x0 + x1) / 2 - 16);
  const cy = Math.round((y0 + y1) / 2 - 16);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(pairs[0].before.data[3 * (y * 32 + x) + c], TARGET.image.data[3 * ((cy + y) * W + cx + x) + c]);
        assert.equal(pairs[0].after.data[3 * (y * 32 + x) + c], sample.image.data[3 * ((cy + y) * W + cx + x) + c]);
      }
    }
  }
  assert.notDeepEqual(pairs[0].before.data, pairs[0].after.data);

  const sheet = beforeAfterSheet([...pairs, ...pairs, pairs[0]], { columns: 2, scale: 2 });
  // 2 columns × 3 rows of cells (64 + 8 + 64) wide, (10 + 4 + 64) high, 8 px gaps.
  assert.equal(sheet.width, 2 * 136 + 3 * 8);
  assert.equal(sheet.height, 3 * 78 + 4 * 8);
  // Pixel (x, y) of the first before crop sits at (8 + 2x, 8 + 14 + 2y) as a 2×2 block.
  for (const [x, y] of [[0, 0], [5, 7], [31, 31]]) {
    for (const [dx, dy] of [[0, 0], [1, 1]]) {
      const s = 3 * (y * 32 + x);
      const d = 3 * ((22 + 2 * y + dy) * sheet.width + 8 + 2 * x + dx);
      assert.deepEqual([...sheet.data.subarray(d, d + 3)], [...pairs[0].before.data.subarray(s, s + 3)]);
    }
  }
  // The after crop is right of it; the caption band above holds text pixels.
  const d = 3 * (22 * sheet.width + 8 + 64 + 8);
  assert.deepEqual([...sheet.data.subarray(d, d + 3)], [...pairs[0].after.data.subarray(0, 3)]);
  let text = 0;
  for (let y = 8; y < 18; y++) for (let x = 8; x < 144; x++) if (sheet.data[3 * (y * sheet.width + x)] === 235) text++;
  assert.ok(text > 50, `${text} caption pixels`);
  // The empty sixth cell stays background.
  const e = 3 * ((8 + 2 * 86 + 30) * sheet.width + 8 + 144 + 40);
  assert.deepEqual([...sheet.data.subarray(e, e + 3)], [24, 24, 24]);
  // Same input, same bytes.
  assert.deepEqual(beforeAfterSheet([...pairs, ...pairs, pairs[0]], { columns: 2, scale: 2 }).data, sheet.data);
});

test('pictures refuse what they cannot draw', () => {
  assert.throws(() => beforeAfterSheet([]), NucleiMixError);
  const img = createImage(4, 4);
  assert.throws(() => beforeAfterSheet([{ before: img, after: img, label: 'x' }], { columns: 0 }), NucleiMixError);
  assert.throws(() => editPairs(img, createImage(5, 4), []), NucleiMixError);
  assert.throws(() => overlay(img, TARGET.labels, []), NucleiMixError);
});
