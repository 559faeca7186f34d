import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createImage } from '../../src/core/raster.ts';
import { MAX_IMAGE_PIXELS, readImageFile, writeImageFile } from '../../src/io/image-file.ts';
import { rejectsNucleiMix } from '../helpers/errors.ts';
import { tempFolders } from '../helpers/temp.ts';

const temp = tempFolders('nucleimix-image-');

/** CRC-32 (ISO 3309, as PNG chunks use it). */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A PNG file whose IHDR claims `width`×`height` (CRC fixed, so only the size is wrong). */
async function pngClaiming(dir: string, width: number, height: number): Promise<string> {
  const path = join(dir, `claims-${width}x${height}.png`);
  await writeImageFile(path, createImage(8, 8, new Uint8Array(8 * 8 * 3).fill(200)));
  const bytes = new Uint8Array(await readFile(path));
  const dv = new DataView(bytes.buffer);
  // Signature (8 bytes), IHDR length (4), 'IHDR' (4), then width and height.
  assert.equal(String.fromCharCode(...bytes.subarray(12, 16)), 'IHDR');
  dv.setUint32(16, width);
  dv.setUint32(20, height);
  dv.setUint32(29, crc32(bytes.subarray(12, 29)));
  await writeFile(path, bytes);
  return path;
}

test('a header claiming more pixels than the limit, or than the file can hold, is refused before decoding', { timeout: 60_000 }, async () => {
  const dir = await temp.fresh();
  assert.equal(MAX_IMAGE_PIXELS, 400_000_000);
  await rejectsNucleiMix(readImageFile(await pngClaiming(dir, 100_000, 100_000)), /claims-100000x100000\.png: is 100000×100000 = 10,000,000,000 pixels, more than the 400,000,000 nucleimix decodes/);
  // Under the limit, but a file of a few hundred bytes cannot hold 19,000² pixels.
  await rejectsNucleiMix(readImageFile(await pngClaiming(dir, 19_000, 19_000)), /claims 19000×19000 pixels, more than its \d+ bytes can hold; corrupt/);
  // A size the bytes can hold goes on to the decoder, which refuses the short data as before.
  await rejectsNucleiMix(readImageFile(await pngClaiming(dir, 64, 64)), /not a readable image/);
  // And an honest file reads.
  const ok = join(dir, 'ok.png');
  await writeImageFile(ok, createImage(8, 8, new Uint8Array(8 * 8 * 3).fill(7)));
  assert.equal((await readImageFile(ok)).image.data[0], 7);
});
