import type { Command } from 'commander';
import { NucleiMixError } from '../core/errors.ts';
import { readManifest } from '../augment/manifest-file.ts';
import { openDataset } from '../io/open.ts';
import { printCounts, renderToFolder } from './augment.ts';
import { withRenderOptions, type RenderCliOptions } from './augment-options.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';

export function renderCommand(program: Command): void {
  withRenderOptions(
    withDatasetOptions(
      program
        .command('render')
        .description('apply a manifest to a dataset and write the augmented copy (all images, or some: rendering in parts)')
        .argument('<dataset>', 'the dataset the manifest was planned on (never modified)')
        .requiredOption('--manifest <file>', 'manifest written by plan or augment')
        .requiredOption('--out <dir>', 'output folder (must not exist, unless --overwrite)')
        .option('--images <names>', 'only these images (comma-separated), e.g. one part of a split job')
        .option('--overwrite', 'replace the output folder if it exists'),
    ),
  ).action(async (path: string, opts: RenderCliOptions & { manifest: string; out: string; images?: string; overwrite?: boolean; format?: string; classes?: string; merge?: string }) => {
    const manifest = await readManifest(opts.manifest);
    const dataset = await openDataset(path, { ...openOptions(opts), merge: opts.merge ?? (manifest.options.merge as string | undefined) });
    let names: string[] | undefined;
    if (opts.images !== undefined) {
      names = opts.images.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      const unknown = names.filter((n) => !dataset.names.includes(n));
      if (unknown.length > 0) throw new NucleiMixError(`--images names images the dataset does not have: ${unknown.join(', ')}`);
      const keep = new Set(names);
      manifest.insertions = manifest.insertions.filter((ins) => keep.has(ins.target.image));
    }
    const { out, stats } = await renderToFolder(dataset, manifest, { ...opts, names });
    printCounts(stats);
    console.log(`wrote ${out}`);
  });
}
