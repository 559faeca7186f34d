import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutDonor, type DonorCut } from '../../src/augment/donor.ts';
import { donorEdge } from '../../src/augment/donor-edge.ts';
import type { Insertion } from '../../src/augment/manifest.ts';
import { LAYER, type AppliedEdit } from '../../src/augment/applied-edit.ts';
import { HIDE_REACH, renderProgressive, type Edit } from '../../src/augment/progressive.ts';
import { onePiecePerInstance } from '../../src/augment/render-loop.ts';
import { keepLargestPieces } from '../../src/core/components.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { dilationRings, indexOfId, labelsFromMap } from '../../src/core/labels.ts';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import type { Sample } from '../../src/io/dataset.ts';
import { createEngine } from '../../src/inpaint/engines.ts';
import type { InpaintEngine } from '../../src/inpaint/engine.ts';
import { direct, makeSample, meanEngine } from './fixtures.ts';

const W = 120;
const H = 100;
/**
 * The target image. 2: a spindle nucleus (type 4) to replace, touched by 7 (type 3) on its
 * right; 12: another major (type 3) with 13 (type 2) beside it; 11: far away, untouched.
 * Ids are not consecutive, so renumbering shows.
 */
const TARGET = makeSample('target', W, H, [
  { id: 2, type: 4, cx: 40, cy: 50, rx: 6, ry: 4, rgb: [80, 50, 110] },
  { id: 7, type: 3, cx: 49, cy: 50, rx: 4, ry: 4, rgb: [100, 40, 130] },
  { id: 11, type: 2, cx: 105, cy: 15, rx: 5, ry: 5, rgb: [50, 20, 90] },
  { id: 12, type: 3, cx: 88, cy: 72, rx: 9, ry: 7, angle: 30, rgb: [90, 45, 120] },
  { id: 13, type: 2, cx: 99, cy: 72, rx: 3, ry: 3, rgb: [40, 20, 80] },
]);
/** Donors: 3 a large tilted ellipse (type 1), 4 a small round one (type 1). */
const DONORS = makeSample('donors', 80, 70, [
  { id: 3, type: 1, cx: 30.3, cy: 33.6, rx: 9, ry: 4.5, angle: 25, rgb: [60, 30, 100] },
  { id: 4, type: 1, cx: 60, cy: 20, rx: 3, ry: 2.5, rgb: [70, 35, 105] },
]);

interface Spec {
  index: number;
  kind: 'major' | 'background';
  x: number;
  y: number;
  replacedId?: number;
  donorId: number;
  flipH?: boolean;
  rotation?: number;
}

function edit(s: Spec): Edit {
  const t = { flipH: s.flipH ?? false, flipV: false, rotation: s.rotation ?? 0 };
  const insertion: Insertion = {
    index: s.index,
    rareType: 1,
    target: { image: 'target', kind: s.kind, x: s.x, y: s.y, replacedId: s.replacedId, logLikelihood: -3, probability: 0.1 },
    donor: { image: 'donors', id: s.donorId, type: 1, distance: 1, probability: 0.5, ...t },
  };
  const donor: DonorCut = cutDonor(DONORS, s.donorId, t);
  return { insertion, donor };
}

/** The centroid of instance `id` of `sample` (mean pixel coordinates, as read). */
function centroidOf(sample: Sample, id: number): [number, number] {
  const j = indexOfId(sample.labels, id);
  return [sample.labels.centroids[2 * j], sample.labels.centroids[2 * j + 1]];
}

const REPLACE_2: Spec = { index: 0, kind: 'major', x: centroidOf(TARGET, 2)[0], y: centroidOf(TARGET, 2)[1], replacedId: 2, donorId: 3, rotation: 20 };
const REPLACE_12: Spec = { index: 1, kind: 'major', x: centroidOf(TARGET, 12)[0], y: centroidOf(TARGET, 12)[1], replacedId: 12, donorId: 4 };
const PASTE: Spec = { index: 2, kind: 'background', x: 25, y: 20, donorId: 3, flipH: true };

