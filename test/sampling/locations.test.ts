import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labelsFromMap } from '../../src/core/labels.ts';
import { createImage, createInstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { backgroundLocations, DEFAULT_BACKGROUND, NearestCentroid, imageNuclei, nucleusLocations, tissueShare } from '../../src/sampling/locations.ts';
import { generateTile } from '../../src/synth/generate.ts';
import { REGION } from '../../src/synth/tissue.ts';

/** A generated tile whose columns x < glassWidth are bare glass (MoNuSeg's grey, 231/228/231 ± 3) with no nuclei. */
function tileWithGlass(seed: number, side: number, glassWidth: number) {
  const tile = generateTile({ name: 'g', width: side, height: side, seed });
  const { image, labels } = tile.sample;
  const rng = createRng(seed + 1);
  const data = image.data.slice();
  const inst = labels.inst.data.slice();
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < glassWidth; x++) {
      const p = y * side + x;
      const noise = rng.int(7) - 3;
      data.set([231 + noise, 228 + noise, 231 + noise], 3 * p);
      inst[p] = 0;
    }
  }
  const typeById = new Map<number, number>();
  labels.ids.forEach((id, i) => typeById.set(id, labels.types[i]));
  return { image: createImage(side, side, data), labels: labelsFromMap(createInstanceMap(side, side, inst), (id) => typeById.get(id)!), regions: tile.regions };
}

