/**
 * Fuzzing the dataset readers: seeded mutants of small generated files, each read through the
 * whole path a user's data takes (openDataset on a folder, then `read`), and sorted into
 * outcomes. Shared by the suite's fuzz test (test/io/fuzz.test.ts, a few hundred mutants per
 * reader) and the longer run that prints the counts (bench/fuzz.ts, `npm run bench:fuzz`).
 *
 * Outcomes:
 * - `read`: the mutant reads, with labels that hold together (below), and no warning;
 * - `warned`: it reads and holds together, after a warning (derived arrays recomputed);
 * - `refused`: a NucleiMixError whose message names the mutated file (or its dataset folder);
 * - `inconsistent`: it reads, but its labels do not hold together: a centroid that is not
 *   finite or is off the mean of its pixels, a type outside the class list, a class list of
 *   more than MAX_FUZZ_CLASSES entries, a stored type map that disagrees with the types;
 * - `crashed`: any other error (a bug), or a NucleiMixError that names no file.
 * The suite fails on `inconsistent` and `crashed`; durations are only printed by the bench.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLASS_LISTS } from '../../src/core/classes.ts';
import { NucleiMixError } from '../../src/core/errors.ts';
import { instanceStats, paintTypeMap } from '../../src/core/labels.ts';
import { createRng, type Rng } from '../../src/core/rng.ts';
import { consep } from '../../src/io/consep.ts';
import type { FormatIO, Sample, SampleSource } from '../../src/io/dataset.ts';
import { writeImageFile } from '../../src/io/image-file.ts';
import type { MatArray, MatFile } from '../../src/io/mat-file.ts';
import { readMatFile, serializeMat5 } from '../../src/io/mat-file.ts';
import { serializeMat73 } from '../../src/io/mat73.ts';
import { monuseg } from '../../src/io/monuseg.ts';
import { openDataset } from '../../src/io/open.ts';
import { pannuke } from '../../src/io/pannuke.ts';
import { generateSample } from '../../src/synth/generate.ts';

export type Outcome = 'read' | 'warned' | 'refused' | 'inconsistent' | 'crashed';
export const OUTCOMES: readonly Outcome[] = ['read', 'warned', 'refused', 'inconsistent', 'crashed'];

/** A class list longer than this, made up for a read mutant, counts as inconsistent. */
export const MAX_FUZZ_CLASSES = 10;

/** How far (px) a read centroid may be from the mean of its instance's pixels. */
const CENTROID_TOLERANCE = 2;

/** One reader under fuzzing: a folder whose one file (`target`) gets mutated. */
export interface FuzzReader {
  name: string;
  /** Writes the unmutated dataset into `dir` and returns the path of the file to mutate. */
  setup(dir: string, size: number): Promise<{ target: string; bytes: Uint8Array; mutants?: (rng: Rng) => Promise<Uint8Array> }>;
  format?: string;
}

export interface FuzzResult {
  counts: Record<Outcome, number>;
  /** The first few problems (inconsistent or crashed), with the mutant number. */
  problems: string[];
  /** Milliseconds per mutant, in mutant order (for the bench). */
  ms: number[];
  /** The slowest mutants' numbers and milliseconds, slowest first. */
  slowest: { k: number; ms: number; outcome: Outcome; message: string }[];
  /** Every refusal's message (first line), in mutant order. */
  messages: string[];
}

/** Side of the generated images the mutants start from (the bench can ask for larger). */
export const FUZZ_SIZE = 96;

function sampleSource(sample: Sample, format: FormatIO): SampleSource {
  const classes = format === pannuke ? CLASS_LISTS.pannuke : format === monuseg ? CLASS_LISTS.monuseg : CLASS_LISTS['consep-merged'];
  const types = format === monuseg ? sample.labels.types.map(() => 1) : sample.labels.types;
  const s = { ...sample, labels: { ...sample.labels, types: Int32Array.from(types) } };
  return { classes, names: [sample.name], read: async () => s };
}

