/**
 * Location finding and context features on one large image (issue 13: a 4000×4000 tile ran
 * OpenCV's WebAssembly heap out of memory in the whole-image Telea fill). Builds a side×side
 * image (default 8000) by laying out generated 1000×1000 tiles (4 seeds, repeated; instance ids
 * kept distinct), then finds its nucleus and background locations and describes them with
 * `instances` removal (one nucleus-free fill of the whole image, cluster by cluster, then one
 * 224² patch per location). Prints seconds (wall and CPU) per phase and peak memory: RSS
 * sampled every 100 ms, and the process's maxRSS.
 *
 * Usage: npm run bench:large [-- <side> <every>]   (every: describe every n-th location only;
 * the fill always covers the whole image; default 1, all of them)
 */
import { labelsFromMap } from '../src/core/labels.ts';
import { createImage, createInstanceMap } from '../src/core/raster.ts';
import { createRng } from '../src/core/rng.ts';
import { CLASS_LISTS } from '../src/core/classes.ts';
import { createEngine } from '../src/inpaint/engines.ts';
import type { Sample } from '../src/io/dataset.ts';
import { describeLocations, nucleusFreeImage } from '../src/sampling/context.ts';
import { backgroundLocations, imageNuclei, nucleusLocations } from '../src/sampling/locations.ts';
import { generateSample } from '../src/synth/generate.ts';

const side = Number(process.argv[2] ?? 8000);
const every = Number(process.argv[3] ?? 1);
const TILE = 1000;

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const timer = setInterval(sample, 100);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const rows: string[] = [];
async function phase<T>(name: string, f: () => Promise<T> | T): Promise<T> {
  const w = performance.now();
  const c = process.cpuUsage();
  const r = await f();
  const cu = process.cpuUsage(c);
  sample();
  rows.push(`${name.padEnd(34)} ${((performance.now() - w) / 1000).toFixed(1).padStart(8)} s wall ${((cu.user + cu.system) / 1e6).toFixed(1).padStart(8)} s CPU   RSS now ${mb(process.memoryUsage().rss)}`);
  console.log(rows.at(-1));
  return r;
}

const big: Sample = await phase(`build ${side}×${side} image`, () => {
  const tiles = [1, 2, 3, 4].map((seed) => generateSample({ name: `t${seed}`, width: TILE, height: TILE, seed }));
  const image = createImage(side, side);
  const inst = createInstanceMap(side, side);
  const typeOf = new Map<number, number>();
  let next = 0;
  for (let ty = 0; ty * TILE < side; ty++) {
    for (let tx = 0; tx * TILE < side; tx++) {
      const t = tiles[(ty * 3 + tx) % tiles.length];
      const offset = next;
      t.labels.ids.forEach((id, i) => typeOf.set(offset + id, t.labels.types[i]));
      next += Math.max(0, ...t.labels.ids);
      const w = Math.min(TILE, side - tx * TILE);
      for (let y = 0; y < Math.min(TILE, side - ty * TILE); y++) {
        const to = (ty * TILE + y) * side + tx * TILE;
        image.data.set(t.image.data.subarray(3 * y * TILE, 3 * (y * TILE + w)), 3 * to);
        for (let x = 0; x < w; x++) {
          const v = t.labels.inst.data[y * TILE + x];
          if (v !== 0) inst.data[to + x] = offset + v;
        }
      }
    }
  }
  // A nucleus cut by the image edge keeps the pixels that remain; ids absent are dropped.
  return { name: 'large', image, labels: labelsFromMap(inst, (id) => typeOf.get(id)!) };
});
console.log(`${big.labels.ids.length} nuclei`);

const locations = await phase('locations (nuclei + background)', () => [
  ...nucleusLocations(imageNuclei('large', big.labels), [1]),
  ...backgroundLocations('large', big.image, big.labels, createRng(0).fork('large')),
]);
console.log(`${locations.length} locations (${locations.filter((l) => l.kind === 'background').length} background)`);

const engine = await createEngine('telea', { radius: 3, teleaDepth: 8 });
await phase('nucleus-free fill (whole image)', () => nucleusFreeImage(big, engine));
const subset = locations.filter((_, i) => i % every === 0);
const types = CLASS_LISTS['consep-merged'].map((c) => c.id);
await phase(`context features (${subset.length} patches, own fill incl.)`, () => describeLocations(big, subset, types, 'instances', engine));

clearInterval(timer);
console.log(`\npeak RSS sampled: ${mb(peak)}; maxRSS: ${mb(process.resourceUsage().maxRSS * 1024)}`);
