/**
 * The realism figures a report shows: the JSON `nucleimix realism --json` writes
 * (src/realism/measure.ts, `realismJson`), read back and checked, or made from a measurement.
 */
import { readFile } from 'node:fs/promises';
import { NucleiMixError } from '../core/errors.ts';
import type { AucEstimate } from '../realism/classifier-test.ts';
import { realismJson, type Realism } from '../realism/measure.ts';

/** One type's figures, as in realism.json. */
export interface RealismTypeRecord {
  type: number;
  name: string;
  auc: number;
  ci: [number, number];
  seam: AucEstimate;
  context: AucEstimate;
  null: AucEstimate;
  n_inserted: number;
  n_real: number;
  n_inserted_used?: number;
  n_real_used?: number;
  n_missed?: number;
}

export interface RealismRecord {
  source?: string;
  seed?: number;
  types: RealismTypeRecord[];
  skipped?: { type: number; name: string; n_inserted: number }[];
}

/** The record of a measurement, as realism.json holds it. */
export function realismRecord(r: Realism): RealismRecord {
  return realismJson(r) as unknown as RealismRecord;
}

const isEstimate = (e: unknown): e is AucEstimate => {
  const v = e as AucEstimate | undefined;
  // NaN (a class too small to score) is written as null by JSON.
  return (typeof v?.auc === 'number' || v?.auc === null) && Array.isArray(v.ci) && v.ci.length === 2;
};

/**
 * Reads a realism.json; undefined when there is no such file.
 *
 * @throws NucleiMixError naming the file when it is not valid JSON or lacks a type's figures
 */
export async function readRealismRecord(path: string): Promise<RealismRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let json: RealismRecord;
  try {
    json = JSON.parse(text) as RealismRecord;
  } catch (err) {
    throw new NucleiMixError(`not valid JSON (${(err as Error).message})`, path);
  }
  if (!Array.isArray(json?.types)) throw new NucleiMixError('has no types[] list (is it the output of nucleimix realism --json?)', path);
  json.types.forEach((t, i) => {
    const ok = Number.isInteger(t?.type) && isEstimate({ auc: t.auc, ci: t.ci }) && isEstimate(t.seam) && isEstimate(t.context) && isEstimate(t.null);
    if (!ok) throw new NucleiMixError(`types[${i}] lacks type, auc, ci, seam, context or null`, path);
  });
  return json;
}
