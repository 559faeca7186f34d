/** What a run report holds: its inputs, the data its page's script reads, and what was written. */
import type { ProgressSink } from '../core/progress.ts';
import type { SampleSource } from '../io/dataset.ts';
import type { AnyManifest } from '../augment/manifest.ts';
import type { AugmentStats } from '../augment/stats.ts';
import type { RealismRecord } from './realism-record.ts';

/** One insertion as the page draws it (coordinates in image pixels; window ones from the crop's corner). */
export interface GalleryItem {
  /** The manifest's insertion index. */
  i: number;
  /** Index into {@link RunReportData.images}. */
  img: number;
  type: number;
  kind: string;
  x: number;
  y: number;
  /** The strip's file, relative to the page. */
  crop: string;
  /** The window: side and top-left corner in the image. */
  s: number;
  ox: number;
  oy: number;
  /** SVG path data (window coordinates) of the new nucleus in the output, '' when not found there. */
  now: string;
  /** Of the replaced nucleus in the input ('' when none). */
  was: string;
  /** A pasted rectangle (CutMix), window coordinates [x0, y0, x1, y1). */
  rect?: [number, number, number, number];
  donor: string;
  replaced?: string;
  details: [string, string][];
}

/** One edited image. */
export interface ThumbItem {
  name: string;
  thumb: string;
  /** Thumbnail and image sizes, px. */
  w: number;
  h: number;
  W: number;
  H: number;
  /** Its insertions' indices. */
  ins: number[];
}

/** What the page's script reads. */
export interface RunReportData {
  classes: Record<number, string>;
  items: GalleryItem[];
  images: ThumbItem[];
}

export interface RunReportInput {
  /** The input dataset (before). */
  original: SampleSource;
  /** The augmented dataset (after), as written. */
  augmented: SampleSource;
  manifest: AnyManifest;
  stats: AugmentStats;
  /** Seconds per phase, when known. */
  timings?: Record<string, number>;
  /** realism.json's figures, when measured. */
  realism?: RealismRecord;
  /** Where the input dataset was read from, as shown (default the manifest's). */
  source?: string;
  /** Links shown at the top (e.g. back to a comparison). */
  links?: { label: string; href: string }[];
  progress?: ProgressSink;
}

/** What was written. */
export interface RunReportSummary {
  insertions: number;
  /** Insertions whose nucleus was found in the output (others were covered by later ones). */
  found: number;
  images: number;
}
