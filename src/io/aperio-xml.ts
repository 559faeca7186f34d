/**
 * Aperio ImageScope-style XML polygon annotations, as MoNuSeg and MoNuSAC ship them:
 *
 * ```xml
 * <Annotations MicronsPerPixel="0.2527">
 *   <Annotation Id="1" …>
 *     <Attributes><Attribute Name="Epithelial" Id="0" Value=""/></Attributes>   (MoNuSAC: the cell type)
 *     <Regions>
 *       <RegionAttributeHeaders>…</RegionAttributeHeaders>
 *       <Region Id="2" NegativeROA="0" …><Attributes/><Vertices><Vertex X="64" Y="125"/>…</Vertices></Region>
 *     </Regions>
 *     <Plots/>
 *   </Annotation>
 * </Annotations>
 * ```
 *
 * Parsing and building go through fast-xml-parser; this module maps the element tree to
 * polygons and back and rasterises polygons into an instance map. Polygon geometry
 * conventions (pixel centres at integers, boundary pixels included) are in core/polygon.ts.
 *
 * Reading rules (rasterizeRegions):
 * - Every region with NegativeROA="0" (or none) whose annotation is not ignored becomes one
 *   instance; ids are 1..N in file order (annotations, then regions), so they are stable.
 * - A NegativeROA="1" region is a hole: its pixels are taken out of the nearest earlier
 *   positive region of the same annotation (only out of that region, not out of others).
 * - Overlaps: instances are painted in order of decreasing outer-polygon area, later ones
 *   over earlier ones, so a small nucleus drawn over a large one keeps its pixels.
 * - An instance left with no pixels (degenerate polygon, or covered by smaller ones) gets the
 *   pixels under its rounded vertices that are still free; failing that it is lost, and both
 *   cases are reported as warnings. Lost ids are absent from the map and `labels.ids`.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { NucleiMixError, namingSync } from '../core/errors.ts';
import { labelsFromMap, type Labels } from '../core/labels.ts';
import { fillPolygon, polygonArea, polygonBounds, polygonLength, type Polygon } from '../core/polygon.ts';
import { createInstanceMap } from '../core/raster.ts';

/** One `<Annotation>` element. */
export interface XmlAnnotation {
  /** The element's attributes as written (Id, LineColor, …). */
  attributes: Record<string, string>;
  /** Name of its first `<Attributes>/<Attribute>`: the cell type in MoNuSAC; absent in MoNuSeg. */
  typeName?: string;
}

/** One `<Region>` element. */
export interface XmlRegion {
  /** The Region Id as written, or `#k` (k = 1-based position in the file) when it has none. */
  id: string;
  /** Index of its annotation in {@link AperioXml.annotations}. */
  annotation: number;
  /** NegativeROA="1": a hole in the positive region before it. */
  negative: boolean;
  polygon: Polygon;
  /** The element's attributes as written. */
  attributes: Record<string, string>;
}

/** A parsed annotation file. */
export interface AperioXml {
  /** Attributes of the root `<Annotations>` element (MicronsPerPixel). */
  attributes: Record<string, string>;
  annotations: XmlAnnotation[];
  /** All regions, in file order. */
  regions: XmlRegion[];
}

const ARRAY_TAGS = new Set(['Annotation', 'Attribute', 'Region', 'Vertex', 'AttributeHeader']);
const PREFIX = '@_';
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: PREFIX,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => ARRAY_TAGS.has(name),
});

type Node = Record<string, unknown>;

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function attributesOf(node: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(node)) if (k.startsWith(PREFIX)) out[k.slice(PREFIX.length)] = String(v);
  return out;
}

/**
 * Parses an Aperio-style annotation file. `file` names the file in error messages; `limits`
 * (see {@link xmlLimits}) bound what it may hold, checked before parsing.
 *
 * @throws NucleiMixError for a file beyond `limits`, malformed XML, a missing `<Annotations>` root, a region without
 *   `<Vertices>` or without any vertex, or a coordinate that is not a finite number.
 */
