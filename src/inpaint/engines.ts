/**
 * The engine registry: every inpainting engine by the name `--inpainter` takes. Names are
 * open — `telea`, `ns` (OpenCV), and whatever else registers itself — and a path ending in
 * `.onnx` loads a model engine from that file. Factories load what they need (OpenCV's wasm
 * build once per process, ~0.25 s the first time; a model session) only when asked.
 */
import { fileURLToPath } from 'node:url';
import { NucleiMixError } from '../core/errors.ts';
import type { OptionTable } from '../core/options.ts';
import { createClassicalEngine } from './classical.ts';
import type { InpaintEngine } from './engine.ts';
import { createExemplarEngine, EXEMPLAR_OPTIONS } from './exemplar.ts';
import { loadOpenCV } from './opencv.ts';

/** Settings an engine may take; each factory reads the ones it knows and rejects bad values. */
export interface EngineSettings {
  /** Neighbourhood radius in pixels (classical: integer 1..100, default 3). */
  radius?: number;
  /** Telea at 8 bits (OpenCV's own, as the official code's cv2.inpaint) or 16 (exact on flat areas; default). */
  teleaDepth?: 8 | 16;
  /** Sampling steps of a diffusion engine. */
  steps?: number;
  /** DDIM η of a diffusion engine, 0 (deterministic DDIM) to 1 (DDPM's ancestral noise). */
  eta?: number;
  /** Where a model engine runs: `cpu` (default) or `cuda`. */
  device?: 'cpu' | 'cuda';
  /** Largest batch a model engine is given. */
  batch?: number;
  /** Exemplar engine: patch side (odd px), most pyramid levels, iterations per level, search radius (px), texture weight; see exemplar.ts. */
  patchSize?: number;
  levels?: number;
  iterations?: number;
  searchRadius?: number;
  textureWeight?: number;
}

/** The engine and its settings as the command line names them (absent: the method's engine and defaults). */
export interface EngineOptions extends EngineSettings {
  inpainter?: string;
}

/** Engine options, declared once: the CLI's flags and their checks. */
export const ENGINE_OPTIONS: OptionTable<EngineOptions> = {
  inpainter: { flag: '--inpainter <name>', type: 'name', default: undefined, help: "inpainting engine: telea, ns, exemplar, diffusion, or a model file (default: the method's; nucleimix and gradmix inpaint)" },
  radius: { flag: '--radius <px>', type: 'int', min: 1, max: 100, default: undefined, help: 'classical inpainting neighbourhood radius (default: 3 for nucleimix, 5 for gradmix)' },
  teleaDepth: { flag: '--telea-depth <bits>', type: 'int', min: 8, max: 16, default: undefined, help: 'bits Telea runs at, 8 (OpenCV\'s own) or 16 (default)' },
  steps: { flag: '--steps <n>', type: 'int', min: 1, max: 1000, default: undefined, help: 'sampling steps of a diffusion engine' },
  eta: { flag: '--eta <η>', type: 'number', min: 0, max: 1, default: undefined, help: 'DDIM η of a diffusion engine: 0 deterministic DDIM, 1 DDPM-like fresh noise each step (default 0)' },
  device: { flag: '--device <name>', type: 'choice', choices: ['cpu', 'cuda'], default: undefined, help: 'where a model engine runs (default cpu)' },
  batch: { flag: '--batch <n>', type: 'int', min: 1, default: undefined, help: 'largest batch a model engine is given' },
  // The exemplar engine's own table, its defaults left to the engine (absent = not given).
  patchSize: { ...EXEMPLAR_OPTIONS.patchSize, default: undefined, help: `${EXEMPLAR_OPTIONS.patchSize.help} (default ${EXEMPLAR_OPTIONS.patchSize.default})` },
  levels: { ...EXEMPLAR_OPTIONS.levels, default: undefined, help: `${EXEMPLAR_OPTIONS.levels.help} (default ${EXEMPLAR_OPTIONS.levels.default})` },
  iterations: { ...EXEMPLAR_OPTIONS.iterations, default: undefined, help: `${EXEMPLAR_OPTIONS.iterations.help} (default ${EXEMPLAR_OPTIONS.iterations.default})` },
  searchRadius: { ...EXEMPLAR_OPTIONS.searchRadius, default: undefined, help: `${EXEMPLAR_OPTIONS.searchRadius.help} (default ${EXEMPLAR_OPTIONS.searchRadius.default})` },
  textureWeight: { ...EXEMPLAR_OPTIONS.textureWeight, default: undefined, help: `${EXEMPLAR_OPTIONS.textureWeight.help} (default ${EXEMPLAR_OPTIONS.textureWeight.default})` },
};

