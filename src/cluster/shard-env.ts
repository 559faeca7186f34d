/**
 * Which shard this process is: from `--shard i/N`, or (`--shard auto`) from the index the
 * job array's scheduler hands each task in its environment.
 *
 * - Slurm job arrays set `SLURM_ARRAY_TASK_ID` and, for the whole array, `SLURM_ARRAY_TASK_MIN`,
 *   `SLURM_ARRAY_TASK_MAX`, `SLURM_ARRAY_TASK_STEP` and `SLURM_ARRAY_TASK_COUNT` (sbatch(1),
 *   "OUTPUT ENVIRONMENT VARIABLES"). With `--shards N` the task id is the shard (`--array=0-(N−1)`,
 *   and a failed shard resubmitted alone as `--array=i` is still shard i); without it, the
 *   shard is the task's position in the array and N the array's size.
 * - Kubernetes Indexed Jobs set `JOB_COMPLETION_INDEX` (0 … completions−1) but not the number
 *   of completions, so `--shards N` must say it.
 * - AWS Batch array jobs set `AWS_BATCH_JOB_ARRAY_INDEX` (0 … size−1); the array's size is not
 *   in the environment, so the job definition sets `AWS_BATCH_JOB_ARRAY_SIZE` itself (the one
 *   `nucleimix emit aws-batch` prints does), or `--shards N` says it.
 *
 * Shards are numbered from 0, as every one of these schedulers numbers its tasks.
 */
import { NucleiMixError } from '../core/errors.ts';

/** One shard of a cluster render: `index` of `count` (0 ≤ index < count). */
export interface ShardId {
  index: number;
  count: number;
}

/** Where a {@link ShardId} came from (for messages). */
export interface ShardFromEnv extends ShardId {
  source: 'slurm' | 'kubernetes' | 'aws-batch';
}

/** `i/N` as a ShardId, e.g. `0/3` (the first of three). */
export function parseShardSpec(spec: string): ShardId {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (m === null) throw new NucleiMixError(`--shard: expected i/N (e.g. 0/3, shards counted from 0) or auto, got '${spec}'`);
  return checkedShard(Number(m[1]), Number(m[2]), '--shard');
}

/** Checks 0 ≤ index < count, both integers; `what` names where they came from. */
export function checkedShard(index: number, count: number, what: string): ShardId {
  if (!Number.isSafeInteger(count) || count < 1) throw new NucleiMixError(`${what}: the number of shards must be a positive integer, got ${count}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new NucleiMixError(`${what}: shard index ${index} is outside 0..${count - 1} (shards are counted from 0)`);
  return { index, count };
}

/** The variables `--shard auto` reads, for messages. */
export const SHARD_ENV_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/**
 * This task's shard from the scheduler's environment (Slurm first, then Kubernetes, then AWS
 * Batch). `shards` is `--shards N` when given: required for Kubernetes, and checked against the
 * array's size where the environment gives one.
 *
 * @throws NucleiMixError when no scheduler's index is set, a variable is not an integer, the
 *   array has gaps or steps that do not map onto 0..N−1, or `shards` disagrees with the array.
 */
export function shardFromEnv(env: Readonly<Record<string, string | undefined>>, shards?: number): ShardFromEnv {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v.trim() === '') return undefined;
    if (!/^\s*\d+\s*$/.test(v)) throw new NucleiMixError(`--shard auto: ${name}=${v} is not a non-negative integer`);
    return Number(v);
  };
  const agree = (count: number, what: string): number => {
    if (shards !== undefined && shards !== count) throw new NucleiMixError(`--shard auto: --shards ${shards} disagrees with the job array's ${count} tasks (${what})`);
    return count;
  };
  const id = int('SLURM_ARRAY_TASK_ID');
  if (id !== undefined) {
    const min = int('SLURM_ARRAY_TASK_MIN');
    const max = int('SLURM_ARRAY_TASK_MAX');
    const step = int('SLURM_ARRAY_TASK_STEP') ?? 1;
    const total = int('SLURM_ARRAY_TASK_COUNT');
    if (step < 1) throw new NucleiMixError(`--shard auto: SLURM_ARRAY_TASK_STEP=${step} must be at least 1`);
    if (shards !== undefined) {
      // Task ids are shard numbers: a resubmitted part of the array (--array=2) keeps its shards.
      if (total !== undefined && total > shards) throw new NucleiMixError(`--shard auto: the Slurm array has ${total} tasks but --shards is ${shards}; submit --array=0-${shards - 1}`);
      return { ...checkedShard(id, shards, '--shard auto (Slurm task id, with --shards)'), source: 'slurm' };
    }
    let index: number;
    let count: number;
    if (min !== undefined && max !== undefined) {
      if ((id - min) % step !== 0 || (max - min) % step !== 0) throw new NucleiMixError(`--shard auto: Slurm array task ${id} is not on the array's range ${min}-${max}:${step}`);
      index = (id - min) / step;
      count = (max - min) / step + 1;
      // --array=0,4,9 gives MIN 0, MAX 9 but COUNT 3: its tasks are not one shard each.
      if (total !== undefined && total !== count) {
        throw new NucleiMixError(`--shard auto: the Slurm array ${min}-${max}:${step} has gaps (${total} tasks); submit one task per shard, --array=0-${total - 1}`);
      }
    } else if (total !== undefined) {
      index = id - (min ?? 0);
      count = total;
    } else {
      throw new NucleiMixError('--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN/MAX is; pass --shards N');
    }
    return { ...checkedShard(index, count, '--shard auto (Slurm)'), source: 'slurm' };
  }
  const k8s = int('JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    if (shards === undefined) throw new NucleiMixError('--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the number of shards is not in the environment; pass --shards N (the Job\'s completions)');
    return { ...checkedShard(k8s, shards, '--shard auto (Kubernetes)'), source: 'kubernetes' };
  }
  const aws = int('AWS_BATCH_JOB_ARRAY_INDEX');
  if (aws !== undefined) {
    const size = int('AWS_BATCH_JOB_ARRAY_SIZE');
    const count = size !== undefined ? agree(size, 'AWS_BATCH_JOB_ARRAY_SIZE') : shards;
    if (count === undefined) throw new NucleiMixError('--shard auto: AWS_BATCH_JOB_ARRAY_INDEX is set but AWS Batch does not give the array size; set AWS_BATCH_JOB_ARRAY_SIZE in the job definition or pass --shards N');
    return { ...checkedShard(aws, count, '--shard auto (AWS Batch)'), source: 'aws-batch' };
  }
  throw new NucleiMixError(`--shard auto: no job-array index in the environment (looked for ${SHARD_ENV_VARIABLES.join(', ')}); run inside a job array or pass --shard i/N`);
}

/**
 * The shard `--shard` names: `i/N`, or `auto` (from the environment, {@link shardFromEnv});
 * `shards` is `--shards N`, which must agree with an explicit `i/N`.
 */
export function resolveShard(spec: string, shards: number | undefined, env: Readonly<Record<string, string | undefined>>): ShardId & { source?: ShardFromEnv['source'] } {
  if (shards !== undefined && (!Number.isSafeInteger(shards) || shards < 1)) throw new NucleiMixError(`--shards: expected a positive integer, got ${shards}`);
  if (spec.trim() === 'auto') return shardFromEnv(env, shards);
  const s = parseShardSpec(spec);
  if (shards !== undefined && shards !== s.count) throw new NucleiMixError(`--shard ${spec} disagrees with --shards ${shards}`);
  return s;
}
