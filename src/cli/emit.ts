/** `nucleimix emit slurm|k8s|aws-batch`: print the job files of a cluster render (flags and printing only). */
import { resolve } from 'node:path';
import { Argument, Option, type Command } from 'commander';
import { readManifest } from '../augment/manifest-file.ts';
import { jobFile, SCHEDULERS, type Scheduler } from '../cluster/job-files.ts';

export function emitCommand(program: Command): void {
  program
    .command('emit')
    .description('print ready-to-submit job files: N render shards as a job array, then the merge and verify')
    .addArgument(new Argument('<scheduler>', 'slurm, k8s or aws-batch').choices(SCHEDULERS))
    .requiredOption('--manifest <file>', 'the manifest plan wrote')
    .requiredOption('--shards <n>', 'number of shards (array tasks)', (v) => Number(v))
    .option('--dataset <path>', "the input dataset (default: the manifest's dataset.root)")
    .option('--work <dir>', 'folder of the shard folders and logs (shared storage)', 'nucleimix-work')
    .option('--out <dir>', 'the merged dataset', 'nucleimix-out')
    .option('--nucleimix <command>', 'how the nodes run nucleimix, inserted as is', 'nucleimix')
    .option('--cpus <n>', 'CPUs per shard', (v) => Number(v))
    .option('--memory <size>', 'memory per shard, e.g. 8G')
    .option('--time <limit>', 'Slurm: wall-clock limit per shard, e.g. 4:00:00')
    .option('--partition <name>', 'Slurm: partition')
    .option('--image <image>', 'Kubernetes, AWS Batch: the container image')
    .option('--queue <name>', 'AWS Batch: the job queue')
    .option('--claim <name>', 'Kubernetes: the PersistentVolumeClaim with dataset, manifest and work')
    .option('--mount <path>', 'Kubernetes: where the claim is mounted')
    .addOption(new Option('--name <prefix>', 'name prefix of the jobs').default('nucleimix'))
    .action(async (scheduler: Scheduler, opts: Record<string, unknown>) => {
      const manifestPath = opts.manifest as string;
      const manifest = await readManifest(manifestPath);
      // Paths as the nodes see them: absolute, so a job's working folder does not matter.
      const text = jobFile(scheduler, {
        manifest: resolve(manifestPath),
        dataset: resolve((opts.dataset as string | undefined) ?? manifest.dataset.root),
        shards: opts.shards as number,
        work: resolve(opts.work as string),
        out: resolve(opts.out as string),
        nucleimix: opts.nucleimix as string,
        cpus: opts.cpus as number | undefined,
        memory: opts.memory as string | undefined,
        time: opts.time as string | undefined,
        partition: opts.partition as string | undefined,
        image: opts.image as string | undefined,
        queue: opts.queue as string | undefined,
        claim: opts.claim as string | undefined,
        mount: opts.mount as string | undefined,
        name: opts.name as string,
      });
      process.stdout.write(text);
    });
}
