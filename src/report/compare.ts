/**
 * `nucleimix compare`: every method on the same input, request and seed, each written to its
 * own subfolder through the library driver, each measured by the realism test, beside the
 * test's calibration (the null, and an unblended random paste that every method should
 * beat), in one report. Layout of the output folder:
 *
 *   index.html         the comparison (counts, realism, times, the side-by-side figure)
 *   compare.json       every figure of the page, for scripts
 *   figure/            the figure's crops
 *   <method>/          each method's augmented dataset, with realism.json and report/
 *   unblended-paste/   the calibration's bad insertion, with manifest.json and realism.json
 *
 * Written atomically: into a temporary folder beside the output, renamed when complete.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { SILENT, type ProgressSink } from '../core/progress.ts';
import type { Dataset } from '../io/dataset.ts';
import { formatByName } from '../io/formats.ts';
import { openDataset } from '../io/open.ts';
import { writeDataset, writeFolder } from '../io/write.ts';
import { augmentDataset, json } from '../augment/driver.ts';
import type { AnyManifest } from '../augment/manifest.ts';
import type { AugmentRequest, MethodName } from '../augment/method.ts';
import { METHOD_NAMES, METHODS, type MethodOptions } from '../augment/methods.ts';
import type { AugmentStats } from '../augment/stats.ts';
import { readInsertionPoints } from '../realism/inserted.ts';
import { measureRealism } from '../realism/measure.ts';
import { randomPaste } from '../realism/random-paste.ts';
import { comparePage } from './compare-page.ts';
import type { ComparedRun, CompareSettings, Comparison } from './comparison.ts';
import { writeFigure } from './figure.ts';
import { realismRecord, type RealismRecord } from './realism-record.ts';
import { REPORT_DIR } from './reporter.ts';
import { writeRunReport } from './run-report.ts';

import { CONTROL_DIR } from './comparison.ts';

export { CONTROL_DIR, type ComparedRun, type CompareSettings, type Comparison } from './comparison.ts';

/** The request a method gets: `--major`/`--protect` only for methods that replace nuclei. */
function requestFor(method: MethodName, request: AugmentRequest): AugmentRequest {
  if (METHODS[method].targetKinds.includes('major')) return request;
  return Object.fromEntries(Object.entries(request).filter(([k]) => k !== 'majorTypes' && k !== 'protectTypes')) as unknown as AugmentRequest;
}

