/** Test helpers of the reports: a generated dataset on disk, and a run of a method with its report. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { augmentDataset, type AugmentResult } from '../../src/augment/driver.ts';
import type { MethodName } from '../../src/augment/method.ts';
import { consep } from '../../src/io/consep.ts';
import type { Dataset } from '../../src/io/dataset.ts';
import { openDataset } from '../../src/io/open.ts';
import { writeDataset } from '../../src/io/write.ts';
import { runReporter } from '../../src/report/reporter.ts';
import type { RunReportData } from '../../src/report/run-report.ts';
import { generateDataset } from '../../src/synth/generate.ts';

/** A generated CoNSeP-format dataset: 4 images of 320×320 (type 2, inflammatory, has about 30 nuclei). */
export async function sampleDataset(dir: string, seed = 3): Promise<Dataset> {
  return openDataset(await writeDataset(dir, consep, generateDataset({ images: 4, width: 320, height: 320, seed })));
}

/** `method` inserting `k` nuclei of type 2 into `dataset`, written to `out` with its report, as `nucleimix augment` does. */
export function reportedRun(method: MethodName, dataset: Dataset, out: string, k: number, seed = 1): Promise<AugmentResult> {
  return augmentDataset(dataset, method, { rareTypes: [2], k, seed, borderMargin: 20 }, out, {}, { report: runReporter() });
}

/** The JSON data block of a run report's page. */
export async function reportData(page: string): Promise<RunReportData> {
  const text = await readFile(page, 'utf8');
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(text);
  if (m === null) throw new Error(`${page} has no data block`);
  return JSON.parse(m[1]) as RunReportData;
}

export const REPORT_PAGE = (out: string): string => join(out, 'report', 'index.html');
