import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { neighbourFeatureCount, neighbourFeatureNames, neighbourFeatures } from '../../src/features/neighbours.ts';

const S = 224;
const TYPES = [1, 2, 3, 4];
const TYPE_OF: Record<number, number> = { 1: 1, 2: 2, 3: 2, 4: 3, 5: 9, 6: 1 };

function rect(inst: Int32Array, id: number, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) inst[y * S + x] = id;
}

/**
 * id 1 (type 1): the centre nucleus, a disc of radius 5 at (112, 112).
 * id 2 (type 2): 10×10 square, x 120..129, y 100..109 — nearest pixel (120, 109): √(8² + 3²).
 * id 3 (type 2): 6×4 rectangle at x 10..15, y 10..13 (area 24), beyond the disc of radius 112.
 * id 4 (type 3): two 5×5 pieces (a nucleus and its mirror image) at x 200..204 and x 0..4,
 *   y 200..204, both farther than 112 px.
 * id 5 (type 9, not in the class list): 3×3 at (50, 50).
 * id 6 (type 1): an L — x 60..62 for y 60..69, then x 60..69 at y 70 (area 40), one piece;
 *   nearest pixel (69, 70): √(43² + 42²).
 */
function scene(): Int32Array {
  const inst = new Int32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if ((x - 112) ** 2 + (y - 112) ** 2 <= 25) inst[y * S + x] = 1;
  rect(inst, 2, 120, 100, 130, 110);
  rect(inst, 3, 10, 10, 16, 14);
  rect(inst, 4, 200, 200, 205, 205);
  rect(inst, 4, 0, 200, 5, 205);
  rect(inst, 5, 50, 50, 53, 53);
  rect(inst, 6, 60, 60, 63, 70);
  rect(inst, 6, 60, 70, 70, 71);
  return inst;
}

/** Ring sizes by the documented definition: r < 28, 28 ≤ r < 56, 56 ≤ r ≤ 112 around (112, 112). */
function ringSizes(): number[] {
  const sizes = [0, 0, 0];
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const d2 = (x - 112) ** 2 + (y - 112) ** 2;
      if (d2 < 28 * 28) sizes[0]++;
      else if (d2 < 56 * 56) sizes[1]++;
      else if (d2 <= 112 * 112) sizes[2]++;
    }
  }
  return sizes;
}

test('names and length agree; layout per type then overall', () => {
  const names = neighbourFeatureNames(TYPES);
  assert.equal(names.length, neighbourFeatureCount(4));
  assert.equal(names.length, 26);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(names.slice(0, 6), ['nb.t1.density', 'nb.t1.cover.r0', 'nb.t1.cover.r1', 'nb.t1.cover.r2', 'nb.t1.area', 'nb.t1.nearest']);
  assert.deepEqual(names.slice(24), ['nb.density.all', 'nb.cover.all']);
});

test('hand-counted composition of a synthetic label crop', () => {
  const f = neighbourFeatures(scene(), S, S, (id) => TYPE_OF[id], TYPES, 1);
  const names = neighbourFeatureNames(TYPES);
  const get = (name: string): number => f[names.indexOf(name)];
  const perArea = 1e4 / (S * S);
  const [r0, , r2] = ringSizes();
  // type 1: only the L (the centre nucleus is left out).
  assert.equal(get('nb.t1.density'), 1 * perArea);
  assert.equal(get('nb.t1.area'), 40);
  assert.equal(get('nb.t1.nearest'), Math.sqrt(43 * 43 + 42 * 42));
  assert.equal(get('nb.t1.cover.r0'), 0);
  assert.equal(get('nb.t1.cover.r1'), 0);
  assert.equal(get('nb.t1.cover.r2'), 40 / r2); // every L pixel is 60..73 px from the centre
  // type 2: square + rectangle.
  assert.equal(get('nb.t2.density'), 2 * perArea);
  assert.equal(get('nb.t2.area'), (100 + 24) / 2);
  assert.equal(get('nb.t2.nearest'), Math.sqrt(73));
  assert.equal(get('nb.t2.cover.r0'), 100 / r0); // the square lies 8.5..20.8 px out
  assert.equal(get('nb.t2.cover.r1'), 0);
  assert.equal(get('nb.t2.cover.r2'), 0); // the rectangle is beyond 112 px
  // type 3: two pieces of one id, both beyond the radius.
  assert.equal(get('nb.t3.density'), 2 * perArea);
  assert.equal(get('nb.t3.area'), 25);
  assert.equal(get('nb.t3.nearest'), 112);
  // type 4: absent.
  for (const s of ['density', 'cover.r0', 'cover.r1', 'cover.r2', 'area']) assert.equal(get(`nb.t4.${s}`), 0);
  assert.equal(get('nb.t4.nearest'), 112);
  // overall: L, square, rectangle, 2 mirror pieces, the unlisted type-9 square.
  assert.equal(get('nb.density.all'), 6 * perArea);
  assert.equal(get('nb.cover.all'), (40 + 124 + 50 + 9) / (S * S));
});

test('the centre nucleus counts when no centre id is given', () => {
  const names = neighbourFeatureNames(TYPES);
  const f = neighbourFeatures(scene(), S, S, (id) => TYPE_OF[id], TYPES);
  assert.equal(f[names.indexOf('nb.t1.density')], (2 * 1e4) / (S * S));
  assert.equal(f[names.indexOf('nb.t1.nearest')], 0);
});

test('invariant to renumbering instances; writes at an offset', () => {
  const a = scene();
  const b = a.map((id) => (id === 0 ? 0 : 1000 - id));
  const typeB = (id: number): number => TYPE_OF[1000 - id];
  const fa = neighbourFeatures(a, S, S, (id) => TYPE_OF[id], TYPES, 1);
  const out = new Float64Array(30).fill(-1);
  neighbourFeatures(b, S, S, typeB, TYPES, 999, out, 3);
  assert.deepEqual(Array.from(out.subarray(3, 29)), Array.from(fa));
  assert.equal(out[2], -1);
  assert.equal(out[29], -1);
});

test('bad input raises NucleiMixError', () => {
  assert.throws(() => neighbourFeatures(new Int32Array(10), 4, 4, () => 1, TYPES), NucleiMixError);
});