/** Masks (W×H uint8) of the edit's r0, r1, r3 and stage-1 hole, computed independently. */
function expectedLayers(e: Edit, target: Sample): { r0: Uint8Array; r1: Uint8Array; r3: Uint8Array; hole: Uint8Array } {
  const d = e.donor;
  const ox = Math.round(e.insertion.target.x - d.cx);
  const oy = Math.round(e.insertion.target.y - d.cy);
  const r0 = new Uint8Array(W * H);
  const r1 = new Uint8Array(W * H);
  for (let y = 0; y < d.rgb.height; y++) {
    for (let x = 0; x < d.rgb.width; x++) {
      const p = (oy + y) * W + ox + x;
      r0[p] = d.r0[y * d.rgb.width + x];
      r1[p] = d.r1[y * d.rgb.width + x];
    }
  }
  const r3 = dilationRings(r1, W, H, 2)[2];
  const id = e.insertion.target.replacedId;
  const major = Uint8Array.from(target.labels.inst.data, (v) => (id !== undefined && v === id ? 1 : 0));
  const hole = id === undefined ? new Uint8Array(W * H) : dilationRings(major, W, H, 2)[2];
  return { r0, r1, r3, hole };
}

/**
 * Checks every invariant of a render of `edits` into TARGET: what changed, what did not, the
 * new instances, the labels' consistency. Returns the output for further checks.
 */
