/**
 * NucleiMix behind the augmentation interface: planning (`planNucleiMix`) then progressive
 * inpainting over the dataset (`renderedSource`), unchanged. The adapter only maps the
 * request onto them and hands back the plan for callers that report its phases.
 */
import { join } from 'node:path';
import { createInpainter, type InpainterName } from '../inpaint/create.ts';
import { writeFeatureCache } from '../sampling/feature-cache.ts';
import type { AugmentMethod, AugmentRequest, AugmentRun } from './method.ts';
import { DEFAULT_NUCLEIMIX, planNucleiMix, type NucleiMixPlan, type NucleiMixPlanOptions } from './nucleimix-plan.ts';
import { renderedSource } from './render-dataset.ts';
import { NUCLEIMIX_TARGET_KINDS } from './stats.ts';
import { shortfallNotes } from './request.ts';

/** NucleiMix's own options: the planner's (less what the request fixes) and the inpainter. */
export type NucleiMixOptions = Omit<NucleiMixPlanOptions, 'rareTypes' | 'k' | 'seed' | 'margin' | 'majorTypes'> & {
  inpainter: InpainterName;
  /** Inpainting radius (default: the inpainter's, 3). */
  radius?: number;
};

export const NUCLEIMIX_DEFAULTS: NucleiMixOptions = (() => {
  const { seed: _seed, margin: _margin, ...rest } = DEFAULT_NUCLEIMIX;
  return { ...rest, cacheDirs: [], inpainter: 'telea' };
})();

/** A NucleiMix run: the interface's result plus the plan (timings, cache, locations). */
export type NucleiMixRun = AugmentRun & { plan: NucleiMixPlan };

export const NUCLEIMIX: AugmentMethod<NucleiMixOptions> & { run(request: AugmentRequest, options: NucleiMixOptions): Promise<NucleiMixRun> } = {
  name: 'nucleimix',
  description: 'NucleiMix: context-aware probabilistic sampling + progressive inpainting (copy-and-replace / copy-and-paste)',
  defaults: NUCLEIMIX_DEFAULTS,
  async run(request, options) {
    const { inpainter: inpainterName, radius, ...planRest } = options;
    const plan = await planNucleiMix(
      request.dataset,
      request.open,
      { ...planRest, rareTypes: request.rareTypes, k: request.k, seed: request.seed, margin: request.margin, majorTypes: request.majorTypes },
      request.progress,
    );
    const inpainter = await createInpainter(inpainterName, { radius });
    const source = renderedSource(request.dataset, plan.manifest, inpainter, { previews: request.previews, onImage: request.onImage });
    return {
      manifest: plan.manifest,
      source,
      targetKinds: NUCLEIMIX_TARGET_KINDS,
      extra: () => ({ locations: plan.locations, rejected: plan.report.rejected }),
      writeExtras: (dir) => writeFeatureCache(join(dir, 'cache'), plan.features),
      timings: plan.timings,
      notes: () => shortfallNotes(plan.manifest),
      plan,
    };
  },
};
