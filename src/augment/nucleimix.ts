/**
 * NucleiMix (Wang & Kwak 2024) behind the augmentation interface: context-aware probabilistic
 * sampling plans the insertions (`nucleimix-plan.ts`), progressive inpainting renders them
 * (`progressive.ts`).
 */
import { NucleiMixError } from '../core/errors.ts';
import type { OptionTable } from '../core/options.ts';
import { CENTRE_REMOVALS } from '../sampling/context.ts';
import { DEFAULT_PLAN } from '../sampling/plan.ts';
import { cutDonor } from './donor.ts';
import type { Insertion } from './manifest.ts';
import type { AugmentMethod } from './method.ts';
import { planNucleiMix, type NucleiMixOptions } from './nucleimix-plan.ts';
import { renderProgressive, STAGINGS } from './progressive.ts';
import { DONOR_REUSE_WARNING } from './request.ts';

export type { NucleiMixOptions } from './nucleimix-plan.ts';

/**
 * The defaults of the donor draw and the engine, chosen by the realism test on CoNSeP k = 300
 * (README's table, issue 10): size-aware donors (λ = 2, at most 60 px of a replaced nucleus
 * left to stage 1) with Navier–Stokes and a half-weight seam blur scored 0.991 [0.986, 0.995]
 * where the paper's rule with Telea scored 0.999 [0.998, 1.000], at about Telea's render time.
 * The paper's rule stays one flag away: `--size-weight 0 --max-leftover 1000000`.
 */
const DEFAULT_SIZE_WEIGHT = 2;
const DEFAULT_MAX_LEFTOVER = 60;

export const NUCLEIMIX_OPTIONS: OptionTable<NucleiMixOptions> = {
  removal: { flag: '--removal <how>', type: 'choice', choices: CENTRE_REMOVALS, default: 'instances', help: 'how patch centres are removed before describing context' },
  encoder: {
    flag: '--encoder <model.onnx>',
    type: 'path',
    default: undefined,
    recorded: false, // recorded by content (file name and SHA-256) with the plan
    help: 'describe contexts with this ONNX image encoder (e.g. CTransPath: NCHW RGB input, ImageNet normalisation) plus 4 GLCM statistics instead of the built-in descriptor',
  },
  encoderSize: { flag: '--encoder-size <px>', type: 'int', min: 1, default: undefined, recorded: false, help: 'side the 224 px patches are resized to for an encoder whose input leaves H×W open (default: no resizing)' },
  pcaDims: { flag: '--pca-dims <p>', type: 'int', min: 1, default: 16, help: 'PCA dimensions of the context features' },
  components: { flag: '--components <K>', type: 'int', min: 0, default: 1, help: 'Gaussian mixture components (0: choose K ≤ 5 by BIC)' },
  covariance: { flag: '--covariance <type>', type: 'choice', choices: ['diag', 'full'], default: 'diag', help: 'mixture covariance' },
  temperature: { flag: '--temperature <T>', type: 'number', above: 0, default: DEFAULT_PLAN.temperature, help: 'softmax temperature of the target draw' },
  sizeWeight: { flag: '--size-weight <λ>', type: 'number', min: 0, default: DEFAULT_SIZE_WEIGHT, help: "weight of size similarity in the donor draw for copy-and-replace, p ∝ exp(−w·d − λ·|ln(a_donor/a_target)|) (0: the paper's rule)" },
  maxLeftover: { flag: '--max-leftover <px>', type: 'int', min: 0, default: DEFAULT_MAX_LEFTOVER, help: "most pixels of a replaced nucleus its donor may leave uncovered (the paper's rule: no bound; a number above every nucleus's area, e.g. 1000000)" },
  maxDonorUses: { flag: '--max-donor-uses <n>', type: 'int', min: 1, default: undefined, help: `most times one donor may go into one image (default: no cap, the paper's rule; runs warn above ${DONOR_REUSE_WARNING})` },
  staging: { flag: '--staging <how>', type: 'choice', choices: STAGINGS, default: undefined, help: "stage 2's inpainting: paper (the ring r3 \\ r1 once) or inward (then the boundary, contour and next layer, again) (default: paper)" },
  edgeBlur: { flag: '--edge-blur <w>', type: 'number', min: 0, max: 1, default: 0.5, help: "weight of the 3×3 blur over each pasted nucleus's boundary band, 0..1 (classical and exemplar engines; a model that sees nuclei makes its own edge)" },
  workers: { flag: '--workers <n>', type: 'int', min: 0, default: 2, recorded: false, help: 'threads for feature extraction (0: none)' },
  cache: { flag: '--cache <dir>', type: 'path', default: undefined, recorded: false, help: "feature cache folder, or 'none' (default: $NUCLEIMIX_CACHE, else ~/.cache/nucleimix)" },
};

/** Context margin around each inpainting region, px. */
const CONTEXT_MARGIN = 24;

export const NUCLEIMIX: AugmentMethod<NucleiMixOptions, Insertion> = {
  name: 'nucleimix',
  description: 'NucleiMix: context-aware probabilistic sampling + progressive inpainting (copy-and-replace / copy-and-paste)',
  options: NUCLEIMIX_OPTIONS,
  targetKinds: ['major', 'background'],
  engine: { name: 'ns', radius: 3 },
  async plan(input, options) {
    return planNucleiMix(input, options);
  },
  checkInsertion(ins) {
    const t = ins.target;
    const d = ins.donor;
    const ok =
      (t.kind === 'major' || t.kind === 'background') &&
      typeof d.flipH === 'boolean' &&
      typeof d.flipV === 'boolean' &&
      Number.isFinite(d.rotation) &&
      (t.kind === 'background' || Number.isInteger(t.replacedId));
    if (!ok) throw new NucleiMixError('needs target kind major|background (with replacedId for major) and donor flipH/flipV/rotation');
  },
  async render(sample, insertions, input) {
    const edits = [];
    for (const ins of insertions) {
      const cut = cutDonor(await input.donor(ins.donor.image), ins.donor.id, { flipH: ins.donor.flipH, flipV: ins.donor.flipV, rotation: ins.donor.rotation });
      edits.push({ insertion: ins, donor: cut });
    }
    return renderProgressive(sample, edits, input.inpaint, { contextMargin: CONTEXT_MARGIN, seed: input.seed, nuclei: input.nuclei, staging: input.options.staging, edgeBlur: input.options.edgeBlur });
  },
};
