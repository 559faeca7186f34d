/** Progress of real commands when stderr is a pipe (as under `> log 2>&1`), and `--quiet`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempFolders } from '../helpers/temp.ts';

const BIN = fileURLToPath(new URL('../../bin/nucleimix.js', import.meta.url));
const temp = tempFolders('nucleimix-progress-');

function run(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('info and convert log their phase to a piped stderr; --quiet and -q silence it and change nothing else', { timeout: 300_000 }, async () => {
  const dir = await temp.fresh();
  assert.equal(run(dir, 'synth', '--out', 'sample', '--images', '3', '--size', '128').status, 0);
  const logged = run(dir, 'info', 'sample');
  assert.equal(logged.status, 0, logged.stderr);
  assert.match(logged.stderr, /^reading 0\/3 started\nreading 3\/3 done in \d+s\n$/);
  const quiet = run(dir, 'info', 'sample', '--quiet');
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout, logged.stdout);
  const converted = run(dir, 'convert', 'sample', '--to', 'lizard', '--out', 'liz', '-q');
  assert.equal(converted.status, 0, converted.stderr);
  assert.equal(converted.stderr, '');
  const loud = run(dir, 'convert', 'sample', '--to', 'lizard', '--out', 'liz2');
  assert.match(loud.stderr, /^converting 0\/3 started\n(.*\n)*converting 3\/3 done in \d+s\n$/);
});
