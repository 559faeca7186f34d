import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutDonor } from '../../src/augment/donor.ts';
import { createInstanceMap } from '../../src/core/raster.ts';
import { createRng } from '../../src/core/rng.ts';
import { axisAngle, instanceShapes } from '../../src/core/shape.ts';
import { imageNuclei, nucleusLocations } from '../../src/sampling/locations.ts';
import { DEFAULT_PLAN, planInsertions } from '../../src/sampling/plan.ts';
import { makeSample } from './fixtures.ts';

// The planner and the donor cutter must agree on what a rotation means: after cutting the
// donor with the planned flips and rotation, its major axis lies along the target's.
test('planned rotation turns the donor onto the target axis (with and without flips)', () => {
  for (const [donorDeg, targetDeg] of [
    [0, 60],
    [0, -60],
    [20, 85],
    [-40, 30],
    [70, -10],
  ]) {
    const sample = makeSample('s', 120, 80, [
      { id: 1, type: 1, cx: 30, cy: 40, rx: 12, ry: 4, angle: donorDeg, rgb: [60, 30, 120] },
      { id: 2, type: 2, cx: 85, cy: 40, rx: 11, ry: 5, angle: targetDeg, rgb: [90, 60, 150] },
    ]);
    const locs = nucleusLocations(imageNuclei('s', sample.labels), [1]);
    const donor = locs.find((l) => l.kind === 'rare')!;
    const target = locs.find((l) => l.kind === 'major')!;
    for (const flip of [0, 1]) {
      const model = { type: 1, donors: [donor], donorFeatures: Float64Array.of(0), scores: Float64Array.of(0), candidateFeatures: Float64Array.of(0), dims: 1 };
      const ins = planInsertions([target], [model], () => [120, 80], createRng(1), { ...DEFAULT_PLAN, k: 1, flipProbability: flip }).insertions[0];
      assert.equal(ins.donor.flipH, flip === 1);
      const cut = cutDonor(sample, 1, { flipH: ins.donor.flipH, flipV: ins.donor.flipV, rotation: ins.donor.rotation });
      const shape = instanceShapes(createInstanceMap(cut.rgb.width, cut.rgb.height, Int32Array.from(cut.r0)));
      const got = shape.orientation[0];
      const want = target.orientation!;
      assert.ok(axisAngle(got, want) < (6 * Math.PI) / 180, `donor ${donorDeg}°, target ${targetDeg}°, flips ${flip}: rotation ${ins.donor.rotation.toFixed(1)}° left the axis at ${((got * 180) / Math.PI).toFixed(1)}° instead of ${((want * 180) / Math.PI).toFixed(1)}°`);
    }
  }
});
