import type { Command } from 'commander';
import { formatByName } from '../io/formats.ts';
import { openDataset } from '../io/open.ts';
import { countRows, summarise } from '../io/summary.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { progress, quietOption } from './progress.ts';
import { formatTable } from './table.ts';

export function infoCommand(program: Command): void {
  withDatasetOptions(
    program
      .command('info')
      .description('describe a dataset: format, images, sizes and nuclei per type')
      .argument('<dataset>', 'dataset folder')
      .option('--per-image', 'also print one row per image')
      .option('--json', 'print the summary as JSON instead of tables')
      .addOption(quietOption()),
  ).action(async (path: string, opts: { perImage?: boolean; json?: boolean; quiet?: boolean; format?: string; classes?: string; merge?: string }) => {
    const dataset = await openDataset(path, openOptions(opts));
    const bar = progress('reading', dataset.names.length, { quiet: opts.quiet });
    const summary = await summarise(dataset, (name) => bar.tick(name));
    bar.stop();
    if (opts.json) {
      console.log(JSON.stringify({ root: dataset.root, format: dataset.format, classes: dataset.classes, ...summary }, null, 2));
      return;
    }
    const sizes = new Map<string, number>();
    for (const im of summary.images) sizes.set(`${im.width}×${im.height}`, (sizes.get(`${im.width}×${im.height}`) ?? 0) + 1);
    console.log(`dataset  ${dataset.root}`);
    console.log(`format   ${dataset.format} — ${formatByName(dataset.format)!.description}`);
    console.log(`images   ${summary.images.length} (${[...sizes].map(([s, n]) => `${n} × ${s}`).join(', ')})`);
    console.log(`nuclei   ${summary.total.toLocaleString('en-US')}`);
    console.log('');
    console.log(formatTable(['type', 'name', 'nuclei', 'share'], countRows(dataset.classes, summary.counts)));
    if (opts.perImage) {
      console.log('');
      const ids = dataset.classes.map((c) => c.id);
      const rows = summary.images.map((im) => [im.name, `${im.width}×${im.height}`, im.nuclei, ...ids.map((t) => im.counts[t] ?? 0)]);
      console.log(formatTable(['image', 'size', 'nuclei', ...ids.map((t) => `type ${t}`)], rows));
    }
  });
}
