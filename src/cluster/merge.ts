/**
 * The merge of a cluster render: the complete augmented dataset from the input and the
 * finished shard folders, in the input's format, with manifest.json, stats.json and the
 * previews — the bytes a single-process `render` of the same manifest writes. Rendered images
 * come from their shard, every other image from the input (as `render` copies them); the run's
 * log is put together from the shards' per-image records in dataset order, as the render loop
 * does, and the before/after contact sheet is drawn from the first edits in dataset order.
 */
import { NucleiMixError } from '../core/errors.ts';
import { SILENT, type ProgressSink } from '../core/progress.ts';
import type { Dataset, Sample, SampleSource } from '../io/dataset.ts';
import { formatByName } from '../io/formats.ts';
import { checkOutput, writeDataset } from '../io/write.ts';
import { checkInputs, methodOptions, statsOfRun, writeRunFiles, type AugmentResult, type OutputAddition } from '../augment/driver.ts';
import type { AnyManifest } from '../augment/manifest.ts';
import { methodByName } from '../augment/methods.ts';
import { editPairs } from '../augment/preview.ts';
import { combineRecords, countTypes, SHEET_PAIRS, type ImageRecord } from '../augment/render-loop.ts';
import type { AugmentStats } from '../augment/stats.ts';
import { decodeSample } from './sample-file.ts';
import { applyDelta } from './sample-delta.ts';
import { readCompletion, readHeader, readImageEntry, readImageFile } from './shard-folder.ts';
import { manifestSha256, recordOf, shardLabel, type ImageEntry, type ShardCompletion } from './shard-records.ts';
import { shardAssignment } from './shard-render.ts';

export interface MergeSettings {
  /** Write the preview pictures (default true; every shard must have kept its overlays). */
  previews?: boolean;
  /** Replace an existing output folder. */
  overwrite?: boolean;
  progress?: ProgressSink;
  /** Writes more into the output before it is renamed into place (the HTML report), as `render`'s hook. */
  report?: OutputAddition;
}

/** A finished shard folder, checked against the manifest. */
interface FinishedShard {
  dir: string;
  completion: ShardCompletion;
}

/**
 * Checks that `dirs` are every shard of `manifest`, each once, each finished: the completion
 * records in shard order.
 *
 * @throws NucleiMixError naming the folder: not a shard folder, unfinished, another manifest's,
 *   of another shard count, the same shard twice, or (naming the shard) a shard missing.
 */
