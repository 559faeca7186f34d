/**
 * Issue 13 defect 9: the default majors (every class that is not rare) include small classes,
 * which replacement can eat. A run warns when a class loses more than `--warn-loss` of its
 * nuclei, and `--protect` keeps types from ever being replaced, for every method that replaces
 * nuclei (NucleiMix, GradMix).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { planAugmentation } from '../../src/augment/driver.ts';
import type { MethodName } from '../../src/augment/method.ts';
import { replaceableTypes } from '../../src/augment/request.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { augmentTo, syntheticDataset } from './method-fixtures.ts';

let tmp: string;
let input: Dataset;
const REPLACING: MethodName[] = ['nucleimix', 'gradmix'];
// NucleiMix with the paper's donor rule: on this set its size-aware default replaces too few type-1 nuclei to warn.
const optionsOf = (m: MethodName) => (m === 'nucleimix' ? { workers: 0, cache: 'none', sizeWeight: 0, maxLeftover: 1_000_000 } : {});

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-protect-'));
  // Generated counts: type 1 (other) 5, type 2 (inflammatory) 16, type 3 59, type 4 47.
  input = await syntheticDataset(join(tmp, 'input'));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('protecting small classes from replacement', () => {
  test('by default a small class is replaced and the run warns; --protect keeps it whole; --warn-loss sets the share', async () => {
    for (const method of REPLACING) {
      const plain = await augmentTo(method, input, join(tmp, `${method}-plain`), { k: 12, seed: 1, rareTypes: [2] }, optionsOf(method));
      const { before: was, after: now } = plain.stats.counts;
      assert.equal(was[1], 5);
      const lost = was[1] - now[1];
      assert.ok(lost > 0.1 * was[1], `${method}: type 1 lost ${lost} of 5 (the situation this is about)`);
      const warning = plain.notes.find((n) => n.startsWith('warning: type 1 (other) lost'));
      assert.ok(warning !== undefined, `${method}: ${plain.notes.join('\n')}`);
      assert.match(warning, new RegExp(`lost ${lost} of its 5 nuclei \\(${((100 * lost) / 5).toFixed(1)} %: ${plain.stats.replaced[1]} replaced, ${plain.stats.vanished[1] ?? 0} covered completely\\); --protect 1 keeps it from being replaced`));

      const kept = await augmentTo(method, input, join(tmp, `${method}-protect`), { k: 12, seed: 1, rareTypes: [2], protectTypes: [1] }, optionsOf(method));
      assert.ok(kept.manifest.insertions.every((ins) => ins.target.replacedType !== 1), `${method}: no type-1 nucleus replaced`);
      assert.equal(kept.stats.replaced[1] ?? 0, 0);
      assert.deepEqual(kept.manifest.options.protectTypes, [1]);
      assert.ok(kept.manifest.insertions.length > 0 && kept.manifest.insertions.some((ins) => ins.target.kind === 'major'), `${method}: other majors still replaced`);
      assert.ok(!kept.notes.some((n) => n.startsWith('warning: type 1 (other) lost')), kept.notes.join('\n'));

      const lenient = await augmentTo(method, input, join(tmp, `${method}-lenient`), { k: 12, seed: 1, rareTypes: [2], warnLoss: 0.5 }, optionsOf(method));
      assert.ok(!lenient.notes.some((n) => n.includes(' lost ')), lenient.notes.join('\n'));
      assert.equal(lenient.manifest.options.warnLoss, 0.5);
    }
  });

  test('the types a method may replace: --major, else every type neither rare nor protected', () => {
    const ids = [1, 2, 3, 4];
    assert.equal(replaceableTypes({ rareTypes: [2], k: 1, seed: 0, borderMargin: 0 }, ids), undefined);
    assert.deepEqual(replaceableTypes({ rareTypes: [2], k: 1, seed: 0, borderMargin: 0, protectTypes: [1] }, ids), [3, 4]);
    assert.deepEqual(replaceableTypes({ rareTypes: [2], k: 1, seed: 0, borderMargin: 0, majorTypes: [3, 4] }, ids), [3, 4]);
  });

  test('bad protections are refused, naming the problem; methods that replace nothing refuse --protect and --major', async () => {
    const plan = (method: MethodName, extra: object) => planAugmentation(input, method, { rareTypes: [2], k: 1, seed: 0, borderMargin: 20, ...extra }, optionsOf(method) as never);
    const refused = async (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: Error) => e instanceof NucleiMixError && re.test(e.message));
    for (const method of REPLACING) {
      await refused(plan(method, { protectTypes: [2] }), /type 2 cannot be both rare and protected/);
      await refused(plan(method, { protectTypes: [3], majorTypes: [3] }), /type 3 cannot be both major and protected/);
      await refused(plan(method, { protectTypes: [9] }), /protected type 9 is not in the class list/);
    }
    for (const method of ['cutmix', 'copypaste', 'insmix'] as const) {
      await refused(plan(method, { protectTypes: [1] }), new RegExp(`--protect applies to methods that replace nuclei \\(nucleimix, gradmix\\); ${method} replaces none`));
      await refused(plan(method, { majorTypes: [1] }), /--major applies to methods that replace nuclei/);
    }
  });
});
