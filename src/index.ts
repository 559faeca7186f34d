/**
 * nucleimix's public library surface (as Apache Arrow's `Arrow.ts` and scikit-image's
 * `__init__.pyi` list theirs): what `import … from 'nucleimix'` offers. Everything else is
 * internal and may change.
 *
 * ```ts
 * import { openDataset, augmentDataset, evaluate } from 'nucleimix';
 * const dataset = await openDataset('consep-train');
 * const run = await augmentDataset(dataset, 'nucleimix', { rareTypes: [1], k: 600, seed: 0, borderMargin: 30 }, 'consep-k600');
 * ```
 */
// Datasets: open any supported format, write one atomically, generate a sample.
export { openDataset, type OpenOptions } from './io/open.ts';
export type { Dataset, FormatName, Sample, SampleSource } from './io/dataset.ts';
export { FORMAT_NAMES, formatByName } from './io/formats.ts';
export { writeDataset } from './io/write.ts';
export { generateDataset } from './synth/generate.ts';
export type { ClassList, NucleusClass } from './core/classes.ts';
export type { Labels } from './core/labels.ts';
export type { InstanceMap, RgbImage } from './core/raster.ts';
export { NucleiMixError } from './core/errors.ts';
export type { ProgressSink } from './core/progress.ts';

// Augmentation: plan → manifest → render, for NucleiMix and every baseline.
export { augmentDataset, planAugmentation, renderAugmentation, type AugmentResult, type EngineChoice, type PlannedRun, type PlanSettings, type RenderSettings } from './augment/driver.ts';
export { METHOD_NAMES, METHODS, type MethodOptions } from './augment/methods.ts';
export type { AugmentMethod, AugmentRequest, MethodName } from './augment/method.ts';
export type { AnyManifest, InsertionBase, Manifest } from './augment/manifest.ts';
export { readManifest } from './augment/manifest-file.ts';
export type { AugmentStats } from './augment/stats.ts';

// Rendering on a cluster: split a manifest's images into shards, render one shard into its
// resumable folder, merge the folders into the dataset a single render writes, verify an
// output against its manifest, and the job files that run it all on Slurm, Kubernetes or AWS Batch.
export { shardAssignment, shardImages, renderShard, type ShardRenderSettings, type ShardRun } from './cluster/shard-render.ts';
export { parseShardSpec, shardFromEnv, type ShardFromEnv, type ShardId } from './cluster/shard-env.ts';
export { mergeShards, type MergeSettings } from './cluster/merge.ts';
export { verifyOutput, type VerifyOptions, type VerifyReport } from './cluster/verify.ts';
export { jobFile, SCHEDULERS, type JobSpec, type Scheduler } from './cluster/job-files.ts';

// Inpainting engines: by name, or your own.
export { createEngine, engineNames, registerEngine, registerModelLoader, type EngineSettings } from './inpaint/engines.ts';
export type { EngineInput, InpaintEngine, InpaintJob } from './inpaint/engine.ts';

// Metrics: HoVer-Net's compute_stats, exactly.
export { evaluate, type Evaluation, type EvaluateOptions } from './metrics/evaluate.ts';

// Reports: the HTML report of a run (written by `augment` with `report: runReporter()`), and the comparison of every method.
export { runReporter } from './report/reporter.ts';
export { writeRunReport, type RunReportInput, type RunReportSummary } from './report/run-report.ts';
export { reportAugmented, type ReportOptions } from './report/run-command.ts';
export { compareMethods, type CompareSettings, type Comparison, type ComparedRun } from './report/compare.ts';
export type { OutputAddition, WrittenRun } from './augment/driver.ts';
