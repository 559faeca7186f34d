/**
 * Applies a manifest to a dataset, image by image, as a SampleSource that the writers read
 * from: each edited image is rendered when the writer asks for it, so only one target image
 * (and the donors' images) are in memory at a time. {@link editedSource} is the loop every
 * method shares; {@link renderedSource} is NucleiMix's renderer on it.
 */
import sharp from 'sharp';
import { NucleiMixError } from '../core/errors.ts';
import type { RgbImage } from '../core/raster.ts';
import type { Dataset, Sample, SampleSource } from '../io/dataset.ts';
import type { Inpainter } from '../inpaint/inpainter.ts';
import { cutDonor } from './donor.ts';
import type { Insertion, Manifest } from './manifest.ts';
import { beforeAfterSheet, editPairs, overlay, type BeforeAfter } from './preview.ts';
import { renderImage, type AppliedEdit } from './render.ts';

export interface RenderLog {
  /** Edits applied, per image, in insertion order. */
  applied: Map<string, AppliedEdit[]>;
  /** Per-type counts of the input and of the output, over every image written. */
  before: Record<number, number>;
  counts: Record<number, number>;
  /** PNG bytes of the overlay of every edited image. */
  overlays: Map<string, Uint8Array>;
  /** Before/after crops of the first edits, for the contact sheet. */
  pairs: BeforeAfter[];
}

/** Donor images kept decoded at once (an LRU: donors repeat, datasets can be large). */
const DONOR_CACHE = 32;
/** Before/after pairs kept for the contact sheet. */
const SHEET_PAIRS = 48;

/**
 * What editing one image gave: the edited sample and one {@link AppliedEdit} per inserted
 * nucleus (for the previews and the stats). `decorate` may draw method-specific marks on the
 * preview overlay (CutMix's rectangles) after the outlines.
 */
export interface EditedImage {
  sample: Sample;
  applied: AppliedEdit[];
  decorate?: (overlay: RgbImage) => void;
}

/** Edits one image as read; `undefined` leaves it as it is. */
export type ImageEditor = (original: Sample) => Promise<EditedImage | undefined>;

export interface EditedSourceOptions {
  /** Restrict the output to these images (rendering in parts). */
  names?: readonly string[];
  /** Overlays and before/after pairs (default true). */
  previews?: boolean;
  onImage?: (name: string) => void;
}

/**
 * A dataset with `edit` applied to every image as the writer reads it, so only one edited
 * image is in memory at a time; counts, applied edits and previews gather in `log`. The
 * shared rendering loop of every method.
 */
export function editedSource(dataset: Dataset, edit: ImageEditor, options: EditedSourceOptions = {}): SampleSource & { log: RenderLog } {
  const log: RenderLog = { applied: new Map(), before: {}, counts: {}, overlays: new Map(), pairs: [] };
  for (const c of dataset.classes) log.counts[c.id] = log.before[c.id] = 0;
  const names = options.names ?? dataset.names;

  return {
    classes: dataset.classes,
    names,
    log,
    read: async (name: string) => {
      const original = await dataset.read(name);
      const edited = await edit(original);
      let out = original;
      if (edited !== undefined) {
        const { sample, applied } = edited;
        out = sample;
        log.applied.set(name, applied);
        if (options.previews !== false) {
          const ov = overlay(sample.image, sample.labels, applied);
          edited.decorate?.(ov);
          log.overlays.set(name, await sharp(ov.data, { raw: { width: ov.width, height: ov.height, channels: 3 } }).png().toBuffer());
          for (const p of editPairs(original.image, sample.image, applied)) if (log.pairs.length < SHEET_PAIRS) log.pairs.push(p);
        }
      }
      for (const t of original.labels.types) log.before[t] = (log.before[t] ?? 0) + 1;
      for (const t of out.labels.types) log.counts[t] = (log.counts[t] ?? 0) + 1;
      options.onImage?.(name);
      return out;
    },
  };
}

/**
 * Reads donor samples from the unedited input, keeping the last {@link DONOR_CACHE} decoded
 * (an LRU: donors repeat, datasets can be large).
 */
export function donorReader(dataset: Dataset): (name: string) => Promise<Sample> {
  const donors = new Map<string, Promise<Sample>>();
  return (name: string): Promise<Sample> => {
    let s = donors.get(name);
    if (s === undefined) {
      s = dataset.read(name);
      if (donors.size >= DONOR_CACHE) donors.delete(donors.keys().next().value!);
    } else {
      donors.delete(name); // re-insert: most recently used last
    }
    donors.set(name, s);
    return s;
  };
}

/**
 * The augmented dataset as a SampleSource. `names` restricts the output to some images
 * (rendering in parts); donors are always read from the unedited input.
 */
export function renderedSource(
  dataset: Dataset,
  manifest: Manifest,
  inpainter: Inpainter,
  options: EditedSourceOptions = {},
): SampleSource & { log: RenderLog } {
  const known = new Set(dataset.names);
  const byImage = new Map<string, Insertion[]>();
  for (const ins of manifest.insertions) {
    for (const image of [ins.target.image, ins.donor.image]) {
      if (!known.has(image)) throw new NucleiMixError(`the manifest names image '${image}', which the dataset does not have`, dataset.root);
    }
    byImage.set(ins.target.image, [...(byImage.get(ins.target.image) ?? []), ins]);
  }
  const donor = donorReader(dataset);
  return editedSource(
    dataset,
    async (original) => {
      const insertions = byImage.get(original.name) ?? [];
      if (insertions.length === 0) return undefined;
      const edits = [];
      for (const ins of insertions) {
        const cut = cutDonor(await donor(ins.donor.image), ins.donor.id, { flipH: ins.donor.flipH, flipV: ins.donor.flipV, rotation: ins.donor.rotation });
        edits.push({ insertion: ins, donor: cut });
      }
      return renderImage(original, edits, inpainter);
    },
    options,
  );
}

/** The contact sheet of before/after crops, as PNG bytes (undefined when nothing was inserted). */
export async function sheetPng(log: RenderLog): Promise<Uint8Array | undefined> {
  if (log.pairs.length === 0) return undefined;
  const sheet = beforeAfterSheet(log.pairs);
  return sharp(sheet.data, { raw: { width: sheet.width, height: sheet.height, channels: 3 } }).png().toBuffer();
}
