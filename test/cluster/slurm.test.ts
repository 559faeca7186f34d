/**
 * The cluster render on a real Slurm (test/cluster/slurm.sh): a one-node cluster started on
 * this machine, `nucleimix emit slurm`'s job file submitted (3 render shards, then the merge
 * after them), the merged output compared byte for byte with a single-process render. Needs
 * root (CI runs as root; the script installs Debian's Slurm and munge when missing); skipped,
 * saying why, elsewhere.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const SCRIPT = fileURLToPath(new URL('./slurm.sh', import.meta.url));
const why =
  process.platform !== 'linux' ? 'needs Linux' :
  process.getuid?.() !== 0 ? 'needs root (run test/cluster/slurm.sh as root, or in CI)' :
  process.env.NUCLEIMIX_SLURM_TEST === '0' ? 'NUCLEIMIX_SLURM_TEST=0' :
  undefined;

// Installing Slurm takes about half a minute; the jobs on generated data about as long.
test('a Slurm job array of 3 render shards and a dependent merge = one render, byte for byte', { skip: why, timeout: 600_000 }, (t) => {
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 590_000, env: { ...process.env, NUCLEIMIX_SLURM_TIMEOUT: '300' } });
  if (r.status === 77) {
    t.skip(r.stderr.trim());
    return;
  }
  assert.equal(r.status, 0, `slurm.sh failed (status ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /the merged output equals the single-process output, byte for byte/);
  assert.match(r.stdout, /shard 1\/3 is complete already/);
});
