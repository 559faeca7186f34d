/**
 * Rendering apart from writing: the augmented dataset as a SampleSource that the format's
 * writer reads from. When the writer asks for an edited image, the loop renders a window of
 * the next edited images at once — each one's stage 1, then its stage 2 — so their inpainting
 * jobs meet in the engine's batches (`InpaintBatcher`), and hands finished samples to the
 * writer one by one. Only a window of target images (and the donors' images) is decoded at a
 * time. Everything the run reports is gathered per image and summed in dataset order, so it
 * does not depend on the order images are read.
 */
import sharp from 'sharp';
import type { ClassList } from '../core/classes.ts';
import { hash32 } from '../core/rng.ts';
import { NucleiMixError } from '../core/errors.ts';
import { keepLargestPieces } from '../core/components.ts';
import { editedSample, type Dataset, type Sample, type SampleSource } from '../io/dataset.ts';
import { InpaintBatcher } from '../inpaint/batcher.ts';
import type { EngineInput, InpaintEngine, InpaintJob } from '../inpaint/engine.ts';
import type { RgbImage } from '../core/raster.ts';
import { regionJobs } from '../inpaint/regions.ts';
import type { AppliedEdit, RenderedImage } from './applied-edit.ts';
import type { AnyManifest, InsertionBase } from './manifest.ts';
import type { AugmentMethod, RegionInpainter } from './method.ts';
import { editPairs, overlay, type BeforeAfter } from './preview.ts';
import { groupByTarget } from './request.ts';

/** Images kept decoded at once (an LRU: donors repeat and are often targets too; datasets can be large). */
const SAMPLE_CACHE = 32;
/** Before/after pairs kept for the contact sheet. */
export const SHEET_PAIRS = 48;
/** Target images rendered together by default. */
export const DEFAULT_WINDOW = 8;

/** What one image's rendering left for the run's reports (a cluster's shard keeps one per image). */
export interface ImageRecord {
  /** Instances cut into pieces by the edits, and the pixels of their smaller pieces cleared. */
  trimmed?: { instances: number; pixels: number };
  before: Record<number, number>;
  after: Record<number, number>;
  applied?: AppliedEdit[];
  overlay?: Uint8Array;
  pairs?: BeforeAfter[];
  extra?: Record<string, unknown>;
}

/** The run's reports, in dataset order. */
export interface RenderLog {
  /** Edits applied, per edited image, in insertion order. */
  applied: Map<string, AppliedEdit[]>;
  /** Per-type counts of the input and of the output, over every image written. */
  before: Record<number, number>;
  counts: Record<number, number>;
  /** PNG bytes of the overlay of every edited image. */
  overlays: Map<string, Uint8Array>;
  /** Before/after crops of the first edits (at most {@link SHEET_PAIRS}), for the contact sheet. */
  pairs: BeforeAfter[];
  /** Each rendered image's method numbers. */
  extras: Record<string, unknown>[];
  /** Instances the edits left in several pieces, reduced to their largest (see `onePiecePerInstance`). */
  trimmed: { instances: number; pixels: number };
}

export interface RenderLoopOptions {
  /** Only these images (rendering in parts); default every image of the dataset. */
  names?: readonly string[];
  /** Overlays and before/after pairs (default true). */
  previews?: boolean;
  /** Target images rendered together (default {@link DEFAULT_WINDOW}). */
  window?: number;
  /** Called once per image handed to the writer. */
  onImage?: (name: string) => void;
  /**
   * Called once per rendered target image, before it is handed out, with its record, the
   * sample as read and the sample written (the same object when nothing changed): what a
   * cluster's shard needs to keep the image apart from the dataset.
   */
  onRecord?: (name: string, record: ImageRecord, original: Sample, out: Sample) => void;
}

/** A job's seed: a hash of the run's seed, the image, the insertion and the stage. */
export function jobSeed(seed: number, image: string, key: string): number {
  return hash32(`${seed >>> 0}/${image}/${key}`);
}

/**
 * The region inpainter of a render: regions cut into jobs for an engine of `input` (the
 * shared adapter), run by `run` (the batcher's member, or an engine directly), written back.
 */
export function regionInpainter(input: EngineInput, run: (jobs: InpaintJob[]) => Promise<RgbImage[]>): RegionInpainter {
  return async (image, regions, contextMargin) => {
    const { jobs, apply } = regionJobs(input, image, regions, contextMargin);
    if (jobs.length > 0) apply(await run(jobs));
  };
}

/**
 * Reads samples of the unedited input, keeping the last {@link SAMPLE_CACHE} decoded: targets
 * and donors alike, so an image that is both is decoded once (rendering never writes into a
 * sample it was given).
 */
