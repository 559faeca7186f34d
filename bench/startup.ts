/**
 * How long the CLI takes to start: `--version` and an error path (`info` on a missing folder),
 * run compiled (dist/, as bin/nucleimix.js runs it after `npm run build`), from source through
 * tsx with its cache, and from source with tsx's cache off (a fresh clone's first runs).
 * Prints the median and the fastest of `RUNS` runs each (wall time; the machine's load shows).
 *
 *     npm run build && npm run bench:startup          # RUNS=20 npm run bench:startup
 *
 * `hyperfine -N -w 2 'node bin/nucleimix.js --version' …` gives the same figures with spread.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/nucleimix.js', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 10);

const modes: [string, Record<string, string>][] = [
  ['compiled (dist/)', {}],
  ['source, tsx cache', { NUCLEIMIX_FROM_SOURCE: '1' }],
  ['source, no tsx cache', { NUCLEIMIX_FROM_SOURCE: '1', TSX_DISABLE_CACHE: '1' }],
];
const commands: [string, string[]][] = [
  ['--version', ['--version']],
  ['info (missing folder)', ['info', '/nonexistent-nucleimix-bench']],
];

function millis(args: string[], env: Record<string, string>): { ms: number; stderr: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NUCLEIMIX_DEBUG: '1', ...env } });
  return { ms: performance.now() - t, stderr: r.stderr };
}

try {
  readFileSync(new URL('../dist/BUILD.json', import.meta.url));
} catch {
  console.log('dist/ is not built: the compiled rows run from source (npm run build first)');
}
console.log(`${RUNS} runs each; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`${'command'.padEnd(24)}${'mode'.padEnd(24)}${'median ms'.padStart(10)}${'min ms'.padStart(9)}  ran`);
for (const [name, args] of commands) {
  for (const [mode, env] of modes) {
    millis(args, env); // warm the file cache (and tsx's, where it is on)
    const runs = Array.from({ length: RUNS }, () => millis(args, env));
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    const ran = /running compiled/.test(runs[0].stderr) ? 'compiled' : 'source';
    console.log(`${name.padEnd(24)}${mode.padEnd(24)}${ms[Math.floor(ms.length / 2)].toFixed(0).padStart(10)}${ms[0].toFixed(0).padStart(9)}  ${ran}`);
  }
}
