import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PasteInsertion } from '../../src/augment/copypaste.ts';
import { pasteNuclei } from '../../src/augment/paste.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { makeSample } from './fixtures.ts';
import { augmentTo, countTypes, syntheticDataset, type Augmented } from './method-fixtures.ts';

const K = 12;
let tmp: string;
let input: Dataset;
let run: Augmented;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-copypaste-'));
  input = await syntheticDataset(join(tmp, 'input'));
  run = await augmentTo('copypaste', input, join(tmp, 'out'), { k: K, seed: 2 });
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('CopyPaste', () => {
  test('no other instance loses a pixel; the other classes\' counts are unchanged', async () => {
    const before = await countTypes(input);
    const after = await countTypes(run.result);
    assert.deepEqual(after, { ...before, 1: before[1] + K });
    for (const name of input.names) {
      const a = await input.read(name);
      const b = await run.result.read(name);
      // New instances come after the old ones, so every old id and pixel is as read.
      for (let p = 0; p < a.labels.inst.data.length; p++) {
        if (a.labels.inst.data[p] !== 0) assert.equal(b.labels.inst.data[p], a.labels.inst.data[p], `${name}: pixel ${p}`);
      }
      assert.deepEqual(Array.from(b.labels.types.subarray(0, a.labels.types.length)), Array.from(a.labels.types));
    }
    assert.deepEqual(run.stats.vanished, {});
    assert.deepEqual(run.stats.targets, { background: K });
  });

  test('each paste is the donor\'s pixels, unblended, where the manifest says; nothing else changed', async () => {
    const insertions = run.manifest.insertions as PasteInsertion[];
    for (const name of input.names) {
      const a = await input.read(name);
      const b = await run.result.read(name);
      const W = a.image.width;
      const touched = new Uint8Array(W * a.image.height);
      const mine = insertions.filter((i) => i.target.image === name);
      for (const [k, ins] of mine.entries()) {
        const src = await input.read(ins.donor.image);
        const SW = src.image.width;
        const [dx, dy] = ins.offset;
        // Pastes take the ids after the image's own, in insertion order.
        const newId = a.labels.ids.length + k + 1;
        assert.equal(b.labels.types[newId - 1], 1);
        let n = 0;
        let sx = 0;
        let sy = 0;
        for (let p = 0; p < src.labels.inst.data.length; p++) {
          if (src.labels.inst.data[p] !== ins.donor.id) continue;
          const x = (p % SW) + dx;
          const y = Math.floor(p / SW) + dy;
          const q = y * W + x;
          assert.equal(b.labels.inst.data[q], newId);
          for (let c = 0; c < 3; c++) assert.equal(b.image.data[3 * q + c], src.image.data[3 * p + c]);
          touched[q] = 1;
          n++;
          sx += x;
          sy += y;
        }
        let area = 0;
        for (const v of b.labels.inst.data) if (v === newId) area++;
        assert.equal(area, n, 'the new instance is exactly the donor mask');
        assert.ok(Math.abs(sx / n - ins.target.x) < 1e-9 && Math.abs(sy / n - ins.target.y) < 1e-9, 'target x, y = the new centroid');
        assert.ok(ins.target.x >= 20 && ins.target.y >= 20 && ins.target.x <= W - 21 && ins.target.y <= a.image.height - 21);
      }
      for (let q = 0; q < touched.length; q++) {
        if (touched[q]) continue;
        for (let c = 0; c < 3; c++) assert.equal(b.image.data[3 * q + c], a.image.data[3 * q + c]);
        assert.equal(b.labels.inst.data[q], a.labels.inst.data[q]);
      }
    }
  });

  test('a paste that would leave the image is refused with a NucleiMixError', async () => {
    const s = makeSample('s', 40, 30, [{ id: 1, type: 1, cx: 20, cy: 15, rx: 4, ry: 3, rgb: [60, 30, 100] }]);
    await rejectsNucleiMix(pasteNuclei(s, [{ index: 0, donor: { image: 's', id: 1, type: 1 }, dx: 30, dy: 0 }], async () => s), /leaves the 40×30 image/);
    await rejectsNucleiMix(pasteNuclei(s, [{ index: 0, donor: { image: 's', id: 5, type: 1 }, dx: 0, dy: 0 }], async () => s), /no instance 5/);
  });
});
