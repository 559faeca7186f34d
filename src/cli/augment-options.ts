import { InvalidArgumentError, Option, type Command } from 'commander';
import { NucleiMixError } from '../core/errors.ts';
import { CUTMIX_DEFAULTS } from '../augment/cutmix.ts';
import { GRADMIX_DEFAULTS } from '../augment/gradmix.ts';
import { INSMIX_DEFAULTS } from '../augment/insmix.ts';
import { METHOD_NAMES, type MethodName, type MethodOptions } from '../augment/method.ts';
import { DEFAULT_NUCLEIMIX, type NucleiMixPlanOptions } from '../augment/nucleimix-plan.ts';
import { INPAINTER_NAMES } from '../inpaint/create.ts';
import { CENTRE_REMOVALS } from '../sampling/context.ts';
import { nonNegativeInt, positiveInt } from './synth.ts';

export function typeList(value: string, previous: number[] = []): number[] {
  const out = [...previous];
  for (const part of value.split(',')) {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected type ids (positive integers), got '${part}'`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** Options of `plan` and `augment`: what to insert and how to choose where. */
export interface PlanCliOptions {
  rare: number[];
  k: number;
  seed: number;
  major?: number[];
  margin: number;
  removal: NucleiMixPlanOptions['removal'];
  encoder?: string;
  encoderSize?: number;
  pcaDims: number;
  components: number;
  covariance: NucleiMixPlanOptions['covariance'];
  temperature: number;
  workers: number;
  cache?: string;
}

/** The plan options a command line without flags gives, for callers that build options in code. */
export function defaultPlanCliOptions(rare: number[], k: number, seed: number): PlanCliOptions {
  const d = DEFAULT_NUCLEIMIX;
  return { rare, k, seed, margin: d.margin, removal: d.removal, pcaDims: d.pcaDims, components: d.components, covariance: d.covariance, temperature: d.temperature, workers: d.workers };
}

export function withPlanOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--rare <types>', 'rare type id(s) to add, comma-separated or repeated (k of each)', typeList)
    .requiredOption('--k <n>', 'new nuclei per rare type', nonNegativeInt)
    .option('--seed <s>', 'random seed of every draw', nonNegativeInt, DEFAULT_NUCLEIMIX.seed)
    .option('--major <types>', 'types that may be replaced (default: every non-rare type)', typeList)
    .option('--margin <px>', 'minimum distance of targets and donors from the image border', nonNegativeInt, DEFAULT_NUCLEIMIX.margin)
    .addOption(new Option('--removal <how>', 'how patch centres are removed before describing context').choices(CENTRE_REMOVALS).default(DEFAULT_NUCLEIMIX.removal))
    .option('--encoder <model.onnx>', 'describe contexts with this ONNX image encoder (e.g. CTransPath: NCHW RGB input, ImageNet normalisation) plus 4 GLCM statistics instead of the built-in descriptor')
    .option('--encoder-size <px>', 'side the 224 px patches are resized to for an encoder whose input leaves H×W open (default: no resizing)', positiveInt)
    .option('--pca-dims <p>', 'PCA dimensions of the context features', positiveInt, DEFAULT_NUCLEIMIX.pcaDims)
    .option('--components <K>', 'Gaussian mixture components (0: choose K ≤ 5 by BIC)', nonNegativeInt, DEFAULT_NUCLEIMIX.components)
    .addOption(new Option('--covariance <type>', 'mixture covariance').choices(['diag', 'full']).default(DEFAULT_NUCLEIMIX.covariance))
    .option('--temperature <T>', 'softmax temperature of the target draw', positiveNumber, DEFAULT_NUCLEIMIX.temperature)
    .option('--workers <n>', 'threads for feature extraction (0: none)', nonNegativeInt, DEFAULT_NUCLEIMIX.workers)
    .option('--cache <dir>', 'feature cache folder (default: the output folder\'s cache/)');
}

/** Options of `render` and `augment`: how insertions are drawn into the images. */
export interface RenderCliOptions {
  inpainter: (typeof INPAINTER_NAMES)[number];
  /** Inpainting radius; absent: the method's own (NucleiMix 3, GradMix 5). */
  radius?: number;
  preview: boolean;
}

export function withRenderOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--inpainter <name>', 'inpainting engine (nucleimix: progressive inpainting; gradmix: erasing the major)').choices(INPAINTER_NAMES).default('telea'))
    .option('--radius <px>', `inpainting neighbourhood radius (default: 3 for nucleimix, ${GRADMIX_DEFAULTS.radius} for gradmix)`, positiveInt)
    .option('--no-preview', 'do not write the preview pictures');
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

/** `augment --method` and the baselines' own options (absent: the method's defaults). */
export interface MethodCliOptions {
  /** Absent: nucleimix. */
  method?: MethodName;
  boxMargin?: number;
  minFragment?: number;
  majorShare?: number;
  sizeRatio?: number;
  bgShuffle?: number;
  maxOffset?: number;
  minScale?: number;
  maxShape?: number;
}

export function withMethodOptions(cmd: Command): Command {
  const c = CUTMIX_DEFAULTS;
  const g = GRADMIX_DEFAULTS;
  const i = INSMIX_DEFAULTS;
  return cmd
    .addOption(new Option('--method <name>', 'augmentation method: NucleiMix or one of the baselines the papers compare it with').choices(METHOD_NAMES).default('nucleimix'))
    .option('--box-margin <px>', `cutmix: pixels added to each side of the rare nucleus's box (default ${c.boxMargin})`, nonNegativeInt)
    .option('--min-fragment <px>', `cutmix: drop pieces of clipped nuclei smaller than this (default ${c.minFragment})`, nonNegativeInt)
    .option('--major-share <r>', `gradmix: share of each image's majors considered (default ${g.majorShare})`, share)
    .option('--size-ratio <r>', `gradmix: a rare nucleus fits when ratio × its area ≤ area of the major grown by 2 px (default ${g.sizeRatio})`, positiveNumber)
    .option('--bg-shuffle <share>', `insmix: permute this share of the nucleus-free 20×20 blocks of every image (default ${i.bgShuffle}: off; the paper uses 0.2)`, share)
    .option('--max-offset <px>', `insmix: largest centre offset from the original nucleus per axis (default ${i.maxOffset})`, nonNegativeInt)
    .option('--min-scale <r>', `insmix: smallest area ratio min/max of template and original (default ${i.minScale})`, share)
    .option('--max-shape <r>', `insmix: largest shape difference |A−B|/max of template and original (default ${i.maxShape})`, positiveNumber);
}

/** Which methods each method-specific option (by its attribute name) applies to. */
const APPLIES: Readonly<Record<string, readonly MethodName[]>> = {
  major: ['nucleimix', 'gradmix'],
  removal: ['nucleimix'],
  encoder: ['nucleimix'],
  encoderSize: ['nucleimix'],
  pcaDims: ['nucleimix'],
  components: ['nucleimix'],
  covariance: ['nucleimix'],
  temperature: ['nucleimix'],
  workers: ['nucleimix'],
  cache: ['nucleimix'],
  inpainter: ['nucleimix', 'gradmix'],
  radius: ['nucleimix', 'gradmix'],
  boxMargin: ['cutmix'],
  minFragment: ['cutmix'],
  majorShare: ['gradmix'],
  sizeRatio: ['gradmix'],
  bgShuffle: ['insmix'],
  maxOffset: ['insmix'],
  minScale: ['insmix'],
  maxShape: ['insmix'],
};

/**
 * Rejects an option the user gave (on the command line) that the chosen method does not use,
 * so that `--method cutmix --bg-shuffle 0.5` fails instead of silently doing nothing.
 */
export function checkMethodOptions(cmd: Command, method: MethodName): void {
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    const applies = APPLIES[key];
    if (applies === undefined || applies.includes(method) || cmd.getOptionValueSource(key) !== 'cli') continue;
    throw new NucleiMixError(`${opt.long} applies to --method ${applies.join(' or ')}, not ${method}`);
  }
}

