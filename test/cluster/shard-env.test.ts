import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NucleiMixError } from '../../src/core/errors.ts';
import { parseShardSpec, resolveShard, shardFromEnv } from '../../src/cluster/shard-env.ts';

const throwsNx = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(fn, (err: unknown) => err instanceof NucleiMixError && pattern.test(err.message));
};

test('--shard i/N: counted from 0; bad specs are clear errors', () => {
  assert.deepEqual(parseShardSpec('0/3'), { index: 0, count: 3 });
  assert.deepEqual(parseShardSpec(' 2 / 3 '), { index: 2, count: 3 });
  throwsNx(() => parseShardSpec('3/3'), /shard index 3 is outside 0\.\.2/);
  throwsNx(() => parseShardSpec('0/0'), /positive integer, got 0/);
  throwsNx(() => parseShardSpec('first'), /expected i\/N .* or auto, got 'first'/);
  throwsNx(() => resolveShard('1/3', 4, {}), /--shard 1\/3 disagrees with --shards 4/);
});

test('Slurm: the task\'s place in the array, from ID with MIN/MAX/STEP or COUNT', () => {
  const slurm = (v: Record<string, string>) => shardFromEnv(v);
  assert.deepEqual(slurm({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_STEP: '1' }), { index: 2, count: 3, source: 'slurm' });
  // --array=1-3: task ids from 1.
  assert.deepEqual(slurm({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' }), { index: 0, count: 3, source: 'slurm' });
  // --array=0-8:4 → tasks 0, 4, 8.
  assert.deepEqual(slurm({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '8', SLURM_ARRAY_TASK_STEP: '4', SLURM_ARRAY_TASK_COUNT: '3' }), { index: 1, count: 3, source: 'slurm' });
  assert.deepEqual(slurm({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 1, count: 4, source: 'slurm' });
  // --array=0,4,9: not one task per shard.
  throwsNx(() => slurm({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '9', SLURM_ARRAY_TASK_COUNT: '3' }), /has gaps|not on the array's range/);
  throwsNx(() => slurm({ SLURM_ARRAY_TASK_ID: 'x' }), /SLURM_ARRAY_TASK_ID=x is not a non-negative integer/);
  throwsNx(() => slurm({ SLURM_ARRAY_TASK_ID: '1' }), /neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN\/MAX/);
  // With --shards N, task ids are shard numbers: shard 2 of 3 resubmitted alone (--array=2) is still shard 2.
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' }, 2), { index: 1, count: 2, source: 'slurm' });
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '1' }, 3), { index: 2, count: 3, source: 'slurm' });
  throwsNx(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4' }, 3), /the Slurm array has 4 tasks but --shards is 3; submit --array=0-2/);
  throwsNx(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' }, 3), /shard index 3 is outside 0\.\.2/);
});

test('Kubernetes: JOB_COMPLETION_INDEX with --shards N', () => {
  assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '4' }, 7), { index: 4, count: 7, source: 'kubernetes' });
  throwsNx(() => shardFromEnv({ JOB_COMPLETION_INDEX: '4' }), /JOB_COMPLETION_INDEX is set .* pass --shards N/);
  throwsNx(() => shardFromEnv({ JOB_COMPLETION_INDEX: '7' }, 7), /shard index 7 is outside 0\.\.6/);
});

test('AWS Batch: AWS_BATCH_JOB_ARRAY_INDEX with AWS_BATCH_JOB_ARRAY_SIZE (or --shards)', () => {
  assert.deepEqual(shardFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: '0', AWS_BATCH_JOB_ARRAY_SIZE: '5' }), { index: 0, count: 5, source: 'aws-batch' });
  assert.deepEqual(shardFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: '3' }, 5), { index: 3, count: 5, source: 'aws-batch' });
  throwsNx(() => shardFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: '3' }), /AWS_BATCH_JOB_ARRAY_SIZE .* or pass --shards N/);
  throwsNx(() => shardFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: '3', AWS_BATCH_JOB_ARRAY_SIZE: '5' }, 4), /disagrees/);
});

test('auto with no scheduler index is a clear error; Slurm wins when several are set', () => {
  throwsNx(() => resolveShard('auto', undefined, { HOME: '/root' }), /no job-array index in the environment \(looked for SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX\)/);
  assert.equal(resolveShard('auto', 3, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3', JOB_COMPLETION_INDEX: '2' }).source, 'slurm');
  assert.deepEqual(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '', AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ARRAY_SIZE: '2' }), { index: 1, count: 2, source: 'aws-batch' });
});
