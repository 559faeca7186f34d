import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { parseTypeTokens, parseValue, resolveTypeNames } from '../../src/core/options.ts';

const CLASSES = [
  { id: 1, name: 'other' },
  { id: 2, name: 'inflammatory' },
  { id: 3, name: 'Dead cells' },
];

test('type lists take ids and class names (any case), repeats dropped, order kept', () => {
  assert.deepEqual(parseTypeTokens('--rare', '1, other,3'), [1, 'other', 3]);
  assert.deepEqual(parseTypeTokens('--rare', 'Other', ['other']), ['other']);
  assert.deepEqual(resolveTypeNames('--rare', parseTypeTokens('--rare', 'OTHER,2,inflammatory, dead cells'), CLASSES), [1, 2, 3]);
  // A repeated flag accumulates, as --rare 1 --rare 2 always did.
  const spec = { flag: '--rare <types>', type: 'types', default: [], help: '' } as const;
  assert.deepEqual(parseValue(spec, 'inflammatory', parseValue(spec, '1')), [1, 'inflammatory']);
});

test('bad type lists: ids must be positive integers, names must name a class', () => {
  for (const bad of ['0', '-1', '1.5', '1,,2', '']) assert.throws(() => parseTypeTokens('--rare', bad), (e: Error) => e instanceof NucleiMixError && e.message.startsWith('--rare: expected type ids (positive integers) or class names'), bad);
  assert.throws(
    () => resolveTypeNames('--protect', ['others'], CLASSES),
    (e: Error) => e instanceof NucleiMixError && e.message === "--protect: no class is named 'others' (classes: 1 other, 2 inflammatory, 3 Dead cells)",
  );
});
