import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { instanceStats } from '../../src/core/labels.ts';
import { instancePolygons, labelComponents } from '../../src/core/polygon.ts';
import { createInstanceMap, type InstanceMap } from '../../src/core/raster.ts';
import { createRng, type Rng } from '../../src/core/rng.ts';
import {
  buildAperioXml,
  documentOf,
  parseAperioXml,
  rasterizeRegions,
  xmlLimits,
  type AperioDocument,
  type XmlAnnotation,
} from '../../src/io/aperio-xml.ts';

const FILE = 'sample.xml';

/** A region element the way the MoNuSeg files write it. */
function region(id: number, xy: number[], negative = false): string {
  const vertices = [];
  for (let i = 0; i < xy.length; i += 2) vertices.push(`\t\t\t\t\t<Vertex X="${xy[i]}" Y="${xy[i + 1]}"/>`);
  return [
    `\t\t\t<Region Id="${id}" Type="0" Zoom="0.999209" Selected="0" ImageLocation="" ImageFocus="-1" Length="10.0" Area="6.0" Text="" NegativeROA="${negative ? 1 : 0}" InputRegionId="0" Analyze="1" DisplayId="${id}">`,
    '\t\t\t\t<Attributes/>',
    '\t\t\t\t<Vertices>',
    ...vertices,
    '\t\t\t\t</Vertices>',
    '\t\t\t</Region>',
  ].join('\n');
}

function annotation(id: number, typeName: string | undefined, regions: string[]): string {
  const attrs = typeName === undefined ? '\t\t<Attributes/>' : `\t\t<Attributes>\n\t\t\t<Attribute Name="${typeName}" Id="0" Value=""/>\n\t\t</Attributes>`;
  return [
    `\t<Annotation Id="${id}" Name="" ReadOnly="0" Type="4" LineColor="65280" Visible="1" Selected="1">`,
    attrs,
    '\t\t<Regions>',
    '\t\t\t<RegionAttributeHeaders>\n\t\t\t\t<AttributeHeader Id="9999" Name="Region" ColumnWidth="-1"/>\n\t\t\t</RegionAttributeHeaders>',
    ...regions,
    '\t\t</Regions>',
    '\t\t<Plots/>',
    '\t</Annotation>',
  ].join('\n');
}

function doc(...annotations: string[]): string {
  return `<Annotations MicronsPerPixel="0.252700">\n${annotations.join('\n')}\n</Annotations>\n`;
}

const one = (): number => 1;

function rasterize(text: string, w: number, h: number, typeOf: (a: XmlAnnotation, i: number) => number | null = one) {
  return rasterizeRegions(parseAperioXml(text, FILE), w, h, typeOf, FILE);
}

/** Pixels of one id as sorted "x,y" strings. */
function pixelsOf(inst: InstanceMap, id: number): string[] {
  const out: string[] = [];
  for (let p = 0; p < inst.data.length; p++) if (inst.data[p] === id) out.push(`${p % inst.width},${Math.floor(p / inst.width)}`);
  return out.sort();
}

