/**
 * MoNuSeg: H&E tiles with Aperio-style XML polygon annotations of every nucleus, one class.
 * This file also holds the folder handling and reader/writer that MoNuSAC (monusac.ts)
 * shares: the two formats differ only in how annotations map to types.
 *
 * Layouts read (sample name = base name of the XML, which must be unique):
 * - flat: `<name>.xml` beside `<name>.tif|.tiff|.png`;
 * - MoNuSeg as shipped: `Annotations/<name>.xml` + `Tissue Images/<name>.tif` (XML in one
 *   subfolder, images in another);
 * - MoNuSAC as shipped: patient folders, each with `<name>.xml` + `<name>.tif` pairs.
 * Files are looked for in the root and its immediate subfolders. An XML without an image of
 * the same base name, or an image without an XML, is an error naming the file.
 *
 * Writing reproduces the folders a sample was read from (for samples of the same format) and
 * writes flat otherwise. A sample whose labels are unedited (its `stored` is intact) gets its
 * original XML back byte for byte; otherwise every instance is traced (core/polygon.ts) into
 * one region per 8-connected piece, holes as NegativeROA regions, in id order, which reads
 * back to the same instance map (with the same ids when each instance is one piece).
 *
 * Reading notes (overlaps, lost polygons) are kept in `source` ({@link xmlReadNotes}), since a
 * Sample has no field for warnings.
 */
import { mkdir, open as openFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CLASS_LISTS, type ClassList } from '../core/classes.ts';
import { NucleiMixError, naming } from '../core/errors.ts';
import { indexOfId } from '../core/labels.ts';
import { instancePolygons, type Shape } from '../core/polygon.ts';
import {
  buildAperioXml,
  parseAperioXml,
  rasterizeRegions,
  xmlLimits,
  type AnnotationOut,
  type AperioXml,
  type RegionOut,
  type XmlAnnotation,
} from './aperio-xml.ts';
import type { Dataset, FormatIO, Sample, SampleSource } from './dataset.ts';
import { inRoot, relativeProblem } from './diagnosis.ts';
import { entryKind } from './dir-entries.ts';
import { relativeFile } from './file-hashes.ts';
import { readImageFile, writeImageFile, type ImageFileInfo } from './image-file.ts';
import { naturalCompare } from './paired-folders.ts';

/** Image extensions that pair with an annotation XML. */
export const XML_IMAGE_EXTENSIONS = ['.tif', '.tiff', '.png'];

/** How one XML-annotated format maps annotations to types and back. */
export interface XmlFlavour {
  name: 'monuseg' | 'monusac';
  description: string;
  classes: ClassList;
  /** True when the format's XML names a cell type per annotation (what `detect` looks for). */
  typed: boolean;
  /** Type id of the regions of an annotation; null to ignore them. Throws NucleiMixError. */
  typeOf(annotation: XmlAnnotation, index: number, classes: ClassList, file: string): number | null;
  /**
   * Groups instances, in ascending id order, into annotations. `shapes` holds each id's
   * pieces; `typeOf(id)` its type.
   */
  annotationsFor(ids: Int32Array, shapes: Map<number, Shape[]>, typeOf: (id: number) => number, classes: ClassList, file: string): AnnotationOut[];
}

/** One annotation file and its image. Folders are relative to the dataset root ('' = root). */
export interface XmlPair {
  name: string;
  xml: string;
  image: string;
  xmlDir: string;
  imageDir: string;
}

/** What a sample's files held besides its labels; true whatever the labels become. */
export interface XmlSource {
  format: 'monuseg' | 'monusac';
  image: ImageFileInfo;
  xmlDir: string;
  imageDir: string;
  /** Attributes of the root `<Annotations>` element (MicronsPerPixel). */
  rootAttributes: Record<string, string>;
  /** Annotations that make no instances (MoNuSAC's Ambiguous areas), written back as they were. */
  ignored: AnnotationOut[];
  /** Size of the image the annotations belong to; `ignored` is written back only at this size. */
  width: number;
  height: number;
  /** Notes from rasterising the file: shrunken or lost instances, orphan holes. */
  warnings: string[];
  /** Ids of regions that lost all their pixels (to overlap or degeneracy). */
  lost: number[];
}

/** The file as read, valid only for the labels as read (see Sample.stored). */
interface XmlStored {
  xmlText: string;
  width: number;
  height: number;
  count: number;
}

function isXmlSource(v: unknown, format: string): v is XmlSource {
  return typeof v === 'object' && v !== null && (v as Partial<XmlSource>).format === format;
}

