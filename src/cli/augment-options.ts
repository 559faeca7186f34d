import { InvalidArgumentError, Option, type Command } from 'commander';
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
  pcaDims: number;
  components: number;
  covariance: NucleiMixPlanOptions['covariance'];
  temperature: number;
  workers: number;
  cache?: string;
}

export function withPlanOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--rare <types>', 'rare type id(s) to add, comma-separated or repeated (k of each)', typeList)
    .requiredOption('--k <n>', 'new nuclei per rare type', nonNegativeInt)
    .option('--seed <s>', 'random seed of every draw', nonNegativeInt, DEFAULT_NUCLEIMIX.seed)
    .option('--major <types>', 'types that may be replaced (default: every non-rare type)', typeList)
    .option('--margin <px>', 'minimum distance of targets and donors from the image border', nonNegativeInt, DEFAULT_NUCLEIMIX.margin)
    .addOption(new Option('--removal <how>', 'how patch centres are removed before describing context').choices(CENTRE_REMOVALS).default(DEFAULT_NUCLEIMIX.removal))
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
  radius: number;
  preview: boolean;
}

export function withRenderOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--inpainter <name>', 'inpainting engine for progressive inpainting').choices(INPAINTER_NAMES).default('telea'))
    .option('--radius <px>', 'inpainting neighbourhood radius', positiveInt, 3)
    .option('--no-preview', 'do not write the preview pictures');
}

export function planOptions(o: PlanCliOptions, cacheDirs: string[]): NucleiMixPlanOptions {
  return {
    ...DEFAULT_NUCLEIMIX,
    rareTypes: o.rare,
    k: o.k,
    seed: o.seed,
    majorTypes: o.major,
    margin: o.margin,
    removal: o.removal,
    pcaDims: o.pcaDims,
    components: o.components,
    covariance: o.covariance,
    temperature: o.temperature,
    workers: o.workers,
    cacheDirs,
  };
}
