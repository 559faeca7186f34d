import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { createImage } from '../../src/core/raster.ts';
import { inpaintClassical } from '../../src/inpaint/classical.ts';
import { createInpainter, INPAINTER_NAMES, type InpainterName } from '../../src/inpaint/create.ts';
import { loadOpenCV } from '../../src/inpaint/opencv.ts';

test('createInpainter builds each named classical inpainter with its radius', async () => {
  const img = createImage(40, 40);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 251;
  const mask = new Uint8Array(1600);
  for (let y = 12; y < 28; y++) for (let x = 14; x < 26; x++) mask[y * 40 + x] = 1;
  const cv = await loadOpenCV();
  assert.deepEqual(INPAINTER_NAMES, ['telea', 'ns']);
  for (const name of INPAINTER_NAMES) {
    const inpainter = await createInpainter(name, { radius: 5 });
    assert.equal(inpainter.name, name);
    const [out] = await inpainter.inpaint([{ image: img, mask }]);
    assert.deepEqual(out.data, inpaintClassical(cv, { image: img, mask }, name, { radius: 5 }).data);
    const [dflt] = await (await createInpainter(name)).inpaint([{ image: img, mask }]);
    assert.deepEqual(dflt.data, inpaintClassical(cv, { image: img, mask }, name, { radius: 3 }).data);
  }
});

test('createInpainter rejects unknown names and bad radii with NucleiMixError', async () => {
  await assert.rejects(createInpainter('diffusion' as InpainterName), (e: unknown) => e instanceof NucleiMixError && /unknown inpainter 'diffusion' \(expected one of: telea, ns\)/.test(e.message));
  await assert.rejects(createInpainter('ns', { radius: -2 }), (e: unknown) => e instanceof NucleiMixError && /radius/.test(e.message));
});