async function renderAndCheck(edits: Edit[], inpainter: InpaintEngine): Promise<{ sample: Sample; applied: AppliedEdit[] }> {
  const { sample, applied } = await renderProgressive(TARGET, edits, direct(inpainter));
  const inst = TARGET.labels.inst.data;
  const out = sample.image.data;
  const outInst = sample.labels.inst.data;
  const layers = edits.map((e) => expectedLayers(e, TARGET));
  const region = new Uint8Array(W * H);
  const r0Of = new Int32Array(W * H).fill(-1);
  layers.forEach((l, k) => {
    for (let p = 0; p < W * H; p++) {
      if (l.r3[p] || l.hole[p]) region[p] = 1;
      if (l.r0[p]) r0Of[p] = k;
    }
  });
  const replaced = new Set(edits.map((e) => e.insertion.target.replacedId).filter((v) => v !== undefined));
  const isOther = (p: number): boolean => inst[p] !== 0 && !replaced.has(inst[p]);

  // Old ids that survive keep their order; the new instances follow in insertion order.
  const covered = new Map<number, number>();
  for (let p = 0; p < W * H; p++) if (r0Of[p] >= 0 && isOther(p)) covered.set(inst[p], (covered.get(inst[p]) ?? 0) + 1);
  const areaOf = new Map<number, number>();
  for (const v of inst) if (v) areaOf.set(v, (areaOf.get(v) ?? 0) + 1);
  const survivors = [...TARGET.labels.ids].filter((id) => !replaced.has(id) && (covered.get(id) ?? 0) < areaOf.get(id)!);
  const newIdOf = new Map(survivors.map((id, i) => [id, i + 1]));
  const n = survivors.length + edits.length;
  assert.deepEqual(Array.from(sample.labels.ids), Array.from({ length: n }, (_, i) => i + 1), 'ids 1..N');

  const sorted = [...edits].sort((a, b) => a.insertion.index - b.insertion.index);
  for (let p = 0; p < W * H; p++) {
    const k = r0Of[p];
    const x = p % W;
    const y = (p - x) / W;
    if (k >= 0) {
      // Inside r0: the donor's pixels, the new instance's label.
      const e = edits[k];
      const s = (y - Math.round(e.insertion.target.y - e.donor.cy)) * e.donor.rgb.width + x - Math.round(e.insertion.target.x - e.donor.cx);
      for (let c = 0; c < 3; c++) assert.equal(out[3 * p + c], e.donor.rgb.data[3 * s + c], `r0 pixel ${x},${y}`);
      assert.equal(outInst[p], survivors.length + 1 + sorted.indexOf(e), `new label at ${x},${y}`);
      continue;
    }
    if (isOther(p)) {
      // Neighbours keep every pixel the new nuclei do not cover, label and colour.
      assert.equal(outInst[p], newIdOf.get(inst[p]), `neighbour label at ${x},${y}`);
      for (let c = 0; c < 3; c++) assert.equal(out[3 * p + c], TARGET.image.data[3 * p + c], `neighbour pixel ${x},${y}`);
      continue;
    }
    assert.equal(outInst[p], 0, `background (or a replaced nucleus) at ${x},${y}`);
    if (!region[p]) for (let c = 0; c < 3; c++) assert.equal(out[3 * p + c], TARGET.image.data[3 * p + c], `outside the edits at ${x},${y}`);
  }
  // The contour r1 \ r0 is laid wherever no other nucleus is: the donor's nuclear share of
  // it over the target's background, (1 − a)·t + a·N, so between the two (donor-edge.test.ts
  // checks the values); where a cannot be estimated, the donor's pixel.
  layers.forEach((l, k) => {
    const e = edits[k];
    const ox = Math.round(e.insertion.target.x - e.donor.cx);
    const oy = Math.round(e.insertion.target.y - e.donor.cy);
    const { share } = donorEdge(e.donor);
    for (let p = 0; p < W * H; p++) {
      if (!l.r1[p] || l.r0[p] || isOther(p)) continue;
      const x = p % W;
      const s = (Math.floor(p / W) - oy) * e.donor.rgb.width + x - ox;
      if (Number.isNaN(share[s])) for (let c = 0; c < 3; c++) assert.equal(out[3 * p + c], e.donor.rgb.data[3 * s + c]);
      else assert.ok(share[s] >= 0 && share[s] <= 1);
    }
  });

  // Types and centroids: surviving instances keep their types; untouched ones keep their
  // centroids bit for bit as read, changed ones get the mean of their pixels.
  const sums = new Float64Array(3 * (n + 1));
  outInst.forEach((v, p) => {
    if (!v) return;
    sums[3 * v] += p % W;
    sums[3 * v + 1] += Math.floor(p / W);
    sums[3 * v + 2]++;
  });
  for (const id of survivors) {
    const j = indexOfId(TARGET.labels, id);
    const i = newIdOf.get(id)! - 1;
    assert.equal(sample.labels.types[i], TARGET.labels.types[j]);
    if (covered.has(id)) {
      assert.ok(Math.abs(sample.labels.centroids[2 * i] - sums[3 * (i + 1)] / sums[3 * (i + 1) + 2]) < 1e-9, `clipped neighbour centroid x ${id} ${i} ${sample.labels.centroids[2 * i]} ${sums[3 * (i + 1)] / sums[3 * (i + 1) + 2]}`);
      assert.ok(Math.abs(sample.labels.centroids[2 * i + 1] - sums[3 * (i + 1) + 1] / sums[3 * (i + 1) + 2]) < 1e-9, 'clipped neighbour centroid y');
    } else {
      assert.ok(Object.is(sample.labels.centroids[2 * i], TARGET.labels.centroids[2 * j]), `centroid of ${id} kept as read`);
      assert.ok(Object.is(sample.labels.centroids[2 * i + 1], TARGET.labels.centroids[2 * j + 1]));
    }
  }
  sorted.forEach((e, k) => {
    const id = survivors.length + 1 + k;
    assert.equal(sample.labels.types[id - 1], e.insertion.donor.type);
    assert.ok(Math.abs(sample.labels.centroids[2 * (id - 1)] - sums[3 * id] / sums[3 * id + 2]) < 1e-9, 'new centroid x');
    assert.ok(Math.abs(sample.labels.centroids[2 * (id - 1) + 1] - sums[3 * id + 1] / sums[3 * id + 2]) < 1e-9, 'new centroid y');
    // Donors larger than the target are placed whole.
    assert.equal(sums[3 * id + 2], e.donor.area);
    const a = applied[k];
    assert.equal(a.index, e.insertion.index);
    assert.equal(a.newId, id);
    assert.equal(a.area, e.donor.area);
    assert.equal(a.type, e.insertion.donor.type);
    assert.equal(a.replacedId, e.insertion.target.replacedId);
    const l = layers[edits.indexOf(e)];
    const mine = [...covered.keys()].filter((cid) => {
      for (let p = 0; p < W * H; p++) if (l.r0[p] && inst[p] === cid) return true;
      return false;
    });
    assert.deepEqual(a.clippedIds, mine.sort((x, y) => x - y));
    let px = 0;
    for (let p = 0; p < W * H; p++) if (l.r0[p] && isOther(p)) px++;
    assert.equal(a.coveredPixels, px);
    // bbox and layers describe the region exactly.
    const [x0, y0, x1, y1] = a.bbox;
    for (let p = 0; p < W * H; p++) {
      const x = p % W;
      const y = (p - x) / W;
      const inBox = x >= x0 && x < x1 && y >= y0 && y < y1;
      if (l.r3[p] || l.hole[p]) assert.ok(inBox, 'bbox holds the region');
      if (!inBox) continue;
      const bits = a.layers[(y - y0) * (x1 - x0) + x - x0];
      assert.equal((bits & LAYER.nucleus) !== 0, l.r0[p] === 1);
      assert.equal((bits & LAYER.contour) !== 0, l.r1[p] === 1 && l.r0[p] === 0);
      assert.equal((bits & LAYER.ring) !== 0, l.r3[p] === 1 && l.r1[p] === 0);
      assert.equal((bits & LAYER.hole) !== 0, l.hole[p] === 1);
      assert.equal((bits & LAYER.former) !== 0, e.insertion.target.replacedId !== undefined && inst[p] === e.insertion.target.replacedId);
    }
    let bx0 = W;
    let by0 = H;
    let bx1 = 0;
    let by1 = 0;
    for (let p = 0; p < W * H; p++) {
      if (!l.r3[p] && !l.hole[p]) continue;
      bx0 = Math.min(bx0, p % W);
      by0 = Math.min(by0, Math.floor(p / W));
      bx1 = Math.max(bx1, (p % W) + 1);
      by1 = Math.max(by1, Math.floor(p / W) + 1);
    }
    assert.deepEqual(a.bbox, [bx0, by0, bx1, by1]);
  });
  // The replaced nuclei are gone: none of their pixels outside the new r0 carries a label.
  for (let p = 0; p < W * H; p++) if (replaced.has(inst[p]) && r0Of[p] < 0) assert.equal(outInst[p], 0);
  assert.equal(sample.stored, undefined, 'stored dropped');
  assert.deepEqual(sample.source, TARGET.source);
  assert.equal(sample.origin, TARGET.origin);
  return { sample, applied };
}

