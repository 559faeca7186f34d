import { stat } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { NucleiMixError } from '../core/errors.ts';
import { createImage, type RgbImage } from '../core/raster.ts';

/** What an image file held besides its RGB pixels, so that writing it back loses nothing. */
export interface ImageFileInfo {
  /** Lower-case extension with the dot, e.g. `.png`. */
  ext: string;
  /** The alpha plane (H×W uint8) when the file had one. */
  alpha?: Uint8Array;
  /** True when the file was single-channel grey (written back as grey when unchanged). */
  grey?: boolean;
}

export const IMAGE_EXTENSIONS = ['.png', '.tif', '.tiff', '.jpg', '.jpeg', '.bmp'];

/**
 * The most pixels an image may decode to: 20,000 × 20,000 (1.2 GB as RGB). Slide tiles of
 * 4,000² to 8,000² and more are read; a header claiming more is refused before decoding.
 */
export const MAX_IMAGE_PIXELS = 20_000 * 20_000;

/**
 * Reads a PNG/TIFF/JPEG file as 8-bit RGB (H×W×3, row-major). Alpha is split off into
 * `info.alpha`; grey images are expanded to RGB. Files with more than 8 bits per sample are
 * refused rather than silently rescaled.
 */
export async function readImageFile(path: string): Promise<{ image: RgbImage; info: ImageFileInfo }> {
  const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
  // The header's size is checked before decoding (a corrupt header can claim gigapixels and
  // make the decoder allocate gigabytes); sharp's own limit guards the decode as well.
  let meta: { width?: number; height?: number; format?: string; size?: number };
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new NucleiMixError(`not a readable image (${(err as Error).message})`, path);
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new NucleiMixError(`is ${meta.width}×${meta.height} = ${pixels.toLocaleString('en-US')} pixels, more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} nucleimix decodes; cut it into tiles first`, path);
  }
  if (meta.format === 'png') {
    // PNG pixels are deflated (at most 1032:1) at 1 bit per pixel or more: a header claiming
    // more pixels than the file's bytes can hold is corrupt, and refused before decoding.
    const bytes = (await stat(path)).size;
    const most = 8 * (1032 * bytes + (1 << 20));
    if (pixels > most) throw new NucleiMixError(`claims ${meta.width}×${meta.height} pixels, more than its ${bytes.toLocaleString('en-US')} bytes can hold; corrupt`, path);
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(path, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS }).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new NucleiMixError(`not a readable image (${(err as Error).message})`, path);
  }
  const { width, height, channels } = decoded.info;
  const bytesPerSample = decoded.data.length / (width * height * channels);
  if (bytesPerSample !== 1) {
    throw new NucleiMixError(`has ${8 * bytesPerSample}-bit samples; only 8-bit images are supported`, path);
  }
  const src = decoded.data;
  const rgb = new Uint8Array(width * height * 3);
  const info: ImageFileInfo = { ext };
  if (channels === 3) {
    rgb.set(src);
  } else if (channels === 4 || channels === 2) {
    const alpha = new Uint8Array(width * height);
    const grey = channels === 2;
    for (let p = 0; p < width * height; p++) {
      const s = p * channels;
      rgb[3 * p] = src[s];
      rgb[3 * p + 1] = src[grey ? s : s + 1];
      rgb[3 * p + 2] = src[grey ? s : s + 2];
      alpha[p] = src[s + channels - 1];
    }
    info.alpha = alpha;
    if (grey) info.grey = true;
  } else if (channels === 1) {
    for (let p = 0; p < width * height; p++) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = src[p];
    info.grey = true;
  } else {
    throw new NucleiMixError(`has ${channels} channels; expected grey, RGB or RGBA`, path);
  }
  return { image: createImage(width, height, rgb), info };
}

/**
 * Writes an RGB image to `path`, format from the extension (PNG, TIFF or JPEG). When `info`
 * comes from reading an image of the same size, its alpha plane is written back too.
 * Encoding is deterministic: the same pixels give the same bytes.
 */
export async function writeImageFile(path: string, image: RgbImage, info?: ImageFileInfo): Promise<void> {
  const { width, height } = image;
  const alpha = info?.alpha !== undefined && info.alpha.length === width * height ? info.alpha : undefined;
  let raw: Uint8Array = image.data;
  let channels: 3 | 4 = 3;
  if (alpha) {
    channels = 4;
    raw = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      raw[4 * p] = image.data[3 * p];
      raw[4 * p + 1] = image.data[3 * p + 1];
      raw[4 * p + 2] = image.data[3 * p + 2];
      raw[4 * p + 3] = alpha[p];
    }
  }
  const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
  let pipeline = sharp(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), { raw: { width, height, channels } });
  if (ext === '.png') pipeline = pipeline.png({ compressionLevel: 6, adaptiveFiltering: false });
  else if (ext === '.tif' || ext === '.tiff') pipeline = pipeline.tiff({ compression: 'lzw' });
  else if (ext === '.jpg' || ext === '.jpeg') pipeline = pipeline.jpeg({ quality: 95 });
  else throw new NucleiMixError(`cannot write images with extension '${ext}'`, path);
  try {
    await pipeline.toFile(path);
  } catch (err) {
    throw new NucleiMixError(`could not write image (${(err as Error).message})`, path);
  }
}
