/**
 * Agreement with HoVer-Net's evaluation on generated map pairs: the inputs and the expected
 * numbers are in test/fixtures/metrics/reference.json (scripts/fixtures_metrics.py).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { instanceStats, type Labels } from '../../src/core/labels.ts';
import { createInstanceMap } from '../../src/core/raster.ts';
import { createEvaluator, evaluationJson } from '../../src/metrics/evaluate.ts';
import { linearSumAssignment } from '../../src/metrics/hungarian.ts';

interface FixtureImage {
  name: string;
  height: number;
  width: number;
  true: number[];
  pred: number[];
  true_types: number[];
  pred_types: number[];
  true_centroids: number[];
  pred_centroids: number[];
  expected: Record<string, number | null>;
  expected_mpq: number | null;
}

interface Fixture {
  images: FixtureImage[];
  type: { f_d: number; acc: number; f_type: Record<string, number> };
  mpq: number;
  lsap: { rows: number; cols: number; cost: number[]; row_ind: number[]; col_ind: number[] }[];
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics/reference.json', import.meta.url), 'utf8'));
const TOL = 1e-9;

function labels(im: FixtureImage, side: 'true' | 'pred'): Labels {
  const inst = createInstanceMap(im.width, im.height, Int32Array.from(im[side]));
  return {
    inst,
    ids: instanceStats(inst).ids,
    types: Int32Array.from(side === 'true' ? im.true_types : im.pred_types),
    centroids: Float64Array.from(side === 'true' ? im.true_centroids : im.pred_centroids),
  };
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs reference ${expected}`);
}

test('per-image instance scores, type scores and mPQ equal the reference to 1e-9', () => {
  const ev = createEvaluator();
  for (const im of fixture.images) ev.add(im.name, labels(im, 'true'), labels(im, 'pred'));
  const json = evaluationJson(ev.result()) as {
    instance: { per_image: Record<string, Record<string, number>> };
    type: { f_d: number; acc: number; f_type: Record<string, number> };
    mpq: number;
  };
  const result = ev.result();
  for (const im of fixture.images) {
    for (const [key, expected] of Object.entries(im.expected)) {
      const actual = json.instance.per_image[im.name][key];
      // null: the reference crashes (AJI without predictions); ours is defined as 0.
      if (expected === null) assert.equal(actual, 0, `${im.name} ${key}`);
      else close(actual, expected, `${im.name} ${key}`);
    }
    const mine = result.images.find((r) => r.name === im.name)!;
    if (im.expected_mpq === null) assert.ok(Number.isNaN(mine.mpq), `${im.name} mPQ`);
    else close(mine.mpq, im.expected_mpq, `${im.name} mPQ`);
  }
  close(json.type.f_d, fixture.type.f_d, 'F_d');
  close(json.type.acc, fixture.type.acc, 'Acc');
  assert.deepEqual(Object.keys(json.type.f_type), Object.keys(fixture.type.f_type));
  for (const [t, f] of Object.entries(fixture.type.f_type)) close(json.type.f_type[t], f, `F_${t}`);
  close(json.mpq, fixture.mpq, 'mPQ');
});

test('the assignment breaks ties exactly as scipy.optimize.linear_sum_assignment', () => {
  for (const c of fixture.lsap) {
    const { rows, cols } = linearSumAssignment(c.cost, c.rows, c.cols);
    assert.deepEqual([...rows], c.row_ind, `rows of ${JSON.stringify(c)}`);
    assert.deepEqual([...cols], c.col_ind, `cols of ${JSON.stringify(c)}`);
  }
});
