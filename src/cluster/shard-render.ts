/**
 * One shard of a cluster render: the target images the assignment gives shard i of N,
 * rendered exactly as a single-process `render` renders them, each kept in the shard folder
 * as soon as it is done (its record written last, atomically), so a shard killed mid-way and
 * run again renders only the images it had not finished, and a finished shard run again does
 * nothing. Images the manifest leaves alone are not kept: the merge reads them from the input.
 */
import { NucleiMixError } from '../core/errors.ts';
import { SILENT, type ProgressSink } from '../core/progress.ts';
import type { Dataset, Sample } from '../io/dataset.ts';
import { checkOutput } from '../io/write.ts';
import type { InpaintEngine } from '../inpaint/engine.ts';
import { checkInputs, methodOptions, openEngine, statsOfRun, type EngineChoice } from '../augment/driver.ts';
import type { AnyManifest } from '../augment/manifest.ts';
import { methodByName } from '../augment/methods.ts';
import { combineRecords, renderedSource, type ImageRecord } from '../augment/render-loop.ts';
import type { AugmentStats } from '../augment/stats.ts';
import { encodeSample } from './sample-file.ts';
import { sampleDelta, type SampleDelta } from './sample-delta.ts';
import { assignShards, renderedImages } from './shard-assignment.ts';
import type { ShardId } from './shard-env.ts';
import { writeFileAtomic } from '../io/atomic-file.ts';
import { COMPLETE_FILE, HEADER_FILE, imageStem, jsonText, makeShardFolder, readCompletion, readHeader, readImageEntry, removeTemporaries, writeImageEntry, writeImageFile } from './shard-folder.ts';
import { imageEntry, manifestSha256, recordOf, shardLabel, SHARD_TOOL, SHARD_VERSION, type ShardCompletion, type ShardHeader } from './shard-records.ts';
import { join } from 'node:path';

export interface ShardRenderSettings {
  /** Render with this engine instead of the manifest's (every shard of a merge must use the same). */
  engine?: EngineChoice;
  /** Keep preview overlays (default true; the merge draws previews only from shards that kept them). */
  previews?: boolean;
  /** Target images rendered together (default: the render loop's). */
  window?: number;
  progress?: ProgressSink;
}

/** What a shard run did. */
export interface ShardRun {
  dir: string;
  shard: ShardId;
  /** The shard's target images, in dataset order. */
  images: string[];
  /** Images rendered by this run (the others were finished before, or the shard was complete). */
  rendered: string[];
  /** True when the shard was complete already and nothing was done. */
  alreadyComplete: boolean;
  /** Insertions applied over the shard's images. */
  edits: number;
  /** The shard's own stats (its images only); absent when it was complete already. */
  stats?: AugmentStats;
}

/** The target images of `shard`, in dataset order, for `manifest` over `dataset` (what every shard and the merge compute alike). */
export function shardImages(dataset: Dataset, manifest: AnyManifest, shard: ShardId): string[] {
  return shardAssignment(dataset, manifest, shard.count)[shard.index];
}

/** Every shard's target images, in shard order. */
export function shardAssignment(dataset: Dataset, manifest: AnyManifest, count: number): string[][] {
  const m = methodByName(manifest.method);
  const everyImage = m.rendersEveryImage?.(methodOptions(m, manifest)) ?? false;
  return assignShards(renderedImages(dataset.names, manifest.insertions, everyImage), count);
}

/**
 * Renders shard `shard` of `manifest` over `dataset` into the shard folder `dir` (made if
 * absent; resumed if it holds an unfinished run of the same shard).
 *
 * @throws NucleiMixError when `dir` holds another manifest's or another shard's work, or work
 *   rendered with another engine or preview setting; when the manifest does not belong to the
 *   dataset; or when an image fails to render (naming it and its insertions; the images done
 *   before it stay done).
 */
