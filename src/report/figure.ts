/**
 * The comparison's figure (after the paper's Fig. 1): the same windows of the input shown as
 * they are and as each method left them, side by side, with each method's new nuclei
 * outlined (and the nuclei it replaced, dashed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cropReflect } from '../core/crop.ts';
import { instanceStats } from '../core/labels.ts';
import type { Dataset } from '../io/dataset.ts';
import { openDataset } from '../io/open.ts';
import type { AnyManifest } from '../augment/manifest.ts';
import { areasById, insertedInstances, type InsertionPoint } from '../realism/inserted.ts';
import { pngBytes, windowOrigin } from './crops.ts';
import { figureRegions, type MethodPoint } from './figure-regions.ts';
import { outlinePath } from './outline.ts';

/** One method's run, as the figure reads it. */
export interface FigureRun {
  name: string;
  /** Its augmented dataset's folder. */
  dir: string;
  manifest: AnyManifest;
}

/** One cell: the crop's file (relative to the page) and outlines in window coordinates. */
export interface FigureCell {
  file: string;
  /** SVG path data of the new nuclei (none for the input's column). */
  now: string[];
  /** Of the nuclei the method replaced. */
  was: string[];
}

export interface FigureData {
  /** Window side (px) and the magnification the page shows it at. */
  size: number;
  scale: number;
  /** Column heads: `input`, then the methods. */
  columns: string[];
  rows: { image: string; x0: number; y0: number; methods: string[]; cells: FigureCell[] }[];
}

/** Magnification of the figure's windows. */
export const FIGURE_SCALE = 2;

/** Chooses the windows, writes their crops into `<root>/figure/` and returns what the page draws. */
export async function writeFigure(root: string, original: Dataset, runs: readonly FigureRun[], options: { rows: number; size: number }): Promise<FigureData> {
  const { size } = options;
  await mkdir(join(root, 'figure'), { recursive: true });
  const points: MethodPoint[] = runs.flatMap((r) => r.manifest.insertions.map((ins) => ({ method: r.name, image: ins.target.image, x: ins.target.x, y: ins.target.y })));
  const regions = figureRegions(points, options.rows, size, runs.some((r) => r.name === 'nucleimix') ? 'nucleimix' : runs[0]?.name);
  const opened = await Promise.all(runs.map((r) => openDataset(r.dir, { format: original.format })));
  const rows: FigureData['rows'] = [];
  for (const [k, region] of regions.entries()) {
    const o = await original.read(region.image);
    const [x0, y0] = windowOrigin(region.cx, region.cy, size, o.image.width, o.image.height);
    const oStats = instanceStats(o.labels.inst);
    const areas = areasById(oStats);
    const cells: FigureCell[] = [];
    const inputFile = `figure/r${k}-input.png`;
    await writeFile(join(root, inputFile), await pngBytes(cropReflect(o.image, x0, y0, size, size) as typeof o.image));
    cells.push({ file: inputFile, now: [], was: [] });
    for (const [j, run] of runs.entries()) {
      const a = await opened[j].read(region.image);
      const inWindow = run.manifest.insertions.filter((ins) => ins.target.image === region.image && ins.target.x >= x0 - size / 4 && ins.target.x < x0 + size + size / 4 && ins.target.y >= y0 - size / 4 && ins.target.y < y0 + size + size / 4);
      const pts: InsertionPoint[] = inWindow.map((ins) => ({ image: region.image, x: ins.target.x, y: ins.target.y, rareType: ins.rareType }));
      const aStats = instanceStats(a.labels.inst);
      const now: string[] = [];
      for (const type of new Set(pts.map((p) => p.rareType))) {
        for (const f of insertedInstances(o.labels, a.labels, aStats, areas, type, pts).found) {
          const d = outlinePath(a.labels.inst, f.id, x0, y0, size, size);
          if (d !== '') now.push(d);
        }
      }
      const was = inWindow.flatMap((ins) => (ins.target.replacedId === undefined ? [] : [outlinePath(o.labels.inst, ins.target.replacedId, x0, y0, size, size)])).filter((d) => d !== '');
      const file = `figure/r${k}-${run.name}.png`;
      await writeFile(join(root, file), await pngBytes(cropReflect(a.image, x0, y0, size, size) as typeof a.image));
      cells.push({ file, now, was });
    }
    rows.push({ image: region.image, x0, y0, methods: region.methods, cells });
  }
  return { size, scale: FIGURE_SCALE, columns: ['input', ...runs.map((r) => r.name)], rows };
}
