import type { Command } from 'commander';
import { join } from 'node:path';
import { reportAugmented } from '../report/run-command.ts';
import { shown } from './augment.ts';
import { quietOption } from './progress.ts';
import { progressSink } from './progress-sink.ts';

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('write the HTML report of an augmented dataset: parameters and times, counts, realism (realism.json), every insertion before and after')
    .argument('<augmented>', 'an augmented dataset written by augment or render (with manifest.json and stats.json)')
    .option('--out <dir>', 'report folder (default <augmented>/report, replacing the one augment wrote)')
    .option('--original <dir>', "the run's input dataset (default: the folder manifest.json names)")
    .option('--overwrite', 'replace --out if it exists')
    .addOption(quietOption())
    .action(async (augmented: string, opts: { out?: string; original?: string; overwrite?: boolean; quiet?: boolean }) => {
      const r = await reportAugmented(augmented, { out: opts.out, original: opts.original, overwrite: opts.overwrite, progress: progressSink({ quiet: opts.quiet === true }) });
      const missing = r.insertions - r.found;
      console.log(`wrote ${shown(join(r.out, 'index.html'))}: ${r.insertions} insertions in ${r.images} images${missing > 0 ? ` (${missing} covered by later insertions)` : ''}`);
    });
}