export function parseAperioXml(text: string, file: string, limits: XmlLimits = xmlLimits()): AperioXml {
  return namingSync(file, () => {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    checkXmlBounds(body, file, limits);
    const valid = XMLValidator.validate(body);
    if (valid !== true) throw new NucleiMixError(`malformed XML (${validationProblem(valid.err.msg)}, line ${valid.err.line}, column ${valid.err.col})`, file);
    const doc: unknown = parser.parse(body);
    if (!isNode(doc) || !('Annotations' in doc)) throw new NucleiMixError('not an annotation file: no <Annotations> root element', file);
    const roots = asList(doc.Annotations);
    if (roots.length !== 1) throw new NucleiMixError(`has ${roots.length} <Annotations> root elements, expected 1`, file);
    const root = roots[0];
    const out: AperioXml = { attributes: isNode(root) ? attributesOf(root) : {}, annotations: [], regions: [] };
    if (!isNode(root)) return out; // <Annotations/>: an image without annotations

    for (const ann of asList(root.Annotation)) {
      const index = out.annotations.length;
      const node = isNode(ann) ? ann : {};
      const annotation: XmlAnnotation = { attributes: attributesOf(node) };
      for (const attrs of asList(node.Attributes)) {
        if (!isNode(attrs)) continue;
        const first = asList(attrs.Attribute).find(isNode);
        const name = first?.[`${PREFIX}Name`];
        if (annotation.typeName === undefined && typeof name === 'string' && name.trim() !== '') annotation.typeName = name.trim();
      }
      out.annotations.push(annotation);
      for (const regions of asList(node.Regions)) {
        if (!isNode(regions)) continue;
        for (const region of asList(regions.Region)) out.regions.push(parseRegion(region, index, out.regions.length + 1, file));
      }
    }
    return out;
  });
}

/**
 * Bounds on what one annotation file may hold, checked in one pass before the XML is
 * validated or parsed, so that a corrupt or hostile file fails at once with a clear error
 * instead of costing minutes and gigabytes. MoNuSeg and MoNuSAC files nest 6 levels deep and
 * hold at most a few thousand regions of tens of vertices; these limits are far above that.
 */
export interface XmlLimits {
  /** Characters of text. */
  bytes: number;
  /** Element nesting. */
  depth: number;
  regions: number;
  /** `<Vertex>` elements over the whole file. */
  vertices: number;
}

/**
 * The limits for the annotations of an image of `pixels` pixels (absolute ones when the
 * image is not known), with floors for small images: text up to 8 bytes per pixel, a region
 * per 64 pixels, a vertex per 4 pixels. The MoNuSeg files (1000², 575–818 nuclei) hold about
 * 2 bytes, 1/1200 region and 1/18 vertex per pixel, so real files stay far inside, while the
 * parse time of a file a limit lets through stays within a few times that of a real one.
 */
export function xmlLimits(pixels?: number): XmlLimits {
  if (pixels === undefined) return { bytes: 256 << 20, depth: 32, regions: 200_000, vertices: 5_000_000 };
  return { bytes: Math.max(1 << 20, 8 * pixels), depth: 32, regions: Math.max(1000, Math.ceil(pixels / 64)), vertices: Math.max(100_000, Math.ceil(pixels / 4)) };
}

