#!/usr/bin/env python3
"""Writes tiny ONNX image encoders into test/fixtures/onnx/ (the `onnx` package, >= 1.12;
Debian: python3-onnx). They stand in for CTransPath in the tests of src/features/onnx-encoder.ts:
a few hundred bytes each, with outputs simple enough to compute by hand.

- tiny.onnx: input "image" [N,3,224,224] float32 (N dynamic) -> Slice of the pixel at row 5,
  column 17 -> Flatten -> MatMul W (3x8) -> Add b (8) -> "features" [N,8]. So a patch's output
  is (normalised RGB of that pixel) @ W + b: computable by hand to float32 precision (a global
  average would sum 50,176 values in float32 and be off by ~1e-4), and it tells rows from
  columns, which a global average would not.
- tiny-anysize.onnx: the same with H and W dynamic too ([N,3,H,W]).
- tiny-b1-32.onnx: input [1,3,32,32] (batch fixed at 1, so one patch per run; the 224 patch
  must be resized) -> AveragePool 16x16 stride 16 -> "quadrants" [1,3,2,2]: the channel
  means of the four 16x16 quadrants, a 4-D per-item output (12 values).
- grey-input.onnx: input [N,1,224,224] (one channel: must be refused).
- rank3-input.onnx: input [N,224,224] (not NCHW: must be refused).
- batch-mean.onnx: input [N,3,224,224] -> ReduceMean over axes 0, 2, 3 -> [3] (one vector for
  the whole batch, not one per patch: must be refused).
- weights.json: W, b and the pixel (row, column) of tiny*.onnx, for the tests' hand-computed
  answers.

Every weight is a dyadic rational (exact in float32), opset 13, IR version 7.

Run: /usr/bin/python3 scripts/fixtures_onnx.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')
OPSET = 13

W = np.array(
    [
        [1.0, -0.5, 0.25, 2.0, 0.0, -1.0, 0.75, 1.5],
        [0.5, 1.0, -0.25, -2.0, 0.125, 0.5, -0.75, 1.0],
        [-1.0, 0.25, 1.0, 0.5, -0.125, 2.0, 0.5, -1.5],
    ],
    dtype=np.float32,
)
B = np.array([0.5, -0.25, 1.0, 0.0, 0.125, -2.0, 0.375, 3.0], dtype=np.float32)


def save(graph, name):
    model = helper.make_model(graph, producer_name='nucleimix-fixtures', opset_imports=[helper.make_opsetid('', OPSET)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    print(f'{path}: {os.path.getsize(path)} bytes')


PIXEL = (5, 17)  # row, column read by tiny*.onnx


def linear_head(name, input_shape):
    """Slice one pixel -> Flatten -> MatMul W -> Add b on an NCHW input."""
    y, x = PIXEL
    nodes = [
        helper.make_node('Slice', ['image', 'starts', 'ends', 'axes'], ['pixel']),
        helper.make_node('Flatten', ['pixel'], ['flat'], axis=1),
        helper.make_node('MatMul', ['flat', 'W'], ['mm']),
        helper.make_node('Add', ['mm', 'b'], ['features']),
    ]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info('image', TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info('features', TensorProto.FLOAT, [input_shape[0], 8])],
        initializer=[
            numpy_helper.from_array(W, 'W'),
            numpy_helper.from_array(B, 'b'),
            numpy_helper.from_array(np.array([y, x], dtype=np.int64), 'starts'),
            numpy_helper.from_array(np.array([y + 1, x + 1], dtype=np.int64), 'ends'),
            numpy_helper.from_array(np.array([2, 3], dtype=np.int64), 'axes'),
        ],
    )
    return graph


def main():
    os.makedirs(OUT, exist_ok=True)
    save(linear_head('tiny', ['N', 3, 224, 224]), 'tiny.onnx')
    save(linear_head('tiny_anysize', ['N', 3, 'H', 'W']), 'tiny-anysize.onnx')

    save(
        helper.make_graph(
            [helper.make_node('AveragePool', ['image'], ['quadrants'], kernel_shape=[16, 16], strides=[16, 16])],
            'tiny_b1_32',
            [helper.make_tensor_value_info('image', TensorProto.FLOAT, [1, 3, 32, 32])],
            [helper.make_tensor_value_info('quadrants', TensorProto.FLOAT, [1, 3, 2, 2])],
        ),
        'tiny-b1-32.onnx',
    )

    save(
        helper.make_graph(
            [helper.make_node('GlobalAveragePool', ['image'], ['pooled']), helper.make_node('Flatten', ['pooled'], ['features'], axis=1)],
            'grey_input',
            [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', 1, 224, 224])],
            [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', 1])],
        ),
        'grey-input.onnx',
    )

    save(
        helper.make_graph(
            [helper.make_node('ReduceMean', ['image'], ['features'], axes=[2], keepdims=0)],
            'rank3_input',
            [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', 224, 224])],
            [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', 224])],
        ),
        'rank3-input.onnx',
    )

    save(
        helper.make_graph(
            [helper.make_node('ReduceMean', ['image'], ['features'], axes=[0, 2, 3], keepdims=0)],
            'batch_mean',
            [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', 3, 224, 224])],
            [helper.make_tensor_value_info('features', TensorProto.FLOAT, [3])],
        ),
        'batch-mean.onnx',
    )

    with open(os.path.join(OUT, 'weights.json'), 'w') as f:
        json.dump({'W': W.tolist(), 'b': B.tolist(), 'pixel': list(PIXEL)}, f)
        f.write('\n')


if __name__ == '__main__':
    main()
