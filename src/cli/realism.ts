import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { NucleiMixError } from '../core/errors.ts';
import { parseTypeTokens, resolveTypeNames, type TypeToken } from '../core/options.ts';
import { openDataset } from '../io/open.ts';
import type { AucEstimate } from '../realism/classifier-test.ts';
import { readInsertionPoints } from '../realism/inserted.ts';
import { measureRealism, realismJson, type Realism } from '../realism/measure.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { progress, quietOption } from './progress.ts';
import { nonNegativeInt } from './synth.ts';
import { formatTable } from './table.ts';

interface RealismCliOptions {
  type?: TypeToken[];
  seed: number;
  json?: string;
  format?: string;
  classes?: string;
  merge?: string;
  quiet?: boolean;
}

/** `--type 1,2 --type inflammatory`: the union, in the order given (class names looked up once the dataset is open). */
function typeList(value: string, previous: TypeToken[] = []): TypeToken[] {
  try {
    return parseTypeTokens('--type', value, previous);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^[^:]*: /, ''));
  }
}

function estimate(e: AucEstimate): string {
  return `${e.auc.toFixed(3)} [${e.ci[0].toFixed(3)}, ${e.ci[1].toFixed(3)}]`;
}

/** The table `nucleimix realism` prints: one row per type. */
export function formatRealism(r: Realism): string {
  const rows = r.types.map((t) => [
    String(t.type),
    t.name,
    estimate(t.overall),
    estimate(t.seam),
    estimate(t.context),
    estimate(t.null),
    t.nInsertedUsed === t.nInserted ? t.nInserted : `${t.nInsertedUsed} of ${t.nInserted}`,
    t.nRealUsed === t.nReal ? t.nReal : `${t.nRealUsed} of ${t.nReal}`,
  ]);
  const lines = [formatTable(['type', 'name', 'AUC [95 % CI]', 'seam (+1..+3 px)', 'context (+4..+8 px)', 'null (real vs real)', 'inserted', 'real'], rows), ''];
  const missed = r.types.filter((t) => t.nMissed > 0).map((t) => `type ${t.type}: ${t.nMissed}`);
  if (r.skipped.length > 0) lines.push(`too few inserted nuclei to test: ${r.skipped.map((k) => `type ${k.type} (${k.name}): ${k.nInserted}`).join(', ')}`);
  if (missed.length > 0) lines.push(`manifest insertions whose nucleus is gone from the augmented labels (covered later): ${missed.join(', ')}`);
  lines.push(`inserted nuclei found ${r.source === 'manifest' ? "at the manifest's insertion points" : 'by comparing labels with the original'}; seed ${r.seed}`);
  lines.push('AUC of a random forest telling inserted from real nuclei by the rings around their boundary (5-fold CV, bootstrap 95 % CI): 0.5 indistinguishable, 1 every insertion detectable');
  return lines.join('\n');
}

export function realismCommand(program: Command): void {
  withDatasetOptions(
    program
      .command('realism')
      .description('measure how detectable inserted nuclei are: a classifier two-sample test of inserted against real nuclei, by the rings around their boundary')
      .argument('<original>', 'the dataset that was augmented')
      .argument('<augmented>', 'the augmented dataset (its manifest.json, when present, says where the insertions are)')
      .option('--type <types>', "type id(s) or class name(s) to test, comma-separated or repeated (default: the manifest's rare types, else every type with inserted nuclei)", typeList)
      .option('--seed <s>', 'random seed of the folds, forests and bootstrap', nonNegativeInt, 0)
      .option('--json <file>', 'also write the result as JSON')
      .addOption(quietOption()),
  ).action(async (originalPath: string, augmentedPath: string, opts: RealismCliOptions) => {
    const original = await openDataset(originalPath, openOptions(opts));
    const augmented = await openDataset(augmentedPath, { format: opts.format });
    const points = await readInsertionPoints(augmentedPath);
    const types = opts.type === undefined ? undefined : resolveTypeNames('--type', opts.type, original.classes);
    const bar = progress('describing nuclei', original.names.length, { quiet: opts.quiet });
    const result = await measureRealism(original, augmented, { types, points, seed: opts.seed, onImage: (name) => bar.tick(name) });
    bar.stop();
    console.log(formatRealism(result));
    if (opts.json !== undefined) {
      try {
        await writeFile(opts.json, JSON.stringify(realismJson(result), null, 2) + '\n');
      } catch (err) {
        throw new NucleiMixError(`cannot write (${(err as Error).message})`, opts.json);
      }
    }
  });
}
