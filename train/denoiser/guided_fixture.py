#!/usr/bin/env python3
"""Writes test/fixtures/guided/: a tiny randomly initialised guided-diffusion (ADM) UNet converted
by convert_guided.py exactly as a user's checkpoint would be, with inputs and torch's outputs,
so that test/inpaint/diffusion-guided.test.ts can check in onnxruntime-node (which CI has; torch
it has not) that the converted files compute what the checkpoint's model computes in torch.

- adm-tiny.onnx, adm-tiny-grad.onnx, adm-tiny.json: the conversion (with --gradient) of a
  state dict saved as a .pt file, of the guided-diffusion layout for image_size 32,
  num_channels 32, num_res_blocks 1, attention at 16 px (2 heads of 16 channels),
  channel_mult 1,1, learn_sigma, use_scale_shift_norm, resblock_updown: the official 256x256
  model's options, shrunk. Its weights are PyTorch's default initialisation (seeded), with the
  GroupNorm scales and all biases drawn at random too so that nothing is left at 0 or 1.
- external.onnx, external.onnx.data, external.json: a two-convolution ε model at tile 16 with
  a cosine schedule (T = 100), exported through the converter's export_graph with its weights
  forced into an external data file: the path a model over 2 GB (ADM-256) takes.
- io.json + io.bin: float32 little-endian arrays concatenated in io.bin, listed in io.json
  (model, case, name, shape, offset in values): for adm-tiny, x and t at batches 1 and 3 with
  torch's eps, and x, t, y, mask at batch 2 with torch's grad (the hand-written VJP, checked
  here against torch.autograd in float64 before anything is written); for external, x, t, eps;
  and ᾱ_t of the cosine schedule at a few t (float64, in io.json) for schedule.ts.

Run: /usr/bin/python3 train/denoiser/guided_fixture.py   (npm run fixtures:guided)
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert_guided as cg  # noqa: E402
from adm import AdmUNet  # noqa: E402
from fixture_masks import blob_mask  # noqa: E402

ROOT = os.path.join(HERE, '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'guided')
SEED = 20261203
TINY_FLAGS = {
    'image_size': '32', 'num_channels': '32', 'num_res_blocks': '1', 'attention_resolutions': '16', 'channel_mult': '1,1',
    'num_head_channels': '16', 'learn_sigma': 'True', 'use_scale_shift_norm': 'True', 'resblock_updown': 'True',
    'use_new_attention_order': 'False', 'dropout': '0.0', 'diffusion_steps': '1000', 'noise_schedule': 'linear', 'use_fp16': 'True',
}


class TinyEps(nn.Module):
    """ε = C2(SiLU(C1(x) + w·t/T)): enough to tell a wrong external-data load from a right one."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 3, 3, padding=1)
        self.w = nn.Parameter(torch.randn(1, 8, 1, 1))

    def forward(self, x, t):
        return self.c2(torch.nn.functional.silu(self.c1(x) + self.w * (t / 100.0).reshape(-1, 1, 1, 1)))


class Recorder:
    def __init__(self):
        self.arrays, self.blob, self.offset = [], [], 0

    def add(self, model, case, name, v):
        a = v.detach().numpy().astype('<f4').ravel()
        self.arrays.append({'model': model, 'case': case, 'name': name, 'shape': list(v.shape), 'offset': self.offset})
        self.blob.append(a)
        self.offset += a.size


def randomise(model, gen):
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.GroupNorm):
                module.weight.normal_(1, 0.1, generator=gen)
            bias = getattr(module, 'bias', None)
            if isinstance(bias, nn.Parameter):
                bias.normal_(0, 0.05, generator=gen)


