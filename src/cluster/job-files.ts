/**
 * Ready-to-submit job files for a cluster render: N render shards as one job array, then the
 * merge (and `verify`) once every shard succeeded. Pure: each function returns the file's
 * text; `nucleimix emit` prints it.
 *
 * - Slurm: a bash script that submits the array with `sbatch --array=0-(N−1)` and the merge
 *   with `--dependency=afterok:<array>` (which waits for every task of the array; sbatch(1)),
 *   each job's script given on sbatch's standard input.
 * - Kubernetes: an Indexed Job (`completionMode: Indexed`, each pod's `JOB_COMPLETION_INDEX`
 *   its shard) and a merge Job that waits for every shard's completion record on the shared
 *   volume (Kubernetes has no dependencies between Jobs).
 * - AWS Batch: a script that registers two job definitions and submits an array job
 *   (`--array-properties size=N`; each child's `AWS_BATCH_JOB_ARRAY_INDEX` its shard) and the
 *   merge with `--depends-on jobId=<array>` (which waits for every child).
 *
 * Every path is written as given: give paths every node sees (shared storage).
 */
import { NucleiMixError } from '../core/errors.ts';

export const SCHEDULERS = ['slurm', 'k8s', 'aws-batch'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export interface JobSpec {
  /** The manifest `plan` wrote. */
  manifest: string;
  /** The dataset it was planned on. */
  dataset: string;
  shards: number;
  /** Where the shard folders (and Slurm's logs) go. */
  work: string;
  /** The merged dataset. */
  out: string;
  /** The command that runs nucleimix on the nodes (default `nucleimix`). */
  nucleimix?: string;
  /** CPUs per shard (default 1: rendering runs on one thread). */
  cpus?: number;
  /** Memory per shard, e.g. `8G` (Slurm `--mem`, Kubernetes `Gi`, AWS Batch MiB). */
  memory?: string;
  /** Wall-clock limit per shard (Slurm `--time`, e.g. `4:00:00`). */
  time?: string;
  /** Slurm partition. */
  partition?: string;
  /** Container image (Kubernetes, AWS Batch). */
  image?: string;
  /** AWS Batch job queue. */
  queue?: string;
  /** Kubernetes PersistentVolumeClaim (ReadWriteMany) mounted at `mount`, holding dataset, manifest and work. */
  claim?: string;
  mount?: string;
  /** Name prefix of the jobs (default `nucleimix`). */
  name?: string;
}

/** `s` as one word for sh: single-quoted unless it is plainly safe. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function checkSpec(spec: JobSpec): void {
  if (!Number.isInteger(spec.shards) || spec.shards < 1) throw new NucleiMixError(`--shards: expected a positive integer, got ${spec.shards}`);
  if (spec.cpus !== undefined && (!Number.isInteger(spec.cpus) || spec.cpus < 1)) throw new NucleiMixError(`--cpus: expected a positive integer, got ${spec.cpus}`);
  if (spec.name !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(spec.name)) throw new NucleiMixError(`--name: expected lower-case letters, digits and '-' (a Kubernetes name), got '${spec.name}'`);
  if (spec.memory !== undefined) memoryMiB(spec.memory);
}

/** The job file for `scheduler`. */
export function jobFile(scheduler: Scheduler, spec: JobSpec): string {
  checkSpec(spec);
  switch (scheduler) {
    case 'slurm':
      return slurmScript(spec);
    case 'k8s':
      return kubernetesJobs(spec);
    case 'aws-batch':
      return awsBatchScript(spec);
    default:
      throw new NucleiMixError(`unknown scheduler '${String(scheduler)}' (known: ${SCHEDULERS.join(', ')})`);
  }
}

/** The render command of one shard, `index` an expression the shell expands on the node. */
function renderLine(spec: JobSpec, index: string, withShards: boolean): string {
  const nx = spec.nucleimix ?? 'nucleimix';
  const shards = withShards ? ` --shards ${spec.shards}` : '';
  return `${nx} render ${shellWord(spec.dataset)} --manifest ${shellWord(spec.manifest)} --shard auto${shards} --out ${shellWord(spec.work)}/shard-${index} --quiet`;
}

/** The merge and verify commands, over shard folders 0..N−1 listed by the shell. */
function mergeLines(spec: JobSpec): string[] {
  const nx = spec.nucleimix ?? 'nucleimix';
  const w = shellWord(spec.work);
  return [
    `shards=""; i=0; while [ "$i" -lt ${spec.shards} ]; do shards="$shards ${w}/shard-$i"; i=$((i + 1)); done`,
    `${nx} merge ${shellWord(spec.manifest)} $shards --dataset ${shellWord(spec.dataset)} --out ${shellWord(spec.out)} --quiet`,
    `${nx} verify ${shellWord(spec.out)} --input ${shellWord(spec.dataset)}`,
  ];
}

function slurmScript(spec: JobSpec): string {
  const name = spec.name ?? 'nucleimix';
  const w = shellWord(spec.work);
  const opts = [`--cpus-per-task=${spec.cpus ?? 1}`];
  if (spec.memory !== undefined) opts.push(`--mem=${memoryMiB(spec.memory)}M`);
  if (spec.time !== undefined) opts.push(`--time=${shellWord(spec.time)}`);
  if (spec.partition !== undefined) opts.push(`--partition=${shellWord(spec.partition)}`);
  const o = opts.join(' ');
  return `#!/bin/bash
# nucleimix cluster render on Slurm: ${spec.shards} render shards as one job array, then the merge
# (and verify), which starts only when every shard succeeded (--dependency=afterok).
# Submit with:  bash <this file>      (made by \`nucleimix emit slurm\`; edit freely)
# A shard that failed or was cancelled is resubmitted with the merge by naming it:
#   bash <this file> 1        (or 1,4 or 2-3): it renders only the images it had not finished.
set -euo pipefail
array=\${1:-0-${spec.shards - 1}}
mkdir -p ${w}/logs

render=$(sbatch --parsable --job-name=${name}-render --array="$array" ${o} --output=${w}/logs/render-%a.out <<'SHARD'
#!/bin/bash
set -euo pipefail
${renderLine(spec, '"$SLURM_ARRAY_TASK_ID"', true)}
SHARD
)
render=\${render%%;*}

merge=$(sbatch --parsable --job-name=${name}-merge --dependency=afterok:$render --kill-on-invalid-dep=yes ${o} --output=${w}/logs/merge.out <<'MERGE'
#!/bin/bash
set -euo pipefail
${mergeLines(spec).join('\n')}
MERGE
)
merge=\${merge%%;*}

echo "render array: job $render (shards $array of ${spec.shards}); merge: job $merge (after they succeeded)"
echo "logs in ${spec.work}/logs; the merged dataset goes to ${spec.out}"
`;
}

function indent(lines: string[], by: number): string {
  return lines.map((l) => ' '.repeat(by) + l).join('\n');
}

function kubernetesJobs(spec: JobSpec): string {
  const name = spec.name ?? 'nucleimix';
  const image = spec.image ?? 'nucleimix:latest';
  const claim = spec.claim ?? 'nucleimix-work';
  const mount = spec.mount ?? '/data';
  const cpu = String(spec.cpus ?? 1);
  const memory = spec.memory === undefined ? '' : `\n              memory: "${memoryMiB(spec.memory)}Mi"`;
  const w = shellWord(spec.work);
  const wait = `i=0; while [ "$i" -lt ${spec.shards} ]; do until [ -f ${w}/shard-$i/complete.json ]; do sleep 30; done; i=$((i + 1)); done`;
  const pod = (container: string, script: string[]): string => `    spec:
      restartPolicy: Never
      containers:
        - name: ${container}
          image: ${JSON.stringify(image)}
          command: ["/bin/sh", "-c"]
          args:
            - |
${indent(script, 14)}
          resources:
            requests:
              cpu: "${cpu}"${memory}
          volumeMounts:
            - name: work
              mountPath: ${JSON.stringify(mount)}
      volumes:
        - name: work
          persistentVolumeClaim:
            claimName: ${JSON.stringify(claim)}`;
  return `# nucleimix cluster render on Kubernetes (made by \`nucleimix emit k8s\`; edit freely):
# ${spec.shards} render shards as an Indexed Job (each pod's JOB_COMPLETION_INDEX is its shard), and a
# merge Job that waits for every shard's complete.json on the shared volume, then merges and
# verifies. The volume (claim ${claim}, mounted at ${mount}) must hold the dataset, the manifest
# and the work folder, readable and writable from every pod (ReadWriteMany).
# Submit with:  kubectl apply -f <this file>
# A pod that fails is retried (backoffLimit) and resumes its shard where it stopped.
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}-render
spec:
  completionMode: Indexed
  completions: ${spec.shards}
  parallelism: ${spec.shards}
  backoffLimit: ${Math.max(6, 2 * spec.shards)}
  template:
${pod('render', ['set -eu', `exec ${renderLine(spec, '"$JOB_COMPLETION_INDEX"', true)}`])}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}-merge
spec:
  backoffLimit: 2
  template:
${pod('merge', ['set -eu', wait, ...mergeLines(spec)])}
`;
}

function awsBatchScript(spec: JobSpec): string {
  const name = spec.name ?? 'nucleimix';
  const image = spec.image ?? 'nucleimix:latest';
  const queue = spec.queue ?? 'nucleimix-queue';
  const mib = spec.memory === undefined ? 8192 : memoryMiB(spec.memory);
  const definition = (suffix: string, script: string[], env: Record<string, string>): string =>
    JSON.stringify(
      {
        jobDefinitionName: `${name}-${suffix}`,
        type: 'container',
        containerProperties: {
          image,
          command: ['/bin/sh', '-c', ['set -eu', ...script].join('\n')],
          environment: Object.entries(env).map(([n, value]) => ({ name: n, value })),
          resourceRequirements: [
            { type: 'VCPU', value: String(spec.cpus ?? 1) },
            { type: 'MEMORY', value: String(mib) },
          ],
        },
        retryStrategy: { attempts: 3 },
      },
      null,
      2,
    );
  return `#!/bin/bash
# nucleimix cluster render on AWS Batch (made by \`nucleimix emit aws-batch\`; edit freely):
# registers two job definitions, submits ${spec.shards} render shards as one array job (each child's
# AWS_BATCH_JOB_ARRAY_INDEX is its shard; AWS Batch does not give the array's size, so the
# definition sets AWS_BATCH_JOB_ARRAY_SIZE) and the merge, which waits for every child
# (--depends-on). The dataset, manifest and work folder must be on storage every container
# mounts at the same path (EFS: add it to the definitions' volumes and mountPoints).
# Submit with:  bash <this file>      (needs the aws CLI, logged in)
# A child that fails is retried (retryStrategy) and resumes its shard where it stopped.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/render.json" <<'DEFINITION'
${definition('render', [`exec ${renderLine(spec, '"$AWS_BATCH_JOB_ARRAY_INDEX"', false)}`], { AWS_BATCH_JOB_ARRAY_SIZE: String(spec.shards) })}
DEFINITION
cat > "$tmp/merge.json" <<'DEFINITION'
${definition('merge', mergeLines(spec), {})}
DEFINITION
aws batch register-job-definition --cli-input-json "file://$tmp/render.json" > /dev/null
aws batch register-job-definition --cli-input-json "file://$tmp/merge.json" > /dev/null

render=$(aws batch submit-job --job-name ${name}-render --job-queue ${shellWord(queue)} --job-definition ${name}-render --array-properties size=${spec.shards} --query jobId --output text)
merge=$(aws batch submit-job --job-name ${name}-merge --job-queue ${shellWord(queue)} --job-definition ${name}-merge --depends-on jobId=$render --query jobId --output text)
echo "render array: job $render (${spec.shards} shards); merge: job $merge (after every shard succeeded)"
`;
}

/** `8G`, `512M`, `8192` (MiB) as MiB. */
export function memoryMiB(s: string): number {
  const m = /^(\d+)\s*([MG])?(?:i?B?)?$/i.exec(s.trim());
  if (m === null || Number(m[1]) < 1) throw new NucleiMixError(`--memory: expected a size like 8G or 512M, got '${s}'`);
  const n = Number(m[1]);
  return m[2] !== undefined && m[2].toUpperCase() === 'G' ? n * 1024 : n;
}
