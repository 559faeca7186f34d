import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { labelsFromMap, type Labels } from '../../src/core/labels.ts';
import { createImage, createInstanceMap, type InstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import type { SampleSource } from '../../src/io/dataset.ts';
import { createEvaluator, evaluate, evaluationCsv, evaluationJson } from '../../src/metrics/evaluate.ts';
import { INSTANCE_KEYS, instanceScores } from '../../src/metrics/instance.ts';
import { intersections } from '../../src/metrics/intersections.ts';
import { numpyMean } from '../../src/metrics/pairwise-sum.ts';
import { mapOf, randomMap, shiftedCopy } from './helpers.ts';

/** Labels with type = 1 + id % 3 and pixel-mean centroids. */
const labels = (m: InstanceMap, typeOf = (id: number) => 1 + (id % 3)): Labels => labelsFromMap(m, typeOf);

function source(entries: [string, Labels][]): SampleSource {
  const byName = new Map(entries);
  return {
    classes: [],
    names: entries.map(([n]) => n),
    read: async (name) => {
      const l = byName.get(name)!;
      return { name, image: createImage(l.inst.width, l.inst.height), labels: l, origin: `${name}.mat` };
    },
  };
}

test('names must match: missing and extra images are listed', async () => {
  const m = labels(mapOf([[1, 0]]));
  const truth = source([['a', m], ['b', m], ['c', m]]);
  const pred = source([['b', m], ['c', m], ['d', m]]);
  await assert.rejects(evaluate(truth, pred), (err: Error) => err instanceof NucleiMixError && /missing from the predictions: 'a'/.test(err.message) && /not in the ground truth: 'd'/.test(err.message));
  await assert.rejects(evaluate(source([]), source([])), NucleiMixError);
});

test('an image whose two maps differ in size is an error naming it', async () => {
  const truth = source([['x', labels(mapOf([[1, 0]]))]]);
  const pred = source([['x', labels(mapOf([[1], [0]]))]]);
  await assert.rejects(evaluate(truth, pred), (err: Error) => err instanceof NucleiMixError && err.message.includes('x.mat') && /2×1/.test(err.message));
});

test('means over images sorted by name, edge cases defined and warned about', async () => {
  const rng = createRng(5);
  const entries: [string, Labels, Labels][] = [];
  for (const name of ['img_b', 'img_a', 'img_c']) {
    const t = randomMap(rng, 30, 30, 12);
    entries.push([name, labels(t), labels(shiftedCopy(rng, t))]);
  }
  const zero = labels(createInstanceMap(4, 3));
  const some = labels(mapOf([
    [1, 1, 0, 0],
    [0, 0, 0, 2],
    [0, 0, 0, 2],
  ]));
  entries.push(['both_empty', zero, zero], ['no_pred', some, zero], ['no_true', zero, some]);
  entries.push(['full', labels(mapOf([[1, 1, 2]])), labels(mapOf([[1, 0, 2]]))]);

  const e = await evaluate(source(entries.map(([n, t]) => [n, t])), source(entries.map(([n, , p]) => [n, p])));
  assert.deepEqual(e.images.map((im) => im.name), ['both_empty', 'full', 'img_a', 'img_b', 'img_c', 'no_pred', 'no_true']);
  const skipped = e.images[0];
  assert.equal(skipped.skipped, true);
  for (const v of Object.values(skipped.scores)) assert.ok(Number.isNaN(v));
  const noPred = e.images.find((im) => im.name === 'no_pred')!;
  assert.deepEqual(noPred.scores, { dice: 0, aji: 0, dq: 0, sq: 0, pq: 0, ajiPlus: 0 });
  assert.ok(e.warnings.some((w) => w.startsWith('both_empty:') && /left out/.test(w)));
  assert.ok(e.warnings.some((w) => w.startsWith('no_pred:') && /AJI reported as 0/.test(w)));
  assert.ok(e.warnings.some((w) => w.startsWith('full: the true map has no background')));
  assert.ok(!e.warnings.some((w) => w.startsWith('img_')));

  // The means are numpy's over the six images that are scored, in name order.
  const byName = new Map(entries.map(([n, t, p]) => [n, instanceScores(intersections(t.inst, p.inst))]));
  for (const k of INSTANCE_KEYS) {
    const values = e.images.filter((im) => !im.skipped).map((im) => byName.get(im.name)![k]);
    assert.equal(e.mean[k], numpyMean(values), k);
  }
  // An image without true instances puts the stand-in's type 0 into the default list.
  assert.deepEqual(e.type.fType.map((f) => f.type), [0, 1, 2, 3]);
  assert.deepEqual(e.mpqTypes, [1, 2, 3]);

  // Adding images in another order gives the same bits.
  const ev = createEvaluator();
  for (const [n, t, p] of [...entries].reverse()) ev.add(n, t, p);
  assert.deepEqual(evaluationJson(ev.result()), evaluationJson(e));
  assert.throws(() => ev.add('img_a', entries[0][1], entries[0][2]), /twice/);
});

test('the JSON contract and the CSV', async () => {
  const t = labels(mapOf([
    [1, 1, 0, 0, 0],
    [1, 1, 0, 2, 2],
  ]));
  const p = labels(mapOf([
    [3, 3, 0, 0, 0],
    [3, 3, 0, 0, 4],
  ]));
  const zero = labels(createInstanceMap(5, 2));
  const e = await evaluate(source([['a,"b"', t], ['z', zero]]), source([['a,"b"', p], ['z', zero]]), { types: [2, 1] });
  const json = JSON.parse(JSON.stringify(evaluationJson(e)));
  const keys = ['dice', 'aji', 'dq', 'sq', 'pq', 'aji_plus'];
  assert.deepEqual(Object.keys(json), ['instance', 'type', 'mpq']);
  assert.deepEqual(Object.keys(json.instance), ['mean', 'per_image']);
  assert.deepEqual(Object.keys(json.instance.mean), keys);
  assert.deepEqual(Object.keys(json.instance.per_image), ['a,"b"', 'z']);
  assert.deepEqual(Object.keys(json.instance.per_image['a,"b"']), keys);
  assert.deepEqual(json.instance.per_image.z, Object.fromEntries(keys.map((k) => [k, null])));
  assert.deepEqual(Object.keys(json.type), ['f_d', 'acc', 'f_type']);
  // Integer-like keys: JSON objects list them in ascending order whatever --types said.
  assert.deepEqual(Object.keys(json.type.f_type), ['1', '2']);
  assert.deepEqual(e.type.fType.map((f) => f.type), [2, 1]);
  // Full precision: the JSON numbers are the computed doubles.
  assert.equal(json.instance.mean.dice, e.mean.dice);
  assert.equal(json.instance.mean.dice, (2 * 5) / (6 + 5));
  assert.equal(json.mpq, e.mpq);

  const csv = evaluationCsv(e).trimEnd().split('\n');
  assert.equal(csv[0], 'image,dice,aji,dq,sq,pq,aji_plus,mpq');
  assert.ok(csv[1].startsWith(`"a,""b""",${e.images[0].scores.dice},`));
  assert.equal(csv[2], 'z,,,,,,,');
  assert.ok(csv[3].startsWith(`mean,${e.mean.dice},`));
});
