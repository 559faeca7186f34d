/**
 * The pictures of a report: square windows around insertions (before and after side by side
 * in one PNG strip) and small thumbnails of whole images.
 */
import sharp from 'sharp';
import { cropReflect } from '../core/crop.ts';
import { createImage, type RgbImage } from '../core/raster.ts';

/** Pixels between the before and after crops of a strip. */
export const STRIP_GAP = 4;
/** Smallest crop side (px): a CoNSeP nucleus (≈ 10–40 px) with its seam and context rings. */
export const MIN_CROP = 64;
/** Largest crop side (px): a CutMix rectangle can be larger; the crop then shows its centre. */
export const MAX_CROP = 160;

/**
 * The side of a window around an insertion whose edit spans `extent` px: that extent plus
 * 12 px each side (the realism test's context rings reach 8 px), rounded up to a multiple of
 * 16, within [{@link MIN_CROP}, {@link MAX_CROP}].
 */
export function cropSide(extent: number): number {
  return Math.min(MAX_CROP, Math.max(MIN_CROP, Math.ceil((extent + 24) / 16) * 16));
}

/**
 * The top-left corner of a `size`-px window centred on (cx, cy): moved to lie inside the
 * image where it is large enough (as the preview's pairs are), else left to be reflect-padded.
 */
export function windowOrigin(cx: number, cy: number, size: number, width: number, height: number): [number, number] {
  const origin = (c: number, n: number): number => {
    const o = Math.round(c - size / 2);
    return n >= size ? Math.min(Math.max(o, 0), n - size) : o;
  };
  return [origin(cx, width), origin(cy, height)];
}

/** `before` and `after` cropped to the same window, side by side with a {@link STRIP_GAP}-px dark gap: (2·size + gap) × size. */
export function strip(before: RgbImage, after: RgbImage, x0: number, y0: number, size: number): RgbImage {
  const a = cropReflect(before, x0, y0, size, size);
  const b = cropReflect(after, x0, y0, size, size);
  const out = createImage(2 * size + STRIP_GAP, size);
  out.data.fill(34);
  for (let y = 0; y < size; y++) {
    out.data.set(a.data.subarray(3 * y * size, 3 * (y + 1) * size), 3 * y * out.width);
    out.data.set(b.data.subarray(3 * y * size, 3 * (y + 1) * size), 3 * (y * out.width + size + STRIP_GAP));
  }
  return out;
}

/** PNG bytes of an RGB image (lossless: realism is judged on these pixels). */
export async function pngBytes(image: RgbImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
}

/** A thumbnail: JPEG bytes of `image` scaled (area-averaged) to fit `max`×`max`, and its size. */
export async function thumbnail(image: RgbImage, max: number): Promise<{ bytes: Buffer; width: number; height: number }> {
  const scale = Math.min(1, max / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const bytes = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .jpeg({ quality: 82 })
    .toBuffer();
  return { bytes, width, height };
}