export async function renderShard(dataset: Dataset, manifest: AnyManifest, dir: string, shard: ShardId, settings: ShardRenderSettings = {}): Promise<ShardRun> {
  const m = methodByName(manifest.method);
  await checkOutput(dir, { inputs: [dataset.root], overwrite: true });
  const hash = manifestSha256(manifest);
  const label = shardLabel(shard);
  const done = await readCompletion(dir);
  if (done !== undefined) {
    sameShard(done, hash, shard, dir);
    return { dir, shard, images: done.images, rendered: [], alreadyComplete: true, edits: done.edits };
  }
  await checkInputs(dataset, manifest);
  const options = methodOptions(m, manifest);
  const images = shardImages(dataset, manifest, shard);
  const previews = settings.previews !== false;
  const progress = settings.progress ?? SILENT;
  let engine: InpaintEngine | undefined;
  try {
    if (m.engine !== undefined) engine = await openEngine(m, manifest.engine, settings.engine);
    const header: ShardHeader = {
      tool: SHARD_TOOL,
      version: SHARD_VERSION,
      manifestSha256: hash,
      method: manifest.method,
      shard,
      images,
      engine: engine === undefined ? manifest.engine : { name: engine.name, settings: { ...engine.settings } },
      previews,
    };
    const before = await readHeader(dir);
    if (before !== undefined) sameRun(before, header, dir);
    await makeShardFolder(dir);
    if (before === undefined) await writeFileAtomic(join(dir, HEADER_FILE), jsonText(header));

    const finished = new Set<string>();
    for (const name of images) if ((await readImageEntry(dir, name)) !== undefined) finished.add(name);
    const pending = images.filter((n) => !finished.has(n));
    const written: AnyManifest = { ...manifest, engine: header.engine };
    const kept = new Map<string, { rec: ImageRecord; delta: SampleDelta }>();
    const onRecord = (name: string, rec: ImageRecord, original: Sample, out: Sample): void => {
      kept.set(name, { rec, delta: sampleDelta(original, out) });
    };
    progress.phase(`rendering ${label}`, pending.length);
    if (pending.length > 0) {
      const source = renderedSource(dataset, written, m, options, engine, { names: pending, previews, window: settings.window, onRecord });
      for (const name of pending) {
        await source.read(name);
        const { rec, delta } = kept.get(name)!;
        kept.delete(name);
        const entry = imageEntry(name, rec, delta.keeps);
        const stem = imageStem(name);
        if (delta.parts !== undefined) entry.sample = await writeImageFile(dir, `${stem}.sample`, encodeSample(delta.parts));
        if (rec.overlay !== undefined) entry.overlay = await writeImageFile(dir, `${stem}.overlay.png`, rec.overlay);
        await writeImageEntry(dir, entry);
        progress.tick(name);
      }
    }
    progress.done();

    // The shard's own stats, over all its images (those of earlier runs too), for people reading the folder.
    const records = new Map<string, ImageRecord>();
    for (const name of images) {
      const entry = await readImageEntry(dir, name);
      if (entry === undefined) throw new NucleiMixError(`image '${name}' has no record after rendering`, dir);
      records.set(name, recordOf(entry, undefined));
    }
    const mine = new Set(images);
    const shardManifest: AnyManifest = { ...written, insertions: manifest.insertions.filter((i) => mine.has(i.target.image)) };
    const log = combineRecords(dataset.classes, images, (n) => records.get(n));
    const { stats } = statsOfRun(m, options, shardManifest, dataset.classes, log);
    let edits = 0;
    for (const list of log.applied.values()) edits += list.length;
    await writeFileAtomic(join(dir, 'stats.json'), jsonText(stats));
    const completion: ShardCompletion = { ...header, complete: true, edits };
    await writeFileAtomic(join(dir, COMPLETE_FILE), jsonText(completion));
    await removeTemporaries(dir);
    return { dir, shard, images, rendered: pending, alreadyComplete: false, edits, stats };
  } finally {
    await engine?.release();
  }
}

/** Refuses a folder that holds another manifest's or another shard's work. */
function sameShard(h: ShardHeader, hash: string, shard: ShardId, dir: string): void {
  if (h.manifestSha256 !== hash) throw new NucleiMixError(`holds ${shardLabel(h.shard)} of another manifest (SHA-256 ${h.manifestSha256.slice(0, 12)}…, this one's is ${hash.slice(0, 12)}…); choose another folder`, dir);
  if (h.shard.index !== shard.index || h.shard.count !== shard.count) throw new NucleiMixError(`holds ${shardLabel(h.shard)}, not ${shardLabel(shard)}; choose another folder`, dir);
}

/** Refuses to resume a run made with other settings: its finished images would not match the new ones. */
function sameRun(was: ShardHeader, now: ShardHeader, dir: string): void {
  sameShard(was, now.manifestSha256, now.shard, dir);
  if (JSON.stringify(was.images) !== JSON.stringify(now.images)) throw new NucleiMixError(`was started with another assignment of images to ${shardLabel(now.shard)} (another nucleimix version or dataset listing); render it into a new folder`, dir);
  if (JSON.stringify(was.engine) !== JSON.stringify(now.engine)) throw new NucleiMixError(`was started with engine ${JSON.stringify(was.engine)}, not ${JSON.stringify(now.engine)}; resume it with the same engine or render into a new folder`, dir);
  if (was.previews !== now.previews) throw new NucleiMixError(`was started ${was.previews ? 'with' : 'without'} previews; resume it ${was.previews ? 'without --no-preview' : 'with --no-preview'}`, dir);
}
