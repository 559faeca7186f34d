import { createInstanceMap, type InstanceMap } from '../../src/core/raster.ts';
import type { Rng } from '../../src/core/rng.ts';

/** An instance map from rows of ids. */
export function mapOf(rows: number[][]): InstanceMap {
  return createInstanceMap(rows[0]?.length ?? 0, rows.length, Int32Array.from(rows.flat()));
}

/** A w×h map of up to `n` random discs (radius 1-4 px) with ids 1..n painted in order. */
export function randomMap(rng: Rng, w: number, h: number, n: number): InstanceMap {
  const m = createInstanceMap(w, h);
  for (let id = 1; id <= n; id++) {
    const cx = rng.int(w);
    const cy = rng.int(h);
    const r = rng.uniform(1, 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m.data[y * w + x] = id;
  }
  return m;
}

/** A prediction-like copy: every pixel shifted right by one, some instances dropped. */
export function shiftedCopy(rng: Rng, m: InstanceMap): InstanceMap {
  const out = createInstanceMap(m.width, m.height);
  const dropped = new Set<number>();
  for (const v of new Set(m.data)) if (v !== 0 && rng.next() < 0.1) dropped.add(v);
  for (let y = 0; y < m.height; y++) {
    for (let x = 1; x < m.width; x++) {
      const v = m.data[y * m.width + x - 1];
      if (!dropped.has(v)) out.data[y * m.width + x] = v;
    }
  }
  return out;
}
