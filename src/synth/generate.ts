/**
 * nucleimix's built-in dataset: seeded, CoNSeP-like H&E tiles (0.25 µm/px, colon) with
 * instance and type labels in CLASS_LISTS['consep-merged'] (1 other — the rare type,
 * 2 inflammatory, 3 epithelial, 4 spindle).
 *
 * Everything random is drawn from one {@link createRng} seed, forked per stage (and per image
 * in a dataset), so the same options always give the same bytes and image i of a dataset
 * does not depend on how many images are generated.
 */
import { CLASS_LISTS } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import { labelsFromMap } from '../core/labels.ts';
import { createInstanceMap } from '../core/raster.ts';
import { createRng } from '../core/rng.ts';
import type { Sample, SampleSource } from '../io/dataset.ts';
import { createCanvas } from './canvas.ts';
import { fractalNoise } from './noise.ts';
import { placeNuclei } from './placement.ts';
import { drawScene, type Scene } from './scene.ts';
import { drawStainStyle, renderStains } from './stain.ts';
import { layoutTissue } from './tissue.ts';

export interface SampleOptions {
  /** The sample's name. It does not affect the pixels: only `seed` does. */
  name: string;
  width: number;
  height: number;
  /** Any integer; taken modulo 2³². */
  seed: number;
}

export interface DatasetOptions {
  images: number;
  /** Tile size in pixels (default 512×512). */
  width?: number;
  height?: number;
  seed: number;
}

/** A generated tile with the ground truth the sample itself does not carry. */
export interface Tile {
  sample: Sample;
  /** H×W uint8 region codes (REGION in tissue.ts: stroma, epithelium, lumen, vessel). */
  regions: Uint8Array;
  scene: Scene;
}

/** Smallest and largest tile side accepted. */
export const MIN_SIDE = 32;
export const MAX_SIDE = 8192;
export const DEFAULT_SIDE = 512;

/** Generates one tile together with its region map and scene. */
export function generateTile(options: SampleOptions): Tile {
  const { name, width, height, seed } = options;
  checkSide('width', width);
  checkSide('height', height);
  if (!Number.isInteger(seed)) throw new NucleiMixError(`synthetic sample seed must be an integer, got ${seed}`);
  const root = createRng(seed >>> 0);
  const scene = drawScene(root.fork('scene'), width, height);
  const tissue = layoutTissue(root.fork('tissue'), width, height, scene);
  const canvas = createCanvas(width, height, fractalNoise(root.fork('chromatin'), width, height, 5, 3, 0.6));
  placeNuclei(root.fork('nuclei'), canvas, tissue, scene);

  // Nuclei over background and cell bodies: coverage-weighted blend; halos clear the
  // background stain. Uneven staining: slow ±7 % drifts of H and E across the slide, and a
  // fine ±5 % grain in the eosin.
  const n = width * height;
  const unevenRng = root.fork('uneven');
  const driftH = fractalNoise(unevenRng, width, height, 180, 2);
  const driftE = fractalNoise(unevenRng, width, height, 180, 2);
  const grainE = fractalNoise(unevenRng, width, height, 2.5, 1);
  const h = new Float32Array(n);
  const e = new Float32Array(n);
  const r = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const a = canvas.alpha[p];
    const bg = (1 - a) * (1 - canvas.clear[p]);
    h[p] = (bg * (tissue.h[p] + canvas.bodyH[p]) + a * canvas.h[p]) * (1 + 0.07 * driftH[p]);
    e[p] = (bg * (tissue.e[p] + canvas.bodyE[p]) + a * canvas.e[p]) * (1 + 0.07 * driftE[p] + 0.05 * grainE[p]);
    r[p] = (1 - a) * tissue.r[p] * (1 - 0.6 * canvas.clear[p]) + a * canvas.r[p];
  }
  const image = renderStains(root.fork('scanner'), width, height, h, e, r, drawStainStyle(root.fork('stain')));
  const labels = labelsFromMap(createInstanceMap(width, height, canvas.inst), (id) => canvas.types[id - 1]);
  return { sample: { name, image, labels }, regions: tissue.region, scene };
}

/** Generates one synthetic sample (see {@link generateTile}). */
export function generateSample(options: SampleOptions): Sample {
  return generateTile(options).sample;
}

/** The seed of image `index` (0-based) of a dataset generated with `seed`. */
export function imageSeed(seed: number, index: number): number {
  return createRng(seed >>> 0).fork(`image ${index}`).int(2 ** 32);
}

/**
 * Generates `images` samples named `synth_1` … `synth_N`. `read` hands out copies, so callers
 * may edit what they read without changing the dataset.
 */
export function generateDataset(options: DatasetOptions): SampleSource & { samples: Sample[] } {
  const { images, seed } = options;
  const width = options.width ?? DEFAULT_SIDE;
  const height = options.height ?? DEFAULT_SIDE;
  if (!Number.isInteger(images) || images < 1 || images > 100000) {
    throw new NucleiMixError(`synthetic dataset needs a whole number of images from 1 to 100000, got ${images}`);
  }
  if (!Number.isInteger(seed)) throw new NucleiMixError(`synthetic dataset seed must be an integer, got ${seed}`);
  const samples = Array.from({ length: images }, (_, i) =>
    generateSample({ name: `synth_${i + 1}`, width, height, seed: imageSeed(seed, i) }),
  );
  const byName = new Map(samples.map((s) => [s.name, s]));
  return {
    classes: CLASS_LISTS['consep-merged'],
    names: samples.map((s) => s.name),
    samples,
    read: async (name: string) => {
      const s = byName.get(name);
      if (s === undefined) throw new NucleiMixError(`no sample named ${JSON.stringify(name)} in the synthetic dataset`);
      return copySample(s);
    },
  };
}

function copySample(s: Sample): Sample {
  const { labels } = s;
  return {
    name: s.name,
    image: { ...s.image, data: s.image.data.slice() },
    labels: {
      inst: { ...labels.inst, data: labels.inst.data.slice() },
      ids: labels.ids.slice(),
      types: labels.types.slice(),
      centroids: labels.centroids.slice(),
    },
  };
}

function checkSide(what: string, v: number): void {
  if (!Number.isInteger(v) || v < MIN_SIDE || v > MAX_SIDE) {
    throw new NucleiMixError(`synthetic tile ${what} must be a whole number of pixels from ${MIN_SIDE} to ${MAX_SIDE}, got ${v}`);
  }
}
