import { className, type ClassList } from '../core/classes.ts';
import type { AnyManifest, EngineRecord } from './manifest.ts';
import type { RenderLog } from './render-loop.ts';

/** `stats.json`: what an augmentation run did, in numbers (no timings: reruns are byte-identical). */
export interface AugmentStats {
  method: string;
  seed: number;
  k: number;
  rareTypes: number[];
  /** The inpainting engine the images were rendered with (null: the method does not inpaint). */
  engine: EngineRecord | null;
  classes: { id: number; name: string }[];
  counts: { before: Record<number, number>; after: Record<number, number> };
  /** New nuclei per rare type. */
  inserted: Record<number, number>;
  /** Insertions by target kind (NucleiMix: `major`, `background`; each method names its own). */
  targets: Record<string, number>;
  /** Nuclei removed by type: replaced majors, and neighbours the new nuclei covered completely. */
  replaced: Record<number, number>;
  vanished: Record<number, number>;
  /** Images that received at least one insertion. */
  imagesEdited: number;
  /** Instances the edits cut into pieces, kept as their largest 4-connected piece, and the pixels cleared. */
  trimmed: { instances: number; pixels: number };
  extra?: Record<string, unknown>;
}

/**
 * The stats of a run of any method, from its manifest and render log. `kinds` are the target
 * kinds listed even when no insertion has them (others appear when used).
 */
export function augmentStats(manifest: AnyManifest, classes: ClassList, log: RenderLog, extra: Record<string, unknown> | undefined, kinds: readonly string[]): AugmentStats {
  const inserted: Record<number, number> = {};
  const replaced: Record<number, number> = {};
  const vanished: Record<number, number> = {};
  for (const t of manifest.rareTypes) inserted[t] = 0;
  const targets: Record<string, number> = {};
  for (const kind of kinds) targets[kind] = 0;
  for (const ins of manifest.insertions) {
    inserted[ins.donor.type] = (inserted[ins.donor.type] ?? 0) + 1;
    targets[ins.target.kind] = (targets[ins.target.kind] ?? 0) + 1;
    if (ins.target.replacedType !== undefined) replaced[ins.target.replacedType] = (replaced[ins.target.replacedType] ?? 0) + 1;
  }
  for (const applied of log.applied.values()) {
    for (const a of applied) for (const v of a.vanishedTypes) vanished[v] = (vanished[v] ?? 0) + 1;
  }
  return {
    method: manifest.method,
    seed: manifest.seed,
    k: manifest.k,
    rareTypes: manifest.rareTypes,
    engine: manifest.engine,
    classes: classes.map(({ id, name }) => ({ id, name })),
    counts: { before: log.before, after: log.counts },
    inserted,
    targets,
    replaced,
    vanished,
    imagesEdited: log.applied.size,
    trimmed: log.trimmed,
    ...(extra !== undefined ? { extra } : {}),
  };
}

/** Rows `type, name, before, after, change` (like Tables 1–2 of the paper). */
export function countChangeRows(stats: AugmentStats): (string | number)[][] {
  const ids = [...new Set([...stats.classes.map((c) => c.id), ...Object.keys(stats.counts.after).map(Number)])].sort((a, b) => a - b);
  const rows: (string | number)[][] = ids.map((id) => {
    const b = stats.counts.before[id] ?? 0;
    const a = stats.counts.after[id] ?? 0;
    return [String(id), className(stats.classes, id), b, a, a - b > 0 ? `+${a - b}` : String(a - b)];
  });
  const tb = Object.values(stats.counts.before).reduce((x, y) => x + y, 0);
  const ta = Object.values(stats.counts.after).reduce((x, y) => x + y, 0);
  rows.push(['', 'all', tb, ta, ta - tb > 0 ? `+${ta - tb}` : String(ta - tb)]);
  return rows;
}
