import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseMethods } from '../../src/cli/compare.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { compareMethods, CONTROL_DIR, type Comparison } from '../../src/report/compare.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';
import { reportData, sampleDataset } from './fixtures.ts';

describe('nucleimix compare', { timeout: 900_000 }, () => {
  const tmp = tempFolders('nucleimix-compare-');
  let dataset: Dataset;
  let c: Comparison & { out: string };
  const request = { rareTypes: [2], k: 12, seed: 4, borderMargin: 20 };

  before(async () => {
    dataset = await sampleDataset(join(tmp.root(), 'input'));
    c = await compareMethods(dataset, request, join(tmp.root(), 'cmp'), { methods: ['copypaste', 'cutmix'], figureRows: 3 });
  });

  it('runs each method into its own folder with the same request, and tables their counts', async () => {
    assert.deepEqual(c.methods.map((m) => m.name), ['copypaste', 'cutmix']);
    for (const m of c.methods) {
      const stats = JSON.parse(await readFile(join(c.out, m.dir, 'stats.json'), 'utf8'));
      const manifest = JSON.parse(await readFile(join(c.out, m.dir, 'manifest.json'), 'utf8'));
      assert.equal(manifest.method, m.name);
      assert.equal(manifest.seed, request.seed);
      assert.deepEqual(m.after, stats.counts.after);
      assert.deepEqual(c.before, stats.counts.before);
      assert.equal(m.inserted[2], request.k);
      assert.ok(m.timings.render > 0 && m.timings.realism > 0 && m.timings.report > 0, JSON.stringify(m.timings));
      // Each method's own report, with its realism figures and a link back.
      const page = await readFile(join(c.out, m.dir, 'report', 'index.html'), 'utf8');
      assert.match(page, /href="\.\.\/\.\.\/index\.html"/);
      assert.match(page, new RegExp(`<td>inflammatory \\(2\\)</td><td class="n">${m.realism!.types[0].auc.toFixed(3)} \\[`));
      assert.equal((await reportData(join(c.out, m.dir, 'report', 'index.html'))).items.length, manifest.insertions.length);
    }
    const page = await readFile(join(c.out, 'index.html'), 'utf8');
    const after = c.methods[0].after[2];
    assert.match(page, new RegExp(`<tr><td>inflammatory \\(2\\)</td><td class="n">${c.before[2]}</td><td class="n">${after} <span class="muted">\\(\\+${after - c.before[2]}\\)</span></td>`));
    assert.deepEqual(JSON.parse(await readFile(join(c.out, 'compare.json'), 'utf8')), JSON.parse(JSON.stringify({ ...c, out: undefined })));
  });

  it('measures the realism of each, beside the null and the unblended random paste', async () => {
    for (const run of [...c.methods, c.control!]) {
      assert.equal(run.realismError, undefined, run.name);
      const t = run.realism!.types[0];
      assert.equal(t.type, 2);
      for (const e of [{ auc: t.auc, ci: t.ci }, t.seam, t.context, t.null]) assert.ok(e.ci[0] <= e.auc && e.auc <= e.ci[1] && e.ci[0] >= 0 && e.ci[1] <= 1, JSON.stringify(e));
      const written = JSON.parse(await readFile(join(c.out, run.dir, 'realism.json'), 'utf8'));
      assert.equal(written.auc, t.auc);
    }
    assert.equal(c.control!.name, CONTROL_DIR);
    assert.equal(c.control!.inserted[2], request.k);
    // Pasted pixel for pixel, anywhere: told apart almost always, even on these small samples.
    assert.ok(c.control!.realism!.types[0].auc > 0.9, String(c.control!.realism!.types[0].auc));
    const page = await readFile(join(c.out, 'index.html'), 'utf8');
    assert.match(page, /the null \(real against real\) ranges 0\.\d{3}–0\.\d{3}/);
    assert.match(page, /<svg class="chart intervals"/);
  });

  it('shows the same windows as each method left them, side by side', async () => {
    const f = c.figure;
    assert.deepEqual(f.columns, ['input', 'copypaste', 'cutmix']);
    assert.ok(f.rows.length >= 1 && f.rows.length <= 3);
    for (const r of f.rows) {
      assert.equal(r.cells.length, 3);
      assert.ok(r.methods.length >= 1);
      for (const cell of r.cells) assert.ok((await stat(join(c.out, cell.file))).size > 0);
      // A method that inserted into the window has its new nuclei outlined there.
      r.cells.slice(1).forEach((cell, j) => {
        if (r.methods.includes(f.columns[j + 1])) assert.ok(cell.now.length > 0, `${r.image}: ${f.columns[j + 1]}`);
      });
    }
  });

  it('refuses bad method lists and outputs before any work', async () => {
    assert.deepEqual(parseMethods('all'), ['nucleimix', 'cutmix', 'copypaste', 'gradmix', 'insmix']);
    assert.deepEqual(parseMethods('gradmix, cutmix,gradmix'), ['gradmix', 'cutmix']);
    assert.throws(() => parseMethods('mixup'), (e: unknown) => e instanceof NucleiMixError && /--methods: expected 'all' or names from/.test(e.message));
    await rejectsNucleiMix(compareMethods(dataset, request, join(dataset.root, 'cmp')), /refusing to write the output into or over the input dataset/);
    await rejectsNucleiMix(compareMethods(dataset, request, c.out), /already exists/);
  });
});