function checkXmlBounds(body: string, file: string, limits: XmlLimits): void {
  const { bytes, depth: maxDepth, regions: maxRegions, vertices: maxVertices } = limits;
  if (body.length > bytes) throw new NucleiMixError(`is ${body.length.toLocaleString('en-US')} characters long, more than the ${bytes.toLocaleString('en-US')} an annotation file may have`, file);
  let depth = 0;
  let regions = 0;
  let vertices = 0;
  let at = body.indexOf('<');
  while (at >= 0 && at < body.length) {
    const next = body.charCodeAt(at + 1);
    let end: number;
    if (body.startsWith('<!--', at)) {
      end = body.indexOf('-->', at + 4);
      end = end < 0 ? body.length : end + 2;
    } else if (body.startsWith('<![CDATA[', at)) {
      end = body.indexOf(']]>', at + 9);
      end = end < 0 ? body.length : end + 2;
    } else {
      end = body.indexOf('>', at + 1);
      if (end < 0) end = body.length;
      if (next === 0x2f /* / */) {
        depth--;
      } else if (next !== 0x3f /* ? */ && next !== 0x21 /* ! */) {
        if (body.charCodeAt(end - 1) !== 0x2f) depth++;
        if (depth > maxDepth) throw new NucleiMixError(`nests elements more than ${maxDepth} deep (near character ${at}); not an annotation file, or corrupt`, file);
        if (isTag(body, at, 'Region') && ++regions > maxRegions) throw new NucleiMixError(`holds more than ${maxRegions.toLocaleString('en-US')} <Region> elements; corrupt, or not the annotations of one image`, file);
        if (isTag(body, at, 'Vertex') && ++vertices > maxVertices) throw new NucleiMixError(`holds more than ${maxVertices.toLocaleString('en-US')} <Vertex> elements; corrupt, or not the annotations of one image`, file);
      }
    }
    at = body.indexOf('<', end + 1);
  }
}

/** Whether the tag opening at `at` is `<name` followed by a space, `/` or `>`. */
function isTag(body: string, at: number, name: string): boolean {
  if (!body.startsWith(name, at + 1)) return false;
  const c = body.charCodeAt(at + 1 + name.length);
  return c === 0x20 || c === 0x2f || c === 0x3e || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The validator's message, except that its list of unclosed tags becomes a sentence. */
function validationProblem(msg: string): string {
  const unclosed = /^Invalid '(\[[\s\S]*\])' found/.exec(msg);
  if (unclosed === null) return msg;
  try {
    const tags = JSON.parse(unclosed[1]) as unknown;
    if (Array.isArray(tags)) return `the file ends before ${tags.map((t) => `<${String(t)}>`).join(', ')} ${tags.length === 1 ? 'is' : 'are'} closed; truncated?`;
  } catch {
    // fall through to the validator's own words
  }
  return msg;
}

function parseRegion(region: unknown, annotation: number, position: number, file: string): XmlRegion {
  const node = isNode(region) ? region : {};
  const attributes = attributesOf(node);
  const id = attributes.Id ?? `#${position}`;
  const where = `region ${id}`;
  if (!('Vertices' in node)) throw new NucleiMixError(`${where} has no <Vertices>`, file);
  const vertices = asList(node.Vertices).flatMap((v) => (isNode(v) ? asList(v.Vertex) : []));
  if (vertices.length === 0) throw new NucleiMixError(`${where} has no vertices`, file);
  const polygon = new Float64Array(2 * vertices.length);
  vertices.forEach((v, k) => {
    const attrs = isNode(v) ? v : {};
    for (const [axis, offset] of [['X', 0], ['Y', 1]] as const) {
      const raw = attrs[`${PREFIX}${axis}`];
      const s = typeof raw === 'string' ? raw.trim() : undefined;
      if (s === undefined) throw new NucleiMixError(`${where}: vertex ${k + 1} has no ${axis} coordinate`, file);
      const value = Number(s);
      if (!NUMBER.test(s) || !Number.isFinite(value)) {
        throw new NucleiMixError(`${where}: vertex ${k + 1} has a non-numeric ${axis} coordinate '${s.slice(0, 40)}'`, file);
      }
      polygon[2 * k + offset] = value;
    }
  });
  const neg = (attributes.NegativeROA ?? '0').trim().toLowerCase();
  return { id, annotation, negative: neg === '1' || neg === 'true', polygon, attributes };
}

/** A region to write. */
export interface RegionOut {
  polygon: Polygon;
  negative?: boolean;
  /** Attributes to keep from a region that was read; Length/Area and NegativeROA are recomputed. */
  attributes?: Record<string, string>;
}

/** An annotation to write. */
export interface AnnotationOut {
  /** Attributes overriding the defaults (which follow the MoNuSeg files). */
  attributes?: Record<string, string>;
  /** Written as `<Attributes><Attribute Name="…" Id="0" Value=""/></Attributes>` (MoNuSAC's cell type). */
  typeName?: string;
  regions: RegionOut[];
}

/** A whole annotation file to write. */
export interface AperioDocument {
  /** Attributes of `<Annotations>`, e.g. `{ MicronsPerPixel: '0.252700' }`. */
  attributes?: Record<string, string>;
  annotations: AnnotationOut[];
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: PREFIX,
  format: true,
  indentBy: '\t',
  suppressEmptyNode: true,
  processEntities: true,
});

