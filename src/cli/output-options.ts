/** What the output flags that the writing commands share (`--overwrite`, `--no-preview`, `--no-report`, `--quiet`) ask of the library. */
import type { RenderSettings } from '../augment/driver.ts';
import { runReporter } from '../report/reporter.ts';
import { progressSink } from './progress-sink.ts';

/** The settings of `augment`, `render` and `merge` that their output flags give (commander's parsed `opts`). */
export function outputSettings(opts: Record<string, unknown>): Pick<RenderSettings, 'overwrite' | 'previews' | 'report' | 'progress'> {
  return {
    overwrite: opts.overwrite === true,
    previews: opts.preview !== false,
    report: opts.report !== false ? runReporter() : undefined,
    progress: progressSink({ quiet: opts.quiet === true }),
  };
}
