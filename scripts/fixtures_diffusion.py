#!/usr/bin/env python3
"""Writes tiny diffusion denoisers into test/fixtures/diffusion/ for the tests of
src/inpaint/diffusion (the `onnx` package, >= 1.12; Debian: python3-onnx). Each model has its
model card beside it, in the format src/inpaint/diffusion/model-file.ts reads.

- tiny-random.onnx (+ .json): a mask-conditioned ε model at S = 32 with random weights (numpy
  seed 0): Concat(x, known, mask) -> Conv 3x3 (7->8) + a timestep term (t/T * w) -> Relu ->
  Conv 3x3 (8->3) -> "eps". Batch axis dynamic. Not a denoiser: it exercises the plumbing.
- tiny-random-b2.onnx (+ .json): the same model and weights with the batch axis fixed at 2
  (runs of two, padded: what exporters that fix the batch give).
- tiny-linear.onnx (+ .json) and tiny-linear-grad.onnx: an unconditional ε model at S = 16,
  eps = k_t * C(x) with C a 3x3 convolution (3->3, zero padding 1, random weights) and
  k_t = 1 + t/(2T); and its MCG gradient model, a hand-written vector-Jacobian product:
      x0(x) = (x - s1a_t * eps) / sa_t            (sa_t = sqrt(abar_t), s1a_t = sqrt(1 - abar_t))
      r = (1 - m) * (y - x0)
      grad = d/dx ||r||^2 = -2 J^T r = -2 (r - s1a_t * k_t * C^T(r)) / sa_t
  where C^T, the adjoint of the convolution, is ConvTranspose with the same weights and pads.
  sa_t and s1a_t are read from tables of the linear schedule (T = 1000, 1e-4 .. 0.02) by
  Gather on the integer timestep. This is how a gradient model for any network is exported:
  ONNX has no autograd, so the backward pass is written out as forward ops, layer by layer
  (Conv -> ConvTranspose with the same weights, Relu -> multiply by its 0/1 pattern, Add ->
  pass the cotangent to both inputs, Concat -> Slice it), and exported like the forward. The
  tests compare it against finite differences of the exported eps model.
- gaussian.onnx (+ .json): the exact ε of data x0 ~ N(MU, SIGMA^2) per value (normalised units,
  MU = 0.2, SIGMA = 0.25) at S = 32, unconditional: eps = s1a_t * (x - sa_t * MU) / v_t with
  v_t = abar_t * SIGMA^2 + 1 - abar_t, its coefficients Gathered from per-timestep tables. DDIM's
  output for it is known in closed form (test/inpaint/diffusion-ddim.test.ts derives it), so the
  engine's bytes can be checked end to end.

Every card records the model's sha256 and parameter count. Opset 13, IR version 7.

Run: /usr/bin/python3 scripts/fixtures_diffusion.py
"""
import hashlib
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'diffusion')
OPSET = 13
T, BETA_START, BETA_END = 1000, 1e-4, 0.02


