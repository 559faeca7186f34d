/** `nucleimix verify`: check a finished output against its manifest (flags and printing only). */
import type { Command } from 'commander';
import { readManifest } from '../augment/manifest-file.ts';
import { NucleiMixError } from '../core/errors.ts';
import { verifyOutput } from '../cluster/verify.ts';
import { openDataset } from '../io/open.ts';
import { pathExists } from '../io/path-exists.ts';
import { join } from 'node:path';
import { shown } from './augment.ts';

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check an augmented output against its manifest.json: every insertion present, consistent labels, counts, and (with the input) unedited images unchanged')
    .argument('<dir>', 'the output folder (of merge, render or augment)')
    .option('--input <dataset>', "the input dataset (default: the manifest's dataset.root, when it exists)")
    .option('--no-input', 'skip the checks against the input dataset')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const manifest = await readManifest(join(dir, 'manifest.json'));
      let inputPath: string | undefined;
      if (opts.input !== false) {
        inputPath = typeof opts.input === 'string' ? opts.input : manifest.dataset.root;
        if (typeof opts.input !== 'string' && !(await pathExists(inputPath))) inputPath = undefined;
      }
      const input = inputPath === undefined ? undefined : await openDataset(inputPath, { merge: manifest.options.merge as string | undefined, classes: manifest.options.classes as string | undefined });
      const report = await verifyOutput(dir, { input });
      if (opts.json === true) {
        console.log(JSON.stringify({ dir: report.dir, images: report.images, insertions: report.insertions, input: input?.root ?? null, checked: report.checked, problems: report.problems }, null, 2));
      } else {
        for (const line of report.checked) console.log(`checked: ${line}`);
        if (input === undefined) console.log('not checked against the input (not found, or --no-input)');
        for (const p of report.problems) console.log(`problem: ${p}`);
      }
      if (report.problems.length > 0) throw new NucleiMixError(`${report.problems.length} problem${report.problems.length > 1 ? 's' : ''} found`, dir);
      if (opts.json !== true) console.log(`ok: ${shown(dir)} (${report.images} images, ${report.insertions} insertions)`);
    });
}
