/**
 * Cost of diffusion inpainting per job, beside the official NucleiMix scheme's.
 *
 * Measures, for the model at models/denoiser/denoiser.onnx (else the tiny test fixture, or
 * the path given): ms per ε forward and ms per inpainting job at batches of 1, 8 and 16 with
 * `steps` DDIM steps (a job = one stage of one insertion: erase or ring), on crops of a
 * generated H&E tile; and model FLOPs per forward, counted from one profiled run
 * (src/inpaint/diffusion/flops.ts).
 *
 * The official scheme, for comparison: NucleiMix runs guided-diffusion's 256×256 ImageNet UNet
 * (openai/guided-diffusion `256x256_diffusion_uncond.pt`: 256 channels, channel_mult
 * (1,1,2,2,4,4), 2 res blocks per level, attention at 32², 16² and 8² with 64-channel heads,
 * res-block up/down-sampling, 6 output channels for the learned σ) over 256² tiles of the
 * whole image, with 250 DDIM steps and MCG (NucleiMix §4.3). Its FLOPs per forward are counted
 * below from that architecture (convolutions, attention matmuls and linears; norms and
 * activations left out, as for our model): 2.24 TFLOP, i.e. 1.12 T multiply-adds, the figure
 * DiT (Peebles & Xie 2023, Table 4) lists for ADM at 256² as "1120 Gflops". An MCG step also
 * back-propagates through the UNet, taken as 2× a forward (the usual estimate for a backward).
 *
 * With `--dataset DIR` it then augments that dataset end to end with the model (NucleiMix,
 * `--rare 1 --k K`, default 600, seed 0, the feature cache of `$NUCLEIMIX_CACHE` or the
 * default) and prints seconds per phase: the issue's CoNSeP `--k 600` figure.
 *
 * Usage: node --import tsx bench/diffusion.ts [model.onnx] [steps=20] [--dataset DIR [--k K]]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { augmentDataset } from '../src/augment/driver.ts';
import { formatTable } from '../src/cli/table.ts';
import { cropCentred } from '../src/core/crop.ts';
import { createImage } from '../src/core/raster.ts';
import { createDiffusionEngine } from '../src/inpaint/diffusion/engine.ts';
import { countFlops } from '../src/inpaint/diffusion/flops.ts';
import { loadDiffusionModel } from '../src/inpaint/diffusion/model-file.ts';
import type { InpaintJob } from '../src/inpaint/engine.ts';
import { openDataset } from '../src/io/open.ts';
import { generateSample } from '../src/synth/generate.ts';

const root = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));
const shipped = root('models/denoiser/denoiser.onnx');
const args = process.argv.slice(2);
function flag(name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}
const datasetRoot = flag('--dataset');
const datasetK = Number(flag('--k') ?? 600);
const modelPath = args[0] ?? (existsSync(shipped) ? shipped : root('test/fixtures/diffusion/tiny-random.onnx'));
const steps = Number(args[1] ?? 20);


/**
 * FLOPs of one forward of guided-diffusion's UNet (Dhariwal & Nichol 2021) at `size`², counted
 * from its architecture: every 3×3 and 1×1 convolution, the attention blocks' qkv and output
 * projections and their QKᵀ and AV products, and the timestep MLP and per-block embeddings.
 */
function admUnetFlops(size: number, ch: number, mult: number[], resBlocks: number, attnRes: number[], headCh: number, outCh: number): number {
  let macs = 0;
  const conv = (cin: number, cout: number, k: number, res: number): void => void (macs += cin * cout * k * k * res * res);
  const embDim = 4 * ch;
  macs += ch * embDim + embDim * embDim; // time embedding MLP
  // A res block: conv3×3 in (at the output resolution when down- or up-sampling), conv3×3 out, 1×1 skip when channels change, emb → scale and shift.
  const resBlock = (cin: number, cout: number, res: number): void => {
    conv(cin, cout, 3, res);
    conv(cout, cout, 3, res);
    if (cin !== cout) conv(cin, cout, 1, res);
    macs += embDim * 2 * cout;
  };
  const attention = (c: number, res: number): void => {
    const n = res * res;
    macs += 3 * c * c * n + c * c * n; // qkv and proj 1×1 convolutions
    macs += 2 * n * n * c; // QKᵀ and AV over all heads (c / headCh heads of headCh channels)
    void headCh;
  };
  let res = size;
  let c = mult[0] * ch;
  conv(3, c, 3, res);
  const skips = [c];
  mult.forEach((m, level) => {
    for (let i = 0; i < resBlocks; i++) {
      resBlock(c, m * ch, res);
      c = m * ch;
      if (attnRes.includes(res)) attention(c, res);
      skips.push(c);
    }
    if (level !== mult.length - 1) {
      res /= 2;
      resBlock(c, c, res);
      skips.push(c);
    }
  });
  resBlock(c, c, res);
  attention(c, res);
  resBlock(c, c, res);
  [...mult].reverse().forEach((m, r) => {
    const level = mult.length - 1 - r;
    for (let i = 0; i <= resBlocks; i++) {
      resBlock(c + skips.pop()!, m * ch, res);
      c = m * ch;
      if (attnRes.includes(res)) attention(c, res);
      if (level > 0 && i === resBlocks) {
        res *= 2;
        resBlock(c, c, res);
      }
    }
  });
  conv(c, outCh, 3, res);
  return 2 * macs;
}

