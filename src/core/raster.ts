/**
 * Rasters: the pixel containers every module shares.
 *
 * A raster is `height` rows of `width` pixels of `channels` interleaved values, row-major:
 * value (y, x, c) is at `data[(y * width + x) * channels + c]`. Coordinates are integers with
 * the pixel centre at (x, y); x grows to the right, y downwards.
 */

export type PixelArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export interface Raster<T extends PixelArray = PixelArray> {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: T;
}

/** An RGB image: H×W×3 uint8. */
export type RgbImage = Raster<Uint8Array> & { readonly channels: 3 };

/** An instance map: H×W×1 int32, 0 = background, k > 0 = the pixels of instance k. */
export type InstanceMap = Raster<Int32Array> & { readonly channels: 1 };

export function createImage(width: number, height: number, data?: Uint8Array): RgbImage {
  const size = width * height * 3;
  if (data !== undefined && data.length !== size) {
    throw new RangeError(`image data has ${data.length} values, expected ${height}×${width}×3 = ${size}`);
  }
  return { width, height, channels: 3, data: data ?? new Uint8Array(size) };
}

export function createInstanceMap(width: number, height: number, data?: Int32Array): InstanceMap {
  const size = width * height;
  if (data !== undefined && data.length !== size) {
    throw new RangeError(`instance map has ${data.length} values, expected ${height}×${width} = ${size}`);
  }
  return { width, height, channels: 1, data: data ?? new Int32Array(size) };
}

/** A deep copy of a raster, keeping its element type. */
export function cloneRaster<R extends Raster>(r: R): R {
  return { ...r, data: r.data.slice() };
}