async function writeBase(dir: string, format: FormatIO, seed: number, size: number): Promise<void> {
  const sample = generateSample({ name: 'x', width: size, height: size, seed });
  await mkdir(dir, { recursive: true });
  await format.write(dir, sampleSource(sample, format));
}

/** Byte-level mutants: truncation, bit flips, random bytes, and 32-bit values where lengths and dims live. */
export function mutateBytes(rng: Rng, bytes: Uint8Array, from = 0): Uint8Array {
  const mode = rng.int(4);
  if (mode === 0) return bytes.slice(0, from + rng.int(bytes.length - from + 1));
  const out = bytes.slice();
  const n = 1 + rng.int(6);
  for (let f = 0; f < n; f++) {
    const at = from + rng.int(Math.max(1, out.length - from));
    if (mode === 1) out[at] ^= 1 << rng.int(8);
    else if (mode === 2) out[at] = rng.int(256);
    else {
      const values = [0xffffffff, 0x7fffffff, 0x80000000, 0x00010000, 0x0000ffff, 0x40000000, rng.int(2 ** 32)];
      const v = values[rng.int(values.length)];
      const p = Math.min(out.length - 4, at - (at % 4));
      if (p >= 0) new DataView(out.buffer, out.byteOffset).setUint32(p, v, rng.int(2) === 0);
    }
  }
  return out;
}

/** Text-level mutants of an XML file: byte mutants, plus deep nesting, huge repeats and big numbers. */
function mutateXml(rng: Rng, text: string, size: number): Uint8Array {
  const enc = new TextEncoder();
  const mode = rng.int(6);
  if (mode < 3) return mutateBytes(rng, enc.encode(text));
  const at = rng.int(text.length);
  if (mode === 3) return enc.encode(text.slice(0, at) + '<a>'.repeat(1000 + rng.int(50000)) + text.slice(at));
  if (mode === 4) {
    const region = /<Region\b[\s\S]*?<\/Region>/.exec(text.slice(at)) ?? /<Region\b[\s\S]*?<\/Region>/.exec(text);
    if (region === null) return enc.encode(text);
    const copies = 1000 + rng.int(30000);
    const i = text.indexOf(region[0]);
    return enc.encode(text.slice(0, i) + region[0].repeat(copies) + text.slice(i));
  }
  const vertex = /<Vertex X="[^"]*" Y="[^"]*"\s*\/>/.exec(text);
  if (vertex === null) return enc.encode(text);
  const i = text.indexOf(vertex[0]);
  return enc.encode(text.slice(0, i) + `<Vertex X="${rng.int(size)}" Y="${rng.int(size)}"/>`.repeat(1000 + rng.int(200000)) + text.slice(i));
}

/**
 * Value-level mutants of a CoNSeP label file: one of the arrays edited the way a broken
 * export might (type_map disagreeing with inst_type, a NaN/Inf or moved centroid, a type of
 * 65,535, pixels moved between instances), then written again as the same MAT version.
 * (Huge dims come from the byte-level mutants, which write 32-bit values over lengths.)
 */
