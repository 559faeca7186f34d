/**
 * Reads and writes a CoNSeP-format dataset (default: the real CoNSeP training split), prints
 * images/s and MB/s for each direction, and checks that the written copy reads back with
 * every array identical. Usage: npm run bench:io [-- <dataset>]
 * Target (issue 2): reading the 27 CoNSeP images with labels in under 3 s on 2 cores.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatByName } from '../src/io/formats.ts';
import { openDataset } from '../src/io/open.ts';
import type { Sample } from '../src/io/dataset.ts';
import { writeDataset } from '../src/io/write.ts';

const root = process.argv[2] ?? '../shared/data/consep-train';

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))).size;
  }
  return total;
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSample(a: Sample, b: Sample): boolean {
  return (
    sameArray(a.image.data, b.image.data) &&
    sameArray(a.labels.inst.data, b.labels.inst.data) &&
    sameArray(a.labels.ids, b.labels.ids) &&
    sameArray(a.labels.types, b.labels.types) &&
    sameArray(a.labels.centroids, b.labels.centroids)
  );
}

const dataset = await openDataset(root);
const bytesIn = await folderBytes(dataset.root);

let t0 = performance.now();
const samples = await Promise.all(dataset.names.map((n) => dataset.read(n)));
const readS = (performance.now() - t0) / 1000;

const out = join(await mkdtemp(join(tmpdir(), 'nucleimix-bench-')), 'copy');
const byName = new Map(samples.map((s) => [s.name, s]));
t0 = performance.now();
await writeDataset(out, formatByName(dataset.format)!, { ...dataset, read: async (n) => byName.get(n)! });
const writeS = (performance.now() - t0) / 1000;
const bytesOut = await folderBytes(out);

const copy = await openDataset(out);
let exact = 0;
for (const s of samples) if (sameSample(s, await copy.read(s.name))) exact++;
await rm(join(out, '..'), { recursive: true, force: true });

const n = samples.length;
const mb = (b: number) => b / 1e6;
console.log(`dataset: ${dataset.root} (${dataset.format}, ${n} images, ${mb(bytesIn).toFixed(1)} MB on disk)`);
console.log(`read : ${readS.toFixed(2)} s  ${(n / readS).toFixed(1)} images/s  ${(mb(bytesIn) / readS).toFixed(1)} MB/s (files)  target < 3 s: ${readS < 3 ? 'met' : 'MISSED'}`);
console.log(`write: ${writeS.toFixed(2)} s  ${(n / writeS).toFixed(1)} images/s  ${(mb(bytesOut) / writeS).toFixed(1)} MB/s (files)`);
console.log(`round trip: ${exact}/${n} images identical (pixels, instance map, ids, types, centroids)`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
