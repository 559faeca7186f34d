import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLASS_LISTS } from '../../src/core/classes.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { instanceStats, labelsFromMap } from '../../src/core/labels.ts';
import type { InstanceMap } from '../../src/core/raster.ts';
import { createRng, type Rng } from '../../src/core/rng.ts';
import { parseAperioXml } from '../../src/io/aperio-xml.ts';
import type { Sample, SampleSource } from '../../src/io/dataset.ts';
import { writeImageFile } from '../../src/io/image-file.ts';
import { monusac } from '../../src/io/monusac.ts';
import { monuseg } from '../../src/io/monuseg.ts';
import { findPython } from '../helpers/python.ts';
import { randomImage } from '../helpers/random.ts';
import { tempFolders } from '../helpers/temp.ts';
import { memorySource, splitIntoPieces } from '../helpers/samples.ts';

const { fresh: freshDir } = tempFolders('nucleimix-monusac-');

/** Non-overlapping discs, rings, lines and single pixels, split into 8-connected pieces 1..N. */
function randomInstances(rng: Rng, w: number, h: number, count: number): InstanceMap {
  const raw = new Int32Array(w * h);
  const put = (id: number, x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < w && y < h && raw[y * w + x] === 0) raw[y * w + x] = id;
  };
  for (let id = 1; id <= count; id++) {
    const cx = rng.int(w);
    const cy = rng.int(h);
    const kind = id % 4;
    if (kind === 0) put(id, cx, cy);
    else if (kind === 1) for (let k = 0; k < 1 + rng.int(6); k++) put(id, cx + k, cy + k);
    else {
      const r = rng.uniform(1.5, 5);
      const r0 = kind === 3 ? r / 2 : 0;
      for (let y = cy - 5; y <= cy + 5; y++) {
        for (let x = cx - 5; x <= cx + 5; x++) {
          const d = Math.hypot(x - cx, y - cy);
          if (d <= r && d >= r0) put(id, x, y);
        }
      }
    }
  }
  return splitIntoPieces(raw, w, h);
}


/** Samples whose types ascend with id (as MoNuSAC files read), so ids survive exactly. */
function makeSamples(seed: number, n: number): Sample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const w = 40 + rng.int(20);
    const h = 30 + rng.int(20);
    const inst = randomInstances(rng, w, h, 10 + rng.int(10));
    const count = instanceStats(inst).ids.length;
    return { name: `TCGA-XX-${i + 1}_00${i + 1}`, image: randomImage(rng, w, h), labels: labelsFromMap(inst, (id) => 1 + Math.floor(((id - 1) * 4) / count)) };
  });
}

function assertSameSample(got: Sample, want: Sample): void {
  assert.deepEqual(got.image.data, want.image.data, `${want.name}: pixels`);
  assert.deepEqual(got.labels.inst.data, want.labels.inst.data, `${want.name}: instance map`);
  assert.deepEqual(got.labels.ids, want.labels.ids);
  assert.deepEqual(got.labels.types, want.labels.types);
}

/** A MoNuSAC-style file: one annotation per cell type, Ambiguous included. */
function monusacXml(annotations: [string, number[][]][]): string {
  const body = annotations.map(([type, regions], a) => {
    const rs = regions.map((xy, r) => {
      const vs = [];
      for (let i = 0; i < xy.length; i += 2) vs.push(`<Vertex X="${xy[i]}" Y="${xy[i + 1]}" Z="0"/>`);
      return `<Region Id="${r + 1}" Type="0" Zoom="1" NegativeROA="0" Analyze="1" DisplayId="${r + 1}"><Attributes/><Vertices>${vs.join('')}</Vertices></Region>`;
    });
    return `<Annotation Id="${a + 1}" Name="" Type="4" LineColor="65280" Visible="1"><Attributes><Attribute Name="${type}" Id="0" Value=""/></Attributes><Regions><RegionAttributeHeaders/>${rs.join('')}</Regions><Plots/></Annotation>`;
  });
  return `<?xml version="1.0"?>\n<Annotations MicronsPerPixel="0.252100">${body.join('')}</Annotations>\n`;
}

