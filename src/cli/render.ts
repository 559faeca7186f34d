import type { Command } from 'commander';
import { renderAugmentation } from '../augment/driver.ts';
import { readManifest } from '../augment/manifest-file.ts';
import { openDataset } from '../io/open.ts';
import { printResult, shown } from './augment.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { engineOf, withEngineOptions } from './method-options.ts';
import { outputSettings } from './output-options.ts';
import { quietOption } from './progress.ts';
import { renderShardCommand, withShardOptions } from './render-shard.ts';

export function renderCommand(program: Command): void {
  const cmd = program
    .command('render')
    .description("apply a manifest of any method to its dataset and write the augmented copy (all images, or some: rendering in parts)")
    .argument('<dataset>', 'the dataset the manifest was planned on (never modified)')
    .requiredOption('--manifest <file>', 'manifest written by plan or augment')
    .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
    .option('--images <names>', 'only these images (comma-separated), e.g. one part of a split job')
    .option('--overwrite', 'replace the output folder if it exists')
    .option('--no-report', 'do not write the HTML report (report/index.html)')
    .addOption(quietOption());
  withShardOptions(withEngineOptions(withDatasetOptions(cmd)));
  cmd.action(async (path: string, opts: Record<string, unknown>) => {
    const manifest = await readManifest(opts.manifest as string);
    const merge = (opts.merge as string | undefined) ?? (manifest.options.merge as string | undefined);
    const dataset = await openDataset(path, { ...openOptions(opts), merge });
    // A shard of a cluster render (`--shard i/N|auto`): its own folder, resumable; `nucleimix merge` assembles them.
    if (opts.shard !== undefined) return renderShardCommand(dataset, manifest, opts);
    const names = typeof opts.images === 'string' ? opts.images.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : undefined;
    const result = await renderAugmentation(dataset, manifest, opts.out as string, {
      names,
      engine: engineOf(opts),
      ...outputSettings(opts),
    });
    printResult(result);
    console.log(`wrote ${shown(result.out)}`);
  });
}
