import type { PlanProgress } from '../augment/nucleimix-plan.ts';
import { progress, type Progress } from './progress.ts';

/** Progress bars for the phases of planning (quiet when stderr is not a terminal). */
export function planProgress(): PlanProgress {
  let bar: Progress | undefined;
  return {
    phase: (name, total) => {
      bar = progress(name, total);
    },
    tick: (label) => bar?.tick(label),
    done: () => bar?.stop(),
  };
}
