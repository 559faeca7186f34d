/**
 * The report as the driver's output addition: `augment` and `render` write
 * `<out>/report/` inside the output's temporary folder, so it is published with the dataset
 * or not at all.
 */
import { join } from 'node:path';
import type { OutputAddition } from '../augment/driver.ts';
import { openDataset } from '../io/open.ts';
import { writeRunReport } from './run-report.ts';

/** The report folder's name inside an augmented dataset. */
export const REPORT_DIR = 'report';

/** An {@link OutputAddition} that writes the run's HTML report into `<out>/report/`. */
export function runReporter(): OutputAddition {
  return async (tmp, run) => {
    // The output as written (classes.json included), read back: the report shows those bytes.
    const augmented = await openDataset(tmp, { format: run.dataset.format });
    await writeRunReport(join(tmp, REPORT_DIR), {
      original: run.dataset,
      augmented,
      manifest: run.manifest,
      stats: run.stats,
      timings: run.timings,
      source: run.dataset.root,
      progress: run.progress,
    });
  };
}
