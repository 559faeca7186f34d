/**
 * Counts the FLOPs of one forward of an ONNX model for one batch item, from the shapes
 * onnxruntime actually runs with: one profiled run at batch 1 (graph optimisations off, so
 * the nodes are the file's own), then 2 × the multiply-adds of every Conv, ConvTranspose,
 * MatMul and Gemm node (the ops that dominate a UNet; norms, activations and element-wise ops
 * are left out). Reading shapes from a run, not from ONNX shape inference, works for torch
 * exports whose GroupNorm reshapes leave static inference without shapes.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { NucleiMixError } from '../../core/errors.ts';

interface ProfileEvent {
  cat: string;
  name: string;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

const prod = (v: readonly number[]): number => v.reduce((a, b) => a * b, 1);
const dims = (s: Record<string, number[]> | undefined): number[] | undefined => (s === undefined ? undefined : Object.values(s)[0]);

/** FLOPs of one profiled node, or undefined for an op that is not counted. */
export function nodeFlops(op: string, inputs: (number[] | undefined)[], output: number[] | undefined): number | undefined {
  const [a, w] = inputs;
  if (output === undefined || a === undefined) return undefined;
  switch (op) {
    case 'Conv': // weights [Cout, Cin/group, kh, kw]: each output value takes Cin/group·kh·kw multiply-adds
      return w === undefined ? undefined : 2 * prod(output) * prod(w.slice(1));
    case 'ConvTranspose': // weights [Cin, Cout/group, kh, kw]: each input value spreads over Cout/group·kh·kw outputs
      return w === undefined ? undefined : 2 * prod(a) * prod(w.slice(1));
    case 'MatMul':
      return 2 * prod(output) * a[a.length - 1];
    case 'Gemm': {
      // A is [M, K], or [K, M] under transA; the output is [M, N].
      const k = a[0] === output[0] ? a[1] : a[0];
      return 2 * prod(output) * k;
    }
    default:
      return undefined;
  }
}

/**
 * FLOPs of one forward of the model at `path` for one item: it is run once on zeros, every
 * open dimension (the batch) set to 1. Inputs must be float32.
 *
 * @throws NucleiMixError when the model does not load or run, or a counted node's weights are not in the profile.
 */
export async function countFlops(path: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'nucleimix-flops-'));
  try {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', enableProfiling: true, profileFilePrefix: join(dir, 'profile'), logSeverityLevel: 3 });
    } catch (err) {
      throw new NucleiMixError(`not a loadable ONNX model (${(err as Error).message.split('\n')[0]})`, path);
    }
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const meta of session.inputMetadata) {
        if (!meta.isTensor || meta.type !== 'float32') throw new NucleiMixError(`input '${meta.name}' is not a float32 tensor`, path);
        const shape = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
        feeds[meta.name] = new ort.Tensor('float32', new Float32Array(prod(shape)), shape);
      }
      await session.run(feeds);
      session.endProfiling();
    } finally {
      await session.release();
    }
    const [file] = await readdir(dir);
    if (file === undefined) throw new NucleiMixError('onnxruntime wrote no profile', path);
    const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as ProfileEvent[];
    let total = 0;
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.args?.op_name === undefined) continue;
      const op = e.args.op_name;
      if (!['Conv', 'ConvTranspose', 'MatMul', 'Gemm'].includes(op)) continue;
      const f = nodeFlops(op, (e.args.input_type_shape ?? []).map(dims), dims(e.args.output_type_shape?.[0]));
      if (f === undefined) throw new NucleiMixError(`cannot count the FLOPs of ${op} node ${e.name.replace(/_kernel_time$/, '')}: its shapes are not in the profile`, path);
      total += f;
    }
    return total;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
