/**
 * CoNSeP / GLySAC: `Images/<name>.png|tif` + `Labels/<name>.mat` holding `inst_map` (H×W,
 * 0 = background), `type_map` (H×W), `inst_type` (N×1: the type of instance id i at row i−1)
 * and `inst_centroid` (N×2: x then y). HoVer-Net, SONNET and the NucleiMix code read this.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CLASS_LISTS, genericClasses, type ClassList } from '../core/classes.ts';
import { NucleiMixError, check } from '../core/errors.ts';
import { instanceStats, paintTypeMap, renumber, type Labels } from '../core/labels.ts';
import { createInstanceMap } from '../core/raster.ts';
import type { Dataset, FormatIO, Sample, SampleSource } from './dataset.ts';
import { readImageFile, writeImageFile, type ImageFileInfo } from './image-file.ts';
import { classOf, floatRows, hasVariable, intMatrix, intVector, matVariable } from './mat-arrays.ts';
import { readMatFile, writeMatFile, type MatFile, type MatVariable } from './mat-file.ts';
import { matLabelKind, pairImagesWithLabels, type FilePair } from './paired-folders.ts';

/** What a CoNSeP file held besides the labels: kept so that writing it back loses nothing. */
interface ConsepSource {
  format: 'consep';
  image: ImageFileInfo;
  /** The .mat file with every variable; the four label variables are replaced on writing. */
  mat: MatFile;
}

/** The type map exactly as stored, valid while the labels are unedited. */
interface ConsepStored {
  typeMap?: Int32Array;
}

const LABEL_VARIABLES = ['inst_map', 'type_map', 'inst_type', 'inst_centroid'];

/** The usual class list for the largest type a CoNSeP-layout dataset uses. */
export function consepClassesFor(maxType: number): ClassList {
  if (maxType <= 4) return CLASS_LISTS['consep-merged'];
  if (maxType <= 7) return CLASS_LISTS.consep;
  if (maxType <= 10) return CLASS_LISTS.glysac;
  return genericClasses(maxType);
}

/** Parses one CoNSeP label file against its image; every inconsistency names the file. */
export function consepLabels(mat: MatFile, file: string, width: number, height: number): { labels: Labels; typeMap?: Int32Array } {
  const inst = intMatrix(mat, 'inst_map', file);
  check(inst.rows === height && inst.cols === width, file, `inst_map is ${inst.rows}×${inst.cols} but the image is ${height}×${width}`);
  const instMap = createInstanceMap(width, height, inst.data);
  const stats = instanceStats(instMap);
  const typeRows = intVector(mat, 'inst_type', file);
  const n = stats.ids.length;
  const maxId = n === 0 ? 0 : stats.ids[n - 1];
  check(maxId <= typeRows.length, file, `instance id ${maxId} has no type: inst_type has ${typeRows.length} rows`);
  check(typeRows.length === n, file, `inst_type has ${typeRows.length} rows but inst_map has ${n} instances (ids must be 1..N)`);
  const types = Int32Array.from(stats.ids, (id) => typeRows[id - 1]);
  const bad = types.findIndex((t) => t <= 0);
  check(bad < 0, file, `instance ${stats.ids[bad]} has type ${types[bad]}; types must be positive`);
  const centroids = hasVariable(mat, 'inst_centroid') ? floatRows(mat, 'inst_centroid', file, n, 2) : stats.centroids;
  let typeMap: Int32Array | undefined;
  if (hasVariable(mat, 'type_map')) {
    const t = intMatrix(mat, 'type_map', file);
    check(t.rows === height && t.cols === width, file, `type_map is ${t.rows}×${t.cols} but the image is ${height}×${width}`);
    typeMap = t.data;
  }
  return { labels: { inst: instMap, ids: stats.ids, types, centroids }, typeMap };
}

