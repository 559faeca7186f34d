import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { instanceStats } from '../../src/core/labels.ts';
import { lizard } from '../../src/io/lizard.ts';
import { readMatFile, toRowMajor2D, writeMatFile, type MatArray } from '../../src/io/mat-file.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { generateDataset } from '../../src/synth/generate.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';

let tmp: string;
let root: string;
const synth = generateDataset({ images: 2, width: 144, height: 160, seed: 8 });

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-lizard-'));
  root = await writeDataset(join(tmp, 'lizard'), lizard, synth);
});
after(() => rm(tmp, { recursive: true, force: true }));

test('Lizard files hold id, class, bbox (y1, y2, x1, x2) and centroid (x, y) rows', async () => {
  const mat = await readMatFile(join(root, 'Labels', 'synth_1.mat'));
  const get = (n: string) => toRowMajor2D(mat.variables.find((v) => v.name === n) as MatArray);
  const s = await synth.read('synth_1');
  const stats = instanceStats(s.labels.inst);
  const n = s.labels.ids.length;
  assert.deepEqual(Array.from(get('id').data), Array.from(s.labels.ids));
  assert.deepEqual(Array.from(get('class').data), Array.from(s.labels.types));
  const bbox = get('bbox');
  assert.deepEqual([bbox.rows, bbox.cols], [n, 4]);
  for (let i = 0; i < n; i++) {
    const [x0, y0, x1, y1] = stats.bboxes.subarray(4 * i, 4 * i + 4);
    assert.deepEqual(Array.from(bbox.data.subarray(4 * i, 4 * i + 4)), [y0, y1, x0, x1]);
  }
  assert.deepEqual(Array.from(get('centroid').data), Array.from(s.labels.centroids));
});

test('Lizard round trip is exact, and stored rows keep their order and boxes', async () => {
  const ds = await openDataset(root);
  assert.equal(ds.format, 'lizard');
  // Reverse the row order of one file: rows are matched by id, and rewriting keeps the order.
  const file = join(root, 'Labels', 'synth_2.mat');
  const mat = await readMatFile(file);
  for (const v of mat.variables) {
    if (v.kind !== 'array' || v.name === 'inst_map') continue;
    const m = toRowMajor2D(v);
    const rev = new Float64Array(m.data.length);
    for (let r = 0; r < m.rows; r++) rev.set(m.data.subarray((m.rows - 1 - r) * m.cols, (m.rows - r) * m.cols), r * m.cols);
    const col = new Float64Array(rev.length);
    for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) col[c * m.rows + r] = rev[r * m.cols + c];
    Object.assign(v, { class: 'double', data: col, storage: undefined });
  }
  await writeMatFile(file, mat);
  const reread = await openDataset(root);
  const a = await reread.read('synth_2');
  const b = await synth.read('synth_2');
  assert.deepEqual(a.labels.ids, b.labels.ids);
  assert.deepEqual(a.labels.types, b.labels.types);
  assert.deepEqual(a.labels.centroids, b.labels.centroids);
  const out = await writeDataset(join(tmp, 'copy'), lizard, reread, { inputs: [root] });
  const ids = toRowMajor2D((await readMatFile(join(out, 'Labels', 'synth_2.mat'))).variables.find((v) => v.name === 'id') as MatArray);
  assert.deepEqual(Array.from(ids.data), Array.from(b.labels.ids).reverse());
  const copy = await (await openDataset(out)).read('synth_2');
  assert.ok(Buffer.from(copy.image.data).equals(Buffer.from(b.image.data)));
  assert.deepEqual(copy.labels.inst.data, b.labels.inst.data);
});

test('Lizard: an instance without a row is an error naming the file', async () => {
  const dir = await writeDataset(join(tmp, 'broken'), lizard, synth);
  const file = join(dir, 'Labels', 'synth_1.mat');
  const mat = await readMatFile(file);
  mat.variables = mat.variables.map((v) => {
    if (v.kind !== 'array' || v.name === 'inst_map') return v;
    const m = toRowMajor2D(v);
    const keep = m.rows - 1;
    const col = new Float64Array(keep * m.cols);
    for (let r = 0; r < keep; r++) for (let c = 0; c < m.cols; c++) col[c * keep + r] = m.data[r * m.cols + c];
    return { ...v, class: 'double' as const, dims: [keep, m.cols], data: col, storage: undefined };
  });
  await writeMatFile(file, mat);
  await rejectsNucleiMix((await openDataset(dir)).read('synth_1'), /Labels\/synth_1\.mat: instance \d+ of inst_map has no row in 'id'/);
});
