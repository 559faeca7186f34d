/**
 * A user-supplied ONNX image encoder as context descriptor (the paper's choice is
 * CTransPath, a Swin-T exported to ONNX: [N,3,224,224] → [N,768]). Runs on ONNX Runtime's CPU
 * execution provider (onnxruntime-node), one session per thread.
 *
 * What the model is fed: each patch as an NCHW float32 tensor, RGB, scaled to [0, 1] then
 * normalised per channel, (x − mean) / std (ImageNet's by default, as torchvision and
 * CTransPath expect). When the model's input fixes H×W to something other than the patch's
 * size — or leaves it open and `size` asks for another — the patch is resized first (sharp,
 * bilinear with libvips's anti-aliasing, to 8-bit: what a PIL/torchvision pipeline would
 * feed). What comes back: the model's first output, flattened per patch ([N,768] and
 * [N,768,1,1] alike give 768 values).
 *
 * The input name, rank, channel count, batch size and H×W are read from the session's
 * metadata; the number of output values per patch from one probe run at load time, which
 * also checks that the output has one vector per patch.
 */
import { stat } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { NucleiMixError } from '../core/errors.ts';
import type { RgbImage } from '../core/raster.ts';
import { CONTEXT_SIZE } from './extract.ts';
import { glcmStats } from './glcm.ts';

/** Bumped whenever what the encoder descriptor contains changes (it names the cached features). */
export const ENCODER_DESCRIPTOR_VERSION = 'onnx+glcm-1';

export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

export interface OnnxEncoderOptions {
  /**
   * Side (px) patches are resized to when the model's input leaves H and W open (default:
   * the context size, 224: no resizing). Must agree with H×W if the model fixes them.
   */
  size?: number;
  /** Per-channel mean of the [0, 1]-scaled RGB values (default ImageNet's). */
  mean?: readonly [number, number, number];
  /** Per-channel standard deviation (default ImageNet's). */
  std?: readonly [number, number, number];
  /** ONNX Runtime intra-op threads (default: ONNX Runtime's choice, one per core). */
  threads?: number;
}

