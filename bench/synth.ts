/**
 * Times the seeded H&E sample generator (src/synth/generate.ts) and prints the figures: ms per
 * tile (median and worst of several seeds) for a few tile sizes, and tiles per second.
 * Usage: npm run bench:synth [-- <runs per size>]
 * Speed lives here rather than in test/ because a busy machine makes wall-time asserts flaky;
 * the target of the former test was a 512² tile in well under a second on an idle core.
 */
import { generateSample } from '../src/synth/generate.ts';

const runs = Math.max(1, Number(process.argv[2] ?? 5));
const sizes: [number, number][] = [
  [256, 256],
  [512, 512],
  [1000, 1000],
];

generateSample({ name: 'warm-up', width: 128, height: 128, seed: 0 });
console.log(`synth generator, ${runs} seeds per size`);
for (const [w, h] of sizes) {
  const ms: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    generateSample({ name: 'x', width: w, height: h, seed: 99 + k });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  console.log(`${w}×${h}: median ${median.toFixed(0)} ms, worst ${ms[ms.length - 1].toFixed(0)} ms, ${(1000 / median).toFixed(2)} tiles/s, ${((w * h) / median / 1000).toFixed(2)} Mpx/s`);
}
