import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axisAngle, instanceShapes } from '../../src/core/shape.ts';
import { createInstanceMap } from '../../src/core/raster.ts';

function ellipseMap(w: number, h: number, cx: number, cy: number, a: number, b: number, theta: number, id: number, into?: Int32Array): Int32Array {
  const d = into ?? new Int32Array(w * h);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = (x - cx) * c + (y - cy) * s;
      const v = -(x - cx) * s + (y - cy) * c;
      if ((u / a) ** 2 + (v / b) ** 2 <= 1) d[y * w + x] = id;
    }
  }
  return d;
}

test('orientation, axes and radius of rotated ellipses', () => {
  for (const deg of [0, 30, 60, 90, -45]) {
    const theta = (deg * Math.PI) / 180;
    const map = createInstanceMap(80, 80, ellipseMap(80, 80, 40, 40, 20, 6, theta, 5));
    const s = instanceShapes(map);
    assert.deepEqual(Array.from(s.ids), [5]);
    assert.ok(axisAngle(s.orientation[0], theta) < (2 * Math.PI) / 180, `${deg}°: got ${(s.orientation[0] * 180) / Math.PI}`);
    // A filled ellipse with semi-axes a, b has second-moment axes 2a and 2b (4·√(a²/4)).
    assert.ok(Math.abs(s.majorAxis[0] - 40) < 1.5, `major ${s.majorAxis[0]}`);
    assert.ok(Math.abs(s.minorAxis[0] - 12) < 1.5, `minor ${s.minorAxis[0]}`);
    assert.ok(s.radius[0] >= 20 && s.radius[0] <= 21.5, `radius ${s.radius[0]}`);
  }
});

test('several instances: areas, centroids and boxes by id', () => {
  const w = 60;
  const d = ellipseMap(w, 40, 15, 20, 8, 8, 0, 2);
  ellipseMap(w, 40, 45, 20, 10, 4, 0, 9, d);
  const s = instanceShapes(createInstanceMap(w, 40, d));
  assert.deepEqual(Array.from(s.ids), [2, 9]);
  assert.ok(Math.abs(s.centroids[0] - 15) < 1e-9 && Math.abs(s.centroids[1] - 20) < 1e-9);
  assert.ok(Math.abs(s.centroids[2] - 45) < 1e-9);
  assert.deepEqual(Array.from(s.bboxes.subarray(4, 8)), [35, 16, 56, 25]);
  assert.equal(s.areas[0], d.filter((v) => v === 2).length);
});

test('axisAngle treats axes as undirected', () => {
  assert.ok(Math.abs(axisAngle(0, Math.PI) - 0) < 1e-12);
  assert.ok(Math.abs(axisAngle(-Math.PI / 2 + 0.1, Math.PI / 2 - 0.1) - 0.2) < 1e-12);
  assert.ok(Math.abs(axisAngle(0, Math.PI / 2) - Math.PI / 2) < 1e-12);
});
