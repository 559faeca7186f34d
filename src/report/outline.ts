/**
 * Nucleus outlines as SVG path data, for drawing over magnified crops: the boundary traced by
 * src/core/polygon.ts (through the centres of the boundary pixels), shifted by half a pixel so
 * that it lies on those pixels in an SVG whose unit is one image pixel with (0, 0) at the top
 * left corner of the first pixel.
 */
import { maskShapes, type Polygon } from '../core/polygon.ts';
import type { InstanceMap } from '../core/raster.ts';

function polygonPath(poly: Polygon, dx: number, dy: number): string {
  let d = '';
  for (let i = 0; i < poly.length; i += 2) d += `${i === 0 ? 'M' : 'L'}${poly[i] + dx + 0.5} ${poly[i + 1] + dy + 0.5}`;
  return d + 'Z';
}

/**
 * The outline of every pixel of `inst` equal to `id` inside the window [x0, x0+w) × [y0, y0+h)
 * as SVG path data in window coordinates (one unit per pixel), holes included; '' when the
 * window holds none of its pixels.
 */
export function outlinePath(inst: InstanceMap, id: number, x0: number, y0: number, w: number, h: number): string {
  const mask = new Uint8Array(w * h);
  let any = false;
  for (let y = Math.max(0, y0); y < Math.min(inst.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(inst.width, x0 + w); x++) {
      if (inst.data[y * inst.width + x] === id) {
        mask[(y - y0) * w + x - x0] = 1;
        any = true;
      }
    }
  }
  if (!any) return '';
  return maskShapes(mask, w, h)
    .shapes.map((s) => [s.outer, ...s.holes].map((p) => polygonPath(p, 0, 0)).join(''))
    .join('');
}
