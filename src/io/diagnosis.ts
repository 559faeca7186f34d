/**
 * Helpers for the formats' `diagnose` (see FormatIO): turning the error a reader would throw
 * into one line relative to the dataset root, so that auto-detection can say why a folder
 * that almost matches a layout was rejected.
 */
import { relative } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';

/** A path as the user sees it inside `root`: `Labels/train_1.mat`, or `.` for the root. */
export function inRoot(root: string, path: string): string {
  return relative(root, path) || '.';
}

/**
 * `err` as one line with its file relative to `root` (`Labels/x.mat: problem`), or just the
 * problem when the file is the root itself.
 */
export function relativeProblem(err: unknown, root: string): string {
  if (!(err instanceof NucleiMixError)) return err instanceof Error ? err.message : String(err);
  if (err.file === undefined) return err.message;
  const problem = err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
  const where = inRoot(root, err.file);
  return where === '.' ? problem : `${where}: ${problem}`;
}

/** A list of names for a message: `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`. */
export function quotedList(names: readonly string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}
