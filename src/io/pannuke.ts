/**
 * PanNuke: one folder holding `images.npy` (N×H×W×3, float64 0..255 in the distribution,
 * sometimes uint8), `masks.npy` (N×H×W×6, float64: channels 0–4 are the instance maps of
 * neoplastic, inflammatory, connective, dead and epithelial nuclei, channel 5 the background)
 * and `types.npy` (N tissue names, numpy unicode strings). The distribution nests them as
 * `Fold 1/images/fold1/{images,types}.npy` + `Fold 1/masks/fold1/masks.npy`; a root holding
 * exactly one such set, flat or nested, is a dataset.
 *
 * Reading combines channels 0–4 into one instance map, type = channel + 1:
 * - ids are kept as the file has them when each id occurs in one channel (the normal case);
 * - an id already used by an earlier channel is renamed max+1, max+2, … (ascending original
 *   id within a channel, channels in order), so every id's pixels lie in one channel;
 * - a pixel claimed by several channels belongs to the first of them.
 * The renamings and the pixels lost to the last rule are kept in `Sample.stored`, so that
 * writing unedited labels back restores the file's masks exactly.
 *
 * Writing puts each instance's pixels in the channel of its class by name (pannuke-channels.ts;
 * channel type−1 for PanNuke's own class list) and channel 5, which the PanNuke
 * README calls "Background", as a binary background mask: 1 where no channel 0–4 has an
 * instance, 0 elsewhere (the usual reading of the distributed files; channel 5 is ignored on
 * reading, so this choice never changes what is read back).
 *
 * The files exceed 2 GiB, so only headers and types.npy are read on opening, and each sample
 * is one slice of images.npy and masks.npy read by file offset.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { CLASS_LISTS, className, type ClassList } from '../core/classes.ts';
import { NucleiMixError, check, naming } from '../core/errors.ts';
import { labelsFromMap, type Labels } from '../core/labels.ts';
import { createImage, createInstanceMap, type RgbImage } from '../core/raster.ts';
import type { Dataset, FormatIO, Sample, SampleSource } from './dataset.ts';
import { relativeProblem } from './diagnosis.ts';
import { entryKindOrOther } from './dir-entries.ts';
import { pannukeChannels, type PannukeChannels } from './pannuke-channels.ts';
import {
  createNpyWriter,
  npyFromNumbers,
  parseDescr,
  readNpy,
  readNpyHeader,
  readNpySlice,
  serializeNpy,
  type NpyHeader,
  type NpyNumericData,
  type NpyReadOptions,
  type NpyWriter,
} from './npy.ts';

/** Facts about a PanNuke sample that hold whatever its labels: where it was and the dtypes. */
export interface PannukeSource {
  format: 'pannuke';
  /** Row in the files it was read from. */
  index: number;
  /** Its types.npy entry ('' when the set had no types.npy). */
  tissue: string;
  imageDescr: string;
  maskDescr: string;
  /** The dtype of types.npy, e.g. `<U13` ('' when there was none). */
  typesDescr: string;
}

/** What only the labels as read can restore: the file's own ids (see the module comment). */
export interface PannukeStored {
  /** Pairs (id in labels, id in the file) for renamed instances. */
  renamed: Int32Array;
  /** Triples (pixel index y·W+x, channel, id in the file) of pixels lost to an earlier channel. */
  hidden: Int32Array;
}

/** The files of one PanNuke set. */
export interface PannukeFiles {
  images: string;
  masks: string;
  types?: string;
}

const INSTANCE_CHANNELS = 5;
const MAX_ID = 2147483647;
/** The usual PanNuke patch size, for the header of an empty dataset. */
const DEFAULT_SIZE = 256;
/** types.npy is N short strings; anything far larger is not one. */
const MAX_TYPES_BYTES = 64 << 20;
/** How deep below the root to look for the nested layout (PanNuke/Fold 1/images/fold1). */
const MAX_DEPTH = 3;
const MAX_ENTRIES = 20000;
const UNKNOWN_TISSUE = 'Unknown';

export function pannukeSampleName(index: number): string {
  return `pannuke_${String(index).padStart(5, '0')}`;
}

