import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CLASS_LISTS, CLASS_MERGES, type ClassList, type ClassMerge } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import { CLASSES_FILE, readClassesFile } from './classes-file.ts';
import type { Dataset, FormatIO } from './dataset.ts';
import { FORMATS, formatByName } from './formats.ts';
import { validateSample } from './validate.ts';

export interface OpenOptions {
  /** A format name; detected from the folder's layout when absent. */
  format?: string;
  /** A class-list name from CLASS_LISTS; else `classes.json` beside the data; else the format's own. */
  classes?: string;
  /**
   * The raw class list itself, when the caller already settled it (a worker thread reopening
   * a dataset its parent opened): spares the format's own inference, which may scan every file.
   */
  classList?: ClassList;
  /** A class-merge preset from CLASS_MERGES, applied to every sample as it is read. */
  merge?: string;
  /** Accept a folder of label files without images (a model's predictions, for evaluation). */
  labelsOnly?: boolean;
}

/**
 * The format of the dataset at `root`, from its layout. When none matches, the error says
 * why the layouts that came close were rejected (each format's `diagnose`: `no Labels/
 * folder`, a label file's missing variables, ...) before listing the layouts, so that the
 * real cause shows without `--format`.
 */
export async function detectFormat(root: string): Promise<FormatIO> {
  for (const f of FORMATS) if (await f.detect(root)) return f;
  const layouts = FORMATS.map((f) => `  ${f.name}: ${f.description}`).join('\n');
  const why = await whyNoFormat(root);
  throw new NucleiMixError(`not a dataset nucleimix recognises: ${why}; the layouts it reads are:\n${layouts}`, root);
}

/** One line on why no format matched `root`: the near misses, grouped by problem. */
async function whyNoFormat(root: string): Promise<string> {
  const entries = await readdir(root).catch(() => undefined);
  if (entries === undefined) return 'it is not a folder';
  if (entries.filter((e) => !e.startsWith('.')).length === 0) return 'the folder is empty';
  const byProblem = new Map<string, string[]>();
  for (const f of FORMATS) {
    const problem = await f.diagnose?.(root);
    if (problem === undefined) continue;
    byProblem.set(problem, [...(byProblem.get(problem) ?? []), f.name]);
  }
  if (byProblem.size === 0) return 'it holds none of the folders or files of any layout';
  return [...byProblem].map(([problem, names]) => `as ${names.join(' or ')}, ${problem}`).join('; ');
}

/*
 * A merge maps type numbers, so applied to data that is merged already it silently corrupts
 * it (CoNSeP's 4 merged types read as raw: epithelial 3 + spindle 4 → epithelial, spindle
 * → 0). Before merging, openDataset therefore refuses data that cannot be raw:
 * - a class list (classes.json, or --classes) whose names are not the merge's raw ones;
 * - without one, data whose own inferred class list (CoNSeP: from its largest type) is the
 *   merged list, is no longer than the merged one, or is longer than the raw one: a raw
 *   CoNSeP set uses types 5–7 (fibroblast, muscle, endothelial), a merged one stops at 4.
 * `--classes consep` (the raw list, by name) states that the data is raw and skips the data
 * check. Labels-only folders (predictions) skip it too: a model may never predict some raw
 * types, so their absence proves nothing there.
 */

/** Refuses `merge` when `list` (from `where`) does not name the merge's raw classes. */
function refuseMergedNames(merge: ClassMerge, list: ClassList, where: string, path: string): void {
  if (sameNames(list, merge.from)) return;
  const names = list.map((c) => c.name).join(', ');
  const already = sameNames(list, merge.to) ? 'the data is merged already' : `the merge expects the raw classes (${merge.from.map((c) => c.name).join(', ')})`;
  throw new NucleiMixError(`--merge ${merge.name}: ${where} names the classes ${names}, so ${already}; drop --merge (merging twice would corrupt the types)`, path);
}