test('copy-and-replace: the major is gone, the donor sits on it whole, neighbours keep the rest', async () => {
  const inp = meanEngine();
  const e = edit(REPLACE_2);
  const { sample, applied } = await renderAndCheck([e], inp);
  // The donor is bigger than the replaced nucleus and clips its neighbour 7.
  assert.deepEqual(applied[0].clippedIds, [7]);
  assert.ok(applied[0].coveredPixels > 0);
  assert.deepEqual(applied[0].vanishedIds, []);
  assert.equal(sample.labels.ids.length, 5);
  // Two batches: stage 1 (the hole), stage 2 (the ring); each a crop, not the image.
  assert.equal(inp.calls.length, 2);
  for (const call of inp.calls) {
    assert.equal(call.length, 1);
    const [x0, y0, x1, y1] = applied[0].bbox;
    assert.ok(call[0].image.width <= x1 - x0 + 48 && call[0].image.height <= y1 - y0 + 48, 'crop = region + margin');
    assert.ok(call[0].image.width < W && call[0].image.height < H, 'a crop, not the image');
  }
  // No nucleus is a source of fill: stage 1 masks the hole and the neighbour 7's pixels within
  // HIDE_REACH of it (never written back: renderAndCheck saw them kept); stage 2 masks the
  // ring, the pasted nucleus and 7's pixels near them. Nuclei 11, 12 and 13 stay known.
  const l = expectedLayers(e, TARGET);
  const inst = TARGET.labels.inst.data;
  const near = (mask: (p: number) => boolean, p: number): boolean => {
    const x = p % W;
    const y = (p - x) / W;
    for (let v = Math.max(0, y - HIDE_REACH); v <= Math.min(H - 1, y + HIDE_REACH); v++) {
      for (let u = Math.max(0, x - HIDE_REACH); u <= Math.min(W - 1, x + HIDE_REACH); u++) if (mask(v * W + u)) return true;
    }
    return false;
  };
  const inHole = (p: number): boolean => l.hole[p] === 1;
  const inStage2 = (p: number): boolean => (l.r3[p] === 1 && !l.r1[p]) || l.r0[p] === 1;
  let hole = 0;
  let ring = 0;
  let hidden7 = 0;
  for (let p = 0; p < W * H; p++) {
    if (inHole(p) || (inst[p] === 7 && near(inHole, p))) hole++;
    if (inStage2(p) || (inst[p] === 7 && near(inStage2, p))) ring++;
    if (inst[p] === 7 && !inHole(p) && near(inHole, p)) hidden7++;
  }
  assert.ok(hidden7 > 10, 'nucleus 7 is hidden beside the hole');
  assert.equal(inp.calls[0][0].mask.reduce((a, v) => a + (v ? 1 : 0), 0), hole);
  assert.equal(inp.calls[1][0].mask.reduce((a, v) => a + (v ? 1 : 0), 0), ring);
  // Unknown pixels reach the inpainter erased.
  for (const call of inp.calls) call[0].mask.forEach((m, p) => m && assert.deepEqual([...call[0].image.data.subarray(3 * p, 3 * p + 3)], [0, 0, 0]));
});

