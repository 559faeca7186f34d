#!/usr/bin/env bash
# A cluster render on a real Slurm: a one-node cluster on this machine, the job file that
# `nucleimix emit slurm` prints (an array of 3 render shards and a merge that depends on them,
# --dependency=afterok), and the merged output compared with a single-process render of the
# same manifest, byte for byte. Run by test/cluster/slurm.test.ts (so by `npm test` and CI).
#
# Needs root. Installs Debian's slurmctld, slurmd, slurm-client and munge when they are
# missing. Everything it starts (munged, slurmctld, slurmd) runs with its files, sockets and
# state in one temporary folder, on free ports, and is stopped by its pid file on exit.
#
# Exit status: 0 passed, 77 skipped (the reason on stderr), anything else failed.
# NUCLEIMIX_SLURM_TIMEOUT: seconds to wait for the jobs (default 300).
# NUCLEIMIX_SLURM_KEEP=1: keep the temporary folder (its path is printed).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NX="node $ROOT/bin/nucleimix.js"
TIMEOUT=${NUCLEIMIX_SLURM_TIMEOUT:-300}
T0=$SECONDS
say() { printf '[slurm test %3ds] %s\n' "$((SECONDS - T0))" "$*"; }
skip() { echo "skipped: $*" >&2; exit 77; }

[ "$(uname -s)" = Linux ] || skip "needs Linux"
[ "$(id -u)" = 0 ] || skip "needs root (to run munged as the munge user and slurmd)"
command -v node >/dev/null || skip "no node"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "Slurm is not installed and there is no apt-get to install it"
  say "installing slurmctld slurmd slurm-client munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  pkgs="slurmctld slurmd slurm-client munge"
  if ! apt-get install -y -qq --no-install-recommends $pkgs >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || skip "apt-get update failed (no package mirror reachable?)"
    apt-get install -y -qq --no-install-recommends $pkgs >/dev/null || skip "apt-get could not install $pkgs"
  fi
fi
id munge >/dev/null 2>&1 || skip "no munge user (the munge package makes it)"

WORK=$(mktemp -d /tmp/nucleimix-slurm.XXXXXX)
# munged runs as the munge user: it must reach its folder inside this one.
chmod 755 "$WORK"
MUNGE=$WORK/munge
SLURM=$WORK/slurm
export SLURM_CONF=$SLURM/slurm.conf
export NUCLEIMIX_CACHE=$WORK/cache

stop() {
  local status=$?
  set +e
  if [ -f "$SLURM_CONF" ] && command -v scancel >/dev/null; then scancel --quiet --full --user=root 2>/dev/null; fi
  for pidfile in "$SLURM/slurmd.pid" "$SLURM/slurmctld.pid" "$MUNGE/munged.pid"; do
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  if [ "$status" != 0 ] && [ "$status" != 77 ]; then
    for log in "$SLURM"/*.log "$WORK"/run/logs/*.out; do [ -f "$log" ] && { echo "--- $log"; tail -n 30 "$log"; }; done
  fi
  if [ "${NUCLEIMIX_SLURM_KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT TERM

free_port() { node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }

# munge: a fresh key, its socket, pid, log and seed in a folder of its own (no /run/munge needed).
mkdir -p "$MUNGE"
dd if=/dev/urandom of="$MUNGE/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$MUNGE"
chmod 711 "$MUNGE"
chmod 400 "$MUNGE/munge.key"
runuser -u munge -- munged --socket="$MUNGE/munge.socket" --key-file="$MUNGE/munge.key" --pid-file="$MUNGE/munged.pid" \
  --log-file="$MUNGE/munged.log" --seed-file="$MUNGE/munged.seed"
munge -n -S "$MUNGE/munge.socket" | unmunge -S "$MUNGE/munge.socket" >/dev/null
say "munged is up"

# Slurm: one node with the machine's CPUs, no cgroups (proctrack/linuxproc, task/none), no accounting.
mkdir -p "$SLURM/state" "$SLURM/spool"
cat > "$SLURM_CONF" <<EOF
ClusterName=nucleimix-test
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE/munge.socket
CredType=cred/munge
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
StateSaveLocation=$SLURM/state
SlurmdSpoolDir=$SLURM/spool
SlurmctldPidFile=$SLURM/slurmctld.pid
SlurmdPidFile=$SLURM/slurmd.pid
SlurmctldLogFile=$SLURM/slurmctld.log
SlurmdLogFile=$SLURM/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 60); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break; sleep 0.5; done
[ "$(sinfo -h -o %T)" = idle ] || { sinfo; echo "the node did not come up idle" >&2; exit 1; }
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

state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
wait_job() {
  local deadline=$((SECONDS + TIMEOUT)) s
  while :; do
    s=$(state "$1")
    case "$s" in
      COMPLETED) return 0 ;;
      *FAILED* | *CANCELLED* | *TIMEOUT* | *NODE_FAIL* | *OUT_OF_MEMORY* | *DEADLINE* | *PREEMPTED*) echo "job $1 ended $s" >&2; return 1 ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || { echo "job $1 still '$s' after ${TIMEOUT}s" >&2; squeue >&2; return 1; }
    sleep 1
  done
}
wait_job "$merge"
[ "$(state "$render")" = COMPLETED ] || { echo "render array $render: $(state "$render")" >&2; exit 1; }
for i in 0 1 2; do grep -q "^shard $i/3 (from slurm): rendered" "run/logs/render-$i.out" || { cat "run/logs/render-$i.out"; exit 1; }; done
grep -q '^ok: ' run/logs/merge.out || { cat run/logs/merge.out; exit 1; }
say "array $render (3 shards) and merge $merge completed; verify passed"

# The report (report/) holds timings; everything else must be the same bytes.
diff -r -x report single merged
say "the merged output equals the single-process output, byte for byte"

# A finished shard resubmitted does nothing.
again=$(sbatch --parsable --output=run/logs/again.out --wrap "$NX render sample --manifest plan.json --shard 1/3 --out run/shard-1 --quiet")
wait_job "${again%%;*}"
grep -q 'is complete already' run/logs/again.out || { cat run/logs/again.out; exit 1; }
say "a finished shard resubmitted: $(cat run/logs/again.out)"
say "passed"
