/**
 * Lizard: images (`Lizard_Images1/`, `Lizard_Images2/` or `Images/`) + `.mat` labels
 * (`Lizard_Labels/Labels/` or `Labels/`) holding `inst_map` (H×W int32), `id` (N×1: the
 * instance id each row describes), `class` (N×1), `bbox` (N×4: y1, y2, x1, x2 with y2 and x2
 * exclusive, as HoVer-Net's get_bounding_box) and `centroid` (N×2: x, y). Rows follow `id`,
 * not the map's order, so everything is looked up by id.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CLASS_LISTS, type ClassList } from '../core/classes.ts';
import { NucleiMixError, check } from '../core/errors.ts';
import { instanceStats, type Labels } from '../core/labels.ts';
import { createInstanceMap } from '../core/raster.ts';
import type { Dataset, FormatIO, Sample, SampleSource } from './dataset.ts';
import { readImageFile, writeImageFile, type ImageFileInfo } from './image-file.ts';
import { classOf, floatRows, hasVariable, intMatrix, intVector, matVariable } from './mat-arrays.ts';
import { readMatFile, writeMatFile, type MatFile, type MatVariable } from './mat-file.ts';
import { matLabelKind, pairImagesWithLabels, type FilePair } from './paired-folders.ts';

interface LizardSource {
  format: 'lizard';
  image: ImageFileInfo;
  mat: MatFile;
}

/** The per-row arrays as stored (row order and bounding boxes), valid for unedited labels. */
interface LizardStored {
  rowIds: Int32Array;
  bbox: Float64Array;
}

const LABEL_VARIABLES = ['inst_map', 'id', 'class', 'bbox', 'centroid'];

export function lizardLabels(mat: MatFile, file: string, width: number, height: number): { labels: Labels; stored: LizardStored } {
  const inst = intMatrix(mat, 'inst_map', file);
  check(inst.rows === height && inst.cols === width, file, `inst_map is ${inst.rows}×${inst.cols} but the image is ${height}×${width}`);
  const instMap = createInstanceMap(width, height, inst.data);
  const stats = instanceStats(instMap);
  const rowIds = intVector(mat, 'id', file);
  const classes = intVector(mat, 'class', file);
  const n = rowIds.length;
  check(classes.length === n, file, `'class' has ${classes.length} rows but 'id' has ${n}`);
  const rowOf = new Map<number, number>();
  rowIds.forEach((id, r) => {
    if (rowOf.has(id)) throw new NucleiMixError(`'id' lists instance ${id} twice`, file);
    rowOf.set(id, r);
  });
  for (const id of stats.ids) check(rowOf.has(id), file, `instance ${id} of inst_map has no row in 'id' (no class)`);
  check(n === stats.ids.length, file, `'id' has ${n} rows but inst_map has ${stats.ids.length} instances`);
  const centroidRows = hasVariable(mat, 'centroid') ? floatRows(mat, 'centroid', file, n, 2) : undefined;
  const bbox = hasVariable(mat, 'bbox') ? floatRows(mat, 'bbox', file, n, 4) : new Float64Array(0);
  const types = new Int32Array(n);
  const centroids = new Float64Array(2 * n);
  stats.ids.forEach((id, i) => {
    const r = rowOf.get(id)!;
    types[i] = classes[r];
    check(types[i] > 0, file, `instance ${id} has class ${types[i]}; classes must be positive`);
    centroids[2 * i] = centroidRows ? centroidRows[2 * r] : stats.centroids[2 * i];
    centroids[2 * i + 1] = centroidRows ? centroidRows[2 * r + 1] : stats.centroids[2 * i + 1];
  });
  return { labels: { inst: instMap, ids: stats.ids, types, centroids }, stored: { rowIds, bbox } };
}

async function readPair(pair: FilePair): Promise<Sample> {
  const [{ image, info }, mat] = await Promise.all([readImageFile(pair.image), readMatFile(pair.label)]);
  const { labels, stored } = lizardLabels(mat, pair.label, image.width, image.height);
  const source: LizardSource = { format: 'lizard', image: info, mat };
  return { name: pair.name, image, labels, origin: pair.label, source, stored };
}

