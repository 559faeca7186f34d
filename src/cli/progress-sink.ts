import type { ProgressSink } from '../core/progress.ts';
import { progress, type Progress, type ProgressOptions } from './progress.ts';

/** The library's progress reports shown on stderr, one bar (or run of log lines) per phase; `{ quiet: true }` shows none. */
export function progressSink(options: ProgressOptions = {}): ProgressSink {
  let bar: Progress | undefined;
  return {
    phase: (name, total) => {
      bar?.stop();
      bar = progress(name, total, options);
    },
    tick: (label) => bar?.tick(label),
    done: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
