import cliProgress from 'cli-progress';

export interface Progress {
  tick(label?: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr for `total` steps. Quiet when stderr is not a terminal (CI, pipes,
 * tests), so logs stay clean and output stays byte-identical.
 */
export function progress(title: string, total: number): Progress {
  if (!process.stderr.isTTY || total <= 1) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${title.padEnd(12)} {bar} {value}/{total} {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return {
    tick: (label = '') => bar.increment(1, { label }),
    stop: () => bar.stop(),
  };
}
