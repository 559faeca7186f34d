/**
 * Small pieces of clipped instances: when an edit cuts through a nucleus (CutMix's rectangle
 * edge), what is left of it can be a sliver a few pixels wide, which no annotator would have
 * drawn. Such pieces are dropped from the labels (set to background); the image is untouched.
 */

/** Bounding box x0, y0, x1, y1 (exclusive) within which an instance's pixels lie. */
export type Box = readonly [number, number, number, number];

/**
 * For each instance of `boxes`, splits its pixels in `inst` (H×W int32, edited in place) into
 * 8-connected pieces and sets those smaller than `minArea` pixels to 0.
 *
 * @returns the number of pixels dropped per instance (only instances that lost any).
 */
export function dropSmallFragments(inst: Int32Array, width: number, height: number, boxes: ReadonlyMap<number, Box>, minArea: number): Map<number, { pieces: number; pixels: number }> {
  const dropped = new Map<number, { pieces: number; pixels: number }>();
  if (minArea <= 1) return dropped;
  for (const [id, box] of boxes) {
    const x0 = Math.max(0, box[0]);
    const y0 = Math.max(0, box[1]);
    const x1 = Math.min(width, box[2]);
    const y1 = Math.min(height, box[3]);
    const bw = x1 - x0;
    if (bw <= 0 || y1 <= y0) continue;
    const seen = new Uint8Array(bw * (y1 - y0));
    const stack: number[] = [];
    const piece: number[] = [];
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = y * width + x;
        const s = (y - y0) * bw + x - x0;
        if (inst[p] !== id || seen[s]) continue;
        // Flood fill one 8-connected piece within the box.
        piece.length = 0;
        stack.push(p);
        seen[s] = 1;
        while (stack.length > 0) {
          const q = stack.pop()!;
          piece.push(q);
          const qx = q % width;
          const qy = (q - qx) / width;
          for (let dy = -1; dy <= 1; dy++) {
            const ny = qy + dy;
            if (ny < y0 || ny >= y1) continue;
            for (let dx = -1; dx <= 1; dx++) {
              const nx = qx + dx;
              if ((dx === 0 && dy === 0) || nx < x0 || nx >= x1) continue;
              const n = ny * width + nx;
              const ns = (ny - y0) * bw + nx - x0;
              if (inst[n] !== id || seen[ns]) continue;
              seen[ns] = 1;
              stack.push(n);
            }
          }
        }
        if (piece.length < minArea) {
          for (const q of piece) inst[q] = 0;
          const d = dropped.get(id) ?? { pieces: 0, pixels: 0 };
          d.pieces++;
          d.pixels += piece.length;
          dropped.set(id, d);
        }
      }
    }
  }
  return dropped;
}
