/** Reading a manifest.json of any method back, checked, with every problem an error naming the file. */
import { readFile } from 'node:fs/promises';
import { NucleiMixError } from '../core/errors.ts';
import type { AnyManifest } from './manifest.ts';
import { methodByName } from './methods.ts';

/**
 * Reads and checks a manifest: the outline every method shares (version 2), then each
 * insertion's common fields and the method's own (`checkInsertion`).
 */
export async function readManifest(path: string): Promise<AnyManifest> {
  let m: AnyManifest;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as AnyManifest;
  } catch (err) {
    throw new NucleiMixError(`cannot read the manifest (${(err as Error).message})`, path);
  }
  if (m?.tool !== 'nucleimix' || !Array.isArray(m.insertions)) throw new NucleiMixError('is not a nucleimix manifest (no "tool": "nucleimix" with "insertions")', path);
  if ((m.version as number) !== 2) throw new NucleiMixError(`is a version ${String(m.version)} manifest; this nucleimix reads version 2 (plan it again)`, path);
  let method;
  try {
    method = methodByName(String(m.method));
  } catch (err) {
    throw new NucleiMixError((err as Error).message, path);
  }
  const outline =
    typeof m.dataset?.root === 'string' && typeof m.dataset?.format === 'string' && typeof m.inputs === 'object' && m.inputs !== null &&
    Number.isInteger(m.seed) && Number.isInteger(m.k) && Array.isArray(m.rareTypes) && typeof m.options === 'object' && m.options !== null &&
    Number.isInteger(m.options.borderMargin) && typeof m.planning === 'object' && (m.engine === null || typeof m.engine?.name === 'string');
  if (!outline) throw new NucleiMixError('is incomplete (needs dataset, inputs, seed, k, rareTypes, options.borderMargin, engine, planning)', path);
  m.insertions.forEach((ins, i) => {
    const t = ins?.target;
    const d = ins?.donor;
    const common =
      t !== undefined && d !== undefined && Number.isInteger(ins.index) && Number.isInteger(ins.rareType) && typeof t.image === 'string' && typeof t.kind === 'string' &&
      Number.isFinite(t.x) && Number.isFinite(t.y) && typeof d.image === 'string' && Number.isInteger(d.id) && Number.isInteger(d.type);
    if (!common) throw new NucleiMixError(`insertion ${i} is incomplete or malformed (needs index, rareType, target image/kind/x/y and donor image/id/type)`, path);
    try {
      method.checkInsertion(ins);
    } catch (err) {
      throw new NucleiMixError(`insertion ${i} is not a ${method.name} insertion: ${(err as Error).message}`, path);
    }
  });
  return m;
}
