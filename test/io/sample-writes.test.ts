import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import { labelsFromMap } from '../../src/core/labels.ts';
import type { Sample, SampleSource } from '../../src/io/dataset.ts';
import { WRITES_IN_FLIGHT, writeEachSample } from '../../src/io/sample-writes.ts';

function source(names: string[], failRead?: string): SampleSource {
  return {
    classes: [{ id: 1, name: 'a' }],
    names,
    read: async (name): Promise<Sample> => {
      if (name === failRead) throw new Error(`cannot read ${name}`);
      return { name, image: createImage(2, 2), labels: labelsFromMap(createInstanceMap(2, 2), () => 1) };
    },
  };
}

test('writeEachSample writes every sample in order, at most WRITES_IN_FLIGHT at once', async () => {
  const started: string[] = [];
  let running = 0;
  let most = 0;
  await writeEachSample(source(['a', 'b', 'c', 'd', 'e']), async (sample, name) => {
    assert.equal(sample.name, name);
    started.push(name);
    most = Math.max(most, ++running);
    await sleep(5);
    running--;
  });
  assert.deepEqual(started, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(most, WRITES_IN_FLIGHT);
});

test('writeEachSample fails with the first error, of a write or a read, only once no write runs', async () => {
  let running = 0;
  const slowOthers = async (sample: Sample): Promise<void> => {
    running++;
    await sleep(sample.name === 'a' ? 1 : 40);
    running--;
    if (sample.name === 'a') throw new Error('disk full writing a');
  };
  await assert.rejects(
    writeEachSample(source(['a', 'b', 'c', 'd']), slowOthers).finally(() => assert.equal(running, 0, 'no write still running')),
    /disk full writing a/,
  );
  const written: string[] = [];
  await assert.rejects(
    writeEachSample(source(['a', 'b', 'c'], 'b'), async (_s, name) => {
      running++;
      await sleep(20);
      written.push(name);
      running--;
    }).finally(() => assert.equal(running, 0)),
    /cannot read b/,
  );
  assert.deepEqual(written, ['a'], 'what was being written finished; nothing after the failed read started');
});
