import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import { FEATURE_GROUPS, FEATURE_NAMES, RINGS, RING_STATS, ringFeatures, ringMaps } from '../../src/realism/ring-features.ts';

const od = (v: number): number => -Math.log10((v + 1) / 256);
const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

/** A grey W×H image from a function of (x, y), and an empty instance map. */
function scene(w: number, h: number, grey: (x: number, y: number) => number) {
  const image = createImage(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) image.data.fill(grey(x, y), 3 * (y * w + x), 3 * (y * w + x) + 3);
  return { image, inst: createInstanceMap(w, h) };
}

function feature(values: Float64Array, name: string): number {
  const i = FEATURE_NAMES.indexOf(name);
  assert.ok(i >= 0, `no feature ${name}`);
  return values[i];
}

describe('ring feature layout', () => {
  it('has every ring statistic and every change between neighbouring rings', () => {
    assert.equal(FEATURE_NAMES.length, RINGS.length * RING_STATS.length + (RINGS.length - 1) * RING_STATS.length);
    assert.equal(new Set(FEATURE_NAMES).size, FEATURE_NAMES.length);
    const names = (cols: readonly number[]) => cols.map((c) => FEATURE_NAMES[c]);
    assert.ok(names(FEATURE_GROUPS.seam).every((n) => /^ring\+[123](-ring\+[123])?\./.test(n)));
    assert.ok(names(FEATURE_GROUPS.context).every((n) => /^ring\+[45678](-ring\+[45678])?\./.test(n)));
    assert.equal(FEATURE_GROUPS.seam.length, 3 * 9 + 2 * 9);
    assert.equal(FEATURE_GROUPS.context.length, 5 * 9 + 4 * 9);
  });
});

describe('ringFeatures', () => {
  it('cuts a 7×7 nucleus into edge layers and leaves its centre out', () => {
    // Nucleus x, y ∈ 10..16: layer L from its edge (Chebyshev) has distance L + 1 to the outside.
    const { image, inst } = scene(27, 27, (x, y) => {
      const inside = x >= 10 && x <= 16 && y >= 10 && y <= 16;
      if (!inside) return 200;
      const layer = Math.min(x - 10, 16 - x, y - 10, 16 - y);
      return [50, 60, 70, 250][layer];
    });
    for (let y = 10; y <= 16; y++) for (let x = 10; x <= 16; x++) inst.data[y * 27 + x] = 5;
    const f = ringFeatures(ringMaps(image), inst, 5, [10, 10, 17, 17]);
    close(feature(f, 'ring-1.od_r.mean'), od(50), 'ring −1');
    close(feature(f, 'ring-2.od_g.mean'), od(60), 'ring −2');
    close(feature(f, 'ring-3.od_b.mean'), od(70), 'ring −3 (the 250 centre is left out)');
    close(feature(f, 'ring-3.od_r.sd'), 0, 'ring −3 spread');
    for (const r of [1, 2, 3, 4, 5, 6, 7, 8]) close(feature(f, `ring+${r}.od_r.mean`), od(200), `ring +${r}`);
    close(feature(f, 'ring+1-ring-1.od_r.mean'), od(200) - od(50), 'change across the boundary');
    close(feature(f, 'ring-2-ring-3.od_r.mean'), od(60) - od(70), 'change −3 → −2');
  });

  it('follows Euclidean distance outside a one-pixel nucleus and skips other nuclei', () => {
    // Grey 10·(dx² + dy²) + 5 around the nucleus at (10, 10): ring +1 holds d² = 1 (4 px), ring
    // +2 holds d² = 2 and 4 (4 px each). Pixel (11, 10), in ring +1, belongs to another
    // nucleus and is painted 250: it must not count.
    const { image, inst } = scene(21, 21, (x, y) => (x === 11 && y === 10 ? 250 : 10 * ((x - 10) ** 2 + (y - 10) ** 2) + 5));
    inst.data[10 * 21 + 10] = 1;
    inst.data[10 * 21 + 11] = 2;
    const f = ringFeatures(ringMaps(image), inst, 1, [10, 10, 11, 11]);
    close(feature(f, 'ring-1.od_r.mean'), od(5), 'the nucleus');
    assert.ok(Number.isNaN(feature(f, 'ring-2.od_r.mean')), 'a one-pixel nucleus has no ring −2');
    assert.ok(Number.isNaN(feature(f, 'ring-2-ring-3.lap.mean')), 'nor changes from it');
    close(feature(f, 'ring+1.od_r.mean'), od(15), 'ring +1 without the other nucleus');
    close(feature(f, 'ring+1.od_r.sd'), 0, 'ring +1 spread');
    close(feature(f, 'ring+2.od_r.mean'), (od(25) + od(45)) / 2, 'ring +2 mean');
    close(feature(f, 'ring+2.od_r.sd'), Math.abs(od(25) - od(45)) / 2, 'ring +2 spread');
  });
});

describe('ringMaps', () => {
  it('gives a ramp its slope and no curvature, and a spike its Laplacian', () => {
    const { image } = scene(20, 20, (x, y) => 3 * x + 2 * y);
    const m = ringMaps(image);
    for (const [x, y] of [[5, 5], [10, 3], [18, 18]]) {
      close(m.grad[y * 20 + x], Math.sqrt(13), `gradient at ${x},${y}`);
      close(m.lap[y * 20 + x], 0, `Laplacian at ${x},${y}`);
    }
    const spike = scene(9, 9, (x, y) => (x === 4 && y === 4 ? 90 : 0)).image;
    const s = ringMaps(spike);
    close(s.lap[4 * 9 + 4], -360, 'Laplacian at the spike');
    close(s.lap[4 * 9 + 5], 90, 'Laplacian beside it');
    close(s.od[3 * (4 * 9 + 4)], od(90), 'optical density');
  });
});