export function isPannukeSource(x: unknown): x is PannukeSource {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === 'pannuke';
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the one PanNuke set under `root`: images.npy + masks.npy in `root` itself, or
 * exactly one images.npy and one masks.npy up to three folders down (types.npy beside either).
 */
export async function locatePannuke(root: string): Promise<PannukeFiles> {
  const st = await stat(root).catch(() => undefined);
  check(st?.isDirectory(), root, 'is not a folder');
  const inRoot = (f: string) => join(root, f);
  if ((await isFile(inRoot('images.npy'))) && (await isFile(inRoot('masks.npy')))) {
    return { images: inRoot('images.npy'), masks: inRoot('masks.npy'), types: (await isFile(inRoot('types.npy'))) ? inRoot('types.npy') : undefined };
  }
  const found = await scanPannuke(root);
  const images = found['images.npy'];
  const masks = found['masks.npy'];
  if (images.length === 0 && masks.length > 0) throw new NucleiMixError(`has ${relative(root, masks[0])} but no images.npy`, root);
  if (masks.length === 0 && images.length > 0) throw new NucleiMixError(`has ${relative(root, images[0])} but no masks.npy`, root);
  if (images.length === 0 || masks.length === 0) {
    throw new NucleiMixError("holds no PanNuke set: expected images.npy and masks.npy in it, or nested as 'Fold 1/images/fold1/images.npy' and 'Fold 1/masks/fold1/masks.npy'", root);
  }
  if (images.length > 1 || masks.length > 1) {
    const sets = images.map((p) => relative(root, p)).join(', ');
    throw new NucleiMixError(`holds ${Math.max(images.length, masks.length)} PanNuke sets (${sets}); open one of them (e.g. one fold's folder)`, root);
  }
  const besides = (p: string) => found['types.npy'].find((t) => dirname(t) === dirname(p));
  return { images: images[0], masks: masks[0], types: besides(images[0]) ?? besides(masks[0]) };
}

/** Every images.npy, masks.npy and types.npy up to MAX_DEPTH folders below `root`, sorted. */
async function scanPannuke(root: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = { 'images.npy': [], 'masks.npy': [], 'types.npy': [] };
  let level = [root];
  let entries = 0;
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0 && entries < MAX_ENTRIES; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const list = await readdir(dir, { withFileTypes: true }).catch(() => []);
      list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of list) {
        if (++entries > MAX_ENTRIES) break;
        const path = join(dir, e.name);
        const kind = await entryKindOrOther(dir, e);
        if (kind === 'dir') {
          if (depth < MAX_DEPTH) next.push(path);
        } else if (found[e.name] !== undefined && (await isFile(path))) found[e.name].push(path);
      }
    }
    level = next;
  }
  return found;
}

async function detect(root: string): Promise<boolean> {
  try {
    await locatePannuke(root);
    return true;
  } catch {
    return false;
  }
}

function isNumeric(descr: string): boolean {
  return 'iuf'.includes(parseDescr(descr).kind);
}

/**
 * RGB image from one images.npy slice (H×W×3 values of any numeric dtype), which must hold
 * integers 0..255: anything else is an error naming the sample, not a silent rescale.
 */
export function pannukeImage(data: NpyNumericData, width: number, height: number, what: string, file: string): RgbImage {
  check(data.length === width * height * 3, file, `${what}: expected ${height}×${width}×3 values, got ${data.length}`);
  if (data instanceof Uint8Array) return createImage(width, height, data.slice());
  const rgb = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
      const p = Math.floor(i / 3);
      throw new NucleiMixError(`${what}: image value ${v} at row ${Math.floor(p / width)}, column ${p % width}, channel ${i % 3}; expected integers 0..255`, file);
    }
    rgb[i] = v;
  }
  return createImage(width, height, rgb);
}

/**
 * Labels from one masks.npy slice (H×W×C values, C ≥ 5, channels 0–4 instance maps), by the
 * rules of the module comment; `stored` holds what writing them back unedited needs.
 */
