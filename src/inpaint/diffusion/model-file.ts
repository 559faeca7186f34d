/**
 * A diffusion denoiser on disk: `<name>.onnx` and its model card `<name>.json` beside it,
 * loaded into onnxruntime-node sessions and checked against each other.
 *
 * The contract (models/README.md documents it for users bringing their own model):
 * - ε model inputs: `x` float32 [B,3,S,S] (x_t, normalised as pixel/scale − offset, so [−1, 1]
 *   for scale 127.5 and offset 1), `t` float32 [B] (integer timestep 0..T−1), and for
 *   `conditioning: "mask"` also `known` float32 [B,3,S,S] (known pixels normalised, 0 at
 *   unknown ones) and `mask` float32 [B,1,S,S] (1 = unknown). Output `eps` [B,3,S,S]. B may be
 *   dynamic (one run takes the whole batch) or fixed (runs of that size, padded).
 * - Optional MCG gradient model (`gradient`: a file name beside the card): the ε model's
 *   inputs plus `y` [B,3,S,S] (the measurement, = known pixels, 0 at unknown) and, for an
 *   unconditional ε model, `mask`; output `grad` [B,3,S,S] = ∇_{x_t}‖(1−m)⊙(y − x̂₀(x_t))‖²
 *   with x̂₀ = (x_t − √(1−ᾱ_t)·ε_θ(x_t, t))/√ᾱ_t. ONNX exports no autograd, so such a model is
 *   written as a hand-made vector–Jacobian product: the forward, then each layer's adjoint as
 *   forward ops (a Conv's is ConvTranspose with the same weights, a ReLU's a multiply by its
 *   0/1 pattern); scripts/fixtures_diffusion.py exports one for a small convolutional ε model,
 *   train/denoiser/convert_guided.py --gradient one for a guided-diffusion (ADM) UNet.
 * - Card: `{ format: "nucleimix-denoiser", version: 1, tile: S, conditioning, normalisation:
 *   { scale, offset }, schedule: { kind: "linear", T, betaStart, betaEnd } | { kind: "cosine",
 *   T, s?, maxBeta? }, output: "eps", gradient: null | "<file>.onnx", sha256: "<hex of the ONNX
 *   file>", gradientSha256?: "<hex of the gradient file>", externalData?: [{ file, sha256 }],
 *   … }`; `flops`, when present, is the multiply-add count ×2 of one forward of one item
 *   (informational; the benchmark counts it itself with flops.ts). `externalData` lists the
 *   ONNX external-data files beside the card (weights kept outside a graph file over
 *   protobuf's 2 GB, as train/denoiser/convert_guided.py writes them); each, and the gradient
 *   model when `gradientSha256` is there, is checked against its hash like the model file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { NucleiMixError } from '../../core/errors.ts';
import type { Conditioning, EpsFunction } from './ddim.ts';
import { checkSchedule, type NoiseSchedule } from './schedule.ts';

export const MODEL_FORMAT = 'nucleimix-denoiser';
export const MODEL_VERSION = 1;

export type DiffusionDevice = 'cpu' | 'cuda';

/** The fields of a model card the runtime uses (others — training, licence — are carried along). */
export interface ModelCard {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly tile: number;
  readonly conditioning: 'mask' | 'none';
  readonly normalisation: { readonly scale: number; readonly offset: number };
  readonly schedule: NoiseSchedule;
  readonly output: 'eps';
  readonly gradient: string | null;
  readonly sha256: string;
  /** The gradient model's sha256, checked like `sha256` when the card records it (convert_guided.py does; older cards may not). */
  readonly gradientSha256?: string;
  readonly parameters?: number;
  readonly flops?: number;
  /** ONNX external-data files beside the card, each with its sha256. */
  readonly externalData?: readonly { readonly file: string; readonly sha256: string }[];
  readonly [key: string]: unknown;
}

export interface DiffusionModel {
  /** The ONNX file's path, as given. */
  readonly file: string;
  readonly card: ModelCard;
  /** The ε model (validated: [B,3,S,S] out for [B,3,S,S] in). */
  readonly eps: EpsFunction;
  /** The MCG gradient model, when the card names one. */
  readonly gradient?: EpsFunction;
  release(): Promise<void>;
}

export interface LoadOptions {
  /** Execution provider (default cpu). `cuda` needs an onnxruntime-node built and installed with CUDA. */
  device?: DiffusionDevice;
  /**
   * ONNX Runtime intra-op threads (default: every core Node may use, `os.availableParallelism()`).
   * ONNX Runtime's own default, one thread per physical core, ran one thread on the 2-vCPU
   * machines here: a batch-16 forward of the shipped denoiser took 160 ms, 96 ms with 2.
   */
  threads?: number;
}

