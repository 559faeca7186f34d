import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { CLASS_LISTS } from '../../src/core/classes.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { labelsFromMap } from '../../src/core/labels.ts';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { evalCommand, formatEvaluation, parseTypeList } from '../../src/cli/eval.ts';
import { consep } from '../../src/io/consep.ts';
import type { Sample } from '../../src/io/dataset.ts';
import { createEvaluator, evaluationJson } from '../../src/metrics/evaluate.ts';
import { numpyMean } from '../../src/metrics/pairwise-sum.ts';
import { randomMap, shiftedCopy } from '../metrics/helpers.ts';

test('--types parsing', () => {
  assert.deepEqual(parseTypeList('1,2, 3'), [1, 2, 3]);
  assert.deepEqual(parseTypeList('0'), [0]);
  for (const bad of ['', '1,,2', 'a', '1.5', '-1', '2,2']) assert.throws(() => parseTypeList(bad), NucleiMixError, bad);
  // Class names of the ground truth, any case (issue 13: a class name was refused).
  assert.deepEqual(parseTypeList('Inflammatory, other,4', CLASS_LISTS['consep-merged']), [2, 1, 4]);
  assert.throws(() => parseTypeList('others', CLASS_LISTS['consep-merged']), (e: Error) => e instanceof NucleiMixError && e.message.includes("cannot read 'others'") && e.message.includes('1 other, 2 inflammatory'));
  assert.throws(() => parseTypeList('other,1', CLASS_LISTS['consep-merged']), /lists a type twice/);
});

test('images are listed in natural order (train_2 before train_10); the means sum in the reference order', () => {
  const rng = createRng(3);
  const ev = createEvaluator();
  for (const name of ['train_10', 'train_2', 'train_1', 'train_11']) {
    const t = randomMap(rng, 40, 32, 10);
    const labels = labelsFromMap(t, () => 1);
    const p = labelsFromMap(shiftedCopy(rng, t), () => 1);
    ev.add(name, labels, p);
  }
  const e = ev.result();
  assert.deepEqual(e.images.map((im) => im.name), ['train_1', 'train_2', 'train_10', 'train_11']);
  const report = formatEvaluation(e, CLASS_LISTS['consep-merged']);
  const at = (n: string) => report.indexOf(`${n} `);
  assert.ok(at('train_1') < at('train_2') && at('train_2') < at('train_10') && at('train_10') < at('train_11'), report);
  const byName = new Map(e.images.map((im) => [im.name, im.scores.pq]));
  assert.equal(e.mean.pq, numpyMean(['train_1', 'train_10', 'train_11', 'train_2'].map((n) => byName.get(n)!)));
});

function pairOfSamples(seed: number): { truth: Sample[]; pred: Sample[] } {
  const rng = createRng(seed);
  const truth: Sample[] = [];
  const pred: Sample[] = [];
  for (const name of ['b_img', 'a_img']) {
    const t = randomMap(rng, 40, 32, 14);
    const p = shiftedCopy(rng, t);
    const typeOf = (id: number) => 1 + (id % 4);
    truth.push({ name, image: createImage(40, 32), labels: labelsFromMap(t, typeOf) });
    pred.push({ name, image: createImage(40, 32), labels: labelsFromMap(p, (id) => 1 + ((id * 7) % 4)) });
  }
  return { truth, pred };
}

test('the report lists images, then the means in the reference order, then the type scores', () => {
  const { truth, pred } = pairOfSamples(1);
  const ev = createEvaluator();
  truth.forEach((s, i) => ev.add(s.name, s.labels, pred[i].labels));
  ev.add('empty', labelsFromMap(createInstanceMap(4, 4), () => 1), labelsFromMap(createInstanceMap(4, 4), () => 1));
  const text = formatEvaluation(ev.result(), CLASS_LISTS['consep-merged']);
  const lines = text.split('\n');
  assert.match(lines[0], /^image\s+Dice\s+AJI\s+DQ\s+SQ\s+PQ\s+AJI\+\s+mPQ$/);
  assert.match(lines[1], /^a_img\s+0\.\d{5}/);
  assert.match(lines[3], /^empty\s+-\s+-/);
  assert.match(lines[4], /^mean \(2 images\)/);
  assert.ok(text.indexOf('F_d') < text.indexOf('Acc') && text.indexOf('Acc') < text.indexOf('F_t') && text.indexOf('F_t') < text.indexOf('mPQ '));
  assert.match(text, /^\s*0\s+\(image without nuclei\)/m);
  assert.match(text, /^\s*2\s+inflammatory\s+\d\.\d{5}$/m);
});

test('nucleimix eval on two datasets on disk writes the JSON and CSV it promises', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nucleimix-eval-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { truth, pred } = pairOfSamples(2);
  const write = async (sub: string, samples: Sample[]) => {
    await mkdir(join(dir, sub));
    const byName = new Map(samples.map((s) => [s.name, s]));
    await consep.write(join(dir, sub), { classes: CLASS_LISTS['consep-merged'], names: [...byName.keys()], read: async (n) => byName.get(n)! });
  };
  await write('true', truth);
  await write('pred', pred);
  const program = new Command().exitOverride();
  evalCommand(program);
  const out: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => out.push(args.join(' '));
  try {
    await program.parseAsync(['eval', '--true', join(dir, 'true'), '--pred', join(dir, 'pred'), '--json', join(dir, 'e.json'), '--csv', join(dir, 'e.csv')], { from: 'user' });
  } finally {
    console.log = log;
  }
  // What was written reads back as what the library computes on the same labels.
  const ev = createEvaluator();
  truth.forEach((s, i) => ev.add(s.name, s.labels, pred[i].labels));
  const expected = evaluationJson(ev.result()) as { instance: { mean: Record<string, number> }; type: { f_d: number } };
  const json = JSON.parse(await readFile(join(dir, 'e.json'), 'utf8'));
  assert.deepEqual(Object.keys(json.instance.per_image), ['a_img', 'b_img']);
  assert.deepEqual(json.instance.mean, expected.instance.mean);
  // The written centroids are the pixel means; types identical: the type scores agree too.
  assert.equal(json.type.f_d, expected.type.f_d);
  const csv = (await readFile(join(dir, 'e.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(out.join('\n'), /^mean \(2 images\)/m);

  await assert.rejects(
    program.parseAsync(['eval', '--true', join(dir, 'true'), '--pred', join(dir, 'pred'), '--types', 'x'], { from: 'user' }),
    NucleiMixError,
  );
});