export interface OnnxEncoder {
  /** Values per patch (768 for CTransPath). */
  readonly dims: number;
  /** Height and width of the tensor the model is fed. */
  readonly inputSize: readonly [number, number];
  /** One vector of `dims` values per patch, in order. Patches are H×W RGB, any size. */
  encode(patches: readonly RgbImage[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

/** The largest batch handed to a model with a dynamic batch dimension (64 × 3×224×224 float32 = 38 MB). */
const MAX_BATCH = 64;

/** A fixed dimension, or undefined when the model leaves it open (a symbolic name, −1 or 0). */
function fixedDim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

function checkTriple(v: readonly number[], name: string, file: string, positive: boolean): void {
  if (v.length !== 3 || !v.every((x) => Number.isFinite(x) && (!positive || x > 0))) {
    throw new NucleiMixError(`encoder ${name} must be 3 finite${positive ? ' positive' : ''} numbers (R, G, B), got [${v.join(', ')}]`, file);
  }
}

/**
 * Loads the model at `path` and checks it fits: one float32 input of rank 4 with 3 channels
 * (NCHW), an output with one vector per item. Every problem — a missing file, something that
 * is not an ONNX model, an unsuitable input or output — is a NucleiMixError naming `path`.
 */
export async function createOnnxEncoder(path: string, options: OnnxEncoderOptions = {}): Promise<OnnxEncoder> {
  const mean = options.mean ?? IMAGENET_MEAN;
  const std = options.std ?? IMAGENET_STD;
  checkTriple(mean, 'mean', path, false);
  checkTriple(std, 'std', path, true);
  if (options.size !== undefined && !(Number.isInteger(options.size) && options.size >= 1)) throw new NucleiMixError(`encoder input size must be a positive integer, got ${options.size}`, path);
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) throw new NucleiMixError(`encoder threads must be a positive integer, got ${options.threads}`, path);

  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new NucleiMixError('ONNX model not found', path);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
      interOpNumThreads: 1,
      ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
    });
  } catch (err) {
    throw new NucleiMixError(`not a loadable ONNX model (${(err as Error).message})`, path);
  }

  try {
    const inputs = session.inputMetadata;
    if (inputs.length !== 1) throw new NucleiMixError(`the model has ${inputs.length} inputs; an image encoder takes exactly one (an NCHW image batch)`, path);
    const input = inputs[0];
    if (!input.isTensor || input.type !== 'float32') throw new NucleiMixError(`input '${input.name}' must be a float32 tensor, got ${input.isTensor ? input.type : 'a non-tensor value'}`, path);
    const shape = input.shape;
    const shown = `[${shape.join(', ')}]`;
    if (shape.length !== 4) throw new NucleiMixError(`input '${input.name}' has shape ${shown}; an image encoder takes NCHW, rank 4 ([N, 3, H, W])`, path);
    const channels = fixedDim(shape[1]);
    if (channels !== undefined && channels !== 3) throw new NucleiMixError(`input '${input.name}' has shape ${shown}: ${channels} channels, expected 3 (RGB, NCHW)`, path);
    const fixedH = fixedDim(shape[2]);
    const fixedW = fixedDim(shape[3]);
    if (options.size !== undefined && ((fixedH !== undefined && fixedH !== options.size) || (fixedW !== undefined && fixedW !== options.size))) {
      throw new NucleiMixError(`input '${input.name}' has shape ${shown}, which fixes H×W; an input size of ${options.size} does not fit it`, path);
    }
    const h = fixedH ?? options.size ?? CONTEXT_SIZE;
    const w = fixedW ?? options.size ?? CONTEXT_SIZE;
    // A fixed batch (often 1 in exported models) is filled up to its size; otherwise one run takes up to MAX_BATCH patches.
    const fixedBatch = fixedDim(shape[0]);
    const batch = fixedBatch ?? MAX_BATCH;
    const outputName = session.outputNames[0];
    if (outputName === undefined) throw new NucleiMixError('the model has no output', path);

    // Scaling and normalisation of every 8-bit level, per channel: (v / 255 − mean) / std.
    const lut = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[256 * c + v] = (v / 255 - mean[c]) / std[c];
    const plane = h * w;

    const toInput = async (patch: RgbImage): Promise<Uint8Array> => {
      if (patch.channels !== 3 || patch.data.length !== patch.width * patch.height * 3) throw new NucleiMixError(`patches must be H×W×3 RGB, got ${patch.width}×${patch.height}×${patch.channels}`, path);
      if (patch.width === w && patch.height === h) return patch.data;
      const raw = Buffer.from(patch.data.buffer, patch.data.byteOffset, patch.data.byteLength);
      const out = await sharp(raw, { raw: { width: patch.width, height: patch.height, channels: 3 } }).resize(w, h, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    };

    let dims = 0;
    const run = async (patches: readonly RgbImage[]): Promise<Float32Array[]> => {
      const n = fixedBatch ?? patches.length;
      const tensorData = new Float32Array(n * 3 * plane);
      for (let i = 0; i < patches.length; i++) {
        const px = await toInput(patches[i]);
        const base = i * 3 * plane;
        for (let p = 0, q = 0; p < plane; p++, q += 3) {
          tensorData[base + p] = lut[px[q]];
          tensorData[base + plane + p] = lut[256 + px[q + 1]];
          tensorData[base + 2 * plane + p] = lut[512 + px[q + 2]];
        }
      }
      const dimsIn = [n, 3, h, w];
      let result: ort.InferenceSession.ReturnType;
      try {
        result = await session.run({ [input.name]: new ort.Tensor('float32', tensorData, dimsIn) }, [outputName]);
      } catch (err) {
        throw new NucleiMixError(`the model failed on an input of shape [${dimsIn.join(', ')}] (${(err as Error).message})`, path);
      }
      const out = result[outputName] as ort.Tensor;
      const odims = out.dims;
      const per = odims.slice(1).reduce((a, b) => a * b, 1);
      if (odims.length < 2 || odims[0] !== n || (dims !== 0 && per !== dims) || per === 0) {
        throw new NucleiMixError(`output '${outputName}' has shape [${odims.join(', ')}] for a batch of ${n}; expected one vector per patch ([${n}, …]${dims !== 0 ? `, ${dims} values each` : ''})`, path);
      }
      if (out.type !== 'float32' && out.type !== 'float64') throw new NucleiMixError(`output '${outputName}' is ${out.type}; expected float32 or float64`, path);
      const data = out.data as Float32Array | Float64Array;
      const rows: Float32Array[] = [];
      for (let i = 0; i < patches.length; i++) {
        const row = Float32Array.from(data.subarray(i * per, (i + 1) * per));
        if (!row.every(Number.isFinite)) throw new NucleiMixError(`output '${outputName}' holds NaN or infinite values`, path);
        rows.push(row);
      }
      return rows;
    };

    // The probe: a mid-grey patch gives the output's length and checks its layout.
    const probe = { width: w, height: h, channels: 3 as const, data: new Uint8Array(plane * 3).fill(128) };
    dims = (await run([probe]))[0].length;

    return {
      dims,
      inputSize: [h, w],
      async encode(patches) {
        const out: Float32Array[] = [];
        for (let start = 0; start < patches.length; start += batch) out.push(...(await run(patches.slice(start, start + batch))));
        return out;
      },
      release: () => session.release(),
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** Length of the encoder descriptor: the model's values then the 4 GLCM statistics. */
export function encoderFeatureCount(dims: number): number {
  return dims + GLCM_FEATURES;
}

const GLCM_FEATURES = 4;

/**
 * One row of the encoder descriptor, as the official code builds it: the model's vector for
 * `patch`, then GLCM dissimilarity, homogeneity, energy and ASM of the patch's mean-RGB grey
 * image (⌊(r + g + b) / 3⌋, distance 2, angle 0, 256 levels; src/features/glcm.ts). Natural
 * units, unstandardised. Returns {@link encoderFeatureCount}(vector.length) values on their
 * own ArrayBuffer.
 */
export function encoderRow(vector: Float32Array, patch: RgbImage): Float64Array<ArrayBuffer> {
  const n = patch.width * patch.height;
  const grey = new Uint8Array(n);
  const data = patch.data;
  for (let p = 0, q = 0; p < n; p++, q += 3) grey[p] = ((data[q] + data[q + 1] + data[q + 2]) * 21846) >>> 16; // = ⌊sum / 3⌋ for sums 0..765
  const g = glcmStats(grey, patch.width, patch.height);
  const row = new Float64Array(encoderFeatureCount(vector.length));
  row.set(vector);
  row.set([g.dissimilarity, g.homogeneity, g.energy, g.asm], vector.length);
  return row;
}
