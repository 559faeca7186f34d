import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { json, planAugmentation } from '../augment/driver.ts';
import { planNotes } from '../augment/request.ts';
import { openDataset } from '../io/open.ts';
import { shown } from './augment.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { engineOf, methodOf, requestOf, withEngineOptions, withMethodOptions, withRequestOptions } from './method-options.ts';
import { quietOption } from './progress.ts';
import { progressSink } from './progress-sink.ts';

export function planCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description('decide every insertion (where, which donor, how transformed) and write the manifest, without rendering')
    .argument('<dataset>', 'input dataset folder (never modified)')
    .requiredOption('--manifest <file>', 'where to write the manifest (JSON)')
    .addOption(quietOption());
  withEngineOptions(withMethodOptions(withRequestOptions(withDatasetOptions(cmd))), false);
  cmd.action(async (path: string, opts: Record<string, unknown>, self: Command) => {
    const { method, options } = methodOf(self, opts);
    const open = openOptions(opts);
    const dataset = await openDataset(path, open);
    const { manifest } = await planAugmentation(dataset, method, requestOf(opts, dataset.classes), options, { open, engine: engineOf(opts), progress: progressSink({ quiet: opts.quiet === true }) });
    const file = resolve(opts.manifest as string);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, json(manifest));
    const kinds: Record<string, number> = {};
    for (const ins of manifest.insertions) kinds[ins.target.kind] = (kinds[ins.target.kind] ?? 0) + 1;
    const images = new Set(manifest.insertions.map((i) => i.target.image)).size;
    console.log(`planned ${manifest.insertions.length} ${method} insertions (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}) into ${images} images; wrote ${shown(file)}`);
    for (const note of planNotes(manifest)) console.log(note);
  });
}