def f32(a):
    return np.asarray(a, dtype=np.float32)


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def save(graph, name):
    model = helper.make_model(graph, producer_name='nucleimix-fixtures', opset_imports=[helper.make_opsetid('', OPSET)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    print(f'{path}: {os.path.getsize(path)} bytes')
    return model, path


def parameters(model):
    """Float tensors of rank >= 1 among the initializers: weights and biases, not scalar constants."""
    return int(sum(np.prod(t.dims) for t in model.graph.initializer if t.data_type == TensorProto.FLOAT and len(t.dims) > 0))


def card(model, path, tile, conditioning, inputs, gradient=None):
    with open(path, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    c = {
        'format': 'nucleimix-denoiser',
        'version': 1,
        'tile': tile,
        'conditioning': conditioning,
        'normalisation': {'scale': 127.5, 'offset': 1},
        'schedule': {'kind': 'linear', 'T': T, 'betaStart': BETA_START, 'betaEnd': BETA_END},
        'inputs': inputs,
        'output': 'eps',
        'gradient': gradient,
        'parameters': parameters(model),
        'training': {'note': 'randomly initialised test fixture, never trained (scripts/fixtures_diffusion.py)'},
        'licence': {'weights': 'MIT, as nucleimix', 'data': 'none'},
        'sha256': sha,
    }
    with open(path[: -len('.onnx')] + '.json', 'w') as f:
        json.dump(c, f, indent=2)
        f.write('\n')


def tiny_random(batch='N', name='tiny-random.onnx'):
    S = 32
    rng = np.random.default_rng(0)
    w1 = f32(rng.normal(0, 0.15, (8, 7, 3, 3)))
    b1 = f32(rng.normal(0, 0.05, 8))
    wt = f32(rng.normal(0, 0.5, (1, 8, 1, 1)))
    w2 = f32(rng.normal(0, 0.15, (3, 8, 3, 3)))
    b2 = f32(rng.normal(0, 0.05, 3))
    nodes = [
        helper.make_node('Concat', ['x', 'known', 'mask'], ['h0'], axis=1),
        helper.make_node('Conv', ['h0', 'w1', 'b1'], ['h1'], pads=[1, 1, 1, 1]),
        helper.make_node('Unsqueeze', ['t', 'axes123'], ['t4']),
        helper.make_node('Mul', ['t4', 'invT'], ['tn']),
        helper.make_node('Mul', ['tn', 'wt'], ['temb']),
        helper.make_node('Add', ['h1', 'temb'], ['h2']),
        helper.make_node('Relu', ['h2'], ['h3']),
        helper.make_node('Conv', ['h3', 'w2', 'b2'], ['eps'], pads=[1, 1, 1, 1]),
    ]
    img = [batch, 3, S, S]
    graph = helper.make_graph(
        nodes,
        'tiny_random',
        [tensor('x', img), tensor('t', [batch]), tensor('known', img), tensor('mask', [batch, 1, S, S])],
        [tensor('eps', img)],
        initializer=[
            numpy_helper.from_array(w1, 'w1'),
            numpy_helper.from_array(b1, 'b1'),
            numpy_helper.from_array(wt, 'wt'),
            numpy_helper.from_array(w2, 'w2'),
            numpy_helper.from_array(b2, 'b2'),
            numpy_helper.from_array(np.array([1, 2, 3], dtype=np.int64), 'axes123'),
            numpy_helper.from_array(f32(1.0 / T), 'invT'),
        ],
    )
    model, path = save(graph, name)
    card(model, path, S, 'mask', ['x', 't', 'known', 'mask'])


def abar():
    betas = np.linspace(BETA_START, BETA_END, T, dtype=np.float64)
    return np.cumprod(1 - betas)


def linear_eps_nodes():
    """eps = k_t * C(x), k_t = 1 + t/(2T); also leaves 'k4' ([N,1,1,1]) for the gradient."""
    return [
        helper.make_node('Conv', ['x', 'w'], ['cx'], pads=[1, 1, 1, 1]),
        helper.make_node('Unsqueeze', ['t', 'axes123'], ['t4']),
        helper.make_node('Mul', ['t4', 'half_invT'], ['th']),
        helper.make_node('Add', ['th', 'one'], ['k4']),
        helper.make_node('Mul', ['cx', 'k4'], ['eps']),
    ]


def tiny_linear():
    S = 16
    rng = np.random.default_rng(1)
    w = f32(rng.normal(0, 0.2, (3, 3, 3, 3)))
    a = abar()
    common = [
        numpy_helper.from_array(w, 'w'),
        numpy_helper.from_array(np.array([1, 2, 3], dtype=np.int64), 'axes123'),
        numpy_helper.from_array(f32(0.5 / T), 'half_invT'),
        numpy_helper.from_array(f32(1.0), 'one'),
    ]
    img = ['N', 3, S, S]
    graph = helper.make_graph(linear_eps_nodes(), 'tiny_linear', [tensor('x', img), tensor('t', ['N'])], [tensor('eps', img)], initializer=common)
    model, path = save(graph, 'tiny-linear.onnx')

    grad_nodes = linear_eps_nodes() + [
        helper.make_node('Cast', ['t'], ['ti'], to=TensorProto.INT64),
        helper.make_node('Gather', ['sa_table', 'ti'], ['sa']),
        helper.make_node('Gather', ['s1a_table', 'ti'], ['s1a']),
        helper.make_node('Unsqueeze', ['sa', 'axes123'], ['sa4']),
        helper.make_node('Unsqueeze', ['s1a', 'axes123'], ['s1a4']),
        # x0 = (x - s1a * eps) / sa
        helper.make_node('Mul', ['s1a4', 'eps'], ['s1a_eps']),
        helper.make_node('Sub', ['x', 's1a_eps'], ['num']),
        helper.make_node('Div', ['num', 'sa4'], ['x0']),
        # r = (1 - m) * (y - x0)
        helper.make_node('Sub', ['one', 'mask'], ['keep']),
        helper.make_node('Sub', ['y', 'x0'], ['res']),
        helper.make_node('Mul', ['keep', 'res'], ['r']),
        # grad = -2 (r - s1a * k * C^T r) / sa
        helper.make_node('ConvTranspose', ['r', 'w'], ['ctr'], pads=[1, 1, 1, 1]),
        helper.make_node('Mul', ['ctr', 'k4'], ['kctr']),
        helper.make_node('Mul', ['kctr', 's1a4'], ['skctr']),
        helper.make_node('Sub', ['r', 'skctr'], ['jt']),
        helper.make_node('Div', ['jt', 'sa4'], ['jts']),
        helper.make_node('Mul', ['jts', 'minus_two'], ['grad']),
    ]
    ggraph = helper.make_graph(
        grad_nodes,
        'tiny_linear_grad',
        [tensor('x', img), tensor('t', ['N']), tensor('y', img), tensor('mask', ['N', 1, S, S])],
        [tensor('grad', img)],
        initializer=common
        + [
            numpy_helper.from_array(f32(np.sqrt(a)), 'sa_table'),
            numpy_helper.from_array(f32(np.sqrt(1 - a)), 's1a_table'),
            numpy_helper.from_array(f32(-2.0), 'minus_two'),
        ],
    )
    save(ggraph, 'tiny-linear-grad.onnx')
    card(model, path, S, 'none', ['x', 't'], gradient='tiny-linear-grad.onnx')


GAUSS_MU, GAUSS_SIGMA = 0.2, 0.25


def gaussian():
    S = 32
    a = abar()
    scale = np.sqrt(1 - a) / (a * GAUSS_SIGMA**2 + 1 - a)
    shift = np.sqrt(a) * GAUSS_MU
    img = ['N', 3, S, S]
    nodes = [
        helper.make_node('Cast', ['t'], ['ti'], to=TensorProto.INT64),
        helper.make_node('Gather', ['scale_table', 'ti'], ['scale']),
        helper.make_node('Gather', ['shift_table', 'ti'], ['shift']),
        helper.make_node('Unsqueeze', ['scale', 'axes123'], ['scale4']),
        helper.make_node('Unsqueeze', ['shift', 'axes123'], ['shift4']),
        helper.make_node('Sub', ['x', 'shift4'], ['d']),
        helper.make_node('Mul', ['d', 'scale4'], ['eps']),
    ]
    graph = helper.make_graph(
        nodes,
        'gaussian',
        [tensor('x', img), tensor('t', ['N'])],
        [tensor('eps', img)],
        initializer=[
            numpy_helper.from_array(f32(scale), 'scale_table'),
            numpy_helper.from_array(f32(shift), 'shift_table'),
            numpy_helper.from_array(np.array([1, 2, 3], dtype=np.int64), 'axes123'),
        ],
    )
    model, path = save(graph, 'gaussian.onnx')
    card(model, path, S, 'none', ['x', 't'])


def main():
    os.makedirs(OUT, exist_ok=True)
    tiny_random()
    tiny_random(2, 'tiny-random-b2.onnx')
    tiny_linear()
    gaussian()


if __name__ == '__main__':
    main()
