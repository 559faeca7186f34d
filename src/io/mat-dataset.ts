/**
 * The machinery shared by the formats that pair images with `.mat` label files (CoNSeP /
 * GLySAC and Lizard): pairing, reading, and writing with the input's variables, classes and
 * compression kept. Each format supplies a {@link MatLabelCodec}: how its variables become
 * labels and back.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClassList } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import type { Labels } from '../core/labels.ts';
import { createImage } from '../core/raster.ts';
import type { Dataset, FormatIO, FormatName, Sample, SampleSource } from './dataset.ts';
import { readImageFile, writeImageFile, type ImageFileInfo } from './image-file.ts';
import { classOf, matVariable } from './mat-arrays.ts';
import type { MatArray, MatClass, MatFile, MatVariable } from './mat-file.ts';
import { readMatFile, writeMatFile } from './mat-file.ts';
import { relativeFile } from './file-hashes.ts';
import { writeEachSample } from './sample-writes.ts';
import { labelOnlyFiles, matLabelKind, matLayoutProblem, pairImagesWithLabels, type FilePair, type LabelFile } from './paired-folders.ts';

/** What the files held besides the labels: kept so that writing them back loses nothing. */
export interface MatSource {
  format: FormatName;
  image: ImageFileInfo;
  /** The .mat file with every variable; the label variables are replaced on writing. */
  mat: MatFile;
}

/** A label variable to write: rows×cols row-major values and the class for new files. */
export interface LabelVariable {
  rows: number;
  cols: number;
  values: ArrayLike<number>;
  fallback: MatClass;
}

export interface MatLabelCodec<Stored> {
  format: 'consep' | 'lizard';
  description: string;
  /** The label variables, in the order a new file gets them. */
  variables: readonly string[];
  /**
   * Labels (and what the file stores beyond them) from a label file; errors name `file`.
   * `untyped` accepts type 0 (instances a model did not classify).
   */
  parse(mat: MatFile, file: string, width: number, height: number, untyped?: boolean): { labels: Labels; stored: Stored };
  /** The label variables for a sample; `stored` is present only for unedited labels of this format. */
  build(labels: Labels, stored: Stored | undefined): Record<string, LabelVariable>;
  /** The class list when the caller has none. */
  defaultClasses(files: LabelFile[]): Promise<ClassList>;
}

/** A FormatIO for images + `.mat` labels in the given codec. */
export function matFormat<Stored>(codec: MatLabelCodec<Stored>): FormatIO {
  const readPair = async (pair: FilePair): Promise<Sample> => {
    const [{ image, info }, mat] = await Promise.all([readImageFile(pair.image), readMatFile(pair.label)]);
    const { labels, stored } = codec.parse(mat, pair.label, image.width, image.height);
    const source: MatSource = { format: codec.format, image: info, mat };
    return { name: pair.name, image, labels, origin: pair.label, source, stored };
  };

  const open = async (root: string, classes?: ClassList): Promise<Dataset> => {
    let pairs: FilePair[];
    try {
      pairs = await pairImagesWithLabels(root, '.mat');
    } catch (err) {
      const only = await labelOnlyFiles(root, '.mat');
      if (only === undefined) throw err;
      return openLabelsOnly(root, only, classes);
    }
    const byName = new Map(pairs.map((p) => [p.name, p]));
    return {
      format: codec.format,
      root,
      classes: classes ?? (await codec.defaultClasses(pairs)),
      names: pairs.map((p) => p.name),
      files: (name) => {
        const pair = byName.get(name);
        return pair === undefined ? [] : [relativeFile(root, pair.image), relativeFile(root, pair.label)];
      },
      read: (name) => {
        const pair = byName.get(name);
        if (pair === undefined) throw new NucleiMixError(`no image named '${name}'`, root);
        return readPair(pair);
      },
    };
  };

  const openLabelsOnly = async (root: string, files: LabelFile[], classes?: ClassList): Promise<Dataset> => {
    const byName = new Map(files.map((f) => [f.name, f]));
    return {
      format: codec.format,
      root,
      labelsOnly: true,
      classes: classes ?? (await codec.defaultClasses(files)),
      names: files.map((f) => f.name),
      files: (name) => {
        const f = byName.get(name);
        return f === undefined ? [] : [relativeFile(root, f.label)];
      },
      read: async (name) => {
        const f = byName.get(name);
        if (f === undefined) throw new NucleiMixError(`no label file named '${name}'`, root);
        const mat = await readMatFile(f.label);
        const dims = mat.variables.find((v) => v.name === 'inst_map' && v.kind === 'array') as MatArray | undefined;
        if (dims === undefined || dims.dims.length !== 2) throw new NucleiMixError(`has no 2-D 'inst_map'`, f.label);
        const [height, width] = dims.dims;
        const { labels } = codec.parse(mat, f.label, width, height, true);
        return { name, image: createImage(width, height), labels, origin: f.label };
      },
    };
  };

  const write = async (dir: string, source: SampleSource): Promise<void> => {
    await mkdir(join(dir, 'Images'), { recursive: true });
    await mkdir(join(dir, 'Labels'), { recursive: true });
    await writeEachSample(source, async (sample, name) => {
      const src = (sample.source as Partial<MatSource> | undefined)?.format === codec.format ? (sample.source as MatSource) : undefined;
      const labels = labelFile(codec, sample, src);
      // Both settle before a failure is reported: none may still be writing when the folder goes.
      const written = await Promise.allSettled([
        writeImageFile(join(dir, 'Images', name + (src?.image.ext ?? '.png')), sample.image, src?.image),
        writeMatFile(join(dir, 'Labels', name + '.mat'), labels),
      ]);
      for (const w of written) if (w.status === 'rejected') throw w.reason;
    });
  };

  return {
    name: codec.format,
    description: codec.description,
    detect: async (root) => (await matLabelKind(root)) === codec.format,
    diagnose: matLayoutProblem,
    open,
    write,
  };
}

/**
 * The label file of one sample: the input file's variables in their order, the label ones
 * rebuilt with the input's class, storage and compression (double and compressed for new
 * files), anything else carried over unchanged.
 */
export function labelFile<Stored>(codec: MatLabelCodec<Stored>, sample: Sample, src: MatSource | undefined): MatFile {
  const stored = src === undefined ? undefined : (sample.stored as Stored | undefined);
  const parts = codec.build(sample.labels, stored);
  const built: Record<string, MatVariable & { compressed: boolean }> = {};
  for (const name of codec.variables) {
    const { rows, cols, values, fallback } = parts[name];
    const like = classOf(src?.mat, name) as (MatArray & { compressed?: boolean }) | undefined;
    built[name] = matVariable(name, rows, cols, values, like, fallback, true);
  }
  const variables: MatFile['variables'] = [];
  for (const v of src?.mat.variables ?? []) variables.push(codec.variables.includes(v.name) ? built[v.name] : v);
  for (const name of codec.variables) if (!variables.some((v) => v.name === name)) variables.push(built[name]);
  return { version: src?.mat.version ?? '5', header: src?.mat.header ?? 'MATLAB 5.0 MAT-file, written by nucleimix', variables };
}