test('stage 1 erases a replaced nucleus larger than the donor', async () => {
  const e = edit(REPLACE_12); // the small donor 4 on the large nucleus 12
  const { sample } = await renderAndCheck([e], meanEngine());
  const l = expectedLayers(e, TARGET);
  let outside = 0;
  for (let p = 0; p < W * H; p++) {
    if (TARGET.labels.inst.data[p] !== 12 || l.r3[p]) continue;
    outside++;
    // The nucleus was dark purple (R < 110); the fill takes the background's pink.
    assert.ok(sample.image.data[3 * p] > 150, `pixel ${p % W},${Math.floor(p / W)} of the former nucleus is filled`);
  }
  assert.ok(outside > 50, 'the major sticks out of the donor');
});

test('copy-and-paste on background changes nothing outside r3 and runs stage 2 only', async () => {
  const inp = meanEngine();
  const { sample, applied } = await renderAndCheck([edit(PASTE)], inp);
  assert.equal(inp.calls.length, 1);
  assert.equal(applied[0].kind, 'background');
  assert.equal(applied[0].replacedId, undefined);
  assert.deepEqual(applied[0].clippedIds, []);
  assert.equal(sample.labels.ids.length, TARGET.labels.ids.length + 1);
});

test('several edits in one image: stage-1 jobs in one batch, stage-2 jobs in another', async () => {
  const inp = meanEngine();
  // Given out of order: rendering follows insertion.index.
  const edits = [edit(PASTE), edit(REPLACE_12), edit(REPLACE_2)];
  const { sample, applied } = await renderAndCheck(edits, inp);
  assert.deepEqual(inp.calls.map((c) => c.length), [2, 3]);
  assert.deepEqual(applied.map((a) => a.index), [0, 1, 2]);
  assert.equal(sample.labels.ids.length, TARGET.labels.ids.length - 2 + 3);
  assert.deepEqual(Array.from(sample.labels.types.slice(-3)), [1, 1, 1]);
});

test('rendering with OpenCV Telea keeps every invariant', async () => {
  const telea = await createEngine('telea');
  await renderAndCheck([edit(REPLACE_2), edit(REPLACE_12), edit(PASTE)], telea);
});

test('rendering is deterministic to the byte', async () => {
  const telea = await createEngine('telea');
  const edits = [edit(REPLACE_2), edit(REPLACE_12), edit(PASTE)];
  const a = await renderProgressive(TARGET, edits, direct(telea));
  const b = await renderProgressive(TARGET, [edit(REPLACE_2), edit(REPLACE_12), edit(PASTE)], direct(telea));
  assert.deepEqual(a.sample.image.data, b.sample.image.data);
  assert.deepEqual(a.sample.labels, b.sample.labels);
  assert.deepEqual(a.applied, b.applied);
  // The input is left as it was.
  assert.deepEqual(TARGET, makeSample('target', W, H, [
    { id: 2, type: 4, cx: 40, cy: 50, rx: 6, ry: 4, rgb: [80, 50, 110] },
    { id: 7, type: 3, cx: 49, cy: 50, rx: 4, ry: 4, rgb: [100, 40, 130] },
    { id: 11, type: 2, cx: 105, cy: 15, rx: 5, ry: 5, rgb: [50, 20, 90] },
    { id: 12, type: 3, cx: 88, cy: 72, rx: 9, ry: 7, angle: 30, rgb: [90, 45, 120] },
    { id: 13, type: 2, cx: 99, cy: 72, rx: 3, ry: 3, rgb: [40, 20, 80] },
  ]));
});