function prefixed(attrs: Record<string, string>): Node {
  const out: Node = {};
  for (const [k, v] of Object.entries(attrs)) out[PREFIX + k] = v;
  return out;
}

/** A coordinate as text: integers as integers, floats in the shortest form that reads back exactly. */
function coord(v: number): string {
  return Object.is(v, -0) ? '0' : String(v);
}

/**
 * Serialises annotations in the element and attribute names of the MoNuSeg/MoNuSAC files
 * (which Aperio ImageScope, QuPath's importers and the MoNuSAC scripts read). Regions get
 * Ids 1.. in file order; Length and Area are computed from the polygon (in pixels, and in
 * microns when `MicronsPerPixel` is given).
 */
export function buildAperioXml(doc: AperioDocument): string {
  const mpp = Number(doc.attributes?.MicronsPerPixel);
  const hasMpp = Number.isFinite(mpp) && mpp > 0;
  let regionId = 0;
  const annotations = doc.annotations.map((ann, i) => {
    const attrs = {
      Id: String(i + 1),
      Name: '',
      ReadOnly: '0',
      NameReadOnly: '0',
      LineColorReadOnly: '0',
      Incremental: '0',
      Type: '4',
      LineColor: '65280',
      Visible: '1',
      Selected: '0',
      MarkupImagePath: '',
      MacroName: '',
      ...ann.attributes,
    };
    const regions = ann.regions.map((r) => {
      regionId++;
      const length = polygonLength(r.polygon);
      const area = polygonArea(r.polygon);
      const computed: Record<string, string> = {
        Id: String(regionId),
        Type: '0',
        Zoom: '1',
        Selected: '0',
        ImageLocation: '',
        ImageFocus: '-1',
        Length: length.toFixed(1),
        Area: area.toFixed(1),
        ...(hasMpp ? { LengthMicrons: (length * mpp).toFixed(1), AreaMicrons: (area * mpp * mpp).toFixed(1) } : {}),
        Text: '',
        NegativeROA: r.negative ? '1' : '0',
        InputRegionId: '0',
        Analyze: '1',
        DisplayId: String(regionId),
      };
      const regionAttrs = { ...computed, ...r.attributes };
      for (const k of ['Length', 'Area', 'LengthMicrons', 'AreaMicrons', 'NegativeROA']) {
        if (k in computed) regionAttrs[k] = computed[k];
        else delete regionAttrs[k];
      }
      const vertices: Node[] = [];
      for (let k = 0; k < r.polygon.length; k += 2) vertices.push({ [`${PREFIX}X`]: coord(r.polygon[k]), [`${PREFIX}Y`]: coord(r.polygon[k + 1]) });
      return { ...prefixed(regionAttrs), Attributes: '', Vertices: { Vertex: vertices } };
    });
    return {
      ...prefixed(attrs),
      Attributes: ann.typeName === undefined ? '' : { Attribute: [prefixed({ Name: ann.typeName, Id: '0', Value: '' })] },
      Regions: {
        RegionAttributeHeaders: {
          AttributeHeader: [
            prefixed({ Id: '9999', Name: 'Region', ColumnWidth: '-1' }),
            prefixed({ Id: '9997', Name: 'Length', ColumnWidth: '-1' }),
            prefixed({ Id: '9996', Name: 'Area', ColumnWidth: '-1' }),
            prefixed({ Id: '9998', Name: 'Text', ColumnWidth: '-1' }),
          ],
        },
        Region: regions,
      },
      Plots: '',
    };
  });
  return builder.build({ Annotations: { ...prefixed(doc.attributes ?? {}), Annotation: annotations } });
}

