/**
 * The cluster commands as a user runs them: `render --shard` (explicit and from a scheduler's
 * environment, and interrupted), `merge`, `verify` and `emit` for each scheduler.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { folderHashes } from '../augment/method-fixtures.ts';
import { tempFolders } from '../helpers/temp.ts';

const BIN = fileURLToPath(new URL('../../bin/nucleimix.js', import.meta.url));
const { fresh } = tempFolders('nucleimix-cluster-cli-');

function run(cwd: string, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLURM_|JOB_COMPLETION_INDEX|AWS_BATCH_)/.test(k)));
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, env: { ...clean, NUCLEIMIX_CACHE: join(cwd, 'cache'), ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('render --shard, merge, verify from the command line', { timeout: 300_000 }, async () => {
  const dir = await fresh();
  const ok = (args: string[], env?: Record<string, string>) => {
    const r = run(dir, args, env);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  ok(['synth', '--out', 'sample', '--images', '3', '--size', '192', '--seed', '2']);
  ok(['plan', 'sample', '--rare', '1', '--k', '5', '--method', 'copypaste', '--margin', '20', '--manifest', 'plan.json']);
  ok(['render', 'sample', '--manifest', 'plan.json', '--out', 'single', '--quiet']);
  // Shard 0 by hand, shards 1 and 2 as Slurm array tasks would see them.
  assert.match(ok(['render', 'sample', '--manifest', 'plan.json', '--shard', '0/3', '--out', 'w/s0', '--quiet']), /^shard 0\/3: rendered \d+ of its \d+ images?, \d+ edits?; wrote w\/s0$/m);
  for (const i of ['1', '2']) {
    const out = ok(['render', 'sample', '--manifest', 'plan.json', '--shard', 'auto', '--out', `w/s${i}`, '--quiet'], { SLURM_ARRAY_TASK_ID: i, SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '3' });
    assert.match(out, new RegExp(`^shard ${i}/3 \\(from slurm\\): rendered`, 'm'));
  }
  assert.match(ok(['render', 'sample', '--manifest', 'plan.json', '--shard', '2/3', '--out', 'w/s2']), /^shard 2\/3 is complete already: .*; nothing to do$/m);
  const none = run(dir, ['render', 'sample', '--manifest', 'plan.json', '--shard', 'auto', '--out', 'w/s9']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^nucleimix: --shard auto: no job-array index in the environment .*; run inside a job array or pass --shard i\/N$/m);
  const missing = run(dir, ['merge', 'plan.json', 'w/s0', 'w/s2', '--out', 'merged']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^nucleimix: shard 1\/3 is missing/m);
  assert.match(ok(['merge', 'plan.json', 'w/s0', 'w/s1', 'w/s2', '--out', 'merged', '--quiet']), /merged 3 shards in [\d.]+ s; wrote merged/);
  const single = await folderHashes(join(dir, 'single'));
  const merged = await folderHashes(join(dir, 'merged'));
  for (const key of [...single.keys()].filter((k) => !k.startsWith('report/'))) assert.equal(merged.get(key), single.get(key), key);
  assert.match(ok(['verify', 'merged']), /^ok: merged \(3 images, \d+ insertions\)$/m);
  const report = JSON.parse(ok(['verify', 'merged', '--json']));
  assert.deepEqual(report.problems, []);
  assert.ok(report.input.endsWith('sample'));
});

test('emit prints a job file for each scheduler', { timeout: 120_000 }, async () => {
  const dir = await fresh();
  assert.equal(run(dir, ['synth', '--out', 'sample', '--images', '2', '--size', '128']).status, 0);
  assert.equal(run(dir, ['plan', 'sample', '--rare', '1', '--k', '2', '--method', 'copypaste', '--manifest', 'plan.json']).status, 0);
  const emit = (scheduler: string, ...more: string[]) => {
    const r = run(dir, ['emit', scheduler, '--manifest', 'plan.json', '--shards', '4', '--work', 'wk', '--out', 'done', ...more]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const slurm = emit('slurm', '--cpus', '2', '--memory', '8G', '--time', '2:00:00');
  assert.match(slurm, /sbatch --parsable --job-name=nucleimix-render --array="\$array" --cpus-per-task=2 --mem=8192M --time=2:00:00 /);
  assert.match(slurm, /--dependency=afterok:\$render --kill-on-invalid-dep=yes/);
  assert.match(slurm, /nucleimix render \/\S+\/sample --manifest \/\S+\/plan.json --shard auto --shards 4 --out \/\S+\/wk\/shard-"\$SLURM_ARRAY_TASK_ID"/);
  assert.equal(spawnSync('bash', ['-n'], { input: slurm }).status, 0, 'the Slurm script is valid bash');
  const k8s = emit('k8s', '--image', 'registry/nucleimix:1');
  assert.match(k8s, /completionMode: Indexed\n  completions: 4\n  parallelism: 4/);
  assert.match(k8s, /--shard auto --shards 4 --out \/\S+\/wk\/shard-"\$JOB_COMPLETION_INDEX"/);
  assert.match(k8s, /image: "registry\/nucleimix:1"/);
  assert.match(k8s, /until \[ -f \/\S+\/wk\/shard-\$i\/complete.json \]/);
  const aws = emit('aws-batch', '--queue', 'gpu-q');
  assert.match(aws, /--array-properties size=4/);
  assert.match(aws, /--depends-on jobId=\$render/);
  assert.equal(spawnSync('bash', ['-n'], { input: aws }).status, 0, 'the AWS Batch script is valid bash');
  const definitions = [...aws.matchAll(/<<'DEFINITION'\n([\s\S]*?)\nDEFINITION/g)].map((m) => JSON.parse(m[1]));
  assert.equal(definitions.length, 2);
  assert.deepEqual(definitions[0].containerProperties.environment, [{ name: 'AWS_BATCH_JOB_ARRAY_SIZE', value: '4' }]);
  assert.match(definitions[0].containerProperties.command[2], /--shard auto --out \/\S+\/wk\/shard-"\$AWS_BATCH_JOB_ARRAY_INDEX"/);
  const bad = run(dir, ['emit', 'pbs', '--manifest', 'plan.json', '--shards', '2']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /value 'pbs' is invalid for argument 'scheduler'/);
});

test('an interrupted render --shard says that its shard folder keeps the finished images, and the same command resumes it', { timeout: 300_000 }, async () => {
  const dir = await fresh();
  assert.equal(run(dir, ['synth', '--out', 'sample', '--images', '12', '--size', '384', '--seed', '3']).status, 0);
  assert.equal(run(dir, ['plan', 'sample', '--rare', '1', '--k', '36', '--method', 'copypaste', '--margin', '20', '--manifest', 'plan.json']).status, 0);
  const args = ['render', 'sample', '--manifest', 'plan.json', '--shard', '0/1', '--out', 's0'];
  // Terminated as soon as its rendering phase starts (the progress line on stderr): the 12 images take about a second more.
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NUCLEIMIX_CACHE: join(dir, 'cache') } });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
    if (/rendering shard 0\/1 0\/12 started/.test(stderr)) child.kill('SIGTERM');
  });
  const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  assert.equal(status, 130, `not interrupted (it finished first?):\n${stderr}`);
  assert.match(stderr, /^nucleimix: interrupted; shard 0\/1 keeps the images it finished in s0; the same command again resumes it$/m);
  assert.doesNotMatch(stderr, /no output was written/);
  const again = run(dir, args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^shard 0\/1: rendered \d+ of its 12 images/m);
});
