import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatByName, FORMAT_NAMES } from '../io/formats.ts';
import { writeDataset } from '../io/write.ts';
import { generateDataset } from '../synth/generate.ts';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

export function sizeArg(value: string): [number, number] {
  const m = /^(\d+)(?:[x×](\d+))?$/.exec(value);
  const w = m ? Number(m[1]) : NaN;
  const h = m?.[2] !== undefined ? Number(m[2]) : w;
  if (!(w >= 128 && h >= 128 && w <= 8192 && h <= 8192)) throw new InvalidArgumentError('expected WIDTHxHEIGHT (or one number) between 128 and 8192');
  return [w, h];
}

export interface SynthOptions {
  out: string;
  images: number;
  seed: number;
  size: [number, number];
  to: string;
  overwrite?: boolean;
}

/** Generates the sample dataset and writes it; returns the output folder. */
export async function runSynth(opts: SynthOptions): Promise<string> {
  const [width, height] = opts.size;
  const source = generateDataset({ images: opts.images, width, height, seed: opts.seed });
  return writeDataset(opts.out, formatByName(opts.to)!, source, { overwrite: opts.overwrite });
}

export function synthCommand(program: Command): void {
  program
    .command('synth')
    .description('generate a seeded sample dataset of H&E-like tiles with instance and type labels')
    .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
    .option('--images <n>', 'number of images', positiveInt, 8)
    .option('--seed <s>', 'random seed', nonNegativeInt, 0)
    // The default shown as it is typed (512x512), not as the parsed pair.
    .addOption(new Option('--size <WxH>', 'image size in pixels').argParser(sizeArg).default([512, 512] as [number, number], '512x512'))
    .addOption(new Option('--to <format>', 'output format').choices(FORMAT_NAMES).default('consep'))
    .option('--overwrite', 'replace the output folder if it exists')
    .action(async (opts: SynthOptions) => {
      const out = await runSynth(opts);
      console.log(`wrote ${opts.images} images (${opts.size[0]}×${opts.size[1]}, seed ${opts.seed}) in ${opts.to} format to ${out}`);
    });
}
