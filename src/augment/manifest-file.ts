import { readFile } from 'node:fs/promises';
import { NucleiMixError } from '../core/errors.ts';
import type { Manifest } from './manifest.ts';

/** Reads and checks a manifest.json; anything malformed is an error naming the file. */
export async function readManifest(path: string): Promise<Manifest> {
  let m: Manifest;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as Manifest;
  } catch (err) {
    throw new NucleiMixError(`cannot read the manifest (${(err as Error).message})`, path);
  }
  if (m?.tool !== 'nucleimix' || m.version !== 1 || !Array.isArray(m.insertions)) {
    throw new NucleiMixError('is not a nucleimix manifest (version 1, with "insertions")', path);
  }
  if (m.method !== 'nucleimix') {
    throw new NucleiMixError(`is a ${String(m.method)} manifest; only NucleiMix plans can be rendered (baselines render in one go: augment --method ${String(m.method)})`, path);
  }
  m.insertions.forEach((ins, i) => {
    const t = ins?.target;
    const d = ins?.donor;
    const ok =
      t !== undefined && d !== undefined && typeof t.image === 'string' && (t.kind === 'major' || t.kind === 'background') && Number.isFinite(t.x) && Number.isFinite(t.y) &&
      typeof d.image === 'string' && Number.isInteger(d.id) && Number.isInteger(d.type) && typeof d.flipH === 'boolean' && typeof d.flipV === 'boolean' && Number.isFinite(d.rotation) &&
      (t.kind === 'background' || Number.isInteger(t.replacedId)) && Number.isInteger(ins.index);
    if (!ok) throw new NucleiMixError(`insertion ${i} is incomplete or malformed (needs target image/kind/x/y[/replacedId] and donor image/id/type/flipH/flipV/rotation)`, path);
  });
  return m;
}