async function detect(root: string): Promise<boolean> {
  return (await matLabelKind(root)) === 'lizard';
}

async function open(root: string, classes?: ClassList): Promise<Dataset> {
  const pairs = await pairImagesWithLabels(root, '.mat');
  const byName = new Map(pairs.map((p) => [p.name, p]));
  return {
    format: 'lizard',
    root,
    classes: classes ?? CLASS_LISTS.lizard,
    names: pairs.map((p) => p.name),
    read: (name) => {
      const pair = byName.get(name);
      if (pair === undefined) throw new NucleiMixError(`no image named '${name}'`, root);
      return readPair(pair);
    },
  };
}

/** Rows in the stored order for unedited labels, else ascending ids with fresh boxes. */
export function lizardMat(sample: Sample): MatFile {
  const src = (sample.source as Partial<LizardSource> | undefined)?.format === 'lizard' ? (sample.source as LizardSource) : undefined;
  const stored = src === undefined ? undefined : (sample.stored as LizardStored | undefined);
  const { labels } = sample;
  const { width, height } = labels.inst;
  const n = labels.ids.length;
  const index = new Map<number, number>();
  labels.ids.forEach((id, i) => index.set(id, i));
  const rowIds = stored?.rowIds ?? labels.ids;
  let bbox = stored?.bbox;
  if (bbox === undefined || bbox.length !== 4 * n) {
    const stats = instanceStats(labels.inst);
    bbox = new Float64Array(4 * n);
    stats.ids.forEach((id, i) => {
      const [x0, y0, x1, y1] = stats.bboxes.subarray(4 * i, 4 * i + 4);
      bbox!.set([y0, y1, x0, x1], 4 * rowIds.indexOf(id));
    });
  }
  const classes = Int32Array.from(rowIds, (id) => labels.types[index.get(id)!]);
  const centroid = new Float64Array(2 * n);
  rowIds.forEach((id, r) => {
    const i = index.get(id)!;
    centroid[2 * r] = labels.centroids[2 * i];
    centroid[2 * r + 1] = labels.centroids[2 * i + 1];
  });
  const like = (name: string) => classOf(src?.mat, name) as (ReturnType<typeof classOf> & { compressed?: boolean }) | undefined;
  const built: Record<string, MatVariable & { compressed: boolean }> = {
    inst_map: matVariable('inst_map', height, width, labels.inst.data, like('inst_map'), 'int32', true),
    id: matVariable('id', n, 1, rowIds, like('id'), 'int32', true),
    class: matVariable('class', n, 1, classes, like('class'), 'int32', true),
    bbox: matVariable('bbox', n, 4, bbox, like('bbox'), 'int32', true),
    centroid: matVariable('centroid', n, 2, centroid, like('centroid'), 'double', true),
  };
  const variables: MatFile['variables'] = [];
  for (const v of src?.mat.variables ?? []) variables.push(LABEL_VARIABLES.includes(v.name) ? built[v.name] : v);
  for (const name of LABEL_VARIABLES) if (!variables.some((v) => v.name === name)) variables.push(built[name]);
  return { version: src?.mat.version ?? '5', header: src?.mat.header ?? 'MATLAB 5.0 MAT-file, written by nucleimix', variables };
}

async function write(dir: string, source: SampleSource): Promise<void> {
  await mkdir(join(dir, 'Images'), { recursive: true });
  await mkdir(join(dir, 'Labels'), { recursive: true });
  for (const name of source.names) {
    const sample = await source.read(name);
    const src = sample.source as Partial<LizardSource> | undefined;
    const info = src?.format === 'lizard' ? src.image : undefined;
    await writeImageFile(join(dir, 'Images', name + (info?.ext ?? '.png')), sample.image, info);
    await writeMatFile(join(dir, 'Labels', name + '.mat'), lizardMat(sample));
  }
}

export const lizard: FormatIO = {
  name: 'lizard',
  description: 'Lizard: images + Labels/*.mat (inst_map, id, class, bbox, centroid)',
  detect,
  open,
  write,
};
