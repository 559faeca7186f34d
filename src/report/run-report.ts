/**
 * The HTML report of one augmentation run, written into a folder:
 *
 *   index.html        the page (parameters, times, counts, realism, images, gallery)
 *   crops/NNNNNN.png  per insertion: the window around it before | after (lossless)
 *   thumbs/NNNNN.jpg  per edited image: a thumbnail, insertion markers drawn by the page
 *   timings.json      the run's seconds per phase (so `nucleimix report` can show them again)
 *
 * Everything is computed from the input and the written output (and the manifest and stats),
 * so `augment` (through the driver's report hook) and `nucleimix report` write the same report.
 * Each edited image is read once from each side; crops are written as they are made.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { className } from '../core/classes.ts';
import { instanceStats, type InstanceStats } from '../core/labels.ts';
import { SILENT } from '../core/progress.ts';
import type { SampleSource } from '../io/dataset.ts';
import type { AnyManifest, InsertionBase } from '../augment/manifest.ts';
import { areasById, insertedInstances, type InsertionPoint } from '../realism/inserted.ts';
import { cropSide, pngBytes, strip, thumbnail, windowOrigin } from './crops.ts';
import { insertionDetails, typeLabel } from './insertion-details.ts';
import { outlinePath } from './outline.ts';
import type { GalleryItem, RunReportData, RunReportInput, RunReportSummary, ThumbItem } from './run-data.ts';
import { runPage } from './run-page.ts';

export type { GalleryItem, RunReportData, RunReportInput, RunReportSummary, ThumbItem } from './run-data.ts';

/** Largest thumbnail side, px. */
export const THUMB_SIDE = 320;

/** An insertion's extent (px) for its window: the new nucleus's box, the replaced one's, a pasted rectangle's. */
function extentOf(ins: InsertionBase, boxes: (ArrayLike<number> | undefined)[]): number {
  let e = 0;
  for (const b of boxes) if (b !== undefined) e = Math.max(e, b[2] - b[0], b[3] - b[1]);
  const rect = (ins.target as { rect?: number[] }).rect;
  if (Array.isArray(rect) && rect.length === 4) e = Math.max(e, rect[2] - rect[0], rect[3] - rect[1]);
  return e;
}

function boxOf(stats: InstanceStats, slot: Map<number, number>, id: number | undefined): Int32Array | undefined {
  const i = id === undefined ? undefined : slot.get(id);
  return i === undefined ? undefined : stats.bboxes.subarray(4 * i, 4 * i + 4);
}

function slots(stats: InstanceStats): Map<number, number> {
  const m = new Map<number, number>();
  stats.ids.forEach((id, i) => m.set(id, i));
  return m;
}

/**
 * Writes the report of a run into `dir` (created if needed; its crops/ and thumbs/ must not
 * hold older files). The original and augmented datasets must hold the insertions' images
 * under the same names and sizes.
 */
export async function writeRunReport(dir: string, input: RunReportInput): Promise<RunReportSummary> {
  const { manifest, original, augmented } = input;
  const progress = input.progress ?? SILENT;
  const classes = augmented.classes;
  await mkdir(join(dir, 'crops'), { recursive: true });
  await mkdir(join(dir, 'thumbs'), { recursive: true });
  const byImage = new Map<string, InsertionBase[]>();
  for (const ins of manifest.insertions) byImage.set(ins.target.image, [...(byImage.get(ins.target.image) ?? []), ins]);
  const names = augmented.names.filter((n) => byImage.has(n));
  const items = new Map<number, GalleryItem>();
  const images: ThumbItem[] = [];
  progress.phase('report', names.length);
  for (const name of names) {
    const o = await original.read(name);
    const a = await augmented.read(name);
    const { width: W, height: H } = a.image;
    const oStats = instanceStats(o.labels.inst);
    const aStats = instanceStats(a.labels.inst);
    const oSlot = slots(oStats);
    const aSlot = slots(aStats);
    const list = byImage.get(name)!;
    // The new nucleus of each insertion: the one the realism test would take as its positive.
    const newId = new Map<number, number>();
    const points = new Map<InsertionPoint, number>();
    for (const ins of list) points.set({ image: name, x: ins.target.x, y: ins.target.y, rareType: ins.rareType, donor: { image: ins.donor.image, id: ins.donor.id } }, ins.index);
    const areas = areasById(oStats);
    for (const type of new Set(list.map((ins) => ins.rareType))) {
      const found = insertedInstances(o.labels, a.labels, aStats, areas, type, [...points.keys()]);
      for (const f of found.found) newId.set(points.get(f.point!)!, f.id);
    }
    const k = images.length;
    for (const ins of list) {
      const id = newId.get(ins.index);
      const replacedId = ins.target.replacedId;
      const side = cropSide(extentOf(ins, [boxOf(aStats, aSlot, id), boxOf(oStats, oSlot, replacedId)]));
      const [ox, oy] = windowOrigin(ins.target.x, ins.target.y, side, W, H);
      const crop = `crops/${String(ins.index).padStart(6, '0')}.png`;
      await writeFile(join(dir, crop), await pngBytes(strip(o.image, a.image, ox, oy, side)));
      const rect = (ins.target as { rect?: number[] }).rect;
      items.set(ins.index, {
        i: ins.index,
        img: k,
        type: ins.rareType,
        kind: ins.target.kind,
        x: ins.target.x,
        y: ins.target.y,
        crop,
        s: side,
        ox,
        oy,
        now: id === undefined ? '' : outlinePath(a.labels.inst, id, ox, oy, side, side),
        was: replacedId === undefined ? '' : outlinePath(o.labels.inst, replacedId, ox, oy, side, side),
        ...(Array.isArray(rect) && rect.length === 4 ? { rect: [rect[0] - ox, rect[1] - oy, rect[2] - ox, rect[3] - oy] as [number, number, number, number] } : {}),
        donor: `${ins.donor.image} #${ins.donor.id}, ${typeLabel(classes, ins.donor.type)}`,
        ...(replacedId !== undefined ? { replaced: `#${replacedId}, ${ins.target.replacedType === undefined ? 'type unknown' : typeLabel(classes, ins.target.replacedType)}` } : {}),
        details: insertionDetails(ins),
      });
    }
    const t = await thumbnail(a.image, THUMB_SIDE);
    const thumb = `thumbs/${String(k).padStart(5, '0')}.jpg`;
    await writeFile(join(dir, thumb), t.bytes);
    images.push({ name, thumb, w: t.width, h: t.height, W, H, ins: list.map((ins) => ins.index) });
    progress.tick(name);
  }
  progress.done();
  const ordered = manifest.insertions.map((ins) => items.get(ins.index)).filter((x): x is GalleryItem => x !== undefined);
  const data: RunReportData = { classes: Object.fromEntries(classes.map((c) => [c.id, c.name])), items: ordered, images };
  await writeFile(join(dir, 'index.html'), runPage({ ...input, source: input.source ?? manifest.dataset.root }, data).text);
  if (input.timings !== undefined) await writeFile(join(dir, 'timings.json'), JSON.stringify(input.timings, null, 2) + '\n');
  return { insertions: ordered.length, found: ordered.filter((x) => x.now !== '').length, images: images.length };
}

/** "name (id)" of each rare type. */
export function rareTypesLabel(manifest: AnyManifest, classes: SampleSource['classes']): string {
  return manifest.rareTypes.map((t) => `${className(classes, t)} (${t})`).join(', ');
}
