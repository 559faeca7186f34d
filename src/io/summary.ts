import { className, type ClassList } from '../core/classes.ts';
import type { SampleSource } from './dataset.ts';

/** Per-image and per-type counts of a dataset, as `nucleimix info` prints them. */
export interface DatasetSummary {
  images: { name: string; width: number; height: number; nuclei: number; counts: Record<number, number> }[];
  /** type id → nuclei over the whole dataset, for every class in the list (0 where absent). */
  counts: Record<number, number>;
  total: number;
}

export async function summarise(source: SampleSource, onImage?: (name: string) => void): Promise<DatasetSummary> {
  const counts: Record<number, number> = {};
  for (const c of source.classes) counts[c.id] = 0;
  const images: DatasetSummary['images'] = [];
  let total = 0;
  for (const name of source.names) {
    const { image, labels } = await source.read(name);
    const perImage: Record<number, number> = {};
    for (const t of labels.types) {
      perImage[t] = (perImage[t] ?? 0) + 1;
      counts[t] = (counts[t] ?? 0) + 1;
    }
    total += labels.types.length;
    images.push({ name, width: image.width, height: image.height, nuclei: labels.types.length, counts: perImage });
    onImage?.(name);
  }
  return { images, counts, total };
}

/** Rows `type, name, nuclei, share` for a count table. */
export function countRows(classes: ClassList, counts: Record<number, number>): (string | number)[][] {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const ids = [...new Set([...classes.map((c) => c.id), ...Object.keys(counts).map(Number)])].sort((a, b) => a - b);
  return ids.map((id) => [String(id), className(classes, id), counts[id] ?? 0, total === 0 ? '0.0%' : `${((100 * (counts[id] ?? 0)) / total).toFixed(1)}%`]);
}