/** The chosen method's own options from the command line (absent ones: its defaults). */
export function methodOptions<M extends MethodName>(method: M, o: PlanCliOptions & RenderCliOptions & MethodCliOptions, cacheDirs: string[]): Partial<MethodOptions[M]> {
  const defined = <T extends object>(x: T): Partial<T> => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as Partial<T>;
  let out: object;
  switch (method) {
    case 'nucleimix': {
      const { rareTypes: _r, k: _k, seed: _s, margin: _m, majorTypes: _j, ...rest } = planOptions(o, cacheDirs);
      out = { ...rest, inpainter: o.inpainter, ...defined({ radius: o.radius }) };
      break;
    }
    case 'cutmix':
      out = defined({ boxMargin: o.boxMargin, minFragment: o.minFragment });
      break;
    case 'copypaste':
      out = {};
      break;
    case 'gradmix':
      out = defined({ majorShare: o.majorShare, sizeRatio: o.sizeRatio, inpainter: o.inpainter, radius: o.radius });
      break;
    case 'insmix':
      out = defined({ bgShuffle: o.bgShuffle, maxOffset: o.maxOffset, minScale: o.minScale, maxShape: o.maxShape });
      break;
    default:
      throw new NucleiMixError(`unknown method '${String(method)}' (expected one of: ${METHOD_NAMES.join(', ')})`);
  }
  return out as Partial<MethodOptions[M]>;
}

export function planOptions(o: PlanCliOptions, cacheDirs: string[]): NucleiMixPlanOptions {
  if (o.encoderSize !== undefined && o.encoder === undefined) throw new NucleiMixError('--encoder-size applies to an --encoder model');
  return {
    ...DEFAULT_NUCLEIMIX,
    rareTypes: o.rare,
    k: o.k,
    seed: o.seed,
    majorTypes: o.major,
    margin: o.margin,
    removal: o.removal,
    ...(o.encoder !== undefined ? { encoder: o.encoder } : {}),
    ...(o.encoderSize !== undefined ? { encoderOptions: { size: o.encoderSize } } : {}),
    pcaDims: o.pcaDims,
    components: o.components,
    covariance: o.covariance,
    temperature: o.temperature,
    workers: o.workers,
    cacheDirs,
  };
}