describe('parseAperioXml', () => {
  it('reads annotations, type names, regions, holes and float vertices', () => {
    const text = doc(
      annotation(1, undefined, [region(2, [1, 1, 3, 1, 3, 3]), region(5, [10.25, 4.5, 12.75, 4.5, 12.75, 8])]),
      annotation(2, 'Lymphocyte', [region(7, [0, 0, 8, 0, 8, 8, 0, 8]), region(8, [2, 2, 3, 2, 3, 3], true)]),
    );
    const xml = parseAperioXml(text, FILE);
    assert.deepEqual(xml.attributes, { MicronsPerPixel: '0.252700' });
    assert.equal(xml.annotations.length, 2);
    assert.equal(xml.annotations[0].typeName, undefined);
    assert.equal(xml.annotations[1].typeName, 'Lymphocyte');
    assert.equal(xml.annotations[1].attributes.LineColor, '65280');
    assert.deepEqual(xml.regions.map((r) => [r.id, r.annotation, r.negative]), [['2', 0, false], ['5', 0, false], ['7', 1, false], ['8', 1, true]]);
    assert.deepEqual(Array.from(xml.regions[1].polygon), [10.25, 4.5, 12.75, 4.5, 12.75, 8]);
    assert.equal(xml.regions[0].attributes.Zoom, '0.999209');
  });

  it('accepts an XML declaration, a byte-order mark, entities and an empty file', () => {
    const text = '\ufeff<?xml version="1.0"?>\n' + doc(annotation(1, 'A&amp;B', [region(1, [1, 2])]));
    const xml = parseAperioXml(text, FILE);
    assert.equal(xml.annotations[0].typeName, 'A&B');
    assert.deepEqual(parseAperioXml('<Annotations/>', FILE), { attributes: {}, annotations: [], regions: [] });
    assert.equal(parseAperioXml('<Annotations MicronsPerPixel="0.25"></Annotations>', FILE).regions.length, 0);
  });

  const bad: [string, string, RegExp][] = [
    ['unclosed tag', '<Annotations><Annotation><Regions></Annotation></Annotations>', /malformed XML/],
    ['not XML', 'hello world', /malformed XML|no <Annotations>/],
    ['truncated', doc(annotation(1, undefined, [region(3, [1, 1, 2, 2])])).slice(0, 500), /malformed XML \(the file ends before <Annotations>, <Annotation>, <Regions>, .* closed; truncated\?/],
    ['wrong root', '<Foo><Annotation/></Foo>', /no <Annotations> root/],
    ['no Vertices', doc(annotation(1, undefined, [region(3, [1, 1]).replace(/<Vertices>[\s\S]*<\/Vertices>/, '')])), /region 3 has no <Vertices>/],
    ['empty Vertices', doc(annotation(1, undefined, [region(4, [1, 1]).replace(/<Vertices>[\s\S]*<\/Vertices>/, '<Vertices/>')])), /region 4 has no vertices/],
    ['letters', doc(annotation(1, undefined, [region(5, [1, 1]).replace('X="1"', 'X="abc"')])), /region 5: vertex 1 has a non-numeric X coordinate 'abc'/],
    ['empty number', doc(annotation(1, undefined, [region(5, [1, 1, 2, 2]).replace('Y="2"', 'Y=""')])), /region 5: vertex 2 has a non-numeric Y/],
    ['NaN', doc(annotation(1, undefined, [region(6, [1, 1]).replace('X="1"', 'X="NaN"')])), /non-numeric X/],
    ['Infinity', doc(annotation(1, undefined, [region(6, [1, 1]).replace('Y="1"', 'Y="Infinity"')])), /non-numeric Y/],
    ['huge exponent', doc(annotation(1, undefined, [region(6, [1, 1]).replace('Y="1"', 'Y="1e999"')])), /non-numeric Y/],
    ['missing Y', doc(annotation(1, undefined, [region(7, [1, 1]).replace(' Y="1"', '')])), /region 7: vertex 1 has no Y coordinate/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} with a NucleiMixError naming the file`, () => {
      assert.throws(
        () => parseAperioXml(text, FILE),
        (err: unknown) => err instanceof NucleiMixError && err.file === FILE && message.test(err.message) && err.message.startsWith(`${FILE}: `),
      );
    });
  }
});

describe('rasterizeRegions', () => {
  it('gives ids in file order and fills by the centre-or-boundary rule', () => {
    const text = doc(annotation(1, undefined, [region(9, [1, 1, 3, 1, 3, 2, 1, 2]), region(4, [6, 0, 6, 3])]));
    const r = rasterize(text, 8, 5);
    assert.deepEqual(Array.from(r.labels.ids), [1, 2]);
    assert.deepEqual(pixelsOf(r.labels.inst, 1), ['1,1', '1,2', '2,1', '2,2', '3,1', '3,2']);
    assert.deepEqual(pixelsOf(r.labels.inst, 2), ['6,0', '6,1', '6,2', '6,3']);
    assert.deepEqual(Array.from(r.labels.types), [1, 1]);
    assert.deepEqual(Array.from(r.labels.centroids), [2, 1.5, 6, 1.5]);
    assert.deepEqual(Array.from(r.regionIds), [1, 2]);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.lost, []);
  });

  it('paints larger regions first so a small nucleus over a large one keeps its pixels', () => {
    // The small square comes first in the file but is drawn last.
    const text = doc(annotation(1, undefined, [region(1, [2, 2, 3, 2, 3, 3, 2, 3]), region(2, [0, 0, 6, 0, 6, 6, 0, 6])]));
    const r = rasterize(text, 8, 8);
    assert.deepEqual(pixelsOf(r.labels.inst, 1), ['2,2', '2,3', '3,2', '3,3']);
    assert.equal(pixelsOf(r.labels.inst, 2).length, 49 - 4);
  });

  it('subtracts a NegativeROA region from the region before it only', () => {
    const text = doc(
      annotation(1, undefined, [region(1, [0, 0, 4, 0, 4, 4, 0, 4]), region(2, [1, 1, 3, 1, 3, 3, 1, 3], true), region(3, [2, 2])]),
    );
    const r = rasterize(text, 6, 6);
    assert.equal(pixelsOf(r.labels.inst, 1).length, 25 - 9);
    assert.deepEqual(pixelsOf(r.labels.inst, 2), ['2,2']); // an island inside the hole
    assert.deepEqual(Array.from(r.regionIds), [1, 0, 2]);
  });

  it('warns about a hole with no region before it in its annotation', () => {
    const text = doc(annotation(1, undefined, [region(1, [0, 0, 2, 0, 2, 2])]), annotation(2, undefined, [region(2, [0, 0, 1, 1], true)]));
    const r = rasterize(text, 4, 4);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /region 2 is a hole .* ignored/);
    assert.equal(pixelsOf(r.labels.inst, 1).length, 6);
  });

  it('keeps a degenerate polygon as the pixels under its rounded vertices, with a warning', () => {
    const text = doc(annotation(1, undefined, [region(1, [2.3, 3.4]), region(2, [0.2, 0.2, 0.8, 0.2, 0.8, 0.4])]));
    const r = rasterize(text, 5, 5);
    assert.deepEqual(pixelsOf(r.labels.inst, 1), ['2,3']);
    assert.deepEqual(pixelsOf(r.labels.inst, 2), ['0,0', '1,0']);
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0], /region 1 \(instance 1\): it covers no pixel centre .* kept as the 1 free pixel/);
    assert.deepEqual(r.lost, []);
  });

  it('reports a region covered entirely by later ones as lost, keeping the other ids', () => {
    // Two identical squares: the second is drawn over the first, whose vertices are taken too.
    const sq = [1, 1, 2, 1, 2, 2, 1, 2];
    const text = doc(annotation(1, undefined, [region(10, sq), region(11, sq), region(12, [4, 4])]));
    const r = rasterize(text, 6, 6);
    assert.deepEqual(r.lost, [1]);
    assert.deepEqual(Array.from(r.labels.ids), [2, 3]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /region 10 \(instance 1\) lost: smaller regions drawn over it/);
  });

  it('ignores annotations typed null without spending ids, and passes types through', () => {
    const text = doc(
      annotation(1, 'Epithelial', [region(1, [0, 0, 1, 0, 1, 1])]),
      annotation(2, 'Ambiguous', [region(2, [3, 3, 4, 3, 4, 4])]),
      annotation(3, 'Macrophage', [region(3, [6, 6])]),
    );
    const types: Record<string, number | null> = { Epithelial: 1, Ambiguous: null, Macrophage: 4 };
    const r = rasterize(text, 8, 8, (a) => types[a.typeName!]);
    assert.deepEqual(Array.from(r.labels.ids), [1, 2]);
    assert.deepEqual(Array.from(r.labels.types), [1, 4]);
    assert.deepEqual(pixelsOf(r.labels.inst, 2), ['6,6']);
    assert.equal(r.labels.inst.data[3 * 8 + 3], 0);
  });

  it('refuses vertices far outside the image, naming the region, but tolerates a small overshoot', () => {
    const near = doc(annotation(1, undefined, [region(1, [-3, -3, 20, -3, 20, 11])]));
    assert.equal(pixelsOf(rasterize(near, 20, 10).labels.inst, 1).length > 0, true);
    const far = doc(annotation(1, undefined, [region(1, [10, 10]), region(42, [100, 5, 2000, 5, 2000, 9])]));
    assert.throws(() => rasterize(far, 20, 10), (e: unknown) => e instanceof NucleiMixError && /sample\.xml: region 42 has vertices far outside the 20×10 image/.test(e.message));
  });

  it('reports a region entirely outside the image (within the margin) as lost', () => {
    const text = doc(annotation(1, undefined, [region(1, [-4, -4, -2, -4, -2, -2])]));
    const r = rasterize(text, 10, 10);
    assert.deepEqual(r.lost, [1]);
    assert.match(r.warnings[0], /covers no pixel centre inside the image/);
  });
});

describe('buildAperioXml', () => {
  it('round-trips parse → build → parse: polygons, holes, types and attributes', () => {
    const text = doc(
      annotation(1, 'Epithelial', [region(2, [1, 1, 3, 1, 3, 3]), region(3, [2.5, 2.25, 2.5, 2.75], true)]),
      annotation(2, 'Neutrophil', [region(5, [10.125, 4.5, 12.75, 4.5, 1e-7, 8])]),
    );
    const first = parseAperioXml(text, FILE);
    const built = buildAperioXml(documentOf(first));
    const second = parseAperioXml(built, 'built.xml');
    assert.deepEqual(second.attributes, first.attributes);
    // Attributes read are kept; the ones missing get the MoNuSeg defaults.
    assert.equal(second.annotations.length, first.annotations.length);
    first.annotations.forEach((a, i) => {
      assert.equal(second.annotations[i].typeName, a.typeName);
      assert.deepEqual({ ...second.annotations[i].attributes, ...a.attributes }, second.annotations[i].attributes);
    });
    assert.equal(second.annotations[0].attributes.NameReadOnly, '0');
    assert.equal(second.regions[0].attributes.Zoom, '0.999209');
    assert.deepEqual(
      second.regions.map((r) => [r.id, r.annotation, r.negative, Array.from(r.polygon)]),
      first.regions.map((r) => [r.id, r.annotation, r.negative, Array.from(r.polygon)]),
    );
    // Stable: building what was built gives the same text.
    assert.equal(buildAperioXml(documentOf(second)), built);
  });

  it('writes the element and attribute names of the MoNuSeg/MoNuSAC files', () => {
    const d: AperioDocument = {
      attributes: { MicronsPerPixel: '0.5' },
      annotations: [{ typeName: 'Lymphocyte', regions: [{ polygon: Float64Array.of(0, 0, 4, 0, 4, 3, 0, 3) }, { polygon: Float64Array.of(1, 1), negative: true }] }],
    };
    const text = buildAperioXml(d);
    assert.match(text, /^<Annotations MicronsPerPixel="0.5">\n\t<Annotation Id="1" Name="" ReadOnly="0" [^>]*Type="4" LineColor="65280"/);
    assert.match(text, /<Attributes>\s*<Attribute Name="Lymphocyte" Id="0" Value=""\/>\s*<\/Attributes>/);
    assert.match(text, /<RegionAttributeHeaders>\s*<AttributeHeader Id="9999" Name="Region" ColumnWidth="-1"\/>/);
    assert.match(text, /<Region Id="1" Type="0" [^>]*Length="14.0" Area="12.0" LengthMicrons="7.0" AreaMicrons="3.0" [^>]*NegativeROA="0"/);
    assert.match(text, /<Region Id="2" [^>]*NegativeROA="1"/);
    assert.match(text, /<Vertices>\s*<Vertex X="0" Y="0"\/>\s*<Vertex X="4" Y="0"\/>/);
    assert.match(text, /<Plots\/>\s*<\/Annotation>\s*<\/Annotations>/);
  });

  it('writes an annotation without regions that reads back as no regions', () => {
    const text = buildAperioXml({ annotations: [{ regions: [] }] });
    const xml = parseAperioXml(text, FILE);
    assert.equal(xml.annotations.length, 1);
    assert.equal(xml.regions.length, 0);
  });
});

/** Random non-overlapping instances: ellipses, walks, rings, noise, single pixels, lines. */
function randomInstances(rng: Rng, w: number, h: number, count: number): InstanceMap {
  const inst = createInstanceMap(w, h);
  const put = (id: number, x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < w && y < h && inst.data[y * w + x] === 0) inst.data[y * w + x] = id;
  };
  for (let id = 1; id <= count; id++) {
    const cx = rng.int(w);
    const cy = rng.int(h);
    const kind = rng.int(6);
    if (kind === 0) put(id, cx, cy);
    else if (kind === 1) for (let k = 0, n = 1 + rng.int(8); k < n; k++) put(id, cx + k, cy);
    else if (kind === 2) {
      let x = cx;
      let y = cy;
      for (let k = 0, n = 2 + rng.int(30); k < n; k++) {
        put(id, x, y);
        x += rng.int(3) - 1;
        y += rng.int(3) - 1;
      }
    } else if (kind === 3 || kind === 4) {
      const rx = rng.uniform(0.5, 6);
      const ry = rng.uniform(0.5, 6);
      const r0 = kind === 4 ? rng.uniform(0.3, 0.7) : 0; // rings have holes
      for (let y = Math.floor(cy - ry); y <= cy + ry; y++) {
        for (let x = Math.floor(cx - rx); x <= cx + rx; x++) {
          const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
          if (d <= 1 && d >= r0 * r0) put(id, x, y);
        }
      }
    } else {
      for (let y = cy; y < cy + 6; y++) for (let x = cx; x < cx + 6; x++) if (rng.next() < 0.6) put(id, x, y);
    }
  }
  return inst;
}

/** Traced regions of every instance, one annotation, in id order. */
function writeRegions(inst: InstanceMap): string {
  const { shapes, warnings } = instancePolygons(inst);
  assert.deepEqual(warnings, []);
  const regions = [...shapes.values()].flatMap((list) => list.flatMap((s) => [{ polygon: s.outer }, ...s.holes.map((p) => ({ polygon: p, negative: true }))]));
  return buildAperioXml({ annotations: [{ regions }] });
}

describe('instance map → XML → instance map', () => {
  it('reproduces random instance maps exactly, up to splitting instances into their 8-connected pieces', () => {
    const rng = createRng(77);
    let pieces = 0;
    let kept = 0;
    for (let k = 0; k < 60; k++) {
      const w = 20 + rng.int(40);
      const h = 20 + rng.int(40);
      const inst = randomInstances(rng, w, h, 1 + rng.int(25));
      const back = rasterize(writeRegions(inst), w, h).labels;
      // Same foreground, and each original instance is the union of whole read-back instances,
      // one per 8-connected piece, numbered in order.
      const owner = new Map<number, number>();
      for (let p = 0; p < inst.data.length; p++) {
        assert.equal(back.inst.data[p] === 0, inst.data[p] === 0, `map ${k} pixel ${p}`);
        if (inst.data[p] === 0) continue;
        const o = owner.get(back.inst.data[p]);
        if (o === undefined) owner.set(back.inst.data[p], inst.data[p]);
        else assert.equal(o, inst.data[p]);
      }
      const stats = instanceStats(inst);
      let expectedPieces = 0;
      let nextId = 1;
      let sameIds = true;
      for (const id of stats.ids) {
        const m = Uint8Array.from(inst.data, (v) => (v === id ? 1 : 0));
        const n = labelComponents(m, w, h, 8).count;
        expectedPieces += n;
        if (n !== 1 || id !== nextId) sameIds = false;
        nextId += n;
      }
      assert.equal(back.ids.length, expectedPieces);
      pieces += expectedPieces;
      // When every instance is one piece and ids are 1..N, ids are preserved exactly.
      if (sameIds) {
        assert.deepEqual(back.inst.data, inst.data);
        kept++;
      }
    }
    assert.ok(pieces > 300 && kept > 5, `${pieces} pieces, ${kept} maps with ids kept`);
  });
});

describe('fuzzing: truncated and bit-flipped files', () => {
  it('either parse and rasterise or throw NucleiMixError (200 seeded variants)', { timeout: 120_000 }, () => {
    const rng = createRng(5);
    const inst = randomInstances(rng, 30, 30, 6);
    const traced = writeRegions(inst).replace('<Attributes/>', '<Attributes>\n\t\t\t<Attribute Name="Epithelial" Id="0" Value=""/>\n\t\t</Attributes>');
    const typed = doc(
      annotation(1, 'Epithelial', [region(1, [1.5, 1.5, 8, 1.5, 8, 8]), region(2, [3, 3, 4, 4], true)]),
      annotation(2, 'Ambiguous', [region(3, [20, 20, 25, 20, 25, 25])]),
    );
    const typeOf = (a: XmlAnnotation): number | null => {
      if (a.typeName === 'Ambiguous') return null;
      if (a.typeName === 'Epithelial' || a.typeName === undefined) return 1;
      throw new NucleiMixError(`unknown type '${a.typeName}'`, FILE);
    };
    let ok = 0;
    let refused = 0;
    for (let k = 0; k < 200; k++) {
      const base = new TextEncoder().encode(k % 2 === 0 ? traced : typed);
      let bytes: Uint8Array;
      if (k % 4 < 2) {
        bytes = base.slice(0, rng.int(base.length + 1));
      } else {
        bytes = base.slice();
        for (let f = 0, n = 1 + rng.int(4); f < n; f++) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
      }
      const text = new TextDecoder().decode(bytes);
      try {
        const r = rasterizeRegions(parseAperioXml(text, FILE), 30, 30, typeOf, FILE);
        assert.equal(r.labels.inst.data.length, 900);
        ok++;
      } catch (err) {
        assert.ok(err instanceof NucleiMixError, `variant ${k}: ${String(err)}`);
        assert.ok(err.message.startsWith(`${FILE}: `));
        refused++;
      }
    }
    assert.ok(ok >= 20 && refused >= 20, `${ok} parsed, ${refused} refused`);
  });
});

describe('bounded work: files far beyond the annotations of one image fail fast with a clear error', () => {
  const rejects = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (err: unknown) => err instanceof NucleiMixError && err.message.startsWith(`${FILE}: `) && pattern.test(err.message));

  it('element nesting beyond the depth limit', { timeout: 60_000 }, () => {
    const deep = doc(annotation(1, undefined, [region(1, [1, 1, 5, 1, 5, 5])])).replace('<Plots/>', `${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}<Plots/>`);
    rejects(() => parseAperioXml(deep, FILE), /nests elements more than 32 deep/);
    // 30 levels of harmless nesting are fine.
    const ok = doc(annotation(1, undefined, [region(1, [1, 1, 5, 1, 5, 5])])).replace('<Plots/>', `${'<a>'.repeat(20)}${'</a>'.repeat(20)}<Plots/>`);
    assert.equal(parseAperioXml(ok, FILE).regions.length, 1);
  });

  it('more regions or vertices than the limits for the image size', { timeout: 60_000 }, () => {
    const many = doc(annotation(1, undefined, Array.from({ length: 1200 }, (_, i) => region(i + 1, [1, 1, 5, 1, 5, 5]))));
    rejects(() => parseAperioXml(many, FILE, xmlLimits(30 * 30)), /holds more than 1,000 <Region> elements/);
    assert.equal(parseAperioXml(many, FILE).regions.length, 1200, 'without an image size the absolute limits apply');
    const long = doc(annotation(1, undefined, [region(1, Array.from({ length: 2 * 260_000 }, (_, i) => (i % 7) + 1))]));
    rejects(() => parseAperioXml(long, FILE, xmlLimits(1000 * 1000)), /holds more than 250,000 <Vertex> elements/);
    rejects(() => parseAperioXml(long, FILE, xmlLimits(30 * 30)), /is [\d,]+ characters long, more than the 1,048,576 an annotation file may have/);
    assert.equal(xmlLimits(1000 * 1000).regions, 15_625);
  });

  it('regions that would cover the image many times over are refused before painting', { timeout: 60_000 }, () => {
    const full = [0, 0, 29, 0, 29, 29, 0, 29];
    const copies = doc(annotation(1, undefined, Array.from({ length: 2000 }, (_, i) => region(i + 1, full))));
    rejects(() => rasterize(copies, 30, 30), /painting its 2,000 regions \(8,000 vertices\) would cost about \d+ times the 30×30 image's pixels \(more than 64\)/);
    // Overlapping regions a real file might have are painted as before.
    const some = doc(annotation(1, undefined, Array.from({ length: 20 }, (_, i) => region(i + 1, full))));
    assert.equal(rasterize(some, 30, 30).labels.ids.length, 1, 'the last (same-area) region covers the others');
  });
});
