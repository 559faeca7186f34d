import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import type { RgbImage } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { CONTEXT_SIZE, IMAGE_FEATURE_NAMES, contextFeatureCount, contextFeatureNames, describeContext } from '../../src/features/extract.ts';
import { glcmStats } from '../../src/features/glcm.ts';
import { neighbourFeatures } from '../../src/features/neighbours.ts';
import { EOSIN, HAEMATOXYLIN, RESIDUAL } from '../../src/features/stain.ts';

const S = CONTEXT_SIZE;
const TYPES = [1, 2, 3, 4];

function solid(rgb: readonly number[]): RgbImage {
  const data = new Uint8Array(S * S * 3);
  for (let p = 0; p < S * S; p++) data.set(rgb, 3 * p);
  return { width: S, height: S, channels: 3, data };
}

/** A noisy pink patch with purple discs, and a label crop whose discs match. */
function tissue(seed: number): { patch: RgbImage; inst: Int32Array; typeOf: (id: number) => number } {
  const rng = createRng(seed);
  const data = new Uint8Array(S * S * 3);
  const inst = new Int32Array(S * S);
  for (let p = 0; p < S * S; p++) data.set([215 + rng.int(20), 165 + rng.int(20), 210 + rng.int(20)], 3 * p);
  const types = new Map<number, number>();
  for (let id = 1; id <= 40; id++) {
    const cx = rng.int(S);
    const cy = rng.int(S);
    const r = 3 + rng.int(6);
    types.set(id, 1 + rng.int(4));
    for (let y = Math.max(0, cy - r); y < Math.min(S, cy + r + 1); y++) {
      for (let x = Math.max(0, cx - r); x < Math.min(S, cx + r + 1); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        inst[y * S + x] = id;
        data.set([110 + rng.int(30), 80 + rng.int(20), 160 + rng.int(20)], 3 * (y * S + x));
      }
    }
  }
  return { patch: { width: S, height: S, channels: 3, data }, inst, typeOf: (id) => types.get(id) ?? 0 };
}

function byName(f: Float64Array, types = TYPES): (name: string) => number {
  const names = contextFeatureNames(types);
  return (name) => {
    const i = names.indexOf(name);
    assert.ok(i >= 0, `no feature ${name}`);
    return f[i];
  };
}

test('fixed length equal to the names, unique names', () => {
  assert.equal(IMAGE_FEATURE_NAMES.length, 44);
  for (const types of [TYPES, [1, 2, 3, 4, 5, 6, 7], [1]]) {
    const names = contextFeatureNames(types);
    assert.equal(names.length, contextFeatureCount(types.length));
    assert.equal(new Set(names).size, names.length);
    const { patch, inst, typeOf } = tissue(1);
    assert.equal(describeContext(patch, undefined, inst, typeOf, types).length, names.length);
  }
  assert.equal(contextFeatureCount(4), 70);
});

test('finite and deterministic (scratch buffers do not leak between calls)', () => {
  const a = tissue(2);
  const b = tissue(3);
  const first = describeContext(a.patch, undefined, a.inst, a.typeOf, TYPES, 5);
  for (const v of first) assert.ok(Number.isFinite(v));
  const other = describeContext(b.patch, undefined, b.inst, b.typeOf, TYPES, 5);
  assert.notDeepEqual(Array.from(other), Array.from(first));
  const again = describeContext(a.patch, undefined, a.inst, a.typeOf, TYPES, 5);
  assert.deepEqual(Array.from(again), Array.from(first));
  // Degenerate patches stay finite too.
  for (const rgb of [
    [0, 0, 0],
    [255, 255, 255],
  ]) {
    for (const v of describeContext(solid(rgb), undefined, new Int32Array(S * S), () => 1, TYPES)) assert.ok(Number.isFinite(v));
  }
});

test('stain features: haematoxylin, eosin and glass patches', () => {
  const beer = (h: number, e: number) => [0, 1, 2].map((c) => Math.round(255 * Math.exp(-(h * HAEMATOXYLIN[c] + e * EOSIN[c] + 0 * RESIDUAL[c]))));
  const empty = new Int32Array(S * S);
  const h = byName(describeContext(solid(beer(1, 0)), undefined, empty, () => 1, TYPES));
  assert.ok(Math.abs(h('stain.h.mean') - 1) < 0.03, `H of a haematoxylin patch: ${h('stain.h.mean')}`);
  assert.ok(h('stain.e.mean') < 0.03, `E of a haematoxylin patch: ${h('stain.e.mean')}`);
  assert.equal(h('stain.h.std'), 0);
  assert.ok(Math.abs(h('stain.h.p50') - 1) < 0.03);
  assert.equal(h('stain.white'), 0);
  const e = byName(describeContext(solid(beer(0, 1)), undefined, empty, () => 1, TYPES));
  assert.ok(Math.abs(e('stain.e.mean') - 1) < 0.03 && e('stain.h.mean') < 0.03, `eosin patch: H ${e('stain.h.mean')}, E ${e('stain.e.mean')}`);
  const glass = byName(describeContext(solid([250, 248, 251]), undefined, empty, () => 1, TYPES));
  assert.equal(glass('stain.white'), 1);
  assert.ok(glass('stain.h.mean') < 0.05 && glass('stain.e.mean') < 0.05, `glass: H ${glass('stain.h.mean')}, E ${glass('stain.e.mean')}`);
});

