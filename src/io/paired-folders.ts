import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { inRoot, quotedList, relativeProblem } from './diagnosis.ts';
import { entryKind, entryKindOrOther } from './dir-entries.ts';
import { IMAGE_EXTENSIONS } from './image-file.ts';
import { readMatFile } from './mat-file.ts';

/** A label file and the name of its image. */
export interface LabelFile {
  name: string;
  label: string;
}

/** One image and its label file, paired by base name. */
export interface FilePair extends LabelFile {
  image: string;
}

/** Folder names that hold images and labels, in the layouts CoNSeP, GLySAC and Lizard ship. */
const IMAGE_DIRS = /^(images?|Images?|Lizard_Images\d*)$/;
const LABEL_DIRS = ['Labels', 'labels', 'Lizard_Labels/Labels', 'Lizard_Labels/labels'];

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The visible files of `dir`, links to files included; a broken link is an error naming it. */
async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.name.startsWith('.') && (await entryKind(dir, e)) === 'file') names.push(e.name);
  }
  return names.sort();
}

/** The image folders of `root` (links to folders included), by name, sorted. */
async function imageDirNames(root: string): Promise<string[]> {
  const names: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    if (IMAGE_DIRS.test(e.name) && (await entryKindOrOther(root, e)) === 'dir') names.push(e.name);
  }
  return names.sort();
}

/** The label folder of an `Images/ + Labels/` dataset at `root`, or undefined. */
export async function findLabelDir(root: string): Promise<string | undefined> {
  for (const d of LABEL_DIRS) if (await isDir(join(root, d))) return join(root, d);
  return undefined;
}

/**
 * Pairs every image under the image folder(s) of `root` with `<label dir>/<name><labelExt>`.
 * An image without a label file, or a label file without an image, is an error naming the
 * file, so that no annotation is silently dropped.
 */
export async function pairImagesWithLabels(root: string, labelExt: string): Promise<FilePair[]> {
  const labelDir = await findLabelDir(root);
  if (labelDir === undefined) throw new NucleiMixError(`no Labels/ folder`, root);
  const imageDirs = (await imageDirNames(root)).map((d) => join(root, d));
  if (imageDirs.length === 0) throw new NucleiMixError(`no Images/ folder`, root);

  const images = new Map<string, string>();
  for (const dir of imageDirs) {
    for (const f of await listFiles(dir)) {
      const ext = extname(f).toLowerCase();
      if (!IMAGE_EXTENSIONS.includes(ext)) continue;
      const name = basename(f, extname(f));
      const previous = images.get(name);
      if (previous !== undefined) throw new NucleiMixError(`two images named '${name}' (also ${previous})`, join(dir, f));
      images.set(name, join(dir, f));
    }
  }
  const labels = new Map<string, string>();
  for (const f of await listFiles(labelDir)) {
    if (extname(f).toLowerCase() === labelExt) labels.set(basename(f, extname(f)), join(labelDir, f));
  }
  for (const [name, label] of labels) {
    if (!images.has(name)) throw new NucleiMixError(`label file has no image '${name}.*' in ${imageDirs.join(', ')}`, label);
  }
  const pairs: FilePair[] = [];
  for (const [name, image] of images) {
    const label = labels.get(name);
    if (label === undefined) throw new NucleiMixError(`image has no label file ${join(labelDir, name + labelExt)}`, image);
    pairs.push({ name, image, label });
  }
  if (pairs.length === 0) throw new NucleiMixError(`no images in ${imageDirs.join(', ')}`, root);
  return pairs.sort((a, b) => naturalCompare(a.name, b.name));
}

/** Orders `train_2` before `train_10`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Which `.mat` label format an `Images/ + Labels/` dataset holds, judged from the variables of
 * its first readable label file: `lizard` (`id` and `class`), else `consep` (`inst_type`).
 * A dataset whose label files are all unreadable counts as CoNSeP, the common case, so that
 * reading it reports the broken file instead of "not a dataset".
 */
