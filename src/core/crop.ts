import type { PixelArray, Raster } from './raster.ts';

/**
 * Reflects an out-of-range index back into 0..n-1 without repeating the edge pixel
 * (numpy's `reflect`, OpenCV's BORDER_REFLECT_101: … 2 1 | 0 1 2 … n-1 | n-2 …). Works for
 * any distance outside, folding as many times as needed.
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/**
 * Crops the window whose top-left corner is (x0, y0) and whose size is w×h from `src`,
 * reflect-padding (see {@link reflectIndex}) wherever the window leaves the raster, so a
 * window centred on a nucleus at the image border keeps its size and is never squeezed.
 *
 * @returns a raster of w×h×channels with the element type of `src`.
 */
export function cropReflect<T extends PixelArray>(src: Raster<T>, x0: number, y0: number, w: number, h: number): Raster<T> {
  const { width, height, channels } = src;
  const Ctor = src.data.constructor as new (n: number) => T;
  const out = new Ctor(w * h * channels);
  const xs = new Int32Array(w);
  for (let x = 0; x < w; x++) xs[x] = reflectIndex(x0 + x, width);
  const inside = x0 >= 0 && x0 + w <= width;
  for (let y = 0; y < h; y++) {
    const sy = reflectIndex(y0 + y, height);
    const rowIn = sy * width;
    const rowOut = y * w;
    if (inside) {
      // The common case (a window away from the left/right edges): one block copy per row.
      out.set(src.data.subarray((rowIn + x0) * channels, (rowIn + x0 + w) * channels), rowOut * channels);
    } else if (channels === 1) {
      for (let x = 0; x < w; x++) out[rowOut + x] = src.data[rowIn + xs[x]];
    } else {
      for (let x = 0; x < w; x++) {
        const i = (rowIn + xs[x]) * channels;
        const o = (rowOut + x) * channels;
        for (let c = 0; c < channels; c++) out[o + c] = src.data[i + c];
      }
    }
  }
  return { width: w, height: h, channels, data: out };
}

/** Crops a w×h window centred on (cx, cy) (rounded), reflect-padded; see {@link cropReflect}. */
export function cropCentred<T extends PixelArray>(src: Raster<T>, cx: number, cy: number, w: number, h: number): Raster<T> {
  return cropReflect(src, Math.round(cx) - Math.floor(w / 2), Math.round(cy) - Math.floor(h / 2), w, h);
}
