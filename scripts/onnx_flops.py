#!/usr/bin/env python3
"""FLOPs of one forward of an ONNX model for one batch item: 2 x the multiply-adds of its
Conv, ConvTranspose, MatMul and Gemm nodes (the ops that dominate a UNet; element-wise ops,
norms and attention softmaxes are left out), with shapes from ONNX shape inference at batch 1.

Usage: /usr/bin/python3 scripts/onnx_flops.py model.onnx   -> prints {"flops": N, "parameters": P}
Needs the `onnx` package (Debian: python3-onnx).
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference


def _shapes(model):
    """name -> list of dims (ints, or None where unknown) for every value after inference."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for inp in m.graph.input:
        dims = inp.type.tensor_type.shape.dim
        if len(dims) > 0 and not dims[0].HasField('dim_value'):
            dims[0].Clear()
            dims[0].dim_value = 1
    m = shape_inference.infer_shapes(m)
    out = {}
    for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        out[vi.name] = [d.dim_value if d.HasField('dim_value') else None for d in vi.type.tensor_type.shape.dim]
    for init in m.graph.initializer:
        out[init.name] = list(init.dims)
    return out


def flops_per_item(model):
    shapes = _shapes(model)
    total = 0
    for node in model.graph.node:
        if node.op_type in ('Conv', 'ConvTranspose'):
            # Weights [Cout, Cin/group, kh, kw] (Conv) or [Cin, Cout/group, kh, kw] (ConvTranspose):
            # each output (input) value takes w[1]*kh*kw multiply-adds.
            w = shapes[node.input[1]]
            if node.op_type == 'Conv':
                out = shapes[node.output[0]]
                macs = int(np.prod(out[1:])) * (w[1] * int(np.prod(w[2:])))
            else:
                inp = shapes[node.input[0]]
                macs = int(np.prod(inp[1:])) * (w[1] * int(np.prod(w[2:])))
            total += 2 * macs
        elif node.op_type in ('MatMul', 'Gemm'):
            a = shapes[node.input[0]]
            out = shapes[node.output[0]]
            k = a[-1] if not (node.op_type == 'Gemm' and any(x.name == 'transA' and x.i for x in node.attribute)) else a[-2]
            total += 2 * int(np.prod(out)) * k
    return total


def parameters(model):
    # Float tensors of rank >= 1: weights and biases, not the scalar constants of the graph.
    return int(sum(np.prod(t.dims) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT and len(t.dims) > 0))


if __name__ == '__main__':
    m = onnx.load(sys.argv[1])
    print(json.dumps({'flops': flops_per_item(m), 'parameters': parameters(m)}))