async function measure(dataset: Dataset, dir: string, seed: number, progress: ProgressSink): Promise<{ realism?: RealismRecord; realismError?: string; seconds: number }> {
  const t0 = performance.now();
  try {
    progress.phase('realism', dataset.names.length);
    const r = await measureRealism(dataset, await openDataset(dir, { format: dataset.format }), { points: await readInsertionPoints(dir), seed, onImage: (n) => progress.tick(n) });
    progress.done();
    const realism = realismRecord(r);
    await writeFile(join(dir, 'realism.json'), json(realism));
    return { realism, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    progress.done();
    if (!(err instanceof NucleiMixError)) throw err;
    return { realismError: err.message, seconds: (performance.now() - t0) / 1000 };
  }
}

/**
 * Runs every method of `settings.methods` on `dataset` with `request`, measures each, writes
 * the calibration and the comparison report into `out`.
 *
 * @throws NucleiMixError on a bad request or output folder (before any work), or when a
 *   method fails; a realism test that cannot run (too few insertions) is reported, not thrown
 */
export async function compareMethods(dataset: Dataset, request: AugmentRequest, out: string, settings: CompareSettings = {}): Promise<Comparison & { out: string }> {
  const methods = settings.methods ?? METHOD_NAMES;
  const unknown = methods.filter((m) => !METHOD_NAMES.includes(m));
  if (unknown.length > 0) throw new NucleiMixError(`unknown method(s) ${unknown.join(', ')} (expected: ${METHOD_NAMES.join(', ')})`);
  if (methods.length === 0) throw new NucleiMixError('name at least one method to compare');
  const progress = settings.progress ?? SILENT;
  const step = settings.onStep ?? (() => {});
  const seed = settings.realismSeed ?? request.seed;
  let result: Comparison | undefined;
  const dir = await writeFolder(
    out,
    async (tmp) => {
      const runs: ComparedRun[] = [];
      const manifests = new Map<string, AnyManifest>();
      const stats = new Map<string, AugmentStats>();
      for (const [i, m] of methods.entries()) {
        step(`${i + 1}/${methods.length} ${m}: augmenting`);
        const options = (settings.options?.[m] ?? {}) as Partial<MethodOptions[typeof m]>;
        const r = await augmentDataset(dataset, m, requestFor(m, request), join(tmp, m), options, { open: settings.open, progress });
        manifests.set(m, r.manifest);
        stats.set(m, r.stats);
        step(`${i + 1}/${methods.length} ${m}: measuring realism`);
        const q = await measure(dataset, r.out, seed, progress);
        runs.push({ name: m, dir: m, after: r.stats.counts.after, inserted: r.stats.inserted, timings: { ...r.timings, realism: q.seconds }, ...(q.realism !== undefined ? { realism: q.realism } : {}), ...(q.realismError !== undefined ? { realismError: q.realismError } : {}) });
      }
      let control: ComparedRun | undefined;
      if (settings.control !== false) {
        step(`${CONTROL_DIR}: pasting ${request.k} nuclei of each rare type unblended at random places, and measuring`);
        const t0 = performance.now();
        const paste = await randomPaste(dataset, request.rareTypes, request.k, request.seed);
        const after: Record<number, number> = {};
        const written = await writeDataset(join(tmp, CONTROL_DIR), formatByName(dataset.format)!, paste.source, {
          inputs: [dataset.root],
          extras: (d) => writeFile(join(d, 'manifest.json'), json({ tool: 'nucleimix compare', method: CONTROL_DIR, seed: request.seed, rareTypes: request.rareTypes, k: request.k, insertions: paste.insertions().map((r, index) => ({ index, ...r })) })),
        });
        const controlData = await openDataset(written, { format: dataset.format });
        for (const name of controlData.names) for (const t of (await controlData.read(name)).labels.types) after[t] = (after[t] ?? 0) + 1;
        const inserted: Record<number, number> = {};
        for (const r of paste.insertions()) inserted[r.rareType] = (inserted[r.rareType] ?? 0) + 1;
        const seconds = (performance.now() - t0) / 1000;
        const q = await measure(dataset, written, seed, progress);
        control = { name: CONTROL_DIR, dir: CONTROL_DIR, after, inserted, timings: { paste: seconds, realism: q.seconds }, ...(q.realism !== undefined ? { realism: q.realism } : {}), ...(q.realismError !== undefined ? { realismError: q.realismError } : {}) };
      }
      step('writing the reports and the figure');
      for (const run of runs) {
        const m = run.name;
        const t0 = performance.now();
        const augmented = await openDataset(join(tmp, m), { format: dataset.format });
        await writeRunReport(join(tmp, m, REPORT_DIR), {
          original: dataset,
          augmented,
          manifest: manifests.get(m)!,
          stats: stats.get(m)!,
          timings: run.timings,
          realism: run.realism,
          source: dataset.root,
          links: [{ label: '← the comparison of every method', href: '../../index.html' }],
          progress,
        });
        run.timings.report = (performance.now() - t0) / 1000;
      }
      const figure = await writeFigure(tmp, dataset, runs.map((r) => ({ name: r.name, dir: join(tmp, r.dir), manifest: manifests.get(r.name)! })), { rows: settings.figureRows ?? 6, size: settings.figureSize ?? 96 });
      const first = stats.get(methods[0])!;
      result = {
        version: 1,
        dataset: { root: dataset.root, format: dataset.format },
        request,
        realismSeed: seed,
        classes: first.classes,
        before: first.counts.before,
        methods: runs,
        ...(control !== undefined ? { control } : {}),
        figure,
      };
      await writeFile(join(tmp, 'compare.json'), json(result));
      await writeFile(join(tmp, 'index.html'), comparePage(result).text);
    },
    { inputs: [dataset.root], overwrite: settings.overwrite },
  );
  return { ...result!, out: dir };
}
