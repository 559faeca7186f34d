import { Option, type Command } from 'commander';
import { formatByName, FORMAT_NAMES } from '../io/formats.ts';
import { openDataset } from '../io/open.ts';
import { writeDataset } from '../io/write.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { progress, quietOption } from './progress.ts';

export function convertCommand(program: Command): void {
  withDatasetOptions(
    program
      .command('convert')
      .description('write a dataset in another format (or the same one: a checked copy)')
      .argument('<dataset>', 'input dataset folder')
      .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
      .addOption(new Option('--to <format>', 'output format (default: the input\'s)').choices(FORMAT_NAMES))
      .option('--overwrite', 'replace the output folder if it exists')
      .addOption(quietOption()),
  ).action(async (path: string, opts: { out: string; to?: string; overwrite?: boolean; quiet?: boolean; format?: string; classes?: string; merge?: string }) => {
    const dataset = await openDataset(path, openOptions(opts));
    const to = opts.to ?? dataset.format;
    const bar = progress('converting', dataset.names.length, { quiet: opts.quiet });
    const source = {
      ...dataset,
      read: async (name: string) => {
        const sample = await dataset.read(name);
        bar.tick(name);
        // What one format remembers about its files means nothing to another's writer.
        return to === dataset.format ? sample : { ...sample, source: undefined, stored: undefined };
      },
    };
    const out = await writeDataset(opts.out, formatByName(to)!, source, { inputs: [dataset.root], overwrite: opts.overwrite });
    bar.stop();
    console.log(`wrote ${dataset.names.length} images in ${to} format to ${out}`);
  });
}
