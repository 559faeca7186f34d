/**
 * The remarks every run prints, whatever the method (issue 13, defects 9, 13 and 17): the net
 * gain of each rare type (what k counts), a warning when a class that is not rare lost more
 * than `--warn-loss` of its nuclei, and one when a donor went into one image many times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyManifest, InsertionBase } from '../../src/augment/manifest.ts';
import { DONOR_REUSE_WARNING, planNotes, runNotes } from '../../src/augment/request.ts';

const CLASSES = [
  { id: 1, name: 'other' },
  { id: 2, name: 'inflammatory' },
  { id: 3, name: 'epithelial' },
];

function insertion(index: number, donor: [string, number], target: string, extra: Partial<InsertionBase> = {}): InsertionBase {
  return { index, rareType: 1, target: { image: target, kind: 'major', x: 50, y: 50, replacedId: 7, replacedType: 2 }, donor: { image: donor[0], id: donor[1], type: 1 }, ...extra };
}

function manifest(insertions: InsertionBase[], options: Record<string, unknown> = {}, method = 'nucleimix'): AnyManifest {
  return { version: 2, tool: 'nucleimix', method, dataset: { root: '/d', format: 'consep' }, inputs: {}, seed: 0, rareTypes: [1], k: insertions.length, options: { borderMargin: 30, ...options }, engine: null, planning: {}, insertions };
}

test('the net gain of each rare type is said, and a shortfall of it against the plan is a warning', () => {
  const m = manifest([insertion(0, ['a', 1], 'b'), insertion(1, ['a', 2], 'b'), insertion(2, ['a', 3], 'c')]);
  const fine = runNotes(m, { counts: { before: { 1: 10, 2: 100, 3: 50 }, after: { 1: 13, 2: 97, 3: 50 } }, replaced: { 2: 3 }, vanished: {} }, CLASSES);
  assert.deepEqual(fine, ['net gain per rare type (what k counts): type 1 (other) +3']);
  // One new nucleus covered a rare neighbour completely.
  const short = runNotes(m, { counts: { before: { 1: 10, 2: 100, 3: 50 }, after: { 1: 12, 2: 97, 3: 50 } }, replaced: { 2: 3 }, vanished: { 1: 1 } }, CLASSES);
  assert.ok(short.includes('warning: type 1 (other): net gain +2, 1 less than planned: new nuclei covered that many of the type completely'), short.join('\n'));
  // CutMix-like records say their own planned gain.
  const rects = manifest([insertion(0, ['a', 1], 'b', { gain: { 1: 2 } }), insertion(1, ['a', 2], 'c', { gain: { 1: 1 } })], {}, 'cutmix');
  assert.deepEqual(runNotes(rects, { counts: { before: { 1: 10 }, after: { 1: 13 } }, replaced: {}, vanished: {} }, CLASSES), ['net gain per rare type (what k counts): type 1 (other) +3']);
});

test('a class that is not rare and lost more than --warn-loss of its nuclei is warned about, with --protect when it was replaced', () => {
  const m = manifest(Array.from({ length: 6 }, (_, i) => insertion(i, ['a', i], 'b')));
  const run = { counts: { before: { 1: 10, 2: 27, 3: 200 }, after: { 1: 16, 2: 21, 3: 200 } }, replaced: { 2: 5 }, vanished: { 2: 1 } };
  const notes = runNotes(m, run, CLASSES);
  assert.ok(notes.includes('warning: type 2 (inflammatory) lost 6 of its 27 nuclei (22.2 %: 5 replaced, 1 covered completely); --protect 2 keeps it from being replaced (warned above --warn-loss 0.1)'), notes.join('\n'));
  assert.equal(notes.filter((n) => n.includes(' lost ')).length, 1, 'type 3 lost nothing; the rare type gains');
  assert.ok(!runNotes(manifest(m.insertions, { warnLoss: 0.25 }), run, CLASSES).some((n) => n.includes(' lost ')));
  // Lost only to covering (CutMix's rectangles): no --protect hint, it would not help.
  const covered = runNotes(manifest(m.insertions, {}, 'cutmix'), { ...run, replaced: {}, vanished: { 2: 6 } }, CLASSES).find((n) => n.includes(' lost '))!;
  assert.ok(covered.endsWith('(22.2 %: 0 replaced, 6 covered completely) (warned above --warn-loss 0.1)'), covered);
});

test('a donor pasted many times into one image is warned about, at planning and after rendering', () => {
  const many = Array.from({ length: DONOR_REUSE_WARNING + 2 }, (_, i) => insertion(i, ['train_3', 41], 'train_9'));
  const notes = planNotes(manifest(many));
  assert.deepEqual(notes, [`warning: 1 donor was pasted more than ${DONOR_REUSE_WARNING} times into one image (most: train_3#41 → train_9, ${DONOR_REUSE_WARNING + 2} times): identical nuclei side by side; --max-donor-uses ${DONOR_REUSE_WARNING} caps it`]);
  // Spread over images it is fine.
  assert.deepEqual(planNotes(manifest(many.map((ins, i) => ({ ...ins, target: { ...ins.target, image: `t${i}` } })))), []);
});

test('a shortfall is of the net gain k counts (of rectangles with --count rectangles)', () => {
  const rects = [insertion(0, ['a', 1], 'b', { gain: { 1: 2 } }), insertion(1, ['a', 2], 'c', { gain: { 1: 1 } })];
  // Two rectangles carrying a rare neighbour make a gain of 3: k = 3 is reached, k = 4 is not.
  assert.deepEqual(planNotes({ ...manifest(rects, {}, 'cutmix'), k: 3 }), []);
  assert.deepEqual(planNotes({ ...manifest(rects, {}, 'cutmix'), k: 4 }), ['warning: type 1: only a net gain of 3 fits, short of k = 4 (candidates ran out)']);
  assert.deepEqual(planNotes({ ...manifest(rects, { count: 'rectangles' }, 'cutmix'), k: 3 }), ['warning: type 1: only 2 of 3 insertions fit (candidates ran out)']);
});