async function readPair(pair: FilePair): Promise<Sample> {
  const [{ image, info }, mat] = await Promise.all([readImageFile(pair.image), readMatFile(pair.label)]);
  const { labels, typeMap } = consepLabels(mat, pair.label, image.width, image.height);
  const source: ConsepSource = { format: 'consep', image: info, mat };
  const stored: ConsepStored = { typeMap };
  return { name: pair.name, image, labels, origin: pair.label, source, stored };
}

/** Largest type over all label files (reads only what it must). */
async function maxTypeOf(pairs: FilePair[]): Promise<number> {
  let max = 0;
  for (const p of pairs) {
    const mat = await readMatFile(p.label);
    const t = intVector(mat, 'inst_type', p.label);
    for (const v of t) if (v > max) max = v;
  }
  return max;
}

async function detect(root: string): Promise<boolean> {
  return (await matLabelKind(root)) === 'consep';
}

async function open(root: string, classes?: ClassList): Promise<Dataset> {
  const pairs = await pairImagesWithLabels(root, '.mat');
  const byName = new Map(pairs.map((p) => [p.name, p]));
  return {
    format: 'consep',
    root,
    classes: classes ?? consepClassesFor(await maxTypeOf(pairs)),
    names: pairs.map((p) => p.name),
    read: (name) => {
      const pair = byName.get(name);
      if (pair === undefined) throw new NucleiMixError(`no image named '${name}'`, root);
      return readPair(pair);
    },
  };
}

/** Serialises one sample's labels as the four CoNSeP variables, keeping the input's classes. */
export function consepMat(sample: Sample): MatFile {
  const src = (sample.source as Partial<ConsepSource> | undefined)?.format === 'consep' ? (sample.source as ConsepSource) : undefined;
  const stored = src === undefined ? undefined : (sample.stored as ConsepStored | undefined);
  const labels = renumber(sample.labels);
  const { width, height } = labels.inst;
  const n = labels.ids.length;
  const like = (name: string) => classOf(src?.mat, name) as (ReturnType<typeof classOf> & { compressed?: boolean }) | undefined;
  // The stored type map holds for the labels as read (the contract of Sample.stored), and
  // renumbering ids does not change which pixels have which type.
  const typeMap = stored?.typeMap ?? paintTypeMap(labels);
  const built: Record<string, MatVariable & { compressed: boolean }> = {
    inst_map: matVariable('inst_map', height, width, labels.inst.data, like('inst_map'), 'double', true),
    type_map: matVariable('type_map', height, width, typeMap, like('type_map'), 'double', true),
    inst_type: matVariable('inst_type', n, 1, labels.types, like('inst_type'), 'double', true),
    inst_centroid: matVariable('inst_centroid', n, 2, labels.centroids, like('inst_centroid'), 'double', true),
  };
  const variables: MatFile['variables'] = [];
  for (const v of src?.mat.variables ?? []) variables.push(LABEL_VARIABLES.includes(v.name) ? built[v.name] : v);
  for (const name of LABEL_VARIABLES) if (!variables.some((v) => v.name === name)) variables.push(built[name]);
  return {
    version: src?.mat.version ?? '5',
    header: src?.mat.header ?? 'MATLAB 5.0 MAT-file, written by nucleimix',
    variables,
  };
}

async function write(dir: string, source: SampleSource): Promise<void> {
  await mkdir(join(dir, 'Images'), { recursive: true });
  await mkdir(join(dir, 'Labels'), { recursive: true });
  for (const name of source.names) {
    const sample = await source.read(name);
    const src = sample.source as Partial<ConsepSource> | undefined;
    const info = src?.format === 'consep' ? src.image : undefined;
    const ext = info?.ext ?? '.png';
    await writeImageFile(join(dir, 'Images', name + ext), sample.image, info);
    await writeMatFile(join(dir, 'Labels', name + '.mat'), consepMat(sample));
  }
}

export const consep: FormatIO = {
  name: 'consep',
  description: 'CoNSeP / GLySAC: Images/*.png|tif + Labels/*.mat (inst_map, type_map, inst_type, inst_centroid)',
  detect,
  open,
  write,
};
