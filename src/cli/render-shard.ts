/** `nucleimix render … --shard i/N|auto`: one shard of a cluster render (flags and printing only; the work is src/cluster's). */
import type { Command } from 'commander';
import type { AnyManifest } from '../augment/manifest.ts';
import { NucleiMixError } from '../core/errors.ts';
import type { Dataset } from '../io/dataset.ts';
import { resolveShard } from '../cluster/shard-env.ts';
import { renderShard } from '../cluster/shard-render.ts';
import { shardLabel } from '../cluster/shard-records.ts';
import { shown } from './augment.ts';
import { setInterruptNote } from './interrupt-note.ts';
import { engineOf } from './method-options.ts';
import { progressSink } from './progress-sink.ts';

/** Adds `--shard` and `--shards` to `render`. */
export function withShardOptions(cmd: Command): Command {
  return cmd
    .option('--shard <i/N|auto>', 'render only shard i of N (counted from 0) into the shard folder --out, resumable; auto: the job array\'s index (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX); then `nucleimix merge`')
    .option('--shards <n>', 'the number of shards, for --shard auto where the scheduler does not say it (Kubernetes), else a check', (v) => Number(v));
}

/** Renders the shard the flags name and prints what it did. */
export async function renderShardCommand(dataset: Dataset, manifest: AnyManifest, opts: Record<string, unknown>): Promise<void> {
  if (opts.images !== undefined) throw new NucleiMixError('--images and --shard do not go together: a shard renders the images the assignment gives it');
  if (opts.overwrite === true) throw new NucleiMixError('--overwrite and --shard do not go together: a shard folder is resumed, not replaced (delete it to start again)');
  const shard = resolveShard(String(opts.shard), opts.shards as number | undefined, process.env);
  // Each finished image is kept in the shard folder as it is done (src/cluster/shard-render.ts).
  setInterruptNote(`${shardLabel(shard)} keeps the images it finished in ${shown(String(opts.out))}; the same command again resumes it`);
  const run = await renderShard(dataset, manifest, opts.out as string, shard, {
    engine: engineOf(opts),
    previews: opts.preview !== false,
    progress: progressSink({ quiet: opts.quiet === true }),
  });
  const label = `${shardLabel(run.shard)}${shard.source !== undefined ? ` (from ${shard.source})` : ''}`;
  if (run.alreadyComplete) {
    console.log(`${label} is complete already: ${plural(run.images.length, 'image')}, ${plural(run.edits, 'edit')} in ${shown(run.dir)}; nothing to do`);
    return;
  }
  const before = run.images.length - run.rendered.length;
  console.log(`${label}: rendered ${run.rendered.length} of its ${plural(run.images.length, 'image')}${before > 0 ? ` (${before} done before)` : ''}, ${plural(run.edits, 'edit')}; wrote ${shown(run.dir)}`);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