describe('MoNuSAC write → read', () => {
  it('reads back a generated dataset exactly: pixels, ids, types; one annotation per type', async () => {
    const dir = await freshDir();
    const samples = makeSamples(1, 3);
    await monusac.write(dir, memorySource(samples, CLASS_LISTS.monusac));
    assert.equal(await monusac.detect(dir), true);
    assert.equal(await monuseg.detect(dir), false);
    const ds = await monusac.open(dir);
    assert.deepEqual(ds.classes, CLASS_LISTS.monusac);
    for (const want of samples) assertSameSample(await ds.read(want.name), want);
    const xml = parseAperioXml(await readFile(join(dir, `${samples[0].name}.xml`), 'utf8'), 'x');
    assert.deepEqual(xml.annotations.map((a) => a.typeName), ['Epithelial', 'Lymphocyte', 'Neutrophil', 'Macrophage']);
  });

  it('ignores the preview/ and cache/ folders nucleimix writes beside an augmented dataset', async () => {
    const dir = await freshDir();
    const samples = makeSamples(1, 2);
    await monusac.write(dir, memorySource(samples, CLASS_LISTS.monusac));
    await mkdir(join(dir, 'preview'));
    await writeImageFile(join(dir, 'preview', 'before-after.png'), samples[0].image);
    await mkdir(join(dir, 'cache'));
    await writeFile(join(dir, 'cache', 'features-x.json'), '{}');
    const ds = await monusac.open(dir);
    assert.deepEqual(ds.names, samples.map((s) => s.name));
  });

  it('keeps every pixel and type when types are not ordered by id (ids renumbered by type runs)', async () => {
    const dir = await freshDir();
    const rng = createRng(2);
    const [s] = makeSamples(2, 1);
    const types = s.labels.types.map(() => 1 + rng.int(4));
    const shuffled = { ...s, labels: { ...s.labels, types } };
    await monusac.write(dir, memorySource([shuffled], CLASS_LISTS.monusac));
    const got = await (await monusac.open(dir)).read(s.name);
    // Each instance comes back whole (same pixels), with its type, under some id.
    const typeOf = new Map(Array.from(got.labels.ids, (id, i) => [id, got.labels.types[i]]));
    const seen = new Map<number, number>();
    for (let p = 0; p < got.labels.inst.data.length; p++) {
      const was = s.labels.inst.data[p];
      const now = got.labels.inst.data[p];
      assert.equal(now === 0, was === 0);
      if (was === 0) continue;
      assert.equal(seen.get(was) ?? now, now);
      seen.set(was, now);
      assert.equal(typeOf.get(now), types[was - 1]);
    }
    assert.equal(got.labels.ids.length, s.labels.ids.length);
  });

  it('refuses to write a type with no name in the class list', async () => {
    const [s] = makeSamples(3, 1);
    const bad = { ...s, labels: { ...s.labels, types: s.labels.types.map(() => 9) } };
    await assert.rejects(monusac.write(await freshDir(), memorySource([bad], CLASS_LISTS.monusac)), (e: unknown) => e instanceof NucleiMixError && /type 9, which has no name/.test(e.message));
  });
});

/** The annotation walk of the MoNuSAC challenge's mask scripts (xml.etree), as JSON. */
const MONUSAC_SCRIPT_WALK = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
out = []
for k in range(len(root)):
    label = [x.attrib['Name'] for x in root[k][0]][0]
    for child in root[k]:
        for x in child:
            if x.tag == 'Region':
                vertices = x[1]
                out.append([label, x.attrib['Id'], [[float(v.attrib['X']), float(v.attrib['Y'])] for v in vertices]])