export async function matLabelKind(root: string): Promise<'consep' | 'lizard' | undefined> {
  let pairs: LabelFile[];
  try {
    pairs = (await findLabelDir(root)) === undefined ? [] : await pairImagesWithLabels(root, '.mat');
  } catch {
    pairs = [];
  }
  if (pairs.length === 0) pairs = (await labelOnlyFiles(root, '.mat')) ?? [];
  if (pairs.length === 0) return undefined;
  for (const pair of pairs.slice(0, 3)) {
    try {
      const names = new Set((await readMatFile(pair.label)).variables.map((v) => v.name));
      if (!names.has('inst_map')) return undefined;
      if (names.has('id') && names.has('class')) return 'lizard';
      if (names.has('inst_type')) return 'consep';
      return undefined;
    } catch {
      // unreadable: try the next file
    }
  }
  return 'consep';
}

/**
 * The label files of a folder that holds labels only, such as a model's predictions
 * (HoVer-Net's inference writes `mat/*.mat`): `*.mat` in `root`, `root/mat` or the label folder,
 * when there is no image folder. Undefined when `root` is not such a folder.
 */
export async function labelOnlyFiles(root: string, labelExt: string): Promise<LabelFile[] | undefined> {
  try {
    if ((await imageDirNames(root)).length > 0) return undefined;
  } catch {
    return undefined;
  }
  for (const dir of [root, join(root, 'mat'), (await findLabelDir(root)) ?? root]) {
    if (!(await isDir(dir))) continue;
    const files = (await listFiles(dir)).filter((f) => extname(f).toLowerCase() === labelExt);
    if (files.length > 0) {
      return files.map((f) => ({ name: basename(f, extname(f)), label: join(dir, f) })).sort((a, b) => naturalCompare(a.name, b.name));
    }
  }
  return undefined;
}

/** The variables each `.mat` label format needs (see consep.ts and lizard.ts). */
const REQUIRED_VARIABLES: readonly (readonly string[])[] = [
  ['inst_map', 'inst_type'],
  ['inst_map', 'id', 'class'],
];

/**
 * Why `root` is not an `Images/ + Labels/*.mat` dataset although it has one of those folders
 * (see FormatIO.diagnose): `no Labels/ folder`, a pairing error, or the first label file's
 * missing variables, e.g. `Labels/train_1.mat has no variable 'inst_type' (it holds
 * instance_map, classes)`. Undefined when it has neither folder, or nothing is wrong.
 */
export async function matLayoutProblem(root: string): Promise<string | undefined> {
  try {
    const labelDir = await findLabelDir(root);
    const imageDirs = await imageDirNames(root);
    if (labelDir === undefined) return imageDirs.length === 0 ? undefined : `has ${imageDirs[0]}/ but no Labels/ folder beside it`;
    let files: LabelFile[];
    if (imageDirs.length > 0) {
      try {
        files = await pairImagesWithLabels(root, '.mat');
      } catch (err) {
        return relativeProblem(err, root);
      }
    } else {
      files = (await labelOnlyFiles(root, '.mat')) ?? [];
      if (files.length === 0) return `no Images/ folder, and ${inRoot(root, labelDir)}/ holds no .mat files`;
    }
    const file = files[0];
    let names: string[];
    try {
      names = (await readMatFile(file.label)).variables.map((v) => v.name);
    } catch (err) {
      return relativeProblem(err, root);
    }
    const missing = REQUIRED_VARIABLES.map((need) => need.filter((v) => !names.includes(v))).sort((a, b) => a.length - b.length)[0];
    if (missing.length === 0) return undefined;
    const holds = names.length === 0 ? 'it holds no variables' : `it holds ${names.join(', ')}`;
    return `${inRoot(root, file.label)} has no variable${missing.length > 1 ? 's' : ''} ${quotedList(missing)} (${holds})`;
  } catch {
    return undefined;
  }
}
