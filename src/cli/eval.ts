import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { CLASS_LISTS, CLASS_MERGES, className, type ClassList } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';
import { FORMAT_NAMES } from '../io/formats.ts';
import { openDataset } from '../io/open.ts';
import { evaluate, evaluationCsv, evaluationJson, type Evaluation } from '../metrics/evaluate.ts';
import { INSTANCE_KEYS } from '../metrics/instance.ts';
import { progress, quietOption } from './progress.ts';
import { formatTable } from './table.ts';

interface EvalOptions {
  true: string;
  pred: string;
  types?: string;
  json?: string;
  csv?: string;
  format?: string;
  predFormat?: string;
  classes?: string;
  merge?: string;
  predMerge?: string;
  quiet?: boolean;
}

/**
 * Parses `--types 1,2,3` (or class names, `inflammatory,3`, matched case-insensitively in
 * `classes`): distinct non-negative type ids, in the order given.
 */
export function parseTypeList(text: string, classes: ClassList = []): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const types = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : classes.find((c) => c.name.toLowerCase() === s.toLowerCase())?.id ?? NaN));
  const bad = parts.filter((_, i) => !Number.isSafeInteger(types[i]));
  if (parts.length === 0 || bad.length > 0) {
    const names = classes.length > 0 ? ` or class names (${classes.map((c) => `${c.id} ${c.name}`).join(', ')})` : '';
    throw new NucleiMixError(`--types takes a comma-separated list of type ids (e.g. 1,2,3)${names}; cannot read ${bad.map((b) => `'${b}'`).join(', ') || "''"}`);
  }
  if (new Set(types).size !== types.length) throw new NucleiMixError(`--types lists a type twice: ${text}`);
  return types;
}

const HEADERS: Record<(typeof INSTANCE_KEYS)[number], string> = { dice: 'Dice', aji: 'AJI', dq: 'DQ', sq: 'SQ', pq: 'PQ', ajiPlus: 'AJI+' };

function fmt(x: number): string {
  return Number.isNaN(x) ? '-' : x.toFixed(5);
}

/**
 * The report `nucleimix eval` prints: one row per image, the instance means in the
 * reference's order (Dice, AJI, DQ, SQ, PQ, AJI+), then F_d, Acc, F_t per type, and mPQ.
 */
export function formatEvaluation(e: Evaluation, classes: ClassList): string {
  const header = ['image', ...INSTANCE_KEYS.map((k) => HEADERS[k]), 'mPQ'];
  const rows = e.images.map((im) => [im.name, ...INSTANCE_KEYS.map((k) => fmt(im.scores[k])), fmt(im.mpq)]);
  const kept = e.images.filter((im) => !im.skipped).length;
  rows.push([`mean (${kept} images)`, ...INSTANCE_KEYS.map((k) => fmt(e.mean[k])), fmt(e.mpq)]);
  const lines = [formatTable(header, rows), ''];
  lines.push(`detection and classification, pooled over ${e.images.length} images: ${e.type.tp.toLocaleString('en-US')} paired, ${e.type.fp.toLocaleString('en-US')} unpaired predictions, ${e.type.fn.toLocaleString('en-US')} unpaired truths`);
  lines.push(formatTable(['score', 'value'], [['F_d', fmt(e.type.fD)], ['Acc', fmt(e.type.acc)]]));
  lines.push('');
  const typeRows = e.type.fType.map(({ type, f }) => [String(type), type === 0 ? '(image without nuclei)' : className(classes, type), fmt(f)]);
  lines.push(formatTable(['type', 'name', 'F_t'], typeRows));
  lines.push('');
  const over = e.mpqTypes.length > 0 ? `; types ${e.mpqTypes.join(', ')}` : '';
  lines.push(`mPQ ${fmt(e.mpq)} (PanNuke's: PQ per type on type-restricted maps, averaged over the types each image's ground truth has, then over images${over})`);
  return lines.join('\n');
}

async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new NucleiMixError(`cannot write (${(err as Error).message})`, file);
  }
}

export function evalCommand(program: Command): void {
  program
    .command('eval')
    .description("score predictions against ground truth with HoVer-Net's metrics (Dice, AJI, DQ, SQ, PQ, AJI+, F_d, Acc, F_t) and PanNuke's mPQ")
    .requiredOption('--true <dataset>', 'ground-truth dataset folder')
    .requiredOption('--pred <dataset>', 'predicted dataset folder (any format nucleimix reads; images matched by name)')
    .option('--types <list>', 'comma-separated type ids or class names for F_t and mPQ (default: the types in the ground truth)')
    .option('--json <file>', 'also write the scores as JSON (full precision)')
    .option('--csv <file>', 'also write the per-image scores as CSV (full precision)')
    .addOption(new Option('--format <name>', 'format of the ground truth (and of the predictions unless --pred-format); detected when omitted').choices(FORMAT_NAMES))
    .addOption(new Option('--pred-format <name>', 'format of the predictions').choices(FORMAT_NAMES))
    .addOption(new Option('--classes <name>', "class list naming the ground truth's types").choices(Object.keys(CLASS_LISTS)))
    .addOption(new Option('--merge <preset>', 'merge the ground truth\'s raw types into coarser classes').choices(Object.keys(CLASS_MERGES)))
    .addOption(new Option('--pred-merge <preset>', "merge the predictions' raw types (when they use the raw classes too)").choices(Object.keys(CLASS_MERGES)))
    .addOption(quietOption())
    .action(async (opts: EvalOptions) => {
      const truth = await openDataset(opts.true, { format: opts.format, classes: opts.classes, merge: opts.merge });
      const types = opts.types === undefined ? undefined : parseTypeList(opts.types, truth.classes);
      const pred = await openDataset(opts.pred, { format: opts.predFormat ?? opts.format, merge: opts.predMerge, labelsOnly: true });
      const bar = progress('evaluating', truth.names.length, { quiet: opts.quiet });
      const result = await evaluate(truth, pred, { types, onImage: (name) => bar.tick(name) });
      bar.stop();
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      console.log(formatEvaluation(result, truth.classes));
      if (opts.json !== undefined) await writeOutput(opts.json, JSON.stringify(evaluationJson(result), null, 2) + '\n');
      if (opts.csv !== undefined) await writeOutput(opts.csv, evaluationCsv(result));
    });
}
