import { createImage, type RgbImage } from '../../src/core/raster.ts';

/** A W×H image whose pixel (x, y) is `rgb(x, y)`, called in row-major order (values stored as Uint8Array stores them: wrapped mod 256). */
export function imageOf(width: number, height: number, rgb: (x: number, y: number) => readonly [number, number, number]): RgbImage {
  const img = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 3 * (y * width + x);
      const [r, g, b] = rgb(x, y);
      img.data[p] = r;
      img.data[p + 1] = g;
      img.data[p + 2] = b;
    }
  }
  return img;
}

/** A W×H mask (1 inside) of the disc of radius r around pixel centre (cx, cy), border included. */
export function discMask(width: number, height: number, cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * width + x] = 1;
  return m;
}
