import type { Command } from 'commander';
import { join } from 'node:path';
import { augmentDataset } from '../augment/driver.ts';
import { openDataset } from '../io/open.ts';
import { runReporter } from '../report/reporter.ts';
import { printResult, shown } from './augment.ts';
import { quietOption } from './progress.ts';
import { progressSink } from './progress-sink.ts';
import { nonNegativeInt, runSynth } from './synth.ts';

/** The main job on the built-in default: what `npm start` runs. */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate the built-in sample dataset and augment its rare type with NucleiMix (what `npm start` runs)')
    .option('--out <dir>', 'where to put the demo output', join('out', 'demo'))
    .option('--seed <s>', 'random seed', nonNegativeInt, 0)
    .option('--k <n>', 'new rare nuclei', nonNegativeInt, 40)
    .addOption(quietOption())
    .action(async (opts: { out: string; seed: number; k: number; quiet?: boolean }) => {
      const sampleDir = join(opts.out, 'sample-dataset');
      const augmentedDir = join(opts.out, 'augmented');
      console.log(`1. Generating the sample dataset: 8 H&E-like tiles of 512×512 (seed ${opts.seed}), CoNSeP format`);
      await runSynth({ out: sampleDir, images: 8, seed: opts.seed, size: [512, 512], to: 'consep', overwrite: true });
      console.log(`2. Augmenting its rare type (1, "other") with NucleiMix: k = ${opts.k}, classical (Telea) inpainting`);
      const dataset = await openDataset(sampleDir);
      const result = await augmentDataset(
        dataset,
        'nucleimix',
        { rareTypes: [1], k: opts.k, seed: opts.seed, borderMargin: 30 },
        augmentedDir,
        { cache: join(opts.out, 'cache') },
        { overwrite: true, report: runReporter(), progress: progressSink({ quiet: opts.quiet }) },
      );
      console.log('');
      printResult(result);
      console.log(`sample dataset : ${shown(sampleDir)}`);
      console.log(`augmented copy : ${shown(result.out)}  (manifest.json: what went where; stats.json; preview/: pictures)`);
      console.log(`report         : ${shown(join(result.out, 'report', 'index.html'))}  (open it in a browser: every insertion before and after)`);
      console.log('next: npx nucleimix augment <your dataset> --rare <type> --k <n> --out <folder>');
    });
}