/** The reading notes of a sample read by the MoNuSeg or MoNuSAC reader, else undefined. */
export function xmlReadNotes(sample: Sample): { warnings: string[]; lost: number[] } | undefined {
  const s = sample.source as Partial<XmlSource> | undefined;
  if (s === undefined || (s.format !== 'monuseg' && s.format !== 'monusac') || !Array.isArray(s.warnings)) return undefined;
  return { warnings: s.warnings, lost: s.lost ?? [] };
}

interface Found {
  path: string;
  dir: string;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Folders nucleimix writes beside a dataset (pictures, the feature cache): never data. */
const NOT_DATA = ['preview', 'cache'];

/** XML and image files in `root` and its immediate subfolders (but {@link NOT_DATA}), by base name. */
async function scan(root: string): Promise<{ xmls: Map<string, Found[]>; images: Map<string, Found[]> }> {
  const xmls = new Map<string, Found[]>();
  const images = new Map<string, Found[]>();
  const add = (map: Map<string, Found[]>, name: string, found: Found): void => {
    const list = map.get(name);
    if (list === undefined) map.set(name, [found]);
    else list.push(found);
  };
  const visit = async (dir: string, rel: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => naturalCompare(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      const kind = await entryKind(dir, e);
      if (kind === 'dir') {
        if (depth === 0 && !NOT_DATA.includes(e.name)) await visit(path, e.name, 1);
        continue;
      }
      if (kind !== 'file') continue;
      const ext = extname(e.name).toLowerCase();
      const name = basename(e.name, extname(e.name));
      if (ext === '.xml') add(xmls, name, { path, dir: rel });
      else if (XML_IMAGE_EXTENSIONS.includes(ext)) add(images, name, { path, dir: rel });
    }
  };
  await visit(root, '', 0);
  return { xmls, images };
}

/**
 * Pairs every annotation XML under `root` (itself and one level of subfolders) with the image
 * of the same base name.
 *
 * @throws NucleiMixError naming the file for an XML without image, an image without XML, two
 *   files claiming one name, or a folder with no XML at all.
 */
export async function findXmlPairs(root: string): Promise<XmlPair[]> {
  if (!(await isDirectory(root))) throw new NucleiMixError('not a folder', root);
  const { xmls, images } = await naming(root, () => scan(root));
  if (xmls.size === 0) throw new NucleiMixError('no .xml annotation files here or in its subfolders', root);
  for (const [name, list] of images) {
    if (list.length > 1) throw new NucleiMixError(`two images for sample '${name}' (also ${list[0].path})`, list[1].path);
    if (!xmls.has(name)) throw new NucleiMixError(`image has no annotation file '${name}.xml' beside it or in a sibling folder`, list[0].path);
  }
  const pairs: XmlPair[] = [];
  for (const [name, list] of xmls) {
    if (list.length > 1) throw new NucleiMixError(`two annotation files for sample '${name}' (also ${list[0].path})`, list[1].path);
    const image = images.get(name)?.[0];
    if (image === undefined) {
      throw new NucleiMixError(`annotation file has no image '${name}' (${XML_IMAGE_EXTENSIONS.join(', ')}) beside it or in a sibling folder`, list[0].path);
    }
    pairs.push({ name, xml: list[0].path, image: image.path, xmlDir: list[0].dir, imageDir: image.dir });
  }
  return pairs.sort((a, b) => naturalCompare(a.name, b.name));
}

/** Bytes of an XML file's head that {@link xmlAnnotationKind} looks at. */
const HEAD_BYTES = 65536;
/** The Aperio root element, after at most an XML declaration, comments or whitespace. */
const APERIO_ROOT = /^\uFEFF?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<Annotations[\s/>]/;
/** An annotation whose first child is `<Attributes>` holding an `<Attribute Name="…">`. */
const TYPED_ANNOTATION = /<Annotation\b[^>]*>\s*<Attributes>\s*<Attribute\b[^>]*\bName\s*=\s*"\s*[^"\s]/;

/**
 * What an XML file looks like from its head: 'typed' when it is an Aperio annotation file
 * whose annotations name a cell type (MoNuSAC), 'untyped' when they do not (MoNuSeg),
 * undefined when it is not an Aperio annotation file at all.
 */