test('a neighbour the new nucleus covers entirely vanishes and is reported', async () => {
  const target = makeSample('target', W, H, [
    { id: 1, type: 3, cx: 60, cy: 50, rx: 6, ry: 5, rgb: [90, 40, 120] },
    { id: 2, type: 2, cx: 62, cy: 50, rx: 1, ry: 1, rgb: [30, 20, 70] },
    { id: 3, type: 2, cx: 20, cy: 20, rx: 3, ry: 3, rgb: [30, 20, 70] },
  ]);
  const e = edit({ index: 4, kind: 'major', x: centroidOf(target, 1)[0], y: centroidOf(target, 1)[1], replacedId: 1, donorId: 3 });
  const { sample, applied } = await renderProgressive(target, [e], direct(meanEngine()));
  assert.deepEqual(applied[0].clippedIds, [2]);
  assert.deepEqual(applied[0].vanishedIds, [2]);
  assert.deepEqual(Array.from(sample.labels.ids), [1, 2]);
  assert.deepEqual(Array.from(sample.labels.types), [2, 1]);
  assert.equal(applied[0].newId, 2);
});

test('bad edits are refused with a clear error', async () => {
  const inp = meanEngine();
  const refuses = async (edits: Edit[], pattern: RegExp): Promise<void> => {
    await assert.rejects(renderProgressive(TARGET, edits, direct(inp)), (err: unknown) => err instanceof NucleiMixError && pattern.test(err.message));
  };
  // Two edits whose regions intersect.
  await refuses([edit(REPLACE_2), edit({ ...PASTE, x: 46, y: 58 })], /#0 and #2 overlap/);
  await refuses([edit(REPLACE_2), edit({ ...REPLACE_2, index: 5 })], /overlap/);
  // r3 leaving the image.
  await refuses([edit({ ...PASTE, x: 4, y: 50 })], /reaches outside the 120×100 image/);
  // Another image's insertion; a replaced nucleus the image lacks; a stale type.
  const other = edit(PASTE);
  other.insertion.target.image = 'elsewhere';
  await refuses([other], /targets image "elsewhere"/);
  await refuses([edit({ ...REPLACE_2, replacedId: 99 })], /replaced nucleus 99 is not in the image/);
  const stale = edit(REPLACE_2);
  stale.insertion.target.replacedType = 1;
  await refuses([stale], /has type 4, the manifest says 1/);
  // A donor cut that is not the manifest's.
  const wrong = edit(PASTE);
  wrong.donor = cutDonor(DONORS, 4, { flipH: true, flipV: false, rotation: 0 });
  await refuses([wrong], /does not match/);
  assert.equal(inp.calls.length, 0, 'nothing is inpainted before the checks pass');
});

test('no edits: the sample comes back as it was', async () => {
  const { sample, applied } = await renderProgressive(TARGET, [], direct(meanEngine()));
  assert.equal(sample, TARGET);
  assert.deepEqual(applied, []);
});

test('a neighbour the new nucleus cuts in two keeps its larger piece; every instance is one 4-connected piece', async () => {
  // A long thin nucleus (id 5) across the place the round donor 4 goes: r0 cuts it in two.
  const target = makeSample('target', W, H, [
    { id: 5, type: 3, cx: 60, cy: 50, rx: 16, ry: 1.5, rgb: [90, 45, 120] },
    { id: 6, type: 2, cx: 20, cy: 20, rx: 4, ry: 4, rgb: [50, 20, 90] },
  ]);
  const e = edit({ index: 0, kind: 'background', x: 58, y: 50, donorId: 4 });
  const rendered = await renderProgressive(target, [e], direct(meanEngine()));
  const pieces = (s: Sample) => keepLargestPieces(s.labels).cleared;
  const newId = rendered.applied[0].newId;
  // The renderer alone leaves the neighbour in two pieces…
  const cut = [...pieces(rendered.sample).keys()];
  assert.equal(cut.length, 1, 'the neighbour is split');
  assert.notEqual(cut[0], newId);
  // …the render loop keeps the larger one, and counts it.
  const fixed = onePiecePerInstance(rendered);
  assert.equal(pieces(fixed.sample).size, 0);
  assert.deepEqual(fixed.trimmed, { instances: 1, pixels: pieces(rendered.sample).get(cut[0]) });
  assert.equal(fixed.sample.labels.ids.length, rendered.sample.labels.ids.length, 'no instance disappears');
  assert.deepEqual(fixed.sample.image.data, rendered.sample.image.data, 'pixels are not touched');
  assert.equal(fixed.sample.stored, undefined);
});

test('a neighbour left in two pieces wholly outside the edit box (CutMix cut through its middle) keeps its larger piece too', () => {
  // A bar, id 1, along row 5 from x = 1 to 9; the edit (box x 4..6, rows 3..8) cleared its pixels at x 4 and 5.
  const W0 = 12;
  const inst = new Int32Array(W0 * 10);
  for (let x = 1; x <= 9; x++) if (x !== 4 && x !== 5) inst[5 * W0 + x] = 1;
  inst[1 * W0 + 10] = 2; // another nucleus, far from the box
  const labels = labelsFromMap(createInstanceMap(W0, 10, inst), () => 3);
  const sample: Sample = { name: 'cut', image: createImage(W0, 10), labels };
  const edit: AppliedEdit = { index: 0, kind: 'background', newId: 2, type: 1, area: 1, offset: [4, 3], bbox: [4, 3, 6, 8], layers: new Uint8Array(10), coveredPixels: 2, clippedIds: [1], vanishedIds: [], vanishedTypes: [] };
  assert.equal(keepLargestPieces(labels).cleared.size, 1, 'split to begin with');
  const fixed = onePiecePerInstance({ sample, applied: [edit] });
  assert.deepEqual(fixed.trimmed, { instances: 1, pixels: 3 });
  assert.equal(keepLargestPieces(fixed.sample.labels).cleared.size, 0);
  // The larger piece (x 6..9) stays; the smaller (x 1..3) is cleared.
  const row = Array.from(fixed.sample.labels.inst.data.subarray(5 * W0, 6 * W0));
  assert.deepEqual(row, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0]);
});