export function pannukeLabels(mask: NpyNumericData, width: number, height: number, channels: number, what: string, file: string): { labels: Labels; stored: PannukeStored } {
  const pixels = width * height;
  check(channels >= INSTANCE_CHANNELS && mask.length === pixels * channels, file, `${what}: expected ${height}×${width}×${channels} mask values, got ${mask.length}`);
  const idValue = (p: number, c: number): number => {
    const v = Number(mask[p * channels + c]);
    if (v === 0) return 0;
    if (!(Number.isInteger(v) && v > 0 && v <= MAX_ID)) {
      throw new NucleiMixError(`${what}: mask value ${v} at row ${Math.floor(p / width)}, column ${p % width}, channel ${c}; instance ids must be integers 1..${MAX_ID}`, file);
    }
    return v;
  };
  const perChannel = Array.from({ length: INSTANCE_CHANNELS }, () => new Set<number>());
  let maxId = 0;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < INSTANCE_CHANNELS; c++) {
      const v = idValue(p, c);
      if (v === 0) continue;
      perChannel[c].add(v);
      if (v > maxId) maxId = v;
    }
  }
  const typeOf = new Map<number, number>();
  const idIn = perChannel.map(() => new Map<number, number>());
  const renamed: number[] = [];
  let next = maxId + 1;
  perChannel.forEach((ids, c) => {
    for (const v of [...ids].sort((a, b) => a - b)) {
      let id = v;
      if (typeOf.has(v)) {
        check(next <= MAX_ID, file, `${what}: too many instance ids to rename those shared by two channels`);
        id = next++;
        renamed.push(id, v);
      }
      typeOf.set(id, c + 1);
      idIn[c].set(v, id);
    }
  });
  const inst = new Int32Array(pixels);
  const hidden: number[] = [];
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < INSTANCE_CHANNELS; c++) {
      const v = Number(mask[p * channels + c]);
      if (v === 0) continue;
      if (inst[p] === 0) inst[p] = idIn[c].get(v)!;
      else hidden.push(p, c, v);
    }
  }
  const labels = labelsFromMap(createInstanceMap(width, height, inst), (id) => typeOf.get(id)!);
  return { labels, stored: { renamed: Int32Array.from(renamed), hidden: Int32Array.from(hidden) } };
}

/**
 * The 6-channel PanNuke mask (H×W×6, row-major) of `labels`: instance pixels in channel
 * type−1 (or `channels.channelOf`, see pannuke-channels.ts), channel 5 = 1 where there is no
 * instance. With `stored` (valid for these labels as
 * read), the file's original ids and overlapping pixels are restored.
 */
export function pannukeMask(labels: Labels, stored: PannukeStored | undefined, what: string, file: string, channels?: PannukeChannels, classes?: ClassList): Float64Array {
  const { width, height, data } = labels.inst;
  const pixels = width * height;
  const out = new Float64Array(pixels * 6);
  const channelOf = new Map<number, number>();
  labels.ids.forEach((id, i) => {
    const t = labels.types[i];
    const c = channels === undefined ? (t >= 1 && t <= INSTANCE_CHANNELS ? t - 1 : undefined) : channels.channelOf.get(t);
    const name = classes?.some((k) => k.id === t) ? ` (${className(classes, t)})` : '';
    check(c !== undefined, file, `${what}: instance ${id} has type ${t}${name}, which has no PanNuke channel; PanNuke holds five classes (neoplastic, inflammatory, connective, dead, epithelial)`);
    channelOf.set(id, c);
  });
  const fileId = new Map<number, number>();
  if (stored !== undefined) for (let k = 0; k + 1 < stored.renamed.length; k += 2) fileId.set(stored.renamed[k], stored.renamed[k + 1]);
  for (let p = 0; p < pixels; p++) {
    const id = data[p];
    if (id === 0) continue;
    const c = channelOf.get(id);
    check(c !== undefined && id > 0, file, `${what}: instance id ${id} at row ${Math.floor(p / width)}, column ${p % width} has no type`);
    out[p * 6 + c] = fileId.get(id) ?? id;
  }
  if (stored !== undefined) {
    const h = stored.hidden;
    for (let k = 0; k + 2 < h.length; k += 3) if (h[k] >= 0 && h[k] < pixels && h[k + 1] >= 0 && h[k + 1] < INSTANCE_CHANNELS) out[h[k] * 6 + h[k + 1]] = h[k + 2];
  }
  for (let p = 0; p < pixels; p++) {
    let any = false;
    for (let c = 0; c < INSTANCE_CHANNELS; c++) any ||= out[p * 6 + c] !== 0;
    if (!any) out[p * 6 + 5] = 1;
  }
  return out;
}

