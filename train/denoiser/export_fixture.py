#!/usr/bin/env python3
"""Writes test/fixtures/diffusion/export-*: tiny randomly initialised denoisers exported exactly as the
training tool exports the real one (export.py), with inputs and torch's outputs, so
test/inpaint/diffusion-export.test.ts can check that onnxruntime-node computes what torch does.

- export-tiny.onnx + export-tiny.json: mask-conditioned UNet, tile 16, channels (8, 16, 16), attention, the
  model card filled in as the contract asks (training: none, steps 0).
- export-tiny-uncond.onnx + export-tiny-uncond.json: the same UNet without conditioning (inputs x, t).
- export-io.json + export-io.bin: for each model, batches of 1 and 3 (the batch axis is dynamic): every input
  and torch's eps, float32 little-endian, concatenated in export-io.bin; export-io.json lists each array's
  model, batch, name, shape and offset (in float32 values).

The output convolution, zero at initialisation in training (unet.py), is drawn at random here:
a zero output would match anything.

Run: /usr/bin/python3 train/denoiser/export_fixture.py   (npm run fixtures:diffusion)
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ddpm import SCHEDULE  # noqa: E402
from export import export_onnx, model_card  # noqa: E402
from fixture_masks import blob_mask  # noqa: E402
from unet import UNet, parameter_count  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'diffusion')
TILE = 16
CHANNELS = (8, 16, 16)


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20261202)
    torch.manual_seed(20261202)
    arrays, blob = [], []
    offset = 0
    for name, conditioning in (('export-tiny', 'mask'), ('export-tiny-uncond', 'none')):
        model = UNet(CHANNELS, attention=True, conditioning=conditioning)
        with torch.no_grad():
            model.out.weight.normal_(0, 0.1, generator=gen)
            model.out.bias.normal_(0, 0.1, generator=gen)
        model.eval()
        path = os.path.join(OUT, name + '.onnx')
        export_onnx(model, path, TILE, conditioning)
        training = {'data': None, 'images': [], 'steps': 0, 'batch': 0, 'lr': 0, 'seed': 20261202, 'masks': None, 'lossCurve': [], 'wallSeconds': 0, 'device': 'none (randomly initialised test fixture)'}
        cfg = {'tile': TILE, 'conditioning': conditioning, 'schedule': SCHEDULE, 'channels': list(CHANNELS), 'attention': True}
        card = model_card(cfg, path, parameter_count(model), training, {'model': 'MIT', 'trainingData': 'none'})
        with open(os.path.join(OUT, name + '.json'), 'w') as f:
            json.dump(card, f, indent=2)
            f.write('\n')
        for b in (1, 3):
            x = torch.randn(b, 3, TILE, TILE, generator=gen)
            t = torch.randint(0, SCHEDULE['T'], (b,), generator=gen).float()
            inputs = {'x': x, 't': t}
            if conditioning == 'mask':
                mask = blob_mask(gen, b, TILE, min_radius=2)
                inputs['known'] = (torch.rand(b, 3, TILE, TILE, generator=gen) * 2 - 1) * (1 - mask)
                inputs['mask'] = mask
            with torch.no_grad():
                eps = model(*inputs.values())
            for key, v in list(inputs.items()) + [('eps', eps)]:
                a = v.numpy().astype('<f4').ravel()
                arrays.append({'model': name, 'batch': b, 'name': key, 'shape': list(v.shape), 'offset': offset})
                blob.append(a)
                offset += a.size
        print(f'{path}: {os.path.getsize(path)} bytes, {parameter_count(model)} parameters')
    np.concatenate(blob).tofile(os.path.join(OUT, 'export-io.bin'))
    with open(os.path.join(OUT, 'export-io.json'), 'w') as f:
        json.dump({'note': 'float32 little-endian arrays in export-io.bin; offset and length in values', 'arrays': arrays}, f, indent=1)
        f.write('\n')
    print(f'{OUT}/export-io.bin: {offset * 4} bytes')


if __name__ == '__main__':
    main()