test("an engine that sees nuclei gets the paper's conditioning: nuclei known, the contour pasted as it is, only the ring inpainted", async () => {
  const inp = meanEngine();
  const e = edit(REPLACE_2);
  const { sample } = await renderProgressive(TARGET, [e], direct(inp), { nuclei: 'visible' });
  const l = expectedLayers(e, TARGET);
  const inst = TARGET.labels.inst.data;
  const isOther = (p: number): boolean => inst[p] !== 0 && inst[p] !== 2;
  // Stage 1 masks the hole alone (nucleus 7 beside it stays known); stage 2 the ring alone.
  let hole = 0;
  let ring = 0;
  for (let p = 0; p < W * H; p++) {
    if (l.hole[p]) hole++;
    if (l.r3[p] && !l.r1[p]) ring++;
  }
  assert.equal(inp.calls.length, 2);
  assert.equal(inp.calls[0][0].mask.reduce((a, v) => a + (v ? 1 : 0), 0), hole);
  assert.equal(inp.calls[1][0].mask.reduce((a, v) => a + (v ? 1 : 0), 0), ring);
  // The contour is the donor's own, byte for byte, wherever no other nucleus is; nucleus 7 keeps its pixels.
  const ox = Math.round(e.insertion.target.x - e.donor.cx);
  const oy = Math.round(e.insertion.target.y - e.donor.cy);
  let contour = 0;
  for (let p = 0; p < W * H; p++) {
    const x = p % W;
    const y = (p - x) / W;
    if (isOther(p) && !l.r0[p]) {
      for (let c = 0; c < 3; c++) assert.equal(sample.image.data[3 * p + c], TARGET.image.data[3 * p + c], `neighbour pixel ${x},${y}`);
      continue;
    }
    if (!l.r1[p] || l.r0[p]) continue;
    const s = (y - oy) * e.donor.rgb.width + x - ox;
    for (let c = 0; c < 3; c++) assert.equal(sample.image.data[3 * p + c], e.donor.rgb.data[3 * s + c], `contour pixel ${x},${y}`);
    contour++;
  }
  assert.ok(contour > 20);
});

