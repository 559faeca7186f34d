#!/usr/bin/env bash
# A cluster render on a real Slurm: a one-node cluster on this machine (slurm-cluster.sh), the
# job file that `nucleimix emit slurm` prints (an array of 3 render shards and a merge that
# depends on them, --dependency=afterok), and the merged output compared with a single-process
# render of the same manifest, byte for byte. Run by test/cluster/slurm.test.ts (so by
# `npm test` and CI).
#
# Needs root. Installs Debian's slurmctld, slurmd, slurm-client and munge when they are
# missing. Everything it starts (munged, slurmctld, slurmd) keeps its files, sockets and state
# in one temporary folder, listens on free ports, and is stopped by its pid file on exit.
#
# Exit status: 0 passed, 77 skipped (the reason on stderr), anything else failed.
# NUCLEIMIX_SLURM_TIMEOUT: seconds to wait for the jobs (default 300).
# NUCLEIMIX_SLURM_KEEP=1: keep the temporary folder (its path is printed).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=slurm-cluster.sh
. "$HERE/slurm-cluster.sh"
NX="node $ROOT/bin/nucleimix.js"
TIMEOUT=${NUCLEIMIX_SLURM_TIMEOUT:-300}
T0=$SECONDS
say() { printf '[slurm test %3ds] %s\n' "$((SECONDS - T0))" "$*"; }
command -v node >/dev/null || { echo "skipped: no node" >&2; exit 77; }

WORK=$(mktemp -d /tmp/nucleimix-slurm.XXXXXX)
export NUCLEIMIX_CACHE=$WORK/cache
finish() {
  local status=$?
  set +e
  slurm_cluster_stop
  if [ "$status" != 0 ] && [ "$status" != 77 ]; then
    for log in "$WORK"/slurm/*.log "$WORK"/run/logs/*.out; do [ -f "$log" ] && { echo "--- $log"; tail -n 30 "$log"; }; done
  fi
  if [ "${NUCLEIMIX_SLURM_KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

status=0
slurm_cluster_start "$WORK" || status=$?
[ "$status" = 0 ] || { [ "$status" = 77 ] && echo "skipped" >&2; exit "$status"; }
say "one-node cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %T')"

# Small generated data, one plan, and the single-process render to compare with.
cd "$WORK"
$NX synth --out sample --images 4 --seed 3 --size 192x192 >/dev/null
$NX plan sample --rare 1 --k 16 --manifest plan.json --quiet
$NX render sample --manifest plan.json --out single --quiet >/dev/null
say "planned and rendered in one process"

$NX emit slurm --manifest plan.json --shards 3 --work run --out merged --nucleimix "$NX" > submit.sh
submitted=$(bash submit.sh)
echo "$submitted"
render=$(echo "$submitted" | sed -n 's/^render array: job \([0-9]*\).*merge: job \([0-9]*\).*/\1/p')
merge=$(echo "$submitted" | sed -n 's/^render array: job \([0-9]*\).*merge: job \([0-9]*\).*/\2/p')
[ -n "$render" ] && [ -n "$merge" ] || { echo "could not read the job ids from: $submitted" >&2; exit 1; }

slurm_wait_job "$merge" "$TIMEOUT"
[ "$(slurm_job_state "$render")" = COMPLETED ] || { echo "render array $render: $(slurm_job_state "$render")" >&2; exit 1; }
for i in 0 1 2; do grep -q "^shard $i/3 (from slurm): rendered" "run/logs/render-$i.out" || { cat "run/logs/render-$i.out"; exit 1; }; done
grep -q '^ok: ' run/logs/merge.out || { cat run/logs/merge.out; exit 1; }
say "array $render (3 shards) and merge $merge completed; verify passed"

# The report (report/) holds timings; everything else must be the same bytes.
diff -r -x report single merged
say "the merged output equals the single-process output, byte for byte"

# A finished shard resubmitted does nothing.
again=$(sbatch --parsable --output=run/logs/again.out --wrap "$NX render sample --manifest plan.json --shard 1/3 --out run/shard-1 --quiet")
slurm_wait_job "${again%%;*}" "$TIMEOUT"
grep -q 'is complete already' run/logs/again.out || { cat run/logs/again.out; exit 1; }
say "a finished shard resubmitted: $(cat run/logs/again.out)"
say "passed"
