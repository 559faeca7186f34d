import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createImage, type RgbImage } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { inpaintClassical } from '../../src/inpaint/classical.ts';
import type { InpaintJob } from '../../src/inpaint/engine.ts';
import { createEngine, engineNames } from '../../src/inpaint/engines.ts';
import { exemplarFill, exemplarOptions, inpaintExemplar, EXEMPLAR_OPTIONS } from '../../src/inpaint/exemplar.ts';
import { loadOpenCV } from '../../src/inpaint/opencv.ts';
import { EXCLUDED, HOLE, holeThickness, KNOWN, synthesize } from '../../src/inpaint/patch-synthesis.ts';
import { openDataset } from '../../src/io/open.ts';
import { augmentTo, syntheticDataset } from '../augment/method-fixtures.ts';
import { discMask, imageOf } from '../helpers/rasters.ts';

/** H&E-like texture: smooth pink ramps plus seeded grain, different in each channel. */
function texturedImage(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  return imageOf(width, height, (x, y) => [
    180 + Math.floor(x / 4) + Math.floor(30 * rng.next()),
    90 + Math.floor(y / 4) + Math.floor(40 * rng.next()),
    Math.floor(160 + 30 * Math.sin((x + 2 * y) / 5) + 10 * rng.next()),
  ]);
}

/** A copy with every unknown pixel set to `value`, so a fill that keeps them shows. */
function scribble(img: RgbImage, mask: Uint8Array, value = 250): RgbImage {
  const out = createImage(img.width, img.height, img.data.slice());
  for (let p = 0; p < mask.length; p++) if (mask[p]) out.data.fill(value, 3 * p, 3 * p + 3);
  return out;
}

const rgbKey = (d: Uint8Array, p: number): number => (d[3 * p] << 16) | (d[3 * p + 1] << 8) | d[3 * p + 2];