test('RGB statistics of a two-colour patch; the known mask restricts them', () => {
  const data = new Uint8Array(S * S * 3);
  const known = new Uint8Array(S * S);
  for (let p = 0; p < S * S; p++) {
    const top = p < (S * S) / 2;
    data.set(top ? [200, 100, 50] : [100, 50, 25], 3 * p);
    known[p] = top ? 1 : 0;
  }
  const patch: RgbImage = { width: S, height: S, channels: 3, data };
  const empty = new Int32Array(S * S);
  const all = byName(describeContext(patch, undefined, empty, () => 1, TYPES));
  assert.equal(all('rgb.r.mean'), 150);
  assert.equal(all('rgb.r.std'), 50);
  assert.equal(all('rgb.g.std'), 25);
  assert.equal(all('rgb.r.p10'), 100);
  assert.equal(all('rgb.r.p50'), 100);
  assert.equal(all('rgb.r.p90'), 200);
  assert.equal(all('rgb.b.p90'), 50);
  const masked = byName(describeContext(patch, known, empty, () => 1, TYPES));
  assert.equal(masked('rgb.r.mean'), 200);
  assert.equal(masked('rgb.r.std'), 0);
  assert.equal(masked('rgb.r.p10'), 200);
  assert.equal(masked('stain.h.std'), 0);
  // Texture is computed on the full patch either way.
  assert.equal(masked('glcm.dissimilarity'), all('glcm.dissimilarity'));
  // A mask that keeps nothing falls back to every pixel.
  assert.equal(byName(describeContext(patch, new Uint8Array(S * S), empty, () => 1, TYPES))('rgb.r.mean'), 150);
});

test('parts agree with their modules; image part ignores labels, label part ignores pixels', () => {
  const a = tissue(4);
  const b = tissue(5);
  const f = describeContext(a.patch, undefined, a.inst, a.typeOf, TYPES, 7);
  const grey = new Uint8Array(S * S);
  for (let p = 0; p < S * S; p++) grey[p] = Math.floor((a.patch.data[3 * p] + a.patch.data[3 * p + 1] + a.patch.data[3 * p + 2]) / 3);
  const g = glcmStats(grey, S, S, 2, 0, 256);
  const get = byName(f);
  assert.deepEqual([get('glcm.dissimilarity'), get('glcm.homogeneity'), get('glcm.energy'), get('glcm.asm')], [g.dissimilarity, g.homogeneity, g.energy, g.asm]);
  const nImage = IMAGE_FEATURE_NAMES.length;
  assert.deepEqual(Array.from(f.subarray(nImage)), Array.from(neighbourFeatures(a.inst, S, S, a.typeOf, TYPES, 7)));
  const mixed = describeContext(a.patch, undefined, b.inst, b.typeOf, TYPES, 7);
  assert.deepEqual(Array.from(mixed.subarray(0, nImage)), Array.from(f.subarray(0, nImage)));
  const other = describeContext(b.patch, undefined, a.inst, a.typeOf, TYPES, 7);
  assert.deepEqual(Array.from(other.subarray(nImage)), Array.from(f.subarray(nImage)));
  // LBP shares sum to 1.
  let lbp = 0;
  for (const name of IMAGE_FEATURE_NAMES) if (name.startsWith('lbp.')) lbp += get(name);
  assert.ok(Math.abs(lbp - 1) < 1e-12);
});

test('bad shapes raise NucleiMixError', () => {
  const { patch, inst, typeOf } = tissue(6);
  assert.throws(() => describeContext(patch, undefined, inst.subarray(1), typeOf, TYPES), NucleiMixError);
  assert.throws(() => describeContext(patch, new Uint8Array(5), inst, typeOf, TYPES), NucleiMixError);
  assert.throws(() => describeContext({ ...patch, data: patch.data.subarray(3) }, undefined, inst, typeOf, TYPES), NucleiMixError);
  assert.throws(() => describeContext({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) }, undefined, new Int32Array(4), typeOf, TYPES), NucleiMixError);
});