/** Refuses `merge` when the data's own class list shows it cannot be raw (see above). */
function refuseMergedData(merge: ClassMerge, inferred: ClassList, path: string): void {
  const largest = inferred.length;
  let why: string | undefined;
  if (sameNames(inferred, merge.to) || largest <= merge.to.length) {
    why = `uses no type above ${largest}, as a set already merged to ${merge.to.length} classes (${merge.to.map((c) => c.name).join(', ')}) would, while raw data has types up to ${merge.from.length}`;
  } else if (largest > merge.from.length) {
    why = `uses types up to ${largest}, beyond the ${merge.from.length} raw types the merge maps`;
  }
  if (why === undefined) return;
  const raw = Object.keys(CLASS_LISTS).find((k) => CLASS_LISTS[k] === merge.from) ?? 'NAME';
  throw new NucleiMixError(`--merge ${merge.name}: the data ${why}; drop --merge if it is merged already, or pass --classes ${raw} to state that it is raw (merging twice would corrupt the types)`, path);
}

function sameNames(a: ClassList, b: ClassList): boolean {
  return a.length === b.length && a.every((c, i) => c.id === b[i].id && c.name.toLowerCase() === b[i].name.toLowerCase());
}

/**
 * Opens a dataset: detects its format, settles its class list, and wraps `read` so that every
 * sample is validated (and merged, with `merge`) before anyone sees it.
 */
export async function openDataset(path: string, options: OpenOptions = {}): Promise<Dataset> {
  const root = resolve(path);
  try {
    await stat(root);
  } catch {
    throw new NucleiMixError('no such file or folder', path);
  }
  let format: FormatIO;
  if (options.format !== undefined) {
    const f = formatByName(options.format);
    if (f === undefined) throw new NucleiMixError(`unknown format '${options.format}' (known: ${FORMATS.map((x) => x.name).join(', ')})`);
    format = f;
  } else {
    format = await detectFormat(root);
  }
  const merge = options.merge === undefined ? undefined : CLASS_MERGES[options.merge];
  if (options.merge !== undefined && merge === undefined) {
    throw new NucleiMixError(`unknown class merge '${options.merge}' (known: ${Object.keys(CLASS_MERGES).join(', ')})`);
  }
  let classes: ClassList | undefined = options.classList;
  if (classes !== undefined) {
    // settled by the caller (who opened the dataset, and checked any merge, before)
  } else if (options.classes !== undefined) {
    classes = CLASS_LISTS[options.classes];
    if (classes === undefined) throw new NucleiMixError(`unknown class list '${options.classes}' (known: ${Object.keys(CLASS_LISTS).join(', ')})`);
    if (merge !== undefined) refuseMergedNames(merge, classes, `--classes ${options.classes}`, path);
  } else {
    const file = await readClassesFile(root);
    if (merge !== undefined && file !== undefined) refuseMergedNames(merge, file, CLASSES_FILE, path);
    if (merge !== undefined && file === undefined && !options.labelsOnly) {
      refuseMergedData(merge, (await format.open(root)).classes, path);
    }
    classes = file ?? merge?.from;
  }
  const dataset = await format.open(root, classes);
  if (dataset.labelsOnly && !options.labelsOnly) {
    throw new NucleiMixError('holds label files but no images; only `nucleimix eval --pred` reads such folders', path);
  }
  const rawClasses = dataset.classes;
  return {
    ...dataset,
    classes: merge?.to ?? rawClasses,
    read: async (name) => {
      const sample = await dataset.read(name);
      validateSample(sample, rawClasses, dataset.labelsOnly === true);
      if (merge === undefined) return sample;
      const types = sample.labels.types.map((t) => {
        if (t === 0 && dataset.labelsOnly) return 0; // untyped predictions stay untyped
        const merged = merge.map.get(t);
        if (merged === undefined) throw new NucleiMixError(`type ${t} is not covered by the '${merge.name}' merge (${merge.description})`, sample.origin ?? name);
        return merged;
      });
      // Merging changes the types, so the stored type map (if any) no longer holds.
      return { ...sample, labels: { ...sample.labels, types }, stored: undefined };
    },
  };
}
