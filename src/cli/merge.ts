/** `nucleimix merge`: the complete dataset from a cluster render's shard folders (flags and printing only). */
import type { Command } from 'commander';
import { readManifest } from '../augment/manifest-file.ts';
import { mergeShards } from '../cluster/merge.ts';
import { openDataset } from '../io/open.ts';
import { printResult, shown } from './augment.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { outputSettings } from './output-options.ts';
import { quietOption } from './progress.ts';

export function mergeCommand(program: Command): void {
  const cmd = program
    .command('merge')
    .description('assemble the augmented dataset from the shard folders of `render --shard` (the bytes a single render writes)')
    .argument('<manifest>', 'the manifest the shards rendered')
    .argument('<shards...>', 'every shard folder, once each')
    .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
    .option('--dataset <path>', "the input dataset (default: the manifest's dataset.root)")
    .option('--overwrite', 'replace the output folder if it exists')
    .option('--no-preview', 'do not write the preview pictures')
    .option('--no-report', 'do not write the HTML report (report/index.html; its times are the merge\'s, the only bytes that differ from a single render)')
    .addOption(quietOption());
  withDatasetOptions(cmd);
  cmd.action(async (manifestPath: string, shards: string[], opts: Record<string, unknown>) => {
    const manifest = await readManifest(manifestPath);
    const open = openOptions(opts);
    const dataset = await openDataset((opts.dataset as string | undefined) ?? manifest.dataset.root, {
      ...open,
      merge: open.merge ?? (manifest.options.merge as string | undefined),
      classes: open.classes ?? (manifest.options.classes as string | undefined),
    });
    const result = await mergeShards(dataset, manifest, shards, opts.out as string, outputSettings(opts));
    printResult(result);
    console.log(`merged ${shards.length} shards in ${result.timings.merge.toFixed(1)} s; wrote ${shown(result.out)}`);
  });
}