export async function finishedShards(manifest: AnyManifest, dirs: readonly string[]): Promise<FinishedShard[]> {
  if (dirs.length === 0) throw new NucleiMixError('name the shard folders to merge');
  const hash = manifestSha256(manifest);
  const found: FinishedShard[] = [];
  for (const dir of dirs) {
    const completion = await readCompletion(dir);
    if (completion === undefined) {
      const header = await readHeader(dir).catch(() => undefined);
      if (header === undefined) throw new NucleiMixError('is not a shard folder (no shard.json or complete.json; was it rendered with render --shard?)', dir);
      let done = 0;
      for (const name of header.images) if ((await readImageEntry(dir, name).catch(() => undefined)) !== undefined) done++;
      throw new NucleiMixError(`${shardLabel(header.shard)} is not finished: ${done} of its ${header.images.length} images are done; run it again (it resumes)`, dir);
    }
    if (completion.manifestSha256 !== hash) {
      throw new NucleiMixError(`holds ${shardLabel(completion.shard)} of another manifest (SHA-256 ${completion.manifestSha256.slice(0, 12)}…; this manifest's is ${hash.slice(0, 12)}…)`, dir);
    }
    found.push({ dir, completion });
  }
  const count = found[0].completion.shard.count;
  for (const f of found) {
    if (f.completion.shard.count !== count) throw new NucleiMixError(`holds ${shardLabel(f.completion.shard)} but ${found[0].dir} holds ${shardLabel(found[0].completion.shard)}: shards of different splits`, f.dir);
  }
  const byIndex = new Map<number, FinishedShard>();
  for (const f of found) {
    const other = byIndex.get(f.completion.shard.index);
    if (other !== undefined) throw new NucleiMixError(`${shardLabel(f.completion.shard)} is given twice: ${other.dir} and ${f.dir}`);
    byIndex.set(f.completion.shard.index, f);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new NucleiMixError(`${missing.length === 1 ? 'shard' : 'shards'} ${missing.map((i) => `${i}/${count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: pass the folder of every shard (${count} in all)`);
  return Array.from({ length: count }, (_, i) => byIndex.get(i)!);
}

/**
 * Merges the finished shard folders `dirs` of `manifest` over `dataset` into `out`, written
 * atomically like `render`'s output.
 *
 * @throws NucleiMixError for the shard problems of {@link finishedShards}, a shard whose images
 *   are not the ones the assignment gives it, shards rendered with different engines, previews
 *   asked of shards that did not keep them, a shard file that is missing or corrupt, or a
 *   manifest planned on other data.
 */
export async function mergeShards(dataset: Dataset, manifest: AnyManifest, dirs: readonly string[], out: string, settings: MergeSettings = {}): Promise<AugmentResult> {
  const t0 = performance.now();
  const m = methodByName(manifest.method);
  await checkOutput(out, { inputs: [dataset.root, ...dirs], overwrite: settings.overwrite });
  const shards = await finishedShards(manifest, dirs);
  await checkInputs(dataset, manifest);
  const options = methodOptions(m, manifest);
  const expected = shardAssignment(dataset, manifest, shards.length);
  const previews = settings.previews !== false;
  for (const [i, s] of shards.entries()) {
    if (JSON.stringify(s.completion.images) !== JSON.stringify(expected[i])) {
      throw new NucleiMixError(`${shardLabel(s.completion.shard)} rendered other images than this nucleimix assigns it (${s.completion.images.length} vs ${expected[i].length}); render it again with this version`, s.dir);
    }
    const engine = JSON.stringify(s.completion.engine);
    if (engine !== JSON.stringify(shards[0].completion.engine)) {
      throw new NucleiMixError(`was rendered with engine ${engine} but ${shards[0].dir} with ${JSON.stringify(shards[0].completion.engine)}; render every shard with the same engine`, s.dir);
    }
    if (previews && !s.completion.previews) throw new NucleiMixError('was rendered without previews; merge with --no-preview, or render it again with previews', s.dir);
  }
  const written: AnyManifest = m.engine !== undefined ? { ...manifest, engine: shards[0].completion.engine } : manifest;

  // Every rendered image's record, and which shard folder holds it.
  const entries = new Map<string, { dir: string; entry: ImageEntry }>();
  for (const s of shards) {
    for (const name of s.completion.images) {
      const entry = await readImageEntry(s.dir, name);
      if (entry === undefined) throw new NucleiMixError(`${shardLabel(s.completion.shard)} is complete but has no record of image '${name}'`, s.dir);
      entries.set(name, { dir: s.dir, entry });
    }
  }
  // The contact sheet holds the first SHEET_PAIRS edits in dataset order: only those images need their crops.
  const sheet = new Set<string>();
  if (previews) {
    let pairs = 0;
    for (const name of dataset.names) {
      if (pairs >= SHEET_PAIRS) break;
      const n = entries.get(name)?.entry.applied?.length ?? 0;
      if (n > 0) {
        sheet.add(name);
        pairs += n;
      }
    }
  }
  const progress = settings.progress ?? SILENT;
  const records = new Map<string, ImageRecord>();
  const source: SampleSource = {
    classes: dataset.classes,
    names: dataset.names,
    async read(name: string): Promise<Sample> {
      const original = await dataset.read(name);
      const held = entries.get(name);
      let sample = original;
      if (held === undefined) {
        const counts = countTypes(original);
        records.set(name, { before: counts, after: counts });
      } else {
        const { dir, entry } = held;
        const parts = entry.sample === undefined ? undefined : decodeSample(await readImageFile(dir, entry.sample), entry.sample.file);
        sample = applyDelta(original, parts, entry.keeps);
        const overlay = previews && entry.overlay !== undefined ? new Uint8Array(await readImageFile(dir, entry.overlay)) : undefined;
        const rec = recordOf(entry, overlay);
        if (sheet.has(name) && rec.applied !== undefined && rec.applied.length > 0) rec.pairs = editPairs(original.image, sample.image, rec.applied).slice(0, SHEET_PAIRS);
        records.set(name, rec);
      }
      progress.tick(name);
      return sample;
    },
  };
  let stats: AugmentStats | undefined;
  let applied = new Map<string, NonNullable<ImageRecord['applied']>>();
  progress.phase('merging', dataset.names.length);
  const dir = await writeDataset(out, formatByName(dataset.format)!, source, {
    inputs: [dataset.root, ...dirs],
    overwrite: settings.overwrite,
    extras: async (tmp) => {
      progress.done();
      const log = combineRecords(dataset.classes, dataset.names, (n) => records.get(n));
      applied = log.applied;
      ({ stats } = statsOfRun(m, options, written, dataset.classes, log));
      await writeRunFiles(tmp, written, stats, log, previews);
      await settings.report?.(tmp, { dataset, manifest: written, stats, timings: { merge: (performance.now() - t0) / 1000 }, progress });
    },
  });
  return { out: dir, manifest: written, stats: stats!, timings: { merge: (performance.now() - t0) / 1000 }, notes: [], applied };
}
