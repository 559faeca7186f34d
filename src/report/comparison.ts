/** What `nucleimix compare` is asked and what it finds (compare.json). */
import type { ProgressSink } from '../core/progress.ts';
import type { OpenOptions } from '../io/open.ts';
import type { AugmentRequest, MethodName } from '../augment/method.ts';
import type { MethodOptions } from '../augment/methods.ts';
import type { FigureData } from './figure.ts';
import type { RealismRecord } from './realism-record.ts';

/** The calibration's subfolder. */
export const CONTROL_DIR = 'unblended-paste';

export interface CompareSettings {
  /** Methods to run, in this order (default every method). */
  methods?: readonly MethodName[];
  /** Each method's own options (default its table's defaults). */
  options?: { [M in MethodName]?: Partial<MethodOptions[M]> };
  /** How the dataset was opened (recorded in each manifest). */
  open?: OpenOptions;
  /** Write and measure the unblended random paste (default true). */
  control?: boolean;
  /** Seed of the realism test (default the request's). */
  realismSeed?: number;
  /** Rows of the side-by-side figure (default 6) and their window side, px (default 96). */
  figureRows?: number;
  figureSize?: number;
  overwrite?: boolean;
  progress?: ProgressSink;
  /** One line per step ("nucleimix: augmenting", …), for the command to print. */
  onStep?: (line: string) => void;
}

/** One measured run: a method's, or the calibration's. */
export interface ComparedRun {
  /** The method's name, or `unblended-paste`. */
  name: string;
  /** Its subfolder. */
  dir: string;
  /** Per-type counts after, and the inserted nuclei per rare type. */
  after: Record<number, number>;
  inserted: Record<number, number>;
  /** Seconds per phase (planning's, `render` with the writing and the run's report, `realism`). */
  timings: Record<string, number>;
  /** The realism test's figures, or why it could not be run. */
  realism?: RealismRecord;
  realismError?: string;
}

/** What a comparison found (compare.json). */
export interface Comparison {
  version: 1;
  dataset: { root: string; format: string };
  request: AugmentRequest;
  realismSeed: number;
  classes: { id: number; name: string }[];
  /** Per-type counts of the input. */
  before: Record<number, number>;
  methods: ComparedRun[];
  control?: ComparedRun;
  figure: FigureData;
}