/** A parsed file as a document to build again: same annotations, regions and attributes. */
export function documentOf(xml: AperioXml): AperioDocument {
  return {
    attributes: { ...xml.attributes },
    annotations: xml.annotations.map((a, i) => ({
      attributes: { ...a.attributes },
      ...(a.typeName === undefined ? {} : { typeName: a.typeName }),
      regions: xml.regions.filter((r) => r.annotation === i).map((r) => ({ polygon: r.polygon, negative: r.negative, attributes: { ...r.attributes } })),
    })),
  };
}

/** What {@link rasterizeRegions} made of a file. */
export interface RasterizeResult {
  labels: Labels;
  /** The instance id of each region (parallel to `xml.regions`); 0 for holes and ignored regions. */
  regionIds: Int32Array;
  /** Ids of instances that ended up with no pixels at all (also named in `warnings`). */
  lost: number[];
  /** Human-readable notes for the user: lost or shrunken instances, orphan holes. */
  warnings: string[];
}

/**
 * How far (as a fraction of the image's width/height, at least {@link MIN_OUTSIDE} px) a
 * vertex may lie outside the image before the file is refused: annotations routinely poke a
 * little past the border, but coordinates far outside mean the XML belongs to another image
 * or to whole-slide coordinates.
 */
export const OUTSIDE_FRACTION = 0.25;

/**
 * How many times over a file's regions (bounding boxes, plus a vertex scan per row) may
 * cover its image: nuclei cover it less than once; far more means corrupt or repeated regions.
 */
export const RASTER_WORK_FACTOR = 64;
export const MIN_OUTSIDE = 8;

/**
 * Rasterises the regions of a parsed file into an instance map of `width`×`height` (see the
 * module notes for ids, holes, overlaps and lost instances).
 *
 * @param typeOf the type id of the instances of annotation `annotations[index]`, or null to
 *   ignore its regions (MoNuSAC's Ambiguous areas); may throw NucleiMixError for unknown types.
 * @throws NucleiMixError naming `file` and the region for a vertex far outside the image.
 */
