import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { cropReflect } from '../../src/core/crop.ts';
import type { AugmentResult } from '../../src/augment/driver.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { openDataset } from '../../src/io/open.ts';
import { reportAugmented } from '../../src/report/run-command.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';
import { REPORT_PAGE, reportData, reportedRun, sampleDataset } from './fixtures.ts';

async function rawPixels(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('the run report', { timeout: 600_000 }, () => {
  const tmp = tempFolders('nucleimix-report-');
  let dataset: Dataset;
  let run: AugmentResult;

  before(async () => {
    dataset = await sampleDataset(join(tmp.root(), 'input'));
    run = await reportedRun('gradmix', dataset, join(tmp.root(), 'gradmix'), 8);
  });

  it('holds one card per insertion, in manifest order, with crops that are the input and the output', async () => {
    const data = await reportData(REPORT_PAGE(run.out));
    assert.ok(run.manifest.insertions.length >= 6, `${run.manifest.insertions.length} insertions`);
    assert.deepEqual(data.items.map((it) => it.i), run.manifest.insertions.map((ins) => ins.index));
    const after = await openDataset(run.out);
    const crops = await readdir(join(run.out, 'report', 'crops'));
    assert.equal(crops.length, data.items.length);
    for (const it of data.items) {
      const ins = run.manifest.insertions.find((x) => x.index === it.i)!;
      assert.equal(data.images[it.img].name, ins.target.image);
      assert.equal(it.kind, 'major');
      assert.match(it.replaced!, /^#\d+, (epithelial|spindle|other) \(\d\)$/);
      assert.match(it.donor, new RegExp(`^${ins.donor.image} #${ins.donor.id}, inflammatory \\(2\\)$`));
      assert.notEqual(it.now, '', `#${it.i}: the new nucleus is outlined`);
      assert.notEqual(it.was, '', `#${it.i}: the replaced nucleus is outlined`);
      // The strip: the window of the input | 4 px | the same window of the output.
      const png = await rawPixels(join(run.out, 'report', it.crop));
      assert.deepEqual([png.width, png.height], [2 * it.s + 4, it.s]);
      const o = cropReflect((await dataset.read(ins.target.image)).image, it.ox, it.oy, it.s, it.s);
      const a = cropReflect((await after.read(ins.target.image)).image, it.ox, it.oy, it.s, it.s);
      for (let y = 0; y < it.s; y++) {
        assert.ok(png.data.subarray(3 * y * png.width, 3 * (y * png.width + it.s)).equals(Buffer.from(o.data.subarray(3 * y * it.s, 3 * (y + 1) * it.s))), `#${it.i} before, row ${y}`);
        assert.ok(png.data.subarray(3 * (y * png.width + it.s + 4), 3 * (y * png.width + 2 * it.s + 4)).equals(Buffer.from(a.data.subarray(3 * y * it.s, 3 * (y + 1) * it.s))), `#${it.i} after, row ${y}`);
      }
      // The window holds the insertion's centre.
      assert.ok(ins.target.x >= it.ox && ins.target.x < it.ox + it.s && ins.target.y >= it.oy && ins.target.y < it.oy + it.s);
    }
    // One thumbnail per edited image, each listing its insertions.
    assert.equal(data.images.length, run.stats.imagesEdited);
    assert.deepEqual(data.images.flatMap((im) => im.ins).sort((a, b) => a - b), run.manifest.insertions.map((ins) => ins.index).sort((a, b) => a - b));
    for (const im of data.images) assert.ok(Math.max(im.w, im.h) <= 320 && (await sharp(join(run.out, 'report', im.thumb)).metadata()).width === im.w);
  });

  it('shows the counts, parameters and times, fetches nothing from the network, and names the classes', async () => {
    const page = await readFile(REPORT_PAGE(run.out), 'utf8');
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
    // The only URLs are SVG's namespace: nothing is loaded from elsewhere.
    assert.deepEqual([...new Set(page.match(/https?:\/\/[^\s"')]+/g))], ['http://www.w3.org/2000/svg']);
    assert.doesNotMatch(page, /<(link|iframe|object|embed)\b|@import|url\(/);
    assert.match(page, /<svg class="chart counts"/);
    const before = run.stats.counts.before[2];
    const after = run.stats.counts.after[2];
    assert.match(page, new RegExp(`<td>2</td><td>inflammatory</td><td class="n">${before}</td><td class="n">${after}</td><td class="n">\\+${after - before}</td>`));
    assert.match(page, /<th>method<\/th><td>gradmix<\/td>/);
    assert.match(page, /<td>render<\/td><td class="n">\d+\.\d<\/td>/);
    const timings = JSON.parse(await readFile(join(run.out, 'report', 'timings.json'), 'utf8'));
    assert.deepEqual(Object.keys(timings).sort(), Object.keys(run.timings).sort());
    assert.match(page, /Not measured\. Run <code>nucleimix realism/);
  });

  it('`nucleimix report` writes the same report again from the folder, and shows realism.json when there is one', async () => {
    const first = await readFile(REPORT_PAGE(run.out));
    const again = await reportAugmented(run.out, { out: join(tmp.root(), 'again') });
    assert.equal(again.insertions, run.manifest.insertions.length);
    assert.ok((await readFile(join(again.out, 'index.html'))).equals(first), 'same page, times included');
    for (const f of await readdir(join(run.out, 'report', 'crops'))) {
      assert.ok((await readFile(join(again.out, 'crops', f))).equals(await readFile(join(run.out, 'report', 'crops', f))), f);
    }
    const realism = { version: 1, source: 'manifest', seed: 4, types: [{ type: 2, name: 'inflammatory', auc: 0.7312, ci: [0.69, 0.77], seam: { auc: 0.8, ci: [0.75, 0.85] }, context: { auc: 0.6, ci: [0.55, 0.65] }, null: { auc: 0.49, ci: [0.44, 0.54] }, n_inserted: 8, n_real: 30 }], skipped: [] };
    await writeFile(join(run.out, 'realism.json'), JSON.stringify(realism));
    try {
      const inPlace = await reportAugmented(run.out);
      assert.equal(inPlace.out, join(run.out, 'report'));
      const page = await readFile(REPORT_PAGE(run.out), 'utf8');
      assert.match(page, /<td>inflammatory \(2\)<\/td><td class="n">0\.731 \[0\.690, 0\.770\]<\/td><td class="n">0\.800 \[0\.750, 0\.850\]<\/td><td class="n">0\.600 \[0\.550, 0\.650\]<\/td><td class="n">0\.490 \[0\.440, 0\.540\]<\/td>/);
      assert.match(page, /<svg class="chart intervals"/);
    } finally {
      await rm(join(run.out, 'realism.json'));
    }
  });

  it('the same run gives the same report pictures; names from the data are escaped', async () => {
    const root = await tmp.fresh();
    const nasty = await sampleDataset(join(root, 'input'));
    // A class name that would run script if it reached the page unescaped.
    const classes = JSON.parse(await readFile(join(nasty.root, 'classes.json'), 'utf8'));
    classes.classes[1].name = '</script><img src=x onerror=alert(1)>';
    await writeFile(join(nasty.root, 'classes.json'), JSON.stringify(classes));
    const a = await reportedRun('copypaste', await openDataset(nasty.root), join(root, 'a'), 5, 2);
    const b = await reportedRun('copypaste', await openDataset(nasty.root), join(root, 'b'), 5, 2);
    for (const sub of ['crops', 'thumbs']) {
      for (const f of await readdir(join(a.out, 'report', sub))) assert.ok((await readFile(join(a.out, 'report', sub, f))).equals(await readFile(join(b.out, 'report', sub, f))), `${sub}/${f}`);
    }
    const page = await readFile(REPORT_PAGE(a.out), 'utf8');
    assert.doesNotMatch(page, /<img src=x/);
    assert.match(page, /&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.equal((await reportData(REPORT_PAGE(a.out))).classes[2], classes.classes[1].name);
  });

  it('names the problem when the folder is not a run, or the input is not the run\'s', async () => {
    await rejectsNucleiMix(reportAugmented(dataset.root), /manifest\.json: cannot read the manifest/);
    const other = await sampleDataset(join(await tmp.fresh(), 'other'), 9);
    await rejectsNucleiMix(reportAugmented(run.out, { original: other.root, out: join(tmp.root(), 'never') }), /holds other data than the run's input: Images\/synth_1\.png differs/);
    await rejectsNucleiMix(reportAugmented(run.out, { out: join(tmp.root(), 'again') }), /already exists; choose another output folder or pass --overwrite/);
  });
});
