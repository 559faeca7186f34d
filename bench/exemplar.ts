/**
 * Times the exemplar engine against Telea on the holes NucleiMix's render makes, on a
 * generated 512×512 H&E tile: for each nucleus away from the border, the stage-1 hole (the
 * nucleus grown by 2 px) and the stage-2 ring (r3 ∖ r1 around it), each cropped as the render
 * crops it (its box plus 24 px) with the other nuclei excluded. Prints ms per fill by hole
 * size (50–600 px and beyond), and how often the exemplar engine had to shrink its patch.
 * Usage: node --import tsx bench/exemplar.ts [patchSize levels iterations searchRadius]
 */
import { dilationRings, instanceMask, instanceStats } from '../src/core/labels.ts';
import { createImage } from '../src/core/raster.ts';
import { inpaintClassical, unknownBox } from '../src/inpaint/classical.ts';
import type { InpaintJob } from '../src/inpaint/engine.ts';
import { exemplarFill, exemplarOptions } from '../src/inpaint/exemplar.ts';
import { loadOpenCV } from '../src/inpaint/opencv.ts';
import { generateSample } from '../src/synth/generate.ts';

const [patchSize, levels, iterations, searchRadius] = process.argv.slice(2).map(Number);
const options = exemplarOptions({ patchSize, levels, iterations, searchRadius });
const side = 512;
const margin = 24;
const cv = await loadOpenCV();
const sample = generateSample({ name: 'bench', width: side, height: side, seed: 11 });
const inst = sample.labels.inst.data;
const stats = instanceStats(sample.labels.inst);

/**
 * The job the render cuts for `hole` (a mask of the whole tile): its box plus the margin,
 * nuclei other than `self` excluded, and `pasted` (the stage-2 donor's r1) too.
 */
function jobOf(hole: Uint8Array, self: number, pasted: Uint8Array | undefined, seed: number): InpaintJob | undefined {
  const box = unknownBox(hole, side, side, 0);
  if (box === undefined) return undefined;
  let { x0, y0, x1, y1 } = box;
  if (x0 < margin || y0 < margin || x1 > side - margin || y1 > side - margin) return undefined;
  x0 -= margin;
  y0 -= margin;
  x1 += margin;
  y1 += margin;
  const w = x1 - x0;
  const h = y1 - y0;
  const image = createImage(w, h);
  const mask = new Uint8Array(w * h);
  const exclude = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = (y + y0) * side + x + x0;
      const s = y * w + x;
      mask[s] = hole[q];
      if (!hole[q]) image.data.set(sample.image.data.subarray(3 * q, 3 * q + 3), 3 * s);
      exclude[s] = !hole[q] && ((inst[q] !== 0 && inst[q] !== self) || (pasted !== undefined && pasted[q])) ? 1 : 0;
    }
  }
  return { image, mask, exclude, seed };
}

const jobs: { kind: string; px: number; job: InpaintJob }[] = [];
stats.ids.forEach((id, i) => {
  const m = instanceMask(sample.labels.inst, id);
  const rings = dilationRings(m, side, side, 3);
  const hole = rings[2].map((v, q) => (v && (inst[q] === 0 || inst[q] === id) ? 1 : 0));
  const ring = rings[3].map((v, q) => (v && !rings[1][q] && inst[q] === 0 ? 1 : 0));
  for (const [kind, mask] of [['hole', hole], ['ring', ring]] as const) {
    const job = jobOf(mask, id, kind === 'ring' ? rings[1] : undefined, i);
    if (job === undefined) continue;
    jobs.push({ kind, px: mask.reduce((a, b) => a + b, 0), job });
  }
});

const buckets = [
  [0, 50],
  [50, 150],
  [150, 300],
  [300, 600],
  [600, Infinity],
];
const t0 = performance.now();
for (const { job } of jobs.slice(0, 5)) inpaintClassical(cv, job, 'telea'); // warm-up
console.log(`exemplar ${JSON.stringify(options)} vs telea (radius 3, 16-bit); ${jobs.length} jobs on a ${side}² generated tile\n`);
console.log('kind  hole px     jobs  telea ms  exemplar ms  ratio  smaller patch');
let telTotal = 0;
let exTotal = 0;
for (const kind of ['hole', 'ring']) {
  for (const [lo, hi] of buckets) {
    const sel = jobs.filter((j) => j.kind === kind && j.px >= lo && j.px < hi);
    if (sel.length === 0) continue;
    let s = performance.now();
    for (const { job } of sel) inpaintClassical(cv, job, 'telea');
    const tel = performance.now() - s;
    s = performance.now();
    let shrunk = 0;
    for (const { job } of sel) if (exemplarFill(job, options).patchSize < options.patchSize) shrunk++;
    const ex = performance.now() - s;
    telTotal += tel;
    exTotal += ex;
    const range = `${lo}–${hi === Infinity ? '' : hi}`.padEnd(10);
    console.log(`${kind}  ${range}  ${String(sel.length).padStart(5)}  ${(tel / sel.length).toFixed(2).padStart(8)}  ${(ex / sel.length).toFixed(2).padStart(11)}  ${(ex / tel).toFixed(2).padStart(5)}  ${shrunk}`);
  }
}
console.log(`\ntotal: telea ${telTotal.toFixed(0)} ms, exemplar ${exTotal.toFixed(0)} ms (${(exTotal / telTotal).toFixed(2)}×); wall ${((performance.now() - t0) / 1000).toFixed(1)} s`);