export async function xmlAnnotationKind(path: string): Promise<'typed' | 'untyped' | undefined> {
  const fh = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    const head = buf.subarray(0, bytesRead).toString('utf8');
    if (!APERIO_ROOT.test(head)) return undefined;
    return TYPED_ANNOTATION.test(head) ? 'typed' : 'untyped';
  } finally {
    await fh.close();
  }
}

/** How many XML files `detect` looks at. */
const DETECT_FILES = 5;

async function detectFlavour(root: string, flavour: XmlFlavour): Promise<boolean> {
  try {
    if (!(await isDirectory(root))) return false;
    const { xmls, images } = await scan(root);
    const paired = [...xmls].filter(([name]) => images.has(name)).slice(0, DETECT_FILES);
    if (paired.length === 0) return false;
    let typed = false;
    for (const [, list] of paired) {
      const kind = await xmlAnnotationKind(list[0].path);
      if (kind === undefined) return false;
      if (kind === 'typed') typed = true;
    }
    return typed === flavour.typed;
  } catch {
    return false;
  }
}

/**
 * Why `root` is not a dataset of `flavour` when it holds .xml files (FormatIO.diagnose): a
 * pairing error, or a paired XML that is not an Aperio annotation file. Undefined without any
 * .xml file, or when the files suit the other flavour (whose `detect` accepts them).
 */
