import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureRealism, realismJson } from '../../src/realism/measure.ts';
import { TYPE, badlyPasted, memory, tiles } from './synthetic.ts';

const quick = { repeats: 2, resamples: 400, forest: { trees: 60 } };

describe('measureRealism', { timeout: 600_000 }, () => {
  const original = tiles(1);
  const bad = badlyPasted(original, 45, 2);
  const plain = badlyPasted(original, 45, 2, 0); // no rim: only the unblended seam

  it('finds a pasted nucleus with a bright rim almost every time, by its seam alone too', async () => {
    const r = await measureRealism(original, memory(bad.samples, original.classes), { types: [TYPE], points: bad.points, seed: 3, test: quick });
    const t = r.types[0];
    assert.equal(r.source, 'manifest');
    assert.equal(t.nInserted + t.nMissed, bad.points.length);
    assert.ok(t.nInserted >= 40, `found ${t.nInserted} of ${bad.points.length}`);
    assert.ok(t.overall.auc > 0.95, `AUC ${t.overall.auc}`);
    assert.ok(t.seam.auc > 0.95, `seam ${t.seam.auc}`);
  });

  it('gives two halves of the same real nuclei about 0.5, within the bootstrap interval', async () => {
    const r = await measureRealism(original, memory(plain.samples, original.classes), { types: [TYPE], points: plain.points, seed: 4, test: quick });
    const n = r.types[0].null;
    // With ~130 real nuclei the interval's half-width is ≈ 0.07: 0.5 must lie inside it, give
    // or take the small downward bias of cross-validation on labels without signal.
    assert.ok(n.ci[0] - 0.02 <= 0.5 && 0.5 <= n.ci[1] + 0.02, `null ${n.auc} [${n.ci}]`);
    assert.ok(Math.abs(n.auc - 0.5) < 0.1, `null ${n.auc}`);
  });

  it('finds the same nuclei by comparing labels when there is no manifest', async () => {
    const r = await measureRealism(original, memory(bad.samples, original.classes), { seed: 3, test: quick });
    assert.equal(r.source, 'labels');
    assert.deepEqual(r.types.map((t) => t.type), [TYPE]);
    assert.deepEqual(r.skipped, []);
    // Every paste is a whole new instance on free background, and nothing else changed.
    assert.equal(r.types[0].nInserted, bad.points.length);
    assert.ok(r.types[0].overall.auc > 0.95, `AUC ${r.types[0].overall.auc}`);
  });

  it('gives the same JSON bytes for the same inputs and seed, and other figures for another seed', async () => {
    const run = async (seed: number) => JSON.stringify(realismJson(await measureRealism(original, memory(bad.samples, original.classes), { points: bad.points, seed, test: quick })));
    const a = await run(5);
    assert.equal(await run(5), a);
    assert.notEqual(await run(6), a);
    const json = JSON.parse(a);
    for (const key of ['auc', 'ci', 'seam', 'context', 'null', 'n_inserted', 'n_real']) assert.ok(key in json, `JSON lacks ${key}`);
    assert.equal(json.ci.length, 2);
  });

  it('refuses image sets that differ, and an augmented dataset with nothing inserted', async () => {
    const fewer = memory(bad.samples.slice(1), original.classes);
    await assert.rejects(measureRealism(original, fewer, { test: quick }), /hold different images: only the original has synth_1/);
    await assert.rejects(measureRealism(original, memory(original.samples, original.classes), { test: quick }), /found no inserted nuclei/);
    await assert.rejects(measureRealism(original, memory(bad.samples, original.classes), { types: [1], points: bad.points, test: quick }), /found no inserted nuclei/);
    const few = memory(badlyPasted(original, 4, 7).samples, original.classes);
    await assert.rejects(measureRealism(original, few, { test: quick }), /too few inserted nuclei to test \(type 3: 4\)/);
    await assert.rejects(measureRealism(original, few, { types: [TYPE], test: quick }), /type 3 \(epithelial\): 4 inserted nuclei found; the test needs at least 10/);
  });
});