/** FLOPs with an SI prefix, 3 significant digits. */
function g(flops: number): string {
  const units: [number, string][] = [[1e15, 'PFLOP'], [1e12, 'TFLOP'], [1e9, 'GFLOP'], [1e6, 'MFLOP'], [1e3, 'kFLOP']];
  const [scale, unit] = units.find(([u]) => flops >= u) ?? [1, 'FLOP'];
  return `${(flops / scale).toPrecision(3)} ${unit}`;
}

const model = await loadDiffusionModel(modelPath);
const { card } = model;
const S = card.tile;
const flops = await countFlops(modelPath);
const gradFlops = card.gradient !== null ? await countFlops(join(dirname(modelPath), card.gradient)) : 0;

const tile = generateSample({ name: 'bench', width: 512, height: 512, seed: 3 }).image;
const job = (k: number): InpaintJob => {
  const cx = 64 + ((k * 97) % 384);
  const cy = 64 + ((k * 61) % 384);
  const image = createImage(S, S, cropCentred(tile, cx, cy, S, S).data);
  const mask = new Uint8Array(S * S);
  const r = S / 5;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if (Math.hypot(x - S / 2, y - S / 2) <= r) mask[y * S + x] = 1;
  return { image, mask, seed: k };
};

console.log(`model ${modelPath}`);
console.log(`  tile ${S}², conditioning ${card.conditioning}, ${card.parameters ?? '?'} parameters, ${g(flops)} per forward${card.gradient !== null ? `, gradient model ${g(gradFlops)}` : ''}`);
console.log(`  ${steps} DDIM steps, η 0, data consistency on, CPU (${cpus().length} cores, load average ${loadavg()[0].toFixed(1)})\n`);
console.log('batch   ms/forward   ms/forward/job   ms/job (one stage)   ms/insertion (2 stages)');
for (const B of [1, 8, 16]) {
  const jobs = Array.from({ length: B }, (_, k) => job(k));
  const per = 3 * S * S;
  const x = new Float32Array(B * per).map((_, i) => Math.sin(i));
  const cond = { known: new Float32Array(B * per), mask: new Float32Array(B * S * S).fill(1) };
  const t = new Float32Array(B).fill(500);
  await model.eps(x, t, cond);
  const reps = B === 1 ? 10 : 3;
  let t0 = performance.now();
  for (let r = 0; r < reps; r++) await model.eps(x, t, cond);
  const fwd = (performance.now() - t0) / reps;
  const engine = await createDiffusionEngine(modelPath, { steps, batch: B });
  await engine.inpaint(jobs.slice(0, 1));
  t0 = performance.now();
  await engine.inpaint(jobs);
  const total = performance.now() - t0;
  await engine.release();
  console.log(`${String(B).padStart(5)}   ${fwd.toFixed(1).padStart(10)}   ${(fwd / B).toFixed(1).padStart(14)}   ${(total / B).toFixed(0).padStart(18)}   ${((2 * total) / B).toFixed(0).padStart(23)}`);
}
await model.release();

// FLOPs per insertion: two stages (erase, ring), each one job here; the official code runs
// each stage on 256² tiles of the whole image (a 1000² CoNSeP image: 4×4 = 16 tiles).
const adm = admUnetFlops(256, 256, [1, 1, 2, 2, 4, 4], 2, [32, 16, 8], 64, 6);
const officialStep = 3 * adm; // forward + MCG's backward (≈ 2 forwards)
const officialStage = 250 * officialStep;
console.log(`\nFLOPs per insertion (2 stages: erase, then ring)`);
{
  const ours = 2 * steps * (flops + gradFlops);
  console.log(`  ours:     2 × ${steps} steps × ${g(flops + gradFlops)} = ${g(ours)}`);
  console.log(`  official: guided-diffusion 256² UNet ${g(adm)} per forward (counted); ×3 with MCG's backward; 250 DDIM steps`);
  console.log(`            one 256² tile per stage: 2 × 250 × ${g(officialStep)} = ${g(2 * officialStage)}  (${(2 * officialStage / ours).toExponential(2)}× ours)`);
  console.log(`            every tile of a 1000² image per stage (16): ${g(32 * officialStage)}, shared by the image's insertions`);
}

if (datasetRoot !== undefined) {
  const work = await mkdtemp(join(tmpdir(), 'nucleimix-bench-diffusion-'));
  try {
    const t0 = performance.now();
    const dataset = await openDataset(datasetRoot);
    const r = await augmentDataset(dataset, 'nucleimix', { rareTypes: [1], k: datasetK, seed: 0, borderMargin: 30 }, join(work, 'out'), {}, { engine: { name: modelPath, settings: { steps } } });
    const total = (performance.now() - t0) / 1000;
    const t = r.timings;
    console.log(`\n${dataset.root}: NucleiMix --rare 1 --k ${datasetK}, ${steps} DDIM steps (load average ${loadavg()[0].toFixed(1)} at the end)`);
    console.log(
      formatTable(
        ['phase', 'seconds'],
        [...Object.entries(t).map(([phase, s]): [string, string] => [phase, s.toFixed(1)]), ['total', total.toFixed(1)]],
      ),
    );
    console.log(`${r.stats.targets.major} copy-and-replace + ${r.stats.targets.background} copy-and-paste insertions: ${r.stats.targets.major * 2 + r.stats.targets.background} inpainting jobs`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