/** The card's path for a model file: `x/name.onnx` → `x/name.json`. */
export function cardPath(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.json';
}

/** Streamed: an external-data file of a large model can be over the 2 GB a Buffer holds. */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and checks a model card's text; every problem is a NucleiMixError naming `file`. */
export function parseCard(text: string, file: string): ModelCard {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NucleiMixError(`model card is not valid JSON (${(err as Error).message})`, file);
  }
  if (!isObject(raw)) throw new NucleiMixError('model card must be a JSON object', file);
  const c = raw;
  if (c.format !== MODEL_FORMAT) throw new NucleiMixError(`model card format is ${JSON.stringify(c.format)}, expected "${MODEL_FORMAT}"`, file);
  if (c.version !== MODEL_VERSION) throw new NucleiMixError(`model card version ${JSON.stringify(c.version)} is not supported (expected ${MODEL_VERSION})`, file);
  if (!(Number.isInteger(c.tile) && (c.tile as number) >= 8)) throw new NucleiMixError(`model card tile must be an integer ≥ 8, got ${JSON.stringify(c.tile)}`, file);
  if (c.conditioning !== 'mask' && c.conditioning !== 'none') throw new NucleiMixError(`model card conditioning must be "mask" or "none", got ${JSON.stringify(c.conditioning)}`, file);
  const n = c.normalisation;
  if (!isObject(n) || !(typeof n.scale === 'number' && n.scale > 0 && Number.isFinite(n.scale)) || !(typeof n.offset === 'number' && Number.isFinite(n.offset))) {
    throw new NucleiMixError('model card normalisation must be { "scale": > 0, "offset": number } (pixel/scale − offset)', file);
  }
  const s = c.schedule;
  if (!isObject(s)) throw new NucleiMixError('model card has no schedule object', file);
  checkSchedule(s as unknown as NoiseSchedule, file);
  if (c.output !== 'eps') throw new NucleiMixError(`model card output must be "eps" (ε prediction), got ${JSON.stringify(c.output)}`, file);
  if (c.gradient !== null && c.gradient !== undefined && !(typeof c.gradient === 'string' && c.gradient.length > 0)) throw new NucleiMixError('model card gradient must be null or a file name', file);
  if (!(typeof c.sha256 === 'string' && /^[0-9a-f]{64}$/.test(c.sha256))) throw new NucleiMixError('model card sha256 must be 64 lower-case hex digits', file);
  if (c.gradientSha256 !== undefined) {
    if (!(typeof c.gradientSha256 === 'string' && /^[0-9a-f]{64}$/.test(c.gradientSha256))) throw new NucleiMixError('model card gradientSha256 must be 64 lower-case hex digits', file);
    if (typeof c.gradient !== 'string') throw new NucleiMixError('model card has a gradientSha256 but names no gradient model', file);
  }
  if (c.flops !== undefined && !(typeof c.flops === 'number' && c.flops > 0)) throw new NucleiMixError('model card flops must be a positive number', file);
  if (c.externalData !== undefined) {
    const ok = Array.isArray(c.externalData) && c.externalData.every((e) => isObject(e) && typeof e.file === 'string' && e.file.length > 0 && basename(e.file) === e.file && typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256));
    if (!ok) throw new NucleiMixError('model card externalData must be a list of { "file": a file name beside the card, "sha256": 64 lower-case hex digits }', file);
  }
  return { ...(c as unknown as ModelCard), gradient: (c.gradient as string | null | undefined) ?? null };
}

/** Throws `missing`, naming `path`, unless a regular file is there. */
async function requireFile(path: string, missing: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new NucleiMixError(missing, path);
}

/** Throws, naming `path`, unless its sha256 is `want` (what `cardFile` records for `what`). */
async function checkHash(path: string, want: string, cardFile: string, what: string): Promise<void> {
  const hash = await sha256File(path);
  if (hash !== want) throw new NucleiMixError(`sha256 ${hash} does not match its card's ${want} (${basename(cardFile)}): ${what} and card do not belong together`, path);
}

/**
 * Reads `path`'s card and checks the files it names against it: the model's hash, each
 * external-data file's, and that the gradient model is there (and its hash, when the card
 * records one).
 */
