import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { openDataset } from '../io/open.ts';
import { countRows, summarise } from '../io/summary.ts';
import { nonNegativeInt, runSynth } from './synth.ts';
import { formatTable } from './table.ts';

/** The main job on the built-in default: what `npm start` runs. */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate the built-in sample dataset and describe it (what `npm start` runs)')
    .option('--out <dir>', 'where to put the demo output', join('out', 'demo'))
    .option('--seed <s>', 'random seed', nonNegativeInt, 0)
    .action(async (opts: { out: string; seed: number }) => {
      const sampleDir = join(opts.out, 'sample-dataset');
      console.log(`Generating the sample dataset (8 images of 512×512, seed ${opts.seed}) ...`);
      await runSynth({ out: sampleDir, images: 8, seed: opts.seed, size: [512, 512], to: 'consep', overwrite: true });
      const dataset = await openDataset(sampleDir);
      const summary = await summarise(dataset);
      console.log('');
      console.log(formatTable(['type', 'name', 'nuclei', 'share'], countRows(dataset.classes, summary.counts)));
      console.log('');
      console.log(`The sample dataset (CoNSeP format) is in ${relative(process.cwd(), dataset.root) || '.'}`);
      console.log('Describe any dataset with: npx nucleimix info <folder>');
    });
}