describe('backgroundLocations', () => {
  test('on a tile half glass, no box a paste would occupy reaches into the glass; points on the tissue remain', { timeout: 60_000 }, () => {
    const side = 384;
    const glass = 160;
    const { image, labels } = tileWithGlass(4, side, glass);
    const ring = DEFAULT_BACKGROUND.tissueRing;
    for (let s = 0; s < 4; s++) {
      const locs = backgroundLocations('g', image, labels, createRng(s));
      assert.ok(locs.length >= 10, `only ${locs.length} background points on ${side - glass} columns of tissue`);
      for (const loc of locs) {
        const [x0, , x1] = loc.bbox;
        // The grown box may graze the glass edge (≤ 5 % of its pixels); the nucleus box may not enter it.
        assert.ok(x0 >= glass, `box [${loc.bbox}] lies on glass`);
        const w = x1 - x0 + 2 * ring;
        assert.ok(glass - (x0 - ring) <= Math.floor(0.05 * w), `box [${loc.bbox}] grown by ${ring} px reaches ${glass - (x0 - ring)} columns into the glass`);
      }
    }
  });

  test('no box a paste would occupy covers a lumen of a generated tile', { timeout: 60_000 }, () => {
    let lumenPixels = 0;
    let boxes = 0;
    // Tiles 2 and 5 have lumens where the old 15×15 mean-OD test put points (boxes 85–100 % lumen).
    for (const seed of [2, 3, 5]) {
      const tile = generateTile({ name: 't', width: 384, height: 384, seed });
      const { image, labels } = tile.sample;
      for (const v of tile.regions) if (v === REGION.lumen) lumenPixels++;
      const ring = DEFAULT_BACKGROUND.tissueRing;
      for (const loc of backgroundLocations('t', image, labels, createRng(seed))) {
        boxes++;
        const [x0, y0, x1, y1] = loc.bbox;
        const lumenShare = (g: number) => {
          let inLumen = 0;
          let n = 0;
          for (let y = Math.max(0, y0 - g); y < Math.min(384, y1 + g); y++) {
            for (let x = Math.max(0, x0 - g); x < Math.min(384, x1 + g); x++) {
              n++;
              if (tile.regions[y * 384 + x] === REGION.lumen) inLumen++;
            }
          }
          return inLumen / n;
        };
        assert.equal(lumenShare(0), 0, `tile ${seed}: box [${loc.bbox}] lies partly in a lumen`);
        // The region map's lumen includes the pink apical border the renderer paints over its edge.
        assert.ok(lumenShare(ring) <= 0.1, `tile ${seed}: box [${loc.bbox}] grown by ${ring} px is ${Math.round(100 * lumenShare(ring))} % lumen`);
      }
    }
    assert.ok(lumenPixels > 0 && boxes > 0, 'the tiles have lumens and background points');
  });

  test('tissue test: glass grey and white fail, pale eosin and haematoxylin pass; neighbourhoods and boxes are clipped to the image', () => {
    const od = DEFAULT_BACKGROUND.minTissueOd;
    const pixel = (rgb: number[]) => tissueShare(createImage(1, 1, Uint8Array.from(rgb)), 0, 0, 1, 1, od, 2);
    assert.deepEqual([[231, 228, 231], [246, 231, 245], [235, 210, 235], [150, 120, 190]].map(pixel), [0, 0, 1, 1]);
    // Columns 0–1 glass (green 238), 2–3 tissue (green 150); radius 1: column 0 sees only
    // glass, column 1 one tissue column in three (mean green OD 0.098 ≥ 0.065), 2 and 3 more.
    const half = createImage(4, 4);
    for (let p = 0; p < 16; p++) half.data.set(p % 4 < 2 ? [240, 238, 240] : [200, 150, 210], 3 * p);
    assert.equal(tissueShare(half, -5, -5, 1, 9, 0.065, 1), 0);
    assert.equal(tissueShare(half, 0, 0, 4, 4, 0.065, 1), 0.75);
    assert.equal(tissueShare(half, 3, -2, 10, 4, 0.065, 1), 1);
    assert.equal(tissueShare(half, 5, 5, 9, 9, 0.065, 1), 0);
    // Radius 0 is the pixel alone.
    assert.equal(tissueShare(half, 0, 0, 4, 4, 0.065, 0), 0.5);
  });

  test('same draws give the same points; the box is the nearest nucleus\'s size and fits the image', () => {
    const tile = generateTile({ name: 't', width: 256, height: 256, seed: 9 });
    const { image, labels } = tile.sample;
    const a = backgroundLocations('t', image, labels, createRng(3));
    assert.deepEqual(backgroundLocations('t', image, labels, createRng(3)), a);
    const nuclei = nucleusLocations(imageNuclei('t', labels), []);
    for (const loc of a) {
      let best = Infinity;
      let size: [number, number] = [3, 3];
      for (const n of nuclei) {
        const d2 = (n.x - loc.x) ** 2 + (n.y - loc.y) ** 2;
        if (d2 < best) {
          best = d2;
          size = [Math.max(3, n.bbox[2] - n.bbox[0]), Math.max(3, n.bbox[3] - n.bbox[1])];
        }
      }
      assert.deepEqual([loc.bbox[2] - loc.bbox[0], loc.bbox[3] - loc.bbox[1]], size);
      assert.ok(loc.bbox[0] >= 0 && loc.bbox[1] >= 0 && loc.bbox[2] <= 256 && loc.bbox[3] <= 256);
    }
  });
});

describe('NearestCentroid', () => {
  test('finds the first nearest centroid, as a scan in index order does', () => {
    const rng = createRng(17);
    for (let trial = 0; trial < 20; trial++) {
      const width = 50 + rng.int(400);
      const height = 50 + rng.int(400);
      const count = rng.int(60);
      const c = new Float64Array(2 * count);
      // Integer coordinates make exact ties common; some points repeat outright.
      for (let i = 0; i < count; i++) {
        if (i > 0 && rng.next() < 0.1) c.set(c.subarray(2 * (i - 1), 2 * i), 2 * i);
        else c.set([rng.int(width), rng.int(height)], 2 * i);
      }
      const grid = new NearestCentroid(c, count, width, height);
      for (let q = 0; q < 200; q++) {
        const x = rng.int(width);
        const y = rng.int(height);
        let best = Infinity;
        let index = -1;
        for (let i = 0; i < count; i++) {
          const d2 = (c[2 * i] - x) ** 2 + (c[2 * i + 1] - y) ** 2;
          if (d2 < best) {
            best = d2;
            index = i;
          }
        }
        assert.equal(grid.nearest(x, y), index, `trial ${trial}, point (${x}, ${y})`);
      }
    }
  });
});