export function rasterizeRegions(
  xml: AperioXml,
  width: number,
  height: number,
  typeOf: (annotation: XmlAnnotation, index: number) => number | null,
  file: string,
): RasterizeResult {
  const marginX = Math.max(MIN_OUTSIDE, OUTSIDE_FRACTION * width);
  const marginY = Math.max(MIN_OUTSIDE, OUTSIDE_FRACTION * height);
  const warnings: string[] = [];
  const typeCache = new Map<number, number | null>();
  const typeOfAnnotation = (i: number): number | null => {
    if (!typeCache.has(i)) typeCache.set(i, typeOf(xml.annotations[i], i));
    return typeCache.get(i)!;
  };

  interface Item { id: number; type: number; outer: XmlRegion; holes: XmlRegion[]; area: number; filled: number }
  const items: Item[] = [];
  const regionIds = new Int32Array(xml.regions.length);
  let lastAnnotation = -1; // annotation of the latest positive region
  let lastItem: Item | null = null; // its instance; null when it was ignored
  for (let k = 0; k < xml.regions.length; k++) {
    const r = xml.regions[k];
    const [x0, y0, x1, y1] = polygonBounds(r.polygon);
    if (x0 < -marginX || y0 < -marginY || x1 > width - 1 + marginX || y1 > height - 1 + marginY) {
      throw new NucleiMixError(
        `region ${r.id} has vertices far outside the ${width}×${height} image (x ${x0}..${x1}, y ${y0}..${y1}); is this the XML of another image?`,
        file,
      );
    }
    if (r.negative) {
      if (lastAnnotation !== r.annotation) {
        warnings.push(`region ${r.id} is a hole (NegativeROA) with no region before it in its annotation; ignored`);
      } else if (lastItem !== null) {
        lastItem.holes.push(r);
      }
      continue;
    }
    const type = typeOfAnnotation(r.annotation);
    lastAnnotation = r.annotation;
    lastItem = null;
    if (type === null) continue;
    lastItem = { id: items.length + 1, type, outer: r, holes: [], area: polygonArea(r.polygon), filled: 0 };
    items.push(lastItem);
    regionIds[k] = lastItem.id;
  }

  // Painting costs about a bounding box plus a scan of the vertices per row for each region;
  // bound the total before starting, so that thousands of copies of a big region (a corrupt
  // or concatenated file) fail at once instead of running for minutes.
  let work = 0;
  let vertexCount = 0;
  for (const item of items) {
    const [bx0, by0, bx1, by1] = polygonBounds(item.outer.polygon);
    const w = Math.max(0, Math.min(width - 1, bx1) - Math.max(0, bx0) + 1);
    const h = Math.max(0, Math.min(height - 1, by1) - Math.max(0, by0) + 1);
    const vertices = item.outer.polygon.length / 2 + item.holes.reduce((n, hole) => n + hole.polygon.length / 2, 0);
    work += w * h + h * vertices;
    vertexCount += vertices;
  }
  const maxWork = RASTER_WORK_FACTOR * width * height + 1e6;
  if (work > maxWork) {
    const times = Math.round(work / (width * height));
    throw new NucleiMixError(
      `painting its ${items.length.toLocaleString('en-US')} regions (${vertexCount.toLocaleString('en-US')} vertices) would cost about ${times} times the ${width}×${height} image's pixels (more than ${RASTER_WORK_FACTOR}); corrupt, or not the annotations of one image`,
      file,
    );
  }

  const map = new Int32Array(width * height);
  const painted = [...items].sort((a, b) => b.area - a.area || a.id - b.id);
  for (const item of painted) {
    const [bx0, by0, bx1, by1] = polygonBounds(item.outer.polygon);
    const x0 = Math.max(0, Math.ceil(bx0));
    const y0 = Math.max(0, Math.ceil(by0));
    const x1 = Math.min(width - 1, Math.floor(bx1));
    const y1 = Math.min(height - 1, Math.floor(by1));
    if (x1 < x0 || y1 < y0) continue;
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const local = new Uint8Array(w * h);
    fillPolygon(local, w, h, item.outer.polygon, 1, x0, y0);
    for (const hole of item.holes) fillPolygon(local, w, h, hole.polygon, 0, x0, y0);
    for (let y = 0; y < h; y++) {
      const row = (y0 + y) * width + x0;
      for (let x = 0; x < w; x++) {
        if (local[y * w + x]) {
          map[row + x] = item.id;
          item.filled++;
        }
      }
    }
  }

  const counts = new Int32Array(items.length + 1);
  for (let p = 0; p < map.length; p++) counts[map[p]]++;
  const lost: number[] = [];
  for (const item of items) {
    if (counts[item.id] > 0) continue;
    const poly = item.outer.polygon;
    let kept = 0;
    for (let k = 0; k < poly.length; k += 2) {
      const x = Math.round(poly[k]);
      const y = Math.round(poly[k + 1]);
      if (x < 0 || y < 0 || x >= width || y >= height || map[y * width + x] !== 0) continue;
      map[y * width + x] = item.id;
      kept++;
    }
    const what = `region ${item.outer.id} (instance ${item.id})`;
    const why = item.filled === 0 ? 'it covers no pixel centre inside the image' : 'smaller regions drawn over it cover all its pixels';
    if (kept > 0) {
      warnings.push(`${what}: ${why}; kept as the ${kept} free pixel(s) under its vertices`);
    } else {
      lost.push(item.id);
      warnings.push(`${what} lost: ${why}, and no pixel under its vertices is free`);
    }
  }
  const typeById = new Int32Array(items.length + 1);
  for (const item of items) typeById[item.id] = item.type;
  const labels = labelsFromMap(createInstanceMap(width, height, map), (id) => typeById[id]);
  return { labels, regionIds, lost, warnings };
}
