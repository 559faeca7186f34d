import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CLASS_LISTS, CLASS_MERGES, type ClassList } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import { readClassesFile } from './classes-file.ts';
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
    // settled by the caller
  } else if (options.classes !== undefined) {
    classes = CLASS_LISTS[options.classes];
    if (classes === undefined) throw new NucleiMixError(`unknown class list '${options.classes}' (known: ${Object.keys(CLASS_LISTS).join(', ')})`);
  } else {
    classes = (await readClassesFile(root)) ?? merge?.from;
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
