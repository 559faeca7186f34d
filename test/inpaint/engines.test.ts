import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createImage } from '../../src/core/raster.ts';
import { inpaintClassical } from '../../src/inpaint/classical.ts';
import { createEngine, engineNames, registerEngine, SHIPPED_DENOISER } from '../../src/inpaint/engines.ts';
import { loadOpenCV } from '../../src/inpaint/opencv.ts';

test('createEngine builds each named classical engine with its radius, declaring its input, batch and settings', async () => {
  const img = createImage(40, 40);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 251;
  const mask = new Uint8Array(1600);
  for (let y = 12; y < 28; y++) for (let x = 14; x < 26; x++) mask[y * 40 + x] = 1;
  const cv = await loadOpenCV();
  assert.deepEqual(engineNames().slice(0, 2), ['telea', 'ns']);
  for (const name of ['telea', 'ns'] as const) {
    const engine = await createEngine(name, { radius: 5 });
    assert.equal(engine.name, name);
    assert.deepEqual(engine.input, { kind: 'any' });
    assert.ok(engine.maxBatch >= 1 && engine.deterministic);
    assert.equal(engine.settings.radius, 5);
    const [out] = await engine.inpaint([{ image: img, mask, seed: 1 }]);
    assert.deepEqual(out.data, inpaintClassical(cv, { image: img, mask }, name, { radius: 5 }).data);
    const [dflt] = await (await createEngine(name)).inpaint([{ image: img, mask }]);
    assert.deepEqual(dflt.data, inpaintClassical(cv, { image: img, mask }, name, { radius: 3 }).data);
    await engine.release();
  }
  assert.deepEqual((await createEngine('telea')).settings, { radius: 3, teleaDepth: 16 });
});

test('createEngine rejects unknown names and bad radii with NucleiMixError; names are open', async () => {
  await assert.rejects(createEngine('nonesuch'), (e: unknown) => e instanceof NucleiMixError && /unknown inpainter 'nonesuch' \(expected one of: telea, ns/.test(e.message));
  await assert.rejects(createEngine('ns', { radius: -2 }), (e: unknown) => e instanceof NucleiMixError && /radius/.test(e.message));
  registerEngine('test-copy', async () => ({ name: 'test-copy', settings: {}, input: { kind: 'any' }, maxBatch: 1, deterministic: true, inpaint: async (jobs) => jobs.map((j) => j.image), release: async () => {} }));
  assert.equal((await createEngine('test-copy')).name, 'test-copy');
  assert.ok(engineNames().includes('test-copy'));
});

test('the published package carries the shipped denoiser and its card, which --inpainter diffusion loads', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
  const model = relative(root, SHIPPED_DENOISER);
  for (const f of [model, model.replace(/\.onnx$/, '.json'), 'models/denoiser/README.md', 'models/README.md']) assert.ok(files.has(f), `${f} is not in the package`);
});

test('--eta and --steps reach the diffusion engine, which records them', { timeout: 60_000 }, async () => {
  const engine = await createEngine('diffusion', { steps: 3, eta: 0.5 });
  try {
    assert.equal(engine.settings.steps, 3);
    assert.equal(engine.settings.eta, 0.5);
  } finally {
    await engine.release();
  }
});
