import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { writeClassesFile } from './classes-file.ts';
import type { FormatIO, SampleSource } from './dataset.ts';
import { pathExists } from './path-exists.ts';

/** Temporary folders being written; the CLI removes them if the process is interrupted. */
export const pendingOutputs = new Set<string>();

function isWithin(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks that `outDir` may be written (not into, over or around an input; not existing unless
 * overwriting) and says whether it exists. Commands call it before long work, so a bad output
 * path fails at once rather than after an hour of planning.
 */
export async function checkOutput(outDir: string, options: Pick<WriteOptions, 'inputs' | 'overwrite'>): Promise<boolean> {
  const out = resolve(outDir);
  for (const input of options.inputs ?? []) {
    const inp = resolve(input);
    if (isWithin(out, inp) || isWithin(inp, out)) {
      throw new NucleiMixError(`refusing to write the output into or over the input dataset ${input}`, outDir);
    }
  }
  const existed = await pathExists(out);
  if (existed && !options.overwrite) throw new NucleiMixError('already exists; choose another output folder or pass --overwrite', outDir);
  return existed;
}

export interface WriteOptions {
  /** Folders the output must not be written into or over (the input datasets). */
  inputs?: string[];
  /** Replace an existing output folder. */
  overwrite?: boolean;
  /** Extra files to add to the output folder before it is published (manifest, stats...). */
  extras?: (tmpDir: string) => Promise<void>;
}

/**
 * Writes `source` as a dataset in `format` at `outDir`, atomically: everything goes into a
 * hidden temporary folder beside `outDir`, renamed into place only when complete, so a failure
 * or an interrupt never leaves a half-written dataset. Refuses to write into an input dataset.
 */
export async function writeDataset(outDir: string, format: FormatIO, source: SampleSource, options: WriteOptions = {}): Promise<string> {
  return writeFolder(outDir, async (tmp) => {
    await format.write(tmp, source);
    await writeClassesFile(tmp, format.writtenClasses?.(source.classes) ?? source.classes);
    if (options.extras) await options.extras(tmp);
  }, options);
}

/**
 * Fills a folder at `outDir` atomically (the way {@link writeDataset} writes a dataset):
 * `fill` writes into a hidden temporary folder beside `outDir`, which is renamed into place
 * (replacing `outDir` when `overwrite`) only when `fill` succeeds, and removed otherwise.
 *
 * @returns the absolute path of the folder
 */
export async function writeFolder(outDir: string, fill: (tmpDir: string) => Promise<void>, options: Pick<WriteOptions, 'inputs' | 'overwrite'> = {}): Promise<string> {
  const out = resolve(outDir);
  const existed = await checkOutput(outDir, options);
  await mkdir(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.nucleimix-tmp-${process.pid}-${Date.now().toString(36)}`);
  pendingOutputs.add(tmp);
  try {
    await mkdir(tmp);
    await fill(tmp);
    if (existed) {
      const old = `${tmp}-old`;
      await rename(out, old);
      await rename(tmp, out);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, out);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    pendingOutputs.delete(tmp);
  }
  return out;
}
