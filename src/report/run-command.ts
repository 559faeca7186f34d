/**
 * `nucleimix report` as a library call: the report of an augmented folder, written from its
 * files (manifest.json, stats.json, realism.json) and the run's input dataset.
 */
import { join, resolve } from 'node:path';
import type { ProgressSink } from '../core/progress.ts';
import { openDataset } from '../io/open.ts';
import { writeFolder } from '../io/write.ts';
import { REPORT_DIR } from './reporter.ts';
import { openRunInput, readRunFiles } from './run-files.ts';
import { writeRunReport, type RunReportSummary } from './run-report.ts';

export interface ReportOptions {
  /** Where to write the report (default `<augmented>/report`, replacing the one there). */
  out?: string;
  /** The run's input dataset (default: the folder its manifest names). */
  original?: string;
  /** Replace `out` when it exists (always done for the default, which is the run's own report). */
  overwrite?: boolean;
  progress?: ProgressSink;
}

/** Writes the report of the augmented dataset at `augmented` atomically; returns its folder and what it holds. */
export async function reportAugmented(augmented: string, options: ReportOptions = {}): Promise<RunReportSummary & { out: string }> {
  const files = await readRunFiles(augmented);
  const original = await openRunInput(files.manifest, options.original);
  const after = await openDataset(augmented, { format: files.manifest.dataset.format });
  const out = options.out ?? join(augmented, REPORT_DIR);
  let summary: RunReportSummary | undefined;
  const dir = await writeFolder(
    out,
    async (tmp) => {
      summary = await writeRunReport(tmp, { original, augmented: after, ...files, source: options.original ?? files.manifest.dataset.root, progress: options.progress });
    },
    { inputs: [original.root], overwrite: options.out === undefined || options.overwrite === true },
  );
  return { ...summary!, out: resolve(dir) };
}
