/**
 * Times the classical inpainters on a generated 256×256 H&E tile: a 40-px (diameter) disc hole
 * in the middle (stage 1, erasing a nucleus) and the 2-px transition ring r3 \ r1 around the
 * nucleus nearest the centre (stage 2). Prints ms per inpaint for Telea (16-bit default and
 * cv2's 8-bit) and Navier–Stokes, with the hole-sized window (default) and on the whole crop,
 * plus the one-off OpenCV load time. Usage: node --import tsx bench/inpaint.ts [repeats]
 */
import { dilationRings, instanceMask, instanceStats } from '../src/core/labels.ts';
import type { RgbImage } from '../src/core/raster.ts';
import { inpaintClassical, type ClassicalMethod, type ClassicalOptions } from '../src/inpaint/classical.ts';
import { loadOpenCV } from '../src/inpaint/opencv.ts';
import { generateSample } from '../src/synth/generate.ts';

const repeats = Number(process.argv[2] ?? 200);
const side = 256;

let t0 = performance.now();
const cv = await loadOpenCV();
const loadMs = performance.now() - t0;

const sample = generateSample({ name: 'bench', width: side, height: side, seed: 7 });
const image: RgbImage = sample.image;

const hole = new Uint8Array(side * side);
for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) if ((x - 127.5) ** 2 + (y - 127.5) ** 2 <= 20 * 20) hole[y * side + x] = 1;

// The nucleus whose centroid is nearest the centre; its r3 \ r1 ring.
const stats = instanceStats(sample.labels.inst);
let best = 0;
for (let i = 1; i < stats.ids.length; i++) {
  const d = (j: number): number => (stats.centroids[2 * j] - side / 2) ** 2 + (stats.centroids[2 * j + 1] - side / 2) ** 2;
  if (d(i) < d(best)) best = i;
}
const rings = dilationRings(instanceMask(sample.labels.inst, stats.ids[best]), side, side, 3);
const ring = rings[3].map((v, p) => (v && !rings[1][p] ? 1 : 0));
const count = (m: Uint8Array): number => m.reduce((s, v) => s + v, 0);

function time(mask: Uint8Array, method: ClassicalMethod, options: ClassicalOptions): number {
  const job = { image, mask };
  for (let i = 0; i < 5; i++) inpaintClassical(cv, job, method, options);
  const start = performance.now();
  for (let i = 0; i < repeats; i++) inpaintClassical(cv, job, method, options);
  return (performance.now() - start) / repeats;
}

console.log(`OpenCV ${cv.getBuildInformation().match(/OpenCV (\S+)/)?.[1] ?? '?'} wasm load + init: ${loadMs.toFixed(0)} ms (once per process)`);
console.log(`256×256 crop; hole: 40-px disc (${count(hole)} px); ring: r3∖r1 around a ${stats.areas[best]}-px nucleus (${count(ring)} px); radius 3; ${repeats} repeats\n`);
const configs: [string, ClassicalMethod, ClassicalOptions][] = [
  ['telea (16-bit, default)', 'telea', {}],
  ['telea (8-bit, = cv2)', 'telea', { teleaDepth: 8 }],
  ['ns', 'ns', {}],
];
console.log('method                    hole window  hole whole   ring window  ring whole   (ms per inpaint)');
for (const [label, method, options] of configs) {
  const cells = [
    time(hole, method, options),
    time(hole, method, { ...options, cropToHole: false }),
    time(ring, method, options),
    time(ring, method, { ...options, cropToHole: false }),
  ];
  console.log(`${label.padEnd(25)} ${cells.map((ms) => ms.toFixed(2).padStart(11)).join('  ')}`);
}