/** Makes an engine from its settings. */
export type EngineFactory = (settings: EngineSettings) => Promise<InpaintEngine>;

const FACTORIES = new Map<string, EngineFactory>([
  ['telea', async (s) => createClassicalEngine(await loadOpenCV(), 'telea', { radius: s.radius, teleaDepth: s.teleaDepth })],
  ['ns', async (s) => createClassicalEngine(await loadOpenCV(), 'ns', { radius: s.radius })],
  ['exemplar', async (s) => createExemplarEngine({ patchSize: s.patchSize, levels: s.levels, iterations: s.iterations, searchRadius: s.searchRadius, textureWeight: s.textureWeight })],
]);

/**
 * The denoiser that ships with nucleimix (trained on the CoNSeP training split; see
 * models/denoiser/README.md), found beside the code whether it runs from src/ or dist/.
 */
export const SHIPPED_DENOISER = fileURLToPath(new URL('../../models/denoiser/denoiser.onnx', import.meta.url));

/**
 * A diffusion engine on the model at `path`. Loaded on first use: onnxruntime-node costs
 * ~80 ms to import, which commands that never inpaint with a model should not pay.
 */
async function diffusionEngine(path: string, s: EngineSettings): Promise<InpaintEngine> {
  const { createDiffusionEngine } = await import('./diffusion/engine.ts');
  const engine = await createDiffusionEngine(path, { steps: s.steps, eta: s.eta, device: s.device, batch: s.batch });
  // A model of the user's goes by its path, so a manifest that records it renders with it again.
  return path === SHIPPED_DENOISER ? engine : { ...engine, name: path };
}

FACTORIES.set('diffusion', (s) => diffusionEngine(SHIPPED_DENOISER, s));

/** Model engines, by file extension: a factory that loads the model at `path`. */
const MODEL_LOADERS = new Map<string, (path: string, settings: EngineSettings) => Promise<InpaintEngine>>([['.onnx', diffusionEngine]]);

/** Adds (or replaces) a named engine. */
export function registerEngine(name: string, factory: EngineFactory): void {
  FACTORIES.set(name, factory);
}

/** Adds a loader for model files ending in `extension` (e.g. `.onnx`). */
export function registerModelLoader(extension: string, load: (path: string, settings: EngineSettings) => Promise<InpaintEngine>): void {
  MODEL_LOADERS.set(extension.toLowerCase(), load);
}

/** The registered engine names, in registration order. */
export function engineNames(): string[] {
  return [...FACTORIES.keys()];
}

/**
 * Creates the engine a manifest or the command line names: a registered name, or the path of
 * a model file of a registered kind.
 *
 * @throws NucleiMixError for an unknown name or a bad setting.
 */
export async function createEngine(name: string, settings: EngineSettings = {}): Promise<InpaintEngine> {
  const factory = FACTORIES.get(name);
  if (factory !== undefined) return factory(settings);
  const ext = [...MODEL_LOADERS.keys()].find((e) => name.toLowerCase().endsWith(e));
  if (ext !== undefined) return MODEL_LOADERS.get(ext)!(name, settings);
  const kinds = [...MODEL_LOADERS.keys()];
  throw new NucleiMixError(`unknown inpainter '${name}' (expected one of: ${engineNames().join(', ')}${kinds.length > 0 ? `, or a model file (${kinds.join(', ')})` : ''})`);
}