/** A shape as Python prints it: (3,) for one axis. */
function shapeText(h: NpyHeader): string {
  return h.shape.length === 1 ? `(${h.shape[0]},)` : `(${h.shape.join(', ')})`;
}

/**
 * Opens the PanNuke set at `root` (see {@link locatePannuke}); reads headers and types.npy
 * only. `options` tune the slice reads (chunk size).
 */
export async function openPannuke(root: string, classes?: ClassList, options: NpyReadOptions = {}): Promise<Dataset> {
  const files = await locatePannuke(root);
  const [ih, mh] = await Promise.all([readNpyHeader(files.images), readNpyHeader(files.masks)]);
  check(ih.shape.length === 4 && ih.shape[3] === 3, files.images, `has shape ${shapeText(ih)}; expected (N, H, W, 3)`);
  check(mh.shape.length === 4 && mh.shape[3] >= INSTANCE_CHANNELS, files.masks, `has shape ${shapeText(mh)}; expected (N, H, W, 6)`);
  check(isNumeric(ih.descr), files.images, `holds ${ih.descr}; expected numbers (float64 or uint8)`);
  check(isNumeric(mh.descr), files.masks, `holds ${mh.descr}; expected numbers (float64)`);
  const [n, height, width] = ih.shape;
  check(mh.shape[0] === n && mh.shape[1] === height && mh.shape[2] === width, files.masks, `has shape ${shapeText(mh)} but images.npy is ${shapeText(ih)}`);
  let tissues: string[] = [];
  let typesDescr = '';
  if (files.types !== undefined) {
    const th = await readNpyHeader(files.types);
    check(th.shape.length === 1 && th.shape[0] === n, files.types, `has shape ${shapeText(th)}; expected (${n},), one tissue per image`);
    const kind = parseDescr(th.descr).kind;
    check(kind === 'U' || kind === 'S', files.types, `holds ${th.descr}; expected strings`);
    check(n * th.itemSize <= MAX_TYPES_BYTES, files.types, `is implausibly large for tissue names`);
    tissues = (await readNpy(files.types, options)).data as string[];
    typesDescr = th.descr;
  }
  const names = Array.from({ length: n }, (_, i) => pannukeSampleName(i));
  const indexOf = new Map(names.map((name, i) => [name, i]));
  const read = async (name: string): Promise<Sample> => {
    const index = indexOf.get(name);
    if (index === undefined) throw new NucleiMixError(`no image named '${name}'`, root);
    const what = `image ${index} (${name})`;
    const [img, msk] = await Promise.all([readNpySlice(files.images, ih, index, 1, options), readNpySlice(files.masks, mh, index, 1, options)]);
    const image = pannukeImage(img.data as NpyNumericData, width, height, what, files.images);
    const { labels, stored } = pannukeLabels(msk.data as NpyNumericData, width, height, mh.shape[3], what, files.masks);
    const source: PannukeSource = { format: 'pannuke', index, tissue: tissues[index] ?? '', imageDescr: ih.descr, maskDescr: mh.descr, typesDescr };
    return { name, image, labels, origin: files.masks, stored, source };
  };
  return { format: 'pannuke', root, classes: classes ?? CLASS_LISTS.pannuke, names, read };
}

/** The types.npy dtype: the input's kind and byte order, widened to the longest name. */
function typesDescrFor(remembered: string, tissues: string[]): string {
  const longest = Math.max(1, ...tissues.map((t) => [...t].length));
  const m = /^([<>|=]?)([US])(\d+)$/.exec(remembered);
  const latin1 = tissues.every((t) => [...t].every((ch) => ch.codePointAt(0)! <= 255));
  if (m !== null && m[2] === 'S' && latin1) return `|S${Math.max(Number(m[3]), longest)}`;
  const order = m !== null && m[2] === 'U' && m[1] === '>' ? '>' : '<';
  return `${order}U${Math.max(m !== null && m[2] === 'U' ? Number(m[3]) : 0, longest)}`;
}