export function sampleReader(dataset: Dataset): (name: string) => Promise<Sample> {
  const samples = new Map<string, Promise<Sample>>();
  return (name: string): Promise<Sample> => {
    let s = samples.get(name);
    if (s === undefined) {
      s = dataset.read(name);
      // A failed read is not kept: the error reaches this caller, and a later one reads again.
      s.catch(() => samples.get(name) === s && samples.delete(name));
      if (samples.size >= SAMPLE_CACHE) samples.delete(samples.keys().next().value!);
    } else {
      samples.delete(name); // re-insert: most recently used last
    }
    samples.set(name, s);
    return s;
  };
}

/**
 * The augmented dataset: `manifest` rendered over `dataset` by `method` with `options`, its
 * inpainting through `engine` (absent for methods that never inpaint). `log()` gives the
 * reports once every image was read.
 *
 * @throws NucleiMixError (when an image is read) naming the image and its insertions when its
 *   rendering fails, and at once when the manifest names images the dataset lacks.
 */
export function renderedSource<O extends object>(
  dataset: Dataset,
  manifest: AnyManifest,
  method: AugmentMethod<O, InsertionBase>,
  options: O,
  engine: InpaintEngine | undefined,
  loop: RenderLoopOptions = {},
): SampleSource & { log(): RenderLog } {
  const known = new Set(dataset.names);
  for (const ins of manifest.insertions) {
    for (const image of [ins.target.image, ins.donor.image]) {
      if (!known.has(image)) throw new NucleiMixError(`the manifest names image '${image}', which the dataset does not have`, dataset.root);
    }
  }
  const names = loop.names ?? dataset.names;
  const byImage = groupByTarget(manifest.insertions);
  const everyImage = method.rendersEveryImage?.(options) ?? false;
  const targets = names.filter((n) => everyImage || byImage.has(n));
  const targetAt = new Map(targets.map((n, i) => [n, i]));
  const window = Math.max(1, loop.window ?? DEFAULT_WINDOW);
  const samples = sampleReader(dataset);
  const batcher = engine === undefined ? undefined : new InpaintBatcher(engine);
  const records = new Map<string, ImageRecord>();
  const pending = new Map<string, Promise<Sample>>();
  let started = 0;
  let sheetFull = false;

  const noEngine: RegionInpainter = async () => {
    throw new NucleiMixError(`method ${method.name} asked to inpaint but no inpainting engine was given`);
  };

  async function renderOne(name: string, member: ReturnType<InpaintBatcher['join']> | undefined): Promise<Sample> {
    const insertions = byImage.get(name) ?? [];
    try {
      const original = await samples(name);
      const inpaint = member === undefined ? noEngine : regionInpainter(engine!.input, (jobs) => member.inpaint(jobs));
      const rendered = await method.render(original, insertions, { options, seed: manifest.seed, donor: samples, inpaint, nuclei: engine?.nuclei ?? 'hidden' });
      member?.leave();
      return await record(name, original, rendered);
    } catch (err) {
      member?.leave();
      const which = insertions.length > 0 ? `insertion${insertions.length > 1 ? 's' : ''} ${insertions.map((i) => `#${i.index}`).join(', ')}` : 'no insertion';
      const detail = err instanceof Error ? err.message : String(err);
      throw new NucleiMixError(`rendering image '${name}' (${which}) failed: ${detail}`);
    }
  }

  async function record(name: string, original: Sample, given: RenderedImage | undefined): Promise<Sample> {
    const rendered = given === undefined ? undefined : onePiecePerInstance(given);
    const out = rendered?.sample ?? original;
    const rec: ImageRecord = { before: countTypes(original), after: countTypes(out) };
    if (rendered !== undefined && rendered.trimmed.instances > 0) rec.trimmed = rendered.trimmed;
    // An image counts as edited when it changed: an insertion, or other pixels (InsMix's shuffle).
    if (rendered !== undefined && (rendered.applied.length > 0 || rendered.sample !== original)) rec.applied = rendered.applied;
    if (rendered !== undefined) {
      if (rendered.extra !== undefined) rec.extra = rendered.extra;
      if (loop.previews !== false && rendered.applied.length > 0) {
        const ov = overlay(out.image, out.labels, rendered.applied);
        rendered.decorate?.(ov);
        rec.overlay = await sharp(ov.data, { raw: { width: ov.width, height: ov.height, channels: 3 } }).png().toBuffer();
        if (!sheetFull) rec.pairs = editPairs(original.image, out.image, rendered.applied).slice(0, SHEET_PAIRS);
      }
    }
    records.set(name, rec);
    loop.onRecord?.(name, rec, original, out);
    prunePairs();
    return out;
  }

  /**
   * Drops the pairs of images that come (in dataset order) after the first ones holding
   * {@link SHEET_PAIRS}, once those are all rendered: the sheet is the same whatever order
   * images finish in, and memory stays bounded.
   */
  function prunePairs(): void {
    if (sheetFull) return;
    let kept = 0;
    for (let i = 0; i < targets.length; i++) {
      const rec = records.get(targets[i]);
      if (rec === undefined) return;
      if (kept >= SHEET_PAIRS) {
        sheetFull = true;
        for (const later of targets.slice(i)) delete records.get(later)?.pairs;
        return;
      } else {
        kept += rec.pairs?.length ?? 0;
      }
    }
  }

  /** Starts the window of targets from position `at` on, in dataset order, all in one batcher round. */
  function startWindow(at: number): void {
    const end = Math.min(targets.length, at + window);
    // Join every member first, so none of them can run a batch before the window is complete.
    const members = targets.slice(at, end).map(() => batcher?.join());
    for (let i = at; i < end; i++) {
      const p = renderOne(targets[i], members[i - at]);
      // The writer stops at the first failure it reads; the window's other failures are not unhandled.
      p.catch(() => {});
      pending.set(targets[i], p);
    }
    started = end;
  }

  return {
    classes: dataset.classes,
    names,
    async read(name: string): Promise<Sample> {
      const at = targetAt.get(name);
      let sample: Sample;
      if (at === undefined) {
        sample = await dataset.read(name);
        const counts = countTypes(sample);
        records.set(name, { before: counts, after: counts });
      } else {
        if (!pending.has(name)) {
          if (at < started) throw new NucleiMixError(`image '${name}' was read twice while rendering`);
          startWindow(at);
        }
        sample = await pending.get(name)!;
        pending.delete(name);
      }
      loop.onImage?.(name);
      return sample;
    },
    log(): RenderLog {
      return combineRecords(dataset.classes, names, (name) => records.get(name));
    },
  };
}