async function diagnoseFlavour(root: string): Promise<string | undefined> {
  try {
    if (!(await isDirectory(root))) return undefined;
    const { xmls } = await scan(root);
    if (xmls.size === 0) return undefined;
    let pairs: XmlPair[];
    try {
      pairs = await findXmlPairs(root);
    } catch (err) {
      return relativeProblem(err, root);
    }
    for (const pair of pairs.slice(0, DETECT_FILES)) {
      if ((await xmlAnnotationKind(pair.xml)) === undefined) return `${inRoot(root, pair.xml)} is not an Aperio annotation file (no <Annotations> root element)`;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

async function readSample(pair: XmlPair, flavour: XmlFlavour, classes: ClassList): Promise<Sample> {
  const [text, { image, info }] = await Promise.all([naming(pair.xml, () => readFile(pair.xml, 'utf8')), readImageFile(pair.image)]);
  const xml = parseAperioXml(text, pair.xml, xmlLimits(image.width * image.height));
  const typeOf = (a: XmlAnnotation, i: number) => flavour.typeOf(a, i, classes, pair.xml);
  const r = rasterizeRegions(xml, image.width, image.height, typeOf, pair.xml);
  const source: XmlSource = {
    format: flavour.name,
    image: info,
    xmlDir: pair.xmlDir,
    imageDir: pair.imageDir,
    rootAttributes: xml.attributes,
    ignored: ignoredAnnotations(xml, typeOf),
    width: image.width,
    height: image.height,
    warnings: r.warnings,
    lost: r.lost,
  };
  const stored: XmlStored = { xmlText: text, width: image.width, height: image.height, count: r.labels.ids.length };
  return { name: pair.name, image, labels: r.labels, origin: pair.xml, source, stored };
}

/** The annotations whose regions make no instances, with their regions as read. */
function ignoredAnnotations(xml: AperioXml, typeOf: (a: XmlAnnotation, i: number) => number | null): AnnotationOut[] {
  const out: AnnotationOut[] = [];
  xml.annotations.forEach((a, i) => {
    const regions = xml.regions.filter((r) => r.annotation === i);
    if (regions.length === 0 || typeOf(a, i) !== null) return;
    const { Id: _id, ...attributes } = a.attributes;
    out.push({
      attributes,
      ...(a.typeName === undefined ? {} : { typeName: a.typeName }),
      regions: regions.map((r) => {
        const { Id: _rid, DisplayId: _did, ...rest } = r.attributes;
        return { polygon: r.polygon, negative: r.negative, attributes: rest };
      }),
    });
  });
  return out;
}

/** The regions of one instance: each piece's outline, then its holes. */
export function shapeRegions(shapes: Shape[]): RegionOut[] {
  return shapes.flatMap((s) => [{ polygon: s.outer }, ...s.holes.map((h) => ({ polygon: h, negative: true }))]);
}

/** The annotation XML of a sample: its original text when unedited, else traced from the labels. */
export function sampleXml(sample: Sample, flavour: XmlFlavour, classes: ClassList, file: string): { text: string; warnings: string[] } {
  const { labels } = sample;
  const { width, height } = labels.inst;
  const src = isXmlSource(sample.source, flavour.name) ? sample.source : undefined;
  const stored = sample.stored as Partial<XmlStored> | undefined;
  if (src !== undefined && typeof stored?.xmlText === 'string' && stored.width === width && stored.height === height && stored.count === labels.ids.length) {
    return { text: stored.xmlText, warnings: [] };
  }
  const { shapes, warnings } = instancePolygons(labels.inst);
  const typeOf = (id: number): number => labels.types[indexOfId(labels, id)];
  const annotations = flavour.annotationsFor(labels.ids, shapes, typeOf, classes, file);
  if (src !== undefined && src.width === width && src.height === height) annotations.push(...src.ignored);
  return { text: buildAperioXml({ attributes: src?.rootAttributes ?? {}, annotations }), warnings };
}

/** A sample name usable as a file name: no folders, nothing hidden. */
function checkName(name: string, dir: string): void {
  if (name === '' || name.startsWith('.') || /[/\\\0]/.test(name)) {
    throw new NucleiMixError(`sample name '${name}' cannot be used as a file name`, dir);
  }
}

/** A folder recorded in a source, if it is a plain single folder name. */
function safeFolder(dir: string | undefined): string {
  return dir !== undefined && dir !== '' && !dir.startsWith('.') && !/[/\\\0]/.test(dir) ? dir : '';
}

async function writeSamples(dir: string, source: SampleSource, flavour: XmlFlavour): Promise<void> {
  for (const name of source.names) {
    checkName(name, dir);
    const sample = await source.read(name);
    const src = isXmlSource(sample.source, flavour.name) ? sample.source : undefined;
    const xmlDir = join(dir, safeFolder(src?.xmlDir));
    const imageDir = join(dir, safeFolder(src?.imageDir));
    await mkdir(xmlDir, { recursive: true });
    await mkdir(imageDir, { recursive: true });
    const xmlPath = join(xmlDir, `${name}.xml`);
    const { text, warnings } = sampleXml(sample, flavour, source.classes, xmlPath);
    // A FormatIO write has no channel for warnings; these are bugs if they ever fire.
    for (const w of warnings) process.emitWarning(`${xmlPath}: ${w}`, { code: 'NUCLEIMIX_XML_OUTLINE' });
    await naming(xmlPath, () => writeFile(xmlPath, text));
    const sameSize = src !== undefined && src.width === sample.image.width && src.height === sample.image.height;
    const ext = src !== undefined && XML_IMAGE_EXTENSIONS.includes(src.image.ext) ? src.image.ext : '.tif';
    await writeImageFile(join(imageDir, name + ext), sample.image, sameSize ? src.image : undefined);
  }
}

/** A FormatIO for an XML-annotated format. */
export function xmlFormat(flavour: XmlFlavour): FormatIO {
  return {
    name: flavour.name,
    description: flavour.description,
    detect: (root) => detectFlavour(root, flavour),
    diagnose: diagnoseFlavour,
    open: async (root: string, classes?: ClassList): Promise<Dataset> => {
      const pairs = await findXmlPairs(root);
      const byName = new Map(pairs.map((p) => [p.name, p]));
      const list = classes ?? flavour.classes;
      return {
        format: flavour.name,
        root,
        classes: list,
        names: pairs.map((p) => p.name),
        files: (name) => {
          const pair = byName.get(name);
          return pair === undefined ? [] : [relativeFile(root, pair.image), relativeFile(root, pair.xml)];
        },
        read: async (name) => {
          const pair = byName.get(name);
          if (pair === undefined) throw new NucleiMixError(`no sample named '${name}'`, root);
          return readSample(pair, flavour, list);
        },
      };
    },
    write: (dir, source) => writeSamples(dir, source, flavour),
  };
}

const monusegFlavour: XmlFlavour = {
  name: 'monuseg',
  description: 'MoNuSeg: <name>.xml (Aperio polygons, one class) with <name>.tif, flat or Annotations/ + Tissue Images/',
  classes: CLASS_LISTS.monuseg,
  typed: false,
  // Every region is a nucleus of type 1; MoNuSAC's Ambiguous areas, if such a file is read as
  // MoNuSeg, are not nuclei.
  typeOf: (a) => (a.typeName?.toLowerCase() === 'ambiguous' ? null : 1),
  annotationsFor: (ids, shapes) => [{ regions: Array.from(ids, (id) => shapeRegions(shapes.get(id) ?? [])).flat() }],
};

/** MoNuSeg 2018: one class, so types other than 1 are not stored and read back as 1. */
export const monuseg: FormatIO = xmlFormat(monusegFlavour);
