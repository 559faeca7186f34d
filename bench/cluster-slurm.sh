#!/usr/bin/env bash
# A cluster render on a one-node Slurm started on this machine (test/cluster/slurm-cluster.sh),
# timed, on any dataset:
#
#   1. plan, then augment in one process (the reference);
#   2. `nucleimix emit slurm` with SHARDS shards, submitted: the render array and the merge
#      after it; the merged output compared with augment's byte for byte (report/ aside: it
#      holds timings);
#   3. the same again, but shard 1 is cancelled (scancel) once it has finished some images, and
#      resubmitted alone with the merge (`bash submit.sh 1`): it must render only the images it
#      had not finished, and the merge must again equal augment's output.
#
# Usage (as root; installs Debian's Slurm and munge when missing):
#   bench/cluster-slurm.sh <dataset> <plan flags…>
#   bench/cluster-slurm.sh ../shared/data/consep-train --rare 1 --k 600
# Environment: SHARDS (default 3), WORK (default a new temporary folder), KEEP=1 keeps WORK,
# TIMEOUT seconds per wait (default 3600). Prints one line per step with its time.
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/test/cluster/slurm-cluster.sh"
NX="node $ROOT/bin/nucleimix.js"
DATASET=$(cd "$1" && pwd)
shift
SHARDS=${SHARDS:-3}
TIMEOUT=${TIMEOUT:-3600}
WORK=${WORK:-$(mktemp -d /tmp/nucleimix-cluster-bench.XXXXXX)}
mkdir -p "$WORK"
export NUCLEIMIX_CACHE=${NUCLEIMIX_CACHE:-$WORK/cache}

finish() {
  local status=$?
  set +e
  slurm_cluster_stop
  if [ "${KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
say() { echo "[cluster bench] $*"; }

t=$(now)
slurm_cluster_start "$WORK"
say "cluster: $(sinfo -h -o '%D node, %c CPUs, %T') in $(since "$t")"
cd "$WORK"

t=$(now)
$NX plan "$DATASET" "$@" --manifest plan.json --quiet
say "plan: $(since "$t")"
no_report=$($NX augment --help | grep -q -- '--no-report' && echo --no-report || true)
t=$(now)
$NX augment "$DATASET" "$@" --out single --quiet $no_report >/dev/null
say "augment (one process, plan + render): $(since "$t")"

# Task run times of an array job, from scontrol (no accounting database here).
runtimes() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*ArrayTaskId=\([0-9]*\).*/\1/p;s/.*RunTime=\([0-9:-]*\).*/\1/p' | paste - - | awk '{ printf "shard %s %s; ", $1, $2 }'; }
submit() { # $1 work folder, $2 out folder, $3 optional array spec; prints "render merge"
  $NX emit slurm --manifest plan.json --shards "$SHARDS" --work "$1" --out "$2" --nucleimix "$NX" > "$1.sh"
  bash "$1.sh" ${3:-} | sed -n 's/^render array: job \([0-9]*\).*merge: job \([0-9]*\).*/\1 \2/p'
}

t=$(now)
read -r render merge < <(submit run merged)
slurm_wait_job "$merge" "$TIMEOUT"
say "slurm: array of $SHARDS render shards + merge: $(since "$t") from submit to merged ($(runtimes "$render"))"
diff -r -x report single merged
say "merged == augment, byte for byte ($(find merged -type f | wc -l) files)"

# Kill shard 1 part-way, then resubmit it.
t=$(now)
read -r render merge < <(submit kill merged-kill)
while [ ! -f kill/shard-1/shard.json ]; do sleep 0.5; done
total=$(node -e "console.log(require('$WORK/kill/shard-1/shard.json').images.length)")
want=$(( total / 3 > 0 ? total / 3 : 1 ))
until [ "$(ls kill/shard-1/images/ 2>/dev/null | grep -c '\.json$')" -ge "$want" ]; do
  [ ! -f kill/shard-1/complete.json ] || { echo "shard 1 finished before it could be cancelled" >&2; exit 1; }
  sleep 0.2
done
scancel "${render}_1"
while squeue -h -j "${render}_1" 2>/dev/null | grep -q .; do sleep 0.5; done
[ ! -f kill/shard-1/complete.json ] || { echo "shard 1 finished before the cancel landed: too little work per shard to kill one part-way; use larger data" >&2; exit 1; }
done_before=$(ls kill/shard-1/images/ | grep -c '\.json$')
say "shard 1 cancelled after $(since "$t") with $done_before of its $total images done (merge job $merge: $(slurm_job_state "$merge"))"
for _ in $(seq 120); do squeue -h -j "$render" 2>/dev/null | grep -q . || break; sleep 1; done
t=$(now)
read -r render2 merge2 < <(submit kill merged-kill 1)
slurm_wait_job "$merge2" "$TIMEOUT"
say "shard 1 resubmitted: $(cat kill/logs/render-1.out) — $(since "$t") to merged"
grep -q "($done_before done before)" kill/logs/render-1.out || { echo "expected $done_before images done before" >&2; exit 1; }
diff -r -x report single merged-kill
say "merged after the kill == augment, byte for byte"
