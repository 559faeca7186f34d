import cliProgress from 'cli-progress';
import { Option } from 'commander';

export interface Progress {
  tick(label?: string): void;
  stop(): void;
}

/** Where progress goes and how it tells time; the defaults are the process's. */
export interface ProgressOptions {
  /** `--quiet`: show nothing. */
  quiet?: boolean;
  /** Default: process.stderr. A terminal (`isTTY`) gets a bar, anything else plain lines. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Milliseconds on a monotonic clock. Default: performance.now. */
  now?: () => number;
  /** Least milliseconds between two log lines of one phase (its first and last line aside). */
  interval?: number;
}

/** One log line per 10 s at most: a k = 600 run writes about a hundred lines, not thousands. */
export const LOG_INTERVAL_MS = 10_000;

const NOTHING: Progress = { tick: () => {}, stop: () => {} };

/**
 * Progress of one phase of `total` steps on stderr. On a terminal, a bar with the count,
 * elapsed time and ETA. Elsewhere (`> log 2>&1`, sbatch, nohup, CI) plain lines —
 * {@link progressLog} — so a long run under a batch system shows that it is alive and how far
 * it got. Nothing with `quiet`, or for an empty phase.
 */
export function progress(title: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || total < 1) return NOTHING;
  if (!stream.isTTY) return progressLog(title, total, { ...options, stream });
  const bar = new cliProgress.SingleBar(
    {
      format: `${title.padEnd(12)} {bar} {value}/{total} {percentage}% | {duration_formatted} elapsed | ETA {eta_formatted} | {label}`,
      formatTime: (seconds: number | string) => (typeof seconds === 'number' ? formatDuration(seconds) : '?'),
      stream,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return {
    tick: (label = '') => bar.increment(1, { label }),
    stop: () => bar.stop(),
  };
}

/**
 * Progress as plain lines on a stream that is not a terminal: the phase's first line, then at
 * most one line per `interval` as steps finish, and the last line when the phase ends.
 *
 *     features 0/27 started
 *     features 5/27 (19%), 12s elapsed, ETA 53s: train_5
 *     features 27/27 done in 1m04s
 *
 * The ETA assumes the remaining steps take as long as the finished ones did on average.
 */
export function progressLog(title: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const interval = options.interval ?? LOG_INTERVAL_MS;
  const start = now();
  let last = start;
  let done = 0;
  let stopped = false;
  const write = (text: string) => stream.write(`${title} ${Math.min(done, total)}/${total} ${text}\n`);
  write('started');
  const finish = () => {
    stopped = true;
    const seconds = (now() - start) / 1000;
    write(done >= total ? `done in ${formatDuration(seconds)}` : `stopped after ${formatDuration(seconds)}`);
  };
  return {
    tick: (label = '') => {
      if (stopped) return;
      done++;
      if (done >= total) return finish();
      const t = now();
      if (t - last < interval) return;
      last = t;
      const elapsed = (t - start) / 1000;
      const eta = (elapsed / done) * (total - done);
      write(`(${Math.floor((100 * done) / total)}%), ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}${label === '' ? '' : `: ${label}`}`);
    },
    stop: () => {
      if (!stopped) finish();
    },
  };
}

/** Seconds as people read them on a progress line: `7s`, `3m05s`, `2h04m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * `-q, --quiet` for a command that shows progress (`.addOption(quietOption())`); its action
 * passes `{ quiet: opts.quiet }` to {@link progress} or `progressSink`.
 */
export function quietOption(): Option {
  return new Option('-q, --quiet', 'show no progress on stderr (neither the bar on a terminal nor the lines in a log)');
}
