/**
 * Where long library work reports how far it got. The library calls it; the CLI decides how
 * it shows (bars on a terminal, plain lines in a log, nothing with --quiet).
 */
export interface ProgressSink {
  /** A new phase of `total` steps begins (it ends the previous one). */
  phase(name: string, total: number): void;
  /** One step of the current phase is done; `label` names it (an image). */
  tick(label?: string): void;
  /** The current phase is over. */
  done(): void;
}

/** Reports nothing. */
export const SILENT: ProgressSink = { phase: () => {}, tick: () => {}, done: () => {} };