export async function readModelCard(path: string): Promise<ModelCard> {
  await requireFile(path, 'diffusion model file not found');
  const cardFile = cardPath(path);
  const text = await readFile(cardFile, 'utf8').catch(() => undefined);
  if (text === undefined) throw new NucleiMixError(`model card not found (every diffusion model needs its card ${basename(cardFile)} beside it)`, cardFile);
  const card = parseCard(text, cardFile);
  await checkHash(path, card.sha256, cardFile, 'the model');
  for (const ext of card.externalData ?? []) {
    const extPath = join(dirname(path), ext.file);
    await requireFile(extPath, `external data file named by ${basename(cardFile)} not found`);
    await checkHash(extPath, ext.sha256, cardFile, 'the weights');
  }
  if (card.gradient !== null) {
    const gradFile = join(dirname(path), card.gradient);
    await requireFile(gradFile, `gradient model named by ${basename(cardFile)} not found`);
    if (card.gradientSha256 !== undefined) await checkHash(gradFile, card.gradientSha256, cardFile, 'the gradient model');
  }
  return card;
}

async function createSession(path: string, options: LoadOptions): Promise<ort.InferenceSession> {
  const device = options.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda') throw new NucleiMixError(`unknown device '${String(device)}' (expected cpu or cuda)`);
  if (device === 'cuda' && !ort.listSupportedBackends().some((b) => b.name === 'cuda')) {
    throw new NucleiMixError('this onnxruntime-node has no CUDA execution provider; use --device cpu', path);
  }
  try {
    return await ort.InferenceSession.create(path, {
      executionProviders: [device],
      logSeverityLevel: 3,
      interOpNumThreads: 1,
      intraOpNumThreads: options.threads ?? availableParallelism(),
    });
  } catch (err) {
    const msg = (err as Error).message;
    if (device === 'cuda') {
      throw new NucleiMixError(`the CUDA execution provider could not start (${msg.split('\n')[0]}); onnxruntime-node needs its CUDA build (npm install with ONNXRUNTIME_NODE_INSTALL_CUDA=v12) and CUDA 12 with cuDNN 9, or use --device cpu`, path);
    }
    throw new NucleiMixError(`not a loadable ONNX model (${msg.split('\n')[0]})`, path);
  }
}

type Dim = number | string | undefined;
const fixed = (d: Dim): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);

interface InputSpec {
  name: string;
  /** Expected dims after the batch axis. */
  dims: number[];
}

/**
 * Checks a session's inputs and output against `specs` and returns its fixed batch size, if
 * any. Symbolic dims pass; fixed ones must equal the expected.
 */
function checkSession(session: ort.InferenceSession, specs: InputSpec[], output: string, file: string): number | undefined {
  const names = session.inputNames;
  const want = specs.map((s) => s.name);
  if (names.length !== want.length || !want.every((n) => names.includes(n))) {
    throw new NucleiMixError(`model inputs are [${names.join(', ')}]; this card's model needs exactly [${want.join(', ')}]`, file);
  }
  let batch: number | undefined;
  for (const meta of session.inputMetadata) {
    const spec = specs.find((s) => s.name === meta.name)!;
    if (!meta.isTensor || meta.type !== 'float32') throw new NucleiMixError(`input '${meta.name}' must be a float32 tensor`, file);
    const shape = meta.shape;
    const shown = `[${shape.join(', ')}]`;
    const expected = `[B, ${spec.dims.join(', ')}]`;
    if (shape.length !== spec.dims.length + 1) throw new NucleiMixError(`input '${meta.name}' has shape ${shown}, expected ${expected}`, file);
    spec.dims.forEach((d, i) => {
      const got = fixed(shape[i + 1]);
      if (got !== undefined && got !== d) throw new NucleiMixError(`input '${meta.name}' has shape ${shown}, expected ${expected}`, file);
    });
    const b = fixed(shape[0]);
    if (b !== undefined) {
      if (batch !== undefined && b !== batch) throw new NucleiMixError(`inputs fix different batch sizes (${batch} and ${b})`, file);
      batch = b;
    }
  }
  if (!session.outputNames.includes(output)) throw new NucleiMixError(`model outputs are [${session.outputNames.join(', ')}]; expected '${output}'`, file);
  return batch;
}

/**
 * An {@link EpsFunction} over `session`: feeds x, t and whichever of known, mask and y it
 * takes, in runs of its fixed batch size (zero-padded) or the whole batch, and checks the
 * output is [B,3,S,S] float32 with finite values.
 */