/**
 * The run's log from every image's record, summed in the order of `names` (so it does not
 * depend on the order images were rendered in, or on which process rendered them).
 *
 * @throws NucleiMixError naming the first image without a record.
 */
export function combineRecords(classes: ClassList, names: readonly string[], recordOf: (name: string) => ImageRecord | undefined): RenderLog {
  const log: RenderLog = { applied: new Map(), before: {}, counts: {}, overlays: new Map(), pairs: [], extras: [], trimmed: { instances: 0, pixels: 0 } };
  for (const c of classes) log.counts[c.id] = log.before[c.id] = 0;
  for (const name of names) {
    const rec = recordOf(name);
    if (rec === undefined) throw new NucleiMixError(`image '${name}' was never rendered`);
    for (const [t, n] of Object.entries(rec.before)) log.before[+t] = (log.before[+t] ?? 0) + n;
    for (const [t, n] of Object.entries(rec.after)) log.counts[+t] = (log.counts[+t] ?? 0) + n;
    if (rec.applied !== undefined) log.applied.set(name, rec.applied);
    if (rec.overlay !== undefined) log.overlays.set(name, rec.overlay);
    for (const p of rec.pairs ?? []) if (log.pairs.length < SHEET_PAIRS) log.pairs.push(p);
    if (rec.extra !== undefined) log.extras.push(rec.extra);
    if (rec.trimmed !== undefined) {
      log.trimmed.instances += rec.trimmed.instances;
      log.trimmed.pixels += rec.trimmed.pixels;
    }
  }
  return log;
}

/**
 * Every instance an edit touched (one with pixels within a pixel of an applied edit's box) as one
 * 4-connected piece, for every method alike: a neighbour the new nucleus cut in two keeps its
 * larger part, a donor pasted with a stray pixel loses it (`keepLargestPieces`). The applied
 * edits' areas follow.
 */
export function onePiecePerInstance(rendered: RenderedImage): RenderedImage & { trimmed: { instances: number; pixels: number } } {
  const { sample, applied } = rendered;
  const { width: W, height: H, data } = sample.labels.inst;
  const touched = new Set<number>();
  for (const a of applied) {
    // The box grown by 1 px: an instance the edit cut through can be left with no pixel inside
    // the box (CutMix's rectangle across its middle), but each of its pieces touched the pixels
    // it lost, all inside the box, so each keeps one within a pixel of it.
    const x0 = Math.max(0, a.bbox[0] - 1);
    const y0 = Math.max(0, a.bbox[1] - 1);
    const x1 = Math.min(W, a.bbox[2] + 1);
    const y1 = Math.min(H, a.bbox[3] + 1);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (data[y * W + x] !== 0) touched.add(data[y * W + x]);
  }
  const { labels, cleared } = keepLargestPieces(sample.labels, touched);
  if (cleared.size === 0) return { ...rendered, trimmed: { instances: 0, pixels: 0 } };
  let pixels = 0;
  for (const n of cleared.values()) pixels += n;
  return {
    ...rendered,
    sample: editedSample(sample, sample.image, labels),
    applied: applied.map((a) => (cleared.has(a.newId) ? { ...a, area: a.area - cleared.get(a.newId)! } : a)),
    trimmed: { instances: cleared.size, pixels },
  };
}

/** Instances per type in a sample's labels. */
export function countTypes(sample: Sample): Record<number, number> {
  const out: Record<number, number> = {};
  for (const t of sample.labels.types) out[t] = (out[t] ?? 0) + 1;
  return out;
}
