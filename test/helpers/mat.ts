import assert from 'node:assert/strict';
import { CLASS_ARRAYS, type MatClass, type MatData } from '../../src/io/mat-file.ts';

/** The expected values (JSON-encoded by scripts/fixtures_mat.py) as the class's typed array. */
export function expectedData(cls: MatClass, data: Array<number | string>): MatData {
  const decode = (v: number | string) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : Number(v));
  if (cls === 'int64') return BigInt64Array.from(data, (v) => BigInt(v));
  if (cls === 'uint64') return BigUint64Array.from(data, (v) => BigInt(v));
  const out = new CLASS_ARRAYS[cls](data.length) as Float64Array;
  data.forEach((v, i) => (out[i] = decode(v)));
  return out;
}

/** Exact equality of two arrays of values, NaN equal to NaN and -0 distinct from 0. */
export function assertSameData(got: MatData, want: MatData, what: string): void {
  assert.equal(got.constructor, want.constructor, `${what}: array type`);
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
}
