import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { instanceStats, labelsFromMap } from '../../src/core/labels.ts';
import { createInstanceMap } from '../../src/core/raster.ts';
import { areasById, insertedInstances, readInsertionPoints } from '../../src/realism/inserted.ts';
import { tempFolders } from '../helpers/temp.ts';

const W = 12;

/** Labels from rows of characters: '.' background, a digit the instance id; `types` per id. */
function labels(rows: string[], types: Record<number, number>) {
  const inst = createInstanceMap(W, rows.length, Int32Array.from(rows.join(''), (c) => (c === '.' ? 0 : Number(c))));
  return labelsFromMap(inst, (id) => types[id]);
}

// Original: nuclei 1 (type 2) and 2 (type 1). Augmented: 1 unchanged; 2 clipped to half by
// 5 (still real: its own pixels); 5 (type 1) new, with a third of its pixels on the old 2;
// 3 new (type 1); 4 new but of type 2.
const original = labels(['11..........', '11....22....', '......22....', '............', '............'], { 1: 2, 2: 1 });
const augmented = labels(['11..........', '11....2555..', '......2555..', '..33......44', '..33......44'], { 1: 2, 2: 1, 3: 1, 4: 2, 5: 1 });

function find(type: number, points?: Parameters<typeof insertedInstances>[5]) {
  return insertedInstances(original, augmented, instanceStats(augmented.inst), areasById(instanceStats(original.inst)), type, points);
}

describe('insertedInstances', () => {
  it('without a manifest, finds the instances of the type that are neither an original nor mostly on one of their type', () => {
    assert.deepEqual(find(1).found.map((f) => f.id), [3, 5]);
    assert.deepEqual(find(2).found.map((f) => f.id), [4]);
  });

  it('with a manifest, finds the new instance at each point (or within 3 px) and counts the missed', () => {
    const pts = [
      { image: 'a', x: 2.5, y: 3.5, rareType: 1, donor: { image: 'b', id: 7 } }, // on nucleus 3
      { image: 'a', x: 5, y: 4, rareType: 1 }, // 2 px from nucleus 3's nearest pixel → 3
      { image: 'a', x: 0.4, y: 0.6, rareType: 1 }, // only nucleus 1, an original of another type
      { image: 'a', x: 10, y: 3, rareType: 2 }, // another type: not this call's
    ];
    const r = find(1, pts);
    assert.deepEqual(r.found.map((f) => f.id), [3]);
    assert.deepEqual(r.found[0].point?.donor, { image: 'b', id: 7 });
    assert.equal(r.missed, 2); // the second claims nucleus 3 again; the third finds nothing new
  });
});

describe('readInsertionPoints', () => {
  const tmp = tempFolders('nucleimix-realism-');

  it('reads targets, types and donors, and is undefined without a manifest', async () => {
    const dir = await tmp.fresh();
    assert.equal(await readInsertionPoints(dir), undefined);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ insertions: [{ rareType: 1, target: { image: 'x', x: 3, y: 4 }, donor: { image: 'y', id: 9, type: 1 } }] }));
    assert.deepEqual(await readInsertionPoints(dir), [{ image: 'x', x: 3, y: 4, rareType: 1, donor: { image: 'y', id: 9 } }]);
  });

  it('names the manifest when a record is incomplete', async () => {
    const dir = await tmp.fresh();
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ insertions: [{ rareType: 1, target: { image: 'x' } }] }));
    await assert.rejects(readInsertionPoints(dir), /manifest\.json: insertion 0 lacks/);
    await writeFile(join(dir, 'manifest.json'), '{');
    await assert.rejects(readInsertionPoints(dir), /manifest\.json: not valid JSON/);
  });
});
