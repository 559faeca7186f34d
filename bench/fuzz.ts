/**
 * The long fuzz run of the dataset readers (test/io/fuzz-readers.ts): N seeded mutants per
 * reader, each read through openDataset, with the count of each outcome, the time per mutant
 * (median, worst, how many ran past 1 s and 5 s) and the slowest mutants, per reader.
 * Usage: npm run bench:fuzz [-- <mutants per reader> [<seed> [<reader name substring|all> [<image side>]]]]
 * (default 2,000 per reader, seed 1, all readers, 96 px images; 1000 gives CoNSeP-sized files).
 * The suite runs the same harness on a few hundred.
 * Warnings are counted, not printed (`--no-warnings` in the npm script).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ_READERS, FUZZ_SIZE, OUTCOMES, fuzzReader } from '../test/io/fuzz-readers.ts';

const n = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? 1);
const only = process.argv[4] === 'all' ? undefined : process.argv[4];
const size = Number(process.argv[5] ?? FUZZ_SIZE);
const work = await mkdtemp(join(tmpdir(), 'nucleimix-fuzz-'));
let bad = 0;
try {
  console.log(`${n} mutants per reader, seed ${seed}, ${size}×${size} images`);
  console.log(['reader', ...OUTCOMES, 'median ms', 'worst ms', '>1 s', '>5 s'].join('\t'));
  for (const reader of FUZZ_READERS) {
    if (only !== undefined && !reader.name.includes(only)) continue;
    const r = await fuzzReader(reader, n, seed, work, size);
    const sorted = [...r.ms].sort((a, b) => a - b);
    const row = [reader.name, ...OUTCOMES.map((o) => r.counts[o]), sorted[sorted.length >> 1].toFixed(1), sorted[sorted.length - 1].toFixed(0), r.ms.filter((m) => m > 1000).length, r.ms.filter((m) => m > 5000).length];
    console.log(row.join('\t'));
    for (const s of r.slowest.slice(0, 3)) console.log(`  slowest: mutant ${s.k} ${s.ms.toFixed(0)} ms ${s.outcome}: ${s.message.slice(0, 160)}`);
    for (const p of r.problems) console.log(`  problem: ${p}`);
    bad += r.counts.inconsistent + r.counts.crashed;
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exitCode = bad > 0 ? 1 : 0;
