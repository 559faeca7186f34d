import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { printCounts, runAugment } from './augment.ts';
import { defaultPlanCliOptions } from './augment-options.ts';
import { nonNegativeInt, runSynth } from './synth.ts';

/** The main job on the built-in default: what `npm start` runs. */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate the built-in sample dataset and augment its rare type with NucleiMix (what `npm start` runs)')
    .option('--out <dir>', 'where to put the demo output', join('out', 'demo'))
    .option('--seed <s>', 'random seed', nonNegativeInt, 0)
    .option('--k <n>', 'new rare nuclei', nonNegativeInt, 40)
    .action(async (opts: { out: string; seed: number; k: number }) => {
      const sampleDir = join(opts.out, 'sample-dataset');
      const augmentedDir = join(opts.out, 'augmented');
      console.log(`1. Generating the sample dataset: 8 H&E-like tiles of 512×512 (seed ${opts.seed}), CoNSeP format`);
      await runSynth({ out: sampleDir, images: 8, seed: opts.seed, size: [512, 512], to: 'consep', overwrite: true });
      console.log(`2. Augmenting its rare type (1, "other") with NucleiMix: k = ${opts.k}, classical (Telea) inpainting`);
      const { out, stats, plan } = await runAugment(sampleDir, {
        ...defaultPlanCliOptions([1], opts.k, opts.seed),
        inpainter: 'telea',
        radius: 3,
        preview: true,
        out: augmentedDir,
        overwrite: true,
      });
      console.log('');
      printCounts(stats);
      console.log('');
      const where = (p: string) => relative(process.cwd(), p) || '.';
      console.log(`${stats.targets.major} nuclei replaced (copy-and-replace), ${stats.targets.background} pasted into background (copy-and-paste); ${plan.locations.background} background candidates.`);
      console.log(`sample dataset : ${where(join(process.cwd(), sampleDir))}`);
      console.log(`augmented copy : ${where(out)}  (manifest.json: what went where; stats.json; preview/: pictures)`);
      console.log('next: npx nucleimix augment <your dataset> --rare <type> --k <n> --out <folder>');
    });
}
