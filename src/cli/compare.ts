import type { Command } from 'commander';
import { join } from 'node:path';
import { NucleiMixError } from '../core/errors.ts';
import { openDataset } from '../io/open.ts';
import type { MethodName } from '../augment/method.ts';
import { METHOD_NAMES } from '../augment/methods.ts';
import { compareMethods, type ComparedRun, type Comparison } from '../report/compare.ts';
import { shown } from './augment.ts';
import { openOptions, withDatasetOptions } from './dataset-options.ts';
import { requestOf, withRequestOptions } from './method-options.ts';
import { quietOption } from './progress.ts';
import { progressSink } from './progress-sink.ts';
import { formatTable } from './table.ts';

/** `--methods all` or a comma-separated list of method names. */
export function parseMethods(value: string): MethodName[] {
  if (value.trim() === 'all') return [...METHOD_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const bad = names.filter((n) => !(METHOD_NAMES as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) throw new NucleiMixError(`--methods: expected 'all' or names from ${METHOD_NAMES.join(', ')}, got '${value}'`);
  return [...new Set(names)] as MethodName[];
}

function estimate(e: { auc: number | null; ci: [number | null, number | null] }): string {
  const f = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));
  return `${f(e.auc)} [${f(e.ci[0])}, ${f(e.ci[1])}]`;
}

/** The tables `nucleimix compare` prints: counts per method, then realism and times per run. */
export function formatComparison(c: Comparison): string {
  const total = (r: Record<number, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const countRows = [...c.classes.map((k) => k.id), undefined].map((id) => [
    id === undefined ? 'all' : `${id} ${c.classes.find((k) => k.id === id)!.name}`,
    (id === undefined ? total(c.before) : (c.before[id] ?? 0)).toLocaleString('en-US'),
    ...c.methods.map((m) => {
      const a = id === undefined ? total(m.after) : (m.after[id] ?? 0);
      const d = a - (id === undefined ? total(c.before) : (c.before[id] ?? 0));
      return `${a.toLocaleString('en-US')} (${d > 0 ? '+' : ''}${d.toLocaleString('en-US')})`;
    }),
  ]);
  const runs: ComparedRun[] = [...c.methods, ...(c.control !== undefined ? [c.control] : [])];
  const realismRows = runs.flatMap((r) =>
    r.realism === undefined
      ? [[r.name, '', `not measured: ${r.realismError ?? ''}`, '', '', '', '', '']]
      : r.realism.types.map((t) => [r.name, `${t.type} ${t.name}`, estimate({ auc: t.auc, ci: t.ci }), estimate(t.seam), estimate(t.context), estimate(t.null), t.n_inserted_used ?? t.n_inserted, t.n_real_used ?? t.n_real]),
  );
  const timeRows = runs.map((r) => [r.name, ...['render', 'realism', 'report'].map((k) => (r.timings[k] === undefined ? '—' : r.timings[k].toFixed(1))), Object.values(r.timings).reduce((a, b) => a + b, 0).toFixed(1)]);
  return [
    formatTable(['type', 'input', ...c.methods.map((m) => m.name)], countRows),
    '',
    formatTable(['run', 'type', 'AUC [95 % CI]', 'seam (+1..+3 px)', 'context (+4..+8 px)', 'null (real vs real)', 'inserted', 'real'], realismRows),
    '',
    formatTable(['run', 'render s', 'realism s', 'report s', 'total s'], timeRows),
  ].join('\n');
}

export function compareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description('run every method on the same input and seed, measure the realism of each (with the calibration: the null and an unblended random paste), and write one report')
    .argument('<dataset>', 'input dataset folder (never modified)')
    .requiredOption('--out <dir>', 'output folder: index.html, compare.json, one subfolder per method (must not exist, unless --overwrite)')
    .option('--methods <names>', `methods to run, comma-separated, or all (${METHOD_NAMES.join(', ')})`, parseMethods, [...METHOD_NAMES])
    .option('--no-control', 'leave out the unblended random paste (the calibration of the realism test)')
    .option('--overwrite', 'replace the output folder if it exists')
    .addOption(quietOption());
  withRequestOptions(withDatasetOptions(cmd));
  cmd.action(async (path: string, opts: Record<string, unknown>) => {
    const open = openOptions(opts);
    const dataset = await openDataset(path, open);
    const quiet = opts.quiet === true;
    const t0 = performance.now();
    const result = await compareMethods(dataset, requestOf(opts, dataset.classes), opts.out as string, {
      methods: opts.methods as MethodName[],
      open,
      control: opts.control !== false,
      overwrite: opts.overwrite === true,
      progress: progressSink({ quiet }),
      onStep: (line) => {
        if (!quiet) process.stderr.write(`${line}\n`);
      },
    });
    console.log(formatComparison(result));
    console.log('');
    console.log(`time: ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
    console.log(`wrote ${shown(join(result.out, 'index.html'))} (and compare.json; each method's dataset, realism.json and report/ in ${shown(result.out)}/<method>)`);
  });
}