test('inward staging inpaints the boundary again: a third batch masking the contour and the next layer, the nucleus known', async () => {
  for (const nuclei of ['visible', 'hidden'] as const) {
    const inp = meanEngine();
    const e = edit(PASTE);
    const paper = await renderProgressive(TARGET, [e], direct(meanEngine()), { nuclei });
    const { sample } = await renderProgressive(TARGET, [e], direct(inp), { nuclei, staging: 'inward' });
    assert.equal(inp.calls.length, 2, 'a paste: stage 2, then the boundary');
    const l = expectedLayers(e, TARGET);
    const r2 = dilationRings(l.r1, W, H, 1)[1];
    let boundary = 0;
    let r0 = 0;
    for (let p = 0; p < W * H; p++) {
      if (r2[p] && !l.r0[p]) boundary++;
      if (l.r0[p]) r0++;
    }
    const masked = inp.calls[1][0].mask.reduce((a, v) => a + (v ? 1 : 0), 0);
    // Seen, the nucleus is known; hidden, it is masked too (and never written back).
    assert.equal(masked, nuclei === 'visible' ? boundary : boundary + r0, nuclei);
    const out = sample.image.data;
    for (let p = 0; p < W * H; p++) {
      const same = [0, 1, 2].every((c) => out[3 * p + c] === paper.sample.image.data[3 * p + c]);
      if (!r2[p] || l.r0[p]) assert.ok(same, `only the boundary changes (${nuclei}, pixel ${p % W},${Math.floor(p / W)})`);
    }
    assert.deepEqual(sample.labels, paper.sample.labels, 'labels as the paper staging');
  }
});

test('the seam blur: r0\'s outer layer, the contour and the next layer become (1 − w)·v + w·(v ∗ binomial); nothing else moves', async () => {
  const edits = [edit(REPLACE_2), edit(PASTE)];
  const sharp = await renderProgressive(TARGET, edits, direct(meanEngine()));
  const soft = await renderProgressive(TARGET, edits, direct(meanEngine()), { edgeBlur: 0.5 });
  assert.deepEqual(soft.sample.labels, sharp.sample.labels, 'labels unchanged');
  const inst = TARGET.labels.inst.data;
  const band = new Uint8Array(W * H);
  const r0All = new Uint8Array(W * H);
  const layers = edits.map((e) => expectedLayers(e, TARGET));
  for (const l of layers) for (let p = 0; p < W * H; p++) if (l.r0[p]) r0All[p] = 1;
  for (const l of layers) {
    const r2 = dilationRings(l.r1, W, H, 1)[1];
    for (let p = 0; p < W * H; p++) {
      const outer = l.r0[p] === 1 && (!r0All[p - 1] || !r0All[p + 1] || !r0All[p - W] || !r0All[p + W]);
      if ((outer || (r2[p] && !l.r0[p])) && (inst[p] === 0 || inst[p] === 2 || l.r0[p])) band[p] = 1;
    }
  }
  const K = [1, 2, 1, 2, 4, 2, 1, 2, 1];
  const a = sharp.sample.image.data;
  const b = soft.sample.image.data;
  let changed = 0;
  for (let p = 0; p < W * H; p++) {
    const x = p % W;
    const y = (p - x) / W;
    for (let c = 0; c < 3; c++) {
      if (!band[p]) {
        assert.equal(b[3 * p + c], a[3 * p + c], `pixel ${x},${y} off the band`);
        continue;
      }
      let s = 0;
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += K[k++] * a[3 * ((y + dy) * W + x + dx) + c];
      assert.equal(b[3 * p + c], Math.round(0.5 * a[3 * p + c] + (0.5 * s) / 16), `band pixel ${x},${y}`);
      if (b[3 * p + c] !== a[3 * p + c]) changed++;
    }
  }
  assert.ok(changed > 100, `${changed} band values changed`);
  // An engine that sees nuclei makes its own edge: no blur.
  const seen = await renderProgressive(TARGET, edits, direct(meanEngine()), { nuclei: 'visible' });
  const seenSoft = await renderProgressive(TARGET, edits, direct(meanEngine()), { nuclei: 'visible', edgeBlur: 0.5 });
  assert.deepEqual(seenSoft.sample.image.data, seen.sample.image.data);
});
