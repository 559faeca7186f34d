# A one-node Slurm cluster on this machine, for test/cluster/slurm.sh and bench/cluster-slurm.sh
# (source this file; needs root). `slurm_cluster_start DIR` installs Debian's slurmctld, slurmd,
# slurm-client and munge when missing, then starts munged (as the munge user), slurmctld and
# slurmd with every file, socket, log and state under DIR, on free ports, and waits until
# `sinfo` shows the node idle; it exports SLURM_CONF for the Slurm commands.
# `slurm_cluster_stop` cancels every job and stops the three daemons by their pid files.
# Both return 77 (skip) when the machine cannot run it, with the reason on stderr.

slurm_cluster_install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then return 0; fi
  command -v apt-get >/dev/null || { echo "Slurm is not installed and there is no apt-get to install it" >&2; return 77; }
  echo "installing slurmctld slurmd slurm-client munge (apt-get)"
  local pkgs="slurmctld slurmd slurm-client munge"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || { echo "apt-get update failed (no package mirror reachable?)" >&2; return 77; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null || { echo "apt-get could not install $pkgs" >&2; return 77; }
  fi
}

slurm_free_port() { node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }

slurm_cluster_start() {
  SLURM_CLUSTER_DIR=$1
  [ "$(uname -s)" = Linux ] || { echo "needs Linux" >&2; return 77; }
  [ "$(id -u)" = 0 ] || { echo "needs root (to run munged as the munge user, and slurmd)" >&2; return 77; }
  slurm_cluster_install || return $?
  id munge >/dev/null 2>&1 || { echo "no munge user (the munge package makes it)" >&2; return 77; }
  local munge=$SLURM_CLUSTER_DIR/munge slurm=$SLURM_CLUSTER_DIR/slurm
  # munged runs as the munge user: it must reach its folder inside this one, which holds a
  # fresh key, the socket, pid, log and seed (no /run/munge, no system munged touched).
  chmod 755 "$SLURM_CLUSTER_DIR"
  mkdir -p "$munge" "$slurm/state" "$slurm/spool"
  dd if=/dev/urandom of="$munge/munge.key" bs=1024 count=1 status=none
  chown -R munge:munge "$munge"
  chmod 711 "$munge"
  chmod 400 "$munge/munge.key"
  runuser -u munge -- munged --socket="$munge/munge.socket" --key-file="$munge/munge.key" --pid-file="$munge/munged.pid" \
    --log-file="$munge/munged.log" --seed-file="$munge/munged.seed" || return 1
  munge -n -S "$munge/munge.socket" | unmunge -S "$munge/munge.socket" >/dev/null || return 1
  # One node with the machine's CPUs; no cgroups (proctrack/linuxproc, task/none), no accounting.
  export SLURM_CONF=$slurm/slurm.conf
  cat > "$SLURM_CONF" <<CONF
ClusterName=nucleimix-test
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$munge/munge.socket
CredType=cred/munge
SlurmctldPort=$(slurm_free_port)
SlurmdPort=$(slurm_free_port)
StateSaveLocation=$slurm/state
SlurmdSpoolDir=$slurm/spool
SlurmctldPidFile=$slurm/slurmctld.pid
SlurmdPidFile=$slurm/slurmd.pid
SlurmctldLogFile=$slurm/slurmctld.log
SlurmdLogFile=$slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld -f "$SLURM_CONF" || return 1
  slurmd -f "$SLURM_CONF" -N localhost || return 1
  local _
  for _ in $(seq 60); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return 0; sleep 0.5; done
  sinfo >&2
  echo "the node did not come up idle" >&2
  return 1
}

slurm_cluster_stop() {
  [ -n "${SLURM_CLUSTER_DIR:-}" ] || return 0
  local pidfile pid _
  [ -f "${SLURM_CONF:-}" ] && scancel --quiet --full --user=root 2>/dev/null
  for pidfile in "$SLURM_CLUSTER_DIR/slurm/slurmd.pid" "$SLURM_CLUSTER_DIR/slurm/slurmctld.pid" "$SLURM_CLUSTER_DIR/munge/munged.pid"; do
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  return 0
}

# The state of job $1 (an array's task states joined by spaces).
slurm_job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# Waits (at most $2 seconds) until job $1 completed; 1 when it ended otherwise or ran out of time.
slurm_wait_job() {
  local deadline=$((SECONDS + $2)) s
  while :; do
    s=$(slurm_job_state "$1")
    case "$s" in
      COMPLETED) return 0 ;;
      *FAILED* | *CANCELLED* | *TIMEOUT* | *NODE_FAIL* | *OUT_OF_MEMORY* | *DEADLINE* | *PREEMPTED*) echo "job $1 ended $s" >&2; return 1 ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || { echo "job $1 still '$s' after $2 s" >&2; squeue >&2; return 1; }
    sleep 1
  done
}
