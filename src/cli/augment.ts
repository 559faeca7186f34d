import { relative } from 'node:path';
import type { Command } from 'commander';
import { augmentDataset, type AugmentResult } from '../augment/driver.ts';
import { METHODS } from '../augment/methods.ts';
import { countChangeRows, type AugmentStats } from '../augment/stats.ts';
import { openDataset } from '../io/open.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { engineOf, methodOf, requestOf, withEngineOptions, withMethodOptions, withRequestOptions } from './method-options.ts';
import { outputSettings } from './output-options.ts';
import { quietOption } from './progress.ts';
import { formatTable } from './table.ts';

export function printCounts(stats: AugmentStats): void {
  console.log(formatTable(['type', 'name', 'before', 'after', 'change'], countChangeRows(stats)));
}

/** A path as the user would type it: relative to the working folder when inside it. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** What a run did, in a few lines: insertions by kind, neighbours lost, and the method's remarks. */
export function printSummary(result: AugmentResult): void {
  const { stats } = result;
  const kinds = Object.entries(stats.targets).map(([kind, n]) => `${n} ${kind}`).join(', ');
  const replaced = Object.values(stats.replaced).reduce((a, b) => a + b, 0);
  const vanished = Object.values(stats.vanished).reduce((a, b) => a + b, 0);
  const inserted = Object.values(stats.inserted).reduce((a, b) => a + b, 0);
  console.log(`${inserted} nuclei inserted into ${stats.imagesEdited} images (targets: ${kinds}); ${replaced} nuclei replaced, ${vanished} neighbours covered completely`);
  for (const note of result.notes) console.log(note);
}

/** The per-type counts table, a blank line, then {@link printSummary}: what every command that writes a dataset prints. */
export function printResult(result: AugmentResult): void {
  printCounts(result.stats);
  console.log('');
  printSummary(result);
}

export function augmentCommand(program: Command): void {
  const cmd = program
    .command('augment')
    .description('insert k nuclei of each rare type (NucleiMix, or a baseline with --method) and write the augmented dataset')
    .addHelpText('after', `\nMethods (--method):\n${Object.values(METHODS).map((m) => `  ${m.name.padEnd(10)} ${m.description}`).join('\n')}`)
    .argument('<dataset>', 'input dataset folder (never modified)')
    .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
    .option('--overwrite', 'replace the output folder if it exists')
    .option('--no-report', 'do not write the HTML report (report/index.html)')
    .addOption(quietOption());
  withEngineOptions(withMethodOptions(withRequestOptions(withDatasetOptions(cmd))));
  cmd.action(async (path: string, opts: Record<string, unknown>, self: Command) => {
    const { method, options } = methodOf(self, opts);
    const open = openOptions(opts);
    const dataset = await openDataset(path, open);
    const result = await augmentDataset(dataset, method, requestOf(opts, dataset.classes), opts.out as string, options, {
      open,
      engine: engineOf(opts),
      ...outputSettings(opts),
    });
    console.log('');
    printResult(result);
    console.log(`time: ${Object.entries(result.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}`);
    console.log(`wrote ${shown(result.out)}: the augmented dataset (${dataset.format}, ${method}), manifest.json, stats.json${opts.preview !== false && result.stats.imagesEdited > 0 ? ', preview/' : ''}${opts.report !== false ? ', report/index.html' : ''}`);
  });
}
