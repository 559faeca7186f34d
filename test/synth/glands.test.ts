import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { bandThickness, drawGland, locate, maxRadius, outerRadius, pointAt } from '../../src/synth/glands.ts';

test('pointAt and locate are inverse: angle and depth round-trip', () => {
  const rng = createRng(12);
  for (let k = 0; k < 5; k++) {
    const g = drawGland(rng, 100, 80, rng.uniform(60, 200));
    assert.ok(g.a >= g.b && g.thickness > 0 && g.thickness < g.b);
    for (let i = 0; i < 50; i++) {
      const phi = rng.uniform(-Math.PI, Math.PI);
      const depth = rng.uniform(-20, 0.5 * g.thickness);
      const [x, y] = pointAt(g, phi, depth);
      const at = locate(g, x, y);
      assert.ok(Math.abs(at.phi - phi) < 1e-9, `phi ${at.phi} vs ${phi}`);
      assert.ok(Math.abs(at.depth - depth) < 1e-6, `depth ${at.depth} vs ${depth}`);
      assert.ok(Math.abs(at.band - bandThickness(g, phi)) < 1e-9);
      assert.ok(Math.hypot(x - g.cx, y - g.cy) <= maxRadius(g) + 20 + 1e-9);
    }
    assert.ok(locate(g, g.cx, g.cy).depth > 0, 'the centre is inside');
    assert.ok(outerRadius(g, 0) > 0);
  }
});