function runner(session: ort.InferenceSession, file: string, S: number, output: string, fixedBatch: number | undefined): EpsFunction {
  const per = 3 * S * S;
  const plane = S * S;
  const takes = new Set(session.inputNames);
  return async (x: Float32Array, t: Float32Array, cond: Conditioning) => {
    const B = t.length;
    const out = new Float32Array(B * per);
    const chunk = fixedBatch ?? B;
    for (let start = 0; start < B; start += chunk) {
      const n = Math.min(chunk, B - start);
      const rows = fixedBatch ?? n;
      const slice = (src: Float32Array, size: number): Float32Array => {
        const v = src.subarray(start * size, (start + n) * size);
        if (rows === n) return v;
        const padded = new Float32Array(rows * size);
        padded.set(v);
        return padded;
      };
      const feeds: Record<string, ort.Tensor> = {
        x: new ort.Tensor('float32', slice(x, per), [rows, 3, S, S]),
        t: new ort.Tensor('float32', slice(t, 1), [rows]),
      };
      if (takes.has('known')) feeds.known = new ort.Tensor('float32', slice(cond.known, per), [rows, 3, S, S]);
      if (takes.has('y')) feeds.y = new ort.Tensor('float32', slice(cond.known, per), [rows, 3, S, S]);
      if (takes.has('mask')) feeds.mask = new ort.Tensor('float32', slice(cond.mask, plane), [rows, 1, S, S]);
      let result: ort.InferenceSession.ReturnType;
      try {
        result = await session.run(feeds, [output]);
      } catch (err) {
        throw new NucleiMixError(`the model failed on a batch of ${rows} (${(err as Error).message.split('\n')[0]})`, file);
      }
      const o = result[output];
      const dims = o.dims;
      if (o.type !== 'float32' || dims.length !== 4 || dims[0] !== rows || dims[1] !== 3 || dims[2] !== S || dims[3] !== S) {
        throw new NucleiMixError(`output '${output}' is ${o.type} [${dims.join(', ')}] for a batch of ${rows}; expected float32 [${rows}, 3, ${S}, ${S}]`, file);
      }
      const data = (o.data as Float32Array).subarray(0, n * per);
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new NucleiMixError(`output '${output}' holds NaN or infinite values`, file);
      out.set(data, start * per);
    }
    return out;
  };
}

/**
 * Loads the model at `path` (an `.onnx` file with its card beside it), checks card, hash,
 * inputs and output, and probes the ε model once on a batch of one.
 *
 * @throws NucleiMixError naming the file for a missing or mismatched card, a hash mismatch
 *   (the model's, an external-data file's, the gradient model's), wrong input names or shapes,
 *   a missing gradient model, or a device that is not there.
 */
export async function loadDiffusionModel(path: string, options: LoadOptions = {}): Promise<DiffusionModel> {
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) throw new NucleiMixError(`threads must be a positive integer, got ${options.threads}`);
  const card = await readModelCard(path);
  const S = card.tile;
  const image = [3, S, S];
  const epsSpecs: InputSpec[] = [
    { name: 'x', dims: image },
    { name: 't', dims: [] },
    ...(card.conditioning === 'mask' ? [{ name: 'known', dims: image }, { name: 'mask', dims: [1, S, S] }] : []),
  ];
  const sessions: ort.InferenceSession[] = [];
  const releaseAll = async (): Promise<void> => {
    for (const s of sessions.splice(0)) await s.release();
  };
  try {
    const epsSession = await createSession(path, options);
    sessions.push(epsSession);
    const eps = runner(epsSession, path, S, 'eps', checkSession(epsSession, epsSpecs, 'eps', path));

    let gradient: EpsFunction | undefined;
    if (card.gradient !== null) {
      const gradFile = join(dirname(path), card.gradient); // there, and its hash checked if recorded (readModelCard)
      const gradSession = await createSession(gradFile, options);
      sessions.push(gradSession);
      const gradSpecs = [...epsSpecs, { name: 'y', dims: image }, ...(card.conditioning === 'mask' ? [] : [{ name: 'mask', dims: [1, S, S] }])];
      gradient = runner(gradSession, gradFile, S, 'grad', checkSession(gradSession, gradSpecs, 'grad', gradFile));
    }

    // The probe: mid-grey known pixels around a hole, at a mid timestep.
    const known = new Float32Array(3 * S * S);
    const mask = new Float32Array(S * S).fill(1);
    await eps(new Float32Array(3 * S * S), Float32Array.of(Math.floor(card.schedule.T / 2)), { known, mask });

    return { file: path, card, eps, ...(gradient !== undefined ? { gradient } : {}), release: releaseAll };
  } catch (err) {
    await releaseAll();
    throw err;
  }
}
