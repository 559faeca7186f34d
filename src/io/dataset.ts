import type { ClassList } from '../core/classes.ts';
import type { Labels } from '../core/labels.ts';
import type { RgbImage } from '../core/raster.ts';

/** The dataset formats nucleimix reads and writes. */
export type FormatName = 'consep' | 'lizard' | 'pannuke' | 'monuseg' | 'monusac';

/** One annotated image. */
export interface Sample {
  /** Image name without extension, unique within its dataset (e.g. `train_1`). */
  name: string;
  image: RgbImage;
  labels: Labels;
  /** The file the labels were read from, for error messages. */
  origin?: string;
  /**
   * Label-derived arrays exactly as the file stored them (type map, bounding boxes, original
   * ids, ...), valid only for `labels` as read. Code that edits `labels` must drop this field;
   * writers recompute whatever is absent. Opaque to everything but the format's own writer.
   */
  stored?: unknown;
  /**
   * Format-specific facts about the file, true whatever the labels are: dtypes, compression,
   * variables nucleimix does not interpret. The same format's writer uses them to reproduce
   * the file; opaque to everything else.
   */
  source?: unknown;
}

/** Anything samples can be read from by name: an opened dataset, or an edited view of one. */
export interface SampleSource {
  readonly classes: ClassList;
  readonly names: readonly string[];
  read(name: string): Promise<Sample>;
}

/** An opened dataset on disk. Samples are read lazily, one at a time. */
export interface Dataset extends SampleSource {
  readonly format: FormatName;
  /** The folder (or, for single-file formats, the file) the dataset was opened from. */
  readonly root: string;
  /**
   * True for a folder of label files without images, such as a model's predictions: its
   * samples carry blank images and may have untyped (type 0) instances. Only evaluation reads
   * such datasets (see `OpenOptions.labelsOnly`).
   */
  readonly labelsOnly?: boolean;
  /**
   * The files sample `name` is read from, as paths relative to `root` (`/`-separated, as
   * `datasetFileHashes` names them): with the class list and the open options, all its
   * content depends on. Absent for formats whose samples share a file (PanNuke).
   */
  files?(name: string): readonly string[];
}

/** One dataset format: how to recognise, read and write it. */
export interface FormatIO {
  readonly name: FormatName;
  /** A one-line description for `--help` and `info`. */
  readonly description: string;
  /** True when `root` looks like a dataset of this format. Never throws. */
  detect(root: string): Promise<boolean>;
  /**
   * Why `root` is not a dataset of this format when it comes close (some of the format's
   * folders or files are there, but something is wrong with them): one line naming the file
   * and the problem, paths relative to `root`. Undefined when `root` looks nothing like this
   * format. Never throws; asked only after every `detect` said no.
   */
  diagnose?(root: string): Promise<string | undefined>;
  /**
   * Opens the dataset at `root`. `classes` is the class list the caller settled on (from a
   * `classes.json` beside the data or `--classes`), if any; without it the reader picks the
   * format's own list.
   */
  open(root: string, classes?: ClassList): Promise<Dataset>;
  /** Writes every sample of `source` into the existing, empty folder `dir`, in this format. */
  write(dir: string, source: SampleSource): Promise<void>;
  /**
   * The class list of what `write` writes from data with `classes`, when the format places
   * types by class name rather than by number (PanNuke's fixed mask channels); the written
   * classes.json holds it. Absent: the classes are written as they are.
   */
  writtenClasses?(classes: ClassList): ClassList;
}

/**
 * `target` with new pixels and labels, following the contract of {@link Sample}: `stored`
 * dropped (it described the old labels), `source` and `origin` kept.
 */
export function editedSample(target: Sample, image: RgbImage, labels: Labels): Sample {
  const sample: Sample = { name: target.name, image, labels };
  if (target.origin !== undefined) sample.origin = target.origin;
  if (target.source !== undefined) sample.source = target.source;
  return sample;
}