/** Rethrows a file-less NucleiMixError (a dtype overflow) as one naming the file and sample. */
async function forSample<T>(file: string, what: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NucleiMixError && err.file === undefined) throw new NucleiMixError(`${what}: ${err.message}`, file);
    throw err;
  }
}

/**
 * Writes images.npy, masks.npy and types.npy (flat layout) into `dir`, one sample at a time.
 * Dtypes follow the first sample when it came from PanNuke, else float64 like the
 * distribution; tissue names come from each sample's PanNuke source ('Unknown' otherwise).
 */
async function write(dir: string, source: SampleSource): Promise<void> {
  const n = source.names.length;
  const paths = { images: join(dir, 'images.npy'), masks: join(dir, 'masks.npy'), types: join(dir, 'types.npy') };
  let images: NpyWriter | undefined;
  let masks: NpyWriter | undefined;
  let width = DEFAULT_SIZE;
  let height = DEFAULT_SIZE;
  let imageDescr = '<f8';
  let maskDescr = '<f8';
  let typesDescr = '<U13';
  const tissues: string[] = [];
  const channels = pannukeChannels(source.classes);
  if (channels.warning !== undefined) process.emitWarning(`writing PanNuke masks.npy: ${channels.warning}`, { code: 'NUCLEIMIX_PANNUKE_CHANNELS' });
  try {
    for (let i = 0; i < n; i++) {
      const name = source.names[i];
      const sample = await source.read(name);
      const src = isPannukeSource(sample.source) ? sample.source : undefined;
      const what = `sample ${i} (${name})`;
      if (i === 0) {
        ({ width, height } = sample.image);
        if (src !== undefined) {
          imageDescr = src.imageDescr;
          maskDescr = src.maskDescr;
          typesDescr = src.typesDescr || typesDescr;
        }
      }
      const { image, labels } = sample;
      check(image.width === width && image.height === height, paths.images, `${what} is ${image.width}×${image.height} but the first is ${width}×${height}; PanNuke stores one array, so all images must be the same size`);
      check(labels.inst.width === width && labels.inst.height === height, paths.masks, `${what}: labels are ${labels.inst.width}×${labels.inst.height} but the image is ${width}×${height}`);
      images ??= await createNpyWriter(paths.images, imageDescr, [n, height, width, 3]);
      masks ??= await createNpyWriter(paths.masks, maskDescr, [n, height, width, 6]);
      const stored = src !== undefined ? (sample.stored as PannukeStored | undefined) : undefined;
      const mask = pannukeMask(labels, stored, what, paths.masks, channels, source.classes);
      await forSample(paths.images, what, () => images!.append(npyFromNumbers(imageDescr, image.data)));
      await forSample(paths.masks, what, () => masks!.append(npyFromNumbers(maskDescr, mask)));
      tissues.push(src !== undefined ? src.tissue : UNKNOWN_TISSUE);
    }
    images ??= await createNpyWriter(paths.images, imageDescr, [0, height, width, 3]);
    masks ??= await createNpyWriter(paths.masks, maskDescr, [0, height, width, 6]);
    await images.close();
    await masks.close();
  } catch (err) {
    await images?.close().catch(() => undefined);
    await masks?.close().catch(() => undefined);
    throw err;
  }
  const descr = typesDescrFor(typesDescr, tissues);
  await naming(paths.types, () => writeFile(paths.types, serializeNpy({ descr, shape: [n], data: tissues })));
}

/** Why `root` is not a PanNuke set when it holds some of PanNuke's files (FormatIO.diagnose). */
async function diagnose(root: string): Promise<string | undefined> {
  try {
    const found = await scanPannuke(root);
    if (found['images.npy'].length === 0 && found['masks.npy'].length === 0) return undefined;
    await locatePannuke(root);
    return undefined;
  } catch (err) {
    return relativeProblem(err, root);
  }
}

export const pannuke: FormatIO = {
  name: 'pannuke',
  description: 'PanNuke: images.npy (N×H×W×3) + masks.npy (N×H×W×6 instance maps per class) + types.npy (tissue), flat or Fold N/…/foldN nesting',
  detect,
  diagnose,
  open: (root, classes) => openPannuke(root, classes),
  write,
  writtenClasses: (classes) => pannukeChannels(classes).written,
};