describe('exemplar inpainting', () => {
  const W = 96;
  const H = 80;
  const image = texturedImage(W, H, 3);
  const mask = discMask(W, H, 48, 40, 11);
  // Two "nuclei" that must never be copied: one cutting into the hole's rim, one further off.
  const exclude = discMask(W, H, 60, 34, 7).map((v, i) => (v && !mask[i] ? 1 : 0));
  for (const [i, v] of discMask(W, H, 22, 60, 8).entries()) if (v) exclude[i] = 1;
  const job: InpaintJob = { image: scribble(image, mask), mask, exclude, seed: 5 };

  test('keeps every known pixel, excluded ones too, and fills every unknown one', () => {
    const out = inpaintExemplar(job);
    assert.equal(out.width, W);
    assert.equal(out.height, H);
    let changed = 0;
    for (let p = 0; p < W * H; p++) {
      for (let c = 0; c < 3; c++) {
        if (!mask[p] && out.data[3 * p + c] !== job.image.data[3 * p + c]) assert.fail(`known pixel ${p} channel ${c} changed`);
      }
      if (mask[p] && rgbKey(out.data, p) !== rgbKey(job.image.data, p)) changed++;
    }
    const holePixels = mask.reduce((a, b) => a + b, 0);
    assert.ok(changed > 0.98 * holePixels, `${changed} of ${holePixels} hole pixels filled`);
    // The input job is not written to.
    assert.deepEqual(job.image.data, scribble(image, mask).data);
  });

  test('never copies an excluded pixel: every filled colour is a colour of the known, non-excluded pixels', () => {
    // The excluded nuclei get a unique colour and so does their neighbourhood of the hole's rim,
    // where a fill that looked at them would most want to copy them.
    const img = createImage(W, H, image.data.slice());
    const green = (0 << 16) | (255 << 8) | 0;
    for (let p = 0; p < W * H; p++) if (exclude[p]) img.data.set([0, 255, 0], 3 * p);
    const sources = new Set<number>();
    for (let p = 0; p < W * H; p++) if (!mask[p] && !exclude[p]) sources.add(rgbKey(img.data, p));
    assert.ok(!sources.has(green));
    for (const seed of [0, 1, 2]) {
      for (const patchSize of [3, 7, 11]) {
        const r = exemplarFill({ image: scribble(img, mask), mask, exclude, seed }, exemplarOptions({ patchSize }));
        assert.equal(r.relaxed, false);
        for (let p = 0; p < W * H; p++) {
          if (!mask[p]) continue;
          const key = rgbKey(r.image.data, p);
          assert.notEqual(key, green, `seed ${seed}, patch ${patchSize}: pixel ${p} copied from an excluded nucleus`);
          assert.ok(sources.has(key), `seed ${seed}, patch ${patchSize}: pixel ${p} has colour ${key.toString(16)}, no known pixel's`);
        }
      }
    }
  });

  test('the same job and seed give the same bytes; other seeds may differ', async () => {
    const a = inpaintExemplar(job);
    const b = inpaintExemplar({ ...job, image: createImage(W, H, job.image.data.slice()) });
    assert.deepEqual(a.data, b.data);
    const engine = await createEngine('exemplar');
    const [c, d] = await engine.inpaint([job, { ...job, seed: 6 }]);
    assert.deepEqual(c.data, a.data);
    assert.notDeepEqual(d.data, a.data, 'another seed draws other matches');
    assert.deepEqual((await engine.inpaint([{ ...job, seed: 6 }]))[0].data, d.data);
  });

  test('a hole in a periodic texture is filled with that texture; Telea smooths it away', async () => {
    // A grating of period 8 px along x and 8 px along y, plus grain; the hole a 52-px disc (thick
    // enough for a coarser level) whose central 16×16 square is wholly filled pixels. Its power
    // spectrum (DC removed) should peak at the grating's frequency, bin 16/8 = 2 on either axis.
    const S = 96;
    const rng = createRng(9);
    const img = createImage(S, S);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const v = 128 + 45 * Math.sin((2 * Math.PI * x) / 8) + 45 * Math.sin((2 * Math.PI * y) / 8) + 12 * (rng.next() - 0.5);
        img.data.fill(Math.round(v), 3 * (y * S + x), 3 * (y * S + x) + 3);
      }
    }
    const hole = discMask(S, S, 47.5, 47.5, 26);
    const hj: InpaintJob = { image: scribble(img, hole, 0), mask: hole, seed: 1 };
    const exemplar = inpaintExemplar(hj);
    const telea = inpaintClassical(await loadOpenCV(), hj, 'telea');
    const share = (out: RgbImage): { peak: [number, number]; atTexture: number } => {
      const N = 16;
      const x0 = 40;
      const grey = new Float64Array(N * N);
      let mean = 0;
      for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) mean += grey[y * N + x] = out.data[3 * ((y + x0) * S + x + x0)];
      mean /= N * N;
      let total = 0;
      let texture = 0;
      let best = -1;
      let peak: [number, number] = [0, 0];
      for (let v = 0; v < N; v++) {
        for (let u = 0; u < N; u++) {
          if (u === 0 && v === 0) continue;
          let re = 0;
          let im = 0;
          for (let y = 0; y < N; y++) {
            for (let x = 0; x < N; x++) {
              const a = (-2 * Math.PI * (u * x + v * y)) / N;
              re += (grey[y * N + x] - mean) * Math.cos(a);
              im += (grey[y * N + x] - mean) * Math.sin(a);
            }
          }
          const power = re * re + im * im;
          total += power;
          const fu = Math.min(u, N - u);
          const fv = Math.min(v, N - v);
          if ((fu === 2 && fv === 0) || (fu === 0 && fv === 2)) texture += power;
          if (power > best) {
            best = power;
            peak = [fu, fv];
          }
        }
      }
      return { peak, atTexture: texture / total };
    };
    const ex = share(exemplar);
    const te = share(telea);
    const original = share(img);
    assert.ok(original.atTexture > 0.9, `the grating itself: ${original.atTexture.toFixed(3)} of the power at its frequency`);
    assert.ok((ex.peak[0] === 2 && ex.peak[1] === 0) || (ex.peak[0] === 0 && ex.peak[1] === 2), `exemplar's spectrum peaks at ${ex.peak}`);
    assert.ok(ex.atTexture > 0.8, `exemplar: ${ex.atTexture.toFixed(3)} of the fill's power at the texture's frequency`);
    assert.ok(te.atTexture < 0.25, `telea: ${te.atTexture.toFixed(3)} of the fill's power at the texture's frequency`);
  });

  test('settings: declared defaults, recorded by the engine; bad values are errors', async () => {
    assert.ok(engineNames().includes('exemplar'));
    const engine = await createEngine('exemplar', { radius: 3, patchSize: 5, levels: 2 });
    assert.equal(engine.name, 'exemplar');
    assert.deepEqual(engine.input, { kind: 'any' });
    assert.ok(engine.deterministic && engine.maxBatch >= 1);
    assert.deepEqual(engine.settings, { patchSize: 5, levels: 2, iterations: EXEMPLAR_OPTIONS.iterations.default, searchRadius: EXEMPLAR_OPTIONS.searchRadius.default, textureWeight: EXEMPLAR_OPTIONS.textureWeight.default });
    await assert.rejects(createEngine('exemplar', { patchSize: 6 }), (e: unknown) => e instanceof NucleiMixError && /patch-size.*odd/.test(e.message));
    await assert.rejects(createEngine('exemplar', { levels: 0 }), (e: unknown) => e instanceof NucleiMixError && /--levels/.test(e.message));
    assert.throws(() => inpaintExemplar({ ...job, exclude: new Uint8Array(3) }), (e: unknown) => e instanceof NucleiMixError && /exclude/.test(e.message));
    assert.throws(() => inpaintExemplar({ image, mask: new Uint8Array(W * H).fill(1) }), (e: unknown) => e instanceof NucleiMixError && /every pixel/.test(e.message));
    // No unknown pixel: an identical copy.
    assert.deepEqual(inpaintExemplar({ image, mask: new Uint8Array(W * H) }).data, image.data);
  });

  test('copies only the known pixels between excluded ones, shrinks the patch where none fits, and copies excluded pixels only when nothing else is known', () => {
    // Known pixels only in 2-px slivers between excluded ones: sources still fit (their
    // excluded pixels are matched, never copied), and every fill comes from the slivers.
    const ex = new Uint8Array(W * H).fill(1);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (x % 10 < 2 || mask[y * W + x]) ex[y * W + x] = 0;
    const slim = exemplarFill({ image: scribble(image, mask), mask, exclude: ex, seed: 0 }, exemplarOptions());
    assert.equal(slim.patchSize, EXEMPLAR_OPTIONS.patchSize.default);
    assert.equal(slim.relaxed, false);
    const sliver = new Set<number>();
    for (let q = 0; q < W * H; q++) if (!ex[q] && !mask[q]) sliver.add(rgbKey(image.data, q));
    for (let p = 0; p < W * H; p++) if (mask[p]) assert.ok(sliver.has(rgbKey(slim.image.data, p)), `pixel ${p} copied from a known, non-excluded pixel`);

    // A strip 5 px tall holds no 7-px patch: 3-px ones are used.
    const strip = texturedImage(40, 5, 1);
    const stripMask = new Uint8Array(200);
    for (const q of [98, 99, 100, 101, 138, 139]) stripMask[q] = 1;
    const thin = exemplarFill({ image: strip, mask: stripMask, seed: 0 }, exemplarOptions());
    assert.equal(thin.patchSize, 3);
    for (let p = 0; p < 200; p++) if (!stripMask[p]) assert.equal(rgbKey(thin.image.data, p), rgbKey(strip.data, p));

    const all = exemplarFill({ image: scribble(image, mask), mask, exclude: Uint8Array.from(mask, (m) => (m ? 0 : 1)), seed: 0 }, exemplarOptions());
    assert.equal(all.relaxed, true);
  });

  test('hole thickness: the largest distance from a hole pixel to the rest, within 6 % of Euclidean', () => {
    const S = 96;
    for (const r of [3, 10, 26]) {
      const state = Uint8Array.from(discMask(S, S, 47.5, 47.5, r), (v) => (v ? HOLE : KNOWN));
      const t = holeThickness(state, S, S);
      assert.ok(Math.abs(t - r) <= 0.06 * r + 1, `disc of radius ${r}: thickness ${t}`);
    }
    assert.equal(holeThickness(new Uint8Array(25), 5, 5), 0);
  });

  test('the synthesis core: no source patch is undefined; fills hold only KNOWN colours', () => {
    const w = 12;
    const state = new Uint8Array(w * w).fill(EXCLUDED);
    state[5 * w + 5] = HOLE;
    state[0] = KNOWN;
    const colour = new Float32Array(w * w * 3).fill(7);
    assert.equal(synthesize({ width: w, height: w, colour, state }, { patchSize: 3, levels: 2, coarseIterations: 2, fineIterations: 2, textureWeight: 1 }, createRng(0)), undefined);
    const one = synthesize({ width: w, height: w, colour, state }, { patchSize: 1, levels: 2, coarseIterations: 2, fineIterations: 2, textureWeight: 1 }, createRng(0))!;
    assert.deepEqual([...one.subarray(3 * (5 * w + 5), 3 * (5 * w + 5) + 3)], [7, 7, 7]);
  });
});