async function mutateConsepValues(rng: Rng, mat: MatFile): Promise<Uint8Array> {
  const copy: MatFile = { ...mat, variables: mat.variables.map((v) => (v.kind === 'array' ? { ...v, data: v.data.slice() as MatArray['data'], dims: v.dims.slice() } : v)) };
  const arr = (name: string) => copy.variables.find((v) => v.name === name) as MatArray;
  const mode = rng.int(5);
  if (mode === 0) {
    const t = arr('type_map').data as unknown as Float64Array;
    const nonzero = [];
    for (let i = 0; i < t.length; i++) if (t[i] !== 0) nonzero.push(i);
    for (let k = 0, n = 1 + rng.int(200); k < n && nonzero.length > 0; k++) t[nonzero[rng.int(nonzero.length)]] = 1 + rng.int(4);
  } else if (mode === 1) {
    const c = arr('inst_centroid').data as unknown as Float64Array;
    const bad = [NaN, Infinity, -Infinity, 1e9, -5, c[0] + 7];
    for (let k = 0, n = 1 + rng.int(5); k < n; k++) c[rng.int(c.length)] = bad[rng.int(bad.length)];
  } else if (mode === 2) {
    const t = arr('inst_type').data as unknown as Float64Array;
    t[rng.int(t.length)] = [65535, 11, 8, 5, 1000][rng.int(5)];
  } else if (mode === 3) {
    // Pixels moved between instances: the stored centroids and type map no longer match.
    const m = arr('inst_map').data as unknown as Float64Array;
    const ids = new Set(m);
    const list = [...ids].filter((v) => v !== 0);
    for (let k = 0, n = 50 + rng.int(500); k < n; k++) m[rng.int(m.length)] = list[rng.int(list.length)];
  } else {
    const t = arr('inst_type').data as unknown as Float64Array;
    const i = rng.int(t.length);
    t[i] = t[i] === 1 ? 2 : 1; // inst_type now disagrees with type_map
  }
  return mat.version === '7.3' ? serializeMat73(copy, 'mutant.mat') : serializeMat5(copy);
}

function matReader(name: string, version: '5' | '7.3', compressed: boolean): FuzzReader {
  return {
    name,
    setup: async (dir, size) => {
      await writeBase(dir, consep, 11, size);
      const target = join(dir, 'Labels', 'x.mat');
      const mat = await readMatFile(target);
      const rewritten: MatFile = { ...mat, version, variables: mat.variables.map((v) => ({ ...v, compressed })) };
      const bytes = version === '7.3' ? await serializeMat73(rewritten, target) : serializeMat5(rewritten);
      await writeFile(target, bytes);
      const base = await readMatFile(target);
      return {
        target,
        bytes,
        // Half byte-level (past the 128-byte header, or the 512-byte user block), half value-level.
        mutants: async (rng) => (rng.int(2) === 0 ? mutateBytes(rng, bytes, version === '7.3' ? 512 : 128) : mutateConsepValues(rng, base)),
      };
    },
  };
}

function imageReader(name: string, ext: '.png' | '.tif'): FuzzReader {
  return {
    name,
    setup: async (dir, size) => {
      await writeBase(dir, consep, 12, size);
      const target = join(dir, 'Images', `x${ext}`);
      const sample = generateSample({ name: 'x', width: size, height: size, seed: 12 });
      await rm(join(dir, 'Images', 'x.png'));
      await writeImageFile(target, sample.image);
      const { readFile } = await import('node:fs/promises');
      return { target, bytes: new Uint8Array(await readFile(target)) };
    },
  };
}

/** Every reader the fuzz covers. */
export const FUZZ_READERS: readonly FuzzReader[] = [
  matReader('mat v5', '5', false),
  matReader('mat v5 compressed', '5', true),
  matReader('mat v7.3', '7.3', true),
  imageReader('png', '.png'),
  imageReader('tiff', '.tif'),
  {
    name: 'xml',
    setup: async (dir, size) => {
      await writeBase(dir, monuseg, 13, size);
      const { readdir, readFile } = await import('node:fs/promises');
      const xml = (await readdir(dir, { recursive: true })).find((f) => String(f).endsWith('.xml'))!;
      const target = join(dir, String(xml));
      const text = await readFile(target, 'utf8');
      return { target, bytes: new TextEncoder().encode(text), mutants: async (rng) => mutateXml(rng, text, size) };
    },
  },
  {
    name: 'npy',
    setup: async (dir, size) => {
      await writeBase(dir, pannuke, 14, size);
      const target = join(dir, 'masks.npy');
      const { readFile } = await import('node:fs/promises');
      return { target, bytes: new Uint8Array(await readFile(target)) };
    },
  },
];

