/**
 * Separable Gaussian blur of a float field, standing in for the optical blur of a slide
 * scanner (and giving nuclei their soft 1–2 px edges). Written here because sharp works on
 * 8-bit images and we blur stain concentrations, which are unbounded floats.
 */

/**
 * Blurs an H×W float32 field with a Gaussian of standard deviation `sigma` pixels (kernel
 * radius ⌈3σ⌉), clamping at the borders.
 *
 * @returns a new H×W float32 field.
 */
export function gaussianBlur(field: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return field.slice();
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    kernel[k + radius] = Math.exp((-k * k) / (2 * sigma * sigma));
    total += kernel[k + radius];
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  const tmp = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k < 0 ? 0 : x + k >= width ? width - 1 : x + k;
        s += kernel[k + radius] * field[row + xx];
      }
      tmp[row + x] = s;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k < 0 ? 0 : y + k >= height ? height - 1 : y + k;
        s += kernel[k + radius] * tmp[yy * width + x];
      }
      out[y * width + x] = s;
    }
  }
  return out;
}