print(json.dumps(out))
`;


describe('MoNuSAC tooling', () => {
  it('the challenge scripts’ ElementTree walk finds every region with its type name and vertices', async (t) => {
    const py = (findPython('xml.etree.ElementTree, json') ?? undefined);
    if (py === undefined) {
      t.skip('no python3 with xml.etree');
      return;
    }
    const dir = await freshDir();
    const [s] = makeSamples(4, 1);
    await monusac.write(dir, memorySource([s], CLASS_LISTS.monusac));
    const path = join(dir, `${s.name}.xml`);
    const run = spawnSync(py, ['-c', MONUSAC_SCRIPT_WALK, path], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const walked = JSON.parse(run.stdout) as [string, string, number[][]][];
    const ours = parseAperioXml(await readFile(path, 'utf8'), path);
    assert.equal(walked.length, ours.regions.length);
    ours.regions.forEach((r, i) => {
      assert.equal(walked[i][0], ours.annotations[r.annotation].typeName);
      assert.equal(walked[i][1], r.id);
      assert.deepEqual(walked[i][2].flat(), Array.from(r.polygon));
    });
    assert.deepEqual([...new Set(walked.map((w) => w[0]))], ['Epithelial', 'Lymphocyte', 'Neutrophil', 'Macrophage']);
  });
});

describe('MoNuSAC files', () => {
  async function patientDataset(): Promise<string> {
    const dir = await freshDir();
    const rng = createRng(9);
    await mkdir(join(dir, 'TCGA-AA-0001'));
    await mkdir(join(dir, 'TCGA-BB-0002'));
    const a = monusacXml([
      ['Epithelial', [[2, 2, 8, 2, 8, 8, 2, 8], [20, 3, 24, 3, 24, 7]]],
      ['Ambiguous', [[12, 12, 16, 12, 16, 16, 12, 16]]],
      ['Lymphocyte', [[3.5, 20.5, 6.5, 20.5, 6.5, 23.5, 3.5, 23.5]]],
    ]);
    await writeFile(join(dir, 'TCGA-AA-0001', 'TCGA-AA-0001_1.xml'), a);
    await writeImageFile(join(dir, 'TCGA-AA-0001', 'TCGA-AA-0001_1.tif'), randomImage(rng, 30, 28));
    await writeFile(join(dir, 'TCGA-BB-0002', 'TCGA-BB-0002_1.xml'), monusacXml([['macrophage', [[1, 1]]], ['NEUTROPHIL', [[5, 5, 6, 5]]]]));
    await writeImageFile(join(dir, 'TCGA-BB-0002', 'TCGA-BB-0002_1.tif'), randomImage(rng, 10, 10));
    return dir;
  }

  it('reads patient folders; Ambiguous areas make no instances; type names match any case', async () => {
    const dir = await patientDataset();
    assert.equal(await monusac.detect(dir), true);
    assert.equal(await monuseg.detect(dir), false);
    const ds = await monusac.open(dir);
    assert.deepEqual(ds.names, ['TCGA-AA-0001_1', 'TCGA-BB-0002_1']);
    const a = await ds.read('TCGA-AA-0001_1');
    assert.deepEqual(Array.from(a.labels.ids), [1, 2, 3]);
    assert.deepEqual(Array.from(a.labels.types), [1, 1, 2]);
    assert.deepEqual(Array.from(instanceStats(a.labels.inst).areas), [49, 15, 9]);
    assert.equal(a.labels.inst.data[14 * 30 + 14], 0, 'the Ambiguous square is background');
    const b = await ds.read('TCGA-BB-0002_1');
    assert.deepEqual(Array.from(b.labels.types), [4, 3]);
  });

  it('writes unedited samples back byte for byte, in their patient folders', async () => {
    const dir = await patientDataset();
    const ds = await monusac.open(dir);
    const out = await freshDir();
    await monusac.write(out, ds);
    assert.deepEqual((await readdir(out)).sort(), ['TCGA-AA-0001', 'TCGA-BB-0002']);
    const name = join('TCGA-AA-0001', 'TCGA-AA-0001_1.xml');
    assert.equal(await readFile(join(out, name), 'utf8'), await readFile(join(dir, name), 'utf8'));
  });

  it('keeps the Ambiguous areas when edited labels are traced and written', async () => {
    const dir = await patientDataset();
    const ds = await monusac.open(dir);
    const edited: SampleSource = { ...ds, read: async (n) => ({ ...(await ds.read(n)), stored: undefined }) };
    const out = await freshDir();
    await monusac.write(out, edited);
    const text = await readFile(join(out, 'TCGA-AA-0001', 'TCGA-AA-0001_1.xml'), 'utf8');
    const xml = parseAperioXml(text, 'x');
    assert.deepEqual(xml.annotations.map((a) => a.typeName), ['Epithelial', 'Lymphocyte', 'Ambiguous']);
    assert.deepEqual(Array.from(xml.regions[3].polygon), [12, 12, 16, 12, 16, 16, 12, 16]);
    assert.equal(xml.attributes.MicronsPerPixel, '0.252100');
    const again = await monusac.open(out);
    for (const name of ds.names) assertSameSample(await again.read(name), await ds.read(name));
  });

  it('maps type names through a custom class list', async () => {
    const dir = await patientDataset();
    const classes = [
      { id: 7, name: 'lymphocyte' },
      { id: 3, name: 'epithelial' },
      { id: 4, name: 'Macrophage' },
      { id: 5, name: 'neutrophil' },
    ];
    const ds = await monusac.open(dir, classes);
    assert.deepEqual(ds.classes, classes);
    assert.deepEqual(Array.from((await ds.read('TCGA-AA-0001_1')).labels.types), [3, 3, 7]);
  });

  it('refuses unknown cell types and annotations without one, naming the file', async () => {
    const dir = await freshDir();
    await writeImageFile(join(dir, 'x.tif'), randomImage(createRng(1), 8, 8));
    await writeFile(join(dir, 'x.xml'), monusacXml([['Epithelial', [[1, 1]]], ['Fibroblast', [[2, 2]]]]));
    const path = join(dir, 'x.xml');
    await assert.rejects((await monusac.open(dir)).read('x'), (e: unknown) => e instanceof NucleiMixError && e.file === path && /annotation 2 has cell type 'Fibroblast'/.test(e.message));
    await writeFile(path, '<Annotations><Annotation Id="5"><Attributes/><Regions><Region Id="1"><Vertices><Vertex X="1" Y="1"/></Vertices></Region></Regions></Annotation></Annotations>');
    await assert.rejects((await monusac.open(dir)).read('x'), (e: unknown) => e instanceof NucleiMixError && e.file === path && /annotation 5 names no cell type/.test(e.message));
  });

  it('is read by the MoNuSeg reader as one class, without the Ambiguous areas', async () => {
    const dir = await patientDataset();
    const s = await (await monuseg.open(dir)).read('TCGA-AA-0001_1');
    assert.deepEqual(Array.from(s.labels.types), [1, 1, 1]);
    assert.equal(s.labels.inst.data[14 * 30 + 14], 0);
  });
});