describe('nucleimix augment --inpainter exemplar', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nucleimix-exemplar-'));
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  test('renders NucleiMix and GradMix with the exemplar engine, recorded in the manifest and stats, the same bytes twice', { timeout: 300_000 }, async () => {
    const input = await syntheticDataset(join(tmp, 'input'));
    const BIN = fileURLToPath(new URL('../../bin/nucleimix.js', import.meta.url));
    const cli = (out: string, ...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'augment', input.root, '--rare', '1', '--k', '6', '--margin', '20', '--workers', '0', '--inpainter', 'exemplar', '--patch-size', '5', '--out', out, ...args], {
        encoding: 'utf8',
        cwd: tmp,
        env: { ...process.env, NUCLEIMIX_CACHE: join(tmp, 'cache') },
      });
    const r = cli('a', '-q');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1\s+other\s+\d+\s+\d+\s+\+6/);
    const manifest = JSON.parse(await readFile(join(tmp, 'a', 'manifest.json'), 'utf8'));
    const stats = JSON.parse(await readFile(join(tmp, 'a', 'stats.json'), 'utf8'));
    const settings = { patchSize: 5, levels: EXEMPLAR_OPTIONS.levels.default, iterations: EXEMPLAR_OPTIONS.iterations.default, searchRadius: EXEMPLAR_OPTIONS.searchRadius.default, textureWeight: EXEMPLAR_OPTIONS.textureWeight.default };
    assert.deepEqual(manifest.engine, { name: 'exemplar', settings });
    assert.deepEqual(stats.engine, { name: 'exemplar', settings });
    assert.equal(cli('b', '-q').status, 0);
    const a = await openDataset(join(tmp, 'a'));
    const b = await openDataset(join(tmp, 'b'));
    let edited = 0;
    for (const name of a.names) {
      const [x, y, z] = [await a.read(name), await b.read(name), await input.read(name)];
      assert.deepEqual(x.image.data, y.image.data, `${name}: the same bytes from the same seed`);
      if (Buffer.compare(x.image.data, z.image.data) !== 0) edited++;
    }
    assert.ok(edited > 0);

    // A baseline that inpaints, through the library.
    const g = await augmentTo('gradmix', input, join(tmp, 'gradmix'), { k: 4, seed: 1 }, {}, { engine: { name: 'exemplar' } });
    assert.equal(g.stats.engine?.name, 'exemplar');
    assert.ok(g.stats.inserted[1] > 0);
  });
});