/** Problems with labels that read (see the module comment), or undefined when they hold together. */
function inconsistency(sample: Sample, classes: readonly { id: number }[]): string | undefined {
  if (classes.length > MAX_FUZZ_CLASSES) return `a class list of ${classes.length} entries`;
  const known = new Set(classes.map((c) => c.id));
  const { labels } = sample;
  const bad = labels.types.findIndex((t) => !known.has(t));
  if (bad >= 0) return `instance ${labels.ids[bad]} has type ${labels.types[bad]}, not in the class list`;
  const stats = instanceStats(labels.inst);
  for (let i = 0; i < labels.ids.length; i++) {
    const [x, y] = [labels.centroids[2 * i], labels.centroids[2 * i + 1]];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return `instance ${labels.ids[i]} has centroid (${x}, ${y})`;
    if (Math.hypot(x - stats.centroids[2 * i], y - stats.centroids[2 * i + 1]) > CENTROID_TOLERANCE) return `instance ${labels.ids[i]} has centroid (${x}, ${y}), off its pixels' mean`;
  }
  // The CoNSeP reader keeps the file's type map for writing unedited labels back; it must
  // then agree with the types (Sample.stored is opaque, but this is what it would write).
  const typeMap = (sample.stored as { typeMap?: Int32Array } | undefined)?.typeMap;
  if (typeMap !== undefined) {
    const painted = paintTypeMap(labels);
    for (let p = 0; p < painted.length; p++) if (painted[p] !== typeMap[p]) return `the kept type_map disagrees with inst_type at pixel ${p}`;
  }
  return undefined;
}

/**
 * Reads `n` seeded mutants of `reader`'s file, each through openDataset + read of its folder
 * (`work` is a scratch folder), and counts the outcomes.
 */
export async function fuzzReader(reader: FuzzReader, n: number, seed: number, work: string, size = FUZZ_SIZE): Promise<FuzzResult> {
  const dir = join(work, reader.name.replace(/\W+/g, '-'));
  await rm(dir, { recursive: true, force: true });
  const { target, bytes, mutants } = await reader.setup(dir, size);
  const rng = createRng(seed);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const problems: string[] = [];
  const ms: number[] = [];
  const all: FuzzResult['slowest'] = [];
  let warned = 0;
  const onWarning = (w: Error & { code?: string }) => {
    if (w.code?.startsWith('NUCLEIMIX_')) warned++;
  };
  // Count the readers' warnings instead of printing hundreds of them (Node's own printer is
  // a 'warning' listener; it is put back afterwards).
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  try {
    for (let k = 0; k < n; k++) {
      const variant = mutants !== undefined ? await mutants(rng) : mutateBytes(rng, bytes);
      await writeFile(target, variant);
      warned = 0;
      const t0 = performance.now();
      let outcome: Outcome;
      let message = '';
      try {
        const ds = await openDataset(dir, reader.format === undefined ? {} : { format: reader.format });
        const sample = await ds.read(ds.names[0]);
        await new Promise((r) => setImmediate(r)); // process warnings arrive on a later tick
        const problem = inconsistency(sample, ds.classes);
        outcome = problem !== undefined ? 'inconsistent' : warned > 0 ? 'warned' : 'read';
        message = problem ?? '';
      } catch (err) {
        message = err instanceof Error ? err.message : String(err);
        const named = err instanceof NucleiMixError && err.file !== undefined && (err.file === target || err.file === dir || err.file.startsWith(dir));
        outcome = named ? 'refused' : 'crashed';
        if (!named) message = `${(err as Error)?.name}: ${message}`;
      }
      const took = performance.now() - t0;
      ms.push(took);
      all.push({ k, ms: took, outcome, message: message.split('\n')[0].slice(0, 300) });
      counts[outcome]++;
      if ((outcome === 'inconsistent' || outcome === 'crashed') && problems.length < 10) problems.push(`${reader.name} mutant ${k}: ${outcome}: ${message.split('\n')[0].slice(0, 300)}`);
    }
  } finally {
    process.off('warning', onWarning);
    for (const p of printers) process.on('warning', p);
  }
  const messages = [...all].sort((a, b) => a.k - b.k).filter((a) => a.outcome === 'refused').map((a) => a.message);
  all.sort((a, b) => b.ms - a.ms);
  return { counts, problems, ms, slowest: all.slice(0, 5), messages };
}