def check_vjp(model, x, t, y, mask, abar):
    """The exported gradient model's maths against torch.autograd in float64."""
    m = model.double()
    xd = x.double().requires_grad_(True)
    ab = torch.tensor(abar, dtype=torch.float64)[t.long()].reshape(-1, 1, 1, 1)
    eps = m(xd, t.double())[:, :3]
    x0 = (xd - (1 - ab).sqrt() * eps) / ab.sqrt()
    loss = (((1 - mask.double()) * (y.double() - x0)) ** 2).sum()
    (want,) = torch.autograd.grad(loss, xd)
    g = cg.GradModel(m, abar, 1.0).double()
    g.sa = torch.tensor(np.sqrt(abar), dtype=torch.float64)  # the float32 tables would cost 1e-8
    g.s1a = torch.tensor(np.sqrt(1 - abar), dtype=torch.float64)
    with torch.no_grad():
        got = g(x.double(), t.double(), y.double(), mask.double())
    model.float()
    err = (got - want).abs().max().item() / want.abs().max().item()
    if err > 1e-9:
        raise SystemExit(f'hand-written VJP differs from autograd: relative {err}')
    return err


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    os.makedirs(OUT, exist_ok=True)
    rec = Recorder()
    tmp = tempfile.mkdtemp(prefix='nucleimix-guided-')
    try:
        # The tiny ADM: a state dict on disk, converted through the command line.
        cfg = cg.config_from_flags(TINY_FLAGS)
        model = AdmUNet(cfg)
        randomise(model, gen)
        ckpt = os.path.join(tmp, 'adm-tiny.pt')
        torch.save(model.state_dict(), ckpt)
        args = ['--checkpoint', ckpt, '--out', OUT, '--name', 'adm-tiny', '--gradient', '--licence-model', 'MIT (randomly initialised test fixture)', '--licence-data', 'none']
        for k, v in TINY_FLAGS.items():
            args += ['--' + k, v]
        if cg.main(args) != 0:
            raise SystemExit('conversion failed')
        card_path = os.path.join(OUT, 'adm-tiny.json')
        with open(card_path, encoding='utf-8') as f:
            card = json.load(f)
        card['training']['checkpoint'] = 'adm-tiny.pt (a temporary file: randomly initialised, seed %d)' % SEED
        cg.write_json(card_path, card)

        # torch's outputs, from the checkpoint as the converter reads it.
        ref = cg.load_model(cfg, cg.read_state_dict(ckpt))
        S = cfg.image_size
        for b in (1, 3):
            x = torch.randn(b, 3, S, S, generator=gen)
            t = torch.randint(0, 1000, (b,), generator=gen).float()
            with torch.no_grad():
                eps = ref(x, t)[:, :3]
            for k, v in (('x', x), ('t', t), ('eps', eps)):
                rec.add('adm-tiny', f'eps-b{b}', k, v)
        abar = cg.alphas_cumprod(card['schedule'])
        x = torch.randn(2, 3, S, S, generator=gen)
        t = torch.tensor([120.0, 480.0])
        mask = blob_mask(gen, 2, S, min_radius=3)
        y = (torch.rand(2, 3, S, S, generator=gen) * 2 - 1) * (1 - mask)
        err = check_vjp(ref, x, t, y, mask, abar)
        with torch.no_grad():
            grad = cg.GradModel(ref, abar, 1.0)(x, t, y, mask)
        for k, v in (('x', x), ('t', t), ('y', y), ('mask', mask), ('grad', grad)):
            rec.add('adm-tiny', 'grad-b2', k, v)
        print(f'adm-tiny: {card["parameters"]} parameters, {card["flops"]} FLOPs, VJP vs autograd {err:.1e}; max |eps| {eps.abs().max():.3f}, max |grad| {grad.abs().max():.3f}')

        # A tiny model with external data and a cosine schedule.
        tiny = TinyEps().eval()
        randomise(tiny, gen)
        ext_path = os.path.join(OUT, 'external.onnx')
        data = cg.export_graph(tiny, (torch.zeros(2, 3, 16, 16), torch.zeros(2)), ['x', 't'], 'eps', ext_path, force_external=True)
        schedule = {'kind': 'cosine', 'T': 100, 's': 0.008, 'maxBeta': 0.999}
        ext_card = {
            'format': 'nucleimix-denoiser', 'version': 1, 'tile': 16, 'conditioning': 'none', 'normalisation': cg.NORMALISATION,
            'schedule': schedule, 'inputs': ['x', 't'], 'output': 'eps', 'gradient': None,
            'parameters': sum(p.numel() for p in tiny.parameters()),
            'training': {'data': None, 'note': 'randomly initialised test fixture (train/denoiser/guided_fixture.py)'},
            'licence': {'model': 'MIT', 'trainingData': 'none'},
            'sha256': cg.sha256_file(ext_path),
            'externalData': [{'file': data, 'sha256': cg.sha256_file(os.path.join(OUT, data))}],
        }
        cg.write_json(os.path.join(OUT, 'external.json'), ext_card)
        x = torch.randn(2, 3, 16, 16, generator=gen)
        t = torch.tensor([3.0, 77.0])
        with torch.no_grad():
            eps = tiny(x, t)
        for k, v in (('x', x), ('t', t), ('eps', eps)):
            rec.add('external', 'eps-b2', k, v)
        cos = cg.alphas_cumprod(schedule)
        cos1000 = cg.alphas_cumprod({'kind': 'cosine', 'T': 1000, 's': 0.008, 'maxBeta': 0.999})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    np.concatenate(rec.blob).tofile(os.path.join(OUT, 'io.bin'))
    picks = [0, 1, 10, 50, 98, 99]
    picks1000 = [0, 1, 250, 500, 900, 998, 999]
    cg.write_json(os.path.join(OUT, 'io.json'), {
        'note': 'float32 little-endian arrays in io.bin; offset and length in values (train/denoiser/guided_fixture.py)',
        'arrays': rec.arrays,
        'cosineAlphasCumprod': [
            {'schedule': schedule, 't': picks, 'abar': [float(cos[i]) for i in picks]},
            {'schedule': {'kind': 'cosine', 'T': 1000, 's': 0.008, 'maxBeta': 0.999}, 't': picks1000, 'abar': [float(cos1000[i]) for i in picks1000]},
        ],
    })
    for f in sorted(os.listdir(OUT)):
        print(f'{os.path.join(OUT, f)}: {os.path.getsize(os.path.join(OUT, f))} bytes')


if __name__ == '__main__':
    main()
