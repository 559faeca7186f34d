import type { ProgressSink } from '../core/progress.ts';
import { progress, type Progress } from './progress.ts';

/** The library's progress reports shown on stderr, one bar (or log line) per phase. */
export function progressSink(): ProgressSink {
  let bar: Progress | undefined;
  return {
    phase: (name, total) => {
      bar?.stop();
      bar = progress(name, total);
    },
    tick: (label) => bar?.tick(label),
    done: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
